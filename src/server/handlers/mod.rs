//! The handlers, one file per resource, and what they share: JSON answers, query parameters and bodies checked the way FastAPI checks them.

mod feedback;
mod history;
mod search;
mod sessions;
mod unsupported;

pub(crate) use feedback::{list_feedback, list_memory, submit_feedback};
pub(crate) use history::history;
pub(crate) use search::search;
pub(crate) use sessions::{
    create_session, get_session, list_sessions, patch_session, terminate_session,
};
pub(crate) use unsupported::{detect_intent, list_tools, respond_to_confirmation, send_message};

use super::error::ApiFailure;
use super::store::StoreError;
use crate::api::model::{DeclaredKeys, ValidationError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------- responses

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Task(format!("cannot encode JSON: {e}")))
}

fn json_response(bytes: Vec<u8>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        Bytes::from(bytes),
    )
        .into_response()
}

// ---------------------------------------------------------------- query parameters

/// Query parameters as given; the last of a repeated name wins, as in FastAPI.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<&str>) -> Self {
        Params(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Collects every validation problem of a request before answering 422 once.
#[derive(Default)]
struct Checks(Vec<ValidationError>);

impl Checks {
    fn push(&mut self, loc: &[&str], msg: impl Into<String>, kind: &str) {
        self.0.push(ApiFailure::invalid(loc, msg, kind));
    }

    fn int(&mut self, p: &Params, name: &str, min: i64, max: Option<i64>, default: i64) -> i64 {
        self.int_given(p, name, min, max).unwrap_or(default)
    }

    /// An integer parameter, `None` when it is absent (or not an integer, which is noted).
    fn int_given(&mut self, p: &Params, name: &str, min: i64, max: Option<i64>) -> Option<i64> {
        let raw = p.get(name)?;
        let Ok(v) = raw.trim().parse::<i64>() else {
            self.push(
                &["query", name],
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            );
            return None;
        };
        if v < min {
            self.push(
                &["query", name],
                format!("Input should be greater than or equal to {min}"),
                "greater_than_equal",
            );
        } else if let Some(max) = max.filter(|&m| v > m) {
            self.push(
                &["query", name],
                format!("Input should be less than or equal to {max}"),
                "less_than_equal",
            );
        }
        Some(v)
    }

    fn boolean(&mut self, p: &Params, name: &str, default: bool) -> bool {
        let Some(raw) = p.get(name) else {
            return default;
        };
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => true,
            "false" | "0" | "no" | "off" | "f" | "n" => false,
            _ => {
                self.push(
                    &["query", name],
                    "Input should be a valid boolean, unable to interpret input",
                    "bool_parsing",
                );
                default
            }
        }
    }

    /// Every key of `map` that `schema` does not declare, as pydantic lists them: after
    /// the field problems. Free-form objects are never passed here.
    fn undeclared(&mut self, map: &Map<String, Value>, schema: &DeclaredKeys, at: &[&str]) {
        for (key, value) in map {
            if !schema.declares(key) {
                self.0.push(ApiFailure::undeclared(at, key, value, schema));
            }
        }
    }

    fn finish(self) -> Result<(), ApiFailure> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiFailure::Validation(self.0))
        }
    }
}

// ---------------------------------------------------------------- bodies

/// The body as JSON; `None` when it is empty and optional.
fn body_json(
    body: Result<Bytes, BytesRejection>,
    required: bool,
) -> Result<Option<Value>, ApiFailure> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiFailure::new(
                status,
                "PayloadTooLargeError",
                format!(
                    "The request body is larger than the server accepts ({} bytes)",
                    super::MAX_BODY_BYTES
                ),
            )
        } else {
            ApiFailure::new(status, "BadRequestError", rejection.body_text())
        }
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return if required {
            Err(ApiFailure::Validation(vec![ApiFailure::invalid(
                &["body"],
                "Field required",
                "missing",
            )]))
        } else {
            Ok(None)
        };
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let position = byte_position(&body, e.line(), e.column());
            Err(ApiFailure::Validation(vec![ValidationError {
                loc: vec![json!("body"), json!(position)],
                msg: format!("JSON decode error: {e}"),
                kind: "json_invalid".to_string(),
                input: None,
                ctx: None,
            }]))
        }
    }
}

fn byte_position(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body
        .split(|&b| b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    line_start + column.saturating_sub(1)
}

/// For operations the local server refuses with 501: a JSON object body with a key its
/// schema does not declare is refused first with 422, as the hosted API validates a body
/// before it runs anything. Anything else about the body is left to the 501.
fn refuse_undeclared(
    body: Result<Bytes, BytesRejection>,
    schema: &DeclaredKeys,
) -> Result<(), ApiFailure> {
    let Ok(Some(Value::Object(map))) = body_json(body, false) else {
        return Ok(());
    };
    let mut checks = Checks::default();
    checks.undeclared(&map, schema, &["body"]);
    checks.finish()
}

fn body_object(value: Value) -> Result<Map<String, Value>, ApiFailure> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiFailure::Validation(vec![ApiFailure::invalid(
            &["body"],
            "Input should be a valid dictionary or object to extract fields from",
            "model_attributes_type",
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_position_counts_lines() {
        assert_eq!(byte_position(b"{\n  x", 2, 3), 4);
    }
}
