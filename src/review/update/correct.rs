//! Correcting a reply: `e` opens `$VISUAL`/`$EDITOR` (an effect the loop runs) or the
//! built-in editor; saving keeps the correction in the journal and, unless this reviewer
//! has rated the reply, rates it negative as `-` would. `D` shows the word diff.

use super::rating::{not_on_assistant, rate, selected_assistant};
use super::wording;
use crate::api::model::Rating;
use crate::journal::corrections::too_long;
use crate::journal::{Correction, NewCorrection, SessionCorrections};
use crate::review::action::{Action, Command};
use crate::review::editor::Editor;
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::typeset::diff;

/// The editor's hint when it opens empty-handed (a reply is never empty, but may be).
const PLACEHOLDER: &str = "What the reply should have said";

/// `e`: the reply (or its correction) in an editor.
pub(super) fn open(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some((session_id, message_id)) = selected_assistant(m) else {
        not_on_assistant(m);
        return;
    };
    let Some(t) = m.open_transcript() else {
        return;
    };
    let Some(i) = t.index_of(&message_id) else {
        return;
    };
    let before = t
        .corrections
        .get(&message_id)
        .cloned()
        .unwrap_or_else(|| t.messages[i].content.clone());
    match m.external_editor.clone() {
        Some(editor) => {
            m.set_notice(Level::Info, wording::editing_in(&editor));
            fx.push(Effect::EditCorrection {
                session_id,
                message_id,
                text: before,
            });
        }
        None => {
            let editor = Editor::with_placeholder(&before, PLACEHOLDER);
            m.mode = Mode::Correct(Box::new(Correcting {
                session_id,
                message_id,
                before,
                editor,
                error: None,
            }));
        }
    }
}

/// Keys in the built-in correction editor: save, cancel, or text.
pub(super) fn editing(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Mode::Correct(c) = &mut m.mode else {
        return;
    };
    match action {
        Action::Command(Command::Cancel) => {
            m.mode = Mode::Browse;
            m.set_notice(Level::Info, wording::CORRECTION_CANCELLED);
        }
        Action::Command(Command::Send) => {
            let text = c.editor.text();
            if let Some(why) = too_long(&text) {
                c.error = Some(why);
                return;
            }
            let (session, message, before) =
                (c.session_id.clone(), c.message_id.clone(), c.before.clone());
            m.mode = Mode::Browse;
            save(m, &session, &message, &before, &text, fx);
        }
        Action::Paste(pasted) => {
            c.editor
                .insert_str(&pasted.replace("\r\n", "\n").replace('\r', "\n"));
            c.error = None;
        }
        Action::EditorKey(key) if c.editor.input(key) => c.error = None,
        _ => {}
    }
}

/// The external editor closed.
pub(super) fn edited(
    m: &mut Model,
    session_id: &str,
    message_id: &str,
    before: &str,
    result: Result<String, String>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(after) => save(m, session_id, message_id, before, after.trim(), fx),
        Err(why) => m.set_notice(Level::Warning, wording::editor_failed(&why)),
    }
}

/// Records `after` as the correction of a reply, unless it is unchanged, empty or too
/// long (each said); then the implied negative rating, when the reviewer has none here.
fn save(
    m: &mut Model,
    session_id: &str,
    message_id: &str,
    before: &str,
    after: &str,
    fx: &mut Vec<Effect>,
) {
    if after.is_empty() {
        m.set_notice(Level::Warning, wording::CORRECTION_EMPTY);
        return;
    }
    if after == before.trim() {
        m.set_notice(Level::Info, wording::CORRECTION_UNCHANGED);
        return;
    }
    if let Some(why) = too_long(after) {
        m.set_notice(Level::Error, why);
        return;
    }
    let Some(t) = m.transcripts.get(session_id) else {
        return;
    };
    let Some(i) = t.index_of(message_id) else {
        return;
    };
    let prompt = t.prompt_of(i).map(|p| t.messages[p].content.clone());
    let original = t.messages[i].content.clone();
    let receipt = t.receipts.get(message_id);
    let key = (session_id.to_string(), message_id.to_string());
    let rated_by_me = m.this_run.contains_key(&key)
        || receipt.is_some_and(|r| {
            r.is_rating()
                && (r.entry().is_some()
                    || matches!(r, Receipt::Saving { .. })
                    || t.rated_here.contains(message_id))
        });
    fx.push(Effect::SaveCorrection {
        session_id: key.0.clone(),
        message_id: key.1.clone(),
        correction: NewCorrection {
            prompt,
            original,
            corrected: after.to_string(),
        },
    });
    if let Some(t) = m.transcripts.get_mut(session_id) {
        t.corrections
            .insert(message_id.to_string(), after.to_string());
    }
    if !rated_by_me {
        rate(m, session_id, message_id, Rating::Negative, None, fx);
    }
    m.set_notice(Level::Info, wording::corrected(!rated_by_me));
}

/// The journal kept the correction, or could not: then the mark goes and the notice
/// says why.
pub(super) fn recorded(
    m: &mut Model,
    session_id: &str,
    message_id: &str,
    result: Result<Correction, String>,
) {
    if let Err(e) = result {
        if let Some(t) = m.transcripts.get_mut(session_id) {
            t.corrections.remove(message_id);
        }
        m.set_notice(Level::Error, wording::correction_not_saved(&e));
    }
}

/// A session's corrections from the journal: marks for what this run has not corrected.
pub(super) fn loaded(
    m: &mut Model,
    session_id: &str,
    generation: u64,
    result: Result<SessionCorrections, String>,
) {
    let Some(t) = m.transcripts.get_mut(session_id) else {
        return;
    };
    if t.generation != generation {
        return;
    }
    match result {
        Ok(found) => {
            for c in found.corrections {
                t.corrections
                    .entry(c.target.message_id)
                    .or_insert(c.corrected);
            }
            t.rated_here.extend(found.rated);
        }
        Err(e) => m.set_notice(Level::Warning, wording::corrections_unread(&e)),
    }
}

/// `D`: the word diff of the selected reply and its correction.
pub(super) fn show_diff(m: &mut Model) {
    let Some((_, message_id)) = selected_assistant(m) else {
        not_on_assistant(m);
        return;
    };
    let found = m.open_transcript().and_then(|t| {
        let i = t.index_of(&message_id)?;
        let c = t.corrections.get(&message_id)?;
        Some(diff::diff(&t.messages[i].content, c))
    });
    match found {
        Some(d) => m.mode = Mode::Diff(Box::new(DiffView { diff: d, scroll: 0 })),
        None => {
            let text = wording::no_correction(m);
            m.set_notice(Level::Info, text);
        }
    }
}

/// Keys over the diff: scroll within its lines, or close.
pub(super) fn diff_keys(m: &mut Model, action: Action) {
    let (width, height) = (m.width, m.height);
    let Mode::Diff(d) = &mut m.mode else {
        return;
    };
    let max = diff::max_scroll(&d.diff, width, height, &m.look);
    let (_, page) = diff::text_room(width, height);
    d.scroll = match action {
        Action::Dismiss => {
            m.mode = Mode::Browse;
            return;
        }
        Action::Command(Command::Up) => d.scroll.saturating_sub(1),
        Action::Command(Command::Down) => d.scroll.saturating_add(1),
        Action::Command(Command::PageUp) => d.scroll.saturating_sub(page),
        Action::Command(Command::PageDown) => d.scroll.saturating_add(page),
        Action::Command(Command::Top) => 0,
        Action::Command(Command::Bottom) => max,
        _ => return,
    }
    .min(max);
}
