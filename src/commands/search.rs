//! `verdict search QUERY`: the namespace's full-text search, headless. Where the server
//! offers no search, the most recently active sessions are searched here instead, and
//! the scope is said.

use crate::api::model::{SearchHit, SearchPage};
use crate::api::{Client, ClientOptions, PageStart};
use crate::cli::{ConnectArgs, SearchArgs};
use crate::review::effect::list_request;
use crate::review::found::hits_in;
use crate::server::ServerHandle;
use anyhow::{Context, anyhow, bail};
use serde::Serialize;

/// What was searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The server's full-text search over the whole namespace.
    Namespace,
    /// This many of the most recently active sessions, read and searched here.
    RecentSessions(usize),
}

#[derive(Serialize)]
struct Found<'a> {
    query: &'a str,
    scope: Scope,
    results: &'a [SearchHit],
    /// More hits were there than `--limit` shows.
    has_more: bool,
}

pub async fn search(connect: &ConnectArgs, args: SearchArgs) -> anyhow::Result<()> {
    let query = args.query.trim().to_string();
    if query.is_empty() || !query.chars().any(char::is_alphanumeric) {
        bail!("Give words to search for: verdict search \"chunk size\"");
    }
    if query.chars().count() > SearchPage::QUERY_MAX_CHARS {
        bail!(
            "The query is longer than {} characters; shorten it.",
            SearchPage::QUERY_MAX_CHARS
        );
    }
    let settings = crate::config::prepare(&connect.overrides())?;
    let (client, server) = if settings.api_key.is_some() && !args.demo {
        (super::client(&settings)?, None)
    } else {
        let db = settings.paths.demo_db();
        let (server, key) = crate::server::start_demo(&db)
            .await
            .with_context(|| format!("Cannot start the demo server on {}", db.display()))?;
        if !args.demo {
            crate::say_err!("verdict: no account is configured; searching the demo.");
        }
        let client = Client::new(ClientOptions::new(
            server.base_url(),
            key,
            crate::server::DEMO_NAMESPACE,
        ))
        .map_err(|e| anyhow!(e.user_message()));
        (client?, Some(server))
    };
    let result = run(&client, &query, &args).await;
    stop(server).await;
    let (scope, hits, has_more) = result?;
    if let Scope::RecentSessions(n) = scope {
        crate::say_err!(
            "verdict: this server offers no full-text search; searched only the most recently active {}, here (--sessions N searches more).",
            super::plural(n, "session")
        );
    }
    if args.json {
        let doc = serde_json::to_string(&Found {
            query: &query,
            scope,
            results: &hits,
            has_more,
        })?;
        crate::output::write_stdout_raw(format!("{}\n", crate::sanitize::json(&doc)).as_bytes())?;
        return Ok(());
    }
    if hits.is_empty() {
        crate::say_err!("verdict: no match for \"{query}\".");
        return Ok(());
    }
    for hit in &hits {
        crate::outln!("{}", heading(hit))?;
        crate::outln!("    {}", hit.snippet)?;
    }
    if has_more {
        crate::say_err!(
            "verdict: more matches than the {} shown; --limit N shows more.",
            hits.len()
        );
    }
    Ok(())
}

async fn stop(server: Option<ServerHandle>) {
    if let Some(server) = server {
        server.shutdown().await;
    }
}

/// `ses_x (name) · assistant · msg_y`, or `ses_x (name) · session name` for a name hit.
fn heading(hit: &SearchHit) -> String {
    let session = match &hit.session_name {
        Some(name) => format!("{} ({name})", hit.session_id),
        None => hit.session_id.clone(),
    };
    match (&hit.message_id, &hit.role) {
        (Some(id), Some(role)) => format!("{session} · {role} · {id}"),
        (Some(id), None) => format!("{session} · {id}"),
        _ => format!("{session} · session name"),
    }
}

async fn run(
    client: &Client,
    query: &str,
    args: &SearchArgs,
) -> anyhow::Result<(Scope, Vec<SearchHit>, bool)> {
    let want = args.limit as usize;
    let mut hits: Vec<SearchHit> = Vec::new();
    let mut offset = 0u64;
    loop {
        let page = client
            .search_page(query, SearchPage::LIMIT_MAX.min(args.limit), offset)
            .await
            .map_err(|e| anyhow!(e.user_message()))?;
        let Some(page) = page else {
            return local(client, query, args).await;
        };
        let n = page.results.len();
        hits.extend(page.results);
        offset += n as u64;
        if hits.len() >= want || !page.has_more || n == 0 || offset >= SearchPage::OFFSET_MAX {
            let more = hits.len() > want || page.has_more;
            hits.truncate(want);
            return Ok((Scope::Namespace, hits, more));
        }
    }
}

/// The fallback: the most recently active sessions, read one by one and searched here.
async fn local(
    client: &Client,
    query: &str,
    args: &SearchArgs,
) -> anyhow::Result<(Scope, Vec<SearchHit>, bool)> {
    let request = list_request();
    let mut sessions = Vec::new();
    let mut start = PageStart::Offset(0);
    while sessions.len() < args.sessions as usize {
        let page = client
            .list_sessions_for_list(&request, 100, &start)
            .await
            .map_err(|e| anyhow!(e.user_message()))?;
        sessions.extend(page.response.results);
        match page.next {
            Some(next) => start = next,
            None => break,
        }
    }
    sessions.truncate(args.sessions as usize);
    let want = args.limit as usize;
    let mut hits = Vec::new();
    for s in &sessions {
        let messages = match client.history(&s.session_id).await {
            Ok(m) => m,
            Err(e) => {
                crate::say_err!(
                    "verdict: skipped session {}: {}",
                    s.session_id,
                    e.user_message()
                );
                continue;
            }
        };
        hits.extend(hits_in(
            &s.session_id,
            s.session_name.as_deref(),
            &messages,
            query,
        ));
        if hits.len() > want {
            break;
        }
    }
    let more = hits.len() > want;
    hits.truncate(want);
    Ok((Scope::RecentSessions(sessions.len()), hits, more))
}
