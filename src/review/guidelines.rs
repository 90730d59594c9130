//! The guidelines pane (`i`): a markdown file (the rubric) beside the transcript, read
//! through an effect, read again when its modification time changes.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The largest guidelines file shown.
pub const MAX_BYTES: u64 = 256 * 1024;

/// What the file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Content {
    /// Not read yet.
    #[default]
    NotRead,
    /// Its text, made safe for the terminal.
    Text(String),
    /// The file is not there.
    Missing,
    /// Larger than [`MAX_BYTES`].
    TooBig { bytes: u64 },
    /// Not UTF-8 text (a NUL byte or invalid UTF-8).
    Binary,
    /// Could not be read (permissions, a directory): why.
    Unreadable(String),
}

/// The guidelines file and the pane that shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guidelines {
    /// `--guidelines FILE` or `review.guidelines`; `None`: none configured.
    pub path: Option<PathBuf>,
    pub open: bool,
    /// First line shown.
    pub scroll: usize,
    pub content: Content,
    /// The modification time of what `content` holds.
    pub modified: Option<SystemTime>,
    /// A read is under way: the tick asks for no other.
    pub reading: bool,
}

impl Guidelines {
    /// The path as it may be shown.
    pub fn shown_path(&self) -> String {
        self.path.as_ref().map_or_else(String::new, |p| {
            crate::sanitize::message(&p.display().to_string(), 200)
        })
    }
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// The modification time is the one known: nothing read.
    Unchanged,
    Changed {
        modified: Option<SystemTime>,
        content: Content,
    },
}

/// Reads `path` unless its modification time is `known` (blocking: run off the loop).
pub fn read(path: &Path, known: Option<SystemTime>) -> Read {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return changed(None, Content::Missing);
        }
        Err(e) => return changed(None, Content::Unreadable(e.to_string())),
    };
    let modified = meta.modified().ok();
    if known.is_some() && modified == known {
        return Read::Unchanged;
    }
    if !meta.is_file() {
        return changed(modified, Content::Unreadable("not a file".to_string()));
    }
    if meta.len() > MAX_BYTES {
        return changed(modified, Content::TooBig { bytes: meta.len() });
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return changed(modified, Content::Unreadable(e.to_string())),
    };
    // Grown since the metadata was read.
    if bytes.len() as u64 > MAX_BYTES {
        return changed(
            modified,
            Content::TooBig {
                bytes: bytes.len() as u64,
            },
        );
    }
    let content = match String::from_utf8(bytes) {
        Ok(s) if !s.contains('\0') => Content::Text(crate::sanitize::text(&s).into_owned()),
        _ => Content::Binary,
    };
    changed(modified, content)
}

fn changed(modified: Option<SystemTime>, content: Content) -> Read {
    Read::Changed { modified, content }
}

/// Where a configured path is read: relative to `base` (the config file's directory)
/// unless absolute.
pub fn resolve(path: &Path, base: Option<&Path>) -> PathBuf {
    match base {
        Some(b) if path.is_relative() => b.join(path),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_refuses_binary_and_huge_and_says_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rubric.md");
        assert_eq!(
            read(&p, None),
            Read::Changed {
                modified: None,
                content: Content::Missing
            }
        );
        std::fs::write(&p, "# Rubric\n\x1b[31mred\x1b[0m").unwrap();
        let Read::Changed { modified, content } = read(&p, None) else {
            panic!("read")
        };
        let Content::Text(t) = content else {
            panic!("text")
        };
        assert!(t.starts_with("# Rubric") && !t.contains('\x1b'), "{t:?}");
        assert_eq!(read(&p, modified), Read::Unchanged);
        std::fs::write(&p, b"\x00\x01\x02").unwrap();
        assert!(matches!(
            read(&p, None),
            Read::Changed {
                content: Content::Binary,
                ..
            }
        ));
        std::fs::write(&p, vec![b'a'; MAX_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            read(&p, None),
            Read::Changed {
                content: Content::TooBig { .. },
                ..
            }
        ));
        assert_eq!(
            resolve(Path::new("r.md"), Some(Path::new("/c"))),
            PathBuf::from("/c/r.md")
        );
    }
}
