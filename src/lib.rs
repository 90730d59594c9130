//! verdict: review what AI agents said. A terminal reviewer for Mixpeek agent sessions,
//! its durable journal of ratings, and a local Mixpeek-compatible server.

pub mod agreement;
pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod fs;
pub mod journal;
pub mod logging;
pub mod output;
pub mod priority;
pub mod queue;
pub mod review;
pub mod sanitize;
pub mod server;
pub mod sqlite;
