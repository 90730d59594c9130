//! verdict: review what AI agents said. A terminal reviewer for Mixpeek agent sessions,
//! its durable journal of ratings, and a local Mixpeek-compatible server.

/// `eprintln!` that cannot panic: a stderr that is closed or a broken pipe loses the
/// line, never the command's work.
#[macro_export]
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod api;
pub mod cli;
pub mod config;
pub mod journal;
pub mod logging;
pub mod review;
pub mod server;
