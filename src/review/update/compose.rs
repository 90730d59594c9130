//! Rating with text: the editor, its note kept as a draft while typed, drafts from earlier runs.

use super::rating::{not_on_assistant, rate, selected_assistant};
use super::wording::{self, too_long};
use crate::api::model::Rating;
use crate::journal::{Draft, SavedDraft};
use crate::review::action::{Action, Command};
use crate::review::editor::{Editor, MAX_FEEDBACK_CHARS};
use crate::review::effect::Effect;
use crate::review::model::*;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub(super) fn open_compose(m: &mut Model) {
    let Some((session_id, message_id)) = selected_assistant(m) else {
        not_on_assistant(m);
        return;
    };
    let key = (session_id.clone(), message_id.clone());
    let (rating, editor) = match m.drafts.get(&key).cloned() {
        Some(draft) => {
            m.set_notice(Level::Info, wording::NOTE_BACK);
            (draft.rating, Editor::new(&draft.text))
        }
        None => (
            m.open_transcript()
                .and_then(|t| t.receipts.get(&message_id))
                .map_or(Rating::Positive, Receipt::rating),
            Editor::default(),
        ),
    };
    let chars = editor.chars();
    m.mode = Mode::Compose(Box::new(Compose {
        session_id,
        message_id,
        rating,
        editor,
        error: (chars > MAX_FEEDBACK_CHARS).then(|| too_long(chars)),
    }));
}

/// Keeps the editor's note as the message's draft (in the journal as it is typed, so
/// quitting, a lost SSH connection or a crash cannot take it); an emptied note is no draft.
fn keep_draft(drafts: &mut HashMap<(String, String), Draft>, c: &Compose, fx: &mut Vec<Effect>) {
    let key = (c.session_id.clone(), c.message_id.clone());
    let text = c.editor.text();
    if text.is_empty() {
        if drafts.remove(&key).is_some() {
            fx.push(Effect::DeleteDraft {
                session_id: key.0,
                message_id: key.1,
            });
        }
        return;
    }
    let draft = Draft {
        rating: c.rating,
        text,
    };
    if drafts.get(&key) != Some(&draft) {
        drafts.insert(key.clone(), draft.clone());
        fx.push(Effect::SaveDraft {
            session_id: key.0,
            message_id: key.1,
            draft,
        });
    }
}

pub(super) fn compose(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Mode::Compose(c) = &mut m.mode else {
        return;
    };
    match action {
        Action::Command(Command::Cancel) => {
            let kept = m
                .drafts
                .contains_key(&(c.session_id.clone(), c.message_id.clone()));
            m.mode = Mode::Browse;
            if kept {
                m.set_notice(Level::Info, wording::kept_as_draft(m));
            } else {
                m.set_notice(Level::Info, wording::COMPOSE_CANCELLED);
            }
        }
        Action::Command(Command::ToggleRating) => {
            c.rating = match c.rating {
                Rating::Positive => Rating::Negative,
                Rating::Negative => Rating::Positive,
            };
            keep_draft(&mut m.drafts, c, fx);
        }
        Action::Command(Command::Send) => {
            let chars = c.editor.chars();
            if chars > MAX_FEEDBACK_CHARS {
                c.error = Some(too_long(chars));
                return;
            }
            let text = c.editor.text();
            let (session, message, rating) = (c.session_id.clone(), c.message_id.clone(), c.rating);
            m.mode = Mode::Browse;
            let text = (!text.is_empty()).then_some(text);
            rate(m, &session, &message, rating, text, fx);
            // After the rating, in the same ordered writer: the note is in the journal
            // as a rating before its draft goes.
            if m.drafts
                .remove(&(session.clone(), message.clone()))
                .is_some()
            {
                fx.push(Effect::DeleteDraft {
                    session_id: session,
                    message_id: message,
                });
            }
        }
        Action::Paste(pasted) => {
            c.editor
                .insert_str(&pasted.replace("\r\n", "\n").replace('\r', "\n"));
            let chars = c.editor.chars();
            c.error = (chars > MAX_FEEDBACK_CHARS).then(|| too_long(chars));
            keep_draft(&mut m.drafts, c, fx);
        }
        Action::EditorKey(key) if c.editor.input(key) => {
            let chars = c.editor.chars();
            c.error = (chars > MAX_FEEDBACK_CHARS).then(|| too_long(chars));
            keep_draft(&mut m.drafts, c, fx);
        }
        _ => {}
    }
}

/// Drafts from earlier runs join this run's (a note already being written here wins).
pub(super) fn drafts_loaded(m: &mut Model, result: Result<Vec<SavedDraft>, String>) {
    match result {
        Ok(saved) => {
            let mut added = 0;
            for d in saved {
                if let Entry::Vacant(slot) = m.drafts.entry((d.session_id, d.message_id)) {
                    slot.insert(d.draft);
                    added += 1;
                }
            }
            if added > 0 && m.notice.is_none() {
                m.set_notice(Level::Info, wording::drafts_from_last_time(m, added));
            }
        }
        Err(e) => m.set_notice(Level::Warning, wording::drafts_unread(&e)),
    }
}
