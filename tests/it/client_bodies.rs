//! verdict's client never sends what the contract does not declare: every request it
//! builds (list, feedback, create), caught on the wire by a recording server, is checked
//! against the vendored contract (docs/api/mixpeek-agents-openapi.json): operation,
//! query parameter names and values, and every body key. The hosted API refuses an
//! undeclared body key with 422 `extra_forbidden` since 2026-11-02. The server's table of
//! declared keys is held to the same contract.

use crate::common::client;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use verdict::api::model::{
    AgentConfig, CreateSessionRequest, ListSessionsRequest, REQUEST_BODY_SCHEMAS, Rating,
    SessionQuotas, SessionStatus, SubmitFeedbackRequest,
};
use verdict::api::{ApiKey, PageStart};

/// The contract as a clean clone has it.
fn contract() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/api/mixpeek-agents-openapi.json"
    );
    let text = std::fs::read_to_string(path).expect("read the vendored contract");
    serde_json::from_str(&text).expect("the contract is JSON")
}

/// A JSON Schema subset, enough for the contract's request bodies and parameters.
struct Schemas<'a> {
    doc: &'a Value,
}

impl<'a> Schemas<'a> {
    fn resolve(&self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r
                    .strip_prefix("#/components/schemas/")
                    .unwrap_or_else(|| panic!("a $ref outside the schemas: {r}"));
                self.resolve(&self.doc["components"]["schemas"][name])
            }
            None => schema,
        }
    }

    /// Every way `value` breaks `schema`, each named by where in the request it is.
    fn check(&self, schema: &'a Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
            let mut all = Vec::new();
            for branch in branches {
                let mut p = Vec::new();
                self.check(branch, value, at, &mut p);
                if p.is_empty() {
                    return;
                }
                all.extend(p);
            }
            problems.push(format!(
                "{at}: fits no branch of anyOf ({})",
                all.join("; ")
            ));
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        let number = |v: &Value| v.as_f64();
        let bounds = |problems: &mut Vec<String>, v: f64| {
            if let Some(min) = schema.get("minimum").and_then(number)
                && v < min
            {
                problems.push(format!("{at}: {v} is below the minimum {min}"));
            }
            if let Some(max) = schema.get("maximum").and_then(number)
                && v > max
            {
                problems.push(format!("{at}: {v} is above the maximum {max}"));
            }
        };
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => self.check_object(schema, value, at, problems),
            Some("array") => match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check(&schema["items"], item, &format!("{at}[{i}]"), problems);
                    }
                }
                None => problems.push(format!("{at}: {value} is not an array")),
            },
            Some("string") => match value.as_str() {
                Some(s) => {
                    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                        check_pattern(pattern, s, at, problems);
                    }
                    let chars = s.chars().count() as f64;
                    if let Some(min) = schema.get("minLength").and_then(number)
                        && chars < min
                    {
                        problems.push(format!("{at}: shorter than {min} characters"));
                    }
                }
                None => problems.push(format!("{at}: {value} is not a string")),
            },
            Some("integer") => match value.as_i64() {
                Some(n) => bounds(problems, n as f64),
                None => problems.push(format!("{at}: {value} is not an integer")),
            },
            Some("number") => match value.as_f64() {
                Some(n) => bounds(problems, n),
                None => problems.push(format!("{at}: {value} is not a number")),
            },
            Some("boolean") if !value.is_boolean() => {
                problems.push(format!("{at}: {value} is not a boolean"))
            }
            Some("null") if !value.is_null() => problems.push(format!("{at}: {value} is not null")),
            Some("boolean" | "null") | None => {}
            Some(other) => problems.push(format!("{at}: the check knows no type {other}")),
        }
    }

    /// A declared schema (`properties`) takes only its own keys; a free-form one
    /// (`additionalProperties: true`, as `filters`, `sort`, `metadata`) takes any.
    fn check_object(&self, schema: &'a Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        let Some(map) = value.as_object() else {
            problems.push(format!("{at}: {value} is not an object"));
            return;
        };
        let free = schema.get("additionalProperties") == Some(&Value::Bool(true));
        let declared = schema.get("properties").and_then(Value::as_object);
        if declared.is_none() && !free {
            problems.push(format!(
                "{at}: the contract's schema has neither properties nor free-form keys"
            ));
        }
        let title = schema
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("object");
        for (key, v) in map {
            match declared.and_then(|d| d.get(key)) {
                Some(s) => self.check(s, v, &format!("{at}.{key}"), problems),
                None if free => {}
                None => problems.push(format!(
                    "{at}.{key}: {title} does not declare {key:?}; the hosted API refuses it (422 extra_forbidden)"
                )),
            }
        }
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = required.as_str()
                && !map.contains_key(name)
            {
                problems.push(format!("{at}: the required {name:?} is missing"));
            }
        }
    }
}

