//! The sentences a reviewer reads about a failed call: one home for each, used by the
//! reviewer, the headless commands and the journal's record of errors.

use super::error::ApiError;

impl ApiError {
    /// One sentence for the screen: what went wrong and what to do.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::Unauthorized(_) => {
                "The API key was refused: set MIXPEEK_API_KEY (or api_key in config.toml) to a valid key.".to_string()
            }
            ApiError::NotFound(i) => {
                let resource = i.message.trim_end_matches('.');
                if i.message.to_ascii_lowercase().contains("namespace") {
                    format!("{resource}: check the namespace name (MIXPEEK_NAMESPACE or --namespace).")
                } else {
                    format!("{resource}: it may have been deleted; press r to refresh.")
                }
            }
            ApiError::BadRequest(i) | ApiError::Validation(i) => {
                format!("The server refused the request ({}): {}", i.status, i.message)
            }
            ApiError::RateLimited(_) => {
                "The server is rate limiting requests; verdict will retry shortly.".to_string()
            }
            ApiError::Server(i) => format!(
                "The server failed ({} {}); verdict will retry, or press r.",
                i.status, i.message
            ),
            ApiError::Timeout => {
                "The server did not answer in time; check the connection, then press r to retry.".to_string()
            }
            ApiError::Network(e) => {
                format!("Cannot reach the server ({e}); check the base URL and network, then press r.")
            }
            // The parser's detail goes to the log (Display), not into the sentence.
            ApiError::Decode(_) => "The server's answer could not be read; check that the base URL points at the Mixpeek API.".to_string(),
            ApiError::Redirect(i) => format!(
                "The server redirected verdict ({}) to {}: set the base URL (MIXPEEK_BASE_URL or --base-url) to the address it should use.",
                i.status, i.message
            ),
            ApiError::Config(e) => e.clone(),
        }
    }
}

/// What the journal keeps as `last_error`: the status and the server's message. Key
/// refusals are found again by this form (`401 …`, `403 …`), so it must not change.
pub fn describe(error: &ApiError) -> String {
    match error.info() {
        Some(info) => format!("{} {}: {}", info.status, info.kind, info.message),
        None => error.to_string(),
    }
}

/// Why the server could not be reached, without repeating "could not reach".
pub fn unreachable_reason(error: &ApiError) -> String {
    match error {
        ApiError::Network(reason) => reason.clone(),
        ApiError::Timeout => "no answer in time".to_string(),
        other => describe(other),
    }
}

/// Why `verdict rate` could not leave a rating with the server, and where it is kept.
pub fn rating_refused(error: &ApiError) -> String {
    match error {
        ApiError::Unauthorized(info) => format!(
            "The server refused the API key ({}: {}); set MIXPEEK_API_KEY (or api_key in config.toml) to a valid key: the rating is kept and goes with the next run (or `verdict sync`).",
            info.status, info.message
        ),
        _ => match error.info() {
            Some(info) => format!(
                "The server refused the rating ({}): {}. It is kept in the journal as failed.",
                info.status,
                info.message.trim_end_matches('.')
            ),
            None => format!(
                "The server's answer could not be used ({error}); the rating is kept in the journal as failed."
            ),
        },
    }
}
