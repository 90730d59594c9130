//! Tags (failure modes) on a reply: digits toggle the taxonomy's first nine, `#` opens
//! the picker. A toggle is a re-rating: the same rating with the new note-and-tags text.
//! On an unrated reply a tag rates it negative (a tag is a failure mode), and says so.

use super::rating::{not_on_assistant, rate, selected_assistant};
use crate::api::model::Rating;
use crate::api::tags;
use crate::journal::tagcounts::TagCounts;
use crate::review::action::Action;
use crate::review::effect::Effect;
use crate::review::model::*;
use crossterm::event::KeyCode;

/// The longest text typed in the picker.
const INPUT_CHARS_MAX: usize = tags::TAG_CHARS_MAX + 1;

/// Digit `n` (0 for `1`): toggles the Nth tag on the reply just rated, else the selected.
pub(super) fn toggle_nth(
    m: &mut Model,
    n: usize,
    just_rated: Option<(String, String)>,
    fx: &mut Vec<Effect>,
) {
    let Some(tag) = m.tags.get(n).map(|d| d.name.clone()) else {
        let text = format!(
            "No tag {}: the taxonomy has {} tag(s) ([tags] list in config.toml); {} picks from every tag.",
            n + 1,
            m.tags.len(),
            m.key(crate::review::action::Command::TagPicker)
        );
        m.set_notice(Level::Warning, text);
        return;
    };
    if bulk_toggle(m, &tag, fx) {
        return;
    }
    match just_rated.or_else(|| selected_assistant(m)) {
        Some((session, message)) => toggle(m, &session, &message, &tag, fx),
        None => not_on_assistant(m),
    }
}

/// The tags on a reply now (from the text of its latest rating).
fn tags_on(m: &Model, session_id: &str, message_id: &str) -> (Option<String>, Vec<String>) {
    m.transcripts
        .get(session_id)
        .and_then(|t| t.notes.get(message_id))
        .map(|text| tags::parse(text))
        .unwrap_or_default()
}

/// "message 4": the reply's place in its session, as the transcript numbers it.
fn place(m: &Model, session_id: &str, message_id: &str) -> String {
    match m
        .transcripts
        .get(session_id)
        .and_then(|t| t.index_of(message_id))
    {
        Some(i) => format!("message {}", i + 1),
        None => "the reply".to_string(),
    }
}

/// Adds `tag` to the reply or takes it off, as a re-rating.
pub(super) fn toggle(
    m: &mut Model,
    session_id: &str,
    message_id: &str,
    tag: &str,
    fx: &mut Vec<Effect>,
) {
    if bulk_toggle(m, tag, fx) {
        return;
    }
    let (note, current) = tags_on(m, session_id, message_id);
    let (next, on) = tags::toggle(&current, tag);
    if !tags::fits(note.as_deref(), &next) {
        let text = format!(
            "No room for tag {tag}: the note and its tags would pass {} characters (or {} tags); nothing changed.",
            crate::api::limits::FEEDBACK_TEXT_MAX,
            tags::TAGS_MAX
        );
        m.set_notice(Level::Warning, text);
        return;
    }
    let Some(t) = m.transcripts.get(session_id) else {
        return;
    };
    let rated = t
        .receipts
        .get(message_id)
        .filter(|r| r.is_rating())
        .map(Receipt::rating);
    // A re-rating keeps the reviewer where they are; a first rating moves on as `-` does.
    let kept = rated.map(|_| (t.cursor, t.cursor_auto, t.advanced, t.scroll));
    let rating = rated.unwrap_or(Rating::Negative);
    rate(
        m,
        session_id,
        message_id,
        rating,
        tags::compose(note.as_deref(), &next),
        fx,
    );
    if let Some((cursor, auto, advanced, scroll)) = kept
        && let Some(t) = m.transcripts.get_mut(session_id)
    {
        t.cursor = cursor;
        t.cursor_auto = auto;
        t.advanced = advanced;
        t.scroll = scroll;
    }
    let at = place(m, session_id, message_id);
    let text = match (on, rated) {
        (true, Some(r)) => format!("Tag {tag} on {at} (still {r}); sending it with the rating."),
        (false, Some(r)) => format!("Tag {tag} off {at} (still {r}); sending the change."),
        (_, None) => {
            format!("Tag {tag} on {at}, rated negative (a tag is a failure mode); sending it.")
        }
    };
    m.set_notice(Level::Info, text);
    m.just_rated = Some((session_id.to_string(), message_id.to_string()));
}

