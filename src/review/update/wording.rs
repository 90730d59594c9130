//! Every sentence the reviewer's notices say, each in one place, with the keys in force.

use crate::api::ApiError;
use crate::api::model::Rating;
use crate::review::action::Command;
use crate::review::editor::MAX_FEEDBACK_CHARS;
use crate::review::model::{Filter, Model};
use crate::review::typeset::text;
use std::collections::BTreeMap;

/// A session's name inside a sentence is cut to this many columns, so what the sentence
/// says after the name still fits the notice line.
const NAME_COLUMNS: usize = 40;
/// A name that leads its sentence (landing in a session) may take a little more.
const LEADING_NAME_COLUMNS: usize = 50;
/// The refresh key where the keymap names none (it always does): the default binding.
const DEFAULT_REFRESH_KEY: &str = "r";

/// Said while a refresh is on its way; the first page that arrives takes it away.
pub(super) const REFRESHING: &str = "Refreshing…";
/// The end of the notice of a rating the journal has not taken yet.
const SAVING: &str = "saving…";
pub(super) const NO_TOOL_CALLS: &str = "This session has no tool calls.";
pub(super) const NO_ASSISTANT_MESSAGE: &str = "This session has no assistant message to rate.";
pub(super) const NOTE_BACK: &str = "Your unsent note is back; Esc keeps it as a draft again.";
pub(super) const COMPOSE_CANCELLED: &str = "Rating with text cancelled; nothing was sent.";
pub(super) const LOADING_REST: &str = "Loading the rest of this session…";
pub(super) const SEARCH_CLEARED: &str = "Search cleared.";
pub(super) const STILL_HERE: &str = "Still here; ratings keep sending.";
pub(super) const NO_PROFILES: &str =
    "No other account to switch to: add one with verdict login --profile NAME.";

pub(super) fn already_on_profile(name: &str) -> String {
    format!("Already on the profile {name}.")
}

fn name(title: &str, columns: usize) -> std::borrow::Cow<'_, str> {
    text::truncate(title, columns)
}

// ---- errors ----

/// An API error as the screen says it: what went wrong, with the refresh key the
/// reviewer actually has, and a way forward that works from inside the app.
pub(super) fn say(m: &Model, e: &ApiError) -> String {
    say_with(&m.key_names, e)
}

/// [`say`] for a caller holding part of the model mutably: only the key names are read.
pub(super) fn say_with(keys: &BTreeMap<Command, String>, e: &ApiError) -> String {
    let key = keys
        .get(&Command::Refresh)
        .map_or(DEFAULT_REFRESH_KEY, String::as_str);
    // Loads are not retried by themselves (ratings are): each sentence says what the
    // reviewer can do, and one that is worth retrying names the key.
    crate::api::wording::sentence(e, crate::api::wording::Retry::Key(key))
}

/// A load error in the status bar, with when it happened: pressing the refresh key
/// against a server that is still down changes the time, so the retry is visible.
pub(super) fn failed_at(m: &Model, msg: &str) -> String {
    let at = m.now.with_timezone(&m.offset).format("%H:%M:%S");
    // First, so a long message cut at the screen's edge still shows it.
    format!("{at} {msg}")
}

/// A few words on why a send is waiting, for the receipt line.
pub(super) fn short_reason(e: &ApiError) -> String {
    match e {
        ApiError::Network(_) | ApiError::Timeout => "offline".to_string(),
        ApiError::RateLimited(_) => "rate limited".to_string(),
        ApiError::Decode(_) => "unreadable answer".to_string(),
        ApiError::Redirect(i) => format!("redirected ({})", i.status),
        other => match other.status() {
            Some(s) => format!("server {s}"),
            None => "error".to_string(),
        },
    }
}

pub(super) fn known_ratings_unread(e: &str) -> String {
    format!("Earlier ratings could not be read from the journal ({e}).")
}

pub(super) fn drafts_unread(e: &str) -> String {
    format!("Cannot read unsent notes from the journal: {e}")
}

// ---- the session list ----

pub(super) fn loading_every_session(m: &Model, so_far: usize) -> String {
    let key = m.key(Command::Up);
    format!("Loading every session ({so_far} so far); {key} or any move stops.")
}

pub(super) fn all_sessions_loaded(n: usize) -> String {
    format!("All {n} sessions loaded.")
}

pub(super) fn showing(m: &Model, loaded: usize) -> String {
    let which = match m.filter {
        Filter::All => "all sessions".to_string(),
        Filter::Unrated => "sessions with unrated messages".to_string(),
        Filter::Status(s) => format!("{s} sessions"),
    };
    format!(
        "Showing {which} ({loaded} loaded); {} changes the filter.",
        m.key(Command::Filter)
    )
}

