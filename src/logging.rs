//! Logs go to a file in the data directory, never to the terminal the app draws on.

use std::path::Path;
use tracing_subscriber::filter::LevelFilter;

/// Sends `tracing` output to `file` (appending). Returns false if the file cannot be
/// opened; the program then runs without a log rather than failing.
pub fn to_file(file: &Path) -> bool {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    // Session and message ids, and what went wrong with them: the reviewer's business.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let Ok(f) = options.open(file) else {
        return false;
    };
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(f))
        .with_ansi(false)
        .with_max_level(level())
        .try_init()
        .is_ok()
}

/// Sends `tracing` output to standard error (for `verdict serve`, which draws nothing).
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level())
        .try_init();
}

fn level() -> LevelFilter {
    match std::env::var("VERDICT_LOG").ok().as_deref() {
        Some("trace") => LevelFilter::TRACE,
        Some("debug") => LevelFilter::DEBUG,
        Some("warn") => LevelFilter::WARN,
        Some("error") => LevelFilter::ERROR,
        _ => LevelFilter::INFO,
    }
}
