//! Logs go to a file in the data directory, never to the terminal the app draws on; the
//! file is bounded in size, and nothing in it can drive a terminal that shows it.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Past this size the log is moved to `verdict.log.1` (replacing the one before) and a
/// new one starts, so a server repeating a long error cannot fill the disk.
pub const LOG_BYTES_MAX: u64 = 10 * 1024 * 1024;

/// Sends `tracing` output to `file` (appending). Returns false if the file cannot be
/// opened; the program then runs without a log rather than failing.
pub fn to_file(file: &Path) -> bool {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Some(log) = RotatingLog::open(file.to_path_buf(), LOG_BYTES_MAX) else {
        return false;
    };
    tracing_subscriber::fmt()
        .with_writer(log)
        .with_ansi(false)
        .with_max_level(level())
        .try_init()
        .is_ok()
}

/// Sends `tracing` output to standard error (for `verdict serve`, which draws nothing),
/// made safe like everything else verdict prints.
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_writer(|| SafeWriter(std::io::stderr()))
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

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    // Session and message ids, and what went wrong with them: the reviewer's business.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// A log file that starts over (keeping one older file) when it passes its size.
pub struct RotatingLog {
    path: PathBuf,
    max: u64,
    state: Mutex<LogState>,
}

struct LogState {
    file: Option<File>,
    written: u64,
}

impl RotatingLog {
    pub fn open(path: PathBuf, max: u64) -> Option<RotatingLog> {
        let file = open_private(&path).ok()?;
        let written = file.metadata().map(|m| m.len()).unwrap_or(0);
        Some(RotatingLog {
            path,
            max,
            state: Mutex::new(LogState {
                file: Some(file),
                written,
            }),
        })
    }

    /// Writes one formatted event. Errors are swallowed: a full or read-only disk loses
    /// log lines, and must not print "unable to write" over the reviewer's screen.
    fn write_event(&self, bytes: &[u8]) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.written >= self.max {
            state.file = None;
            let mut older = self.path.clone().into_os_string();
            older.push(".1");
            let _ = std::fs::rename(&self.path, &older);
            state.file = open_private(&self.path).ok();
            state.written = 0;
        }
        let text = String::from_utf8_lossy(bytes);
        let safe = crate::sanitize::text(&text);
        if let Some(file) = state.file.as_mut()
            && file.write_all(safe.as_bytes()).is_ok()
        {
            state.written += safe.len() as u64;
        }
    }
}

/// One event's writer: the formatter writes the whole event, then it goes to the file.
pub struct EventWriter<'a> {
    log: &'a RotatingLog,
    buf: Vec<u8>,
}

impl Write for EventWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter<'_> {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.log.write_event(&self.buf);
        }
    }
}

impl<'a> MakeWriter<'a> for RotatingLog {
    type Writer = EventWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            log: self,
            buf: Vec::with_capacity(256),
        }
    }
}

/// A writer that passes text through the sanitiser on its way out.
struct SafeWriter<W: Write>(W);

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes);
        // A broken stderr loses the line, never the server.
        let _ = self.0.write_all(crate::sanitize::text(&text).as_bytes());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_starts_over_past_its_size_and_keeps_one_older_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("verdict.log");
        let log = RotatingLog::open(path.clone(), 1000).unwrap();
        for i in 0..50 {
            let mut w = log.make_writer();
            writeln!(w, "event {i} \u{1b}]0;title\u{7} {}", "x".repeat(40)).unwrap();
        }
        let now = std::fs::read_to_string(&path).unwrap();
        let older = std::fs::read_to_string(dir.path().join("verdict.log.1")).unwrap();
        assert!(now.len() as u64 <= 1000 + 100, "{}", now.len());
        assert!(
            older.len() >= 1000 && older.len() <= 1100,
            "{}",
            older.len()
        );
        assert!(now.contains("event 49"));
        assert!(!now.contains('\u{1b}') && !older.contains('\u{7}'));
        assert!(now.contains("\u{fffd}]0;title\u{fffd}"));
    }

    #[test]
    fn a_log_that_cannot_be_written_is_silent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("verdict.log");
        let log = RotatingLog::open(path.clone(), 1000).unwrap();
        // The file handle is gone (as on a disk that failed): writing must neither fail
        // the caller nor panic.
        log.state.lock().unwrap().file = None;
        let mut w = log.make_writer();
        writeln!(w, "lost").unwrap();
        drop(w);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
    }
}