/// The contract's patterns are alternations of words, `^(a|b)$`; any other is named so
/// that this check grows with the contract instead of passing it by.
fn check_pattern(pattern: &str, s: &str, at: &str, problems: &mut Vec<String>) {
    let words = pattern
        .strip_prefix("^(")
        .and_then(|p| p.strip_suffix(")$"))
        .filter(|w| {
            w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '|')
        });
    match words {
        Some(words) if words.split('|').any(|w| w == s) => {}
        Some(_) => problems.push(format!("{at}: {s:?} does not match {pattern}")),
        None => problems.push(format!("{at}: the check cannot read the pattern {pattern}")),
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
struct Sent {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

type Log = Arc<Mutex<Vec<Sent>>>;

/// Records the request and answers it as the contract says, so the client goes on.
async fn record(State(log): State<Log>, method: Method, uri: Uri, body: Bytes) -> Response {
    let query = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let json: Option<Value> = (!body.is_empty()).then(|| {
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("the client sent a body that is not JSON ({e})"))
    });
    let path = uri.path().to_string();
    log.lock().unwrap().push(Sent {
        method: method.clone(),
        path: path.clone(),
        query,
        body: json.clone(),
    });
    let now = "2026-11-30T12:00:00Z";
    let answer = match (method.as_str(), path.as_str()) {
        ("POST", "/v1/agents/sessions/list") => {
            json!({"results": [], "total": 0, "pagination": {"next_cursor": null}})
        }
        ("POST", "/v1/agents/sessions") => json!({
            "session_id": "ses_new", "namespace_id": "ns_1", "internal_id": "int_1",
            "status": "active", "created_at": now, "expires_at": now
        }),
        ("POST", p) if p.ends_with("/feedback") => {
            let body = json.unwrap_or_default();
            json!({
                "session_id": p.split('/').nth(4), "message_id": body["message_id"],
                "rating": body["rating"], "stored": false, "recorded_at": now
            })
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    axum::Json(answer).into_response()
}

/// The operation of the contract that `sent` calls: its path template matches segment by
/// segment, `{name}` matching any one segment.
fn operation<'a>(doc: &'a Value, sent: &Sent) -> &'a Value {
    let segments: Vec<&str> = sent.path.split('/').collect();
    let paths = doc["paths"].as_object().expect("paths");
    let found = paths.iter().find(|(template, ops)| {
        let t: Vec<&str> = template.split('/').collect();
        t.len() == segments.len()
            && t.iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
            && ops.get(sent.method.as_str().to_ascii_lowercase()).is_some()
    });
    let (_, ops) = found.unwrap_or_else(|| {
        panic!(
            "the client called {} {}, which the contract does not have",
            sent.method, sent.path
        )
    });
    &ops[sent.method.as_str().to_ascii_lowercase()]
}

/// A query value as the parameter's schema types it.
fn typed(schema: &Value, raw: &str) -> Value {
    let types: Vec<&str> = match schema.get("anyOf").and_then(Value::as_array) {
        Some(branches) => branches.iter().filter_map(|b| b["type"].as_str()).collect(),
        None => schema["type"].as_str().into_iter().collect(),
    };
    if types.contains(&"integer") {
        raw.parse::<i64>().map_or(json!(raw), |n| json!(n))
    } else if types.contains(&"boolean") {
        raw.parse::<bool>().map_or(json!(raw), |b| json!(b))
    } else {
        json!(raw)
    }
}

/// Every way `sent` departs from its operation in the contract.
fn problems_with(doc: &Value, sent: &Sent) -> Vec<String> {
    let schemas = Schemas { doc };
    let op = operation(doc, sent);
    let at = format!("{} {}", sent.method, sent.path);
    let mut problems = Vec::new();
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    for (name, raw) in &sent.query {
        match params
            .iter()
            .find(|p| p["in"] == "query" && p["name"] == name.as_str())
        {
            Some(p) => schemas.check(
                &p["schema"],
                &typed(&p["schema"], raw),
                &format!("{at} ?{name}"),
                &mut problems,
            ),
            None => problems.push(format!(
                "{at}: the contract declares no query parameter {name:?}"
            )),
        }
    }
    let declared = op
        .get("requestBody")
        .map(|b| &b["content"]["application/json"]["schema"]);
    match (declared, &sent.body) {
        (Some(schema), Some(body)) => {
            schemas.check(schema, body, &format!("{at} body"), &mut problems)
        }
        (Some(_), None) => {
            if op["requestBody"]["required"] == true {
                problems.push(format!("{at}: the required body was not sent"));
            }
        }
        (None, Some(body)) => problems.push(format!(
            "{at}: sent a body {body} where the contract has none"
        )),
        (None, None) => {}
    }
    problems
}

/// The fullest requests the client can be asked to make: every optional field set.
fn fullest_create() -> CreateSessionRequest {
    let mut user_memory = Map::new();
    user_memory.insert("language".into(), json!("en"));
    let mut metadata = Map::new();
    metadata.insert("session_name".into(), json!("from verdict"));
    CreateSessionRequest {
        agent_config: AgentConfig {
            available_tools: vec!["search_retrievers".into()],
            ..AgentConfig::default()
        },
        quotas: Some(SessionQuotas {
            max_messages: Some(10),
            max_tokens_total: Some(1000),
            max_tool_calls: Some(3),
            max_session_duration_minutes: Some(60),
            rate_limit_messages_per_minute: Some(5),
        }),
        user_id: Some("u1".into()),
        user_memory,
        metadata,
        enable_memory: false,
    }
}

fn fullest_list() -> ListSessionsRequest {
    let mut filters = Map::new();
    filters.insert("user_id".into(), json!("u1"));
    let mut sort = Map::new();
    sort.insert("field".into(), json!("created_at"));
    sort.insert("direction".into(), json!("asc"));
    ListSessionsRequest {
        status: Some(SessionStatus::Idle),
        filters: Some(filters),
        sort: Some(sort),
    }
}

#[tokio::test]
async fn every_request_the_client_builds_fits_the_contract() {
    let log: Log = Arc::default();
    let app = Router::new().fallback(record).with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let c = client(&format!("http://{addr}"), &ApiKey::new("sk_test"), "ns");

    for request in [ListSessionsRequest::default(), fullest_list()] {
        c.list_sessions_from(&request, 50, &PageStart::Offset(0))
            .await
            .unwrap();
        c.list_sessions_from(&request, 5000, &PageStart::Offset(20_000))
            .await
            .unwrap();
        c.list_sessions_from(&request, 50, &PageStart::Cursor("abc".into()))
            .await
            .unwrap();
        c.list_sessions(&request, 100).await.unwrap();
    }
    for (rating, text) in [
        (Rating::Positive, None),
        (Rating::Negative, Some("wrong figure".to_string())),
    ] {
        let request = SubmitFeedbackRequest {
            message_id: "msg_1".into(),
            rating,
            feedback_text: text,
        };
        c.submit_feedback("ses_1", &request).await.unwrap();
    }
    for request in [CreateSessionRequest::default(), fullest_create()] {
        c.create_session(&request).await.unwrap();
    }
    server.abort();

    let doc = contract();
    let sent = log.lock().unwrap().clone();
    let mut problems = Vec::new();
    let mut operations = BTreeSet::new();
    for s in &sent {
        problems.extend(problems_with(&doc, s));
        if s.body.is_some() {
            operations.insert(format!("{} {}", s.method, operation_path(&s.path)));
        }
    }
    assert!(
        problems.is_empty(),
        "the client departs from the contract:\n{}",
        problems.join("\n")
    );
    let expected: BTreeSet<String> = [
        "POST /v1/agents/sessions",
        "POST /v1/agents/sessions/list",
        "POST /v1/agents/sessions/{id}/feedback",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(operations, expected, "the bodies checked");
    assert_eq!(sent.len(), 12, "every call made was caught");
}

fn operation_path(path: &str) -> String {
    match path.strip_prefix("/v1/agents/sessions/") {
        Some(rest) if rest.ends_with("/feedback") => "/v1/agents/sessions/{id}/feedback".into(),
        _ => path.to_string(),
    }
}

/// The check itself refuses what it should: an undeclared key at the top, one inside a
/// declared object, and a wrong rating; free-form objects take any key.
#[test]
fn the_check_refuses_undeclared_keys_and_keeps_free_form_objects_free() {
    let doc = contract();
    let sent = |path: &str, body: Value| Sent {
        method: Method::POST,
        path: path.into(),
        query: Vec::new(),
        body: Some(body),
    };
    let feedback = "/v1/agents/sessions/ses_1/feedback";
    let bad = problems_with(
        &doc,
        &sent(
            feedback,
            json!({"message_id": "m", "rating": "meh", "bogus_key": 1}),
        ),
    );
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(
        bad.iter()
            .any(|p| p.contains("bogus_key") && p.contains("extra_forbidden")),
        "{bad:?}"
    );
    let nested = problems_with(
        &doc,
        &sent(
            "/v1/agents/sessions",
            json!({"agent_config": {"bogus_key": 1}}),
        ),
    );
    assert!(
        nested.iter().any(|p| p.contains("agent_config.bogus_key")),
        "{nested:?}"
    );
    let free = json!({"filters": {"anything": [1]}, "sort": {"any": "thing"}});
    assert!(problems_with(&doc, &sent("/v1/agents/sessions/list", free)).is_empty());
    let query = Sent {
        query: vec![
            ("page_size".into(), "5".into()),
            ("limit".into(), "0".into()),
        ],
        ..sent("/v1/agents/sessions/list", json!({}))
    };
    let q = problems_with(&doc, &query);
    assert_eq!(q.len(), 2, "{q:?}");
}

/// The server refuses keys by its table in `api::model`; the table is the contract's.
#[test]
fn the_servers_declared_keys_are_the_contracts() {
    let doc = contract();
    let schemas = &doc["components"]["schemas"];
    for declared in REQUEST_BODY_SCHEMAS {
        let properties: BTreeSet<&str> = schemas[declared.schema]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("the contract has no schema {}", declared.schema))
            .keys()
            .map(String::as_str)
            .collect();
        let keys: BTreeSet<&str> = declared.keys.iter().copied().collect();
        assert_eq!(keys, properties, "{}", declared.schema);
    }
    // Every declared (not free-form) object schema a request body is made of is listed.
    let mut reachable = BTreeSet::new();
    let mut todo: Vec<&Value> = Vec::new();
    for ops in doc["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            if let Some(schema) = op.get("requestBody") {
                todo.push(&schema["content"]["application/json"]["schema"]);
            }
        }
    }
    while let Some(schema) = todo.pop() {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/");
            let target = &schemas[name];
            if target.get("properties").is_some() && reachable.insert(name.to_string()) {
                todo.push(target);
            }
            continue;
        }
        for branch in schema
            .get("anyOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            todo.push(branch);
        }
        for property in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            todo.push(property.1);
        }
        if let Some(items) = schema.get("items") {
            todo.push(items);
        }
    }
    let listed: BTreeSet<String> = REQUEST_BODY_SCHEMAS
        .iter()
        .map(|d| d.schema.to_string())
        .collect();
    assert_eq!(listed, reachable);
}
