//! How a call fails: the typed error, and how it is read from a server's answer.

use super::limits::ERROR_MESSAGE_CHARS;
use super::model::{ErrorResponse, HttpValidationError};
use reqwest::StatusCode;
use std::time::Duration;

/// What the server said when it refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// HTTP status code.
    pub status: u16,
    /// `ErrorResponse.error.type`, or a name made from the status when the body had none.
    pub kind: String,
    /// The server's human-readable message.
    pub message: String,
    /// `Retry-After`, when the server sent one in seconds.
    pub retry_after: Option<Duration>,
}

/// Every way a call can fail, in the terms a reviewer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401 or 403: the key is missing, wrong, or lacks access.
    #[error("{}", .0.message)]
    Unauthorized(ErrorInfo),
    /// 404: the namespace, session or message does not exist (for this key).
    #[error("{}", .0.message)]
    NotFound(ErrorInfo),
    /// 400, 413 and other 4xx refusals of the request itself.
    #[error("{}", .0.message)]
    BadRequest(ErrorInfo),
    /// 422: the body or a parameter failed validation.
    #[error("{}", .0.message)]
    Validation(ErrorInfo),
    /// 429: too many requests.
    #[error("{}", .0.message)]
    RateLimited(ErrorInfo),
    /// 5xx (and 408).
    #[error("{}", .0.message)]
    Server(ErrorInfo),
    /// No answer within the time allowed.
    #[error("the server did not answer in time")]
    Timeout,
    /// Could not reach the server at all.
    #[error("could not reach the server: {0}")]
    Network(String),
    /// The server answered 2xx with a body that is not what the contract says.
    #[error("the server sent a response verdict could not read: {0}")]
    Decode(String),
    /// 3xx: the server sent verdict elsewhere. Redirects are not followed: a followed
    /// POST turns into a GET, and another host would not get the key.
    #[error("{}", .0.message)]
    Redirect(ErrorInfo),
    /// The client was set up wrongly (bad URL, insecure HTTP, unusable key).
    #[error("{0}")]
    Config(String),
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.info().map(|i| i.status)
    }

    pub fn info(&self) -> Option<&ErrorInfo> {
        match self {
            ApiError::Unauthorized(i)
            | ApiError::NotFound(i)
            | ApiError::BadRequest(i)
            | ApiError::Validation(i)
            | ApiError::RateLimited(i)
            | ApiError::Server(i)
            | ApiError::Redirect(i) => Some(i),
            _ => None,
        }
    }

    /// Worth trying again later: network faults, timeouts, 408, 429 and 5xx; a 2xx whose
    /// body cannot be read (a proxy's page, a body cut short: the request may or may not
    /// have taken effect, and every call verdict repeats is safe to repeat); and a
    /// redirect, which a fixed base URL or a fixed proxy ends. Every other 4xx is
    /// permanent: sending the same request again cannot succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::Server(_)
                | ApiError::RateLimited(_)
                | ApiError::Timeout
                | ApiError::Network(_)
                | ApiError::Decode(_)
                | ApiError::Redirect(_)
        )
    }

    /// The server could not be reached at all (as opposed to answering with an error).
    pub fn is_offline(&self) -> bool {
        matches!(self, ApiError::Timeout | ApiError::Network(_))
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.info().and_then(|i| i.retry_after)
    }
}

/// A server's words, made safe and bounded to one line.
pub(crate) fn safe(s: &str) -> String {
    crate::sanitize::message(s, ERROR_MESSAGE_CHARS)
}

/// Builds the typed error from a non-2xx answer: ErrorResponse, HTTPValidationError, or neither.
pub fn error_from_body(status: StatusCode, body: &[u8], retry_after: Option<Duration>) -> ApiError {
    let code = status.as_u16();
    let (kind, message) = if let Ok(er) = serde_json::from_slice::<ErrorResponse>(body) {
        (er.error.kind, er.error.message)
    } else if let Ok(v) = serde_json::from_slice::<HttpValidationError>(body)
        && !v.detail.is_empty()
    {
        let msg = v
            .detail
            .iter()
            .map(|d| {
                let loc: Vec<String> = d
                    .loc
                    .iter()
                    .map(|l| match l {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                format!("{}: {}", loc.join("."), d.msg)
            })
            .collect::<Vec<_>>()
            .join("; ");
        ("ValidationError".to_string(), msg)
    } else {
        let reason = status.canonical_reason().unwrap_or("error").to_string();
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let message = if text.is_empty() || text.len() > 200 || text.starts_with('<') {
            reason.clone()
        } else {
            text.to_string()
        };
        (reason.replace(' ', ""), message)
    };
    // Shortened and made safe here, on receipt: whatever keeps, shows or logs an error
    // after this gets a bounded line with nothing a terminal would act on.
    let info = ErrorInfo {
        status: code,
        kind: crate::sanitize::message(&kind, 60),
        message: safe(&message),
        retry_after,
    };
    match code {
        401 | 403 => ApiError::Unauthorized(info),
        404 => ApiError::NotFound(info),
        408 => ApiError::Server(info),
        422 => ApiError::Validation(info),
        429 => ApiError::RateLimited(info),
        500..=599 => ApiError::Server(info),
        _ => ApiError::BadRequest(info),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_response_body_is_typed() {
        let body = br#"{"success":false,"status":404,"error":{"type":"NotFoundError","message":"Session not found","details":{"resource":"session","id":"ses_x"}}}"#;
        let e = error_from_body(StatusCode::NOT_FOUND, body, None);
        let ApiError::NotFound(info) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(info.kind, "NotFoundError");
        assert_eq!(info.message, "Session not found");
        assert!(!e.is_retryable());
    }

    #[test]
    fn validation_body_is_joined() {
        let body =
            br#"{"detail":[{"loc":["body","rating"],"msg":"bad rating","type":"value_error"}]}"#;
        let e = error_from_body(StatusCode::UNPROCESSABLE_ENTITY, body, None);
        assert_eq!(e.to_string(), "body.rating: bad rating");
        assert!(matches!(e, ApiError::Validation(_)));
    }

    #[test]
    fn garbage_body_keeps_status() {
        let e = error_from_body(
            StatusCode::SERVICE_UNAVAILABLE,
            b"<html>",
            Some(Duration::from_secs(3)),
        );
        assert_eq!(e.status(), Some(503));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.is_retryable());
    }
}
