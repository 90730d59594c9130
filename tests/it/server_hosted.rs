//! What the hosted API changed since the contract's 0.81, as the local server follows it
//! (docs/hosted-api.md), over real HTTP: the list's `page_size`, `page`, `next_cursor`
//! and `after`; 422 `extra_forbidden` for undeclared body keys while free-form objects
//! stay free; PATCH of a session's user memory; and 422 bodies the SDK can read.

use crate::common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const SESSIONS: usize = 12;

/// Twelve two-message sessions an hour apart, so the default order is fixed.
async fn twelve() -> TestServer {
    let server = TestServer::start().await;
    let mut jsonl = String::new();
    for i in 0..SESSIONS {
        let line = json!({
            "messages": [
                {"role": "user", "content": format!("q{i}")},
                {"role": "assistant", "content": format!("a{i}")}
            ],
            "metadata": {"session_name": format!("s{i:02}"), "created_at": format!("2026-11-20T{i:02}:00:00Z")}
        });
        jsonl.push_str(&format!("{line}\n"));
    }
    assert_eq!(server.import(&jsonl).sessions, SESSIONS);
    server
}

async fn send(
    server: &TestServer,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = server.request(method, path);
    if let Some(body) = body {
        request = request.json(body);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

/// The session ids of `POST /v1/agents/sessions/list?QUERY`, and the whole answer.
async fn list(server: &TestServer, query: &str) -> (Vec<String>, Value) {
    let (status, body) = send(
        server,
        Method::POST,
        &format!("/v1/agents/sessions/list?{query}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{query}: {body}");
    let ids = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap().to_string())
        .collect();
    (ids, body)
}

/// The one validation error of a 422 at `loc`, after checking that the body is both
/// FastAPI's `detail` list and the `ErrorResponse` the hosted API's SDK expects.
fn refusal_at<'a>(status: u16, body: &'a Value, loc: &[&str]) -> &'a Value {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["status"], 422, "{body}");
    assert_eq!(body["error"]["type"], "ValidationError", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let detail = body["detail"]
        .as_array()
        .unwrap_or_else(|| panic!("no detail: {body}"));
    detail
        .iter()
        .find(|d| d["loc"] == json!(loc))
        .unwrap_or_else(|| panic!("no error at {loc:?}: {body}"))
}

#[tokio::test]
async fn page_size_and_page_count_pages_from_one() {
    let server = twelve().await;
    let (all, _) = list(&server, "limit=1000").await;
    assert_eq!(all.len(), SESSIONS);
    let (ids, body) = list(&server, "page_size=5&page=2").await;
    assert_eq!(ids, all[5..10], "page_size=5&page=2 is sessions 6-10");
    assert_eq!(body["pagination"]["page"], 2);
    assert_eq!(body["pagination"]["page_size"], 5);
    assert_eq!(body["pagination"]["offset"], 5);
    assert_eq!(list(&server, "page_size=5&page=1").await.0, all[..5]);
    assert_eq!(list(&server, "page_size=5").await.0, all[..5]);
    assert_eq!(list(&server, "limit=5&page=3").await.0, all[10..]);
    let (past, body) = list(&server, "page_size=5&page=4").await;
    assert!(
        past.is_empty() && body["pagination"]["has_more"] == false,
        "{body}"
    );
    // An offset that is not on a page boundary has no page number.
    let (ids, body) = list(&server, "page_size=5&offset=3").await;
    assert_eq!(ids, all[3..8]);
    assert_eq!(body["pagination"]["page"], Value::Null);
    server.stop().await;
}

#[tokio::test]
async fn the_contracts_names_win_over_the_aliases() {
    let server = twelve().await;
    let (all, _) = list(&server, "limit=1000").await;
    let (_, first) = list(&server, "limit=5").await;
    let token = first["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let second = &all[5..10];
    let cases: Vec<(String, &[String])> = vec![
        // limit wins over page_size, and page folds with the winning limit.
        ("limit=4&page_size=6".into(), &all[..4]),
        ("limit=4&page_size=6&page=2".into(), &all[4..8]),
        // offset wins over page.
        ("limit=5&page=2&offset=1".into(), &all[1..6]),
        // Any cursor wins over offset and page.
        (format!("limit=5&cursor={token}&offset=7&page=3"), second),
        (format!("limit=5&after={token}&page=9"), second),
        // cursor > next_cursor > after; the loser is not even read.
        (
            format!("limit=5&cursor={token}&next_cursor=garbage&after=garbage"),
            second,
        ),
        (format!("limit=5&next_cursor={token}&after=garbage"), second),
        (format!("limit=5&after={token}"), second),
        // An empty cursor is no cursor: the next name is read.
        (format!("limit=5&cursor=&next_cursor={token}"), second),
        ("limit=5&cursor=".into(), &all[..5]),
    ];
    for (query, want) in cases {
        assert_eq!(list(&server, &query).await.0, want, "{query}");
    }
    // Each cursor name walks the whole list by itself.
    for name in ["cursor", "next_cursor", "after"] {
        let mut seen = Vec::new();
        let mut query = "limit=5".to_string();
        loop {
            let (ids, body) = list(&server, &query).await;
            seen.extend(ids);
            match body["pagination"]["next_cursor"].as_str() {
                Some(next) => query = format!("limit=5&{name}={next}"),
                None => break,
            }
        }
        assert_eq!(seen, all, "walking by {name}");
    }
    server.stop().await;
}

#[tokio::test]
async fn each_paging_parameter_is_checked_under_its_own_name() {
    let server = twelve().await;
    let cases = [
        ("page=0", "page", "greater_than_equal"),
        ("page=x", "page", "int_parsing"),
        ("page_size=0&limit=5", "page_size", "greater_than_equal"),
        ("page_size=1001", "page_size", "less_than_equal"),
        ("page=2&offset=10001", "offset", "less_than_equal"),
        // page 12 of 1000 starts at offset 11,000, past the contract's cap of 10,000.
        ("page_size=1000&page=12", "page", "less_than_equal"),
        ("next_cursor=garbage", "next_cursor", "value_error"),
        ("after=garbage&offset=3", "after", "value_error"),
    ];
    for (query, name, kind) in cases {
        let (status, body) = send(
            &server,
            Method::POST,
            &format!("/v1/agents/sessions/list?{query}"),
            None,
        )
        .await;
        let error = refusal_at(status, &body, &["query", name]);
        assert_eq!(error["type"], kind, "{query}: {body}");
    }
    // The last page the cap allows, and a cursor made for another order, named as sent.
    assert!(list(&server, "page_size=1000&page=11").await.0.is_empty());
    let (_, first) = list(&server, "limit=5").await;
    let token = first["pagination"]["next_cursor"].as_str().unwrap();
    let (status, body) = send(
        &server,
        Method::POST,
        &format!("/v1/agents/sessions/list?after={token}"),
        Some(&json!({"sort": {"field": "created_at", "direction": "asc"}})),
    )
    .await;
    refusal_at(status, &body, &["query", "after"]);
    server.stop().await;
}

/// A request with an undeclared key: method, path, body, where the key is, the keys accepted.
type Undeclared = (Method, String, Value, Vec<&'static str>, Vec<&'static str>);

#[tokio::test]
async fn every_body_with_an_undeclared_key_is_refused_naming_the_accepted_keys() {
    let server = twelve().await;
    let sid = server.sessions().await[0].session_id.clone();
    let reply = server.assistant_ids(&sid).await[0].clone();
    let feedback = format!("/v1/agents/sessions/{sid}/feedback");
    let session = format!("/v1/agents/sessions/{sid}");
    let cases: Vec<Undeclared> = vec![
        (
            Method::POST,
            "/v1/agents/sessions/list".into(),
            json!({"status": "active", "bogus_key": 1}),
            vec!["body", "bogus_key"],
            vec!["status", "filters", "sort"],
        ),
        (
            Method::POST,
            feedback.clone(),
            json!({"message_id": reply, "rating": "positive", "bogus_key": 1}),
            vec!["body", "bogus_key"],
            vec!["message_id", "rating", "feedback_text"],
        ),
        (
            Method::POST,
            "/v1/agents/sessions".into(),
            json!({"agent_config": {}, "bogus_key": 1}),
            vec!["body", "bogus_key"],
            vec![
                "agent_config",
                "quotas",
                "user_id",
                "user_memory",
                "metadata",
                "enable_memory",
            ],
        ),
        (
            Method::POST,
            "/v1/agents/sessions".into(),
            json!({"agent_config": {"model": "m", "bogus_key": 1}}),
            vec!["body", "agent_config", "bogus_key"],
            vec![
                "model",
                "temperature",
                "max_tokens",
                "system_prompt",
                "available_tools",
            ],
        ),
        (
            Method::POST,
            "/v1/agents/sessions".into(),
            json!({"agent_config": {}, "quotas": {"max_messages": 2, "bogus_key": 1}}),
            vec!["body", "quotas", "bogus_key"],
            vec![
                "max_messages",
                "max_tokens_total",
                "max_tool_calls",
                "max_session_duration_minutes",
                "rate_limit_messages_per_minute",
            ],
        ),
        (
            Method::PATCH,
            session.clone(),
            json!({"user_memory": {}, "bogus_key": 1}),
            vec!["body", "bogus_key"],
            vec!["user_memory"],
        ),
        (
            Method::POST,
            format!("{session}/messages"),
            json!({"content": "hi", "bogus_key": 1}),
            vec!["body", "bogus_key"],
            vec!["content", "metadata", "stream"],
        ),
        (
            Method::POST,
            format!("{session}/confirmations/conf_1"),
            json!({"approved": true, "bogus_key": 1}),
            vec!["body", "bogus_key"],
            vec!["approved"],
        ),
        (
            Method::POST,
            "/v1/agents/sessions/intent/detect".into(),
            json!({"user_request": "find", "bogus_key": 1}),
            vec!["body", "bogus_key"],
            vec!["user_request", "include_collection_analysis"],
        ),
    ];
    for (method, path, body, loc, accepted) in cases {
        let (status, answer) = send(&server, method.clone(), &path, Some(&body)).await;
        let error = refusal_at(status, &answer, &loc);
        let at = format!("{method} {path}");
        assert_eq!(error["type"], "extra_forbidden", "{at}: {answer}");
        assert_eq!(error["msg"], "Extra inputs are not permitted", "{at}");
        assert_eq!(error["input"], 1, "{at}");
        assert_eq!(error["ctx"]["accepted_keys"], json!(accepted), "{at}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("bogus_key") && message.contains(&accepted.join(", ")),
            "{at}: {message}"
        );
    }
    // Field problems come first, then every undeclared key.
    let (status, answer) = send(
        &server,
        Method::POST,
        &feedback,
        Some(&json!({"rating": "meh", "b": 1, "a": null})),
    )
    .await;
    assert_eq!(status, 422);
    let kinds: Vec<&str> = answer["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "missing",
            "string_pattern_mismatch",
            "extra_forbidden",
            "extra_forbidden"
        ]
    );
    // A refused body changed nothing.
    assert_eq!(server.sessions().await.len(), SESSIONS);
    let (_, ratings) = send(&server, Method::GET, &feedback, None).await;
    assert_eq!(ratings["feedback"], json!([]), "{ratings}");
    let (_, read) = send(&server, Method::GET, &session, None).await;
    assert_eq!(read["user_memory"], json!({}));
    server.stop().await;
}

#[tokio::test]
async fn free_form_objects_take_any_key() {
    let server = twelve().await;
    let sid = server.sessions().await[0].session_id.clone();
    // filters and sort are free-form: no key in them is extra_forbidden. (The local
    // server filters on fewer keys than a body may hold, and says so with a 400.)
    let (status, body) = send(
        &server,
        Method::POST,
        "/v1/agents/sessions/list",
        Some(&json!({"filters": {"user_id": "nobody"}, "sort": {"created_at": "asc"}})),
    )
    .await;
    assert_eq!((status, &body["total"]), (200, &json!(0)), "{body}");
    let (status, body) = send(
        &server,
        Method::POST,
        "/v1/agents/sessions/list",
        Some(&json!({"filters": {"bogus_key": 1}})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot filter on bogus_key"),
        "{body}"
    );
    // user_memory and metadata are free-form too, in create and in patch.
    let anything = json!({"bogus_key": {"nested": [1, "two"]}});
    let (status, made) = send(
        &server,
        Method::POST,
        "/v1/agents/sessions",
        Some(&json!({"agent_config": {}, "user_memory": anything, "metadata": anything})),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let (status, body) = send(
        &server,
        Method::PATCH,
        &format!("/v1/agents/sessions/{sid}"),
        Some(&json!({"user_memory": anything})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn patch_replaces_the_user_memory() {
    let server = twelve().await;
    let sid = server.sessions().await[0].session_id.clone();
    let path = format!("/v1/agents/sessions/{sid}");
    let (_, before) = send(&server, Method::GET, &path, None).await;
    for memory in [
        json!({"language": "fr", "topics": ["ai"]}),
        json!({"only": true}),
        json!({}),
    ] {
        let (status, done) = send(
            &server,
            Method::PATCH,
            &path,
            Some(&json!({"user_memory": memory})),
        )
        .await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["session_id"], sid.as_str());
        assert!(
            done["updated_at"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "{done}"
        );
        let (_, after) = send(&server, Method::GET, &path, None).await;
        assert_eq!(
            after["user_memory"], memory,
            "the memory is replaced, not merged"
        );
        assert_eq!(after["updated_at"], done["updated_at"]);
        assert_eq!(after["last_activity_at"], before["last_activity_at"]);
        assert_eq!(after["status"], before["status"]);
    }
    let (status, body) = send(&server, Method::PATCH, &path, Some(&json!({}))).await;
    assert_eq!(
        refusal_at(status, &body, &["body", "user_memory"])["type"],
        "missing"
    );
    let (status, body) = send(
        &server,
        Method::PATCH,
        &path,
        Some(&json!({"user_memory": [1]})),
    )
    .await;
    assert_eq!(
        refusal_at(status, &body, &["body", "user_memory"])["type"],
        "dict_type"
    );
    let (status, body) = send(
        &server,
        Method::PATCH,
        "/v1/agents/sessions/ses_nope",
        Some(&json!({"user_memory": {}})),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["type"]),
        (404, &json!("NotFoundError")),
        "{body}"
    );
    server.stop().await;
}
