//! The local server answers every operation and error of the contract, over real HTTP.

use crate::common;

use crate::common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};
use verdict::api::ApiError;
use verdict::api::model::*;

/// Status and JSON body of a raw response.
async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.expect("a JSON body");
    (status, body)
}

/// Status and JSON body of a POST of `body` as JSON, with the server's key and namespace.
async fn post_json(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    let resp = server
        .request(Method::POST, path)
        .json(body)
        .send()
        .await
        .unwrap();
    answer(resp).await
}

/// Checks an `ErrorResponse` body and returns its error type.
fn error_kind(status: u16, body: &Value) -> String {
    let parsed: ErrorResponse = serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("not an ErrorResponse ({e}): {body}"));
    assert!(!parsed.success, "{body}");
    assert_eq!(parsed.status, status, "{body}");
    assert!(!parsed.error.message.is_empty(), "{body}");
    parsed.error.kind
}

/// Checks a FastAPI `HTTPValidationError` body and returns the `loc`s it names.
fn validation_locs(body: &Value) -> Vec<String> {
    let parsed: HttpValidationError = serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("not an HTTPValidationError ({e}): {body}"));
    assert!(!parsed.detail.is_empty(), "{body}");
    parsed
        .detail
        .iter()
        .map(|d| {
            d.loc
                .iter()
                .map(|l| l.as_str().map_or(l.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

fn info(e: &ApiError) -> &verdict::api::ErrorInfo {
    e.info()
        .unwrap_or_else(|| panic!("no server answer in {e:?}"))
}

fn rate(message_id: &str, rating: Rating) -> SubmitFeedbackRequest {
    SubmitFeedbackRequest {
        message_id: message_id.to_string(),
        rating,
        feedback_text: None,
    }
}

// ---------------------------------------------------------------- headers and tenancy

#[tokio::test]
async fn missing_or_wrong_key_is_401_before_namespace_is_checked() {
    let server = TestServer::with_sample().await;
    let path = "/v1/agents/sessions/list";

    let resp = server
        .http()
        .post(server.url(path))
        .header("X-Namespace", "test")
        .send()
        .await
        .unwrap();
    let (status, body) = answer(resp).await;
    assert_eq!(status, 401);
    assert_eq!(error_kind(status, &body), "UnauthorizedError");

    // A wrong key and no namespace: the key is checked first.
    let resp = server
        .http()
        .post(server.url(path))
        .bearer_auth("sk_wrong")
        .send()
        .await
        .unwrap();
    let (status, body) = answer(resp).await;
    assert_eq!(status, 401, "{body}");
    error_kind(status, &body);

    let resp = server
        .http()
        .post(server.url(path))
        .header("Authorization", "Basic abc")
        .header("X-Namespace", "test")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let bad = server.client_with(verdict::api::ApiKey::new("sk_not_a_key"), "test");
    let e = bad.get_session("ses_x").await.unwrap_err();
    assert!(matches!(e, ApiError::Unauthorized(_)), "{e:?}");
    assert_eq!(info(&e).kind, "UnauthorizedError");
    server.stop().await;
}

#[tokio::test]
async fn missing_namespace_is_400() {
    let server = TestServer::with_sample().await;
    let resp = server
        .http()
        .post(server.url("/v1/agents/sessions/list"))
        .bearer_auth(server.key.expose())
        .send()
        .await
        .unwrap();
    let (status, body) = answer(resp).await;
    assert_eq!(status, 400);
    assert_eq!(error_kind(status, &body), "BadRequestError");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Namespace")
    );
    server.stop().await;
}

#[tokio::test]
async fn another_organisations_namespace_is_404_and_ids_work_too() {
    let server = TestServer::with_sample().await;
    let other_key = verdict::server::create_key(&server.db, "other").unwrap();
    let mine = server.sessions().await;
    let ns_id = mine[0].namespace_id.clone();
    assert!(ns_id.starts_with("ns_"), "{ns_id}");

    // The other organisation's key cannot see `test`, by name or by id, nor its sessions.
    for ns in ["test", ns_id.as_str(), "no-such-namespace"] {
        let other = server.client_with(other_key.clone(), ns);
        let e = other
            .list_sessions_page(&ListSessionsRequest::default(), 10, 0)
            .await
            .unwrap_err();
        assert!(matches!(e, ApiError::NotFound(_)), "{ns}: {e:?}");
        assert_eq!(info(&e).message, "Namespace not found");
    }
    let theirs = server.client_with(other_key, "other");
    let page = theirs
        .list_sessions_page(&ListSessionsRequest::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    let e = theirs.get_session(&mine[0].session_id).await.unwrap_err();
    assert!(matches!(e, ApiError::NotFound(_)), "{e:?}");

    // A namespace may be named by its ns_ id.
    let by_id = server.client_with(server.key.clone(), &ns_id);
    assert_eq!(
        by_id.get_session(&mine[0].session_id).await.unwrap(),
        mine[0]
    );

    // A second key for an existing namespace joins its organisation.
    let second = verdict::server::create_key(&server.db, "test").unwrap();
    let again = server.client_with(second, "test");
    assert_eq!(
        again.get_session(&mine[0].session_id).await.unwrap(),
        mine[0]
    );
    server.stop().await;
}

// ---------------------------------------------------------------- list and get

#[tokio::test]
async fn list_is_most_recent_first_with_review_counts() {
    let server = TestServer::with_sample().await;
    let page = server
        .client()
        .list_sessions_page(&ListSessionsRequest::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let names: Vec<_> = page
        .results
        .iter()
        .map(|s| s.session_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["tools", "no-memory", "short"]);
    let tools = &page.results[0];
    assert_eq!(tools.message_count, 7);
    assert_eq!(tools.stats.total_tool_calls, 1);
    assert_eq!(
        tools.review,
        Some(ReviewStats {
            assistant_messages: 3,
            rated_messages: 0
        })
    );
    assert_eq!(tools.created_at, "2026-11-20T09:00:00Z");
    assert_eq!(tools.last_activity_at, "2026-11-20T09:03:00Z");
    assert_eq!(tools.user_id.as_deref(), Some("u1"));
    assert_eq!(
        tools.agent_config.system_prompt,
        "You answer about buckets."
    );
    assert_eq!(tools.agent_config.available_tools, ["count_objects"]);
    assert!(tools.session_id.starts_with("ses_"));
    assert!(tools.internal_id.starts_with("int_"));

    // Paging by one walks the same order.
    let mut walked = Vec::new();
    for offset in 0..4 {
        let p = server
            .client()
            .list_sessions_page(&ListSessionsRequest::default(), 1, offset)
            .await
            .unwrap();
        walked.extend(p.results.into_iter().map(|s| s.session_id));
    }
    let all: Vec<_> = page.results.iter().map(|s| s.session_id.clone()).collect();
    assert_eq!(walked, all);

    // Filters and sort.
    let idle = server
        .client()
        .list_sessions_page(
            &ListSessionsRequest {
                status: Some(SessionStatus::Idle),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(idle.total, 1);
    assert_eq!(idle.results[0].session_name.as_deref(), Some("no-memory"));
    let resp = server
        .request(Method::POST, "/v1/agents/sessions/list")
        .json(&json!({"filters": {"user_id": "u1"}, "sort": {"field": "created_at", "direction": "asc"}}))
        .send()
        .await
        .unwrap();
    let (status, body) = answer(resp).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1);
    let resp = server
        .request(Method::POST, "/v1/agents/sessions/list")
        .json(&json!({"sort": {"created_at": 1}}))
        .send()
        .await
        .unwrap();
    let (_, body) = answer(resp).await;
    assert_eq!(body["results"][0]["session_name"], "short");
    server.stop().await;
}

#[tokio::test]
async fn list_body_may_be_missing_or_empty_and_is_validated() {
    let server = TestServer::with_sample().await;
    for body in ["", "{}", "null"] {
        let resp = server
            .request(Method::POST, "/v1/agents/sessions/list?include_total=true")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, v) = answer(resp).await;
        assert_eq!(status, 200, "{body:?}: {v}");
        assert_eq!(v["results"].as_array().unwrap().len(), 3);
        assert!(v["pagination"].is_object());
    }
    let (status, v) = post_json(
        &server,
        "/v1/agents/sessions/list",
        &json!({"status": "sleeping"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(validation_locs(&v), ["body.status"]);
    let (status, v) = post_json(
        &server,
        "/v1/agents/sessions/list",
        &json!({"filters": {"colour": "red"}}),
    )
    .await;
    assert_eq!(status, 400);
    error_kind(status, &v);
    server.stop().await;
}

#[tokio::test]
async fn list_limit_and_offset_edges() {
    let server = TestServer::with_sample().await;
    let list = |query: &str| {
        server
            .request(Method::POST, &format!("/v1/agents/sessions/list?{query}"))
            .json(&json!({}))
            .send()
    };
    let (status, v) = answer(list("limit=1000").await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    assert_eq!(v["pagination"]["has_more"], false);

    let (status, v) = answer(list("limit=2").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(v["pagination"]["has_more"], true);
    assert_eq!(v["pagination"]["next_offset"], 2);

    let (status, v) = answer(list("offset=10000").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(v["results"].as_array().unwrap().len(), 0);
    assert_eq!(v["total"], 3);

    for (query, loc) in [
        ("limit=1001", "query.limit"),
        ("limit=0", "query.limit"),
        ("limit=ten", "query.limit"),
        ("offset=10001", "query.offset"),
        ("offset=-1", "query.offset"),
        ("include_total=maybe", "query.include_total"),
    ] {
        let (status, v) = answer(list(query).await.unwrap()).await;
        assert_eq!(status, 422, "{query}: {v}");
        assert_eq!(validation_locs(&v), [loc], "{query}");
    }
    server.stop().await;
}

#[tokio::test]
async fn get_session_and_unknown_session() {
    let server = TestServer::with_sample().await;
    let listed = server.session_named("short").await;
    let got = server
        .client()
        .get_session(&listed.session_id)
        .await
        .unwrap();
    assert_eq!(got, listed);

    let resp = server
        .request(Method::GET, "/v1/agents/sessions/ses_nope")
        .send()
        .await
        .unwrap();
    let (status, body) = answer(resp).await;
    assert_eq!(status, 404);
    assert_eq!(error_kind(status, &body), "NotFoundError");
    assert_eq!(body["error"]["message"], "Session not found");
    assert_eq!(body["error"]["details"]["id"], "ses_nope");

    let e = server.client().get_session("ses_nope").await.unwrap_err();
    assert!(matches!(e, ApiError::NotFound(_)), "{e:?}");
    assert!(!e.is_retryable());
    server.stop().await;
}

// ---------------------------------------------------------------- history

#[tokio::test]
async fn history_pages_oldest_first() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let client = server.client();

    let all = client.history_page(&tools.session_id, 50, 0).await.unwrap();
    assert_eq!(all.total_messages, 7);
    assert_eq!(all.returned_messages, 7);
    assert!(!all.has_more);
    let kinds: Vec<_> = all
        .messages
        .iter()
        .map(|m| format!("{}/{}", m.role, m.content_type))
        .collect();
    assert_eq!(
        kinds,
        [
            "user/text",
            "assistant/text",
            "tool/tool_call",
            "tool/tool_result",
            "assistant/text",
            "user/text",
            "assistant/text"
        ]
    );
    assert_eq!(all.messages[2].tool_name.as_deref(), Some("count_objects"));
    assert_eq!(all.messages[2].tool_status.as_deref(), Some("success"));
    assert_eq!(
        all.messages[3].tool_outputs.as_deref(),
        Some("{\"count\": 42}")
    );
    assert!(
        all.messages
            .windows(2)
            .all(|w| w[0].timestamp <= w[1].timestamp)
    );
    assert!(
        all.messages
            .iter()
            .all(|m| m.message_id.starts_with("msg_"))
    );

    let page = client.history_page(&tools.session_id, 3, 3).await.unwrap();
    assert_eq!(page.returned_messages, 3);
    assert!(page.has_more);
    assert_eq!(page.messages[..], all.messages[3..6]);

    let last = client.history_page(&tools.session_id, 3, 6).await.unwrap();
    assert_eq!(last.returned_messages, 1);
    assert!(!last.has_more);

    let past = client.history_page(&tools.session_id, 3, 50).await.unwrap();
    assert_eq!(past.returned_messages, 0);
    assert!(past.messages.is_empty());
    assert!(!past.has_more);
    assert_eq!(past.total_messages, 7);

    let path = format!("/v1/agents/sessions/{}/history", tools.session_id);
    let resp = server.request(Method::GET, &path).send().await.unwrap();
    let (status, v) = answer(resp).await;
    assert_eq!(status, 200);
    assert_eq!(v["returned_messages"], 7, "default limit is 50");

    let (status, _) = answer(
        server
            .request(Method::GET, &format!("{path}?limit=200"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    for (query, loc) in [
        ("limit=201", "query.limit"),
        ("limit=0", "query.limit"),
        ("offset=-1", "query.offset"),
        ("offset=x", "query.offset"),
    ] {
        let (status, v) = answer(
            server
                .request(Method::GET, &format!("{path}?{query}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 422, "{query}: {v}");
        assert_eq!(validation_locs(&v), [loc]);
    }

    let e = client.history_page("ses_nope", 10, 0).await.unwrap_err();
    assert!(matches!(e, ApiError::NotFound(_)), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn history_of_a_long_session_pages_in_200s() {
    let server = TestServer::start().await;
    let mut messages = Vec::new();
    for i in 0..450 {
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        messages.push(json!({"role": role, "content": format!("m{i}")}));
    }
    let line = json!({"messages": messages, "metadata": {"created_at": "2026-01-01T00:00:00Z"}});
    let summary = server.import(&line.to_string());
    assert_eq!(summary.messages, 450);
    let session = &server.sessions().await[0];
    let all = server.history(&session.session_id).await;
    assert_eq!(all.len(), 450);
    let contents: Vec<_> = all.iter().map(|m| m.content.clone()).collect();
    let expected: Vec<_> = (0..450).map(|i| format!("m{i}")).collect();
    assert_eq!(contents, expected);
    let page = server
        .client()
        .history_page(&session.session_id, 200, 400)
        .await
        .unwrap();
    assert_eq!(page.returned_messages, 50);
    assert!(!page.has_more);
    server.stop().await;
}

// ---------------------------------------------------------------- feedback and memory

#[tokio::test]
async fn positive_stores_the_exchange_with_its_tool_context() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let history = server.history(&tools.session_id).await;
    let answer_42 = &history[4];
    assert_eq!(answer_42.content, "There are 42 videos.");
    let client = server.client();

    let receipt = client
        .submit_feedback(
            &tools.session_id,
            &SubmitFeedbackRequest {
                message_id: answer_42.message_id.clone(),
                rating: Rating::Positive,
                feedback_text: Some("exact".into()),
            },
        )
        .await
        .unwrap();
    assert!(receipt.stored);
    assert_eq!(receipt.rating, Rating::Positive);
    assert_eq!(receipt.message_id, answer_42.message_id);
    assert_eq!(receipt.session_id, tools.session_id);
    assert!(chrono::DateTime::parse_from_rfc3339(&receipt.recorded_at).is_ok());
    assert!(receipt.recorded_at.ends_with('Z'));

    let memory = client
        .memory_listing(&tools.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(memory.memories.len(), 1);
    let m = &memory.memories[0];
    assert!(m.memory_id.starts_with("mem_"));
    assert_eq!(m.message_id, answer_42.message_id);
    assert_eq!(
        m.user_message_id.as_deref(),
        Some(history[0].message_id.as_str())
    );
    assert_eq!(
        m.user_content.as_deref(),
        Some("How many videos are in marketing?")
    );
    assert_eq!(m.assistant_content, "There are 42 videos.");
    let context: Vec<_> = m.context.iter().map(|c| c.message_id.clone()).collect();
    assert_eq!(
        context,
        [
            history[1].message_id.clone(),
            history[2].message_id.clone(),
            history[3].message_id.clone()
        ]
    );

    let feedback = client
        .feedback_listing(&tools.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(feedback.feedback.len(), 1);
    assert_eq!(feedback.feedback[0].feedback_text.as_deref(), Some("exact"));
    assert!(feedback.feedback[0].feedback_id.starts_with("fb_"));
    assert_eq!(feedback.feedback[0].recorded_at, receipt.recorded_at);

    let after = client.get_session(&tools.session_id).await.unwrap();
    assert_eq!(after.review.unwrap().rated_messages, 1);
    server.stop().await;
}

#[tokio::test]
async fn latest_rating_wins() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let ids = server.assistant_ids(&tools.session_id).await;
    let client = server.client();
    let sid = &tools.session_id;
    let stored_ids = || async {
        client
            .memory_listing(sid)
            .await
            .unwrap()
            .unwrap()
            .memories
            .into_iter()
            .map(|m| m.message_id)
            .collect::<Vec<_>>()
    };

    // Negative: not stored.
    let r = client
        .submit_feedback(sid, &rate(&ids[0], Rating::Negative))
        .await
        .unwrap();
    assert!(!r.stored);
    assert!(stored_ids().await.is_empty());
    // Negative then positive: stored.
    let r = client
        .submit_feedback(sid, &rate(&ids[0], Rating::Positive))
        .await
        .unwrap();
    assert!(r.stored);
    assert_eq!(stored_ids().await, [ids[0].clone()]);
    // Positive twice: one copy.
    let r = client
        .submit_feedback(sid, &rate(&ids[0], Rating::Positive))
        .await
        .unwrap();
    assert!(r.stored);
    assert_eq!(stored_ids().await, [ids[0].clone()]);
    // Another message stored beside it, in conversation order.
    client
        .submit_feedback(sid, &rate(&ids[2], Rating::Positive))
        .await
        .unwrap();
    assert_eq!(stored_ids().await, [ids[0].clone(), ids[2].clone()]);
    // Positive then negative: removed.
    let r = client
        .submit_feedback(sid, &rate(&ids[0], Rating::Negative))
        .await
        .unwrap();
    assert!(!r.stored);
    assert_eq!(stored_ids().await, [ids[2].clone()]);

    // The last answer's exchange is the latest user prompt before it, with nothing between.
    let memory = client.memory_listing(sid).await.unwrap().unwrap();
    assert_eq!(
        memory.memories[0].user_content.as_deref(),
        Some("And in sales?")
    );
    assert!(memory.memories[0].context.is_empty());

    // Every submission is recorded, latest first; two messages are rated.
    let feedback = client.feedback_listing(sid).await.unwrap().unwrap();
    let ratings: Vec<_> = feedback
        .feedback
        .iter()
        .map(|f| (f.message_id.clone(), f.rating, f.stored))
        .collect();
    assert_eq!(
        ratings,
        [
            (ids[0].clone(), Rating::Negative, false),
            (ids[2].clone(), Rating::Positive, true),
            (ids[0].clone(), Rating::Positive, true),
            (ids[0].clone(), Rating::Positive, true),
            (ids[0].clone(), Rating::Negative, false),
        ]
    );
    let times: Vec<_> = feedback
        .feedback
        .iter()
        .map(|f| f.recorded_at.clone())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    let session = client.get_session(sid).await.unwrap();
    assert_eq!(
        session.review,
        Some(ReviewStats {
            assistant_messages: 3,
            rated_messages: 2
        })
    );
    server.stop().await;
}

#[tokio::test]
async fn memory_disabled_never_stores() {
    let server = TestServer::with_sample().await;
    let session = server.session_named("no-memory").await;
    let ids = server.assistant_ids(&session.session_id).await;
    let client = server.client();
    let r = client
        .submit_feedback(&session.session_id, &rate(&ids[0], Rating::Positive))
        .await
        .unwrap();
    assert!(!r.stored);
    assert_eq!(r.rating, Rating::Positive);
    let memory = client
        .memory_listing(&session.session_id)
        .await
        .unwrap()
        .unwrap();
    assert!(memory.memories.is_empty());
    let feedback = client
        .feedback_listing(&session.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(feedback.feedback.len(), 1);
    assert!(!feedback.feedback[0].stored);
    server.stop().await;
}

#[tokio::test]
async fn feedback_refusals() {
    let server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let short = server.session_named("short").await;
    let history = server.history(&tools.session_id).await;
    let user_msg = history[0].message_id.clone();
    let tool_msg = history[2].message_id.clone();
    let assistant = history[1].message_id.clone();
    let other_session_assistant = server.assistant_ids(&short.session_id).await[0].clone();
    let client = server.client();
    let sid = &tools.session_id;

    // Unknown session, unknown message, a message of another session: 404.
    let e = client
        .submit_feedback("ses_nope", &rate(&assistant, Rating::Positive))
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::NotFound(_)), "{e:?}");
    assert_eq!(info(&e).message, "Session not found");
    for missing in ["msg_nope", other_session_assistant.as_str()] {
        let e = client
            .submit_feedback(sid, &rate(missing, Rating::Positive))
            .await
            .unwrap_err();
        assert!(matches!(e, ApiError::NotFound(_)), "{e:?}");
        assert_eq!(info(&e).message, "Message not found");
    }

    // A user or tool message: 400.
    for not_assistant in [&user_msg, &tool_msg] {
        let e = client
            .submit_feedback(sid, &rate(not_assistant, Rating::Positive))
            .await
            .unwrap_err();
        let ApiError::BadRequest(i) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(i.status, 400);
        assert_eq!(i.kind, "BadRequestError");
        assert!(!e.is_retryable());
    }

    // Validation: 422 in FastAPI's shape, naming the field.
    let path = format!("/v1/agents/sessions/{sid}/feedback");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (json!({"message_id": assistant, "rating": "great"}).to_string(), vec!["body.rating"]),
        (json!({"message_id": assistant, "rating": 1}).to_string(), vec!["body.rating"]),
        (json!({"rating": "positive"}).to_string(), vec!["body.message_id"]),
        (json!({}).to_string(), vec!["body.message_id", "body.rating"]),
        (
            json!({"message_id": assistant, "rating": "positive", "feedback_text": "x".repeat(10_001)}).to_string(),
            vec!["body.feedback_text"],
        ),
        ("[1, 2]".to_string(), vec!["body"]),
        ("".to_string(), vec!["body"]),
    ];
    for (body, locs) in cases {
        let resp = server
            .request(Method::POST, &path)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let (status, v) = answer(resp).await;
        assert_eq!(status, 422, "{body:.60}: {v}");
        assert_eq!(validation_locs(&v), locs, "{body:.60}");
    }
    let resp = server
        .request(Method::POST, &path)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, v) = answer(resp).await;
    assert_eq!(status, 422);
    assert_eq!(v["detail"][0]["type"], "json_invalid");
    assert_eq!(v["detail"][0]["loc"][0], "body");

    // Exactly 10,000 characters is accepted.
    let ok = client
        .submit_feedback(
            sid,
            &SubmitFeedbackRequest {
                message_id: assistant.clone(),
                rating: Rating::Negative,
                feedback_text: Some("y".repeat(10_000)),
            },
        )
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    let e = client
        .submit_feedback(
            sid,
            &SubmitFeedbackRequest {
                message_id: assistant.clone(),
                rating: Rating::Negative,
                feedback_text: Some("y".repeat(10_001)),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::Validation(_)), "{e:?}");
    assert!(e.to_string().contains("feedback_text"), "{e}");

    // Over the body cap: 413 as an ErrorResponse.
    let huge = json!({"message_id": assistant, "rating": "positive", "feedback_text": "z".repeat(1024 * 1024)});
    let (status, v) = post_json(&server, &path, &huge).await;
    assert_eq!(status, 413);
    assert_eq!(error_kind(status, &v), "PayloadTooLargeError");
    let e = client
        .submit_feedback(
            sid,
            &SubmitFeedbackRequest {
                message_id: assistant.clone(),
                rating: Rating::Positive,
                feedback_text: Some("z".repeat(1024 * 1024)),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ApiError::BadRequest(i) if i.status == 413),
        "{e:?}"
    );

    // Only the one accepted rating was recorded.
    let feedback = client.feedback_listing(sid).await.unwrap().unwrap();
    assert_eq!(feedback.feedback.len(), 1);
    server.stop().await;
}

// ---------------------------------------------------------------- create, terminate, the rest

#[tokio::test]
async fn create_and_terminate_sessions() {
    let server = TestServer::start().await;
    let client = server.client();
    let created = client
        .create_session(&CreateSessionRequest {
            agent_config: AgentConfig::default(),
            user_id: Some("u9".into()),
            enable_memory: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(created.session_id.starts_with("ses_"));
    assert!(created.namespace_id.starts_with("ns_"));
    assert_eq!(created.status, SessionStatus::Active);
    let got = client.get_session(&created.session_id).await.unwrap();
    assert_eq!(got.user_id.as_deref(), Some("u9"));
    assert_eq!(got.message_count, 0);
    assert_eq!(got.created_at, created.created_at);
    assert!(got.expires_at > got.created_at);

    let done = client.terminate_session(&created.session_id).await.unwrap();
    assert_eq!(done.status, SessionStatus::Terminated);
    assert_eq!(
        client
            .get_session(&created.session_id)
            .await
            .unwrap()
            .status,
        SessionStatus::Terminated
    );
    let again = client.terminate_session(&created.session_id).await.unwrap();
    assert_eq!(again.terminated_at, done.terminated_at);
    let e = client.terminate_session("ses_nope").await.unwrap_err();
    assert!(matches!(e, ApiError::NotFound(_)));

    // agent_config is required; enable_memory defaults to true.
    let (status, v) = post_json(&server, "/v1/agents/sessions", &json!({"user_id": "x"})).await;
    assert_eq!(status, 422);
    assert_eq!(validation_locs(&v), ["body.agent_config"]);
    let (status, v) = post_json(&server, "/v1/agents/sessions", &json!({"agent_config": {}})).await;
    assert_eq!(status, 200, "{v}");
    // The contract's bounds hold, and each refusal names its field.
    for (body, loc) in [
        (
            json!({"agent_config": {"temperature": -1}}),
            "body.agent_config.temperature",
        ),
        (
            json!({"agent_config": {"temperature": 2.5}}),
            "body.agent_config.temperature",
        ),
        (
            json!({"agent_config": {"max_tokens": 0}}),
            "body.agent_config.max_tokens",
        ),
        (
            json!({"agent_config": {"max_tokens": 100_001}}),
            "body.agent_config.max_tokens",
        ),
        (
            json!({"agent_config": {}, "quotas": {"max_messages": 0}}),
            "body.quotas.max_messages",
        ),
        (
            json!({"agent_config": {"temperature": "hot"}}),
            "body.agent_config.temperature",
        ),
    ] {
        let (status, v) = post_json(&server, "/v1/agents/sessions", &body).await;
        assert_eq!(status, 422, "{body} gave {v}");
        assert_eq!(validation_locs(&v), [loc], "{body} gave {v}");
    }
    // Nothing out of bounds was stored, so every session still reads back as the
    // contract says.
    for s in server.sessions().await {
        assert!((0.0..=2.0).contains(&s.agent_config.temperature));
        assert!((1..=100_000).contains(&s.agent_config.max_tokens));
    }
    server.stop().await;
}

#[tokio::test]
async fn other_paths_answer_with_error_responses() {
    let server = TestServer::with_sample().await;
    let sid = server.sessions().await[0].session_id.clone();
    let cases = [
        (
            Method::POST,
            format!("/v1/agents/sessions/{sid}/messages"),
            501,
            "NotImplementedError",
        ),
        (
            Method::GET,
            "/v1/agents/sessions/tools".to_string(),
            501,
            "NotImplementedError",
        ),
        (
            Method::POST,
            format!("/v1/agents/sessions/{sid}/confirmations/conf_1"),
            501,
            "NotImplementedError",
        ),
        (
            Method::POST,
            "/v1/agents/sessions/intent/detect".to_string(),
            501,
            "NotImplementedError",
        ),
        (
            Method::GET,
            "/v1/nothing/here".to_string(),
            404,
            "NotFoundError",
        ),
        (
            Method::PUT,
            "/v1/agents/sessions/list".to_string(),
            405,
            "MethodNotAllowedError",
        ),
        (
            Method::PUT,
            format!("/v1/agents/sessions/{sid}/history"),
            405,
            "MethodNotAllowedError",
        ),
    ];
    for (method, path, want, kind) in cases {
        let resp = server
            .request(method.clone(), &path)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let (status, body) = answer(resp).await;
        assert_eq!(status, want, "{method} {path}: {body}");
        assert_eq!(error_kind(status, &body), kind, "{method} {path}");
    }
    // The runtime-only operations still check the key first.
    let resp = server
        .http()
        .post(server.url(&format!("/v1/agents/sessions/{sid}/messages")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    server.stop().await;
}

// ---------------------------------------------------------------- durability

/// Every rating answered 200 is in the database after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_ratings_survive_a_restart() {
    let mut server = TestServer::with_sample().await;
    let tools = server.session_named("tools").await;
    let ids = server.assistant_ids(&tools.session_id).await;
    let client = server.client();
    let posts = (0..200).map(|i| {
        let client = client.clone();
        let sid = tools.session_id.clone();
        let req = SubmitFeedbackRequest {
            message_id: ids[i % ids.len()].clone(),
            rating: if i % 3 == 0 {
                Rating::Negative
            } else {
                Rating::Positive
            },
            feedback_text: Some(format!("n{i}")),
        };
        tokio::spawn(async move {
            (
                req.feedback_text.clone(),
                client.submit_feedback(&sid, &req).await,
            )
        })
    });
    let mut acknowledged = Vec::new();
    for post in futures_util::future::join_all(posts).await {
        let (text, result) = post.unwrap();
        let receipt = result.unwrap();
        acknowledged.push((
            text,
            receipt.message_id,
            receipt.rating,
            receipt.stored,
            receipt.recorded_at,
        ));
    }
    assert_eq!(acknowledged.len(), 200);

    server.restart().await;
    let listing = server
        .client()
        .feedback_listing(&tools.session_id)
        .await
        .unwrap()
        .unwrap();
    let mut found: Vec<_> = listing
        .feedback
        .into_iter()
        .map(|f| {
            (
                f.feedback_text,
                f.message_id,
                f.rating,
                f.stored,
                f.recorded_at,
            )
        })
        .collect();
    acknowledged.sort_by(|a, b| a.0.cmp(&b.0));
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(found, acknowledged);

    // Memory matches the latest rating of each message.
    let memory = server
        .client()
        .memory_listing(&tools.session_id)
        .await
        .unwrap()
        .unwrap();
    let feedback = server
        .client()
        .feedback_listing(&tools.session_id)
        .await
        .unwrap()
        .unwrap();
    for id in &ids {
        let latest = feedback
            .feedback
            .iter()
            .find(|f| &f.message_id == id)
            .unwrap();
        let in_memory = memory
            .memories
            .iter()
            .filter(|m| &m.message_id == id)
            .count();
        assert_eq!(
            in_memory,
            usize::from(latest.rating == Rating::Positive),
            "{id}"
        );
    }
    server.stop().await;
}

// ---------------------------------------------------------------- demo

#[tokio::test]
async fn demo_serves_the_built_in_transcripts() {
    let server = TestServer::demo().await;
    let sessions = server.sessions().await;
    let demo_lines = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/sessions.jsonl"
    ))
    .lines()
    .filter(|l| !l.trim().is_empty())
    .count();
    assert_eq!(sessions.len(), demo_lines);
    for s in &sessions {
        let review = s.review.unwrap();
        assert!(review.assistant_messages > 0, "{:?}", s.session_name);
        assert_eq!(review.rated_messages, 0);
    }
    // Starting the demo again on the same database does not seed twice and makes a new key.
    let mut server = server;
    server.halt().await;
    let (handle, key) = verdict::server::start_demo(&server.db).await.unwrap();
    assert_ne!(key.expose(), server.key.expose());
    let client = common::client(&handle.base_url(), &key, "demo");
    let again = client
        .list_sessions(&ListSessionsRequest::default(), 100)
        .await
        .unwrap();
    assert_eq!(again.len(), demo_lines);
    handle.shutdown().await;
}
