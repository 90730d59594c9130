//! The contract, shared by client and server: HTTP types and the typed client.

pub mod client;
pub mod error;
pub mod limits;
mod listing;
pub mod model;
pub mod received;
pub mod tags;
pub mod wording;

pub use client::{Client, ClientOptions, PageStart, SessionsPage};
pub use error::{ApiError, ErrorInfo};

use std::fmt;

/// An API key. Debug and Display never show it; the only way out is [`ApiKey::expose`],
/// used where the key goes on the wire or is hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The hosted API.
pub const DEFAULT_BASE_URL: &str = "https://api.mixpeek.com";
