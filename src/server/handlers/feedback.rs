//! Ratings: submitting one (answered once committed), and the local listings of feedback and memory.

use super::{Checks, Params, body_json, body_object, json_response, to_json};
use crate::api::limits::FEEDBACK_TEXT_MAX;
use crate::api::model::{
    FeedbackPage, MemoryPage, Rating, SUBMIT_FEEDBACK_REQUEST, SubmitFeedbackRequest,
};
use crate::server::AppState;
use crate::server::auth::Tenant;
use crate::server::error::ApiFailure;
use crate::server::store;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

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

/// `limit` (1 to `max`, else `default`) and `offset` (0 or more), checked as history checks them.
fn page_query(query: Option<&str>, default: u32, max: u32) -> Result<(u64, u64), ApiFailure> {
    let params = Params::parse(query);
    let mut checks = Checks::default();
    let limit = checks.int(
        &params,
        "limit",
        1,
        Some(i64::from(max)),
        i64::from(default),
    );
    let offset = checks.int(&params, "offset", 0, None, 0);
    checks.finish()?;
    Ok((limit.max(1) as u64, offset.max(0) as u64))
}

/// Local extension `GET .../{session_id}/feedback?limit=&offset=`: ratings latest first, a page at a time.
pub(crate) async fn list_feedback(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiFailure> {
    let (limit, offset) = page_query(
        query.as_deref(),
        FeedbackPage::LIMIT_DEFAULT,
        FeedbackPage::LIMIT_MAX,
    )?;
    let bytes = app
        .db
        .read(move |conn| {
            to_json(&store::list_feedback(
                conn,
                &tenant.ns,
                &session_id,
                limit,
                offset,
            )?)
        })
        .await?;
    Ok(json_response(bytes))
}

/// Local extension `GET .../{session_id}/memory?limit=&offset=`: the stored exchanges, a page at a time.
pub(crate) async fn list_memory(
    State(app): State<AppState>,
    tenant: Tenant,
    Path(session_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiFailure> {
    let (limit, offset) = page_query(
        query.as_deref(),
        MemoryPage::LIMIT_DEFAULT,
        MemoryPage::LIMIT_MAX,
    )?;
    let bytes = app
        .db
        .read(move |conn| {
            to_json(&store::list_memory(
                conn,
                &tenant.ns,
                &session_id,
                limit,
                offset,
            )?)
        })
        .await?;
    Ok(json_response(bytes))
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
    checks.undeclared(&map, &SUBMIT_FEEDBACK_REQUEST, &["body"]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn undeclared_keys_are_refused_after_the_field_problems() {
        let Err(ApiFailure::Validation(v)) =
            parse_feedback(json!({"rating": "positive", "bogus_key": 1, "note": null}))
        else {
            panic!("expected 422")
        };
        let kinds: Vec<&str> = v.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["missing", "extra_forbidden", "extra_forbidden"]);
        assert_eq!(v[1].loc, vec![json!("body"), json!("bogus_key")]);
        assert_eq!(v[1].msg, "Extra inputs are not permitted");
        assert_eq!(v[1].input, Some(json!(1)));
        assert_eq!(
            v[1].ctx,
            Some(json!({"accepted_keys": ["message_id", "rating", "feedback_text"]}))
        );
        assert_eq!(v[2].input, Some(json!(null)));
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
}
