//! Test data for the reviewer's unit and snapshot tests: models built through update().

use super::action::{Action, KnownRating};
use super::effect::{Effect, SESSIONS_PAGE};
use super::keymap::Keymap;
use super::model::{ConnInfo, Model, ModelInit};
use super::typeset::style::{Look, Theme};
use super::update::{start, update};
use crate::api::model::*;
use crate::api::{PageStart, SessionsPage};
use crate::journal::{Entry, RatingState, Target};
use chrono::{DateTime, FixedOffset, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

pub fn model(w: u16, h: u16) -> Model {
    model_with(w, h, Keymap::default(), true)
}

pub fn model_with(w: u16, h: u16, keymap: Keymap, demo: bool) -> Model {
    Model::new(ModelInit {
        conn: ConnInfo {
            server: "127.0.0.1:8000".into(),
            namespace: "demo".into(),
            demo,
        },
        look: Look::new(Theme::colored(), false),
        advance_after_rating: true,
        keymap,
        size: (w, h),
        now: now(),
        offset: FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()),
    })
}

pub fn session(
    id: &str,
    name: &str,
    status: SessionStatus,
    review: Option<(u64, u64)>,
) -> GetSessionResponse {
    GetSessionResponse {
        session_id: id.into(),
        namespace_id: "ns_demo".into(),
        internal_id: format!("int_{id}"),
        user_id: None,
        session_name: (!name.is_empty()).then(|| name.to_string()),
        agent_config: AgentConfig::default(),
        user_memory: Default::default(),
        status,
        message_count: review.map_or(4, |(_, total)| total * 2),
        stats: SessionStats::default(),
        created_at: "2026-11-20T09:00:00Z".into(),
        updated_at: "2026-11-20T09:05:00Z".into(),
        last_activity_at: "2026-11-20T09:05:00Z".into(),
        expires_at: "2026-12-20T09:00:00Z".into(),
        review: review.map(|(rated, total)| ReviewStats {
            assistant_messages: total,
            rated_messages: rated,
        }),
    }
}

pub fn msg(id: &str, role: &str, content: &str) -> MessageHistoryItem {
    MessageHistoryItem {
        message_id: id.into(),
        role: role.into(),
        content: content.into(),
        content_type: "text".into(),
        tool_name: None,
        tool_inputs: None,
        tool_outputs: None,
        tool_status: None,
        timestamp: "2026-11-20T09:00:00Z".into(),
    }
}

pub fn tool(id: &str, kind: &str, name: &str, inputs: &str, outputs: &str) -> MessageHistoryItem {
    MessageHistoryItem {
        content_type: kind.into(),
        tool_name: Some(name.into()),
        tool_inputs: (!inputs.is_empty()).then(|| inputs.to_string()),
        tool_outputs: (!outputs.is_empty()).then(|| outputs.to_string()),
        tool_status: Some("success".into()),
        ..msg(id, "tool", "")
    }
}

/// A first page of the list, with the next page as the client would work it out.
pub fn listed(response: ListSessionsResponse) -> SessionsPage {
    let next = crate::api::client::next_page(&PageStart::Offset(0), SESSIONS_PAGE, &response);
    SessionsPage {
        response,
        next,
        unreadable: Vec::new(),
    }
}

pub fn page(results: Vec<GetSessionResponse>) -> ListSessionsResponse {
    ListSessionsResponse {
        total: results.len() as u64,
        results,
        pagination: Default::default(),
    }
}

pub fn history(
    session_id: &str,
    messages: Vec<MessageHistoryItem>,
    total: u64,
) -> GetHistoryResponse {
    GetHistoryResponse {
        session_id: session_id.into(),
        returned_messages: messages.len() as u64,
        has_more: (messages.len() as u64) < total,
        total_messages: total,
        messages,
    }
}

pub fn entry(id: i64, session: &str, message: &str, rating: Rating) -> Entry {
    Entry {
        id,
        target: Target {
            base_url: "http://127.0.0.1:8000".into(),
            namespace: "demo".into(),
            session_id: session.into(),
            message_id: message.into(),
        },
        rating,
        text: None,
        reviewer: "ann".into(),
        made_at: "2026-11-23T11:00:00Z".into(),
        state: RatingState::Pending,
        stored: None,
        recorded_at: None,
        last_error: None,
        attempts: 0,
    }
}

pub fn receipt(
    session: &str,
    message: &str,
    rating: Rating,
    stored: bool,
) -> SubmitFeedbackResponse {
    SubmitFeedbackResponse {
        session_id: session.into(),
        message_id: message.into(),
        rating,
        stored,
        recorded_at: "2026-11-23T11:00:01Z".into(),
    }
}

/// Applies actions; returns every effect they asked for.
pub fn apply(m: &mut Model, actions: impl IntoIterator<Item = Action>) -> Vec<Effect> {
    actions.into_iter().flat_map(|a| update(m, a)).collect()
}

