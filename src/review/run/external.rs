//! Correcting in `$VISUAL` or `$EDITOR`: the text in a private temporary file, the editor
//! run on it, and what it left there read back, bounded.

use crate::journal::corrections::MAX_CORRECTION_CHARS;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The editor to correct in: `$VISUAL`, else `$EDITOR`; none when neither is set (the
/// built-in editor opens instead).
pub fn editor_from_env() -> Option<String> {
    ["VISUAL", "EDITOR"].into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    })
}

/// The most a correction's file may hold: every character of the bound at four bytes.
const MAX_FILE_BYTES: u64 = (MAX_CORRECTION_CHARS as u64 + 1) * 4;

/// A directory only this user can enter, holding the file the editor works on; removed
/// with what is in it when dropped.
pub struct EditFile {
    dir: PathBuf,
    file: PathBuf,
}

impl EditFile {
    /// A fresh private directory under the temporary directory, with `text` in a file.
    pub fn create(text: &str) -> std::io::Result<EditFile> {
        let base = std::env::temp_dir();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = base.join(format!("verdict-correct-{}-{stamp}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        // Fails if anything is there already: nobody else's file or link is written.
        builder.create(&dir)?;
        let file = dir.join("correction.md");
        let made = EditFile { dir, file };
        let mut body = text.to_string();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        crate::fs::write_private_file(&made.file, &body)?;
        Ok(made)
    }

    pub fn path(&self) -> &Path {
        &self.file
    }

    /// What the editor left in the file; a sentence when it is too large to be a
    /// correction or cannot be read.
    pub fn read(&self) -> Result<String, String> {
        let f = std::fs::File::open(&self.file)
            .map_err(|e| format!("cannot read the edited file: {e}"))?;
        let mut bytes = Vec::new();
        f.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the edited file: {e}"))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(format!(
                "the edited file is over {MAX_FILE_BYTES} bytes, more than a correction of at most {MAX_CORRECTION_CHARS} characters"
            ));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl Drop for EditFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `editor` on `path` and waits for it. The command may hold arguments (`code -w`,
/// `vim -u NONE`): the shell reads it, as git runs its editor, and the file is passed as
/// one argument, never spliced into the command.
pub fn run_editor(editor: &str, path: &Path) -> Result<(), String> {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("verdict")
        .arg(path)
        .status()
        .map_err(|e| format!("cannot start the editor: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        let name = crate::sanitize::message(editor, 60);
        Err(match status.code() {
            Some(code) => format!("{name} exited with status {code}"),
            None => format!("{name} was stopped by a signal"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_editor_with_arguments_edits_the_file_and_it_is_read_back() {
        let f = EditFile::create("It was 1999.").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        run_editor("sed -i -e s/1999/2001/", f.path()).unwrap();
        assert_eq!(f.read().unwrap(), "It was 2001.\n");
        let err = run_editor("false", f.path()).unwrap_err();
        assert!(err.contains("exited with status 1"), "{err}");
        let dir = f.dir.clone();
        drop(f);
        assert!(!dir.exists());
    }

    #[test]
    fn a_file_over_the_bound_is_refused() {
        let f = EditFile::create("x").unwrap();
        std::fs::write(f.path(), vec![b'a'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert!(f.read().unwrap_err().contains("over"));
    }
}
