//! Local extension `GET /v1/agents/sessions/search?q=&limit=&offset=`: full-text search
//! over the caller's namespace, under the same key and namespace rules as every route.

use super::{Checks, Params, json_response, to_json};
use crate::api::model::SearchPage;
use crate::server::AppState;
use crate::server::auth::Tenant;
use crate::server::error::ApiFailure;
use crate::server::store;
use axum::extract::{RawQuery, State};
use axum::response::Response;

pub(crate) async fn search(
    State(app): State<AppState>,
    tenant: Tenant,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiFailure> {
    let params = Params::parse(query.as_deref());
    let mut checks = Checks::default();
    let q = match params.get("q") {
        None => {
            checks.push(&["query", "q"], "Field required", "missing");
            String::new()
        }
        Some(q) if q.chars().count() > SearchPage::QUERY_MAX_CHARS => {
            checks.push(
                &["query", "q"],
                format!(
                    "String should have at most {} characters",
                    SearchPage::QUERY_MAX_CHARS
                ),
                "string_too_long",
            );
            String::new()
        }
        Some(q) => {
            if let Some(why) = store::query_problem(q) {
                checks.push(&["query", "q"], why, "value_error");
            }
            q.to_string()
        }
    };
    let limit = checks.int(
        &params,
        "limit",
        1,
        Some(i64::from(SearchPage::LIMIT_MAX)),
        i64::from(SearchPage::LIMIT_DEFAULT),
    );
    let offset = checks.int(&params, "offset", 0, Some(SearchPage::OFFSET_MAX as i64), 0);
    checks.finish()?;
    let (limit, offset) = (limit.max(1) as u64, offset.max(0) as u64);
    let bytes = app
        .db
        .read(move |conn| to_json(&store::search(conn, &tenant.ns, &q, limit, offset)?))
        .await?;
    Ok(json_response(bytes))
}
