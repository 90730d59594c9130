//! Every refusal the server sends: `ErrorResponse`, or FastAPI's 422 `HTTPValidationError`.

use super::store::StoreError;
use crate::api::model::{ErrorDetail, ErrorResponse, HttpValidationError, ValidationError};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A request the server refuses, in the contract's shape.
#[derive(Debug)]
pub(crate) enum ApiFailure {
    Error {
        status: StatusCode,
        kind: &'static str,
        message: String,
        details: Option<Value>,
    },
    Validation(Vec<ValidationError>),
}

impl ApiFailure {
    pub(crate) fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiFailure::Error {
            status,
            kind,
            message: message.into(),
            details: None,
        }
    }

    pub(crate) fn with_details(mut self, value: Value) -> Self {
        if let ApiFailure::Error { details, .. } = &mut self {
            *details = Some(value);
        }
        self
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", message)
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    pub(crate) fn not_found(resource: &str, id: &str) -> Self {
        let mut word = resource.to_string();
        if let Some(first) = word.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFoundError",
            format!("{word} not found"),
        )
        .with_details(json!({ "resource": resource, "id": id }))
    }

    pub(crate) fn not_implemented(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplementedError",
            format!(
                "{what} is not available: the local server has no agent runtime; it stores and serves transcripts and feedback only."
            ),
        )
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }

    /// A body past [`super::MAX_BODY_BYTES`].
    pub(crate) fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError",
            format!(
                "The request body is larger than the server accepts ({} bytes)",
                super::MAX_BODY_BYTES
            ),
        )
    }

    /// The body alone, for answers written below axum (a refused connection).
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let encoded = match self {
            ApiFailure::Error {
                status,
                kind,
                message,
                details,
            } => serde_json::to_vec(&ErrorResponse {
                success: false,
                status: status.as_u16(),
                error: ErrorDetail {
                    message: message.clone(),
                    kind: kind.to_string(),
                    details: details.clone(),
                },
            }),
            ApiFailure::Validation(detail) => serde_json::to_vec(&HttpValidationError {
                detail: detail.clone(),
            }),
        };
        encoded.unwrap_or_default()
    }

    /// One validation problem, as FastAPI reports it.
    pub(crate) fn invalid(loc: &[&str], msg: impl Into<String>, kind: &str) -> ValidationError {
        ValidationError {
            loc: loc
                .iter()
                .map(|s| Value::String((*s).to_string()))
                .collect(),
            msg: msg.into(),
            kind: kind.to_string(),
        }
    }

    /// The error the catch-all gives a response that arrived without a contract body.
    fn for_status(status: StatusCode, method: &Method, path: &str) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::new(
                status,
                "NotFoundError",
                format!("No such endpoint: {method} {path}"),
            ),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                "MethodNotAllowedError",
                format!("{method} is not allowed on {path}"),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => Self::too_large(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                status,
                "UnsupportedMediaTypeError",
                "Send the request body as application/json",
            ),
            s if s.is_server_error() => Self::internal("The local server failed; see its log"),
            s => Self::new(
                s,
                "BadRequestError",
                s.canonical_reason().unwrap_or("Bad request").to_string(),
            ),
        }
    }
}

impl From<StoreError> for ApiFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { resource, id } => ApiFailure::not_found(resource, &id),
            StoreError::NotAssistant { id, role } => ApiFailure::bad_request(format!(
                "Message {id} is a {role} message; only assistant messages can be rated"
            ))
            .with_details(json!({ "message_id": id, "role": role })),
            other => {
                tracing::error!("request failed: {other}");
                ApiFailure::internal(format!("The local server failed: {other}"))
            }
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        match self {
            ApiFailure::Error {
                status,
                kind,
                message,
                details,
            } => {
                let body = ErrorResponse {
                    success: false,
                    status: status.as_u16(),
                    error: ErrorDetail {
                        message,
                        kind: kind.to_string(),
                        details,
                    },
                };
                (status, axum::Json(body)).into_response()
            }
            ApiFailure::Validation(detail) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(HttpValidationError { detail }),
            )
                .into_response(),
        }
    }
}

/// Gives every error response that lacks one (axum's own 404, 405, 413 and rejections)
/// an `ErrorResponse` body, keeping its status and headers such as `Allow`.
pub(crate) async fn ensure_error_body(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let replacement = ApiFailure::for_status(status, &method, uri.path()).into_response();
    let (new_parts, body) = replacement.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        new_parts
            .headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("application/json")),
    );
    Response::from_parts(parts, body)
}

/// Routes the contract does not have.
pub(crate) async fn unknown_route(method: Method, uri: axum::http::Uri) -> ApiFailure {
    ApiFailure::for_status(StatusCode::NOT_FOUND, &method, uri.path())
}
