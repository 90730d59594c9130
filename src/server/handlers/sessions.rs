//! Session operations: list (offset, page and cursor pages), create, get, patch and terminate, with their bodies checked as FastAPI would.

use super::{Checks, Params, body_json, body_object, json_response, to_json};
use crate::api::model::{
    AGENT_CONFIG, CREATE_SESSION_REQUEST, CreateSessionRequest, LIST_SESSIONS_REQUEST,
    PATCH_SESSION_REQUEST, PatchSessionRequest, SESSION_QUOTAS, SessionStatus, ValidationError,
};
use crate::server::AppState;
use crate::server::auth::Tenant;
use crate::server::error::ApiFailure;
use crate::server::store::{self, ListCursor, PageAt, SessionFilter, SessionOrder, SortField};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

// The contract's page bounds, as the signed integers the query checks compare.
const LIST_LIMIT_MAX: i64 = crate::api::limits::LIST_LIMIT_MAX as i64;
const LIST_LIMIT_DEFAULT: i64 = crate::api::limits::LIST_LIMIT_DEFAULT as i64;
const LIST_OFFSET_MAX: i64 = crate::api::limits::LIST_OFFSET_MAX as i64;

/// The names a list cursor may come under, in the order they win: the contract's
/// `cursor`, then the hosted API's aliases `next_cursor` and `after` (docs/hosted-api.md).
const CURSOR_NAMES: [&str; 3] = ["cursor", "next_cursor", "after"];