/// Replies marked: `tag` goes on every one of them, or off every one when all of them
/// have it, as one bulk action (one journal write, one undo step). A rated reply keeps
/// its rating; an unrated one is rated negative, as a single tag does. Returns whether
/// there were marks.
pub(super) fn bulk_toggle(m: &mut Model, tag: &str, fx: &mut Vec<Effect>) -> bool {
    let replies = super::bulk::marked_replies(m);
    if replies.is_empty() {
        return false;
    }
    let on = !replies
        .iter()
        .all(|(s, msg)| tags_on(m, s, msg).1.iter().any(|t| t == tag));
    let (mut items, mut full, mut unrated) = (Vec::with_capacity(replies.len()), 0, 0);
    for (s, msg) in replies {
        let (note, current) = tags_on(m, &s, &msg);
        let (next, now_on) = tags::toggle(&current, tag);
        if now_on != on {
            // Already as the action leaves it.
            continue;
        }
        if !tags::fits(note.as_deref(), &next) {
            full += 1;
            continue;
        }
        let rated = m
            .transcripts
            .get(&s)
            .and_then(|t| t.receipts.get(&msg))
            .filter(|r| r.is_rating())
            .map(Receipt::rating);
        unrated += usize::from(rated.is_none());
        items.push(super::bulk::Item {
            reply: (s, msg),
            rating: rated.unwrap_or(Rating::Negative),
            text: tags::compose(note.as_deref(), &next),
        });
    }
    m.bulk.clear();
    m.just_rated = None;
    if items.is_empty() {
        let text = format!(
            "No room for tag {tag} on any marked reply: the note and its tags would pass {} characters (or {} tags); nothing changed.",
            crate::api::limits::FEEDBACK_TEXT_MAX,
            tags::TAGS_MAX
        );
        m.set_notice(Level::Warning, text);
        return true;
    }
    let n = super::bulk::send_each(m, items, true, fx);
    if let Some(p) = &mut m.bulk.progress {
        p.tag = Some((tag.to_string(), on));
    }
    let mut text = if on {
        format!("Tag {tag} on {}", replies_word(n))
    } else {
        format!(
            "Tag {tag} off {} (every marked reply had it)",
            replies_word(n)
        )
    };
    if unrated > 0 {
        text.push_str(&format!(
            "; {unrated} unrated rated negative (a tag is a failure mode)"
        ));
    }
    if full > 0 {
        text.push_str(&format!("; {full} left as they were (no room for the tag)"));
    }
    text.push_str("; saving it.");
    m.set_notice(Level::Info, text);
    true
}

fn replies_word(n: usize) -> String {
    if n == 1 {
        "1 reply".to_string()
    } else {
        format!("{n} replies")
    }
}

/// The notice while a bulk tag is on its way, if the bulk action is a tag's.
pub(super) fn bulk_sending(m: &Model, tag: Option<&(String, bool)>, n: usize) -> Option<String> {
    let (tag, on) = tag?;
    Some(format!(
        "Tag {tag} {} {} (one action: {} undoes all of them).",
        if *on { "on" } else { "off" },
        replies_word(n),
        m.key(crate::review::action::Command::Undo)
    ))
}

