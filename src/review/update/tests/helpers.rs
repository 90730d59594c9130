//! What every update test uses: the fixtures, their types, and a reviewer's small steps.

pub use crate::api::model::{GetSessionResponse, Rating, SessionStatus};
pub use crate::api::{ApiError, PageStart};
pub use crate::journal::outbox::OutboxEvent;
pub use crate::review::action::{Action, Command};
pub use crate::review::effect::Effect;
pub use crate::review::fixtures::*;
pub use crate::review::model::*;
pub use crate::review::update::update;
pub use crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
pub use std::time::Duration;

pub fn cmd(c: Command) -> Action {
    Action::Command(c)
}

pub fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn cursor_id(m: &Model) -> Option<String> {
    let t = m.open_transcript()?;
    t.cursor.map(|c| t.messages[c].message_id.clone())
}

/// `n` active sessions with one unrated reply each, ids numbered with `digits` digits.
pub fn numbered_sessions(n: usize, digits: usize) -> Vec<GetSessionResponse> {
    (0..n)
        .map(|i| {
            session(
                &format!("ses_{i:0digits$}"),
                &format!("Session {i}"),
                SessionStatus::Active,
                Some((0, 1)),
            )
        })
        .collect()
}

/// `n` messages `m0`, `m1`, ...: user and assistant by turns.
pub fn alternating(n: usize) -> Vec<crate::api::model::MessageHistoryItem> {
    (0..n)
        .map(|i| {
            msg(
                &format!("m{i}"),
                if i % 2 == 0 { "user" } else { "assistant" },
                "text",
            )
        })
        .collect()
}

/// `/`, the query typed key by key, `Enter`.
/// Searches, then closes the results list: what matched in the open session stays.
pub fn search_for(m: &mut Model, query: &str) {
    search_list(m, query);
    assert!(matches!(m.mode, Mode::Results(_)), "the results list opens");
    update(m, Action::Dismiss);
}

/// Searches and leaves the results list open; the effects asked for.
pub fn search_list(m: &mut Model, query: &str) -> Vec<Effect> {
    update(m, cmd(Command::Search));
    for c in query.chars() {
        update(m, Action::PromptKey(key(c)));
    }
    update(m, Action::PromptSubmit)
}

/// The rating of `message` in ses_a is committed to the journal (entry 1), then the
/// server's receipt comes.
pub fn journaled_and_sent(m: &mut Model, message: &str, rating: Rating) {
    let e = entry(1, "ses_a", message, rating);
    apply(
        m,
        [
            Action::RateRecorded {
                session_id: "ses_a".into(),
                message_id: message.into(),
                rating,
                result: Ok(e.clone()),
            },
            Action::Outbox(OutboxEvent::Sent {
                entry: e,
                receipt: crate::review::fixtures::receipt("ses_a", message, rating, true),
            }),
        ],
    );
}

/// `c`, one letter, `Esc`: a note kept as a draft on the selected message.
pub fn keep_a_draft(m: &mut Model) {
    update(m, cmd(Command::RateWithText));
    update(m, Action::EditorKey(key('n')));
    update(m, cmd(Command::Cancel));
}

pub fn receipt<'a>(m: &'a Model, session: &str, message: &str) -> Option<&'a Receipt> {
    m.transcripts.get(session)?.receipts.get(message)
}
