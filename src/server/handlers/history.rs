//! A session's history page: its query checked, then written straight from the store as JSON.

use super::{Checks, Params, json_response};
use crate::server::AppState;
use crate::server::auth::Tenant;
use crate::server::error::ApiFailure;
use crate::server::store;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

const HISTORY_LIMIT_MAX: i64 = crate::api::limits::HISTORY_LIMIT_MAX as i64;
const HISTORY_LIMIT_DEFAULT: i64 = crate::api::limits::HISTORY_LIMIT_DEFAULT as i64;

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
