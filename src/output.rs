//! Standard output and error for the commands: a closed pipe or a broken stderr never
//! panics, and nothing printed can drive the terminal (every line passes the sanitiser,
//! since ids, errors and times in it may come from a server).

use anyhow::Context as _;
use std::io::Write as _;

/// `eprintln!` that cannot panic and prints nothing a terminal would act on: a stderr
/// that is closed or a broken pipe loses the line, never the command's work.
#[macro_export]
macro_rules! say_err {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!($($arg)*))
    };
}

/// What [`say_err!`] does: one line on standard error, made safe, errors ignored.
pub fn write_stderr(text: std::fmt::Arguments) {
    let line = text.to_string();
    let _ = writeln!(std::io::stderr(), "{}", crate::sanitize::text(&line));
}

/// Set once standard output's reader has gone away, so later lines are skipped, not attempted.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output for the headless commands. A reader that went away
/// (`verdict status | head -1`) is the reader being done: the rest of the output is skipped
/// and the command still succeeds, where `println!` would panic.
pub fn write_stdout(text: std::fmt::Arguments) -> anyhow::Result<()> {
    let text = text.to_string();
    write_stdout_raw(crate::sanitize::text(&text).as_bytes())
}

/// [`write_stdout`] without the sanitiser, for data written as it is into a pipe or a
/// file (an export whose reader is not a terminal).
pub fn write_stdout_raw(bytes: &[u8]) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(e).context("Cannot write to standard output"),
    }
}

/// `println!` for the headless commands, through [`write_stdout`]; evaluates to a `Result`.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
