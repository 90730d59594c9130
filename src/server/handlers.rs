//! One function per operation; parameters and bodies are checked the way FastAPI checks them.

use super::AppState;
use super::auth::Tenant;
use super::error::ApiFailure;
use super::store::{self, ListCursor, PageAt, SessionFilter, SessionOrder, SortField, StoreError};
use crate::api::model::{
    CreateSessionRequest, ListSessionsResponse, Rating, SessionStatus, SubmitFeedbackRequest,
    ValidationError,
};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::api::limits::FEEDBACK_TEXT_MAX;
// The contract's page bounds, as the signed integers the query checks compare.
const LIST_LIMIT_MAX: i64 = crate::api::limits::LIST_LIMIT_MAX as i64;
const LIST_LIMIT_DEFAULT: i64 = crate::api::limits::LIST_LIMIT_DEFAULT as i64;
const LIST_OFFSET_MAX: i64 = crate::api::limits::LIST_OFFSET_MAX as i64;
const HISTORY_LIMIT_MAX: i64 = crate::api::limits::HISTORY_LIMIT_MAX as i64;
const HISTORY_LIMIT_DEFAULT: i64 = crate::api::limits::HISTORY_LIMIT_DEFAULT as i64;

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
        let Some(raw) = p.get(name) else {
            return default;
        };
        let Ok(v) = raw.trim().parse::<i64>() else {
            self.push(
                &["query", name],
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            );
            return default;
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
        v
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

/// `SubmitFeedbackRequest`, checked field by field.
fn parse_feedback(value: Value) -> Result<SubmitFeedbackRequest, ApiFailure> {
    let map = body_object(value)?;
    let mut checks = Checks::default();
    let string_field = |checks: &mut Checks, name: &str, required: bool| -> Option<String> {
        match map.get(name) {
            None if required => {
                checks.push(&["body", name], "Field required", "missing");
                None
            }
            None | Some(Value::Null) if !required => None,
            Some(Value::String(s)) => Some(s.clone()),
            _ => {
                checks.push(
                    &["body", name],
                    "Input should be a valid string",
                    "string_type",
                );
                None
            }
        }
    };
    let message_id = string_field(&mut checks, "message_id", true);
    let rating_text = string_field(&mut checks, "rating", true);
    let feedback_text = string_field(&mut checks, "feedback_text", false);
    let rating = rating_text.as_deref().and_then(|r| {
        let parsed = Rating::parse(r);
        if parsed.is_none() {
            checks.push(
                &["body", "rating"],
                "String should match pattern '^(positive|negative)$'",
                "string_pattern_mismatch",
            );
        }
        parsed
    });
    if let Some(text) = &feedback_text
        && text.chars().count() > FEEDBACK_TEXT_MAX
    {
        checks.push(
            &["body", "feedback_text"],
            format!("String should have at most {FEEDBACK_TEXT_MAX} characters"),
            "string_too_long",
        );
    }
    checks.finish()?;
    match (message_id, rating) {
        (Some(message_id), Some(rating)) => Ok(SubmitFeedbackRequest {
            message_id,
            rating,
            feedback_text,
        }),
        _ => Err(ApiFailure::internal("feedback validation lost a field")),
    }
}

/// The list body: status, filters and sort, as a filter and an order the store understands.
fn parse_list_body(value: Option<Value>) -> Result<(SessionFilter, SessionOrder), ApiFailure> {
    let mut filter = SessionFilter::default();
    let mut order = SessionOrder::default();
    let map = match value {
        None | Some(Value::Null) => return Ok((filter, order)),
        Some(v) => body_object(v)?,
    };
    let mut checks = Checks::default();
    match map.get("status") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if SessionStatus::parse(s).is_some() => {
            filter.status = SessionStatus::parse(s);
        }
        Some(_) => checks.push(
            &["body", "status"],
            "Input should be 'active', 'idle', 'archived' or 'terminated'",
            "enum",
        ),
    }
    let object = |checks: &mut Checks, name: &str| match map.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => {
            checks.push(
                &["body", name],
                "Input should be a valid dictionary",
                "dict_type",
            );
            None
        }
    };
    let filters = object(&mut checks, "filters");
    let sort = object(&mut checks, "sort");
    checks.finish()?;

    for (key, v) in filters.iter().flatten() {
        let as_str = || {
            v.as_str().map(str::to_string).ok_or_else(|| {
                ApiFailure::bad_request(format!("The filter {key} must be a string"))
            })
        };
        match key.as_str() {
            "user_id" => filter.user_id = Some(as_str()?),
            "session_name" => filter.session_name = Some(as_str()?),
            "status" => {
                let s = as_str()?;
                let status = SessionStatus::parse(&s).ok_or_else(|| {
                    ApiFailure::bad_request(format!(
                        "The status filter {s:?} is not one of active, idle, archived, terminated"
                    ))
                })?;
                // The top-level status wins when both are given.
                filter.status.get_or_insert(status);
            }
            "enable_memory" => {
                filter.enable_memory = Some(v.as_bool().ok_or_else(|| {
                    ApiFailure::bad_request("The filter enable_memory must be true or false")
                })?);
            }
            other => {
                return Err(ApiFailure::bad_request(format!(
                    "The local server cannot filter on {other}; it filters on user_id, session_name, status and enable_memory"
                )));
            }
        }
    }
    if let Some(sort) = sort.filter(|s| !s.is_empty()) {
        order = parse_sort(&sort)?;
    }
    Ok((filter, order))
}