// ---- the transcript ----

pub(super) fn tools_folded(unfolded: bool) -> &'static str {
    if unfolded {
        "Tool calls unfolded."
    } else {
        "Tool calls folded."
    }
}

/// What Enter does on a message that is not a tool call: nothing, so say what rates.
pub(super) fn rating_keys(m: &Model) -> String {
    format!(
        "{} rates positive, {} negative, {} with text.",
        m.key(Command::RatePositive),
        m.key(Command::RateNegative),
        m.key(Command::RateWithText)
    )
}

// ---- rating ----

/// Items of a list page the server sent that are not sessions verdict can read.
pub(super) fn unreadable_sessions(n: usize) -> String {
    let items = if n == 1 {
        "1 session in the list could not be read: it shows".to_string()
    } else {
        format!("{n} sessions in the list could not be read: each shows")
    };
    format!("{items} as \"unreadable\" with its id and why; the rest of the list works.")
}

pub(super) fn unreadable_session(label: &str, reason: &str) -> String {
    format!(
        "Session {} could not be read ({reason}): there is nothing in it to open or rate; pick another.",
        name(label, NAME_COLUMNS)
    )
}

pub(super) fn history_stopped(title: &str, loaded: usize, why: &str) -> String {
    format!(
        "Showing the first {loaded} messages of {}: loading stopped because {why}.",
        name(title, NAME_COLUMNS)
    )
}

pub(super) fn opening_not_rated(title: &str) -> String {
    format!(
        "{} is opening: rate once it shows.",
        name(title, NAME_COLUMNS)
    )
}

pub(super) fn loading_not_rated(title: &str) -> String {
    format!(
        "{} is still loading: rate once its messages show.",
        name(title, NAME_COLUMNS)
    )
}

pub(super) fn only_assistants_rated(m: &Model) -> String {
    let (up, down) = (m.key(Command::Up), m.key(Command::Down));
    format!("Only assistant messages are rated: move to one with {down}/{up}.")
}

pub(super) fn select_an_assistant(m: &Model) -> String {
    let (up, down) = (m.key(Command::Up), m.key(Command::Down));
    format!(
        "Select an assistant message to rate it: {} moves into the transcript, then {down}/{up}.",
        m.key(Command::NextPane)
    )
}

pub(super) fn open_a_session_first(m: &Model) -> String {
    format!(
        "Open a session first: select it and press {}.",
        m.key(Command::Open)
    )
}

pub(super) fn saving(rating: Rating) -> String {
    format!("Rated {rating}: {SAVING}")
}

/// The notice still says a rating is being saved (whichever rating it names).
pub(super) fn is_saving(notice: &str) -> bool {
    notice.contains(SAVING)
}

/// What a saving notice says after "saving…" (that no unrated reply follows), kept when
/// the notice moves on to sending.
pub(super) fn after_saving(notice: &str) -> &str {
    notice.split_once(SAVING).map_or("", |(_, rest)| rest)
}

pub(super) fn sending(rating: Rating) -> String {
    format!("Rated {rating}: sending…")
}

pub(super) fn rated_without_draft(m: &Model, rating: Rating) -> String {
    let open = m.key(Command::RateWithText);
    format!(
        "Rated {rating} without your draft note; {open} on the message sends the note (it replaces this rating)."
    )
}

/// The receipt's reason when the journal did not take the rating.
pub(super) fn not_saved(e: &str) -> String {
    format!("not saved: {e}")
}

pub(super) fn journal_write_failed(e: &str) -> String {
    format!(
        "The rating could not be written to the journal ({e}); check the data directory and try again."
    )
}

/// A rating of this run that another verdict process using the same journal sent first.
pub(super) fn sent_elsewhere(rating: Rating, stored: bool) -> String {
    let memory = if stored {
        "stored to memory"
    } else {
        "not stored"
    };
    format!(
        "{} rating recorded by the server ({memory}), sent by another verdict process using this journal.",
        capitalise(rating.as_str())
    )
}

/// A rating of this run that the server refused when another verdict process sent it.
pub(super) fn refused_elsewhere(error: &str) -> String {
    format!(
        "Another verdict process using this journal sent this rating and the server refused it ({error}); it is kept in the journal as failed."
    )
}

