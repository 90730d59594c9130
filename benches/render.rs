//! Frame cost of the reviewer (update + draw on TestBackend at 120x40) with 100 sessions
//! and 10 messages against 100,000 sessions and a 10,000-message transcript; `G` to the end
//! of that transcript, a resize, opening it, and markdown/wrapping of a 1 MB message.
//!
//! Run: cargo bench --bench render -- --warm-up-time 1 --measurement-time 3

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may stop on a broken fixture

use chrono::{DateTime, FixedOffset, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Style;
use std::hint::black_box;
use std::time::Duration;
use verdict::api::model::*;
use verdict::api::{PageStart, SessionsPage};
use verdict::review::action::{Action, Command};
use verdict::review::effect::Effect;
use verdict::review::keymap::Keymap;
use verdict::review::model::{ConnInfo, Model, ModelInit};
use verdict::review::text::{self, Piece};
use verdict::review::update::{prepare, start, update};
use verdict::review::view::theme::{Look, Theme};
use verdict::review::{markdown, view};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn look() -> Look {
    Look::new(Theme::colored(), false)
}

fn empty_model() -> Model {
    Model::new(ModelInit {
        conn: ConnInfo {
            server: "127.0.0.1:8000".into(),
            namespace: "bench".into(),
            demo: false,
        },
        look: look(),
        advance_after_rating: true,
        keymap: Keymap::default(),
        size: (WIDTH, HEIGHT),
        now: now(),
        offset: FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()),
    })
}

fn session(n: usize) -> GetSessionResponse {
    let minute = 59 - n % 60;
    GetSessionResponse {
        session_id: format!("ses_{n:020}"),
        namespace_id: "ns_bench".into(),
        internal_id: "int_bench".into(),
        user_id: Some(format!("user_{}", n % 97)),
        session_name: Some(format!("Support conversation {n} about billing exports")),
        agent_config: AgentConfig::default(),
        user_memory: Default::default(),
        status: if n.is_multiple_of(7) {
            SessionStatus::Idle
        } else {
            SessionStatus::Active
        },
        message_count: 10,
        stats: SessionStats::default(),
        created_at: "2026-11-20T09:00:00Z".into(),
        updated_at: "2026-11-20T09:05:00Z".into(),
        last_activity_at: format!("2026-11-20T09:{minute:02}:00Z"),
        expires_at: "2026-12-20T09:00:00Z".into(),
        review: Some(ReviewStats {
            assistant_messages: 4,
            rated_messages: (n % 5) as u64,
        }),
    }
}

/// A long markdown answer (about 2.5 KB): headings, emphasis, a list, code and a table.
fn reply(i: usize) -> String {
    format!(
        "## What happened to export {i}\n\n\
         The nightly export **failed at step 3** because the `billing_events` table was \
         locked by a migration that ran longer than usual. Retrying after the lock was \
         released succeeded, and *no rows were lost*; the partial file was discarded \
         before anything read it.\n\n\
         - The lock was held for 41 minutes, from 02:10 to 02:51 UTC, by `migrate_0412`.\n\
         - The export retried three times with backoff and gave up at 02:40.\n\
         - The second run at 03:00 finished in 6 minutes and wrote 1,204,332 rows.\n\
         - Alerts fired once, to the on-call channel, as they should.\n\n\
         To keep it from happening again:\n\n\
         1. Schedule migrations outside the export window (01:30 to 03:30 UTC).\n\
         2. Make the export wait for the lock instead of failing, up to 60 minutes.\n\
         3. Add a check that the row count matches the source before publishing.\n\n\
         ```sql\nSELECT count(*) FROM billing_events\nWHERE created_at >= date_trunc('day', now()) - interval '1 day';\n```\n\n\
         | run | started | rows | result |\n|---|---|---|---|\n\
         | first | 02:00 | 0 | failed |\n| second | 03:00 | 1,204,332 | ok |\n\n\
         > Note: the dashboard showed the export as late, not failed, until 03:06.\n\n\
         See [the runbook](https://runbooks.example.com/exports/{i}) for the manual steps, \
         and tell me if you want me to open a ticket for the schedule change."
    )
}