/// Answers the load effects of `fx` from canned data, as the runner would, until none
/// are left. Sessions come from `sessions`; histories from `histories` in pages of 200.
pub fn serve(
    m: &mut Model,
    fx: Vec<Effect>,
    sessions: &[GetSessionResponse],
    histories: &[(&str, Vec<MessageHistoryItem>)],
    known: &[(&str, Vec<KnownRating>)],
) -> Vec<Effect> {
    let mut queue = fx;
    let mut other = Vec::new();
    while let Some(e) = queue.pop() {
        let action = match e {
            Effect::LoadSessions {
                generation,
                from,
                limit,
            } => {
                // Like verdict's own server: offsets, then the cursor it hands out.
                let offset = match &from {
                    PageStart::Offset(o) => *o as usize,
                    PageStart::Cursor(c) => c.parse().unwrap_or(usize::MAX),
                };
                let mut p = page(
                    sessions
                        .iter()
                        .skip(offset)
                        .take(limit as usize)
                        .cloned()
                        .collect(),
                );
                p.total = sessions.len() as u64;
                let end = offset + p.results.len();
                let next = (end < sessions.len()).then(|| PageStart::Cursor(end.to_string()));
                Action::SessionsLoaded {
                    generation,
                    from,
                    result: Ok(SessionsPage {
                        response: p,
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
                let all = histories
                    .iter()
                    .find(|(id, _)| *id == session_id)
                    .map(|(_, h)| h.clone())
                    .unwrap_or_default();
                let total = all.len() as u64;
                let page: Vec<_> = all.into_iter().skip(offset as usize).take(200).collect();
                let mut h = history(&session_id, page, total);
                h.has_more = offset + (h.messages.len() as u64) < total;
                Action::HistoryLoaded {
                    session_id,
                    generation,
                    offset,
                    result: Ok(h),
                }
            }
            Effect::LoadKnownRatings {
                session_id,
                generation,
            } => Action::KnownRatingsLoaded {
                result: Ok(known
                    .iter()
                    .find(|(id, _)| *id == session_id)
                    .map(|(_, k)| k.clone())
                    .unwrap_or_default()),
                session_id,
                generation,
            },
            Effect::LoadCorrections {
                session_id,
                generation,
            } => Action::CorrectionsLoaded {
                session_id,
                generation,
                result: Ok(Default::default()),
            },
            // A fresh journal: no tags yet.
            Effect::LoadTagCounts => Action::TagCountsLoaded(Ok(Default::default())),
            other_effect => {
                other.push(other_effect);
                continue;
            }
        };
        queue.extend(update(m, action));
    }
    other
}

/// The demo-like namespace used by most tests: three sessions, the first open.
pub fn demo_sessions() -> Vec<GetSessionResponse> {
    vec![
        session(
            "ses_a",
            "Counting marketing videos",
            SessionStatus::Active,
            Some((0, 2)),
        ),
        session("ses_b", "Q3 summary", SessionStatus::Idle, Some((0, 1))),
        session("ses_c", "", SessionStatus::Archived, Some((1, 1))),
    ]
}

pub fn demo_histories() -> Vec<(&'static str, Vec<MessageHistoryItem>)> {
    vec![
        (
            "ses_a",
            vec![
                msg("a1", "user", "How many videos are in the marketing bucket?"),
                tool(
                    "a2",
                    "tool_call",
                    "count_objects",
                    r#"{"bucket":"marketing"}"#,
                    "",
                ),
                tool("a3", "tool_result", "count_objects", "", r#"{"count": 42}"#),
                msg(
                    "a4",
                    "assistant",
                    "There are **42** videos in the `marketing` bucket.\n\n- 30 are *published*\n- 12 are drafts",
                ),
                msg("a5", "user", "Which is the longest?"),
                msg(
                    "a6",
                    "assistant",
                    "## Longest video\n\n`launch-keynote.mp4` runs 48 minutes.\n\n```sql\nSELECT name FROM videos ORDER BY duration DESC LIMIT 1;\n```",
                ),
            ],
        ),
        (
            "ses_b",
            vec![
                msg("b1", "user", "Summarise the Q3 report in one line."),
                msg(
                    "b2",
                    "assistant",
                    "Revenue grew 12% while churn fell to 3.1%.",
                ),
            ],
        ),
        (
            "ses_c",
            vec![
                msg("c1", "user", "日本語で挨拶して 🙂"),
                msg(
                    "c2",
                    "assistant",
                    "こんにちは！🙂 שלום — مرحبا. Wide text wraps by columns: 東京都渋谷区神南一丁目の会議室で午後三時から打ち合わせがあります。",
                ),
            ],
        ),
    ]
}

pub fn demo_known() -> Vec<(&'static str, Vec<KnownRating>)> {
    vec![(
        "ses_c",
        vec![KnownRating {
            message_id: "c2".into(),
            receipt: super::model::Receipt::Sent {
                rating: Rating::Positive,
                stored: true,
                entry: None,
            },
            note: None,
        }],
    )]
}

/// [`serve`] from the demo-like sessions, histories and known ratings.
pub fn serve_demo(m: &mut Model, fx: Vec<Effect>) -> Vec<Effect> {
    serve(m, fx, &demo_sessions(), &demo_histories(), &demo_known())
}

/// A model with the demo-like data loaded and the first session open.
pub fn loaded(w: u16, h: u16) -> Model {
    let mut m = model(w, h);
    let fx = start(&mut m);
    let rest = serve_demo(&mut m, fx);
    debug_assert!(rest.iter().all(|e| matches!(
        e,
        Effect::LoadCounts | Effect::LoadDrafts | Effect::LoadDeferrals
    )));
    m
}

/// Draws the model on a test terminal.
pub fn draw(m: &Model) -> Buffer {
    let mut m = m.clone();
    super::update::prepare(&mut m);
    let m = &m;
    let mut terminal = match Terminal::new(TestBackend::new(m.width, m.height)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let frame = match terminal.draw(|f| super::view::draw(f, m)) {
        Ok(f) => f,
        Err(e) => match e {},
    };
    frame.buffer.clone()
}

pub fn screen(m: &Model) -> String {
    super::view::buffer_text(&draw(m))
}
