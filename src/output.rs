//! Standard output and error for the commands: a closed pipe or a broken stderr never panics.

use anyhow::Context as _;
use std::io::Write as _;

/// `eprintln!` that cannot panic: a stderr that is closed or a broken pipe loses the
/// line, never the command's work.
#[macro_export]
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Set once standard output's reader has gone away, so later lines are skipped, not attempted.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output for the headless commands. A reader that went away
/// (`verdict status | head -1`) is the reader being done: the rest of the output is skipped
/// and the command still succeeds, where `println!` would panic.
pub fn write_stdout(text: std::fmt::Arguments) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(text).and_then(|()| stdout.flush()) {
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