/// `{"field": F, "direction": "asc"|"desc"}` or `{F: "asc"|"desc"|1|-1}`.
fn parse_sort(sort: &Map<String, Value>) -> Result<SessionOrder, ApiFailure> {
    let (field, direction) = match sort.get("field") {
        Some(Value::String(f)) => (
            f.as_str(),
            sort.get("direction").or_else(|| sort.get("order")),
        ),
        _ if sort.len() == 1 => {
            let (f, d) = sort
                .iter()
                .next()
                .map(|(f, d)| (f.as_str(), Some(d)))
                .unzip();
            (f.unwrap_or(""), d.flatten())
        }
        _ => {
            return Err(ApiFailure::bad_request(
                "Give sort as {\"field\": ..., \"direction\": \"asc\" or \"desc\"}",
            ));
        }
    };
    let field = SortField::NAMES
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<&str> = SortField::NAMES.iter().map(|(n, _)| *n).collect();
            ApiFailure::bad_request(format!(
                "Cannot sort by {field:?}; sort by one of {}",
                names.join(", ")
            ))
        })?;
    let ascending = match direction {
        None | Some(Value::Null) => false,
        Some(Value::String(d)) if d.eq_ignore_ascii_case("asc") => true,
        Some(Value::String(d)) if d.eq_ignore_ascii_case("desc") => false,
        Some(Value::Number(n)) if n.as_i64() == Some(1) => true,
        Some(Value::Number(n)) if n.as_i64() == Some(-1) => false,
        Some(_) => {
            return Err(ApiFailure::bad_request(
                "The sort direction must be \"asc\" or \"desc\"",
            ));
        }
    };
    Ok(SessionOrder { field, ascending })
}

