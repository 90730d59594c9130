//! Every refusal the server sends: `ErrorResponse`, and for 422 FastAPI's `detail` list
//! with an `ErrorResponse` beside it (the hosted API's SDK reads 422 as `ErrorResponse`).

use super::store::StoreError;
use crate::api::model::{DeclaredKeys, ErrorDetail, ErrorResponse, ValidationError};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
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

    /// The status it answers with.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiFailure::Error { status, .. } => *status,
            ApiFailure::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The body alone: what `into_response` sends, and what answers written below axum
    /// (a refused connection) send.
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
            ApiFailure::Validation(detail) => serde_json::to_vec(&ValidationResponse {
                error: ErrorDetail {
                    message: summary(detail),
                    kind: "ValidationError".to_string(),
                    details: None,
                },
                detail: detail.clone(),
                success: false,
                status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
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
            input: None,
            ctx: None,
        }
    }

    /// A key the body's schema does not declare, as pydantic's `extra="forbid"` reports
    /// it, with the keys the schema accepts in `ctx`.
    pub(crate) fn undeclared(
        at: &[&str],
        key: &str,
        input: &Value,
        schema: &DeclaredKeys,
    ) -> ValidationError {
        let mut loc: Vec<&str> = at.to_vec();
        loc.push(key);
        ValidationError {
            input: Some(input.clone()),
            ctx: Some(json!({ "accepted_keys": schema.keys })),
            ..Self::invalid(&loc, "Extra inputs are not permitted", "extra_forbidden")
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
            StoreError::TooSlow(why) => ApiFailure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailableError",
                format!("The local server stopped a query: {why}"),
            ),
            other => {
                tracing::error!("request failed: {other}");
                ApiFailure::internal(format!("The local server failed: {other}"))
            }
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        (
            self.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.to_json(),
        )
            .into_response()
    }
}

/// The 422 body: FastAPI's `HTTPValidationError` (`detail`, as the contract has it), and
/// the `ErrorResponse` fields beside it, since the hosted API's own SDK types every 422
/// as `ErrorResponse`. Either reader finds what it expects; see docs/hosted-api.md.
#[derive(Serialize)]
struct ValidationResponse {
    detail: Vec<ValidationError>,
    success: bool,
    status: u16,
    error: ErrorDetail,
}

/// One line for people: `body.rating: String should match ...; query.limit: ...`, with
/// the accepted keys after an undeclared one.
fn summary(detail: &[ValidationError]) -> String {
    detail
        .iter()
        .map(|d| {
            let loc: Vec<String> = d
                .loc
                .iter()
                .map(|l| match l {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            let accepted = d
                .ctx
                .as_ref()
                .and_then(|c| c.get("accepted_keys"))
                .and_then(Value::as_array)
                .map(|keys| {
                    let keys: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
                    format!(" (accepted keys: {})", keys.join(", "))
                })
                .unwrap_or_default();
            format!("{}: {}{accepted}", loc.join("."), d.msg)
        })
        .collect::<Vec<_>>()
        .join("; ")
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
