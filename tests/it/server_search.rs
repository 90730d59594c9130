//! The local server's full-text search (`GET /v1/agents/sessions/search`) over real HTTP:
//! pages with snippets and highlights, held to the key's namespace, words never read as
//! FTS5 syntax, hostile text made safe by the client; and `verdict search`, with the
//! server's search and against a server without one (searching what it can read, and
//! saying so).

use crate::common::{Proxy, TestServer, client, forward, verdict};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use verdict::api::model::SearchHit;
use verdict::server;

/// `n` sessions: each reply mentions the chunk size; every fifth session is named for it.
fn chunky(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let name = if i % 5 == 0 {
            format!("Chunking run {i}")
        } else {
            format!("Session {i}")
        };
        let line = json!({
            "messages": [
                {"role": "user", "content": format!("Why is recall down in run {i}?")},
                {"role": "assistant", "content": format!("The chunk size went from 512 to 2048 tokens in run {i}.")}
            ],
            "metadata": {"session_name": name, "created_at": format!("2026-11-20T{:02}:{:02}:00Z", i / 60, i % 60)}
        });
        out.push_str(&format!("{line}\n"));
    }
    out
}

async fn get(server: &TestServer, query: &str) -> (u16, Value) {
    let resp = server
        .request(Method::GET, &format!("/v1/agents/sessions/search?{query}"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

fn marked(hit: &SearchHit) -> Vec<String> {
    let chars: Vec<char> = hit.snippet.chars().collect();
    hit.highlights
        .iter()
        .map(|[s, e]| chars[*s as usize..*e as usize].iter().collect())
        .collect()
}

#[tokio::test]
async fn hits_come_in_pages_names_first_with_the_words_marked() {
    let server = TestServer::start().await;
    server.import(&chunky(30));
    let client = server.client();
    let mut all: Vec<SearchHit> = Vec::new();
    let mut offset = 0;
    loop {
        let page = client
            .search_page("chunk", 7, offset)
            .await
            .unwrap()
            .expect("the local server offers search");
        assert!(page.results.len() <= 7);
        offset += page.results.len() as u64;
        all.extend(page.results);
        if !page.has_more {
            break;
        }
    }
    // Six names ("Chunking run 0", 5, ...) and thirty replies, each once.
    assert_eq!(all.len(), 36);
    let keys: HashSet<_> = all
        .iter()
        .map(|h| (h.session_id.clone(), h.message_id.clone()))
        .collect();
    assert_eq!(keys.len(), 36, "no hit twice across pages");
    assert!(
        all[..6].iter().all(|h| h.message_id.is_none()),
        "names first"
    );
    assert!(
        all[6..]
            .iter()
            .all(|h| h.role.as_deref() == Some("assistant"))
    );
    for hit in &all {
        let words = marked(hit);
        assert!(!words.is_empty(), "{hit:?}");
        assert!(
            words.iter().all(|w| w.to_lowercase().starts_with("chunk")),
            "{words:?} in {:?}",
            hit.snippet
        );
    }
    // A phrase, and two words that must both be there.
    let page = client
        .search_page("\"chunk size\"", 100, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.results.len(), 30);
    let page = client
        .search_page("recall 17", 100, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.results.len(), 1);
    assert_eq!(page.results[0].role.as_deref(), Some("user"));
    server.stop().await;
}

#[tokio::test]
async fn a_key_finds_only_its_own_namespace() {
    let server = TestServer::start().await;
    server.import(&chunky(3));
    let other_key = server::create_key(&server.db, "other").unwrap();
    let other = server.client_with(other_key.clone(), "other");
    let page = other.search_page("chunk", 100, 0).await.unwrap().unwrap();
    assert!(page.results.is_empty(), "{page:?}");
    verdict::server::import::import_text(&server.db, "other", "t", &chunky(1)).unwrap();
    let mine = server
        .client()
        .search_page("chunk", 100, 0)
        .await
        .unwrap()
        .unwrap();
    let theirs = other.search_page("chunk", 100, 0).await.unwrap().unwrap();
    let ids = |p: &verdict::api::model::SearchPage| -> HashSet<String> {
        p.results.iter().map(|h| h.session_id.clone()).collect()
    };
    assert_eq!(ids(&mine).len(), 3);
    assert_eq!(ids(&theirs).len(), 1);
    assert!(ids(&mine).is_disjoint(&ids(&theirs)));
    // The other namespace's name with this key, and no key at all, are refused.
    let resp = server
        .http()
        .get(server.url("/v1/agents/sessions/search?q=chunk"))
        .bearer_auth(server.key.expose())
        .header("X-Namespace", "other")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let resp = server
        .http()
        .get(server.url("/v1/agents/sessions/search?q=chunk"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn words_are_never_read_as_search_syntax_and_bad_queries_get_422() {
    let server = TestServer::start().await;
    server.import(&chunky(2));
    for q in [
        "NOT",
        "chunk OR",
        "\"unclosed",
        "a*b(",
        "content:chunk",
        "NEAR(a b)",
        "^chunk",
        "-x",
    ] {
        let (status, body) = get(&server, &format!("q={}", urlencode(q))).await;
        assert_eq!(status, 200, "{q}: {body}");
    }
    let (status, body) = get(&server, "q=content%3Achunk").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["results"].as_array().unwrap().len(),
        0,
        "a column filter is a word"
    );
    for (query, loc) in [
        ("", "q"),
        ("q=", "q"),
        ("q=%3F%3F%3F", "q"),
        ("q=chunk&limit=101", "limit"),
        ("q=chunk&offset=10001", "offset"),
    ] {
        let (status, body) = get(&server, query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["detail"][0]["loc"][1], loc, "{query}: {body}");
    }
    let long = "a".repeat(501);
    let (status, _) = get(&server, &format!("q={long}")).await;
    assert_eq!(status, 422);
    server.stop().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn hostile_text_comes_back_safe_with_its_highlight_in_place() {
    let server = TestServer::start().await;
    let line = json!({
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "\u{1b}]0;pwned\u{7}\u{1b}[2J the \u{202e}chunk\u{9b}31m size"}
        ],
        "metadata": {"session_name": "evil \u{1b}[31m chunk"}
    });
    server.import(&format!("{line}\n"));
    let page = server
        .client()
        .search_page("chunk", 10, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.results.len(), 2);
    for hit in &page.results {
        for s in [&hit.snippet, hit.session_name.as_ref().unwrap()] {
            assert!(!s.chars().any(verdict::sanitize::is_unsafe), "{s:?}");
        }
        assert_eq!(marked(hit), vec!["chunk".to_string()], "{hit:?}");
    }
    server.stop().await;
}

/// The real server behind a proxy that answers 404 to the search, as a server without
/// the extension does.
async fn no_search(State(upstream): State<String>, req: Request) -> Response {
    if req.uri().path().ends_with("/sessions/search") {
        let body = json!({"success": false, "status": 404, "error": {"message": "Not found", "type": "NotFoundError"}});
        return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    }
    match forward(&upstream, req).await {
        Ok((status, bytes)) => {
            (status, [("content-type", "application/json")], bytes).into_response()
        }
        Err(status) => status.into_response(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdict_search_uses_the_server_search_or_says_what_it_searched_instead() {
    let server = TestServer::start().await;
    server.import(&chunky(4));
    let proxy = Proxy::start(
        axum::Router::new()
            .fallback(no_search)
            .with_state(server.base_url()),
    )
    .await;
    assert_eq!(
        client(&proxy.base_url, &server.key, &server.namespace)
            .search_page("chunk", 10, 0)
            .await
            .unwrap(),
        None,
        "a 404 means no search here"
    );
    let home = tempfile::tempdir().unwrap();
    let run = |base_url: String, args: Vec<&'static str>| {
        let mut cmd = verdict(home.path());
        cmd.env("MIXPEEK_API_KEY", server.key.expose())
            .env("MIXPEEK_NAMESPACE", &server.namespace)
            .env("MIXPEEK_BASE_URL", base_url)
            .arg("search")
            .args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    // The server's search: the whole namespace.
    let out = run(server.base_url(), vec!["chunk", "--json"])
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["scope"], "namespace");
    assert_eq!(doc["results"].as_array().unwrap().len(), 5, "{doc}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(server.key.expose()));
    // Without it: the sessions it read, said on stderr and in the JSON.
    let out = run(
        proxy.base_url.clone(),
        vec!["run 2", "--json", "--sessions", "3"],
    )
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["scope"], json!({"recent_sessions": 3}), "{doc}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("offers no full-text search")
            && err.contains("most recently active 3 sessions"),
        "{err}"
    );
    // Text output: where, then the snippet.
    let out = run(proxy.base_url.clone(), vec!["recall down in run 1"])
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(Session 1) · user · msg_"), "{text}");
    assert!(text.contains("    Why is recall down in run 1?"), "{text}");
    // Nothing to search for is said, not sent.
    let out = run(server.base_url(), vec!["  ?? "]).await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Give words to search for"));
    drop(proxy);
    server.stop().await;
}