fn parse_create(value: Value) -> Result<CreateSessionRequest, ApiFailure> {
    let map = body_object(value)?;
    if !map.contains_key("agent_config") {
        return Err(ApiFailure::Validation(vec![ApiFailure::invalid(
            &["body", "agent_config"],
            "Field required",
            "missing",
        )]));
    }
    let request: CreateSessionRequest = serde_path_to_error::deserialize(Value::Object(map))
        .map_err(|e| {
            // Where in the body, as the contract's validation errors say it.
            let mut loc = vec!["body".to_string()];
            for segment in e.path() {
                match segment {
                    serde_path_to_error::Segment::Map { key } => loc.push(key.clone()),
                    serde_path_to_error::Segment::Seq { index } => loc.push(index.to_string()),
                    serde_path_to_error::Segment::Enum { variant } => loc.push(variant.clone()),
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            let loc: Vec<&str> = loc.iter().map(String::as_str).collect();
            ApiFailure::Validation(vec![ApiFailure::invalid(
                &loc,
                e.inner().to_string(),
                "value_error",
            )])
        })?;
    // The contract's bounds, which serde's types alone do not hold.
    let mut problems = Vec::new();
    let config = &request.agent_config;
    if !(0.0..=2.0).contains(&config.temperature) {
        problems.push(ApiFailure::invalid(
            &["body", "agent_config", "temperature"],
            "Input should be between 0 and 2",
            "less_than_equal",
        ));
    }
    if !(1..=100_000).contains(&config.max_tokens) {
        problems.push(ApiFailure::invalid(
            &["body", "agent_config", "max_tokens"],
            "Input should be between 1 and 100000",
            "less_than_equal",
        ));
    }
    if let Some(q) = &request.quotas {
        for (name, value) in [
            ("max_messages", q.max_messages),
            ("max_tokens_total", q.max_tokens_total),
            ("max_tool_calls", q.max_tool_calls),
            (
                "max_session_duration_minutes",
                q.max_session_duration_minutes,
            ),
            (
                "rate_limit_messages_per_minute",
                q.rate_limit_messages_per_minute,
            ),
        ] {
            if value == Some(0) {
                problems.push(ApiFailure::invalid(
                    &["body", "quotas", name],
                    "Input should be greater than or equal to 1",
                    "greater_than_equal",
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(request)
    } else {
        Err(ApiFailure::Validation(problems))
    }
}

// ---------------------------------------------------------------- operations

/// `POST /v1/agents/sessions/list`
///
/// Pages either by `offset` (capped at 10,000 by the contract) or by `cursor`, the
/// opaque `pagination.next_cursor` of the previous page, which reaches any depth at the
/// same cost. A cursor wins over an offset.
pub(crate) async fn list_sessions(
    State(app): State<AppState>,
    tenant: Tenant,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let params = Params::parse(query.as_deref());
    let mut checks = Checks::default();
    let limit = checks.int(
        &params,
        "limit",
        1,
        Some(LIST_LIMIT_MAX),
        LIST_LIMIT_DEFAULT,
    );
    let offset = checks.int(&params, "offset", 0, Some(LIST_OFFSET_MAX), 0);
    let _include_total = checks.boolean(&params, "include_total", false);
    let cursor = match params.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => {
            let decoded = ListCursor::decode(raw);
            if decoded.is_none() {
                checks.push(&["query", "cursor"], BAD_CURSOR, "value_error");
            }
            decoded
        }
    };
    checks.finish()?;
    let (filter, order) = parse_list_body(body_json(body, false)?)?;
    if let Some(c) = &cursor
        && c.order != order
    {
        return Err(ApiFailure::Validation(vec![ApiFailure::invalid(
            &["query", "cursor"],
            "The cursor was made for another sort order; start again without a cursor",
            "value_error",
        )]));
    }
    let (limit, offset) = (limit as u64, offset as u64);
    let bytes = app
        .db
        .read(move |conn| {
            let at = match &cursor {
                Some(c) => PageAt::After(c),
                None => PageAt::Offset(offset),
            };
            let Some(page) = store::list_sessions(conn, &tenant.ns, &filter, order, limit, at)?
            else {
                return Ok(None);
            };
            let has_more = page.next.is_some();
            // `total` is cheap from the index, so it is always sent, asked for or not.
            let mut pagination = Map::new();
            pagination.insert("limit".into(), json!(limit));
            if cursor.is_none() {
                pagination.insert("offset".into(), json!(offset));
            }
            pagination.insert("has_more".into(), json!(has_more));
            let next_offset = offset + page.sessions.len() as u64;
            pagination.insert(
                "next_offset".into(),
                if has_more && cursor.is_none() && next_offset <= LIST_OFFSET_MAX as u64 {
                    json!(next_offset)
                } else {
                    Value::Null
                },
            );
            pagination.insert(
                "next_cursor".into(),
                page.next.map_or(Value::Null, |c| json!(c.encode())),
            );
            pagination.insert("total".into(), json!(page.total));
            to_json(&ListSessionsResponse {
                results: page.sessions,
                total: page.total,
                pagination,
            })
            .map(Some)
        })
        .await?;
    match bytes {
        Some(bytes) => Ok(json_response(bytes)),
        None => Err(ApiFailure::Validation(vec![ApiFailure::invalid(
            &["query", "cursor"],
            BAD_CURSOR,
            "value_error",
        )])),
    }
}

const BAD_CURSOR: &str = "Invalid cursor: pass the pagination.next_cursor of the previous page, or no cursor to start again";

/// `POST /v1/agents/sessions`
pub(crate) async fn create_session(
    State(app): State<AppState>,
    tenant: Tenant,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let value = body_json(body, true)?.unwrap_or(Value::Null);
    let request = parse_create(value)?;
    let created = app
        .db
        .write(move |conn| store::create_session(conn, &tenant.ns, &request))
        .await?;
    Ok(axum::Json(created).into_response())
}

/// `GET /v1/agents/sessions/{session_id}`
pub(crate) async fn get_session(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
) -> Result<Response, ApiFailure> {
    let bytes = app
        .db
        .read(move |conn| to_json(&store::get_session(conn, &tenant.ns, &session_id)?))
        .await?;
    Ok(json_response(bytes))
}

/// `DELETE /v1/agents/sessions/{session_id}`
pub(crate) async fn terminate_session(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
) -> Result<Response, ApiFailure> {
    let done = app
        .db
        .write(move |conn| store::terminate_session(conn, &tenant.ns, &session_id))
        .await?;
    Ok(axum::Json(done).into_response())
}

/// `GET /v1/agents/sessions/{session_id}/history`
pub(crate) async fn history(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiFailure> {
    let params = Params::parse(query.as_deref());
    let mut checks = Checks::default();
    let limit = checks.int(
        &params,
        "limit",
        1,
        Some(HISTORY_LIMIT_MAX),
        HISTORY_LIMIT_DEFAULT,
    );
    let offset = checks.int(&params, "offset", 0, None, 0);
    checks.finish()?;
    let bytes = app
        .db
        .read(move |conn| {
            store::history_json(conn, &tenant.ns, &session_id, limit as u64, offset as u64)
        })
        .await?;
    Ok(json_response(bytes))
}

/// `POST /v1/agents/sessions/{session_id}/feedback`: answered only after the rating is committed.
pub(crate) async fn submit_feedback(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let value = body_json(body, true)?.unwrap_or(Value::Null);
    let request = parse_feedback(value)?;
    let receipt = app
        .db
        .write(move |conn| store::submit_feedback(conn, &tenant.ns, &session_id, &request))
        .await?;
    Ok(axum::Json(receipt).into_response())
}

/// Local extension `GET .../{session_id}/feedback`: every rating recorded, latest first.
pub(crate) async fn list_feedback(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
) -> Result<Response, ApiFailure> {
    let bytes = app
        .db
        .read(move |conn| to_json(&store::list_feedback(conn, &tenant.ns, &session_id)?))
        .await?;
    Ok(json_response(bytes))
}

/// Local extension `GET .../{session_id}/memory`: the exchanges stored to memory.
pub(crate) async fn list_memory(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
) -> Result<Response, ApiFailure> {
    let bytes = app
        .db
        .read(move |conn| to_json(&store::list_memory(conn, &tenant.ns, &session_id)?))
        .await?;
    Ok(json_response(bytes))
}

// Contract operations that need an agent runtime: refused clearly, after the usual auth checks.

pub(crate) async fn send_message(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Sending messages to an agent")
}

pub(crate) async fn respond_to_confirmation(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Answering tool confirmations")
}

pub(crate) async fn patch_session(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Updating a session's user memory")
}

pub(crate) async fn list_tools(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Listing agent tools")
}

pub(crate) async fn detect_intent(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Intent detection")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_problems_are_all_reported() {
        let Err(ApiFailure::Validation(v)) = parse_feedback(json!({"rating": "meh"})) else {
            panic!("expected 422")
        };
        let kinds: Vec<&str> = v.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["missing", "string_pattern_mismatch"]);
        assert_eq!(v[0].loc, vec![json!("body"), json!("message_id")]);
    }

    #[test]
    fn feedback_text_is_counted_in_characters() {
        let ok = "é".repeat(FEEDBACK_TEXT_MAX);
        let r =
            parse_feedback(json!({"message_id": "m", "rating": "positive", "feedback_text": ok}));
        assert!(r.is_ok());
        let long = "é".repeat(FEEDBACK_TEXT_MAX + 1);
        let r =
            parse_feedback(json!({"message_id": "m", "rating": "positive", "feedback_text": long}));
        assert!(matches!(r, Err(ApiFailure::Validation(_))));
    }

    #[test]
    fn sort_accepts_both_shapes() {
        let o = parse_sort(
            json!({"field": "created_at", "direction": "asc"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert!(o.ascending && o.field == SortField::Created);
        let o = parse_sort(json!({"message_count": -1}).as_object().unwrap()).unwrap();
        assert!(!o.ascending && o.field == SortField::MessageCount);
        assert!(parse_sort(json!({"field": "nope"}).as_object().unwrap()).is_err());
    }

    #[test]
    fn json_error_position_counts_lines() {
        assert_eq!(byte_position(b"{\n  x", 2, 3), 4);
    }
}
