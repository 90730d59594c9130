//! Keyset paging of the session list past the contract's offset cap, against the real
//! server: cursors walk every session once in order, and the client falls back to offsets
//! when a server offers no cursor.

use crate::common::TestServer;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use verdict::api::PageStart;
use verdict::api::model::{ListSessionsRequest, SessionStatus};

const SESSIONS: usize = 2_500;

/// `n` two-message conversations; every ten share one start time, so the list order
/// has ties on last activity that only the tie-breaker can order.
fn conversations(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let minute = i / 10;
        let status = if i % 3 == 0 { "idle" } else { "active" };
        let line = json!({
            "messages": [
                {"role": "user", "content": format!("question {i}")},
                {"role": "assistant", "content": format!("answer {i}")}
            ],
            "metadata": {
                "session_name": format!("s{i:05}"),
                "status": status,
                "created_at": format!("2026-11-{:02}T{:02}:{:02}:00Z", 1 + minute / 1440, minute / 60 % 24, minute % 60)
            }
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

async fn with_sessions(n: usize) -> TestServer {
    let server = TestServer::start().await;
    let summary = server.import(&conversations(n));
    assert_eq!(summary.sessions, n);
    server
}

/// Walks the list with raw requests, following `next_cursor` (or offsets), and returns ids.
async fn walk(server: &TestServer, body: &Value, limit: u32, by_cursor: bool) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match (&cursor, by_cursor) {
            (Some(c), _) => format!("limit={limit}&cursor={c}"),
            (None, _) => format!(
                "limit={limit}&offset={}",
                if by_cursor { 0 } else { ids.len() }
            ),
        };
        let resp = server
            .request(Method::POST, &format!("/v1/agents/sessions/list?{query}"))
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        let page = v["results"].as_array().unwrap();
        ids.extend(
            page.iter()
                .map(|s| s["session_id"].as_str().unwrap().to_string()),
        );
        let more = v["pagination"]["has_more"].as_bool().unwrap();
        if by_cursor {
            match v["pagination"]["next_cursor"].as_str() {
                Some(c) => {
                    assert!(more);
                    cursor = Some(c.to_string());
                }
                None => {
                    assert!(!more);
                    return ids;
                }
            }
        } else if !more {
            return ids;
        }
    }
}

#[tokio::test]
async fn cursor_pages_give_every_session_once_in_order() {
    let server = with_sessions(SESSIONS).await;
    let client = server.client();
    let mut start = PageStart::Offset(0);
    let mut pages = 0;
    let mut listed = Vec::new();
    loop {
        let page = client
            .list_sessions_from(&ListSessionsRequest::default(), 1000, &start)
            .await
            .unwrap();
        assert_eq!(page.response.total, SESSIONS as u64);
        pages += 1;
        listed.extend(page.response.results);
        match page.next {
            Some(next) => {
                assert!(matches!(next, PageStart::Cursor(_)), "{next:?}");
                start = next;
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(listed.len(), SESSIONS);
    let unique: HashSet<_> = listed.iter().map(|s| &s.session_id).collect();
    assert_eq!(unique.len(), SESSIONS, "a session came twice");
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].last_activity_at >= w[1].last_activity_at),
        "not newest first"
    );
    // The same order offset paging gives (ties included).
    let ids: Vec<String> = listed.into_iter().map(|s| s.session_id).collect();
    assert_eq!(ids, walk(&server, &json!({}), 1000, false).await);
    // And every other page size walks it the same way.
    assert_eq!(ids, walk(&server, &json!({}), 7, true).await);
    server.stop().await;
}

#[tokio::test]
async fn cursors_follow_filters_and_any_sort() {
    let server = with_sessions(600).await;
    for body in [
        json!({"sort": {"field": "created_at", "direction": "asc"}}),
        json!({"status": "idle", "sort": {"field": "message_count", "direction": "desc"}}),
        json!({"sort": {"updated_at": 1}}),
    ] {
        let by_cursor = walk(&server, &body, 64, true).await;
        let by_offset = walk(&server, &body, 64, false).await;
        assert_eq!(by_cursor, by_offset, "{body}");
        let unique: HashSet<_> = by_cursor.iter().collect();
        assert_eq!(unique.len(), by_cursor.len(), "{body}");
    }
    let idle = server
        .client()
        .list_sessions(
            &ListSessionsRequest {
                status: Some(SessionStatus::Idle),
                ..Default::default()
            },
            33,
        )
        .await
        .unwrap();
    assert_eq!(idle.len(), 200);
    assert!(idle.iter().all(|s| s.status == SessionStatus::Idle));
    server.stop().await;
}

#[tokio::test]
async fn a_bad_cursor_is_422() {
    let server = with_sessions(30).await;
    let list = |query: String, body: Value| {
        server
            .request(Method::POST, &format!("/v1/agents/sessions/list?{query}"))
            .json(&body)
            .send()
    };
    let first: Value = list("limit=10".into(), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cursor = first["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    // The cursor of one order does not fit another; garbage is no cursor at all; a
    // cursor naming a session that is not in this namespace is refused too.
    let foreign = "c1\nlast_activity_at\nd\n1\nses_nowhere"
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    for (query, body) in [
        (
            format!("cursor={cursor}"),
            json!({"sort": {"field": "created_at"}}),
        ),
        ("cursor=zz".to_string(), json!({})),
        ("cursor=6869".to_string(), json!({})),
        (format!("cursor={foreign}"), json!({})),
    ] {
        let resp = list(query.clone(), body).await.unwrap();
        assert_eq!(resp.status(), 422, "{query}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["detail"][0]["loc"], json!(["query", "cursor"]), "{v}");
    }
    // The cursor still works with its own order, and wins over an offset.
    let second: Value = list(format!("limit=10&offset=25&cursor={cursor}"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["results"].as_array().unwrap().len(), 10);
    assert_ne!(
        second["results"][0]["session_id"],
        first["results"][0]["session_id"]
    );
    server.stop().await;
}

/// A server like the hosted API that sends no `next_cursor`: the real server behind a
/// proxy that drops the key from every list answer.
async fn forward(State(upstream): State<String>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let (status, bytes) = match crate::common::forward(&upstream, req).await {
        Ok(answer) => answer,
        Err(status) => return status.into_response(),
    };
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) if path.ends_with("/sessions/list") => {
            if let Some(p) = v.get_mut("pagination").and_then(Value::as_object_mut) {
                p.remove("next_cursor");
            }
            Bytes::from(v.to_string())
        }
        _ => bytes,
    };
    (status, [("content-type", "application/json")], bytes).into_response()
}

async fn no_cursor_proxy(upstream: String) -> crate::common::Proxy {
    crate::common::Proxy::start(axum::Router::new().fallback(forward).with_state(upstream)).await
}

#[tokio::test]
async fn without_a_cursor_the_client_pages_by_offset() {
    let server = with_sessions(SESSIONS).await;
    let proxy = no_cursor_proxy(server.base_url()).await;
    let client = server.client_at(&proxy.base_url);
    let page = client
        .list_sessions_from(&ListSessionsRequest::default(), 1000, &PageStart::Offset(0))
        .await
        .unwrap();
    assert!(page.response.pagination.get("next_cursor").is_none());
    assert_eq!(page.next, Some(PageStart::Offset(1000)));
    let all = client
        .list_sessions(&ListSessionsRequest::default(), 1000)
        .await
        .unwrap();
    let ids: Vec<String> = all.into_iter().map(|s| s.session_id).collect();
    assert_eq!(ids.len(), SESSIONS);
    assert_eq!(ids, walk(&server, &json!({}), 1000, true).await);
    drop(proxy);
    server.stop().await;
}

/// The count every page carries follows each write: the server keeps it between pages
/// only while nothing is committed.
#[tokio::test]
async fn the_total_follows_every_write_between_pages() {
    use verdict::api::model::{AgentConfig, CreateSessionRequest};
    let server = with_sessions(30).await;
    let client = server.client();
    let active = ListSessionsRequest {
        status: Some(SessionStatus::Active),
        ..Default::default()
    };
    let totals = async |all: u64, act: u64| {
        // Several pages each time, so the kept count is the one sent.
        for start in [PageStart::Offset(0), PageStart::Offset(10)] {
            let page = client
                .list_sessions_from(&ListSessionsRequest::default(), 10, &start)
                .await
                .unwrap();
            assert_eq!(page.response.total, all);
            let page = client
                .list_sessions_from(&active, 10, &start)
                .await
                .unwrap();
            assert_eq!(page.response.total, act);
        }
    };
    totals(30, 20).await;
    let created = client
        .create_session(&CreateSessionRequest {
            agent_config: AgentConfig::default(),
            enable_memory: true,
            ..Default::default()
        })
        .await
        .unwrap();
    totals(31, 21).await;
    client.terminate_session(&created.session_id).await.unwrap();
    totals(31, 20).await;
    server.stop().await;
}