/// A rating of this run replaced, before it went out, by one made in another process.
pub(super) fn replaced_elsewhere(newer: &crate::journal::Entry) -> String {
    format!(
        "A newer rating of this message ({} by {}), made in another verdict process using this journal, replaced yours before it was sent.",
        newer.rating, newer.reviewer
    )
}

/// The server's receipt, with what it means for the session and for a note left unsent.
/// The server's receipt, said in the notice line. `elsewhere`: the position of the rated
/// message when the cursor is no longer on it (a rating moves it on), so the receipt is
/// in view even when the message has scrolled off.
pub(super) fn sent(
    m: &Model,
    rating: Rating,
    stored: bool,
    session_done: bool,
    draft_left: bool,
    elsewhere: Option<usize>,
) -> String {
    let memory = if stored {
        "stored to memory"
    } else {
        "not stored"
    };
    let of = elsewhere.map_or(String::new(), |i| format!(" of message {}", i + 1));
    let mut out = format!(
        "{} rating{of} recorded by the server: {memory}.",
        capitalise(rating.as_str())
    );
    if session_done {
        out.push_str(&format!(
            " Session fully rated; {} goes to the next.",
            m.key(Command::NextUnrated)
        ));
    }
    if draft_left {
        out.push_str(&format!(
            " Your draft note was not sent with it; {} sends it.",
            m.key(Command::RateWithText)
        ));
    }
    out
}

/// Said with the saving notice when a rating leaves no unrated reply after it.
pub(super) fn none_after(m: &Model) -> String {
    format!(
        " No unrated reply after this one in this session; {} goes on.",
        m.key(Command::NextUnrated)
    )
}

pub(super) fn not_sent_yet(m: &Model, e: &ApiError) -> String {
    format!("Not sent yet: {}", say(m, e))
}