fn message(i: usize) -> MessageHistoryItem {
    let base = MessageHistoryItem {
        message_id: format!("msg_{i:020}"),
        role: "user".into(),
        content: String::new(),
        content_type: "text".into(),
        tool_name: None,
        tool_inputs: None,
        tool_outputs: None,
        tool_status: None,
        timestamp: format!("2026-11-20T09:{:02}:{:02}Z", i / 60 % 60, i % 60),
    };
    match i % 5 {
        0 => MessageHistoryItem {
            content: format!(
                "Why did the billing export {i} fail last night, and is data missing?"
            ),
            ..base
        },
        2 => MessageHistoryItem {
            role: "tool".into(),
            content_type: "tool_call".into(),
            tool_name: Some("query_logs".into()),
            tool_inputs: Some(format!(r#"{{"job":"export","run":{i},"level":"error"}}"#)),
            tool_status: Some("success".into()),
            ..base
        },
        3 => MessageHistoryItem {
            role: "tool".into(),
            content_type: "tool_result".into(),
            tool_name: Some("query_logs".into()),
            tool_outputs: Some(r#"{"errors":[{"at":"02:10","msg":"lock timeout"}]}"#.into()),
            tool_status: Some("success".into()),
            ..base
        },
        _ => MessageHistoryItem {
            role: "assistant".into(),
            content: reply(i),
            ..base
        },
    }
}

/// Answers the model's load effects the way verdict's server would, until none are left.
fn serve(m: &mut Model, fx: Vec<Effect>, sessions: usize, history: &[MessageHistoryItem]) {
    let mut queue = fx;
    while let Some(e) = queue.pop() {
        let action = match e {
            Effect::LoadSessions {
                generation,
                from,
                limit,
            } => {
                let offset = match &from {
                    PageStart::Offset(o) => *o as usize,
                    PageStart::Cursor(c) => c.parse().unwrap_or(usize::MAX),
                };
                let end = (offset + limit as usize).min(sessions);
                let results = (offset..end).map(session).collect();
                let next = (end < sessions).then(|| PageStart::Cursor(end.to_string()));
                Action::SessionsLoaded {
                    generation,
                    from,
                    result: Ok(SessionsPage {
                        response: ListSessionsResponse {
                            results,
                            total: sessions as u64,
                            pagination: Default::default(),
                        },
                        next,
                        unreadable: Vec::new(),
                    }),
                }
            }
            Effect::LoadHistory {
                session_id,
                generation,
                offset,
            } => {
                let page: Vec<_> = history
                    .iter()
                    .skip(offset as usize)
                    .take(200)
                    .cloned()
                    .collect();
                let end = offset as usize + page.len();
                Action::HistoryLoaded {
                    result: Ok(GetHistoryResponse {
                        session_id: session_id.clone(),
                        returned_messages: page.len() as u64,
                        has_more: end < history.len(),
                        total_messages: history.len() as u64,
                        messages: page,
                    }),
                    session_id,
                    generation,
                    offset,
                }
            }
            Effect::LoadKnownRatings {
                session_id,
                generation,
            } => Action::KnownRatingsLoaded {
                session_id,
                generation,
                result: Ok(Vec::new()),
            },
            _ => continue,
        };
        queue.extend(update(m, action));
    }
}

/// A model with every session listed and the first (newest) one open with `messages`.
fn loaded(sessions: usize, messages: usize) -> Model {
    let history: Vec<_> = (0..messages).map(message).collect();
    let mut m = empty_model();
    let fx = start(&mut m);
    serve(&mut m, fx, sessions, &history);
    // G in the sessions pane loads every page; then back to the top.
    update(&mut m, Action::Command(Command::FocusSessions));
    let fx = update(&mut m, Action::Command(Command::Bottom));
    serve(&mut m, fx, sessions, &history);
    update(&mut m, Action::Command(Command::Top));
    assert_eq!(m.sessions.rows.len(), sessions);
    assert_eq!(
        m.open_transcript().map(|t| t.messages.len()),
        Some(messages)
    );
    m
}

fn terminal() -> Terminal<TestBackend> {
    match Terminal::new(TestBackend::new(WIDTH, HEIGHT)) {
        Ok(t) => t,
        Err(e) => match e {},
    }
}

fn draw(terminal: &mut Terminal<TestBackend>, m: &mut Model) {
    prepare(m);
    let m = &*m;
    match terminal.draw(|f| view::draw(f, m)) {
        Ok(frame) => {
            black_box(frame.area);
        }
        Err(e) => match e {},
    }
}

fn key(m: &mut Model, c: Command) {
    black_box(update(m, Action::Command(c)));
}

const SIZES: [(&str, usize, usize); 2] = [("small", 100, 10), ("large", 100_000, 10_000)];

fn frames(c: &mut Criterion) {
    let models: Vec<(&str, Model)> = SIZES
        .iter()
        .map(|&(name, s, n)| (name, loaded(s, n)))
        .collect();
    let mut g = c.benchmark_group("frame");
    for (name, model) in &models {
        // j/k in the transcript, with the cursor in the middle of it.
        let mut m = model.clone();
        key(&mut m, Command::FocusTranscript);
        let middle = m.open_transcript().map_or(0, |t| t.messages.len() / 2);
        while m.open_transcript().and_then(|t| t.cursor).unwrap_or(0) < middle {
            key(&mut m, Command::Down);
            if m.open_transcript().map_or(0, |t| t.messages.len()) < 20 {
                break;
            }
        }
        let mut t = terminal();
        draw(&mut t, &mut m);
        let mut down = true;
        g.bench_function(BenchmarkId::new("transcript_jk", name), |b| {
            b.iter(|| {
                key(&mut m, if down { Command::Down } else { Command::Up });
                down = !down;
                draw(&mut t, &mut m);
            })
        });

        // j/k in the session list, half way down it.
        let mut m = model.clone();
        key(&mut m, Command::FocusSessions);
        let half = m.sessions.visible.len() / 2;
        m.sessions.selected = half;
        let mut t = terminal();
        draw(&mut t, &mut m);
        g.bench_function(BenchmarkId::new("sessions_jk", name), |b| {
            b.iter(|| {
                key(&mut m, if down { Command::Down } else { Command::Up });
                down = !down;
                draw(&mut t, &mut m);
            })
        });

        // A redraw with nothing changed (a timer tick).
        let mut m = model.clone();
        let mut t = terminal();
        g.bench_function(BenchmarkId::new("redraw", name), |b| {
            b.iter(|| draw(&mut t, &mut m))
        });
    }
    g.finish();

    let large = &models[1].1;
    let mut g = c.benchmark_group("transcript_10000");
    g.sampling_mode(SamplingMode::Flat).sample_size(20);
    // G from the top, on a fresh copy each time: nothing near the end wrapped yet.
    let mut at_top = large.clone();
    key(&mut at_top, Command::FocusTranscript);
    key(&mut at_top, Command::Top);
    prepare(&mut at_top);
    let mut t = terminal();
    g.bench_function("G_to_the_end", |b| {
        b.iter_batched(
            || at_top.clone(),
            |mut m| {
                key(&mut m, Command::Bottom);
                draw(&mut t, &mut m);
                m
            },
            BatchSize::PerIteration,
        )
    });
    // A resize re-wraps at the new width before the next frame.
    let mut m = at_top.clone();
    for _ in 0..200 {
        key(&mut m, Command::PageDown);
    }
    let mut wide = false;
    g.bench_function("resize_rewrap", |b| {
        b.iter(|| {
            wide = !wide;
            let w = if wide { WIDTH } else { WIDTH - 20 };
            black_box(update(&mut m, Action::Resize(w, HEIGHT)));
            let mut t = match Terminal::new(TestBackend::new(w, HEIGHT)) {
                Ok(t) => t,
                Err(e) => match e {},
            };
            draw(&mut t, &mut m);
        })
    });
    // Opening it: 50 history pages of 200 applied, then the first frame.
    let history: Vec<_> = (0..10_000).map(message).collect();
    let mut fresh = empty_model();
    let fx = start(&mut fresh);
    g.bench_function("open_and_load", |b| {
        b.iter_batched(
            || (fresh.clone(), fx.clone()),
            |(mut m, fx)| {
                serve(&mut m, fx, 100, &history);
                draw(&mut t, &mut m);
                m
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// Keys whose work is not bounded by the screen: rating (recounts the transcript),
/// searching the transcript and the list, and changing the session filter.
fn whole_data_keys(c: &mut Criterion) {
    let large = loaded(100_000, 10_000);
    let mut g = c.benchmark_group("keys_large");
    g.sampling_mode(SamplingMode::Flat).sample_size(20);
    let mut m = large.clone();
    key(&mut m, Command::FocusTranscript);
    let mut t = terminal();
    let mut positive = true;
    g.bench_function("rate", |b| {
        b.iter(|| {
            positive = !positive;
            key(
                &mut m,
                if positive {
                    Command::RatePositive
                } else {
                    Command::RateNegative
                },
            );
            key(&mut m, Command::Up);
            draw(&mut t, &mut m);
        })
    });
    let mut m = large.clone();
    g.bench_function("search", |b| {
        b.iter(|| {
            key(&mut m, Command::Search);
            for ch in "lock timeout".chars() {
                black_box(update(
                    &mut m,
                    Action::PromptKey(crossterm::event::KeyEvent::new(
                        crossterm::event::KeyCode::Char(ch),
                        crossterm::event::KeyModifiers::NONE,
                    )),
                ));
            }
            black_box(update(&mut m, Action::PromptSubmit));
            draw(&mut t, &mut m);
        })
    });
    let mut m = large.clone();
    g.bench_function("filter", |b| {
        b.iter(|| {
            key(&mut m, Command::Filter);
            draw(&mut t, &mut m);
        })
    });
    g.finish();
}

/// About 1 MB of markdown: the long reply repeated.
fn megabyte_markdown() -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 1 << 20 {
        s.push_str(&reply(i));
        s.push_str("\n\n");
        i += 1;
    }
    s
}

/// About 1 MB of prose in one paragraph.
fn megabyte_text() -> String {
    let sentence =
        "The export retried three times with backoff and gave up before the lock was released; ";
    sentence.repeat((1 << 20) / sentence.len() + 1)
}

fn one_megabyte(c: &mut Criterion) {
    let look = look();
    let md = megabyte_markdown();
    let plain = megabyte_text();
    let width = usize::from(WIDTH) - 44;
    let mut g = c.benchmark_group("message_1mb");
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.bench_function("markdown", |b| {
        b.iter(|| black_box(markdown::render(black_box(&md), width, &look)))
    });
    g.bench_function("wrap", |b| {
        let pieces = [Piece::new(plain.clone(), Style::new())];
        b.iter(|| black_box(text::wrap(black_box(&pieces), &[], &[], width)))
    });
    // The same message opened in the app: a 1 MB reply, then its first frame.
    let mut m = empty_model();
    let fx = start(&mut m);
    let mut big = message(1);
    big.content = md.clone();
    let history = vec![message(0), big];
    let mut t = terminal();
    g.bench_function("open_in_app", |b| {
        b.iter_batched(
            || (m.clone(), fx.clone()),
            |(mut m, fx)| {
                serve(&mut m, fx, 1, &history);
                draw(&mut t, &mut m);
                m
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = frames, whole_data_keys, one_megabyte
}
criterion_main!(benches);