/// Where a page of the list starts and how long it is, from the contract's `limit`,
/// `offset` and `cursor` and the hosted API's `page_size`, `page`, `next_cursor` and
/// `after`. Each parameter is checked on its own, as FastAPI checks them; then
/// `limit` wins over `page_size`, `offset` over `page`, and any cursor over both.
#[derive(Debug)]
struct ListQuery {
    limit: u64,
    offset: u64,
    /// The cursor that won, and the name it came under (for the errors about it).
    cursor: Option<(&'static str, ListCursor)>,
}

fn parse_list_query(params: &Params) -> Result<ListQuery, ApiFailure> {
    let mut checks = Checks::default();
    let limit = checks.int_given(params, "limit", 1, Some(LIST_LIMIT_MAX));
    let page_size = checks.int_given(params, "page_size", 1, Some(LIST_LIMIT_MAX));
    let offset = checks.int_given(params, "offset", 0, Some(LIST_OFFSET_MAX));
    let page = checks.int_given(params, "page", 1, None);
    let _include_total = checks.boolean(params, "include_total", false);
    let limit = limit
        .or(page_size)
        .unwrap_or(LIST_LIMIT_DEFAULT)
        .clamp(1, LIST_LIMIT_MAX);
    // An empty value is no cursor, so the next name is read.
    let named = CURSOR_NAMES.iter().find_map(|&name| {
        params
            .get(name)
            .filter(|raw| !raw.is_empty())
            .map(|raw| (name, raw))
    });
    let cursor = named.and_then(|(name, raw)| {
        let decoded = ListCursor::decode(raw).map(|c| (name, c));
        if decoded.is_none() {
            checks.push(&["query", name], BAD_CURSOR, "value_error");
        }
        decoded
    });
    // `page` counts from 1 and folds to whole pages of the winning limit; the offset it
    // reaches is held to the contract's offset cap.
    let offset = match (offset, page) {
        (Some(offset), _) => offset,
        (None, Some(page)) => {
            let folded = (page.max(1) - 1).saturating_mul(limit);
            if folded > LIST_OFFSET_MAX && cursor.is_none() {
                let last = LIST_OFFSET_MAX / limit + 1;
                checks.push(
                    &["query", "page"],
                    format!(
                        "Input should be less than or equal to {last}: page {page} of {limit} sessions starts at offset {folded}, past the cap of {LIST_OFFSET_MAX}; page by cursor instead"
                    ),
                    "less_than_equal",
                );
            }
            folded
        }
        (None, None) => 0,
    };
    checks.finish()?;
    Ok(ListQuery {
        limit: limit as u64,
        offset: offset as u64,
        cursor,
    })
}

/// `POST /v1/agents/sessions/list`
///
/// Pages either by offset (capped at 10,000 by the contract; `page` is a whole-page
/// offset) or by cursor, the opaque `pagination.next_cursor` of the previous page, which
/// reaches any depth at the same cost. A cursor wins over an offset or a page.
pub(crate) async fn list_sessions(
    State(app): State<AppState>,
    tenant: Tenant,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let ListQuery {
        limit,
        offset,
        cursor,
    } = parse_list_query(&Params::parse(query.as_deref()))?;
    let (filter, order) = parse_list_body(body_json(body, false)?)?;
    let cursor_name = cursor.as_ref().map_or("cursor", |(name, _)| *name);
    if let Some((_, c)) = &cursor
        && c.order != order
    {
        return Err(ApiFailure::Validation(vec![ApiFailure::invalid(
            &["query", cursor_name],
            "The cursor was made for another sort order; start again without a cursor",
            "value_error",
        )]));
    }
    let bytes = app
        .db
        .read(move |conn| {
            let at = match &cursor {
                Some((_, c)) => PageAt::After(c),
                None => PageAt::Offset(offset),
            };
            let paged = cursor.is_some();
            // Rows are written straight to JSON; the count is kept between pages while
            // nothing changes (both: see `store::list_sessions_json`).
            store::list_sessions_json(
                conn,
                &tenant.ns,
                &filter,
                order,
                limit,
                at,
                |total, next, returned| {
                    let has_more = next.is_some();
                    let mut pagination = Map::new();
                    pagination.insert("limit".into(), json!(limit));
                    pagination.insert("page_size".into(), json!(limit));
                    if !paged {
                        pagination.insert("offset".into(), json!(offset));
                        // The page number, when this page starts on a whole page.
                        pagination.insert(
                            "page".into(),
                            if offset.is_multiple_of(limit) {
                                json!(offset / limit + 1)
                            } else {
                                Value::Null
                            },
                        );
                    }
                    pagination.insert("has_more".into(), json!(has_more));
                    let next_offset = offset + returned;
                    pagination.insert(
                        "next_offset".into(),
                        if has_more && !paged && next_offset <= LIST_OFFSET_MAX as u64 {
                            json!(next_offset)
                        } else {
                            Value::Null
                        },
                    );
                    pagination.insert(
                        "next_cursor".into(),
                        next.map_or(Value::Null, |c| json!(c.encode())),
                    );
                    pagination.insert("total".into(), json!(total));
                    pagination
                },
            )
        })
        .await?;
    match bytes {
        Some(bytes) => Ok(json_response(bytes)),
        None => Err(ApiFailure::Validation(vec![ApiFailure::invalid(
            &["query", cursor_name],
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

/// `PATCH /v1/agents/sessions/{session_id}`: replaces the session's user memory, the
/// one thing the contract lets a session change after it is made.
pub(crate) async fn patch_session(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let value = body_json(body, true)?.unwrap_or(Value::Null);
    let request = parse_patch(value)?;
    let done = app
        .db
        .write(move |conn| {
            store::patch_session(conn, &tenant.ns, &session_id, &request.user_memory)
        })
        .await?;
    Ok(axum::Json(done).into_response())
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
    // `filters` and `sort` are free-form objects: only the body's own keys are held.
    checks.undeclared(&map, &LIST_SESSIONS_REQUEST, &["body"]);
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

/// `PatchSessionRequest`: `user_memory`, a free-form object, and nothing else.
fn parse_patch(value: Value) -> Result<PatchSessionRequest, ApiFailure> {
    let map = body_object(value)?;
    let mut checks = Checks::default();
    let user_memory = match map.get("user_memory") {
        None => {
            checks.push(&["body", "user_memory"], "Field required", "missing");
            None
        }
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => {
            checks.push(
                &["body", "user_memory"],
                "Input should be a valid dictionary",
                "dict_type",
            );
            None
        }
    };
    checks.undeclared(&map, &PATCH_SESSION_REQUEST, &["body"]);
    checks.finish()?;
    user_memory
        .map(|user_memory| PatchSessionRequest { user_memory })
        .ok_or_else(|| ApiFailure::internal("patch validation lost a field"))
}

fn parse_create(value: Value) -> Result<CreateSessionRequest, ApiFailure> {
    let map = body_object(value)?;
    // Keys no schema of the body declares, at the top and in its two declared objects;
    // user_memory and metadata are free-form. Reported after any other problem.
    let mut extra = Checks::default();
    extra.undeclared(&map, &CREATE_SESSION_REQUEST, &["body"]);
    if let Some(Value::Object(config)) = map.get("agent_config") {
        extra.undeclared(config, &AGENT_CONFIG, &["body", "agent_config"]);
    }
    if let Some(Value::Object(quotas)) = map.get("quotas") {
        extra.undeclared(quotas, &SESSION_QUOTAS, &["body", "quotas"]);
    }
    let extra = extra.0;
    let refuse = |mut problems: Vec<ValidationError>| {
        problems.extend(extra.iter().cloned());
        ApiFailure::Validation(problems)
    };
    if !map.contains_key("agent_config") {
        return Err(refuse(vec![ApiFailure::invalid(
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
            refuse(vec![ApiFailure::invalid(
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
    if problems.is_empty() && extra.is_empty() {
        Ok(request)
    } else {
        Err(refuse(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
