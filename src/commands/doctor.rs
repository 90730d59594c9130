//! `verdict doctor`: checks the config, the data directory, the journal, the local
//! databases and the log, without changing any of them, and says what to do about each
//! problem.

use crate::cli::ConnectArgs;
use crate::config::{Paths, Settings};
use crate::outln;
use crate::sqlite::{self, SqliteError};
use std::path::Path;

/// One line of the report.
struct Finding {
    ok: bool,
    what: &'static str,
    said: String,
}

fn ok(what: &'static str, said: String) -> Finding {
    Finding {
        ok: true,
        what,
        said,
    }
}

fn problem(what: &'static str, said: String) -> Finding {
    Finding {
        ok: false,
        what,
        said,
    }
}

pub async fn doctor(connect: &ConnectArgs) -> anyhow::Result<()> {
    let overrides = connect.overrides();
    let paths = Paths::resolve(overrides.config.as_deref())?;
    let mut findings = Vec::new();
    findings.push(match Settings::load(&overrides) {
        Ok(s) if s.warnings.is_empty() => ok(
            "config",
            format!(
                "{} ({})",
                paths.config_file.display(),
                if paths.config_file.exists() {
                    "read"
                } else {
                    "not there; defaults in use"
                }
            ),
        ),
        Ok(s) => problem("config", s.warnings.join("; ")),
        Err(e) => problem("config", e.to_string()),
    });
    findings.push(data_dir(&paths.data_dir));
    findings.push(database(
        "journal",
        &paths.journal_db(),
        crate::journal::SCHEMA_VERSION,
        "the journal is created with the first rating",
    ));
    for (what, path) in [
        ("demo database", paths.demo_db()),
        ("server database", paths.server_db()),
    ] {
        if path.exists() {
            findings.push(database(what, &path, crate::server::SCHEMA_VERSION, ""));
        }
    }
    findings.push(log(&paths.log_file()));

    let mut out = String::new();
    for f in &findings {
        let mark = if f.ok { "ok     " } else { "PROBLEM" };
        out.push_str(&format!("{mark}  {:<16} {}\n", f.what, f.said));
    }
    outln!("{}", out.trim_end())?;
    let problems = findings.iter().filter(|f| !f.ok).count();
    if problems > 0 {
        anyhow::bail!("{problems} problem(s) found; each line above says what to do.");
    }
    Ok(())
}

fn data_dir(dir: &Path) -> Finding {
    if !dir.exists() {
        return ok(
            "data dir",
            format!("{} (not there yet; made on first use)", dir.display()),
        );
    }
    let probe = dir.join(format!(".verdict-doctor-{}", std::process::id()));
    match std::fs::write(&probe, b"") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            ok("data dir", format!("{} (writable)", dir.display()))
        }
        Err(e) => problem(
            "data dir",
            format!(
                "{} cannot be written ({e}): ratings cannot be journaled; fix its owner or mode, or set VERDICT_DATA_DIR to a writable directory",
                dir.display()
            ),
        ),
    }
}

/// A database's health and what to do when it is poor.
fn database(what: &'static str, path: &Path, known: i64, missing: &str) -> Finding {
    if !path.exists() {
        return ok(
            what,
            format!("{} (not there yet; {missing})", path.display()),
        );
    }
    if let Some(p) = private_problem(path) {
        return problem(what, p);
    }
    match sqlite::check(path) {
        Ok(h) if h.problems.is_empty() && h.schema <= known => ok(
            what,
            format!("{} (sound, schema {})", path.display(), h.schema),
        ),
        Ok(h) if h.problems.is_empty() => problem(
            what,
            format!(
                "{} was written by a newer verdict (schema {}, this one knows {known}): upgrade verdict",
                path.display(),
                h.schema
            ),
        ),
        Ok(h) => problem(what, damaged(what, path, &h.problems.join("; "))),
        Err(e @ SqliteError::Corrupt { .. }) => problem(what, damaged(what, path, &e.to_string())),
        Err(e) => problem(what, e.to_string()),
    }
}

fn damaged(what: &str, path: &Path, found: &str) -> String {
    let rescue = if what == "journal" {
        "save what can be read with `verdict export --output rescued.jsonl`, then "
    } else {
        ""
    };
    format!(
        "{} is damaged ({found}): {rescue}move it aside (mv {} {}.damaged); verdict starts a new one",
        path.display(),
        path.display(),
        path.display()
    )
}

/// A database or log that others can read: ratings and transcripts are private.
fn private_problem(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "{} can be read by other users (mode {mode:o}): chmod 600 {}",
                path.display(),
                path.display()
            ));
        }
    }
    None
}

fn log(path: &Path) -> Finding {
    match std::fs::metadata(path) {
        Err(_) => ok("log", format!("{} (none yet)", path.display())),
        Ok(meta) => match private_problem(path) {
            Some(p) => problem("log", p),
            None => ok(
                "log",
                format!(
                    "{} ({} KB; moved to verdict.log.1 past {} MB)",
                    path.display(),
                    meta.len() / 1024,
                    crate::logging::LOG_BYTES_MAX / (1024 * 1024)
                ),
            ),
        },
    }
}