pub(super) fn refused(m: &Model, e: &ApiError) -> String {
    format!("Rating refused: {}", say(m, e))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

// ---- rate with text ----

pub(super) fn kept_as_draft(m: &Model) -> String {
    let open = m.key(Command::RateWithText);
    format!("Nothing was sent; your note is kept as a draft ({open} on this message opens it).")
}

pub(super) fn drafts_from_last_time(m: &Model, added: usize) -> String {
    let open = m.key(Command::RateWithText);
    if added == 1 {
        format!(
            "1 unsent note from last time, marked \"draft\" on its message; {open} there opens it."
        )
    } else {
        format!(
            "{added} unsent notes from last time, marked \"draft\" on their messages; {open} on one opens it."
        )
    }
}

pub(super) fn too_long(chars: usize) -> String {
    format!(
        "Too long to send: {chars} characters, the limit is {MAX_FEEDBACK_CHARS}. Shorten it first."
    )
}

// ---- next unrated ----

pub(super) fn already_next_unrated(m: &Model) -> String {
    let key = m.key(Command::NextUnrated);
    format!("This is the next unrated message; {key} again skips it.")
}

pub(super) fn opening(title: &str) -> String {
    format!("Opening {}…", name(title, NAME_COLUMNS))
}

pub(super) fn loading_more_sessions(m: &Model) -> String {
    format!(
        "Loading more sessions; press {} again in a moment.",
        m.key(Command::NextUnrated)
    )
}

pub(super) fn none_unrated(m: &Model, forward: bool) -> String {
    let scope = if m.filter == Filter::All {
        String::new()
    } else {
        format!(" (filter: {})", m.filter.label())
    };
    let dir = if forward { "below" } else { "above" };
    format!("No unrated assistant messages {dir}{scope}.")
}

/// Where a walk landed: the session's name and how much of it is left to rate. The
/// whole session's counts where the server gave them (or all of it is loaded);
/// otherwise what the count covers, rather than pass a part off as the whole.
pub(super) fn landed_in(m: &Model, id: &str) -> String {
    let title = m.sessions.row(id).map_or(id, |r| r.title());
    let title = name(title, LEADING_NAME_COLUMNS);
    let whole = m.sessions.row(id).and_then(|r| m.review_counts(r));
    match (whole, m.transcripts.get(id)) {
        (Some((rated, total)), _) => format!(
            "{title}: {} of {total} assistant messages unrated.",
            total.saturating_sub(rated)
        ),
        (None, Some(t)) if !t.complete => format!(
            "{title}: {} of {} assistant messages unrated so far ({} of {} messages loaded).",
            t.assistants - t.rated,
            t.assistants,
            t.messages.len(),
            t.total.map_or_else(|| "?".to_string(), |n| n.to_string())
        ),
        (None, Some(t)) => format!(
            "{title}: {} of {} assistant messages unrated.",
            t.assistants - t.rated,
            t.assistants
        ),
        (None, None) => format!("{title}."),
    }
}

/// Keys queued behind a walk, and what the walk waits for: the rest of the open
/// session, or another session.
pub(super) fn loading_then(m: &Model, keys: &str) -> String {
    let loading = m
        .jump
        .as_ref()
        .map(|j| {
            if j.after.is_some() {
                "the rest of this session".to_string()
            } else {
                let title = m
                    .sessions
                    .row(&j.session_id)
                    .map_or(j.session_id.as_str(), |r| r.title());
                name(title, NAME_COLUMNS).into_owned()
            }
        })
        .unwrap_or_default();
    format!("Loading {loading}…; then {keys}.")
}

/// Keys dropped from behind a walk, after what the notice said already (an error, say).
pub(super) fn not_applied(before: Option<&str>, keys: &str, count: usize) -> String {
    let before = before.map(|b| format!("{b} ")).unwrap_or_default();
    let were = if count == 1 { "was" } else { "were" };
    format!("{before}Not applied: {keys} ({were} pressed while a session loaded).")
}

// ---- search ----

pub(super) fn no_match(query: &str) -> String {
    format!("No match for {query:?}.")
}

pub(super) fn first_match(m: &Model, at: usize, count: usize, query: &str) -> String {
    format!(
        "Match {at} of {count} for {query:?}: {} next, {} previous, Esc clears.",
        m.key(Command::NextMatch),
        m.key(Command::PrevMatch)
    )
}

pub(super) fn opened_result(at: usize, of: usize, title: &str) -> String {
    format!(
        "Result {at} of {of}: {}.",
        text::truncate(title, LEADING_NAME_COLUMNS)
    )
}

pub(super) fn search_page_failed(why: &str) -> String {
    format!("More results could not be loaded: {why}")
}

/// A search result's message was not in its session when the session loaded.
pub(super) const RESULT_GONE: &str =
    "That message is no longer in this session; the cursor stays where it was.";

pub(super) fn match_at(at: usize, count: usize, wrapped: bool) -> String {
    if wrapped {
        format!("Match {at} of {count} (wrapped around).")
    } else {
        format!("Match {at} of {count}.")
    }
}

pub(super) fn nothing_searched(m: &Model) -> String {
    format!(
        "Nothing searched yet: press {} to search.",
        m.key(Command::Search)
    )
}

// ---- corrections ----

pub(super) const CORRECTION_UNCHANGED: &str =
    "The correction was left unchanged; nothing was recorded.";
pub(super) const CORRECTION_EMPTY: &str = "The correction is empty; nothing was recorded.";
/// After the server's receipt of a corrected reply's negative rating.
pub(super) const IMPLIED_BY_CORRECTION: &str = " (Your correction implies a negative rating.)";
pub(super) const CORRECTION_CANCELLED: &str = "Correction cancelled; nothing was recorded.";

/// Said while the external editor has the terminal (seen if it returns at once).
pub(super) fn editing_in(editor: &str) -> String {
    format!("Correcting in {}…", text::truncate(editor, NAME_COLUMNS))
}

/// The editor failed or exited with an error.
pub(super) fn editor_failed(why: &str) -> String {
    format!("The editor did not finish ({why}); nothing was recorded.")
}

/// A correction is saved; whether it rated the reply negative or kept a rating.
pub(super) fn corrected(rated_negative: bool) -> String {
    if rated_negative {
        "Correction saved (kept locally, never sent); a correction implies a negative rating: rated negative.".to_string()
    } else {
        "Correction saved (kept locally, never sent); your rating of this reply is kept."
            .to_string()
    }
}

/// The journal could not keep a correction.
pub(super) fn correction_not_saved(e: &str) -> String {
    format!("The correction was not saved: {e}")
}

/// `D` on a reply with no correction.
pub(super) fn no_correction(m: &Model) -> String {
    format!(
        "This reply has no correction; press {} to write one.",
        m.key(Command::Correct)
    )
}

/// The journal's corrections of a session could not be read.
pub(super) fn corrections_unread(e: &str) -> String {
    format!("Cannot read this session's corrections from the journal: {e}")
}

/// `i` with no guidelines file configured.
pub(super) fn no_guidelines() -> String {
    "No guidelines file: set review.guidelines = \"rubric.md\" in config.toml, or start with --guidelines FILE.".to_string()
}

/// `}` or `{` with the guidelines pane closed.
pub(super) fn guidelines_closed(m: &Model) -> String {
    format!(
        "The guidelines are hidden; press {} to show them.",
        m.key(Command::Guidelines)
    )
}
