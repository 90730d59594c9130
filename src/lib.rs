//! verdict: review what AI agents said. A terminal reviewer for Mixpeek agent sessions,
//! its durable journal of ratings, and a local Mixpeek-compatible server.

pub mod api;
pub mod cli;
pub mod config;
pub mod journal;
pub mod logging;
pub mod review;
pub mod server;
