//! Reading a whole namespace's session list against the local server (100,000 sessions
//! from `verdict seed`, over loopback HTTP with a real SQLite file): the list page after
//! page by one cursor (as before), the list read from both ends at once
//! (`sample::list_all`), a sample of 100 drawn from it, and risk order made ready in the
//! app (the list read, every session scored, the rows ranked by `update`).
//!
//! Run: cargo bench --bench listing              (100,000 sessions, 5 runs each)
//!      cargo bench --bench listing -- 20000 3   (sessions, runs)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use chrono::{DateTime, FixedOffset, Utc};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use verdict::api::model::GetSessionResponse;
use verdict::api::{Client, ClientOptions, PageStart};
use verdict::review::action::{Action, Command};
use verdict::review::effect::{Effect, SESSIONS_PAGE_BULK, list_request};
use verdict::review::keymap::Keymap;
use verdict::review::model::{ConnInfo, Model, ModelInit};
use verdict::review::order::rank_listing;
use verdict::review::sample::{SampleSpec, Selection, choose, list_all};
use verdict::review::update::update;
use verdict::review::view::theme::{Look, Theme};
use verdict::server::seed::{SeedOptions, seed};

const NAMESPACE: &str = "bench";

/// The list read the way it was before: one cursor, one page after another.
async fn one_cursor(client: &Client) -> Vec<GetSessionResponse> {
    let request = list_request();
    let mut from = PageStart::Offset(0);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    loop {
        let page = client
            .list_sessions_for_list(&request, SESSIONS_PAGE_BULK, &from)
            .await
            .expect("page");
        for s in page.response.results {
            if seen.insert(s.session_id.clone()) {
                out.push(s);
            }
        }
        match page.next {
            Some(next) if next != from => from = next,
            _ => return out,
        }
    }
}

fn model() -> Model {
    let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    Model::new(ModelInit {
        conn: ConnInfo {
            server: "127.0.0.1".into(),
            namespace: NAMESPACE.into(),
            demo: false,
        },
        look: Look::new(Theme::colored(), false),
        advance_after_rating: true,
        keymap: Keymap::default(),
        size: (120, 40),
        now,
        offset: FixedOffset::east_opt(0).unwrap(),
    })
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let median = times[times.len() / 2];
    let best = times[0];
    let worst = times[times.len() - 1];
    println!(
        "{what:<58} median {:>8.1} ms  (best {:.1}, worst {:.1}, {} runs)",
        median.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        times.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let sessions: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("bench.db");
    let t = Instant::now();
    seed(
        &db,
        &SeedOptions {
            namespace: NAMESPACE.to_string(),
            sessions,
            messages: 6,
        },
    )
    .expect("seed");
    println!(
        "seeded {sessions} sessions in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let key = verdict::server::create_key(&db, NAMESPACE).expect("key");
    // As on the reference machine: two workers for the server and client together.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt
        .block_on(verdict::server::start(
            Path::new(&db),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        ))
        .expect("server");
    let client =
        Client::new(ClientOptions::new(server.base_url(), key, NAMESPACE)).expect("client");

    // Warm the page cache and the connection pool.
    let warm = rt
        .block_on(list_all(&client, |_| {}))
        .expect("list")
        .0
        .len();
    assert_eq!(warm as u64, sessions.min(100_000));

    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let n = rt.block_on(one_cursor(&client)).len();
        times.push(t.elapsed());
        assert_eq!(n, warm);
    }
    report("whole list, one cursor (before)", &mut times);

    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let (all, _) = rt.block_on(list_all(&client, |_| {})).expect("list");
        times.push(t.elapsed());
        assert_eq!(all.len(), warm);
    }
    report("whole list, both ends at once (list_all)", &mut times);

    let mut times = Vec::new();
    let mut first = None;
    for _ in 0..runs {
        let t = Instant::now();
        let (all, cut) = rt.block_on(list_all(&client, |_| {})).expect("list");
        let spec = SampleSpec {
            n: 100,
            seed: 8213,
            status: None,
            since: None,
            until: None,
            unrated: false,
        };
        let drawn = choose(&Selection::Sample(spec), all, &HashSet::new(), cut);
        times.push(t.elapsed());
        let ids: Vec<String> = drawn
            .sessions
            .iter()
            .map(|s| s.session_id.clone())
            .collect();
        assert_eq!(ids.len(), 100);
        match &first {
            None => first = Some(ids),
            Some(f) => assert_eq!(f, &ids, "the same seed draws the same sample"),
        }
    }
    report("sample of 100 drawn (list_all + choose)", &mut times);

    // Risk order in the app: `o` asks for the whole list; the effect reads it, scores
    // and ranks it on a blocking thread (as `Effect::ListForOrder` does), and update()
    // only puts the ranked rows in place (the first frame after it shows the riskiest).
    let mut times = Vec::new();
    let mut rank_times = Vec::new();
    let mut install_times = Vec::new();
    for _ in 0..runs {
        let mut m = model();
        let t = Instant::now();
        let fx = update(&mut m, Action::Command(Command::ToggleOrder));
        let (generation, known) = fx
            .into_iter()
            .find_map(|e| match e {
                Effect::ListForOrder { generation, known } => Some((generation, known)),
                _ => None,
            })
            .expect("o asks for the list");
        let (result, ranking) = rt.block_on(async {
            let (all, cut) = list_all(&client, |_| {}).await.expect("list");
            let r = Instant::now();
            let ranked = tokio::task::spawn_blocking(move || rank_listing(all, &known, cut)).await;
            (ranked.expect("ranked"), r.elapsed())
        });
        rank_times.push(ranking);
        let r = Instant::now();
        update(
            &mut m,
            Action::OrderListed {
                generation,
                result: Ok(result),
            },
        );
        install_times.push(r.elapsed());
        times.push(t.elapsed());
        assert_eq!(m.sessions.visible.len(), warm);
    }
    report(
        "risk order ready (o: list read, scored, ranked, in place)",
        &mut times,
    );
    report(
        "  of which scoring and ranking (blocking thread)",
        &mut rank_times,
    );
    report(
        "  of which update(): ranked rows put in place",
        &mut install_times,
    );

    // Back to newest: update() sorts the rows back into the server's order.
    let mut m = model();
    let fx = update(&mut m, Action::Command(Command::ToggleOrder));
    let (generation, known) = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::ListForOrder { generation, known } => Some((generation, known)),
            _ => None,
        })
        .expect("o asks for the list");
    let (all, cut) = rt.block_on(list_all(&client, |_| {})).expect("list");
    let ranked = rank_listing(all, &known, cut);
    update(
        &mut m,
        Action::OrderListed {
            generation,
            result: Ok(ranked),
        },
    );
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        update(&mut m, Action::Command(Command::ToggleOrder));
        times.push(t.elapsed());
        assert!(m.order.order == verdict::review::order::Order::Newest);
        update(&mut m, Action::Command(Command::ToggleOrder));
        // Ranked again from what is known, without reading the list again.
    }
    report(
        "  o back to newest: update() re-sorts every row",
        &mut times,
    );

    rt.block_on(server.shutdown());
}
