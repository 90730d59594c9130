//! The sentences a reviewer reads about a failed call: one home for each, used by the
//! reviewer, the headless commands and the journal's record of errors.

use super::error::ApiError;

/// How the reader can try a failed call again: a key in the reviewer, or running the
/// command again at a shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry<'a> {
    Key(&'a str),
    Command,
}

impl ApiError {
    /// One sentence for a shell: what went wrong and what to do.
    pub fn user_message(&self) -> String {
        sentence(self, Retry::Command)
    }
}

/// What went wrong with a call and what to do, in one sentence, with the way to try
/// again that the reader has. The reviewer and the commands both say it this way.
pub fn sentence(e: &ApiError, retry: Retry) -> String {
    let (again, then_again) = match retry {
        Retry::Key(key) => (
            format!("press {key} to try again"),
            format!("then press {key}"),
        ),
        Retry::Command => (
            "try again later".to_string(),
            "then run it again".to_string(),
        ),
    };
    match e {
        // The key comes from the environment or the config file: retrying cannot help.
        ApiError::Unauthorized(_) => {
            let restart = match retry {
                Retry::Key(_) => " and restart verdict",
                Retry::Command => "",
            };
            format!(
                "The API key was refused: set MIXPEEK_API_KEY (or api_key in config.toml) to a valid key{restart}."
            )
        }
        ApiError::NotFound(i) => {
            let resource = i.message.trim_end_matches('.');
            if i.message.to_ascii_lowercase().contains("namespace") {
                format!("{resource}: check the namespace name (MIXPEEK_NAMESPACE or --namespace).")
            } else {
                match retry {
                    Retry::Key(key) => {
                        format!("{resource}: it may have been deleted; press {key} to refresh.")
                    }
                    Retry::Command => format!("{resource}: it may have been deleted."),
                }
            }
        }
        ApiError::BadRequest(i) | ApiError::Validation(i) => {
            format!(
                "The server refused the request ({}): {}",
                i.status, i.message
            )
        }
        ApiError::RateLimited(_) => {
            format!("The server is rate limiting requests; wait a moment, {then_again}.")
        }
        ApiError::Server(i) => {
            format!("The server failed ({} {}); {again}.", i.status, i.message)
        }
        ApiError::Timeout => format!(
            "The server did not answer in time; check the connection, {then_again} to retry."
        ),
        ApiError::Network(detail) => format!(
            "Cannot reach the server ({detail}); check the base URL and network, {then_again}."
        ),
        ApiError::Decode(detail) if super::client::is_too_large(e) => format!(
            "The server's answer could not be kept: {detail}; nothing of it is held.{}",
            retry_now(retry)
        ),
        // The parser's detail goes to the log (Display), not into the sentence.
        ApiError::Decode(_) => format!(
            "The server's answer could not be read; check that the base URL points at the Mixpeek API.{}",
            retry_now(retry)
        ),
        ApiError::Redirect(i) => format!(
            "The server redirected verdict ({}) to {}: set the base URL (MIXPEEK_BASE_URL or --base-url) to the address it should use.{}",
            i.status,
            i.message,
            retry_now(retry)
        ),
        ApiError::Config(e) => e.clone(),
    }
}

fn retry_now(retry: Retry) -> String {
    match retry {
        Retry::Key(key) => format!(" Press {key} to retry now."),
        Retry::Command => String::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorInfo;

    fn server_error() -> ApiError {
        ApiError::Server(ErrorInfo {
            status: 503,
            kind: "ServiceUnavailable".into(),
            message: "down for maintenance".into(),
            retry_after: None,
        })
    }

    #[test]
    fn a_shell_is_never_told_to_press_a_key_and_the_reviewer_is_told_its_own() {
        for e in [
            server_error(),
            ApiError::Timeout,
            ApiError::Network("refused".into()),
            ApiError::Decode("x".into()),
        ] {
            let shell = e.user_message();
            assert!(!shell.to_lowercase().contains("press"), "{shell}");
            let app = sentence(&e, Retry::Key("F5"));
            assert!(
                app.contains("press F5") || app.contains("Press F5"),
                "{app}"
            );
        }
        assert_eq!(
            server_error().user_message(),
            "The server failed (503 down for maintenance); try again later."
        );
    }

    #[test]
    fn the_journals_form_keeps_status_and_kind_first() {
        assert_eq!(
            describe(&server_error()),
            "503 ServiceUnavailable: down for maintenance"
        );
        assert_eq!(unreachable_reason(&ApiError::Timeout), "no answer in time");
    }
}
