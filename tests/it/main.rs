//! The integration tests, as one binary (one link step instead of one per file); each
//! module was once a file of its own under `tests/`.
//!
//! They share one process now: a test must not change process-wide state (environment,
//! current directory, signal handlers, a global subscriber, umask). Settings go to the
//! library explicitly and to a child process through `Command::env`.

// Tests may unwrap, expect and panic: the library denies these lints, a test's failure is
// its job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod agree_cli;
mod architecture;
mod calibration;
mod cli_help;
mod cli_login;
mod client_bodies;
mod hostile_client;
mod journal_cli;
mod journal_damage;
mod journal_faults;
mod journal_restart;
mod journal_shared;
mod review_app;
mod review_bulk;
mod review_bulk_tmux;
mod review_cli;
mod review_correct;
mod review_order;
mod review_paging;
mod review_palette_tmux;
mod review_sample;
mod review_stats_tmux;
mod review_tags;
mod review_tmux;
mod review_undo;
mod review_window_tmux;
mod sdk_interop;
mod server_api;
mod server_cli;
mod server_hardening;
mod server_hosted;
mod server_import;
mod server_paging;
mod server_search;
mod server_seed;
mod stats_cli;
