//! Every sentence about deferring, marking and bulk judgments (the rest of the
//! reviewer's sentences are in `wording.rs`).

use crate::api::model::Rating;
use crate::journal::defer::DeferChange;
use crate::review::action::Command;
use crate::review::model::*;

pub(super) const DEFER_CANCELLED: &str = "Not deferred.";
pub(super) const MARKS_CLEARED: &str = "Marks cleared.";
pub(super) const BULK_CANCELLED: &str = "Nothing was rated; the replies are no longer marked.";
pub(super) const NOTHING_UNRATED_MARKED: &str =
    "The marked sessions have no unrated reply; nothing was done.";

fn word(r: Rating) -> &'static str {
    match r {
        Rating::Positive => "positive",
        Rating::Negative => "negative",
    }
}

fn replies(n: usize) -> String {
    if n == 1 {
        "1 reply".to_string()
    } else {
        format!("{n} replies")
    }
}

pub(super) fn undeferred(m: &Model) -> String {
    format!(
        "No longer deferred. {} defers it again.",
        m.key(Command::Defer)
    )
}

pub(super) fn deferred(n: usize, reason: Option<&str>) -> String {
    let what = if n == 1 {
        "Deferred".to_string()
    } else {
        format!("{} deferred", replies(n))
    };
    match reason {
        Some(r) => format!("{what} ({r}); ] comes back to it once nothing else is unrated."),
        None => format!("{what}; ] comes back to it once nothing else is unrated."),
    }
}

pub(super) fn deferrals_unread(e: &str) -> String {
    format!("Cannot read the deferred replies from the journal: {e}")
}

pub(super) fn defer_not_kept(e: &str) -> String {
    format!("The deferral was not kept in the journal: {e}")
}

pub(super) fn back_to_deferred(m: &Model, reason: Option<String>) -> String {
    let why = reason.map(|r| format!(" ({r})")).unwrap_or_default();
    format!(
        "Nothing else is unrated: back to a deferred reply{why}. {} or {} rates it, {} un-defers it.",
        m.key(Command::RatePositive),
        m.key(Command::RateNegative),
        m.key(Command::Defer)
    )
}

pub(super) fn defer_undone(m: &Model, redo: bool, changes: &[DeferChange]) -> String {
    let done = if redo { "Redone" } else { "Undone" };
    let again = if redo {
        m.key(Command::Undo)
    } else {
        m.key(Command::Redo)
    };
    let now = if changes.iter().all(|c| c.now.is_some()) {
        "deferred"
    } else {
        "not deferred"
    };
    format!(
        "{done}: {} {now} again. {again} takes it back.",
        replies(changes.len())
    )
}

pub(super) fn mark_an_assistant(m: &Model) -> String {
    format!(
        "Only assistant replies are marked: move to one ({}/{}) and press {} again.",
        m.key(Command::Down),
        m.key(Command::Up),
        m.key(Command::Mark)
    )
}

pub(super) fn range_started(m: &Model) -> String {
    format!(
        "Range started: move to extend it; {} or {} rates every marked reply, {} defers, Esc clears.",
        m.key(Command::RatePositive),
        m.key(Command::RateNegative),
        m.key(Command::Defer)
    )
}

pub(super) fn marked(m: &Model, replies_n: usize, sessions: usize) -> String {
    if replies_n == 0 && sessions == 0 {
        return "Nothing marked.".to_string();
    }
    let what = if replies_n > 0 {
        format!("{} marked", replies(replies_n))
    } else if sessions == 1 {
        "1 session marked (its unrated replies)".to_string()
    } else {
        format!("{sessions} sessions marked (their unrated replies)")
    };
    format!(
        "{what}: {} or {} rates them all, {} defers, Esc clears.",
        m.key(Command::RatePositive),
        m.key(Command::RateNegative),
        m.key(Command::Defer)
    )
}

pub(super) fn search_first(m: &Model) -> String {
    format!(
        "No search to mark: search with {} first, then {} marks the replies it matches here.",
        m.key(Command::Search),
        m.key(Command::MarkMatches)
    )
}

pub(super) fn no_reply_matches(query: &str) -> String {
    format!(
        "No assistant reply of the open session matches \"{}\"; nothing marked.",
        crate::sanitize::message(query, 60)
    )
}

pub(super) fn loading_sessions(m: &Model, n: usize) -> String {
    let what = if n == 1 {
        "1 session".to_string()
    } else {
        format!("{n} sessions")
    };
    format!("loading {what}{}", m.look.glyphs.ellipsis)
}

pub(super) fn bulk_saving(n: usize, r: Rating) -> String {
    format!("Saving {} as {}…", replies(n), word(r))
}

pub(super) fn bulk_sending(m: &Model, n: usize, r: Rating) -> String {
    format!(
        "{} rated {} (one action: {} undoes all of them).",
        replies(n),
        word(r),
        m.key(Command::Undo)
    )
}

pub(super) fn bulk_sent(n: usize) -> String {
    format!("Sent: {} rated.", replies(n))
}

/// The bulk positive's question.
pub fn store_question(n: usize) -> String {
    let what = if n == 1 {
        "1 exchange".to_string()
    } else {
        format!("{n} exchanges")
    };
    format!("Store {what} to memory? y/n")
}