/// The notice once a bulk tag has reached the server, if the bulk action is a tag's.
pub(super) fn bulk_sent(tag: Option<&(String, bool)>, n: usize) -> Option<String> {
    let (tag, on) = tag?;
    Some(format!(
        "Sent: tag {tag} {} {}.",
        if *on { "on" } else { "off" },
        replies_word(n)
    ))
}

/// The journal's count of the namespace's tags arrived (read once at start; ratings made
/// since are counted from the transcripts they changed, so it is never read again).
pub(super) fn counts_loaded(m: &mut Model, result: Result<TagCounts, String>) {
    m.tag_tally.loaded = true;
    match result {
        Ok(counts) => {
            m.tag_tally.journal = counts;
            m.tag_tally.error = None;
        }
        Err(e) => m.tag_tally.error = Some(e),
    }
}

/// `#`: the picker for the reply just rated, else the selected one.
pub(super) fn open_picker(m: &mut Model, just_rated: Option<(String, String)>) {
    let marked = super::bulk::marked_replies(m);
    let Some((session_id, message_id)) = marked
        .first()
        .cloned()
        .or(just_rated)
        .or_else(|| selected_assistant(m))
    else {
        not_on_assistant(m);
        return;
    };
    let mut counts = m.namespace_tags();
    let mut known: Vec<(String, usize)> = m
        .tags
        .iter()
        .map(|d| (d.name.clone(), counts.remove(&d.name).unwrap_or(0)))
        .collect();
    let mut others: Vec<(String, usize)> = counts.into_iter().collect();
    others.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    known.extend(others);
    let mut on = tags_on(m, &session_id, &message_id).1;
    // Marked replies: a tag shows as on when every one of them has it.
    for (s, msg) in marked.iter().skip(1) {
        let theirs = tags_on(m, s, msg).1;
        on.retain(|t| theirs.contains(t));
    }
    m.mode = Mode::Tags(Box::new(TagPicker {
        session_id,
        message_id,
        input: String::new(),
        selected: 0,
        known,
        on,
    }));
}

/// Keys inside the picker: typing filters, up/down choose, Enter toggles, Esc closes.
pub(super) fn picker(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Mode::Tags(p) = &mut m.mode else {
        return;
    };
    match action {
        Action::PromptCancel | Action::Dismiss => m.mode = Mode::Browse,
        Action::PromptKey(ev) => match ev.code {
            KeyCode::Char(c) if !c.is_control() && p.input.chars().count() < INPUT_CHARS_MAX => {
                p.input.push(c);
                p.selected = 0;
            }
            KeyCode::Backspace => {
                p.input.pop();
                p.selected = 0;
            }
            KeyCode::Down | KeyCode::Tab => {
                let last = choices(p).saturating_sub(1);
                p.selected = (p.selected + 1).min(last);
            }
            KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
            _ => {}
        },
        Action::Paste(text) => {
            let room = INPUT_CHARS_MAX.saturating_sub(p.input.chars().count());
            p.input
                .extend(text.chars().filter(|c| !c.is_control()).take(room));
            p.selected = 0;
        }
        Action::PromptSubmit => {
            let chosen = p
                .options()
                .get(p.selected)
                .map(|(t, _)| t.clone())
                .or_else(|| p.new_tag());
            let (session, message) = (p.session_id.clone(), p.message_id.clone());
            match chosen {
                Some(tag) => {
                    m.mode = Mode::Browse;
                    toggle(m, &session, &message, &tag, fx);
                }
                None => {
                    let text = if p.input.trim().is_empty() {
                        "Type a tag to filter, or a new word to create one.".to_string()
                    } else {
                        tags::invalid(&p.input)
                    };
                    m.set_notice(Level::Warning, text);
                }
            }
        }
        _ => {}
    }
}

/// Lines the picker offers: the matching tags, then the new one typed (if any).
pub fn choices(p: &TagPicker) -> usize {
    p.options().len() + usize::from(p.new_tag().is_some())
}
