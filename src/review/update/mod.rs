//! `update(&mut Model, Action) -> Vec<Effect>`: every change of state, with no I/O.

mod batch;
mod bulk;
mod bulk_words;
mod compose;
mod correct;
mod defer;
mod jump;
mod mouse;
mod order;
mod overlays;
mod palette;
mod profiles;
mod rating;
mod results;
mod search;
mod sessions;
mod stats;
mod tags;
mod transcript;
mod undo;
mod wording;

#[cfg(test)]
mod tests;

use super::action::{Action, Command};
use super::effect::{Effect, SESSIONS_PAGE};
use super::model::*;
use super::scroll;
use super::typeset::style::Look;
use crate::api::PageStart;
use crate::api::model::Rating;
use compose::{compose, drafts_loaded, open_compose};
use jump::{flush_queued, next_unrated, queue_key, waits_for_jump};
use mouse::mouse;
use overlays::{confirm, cycle_filter, help, refresh};
use profiles::{open_profiles, profiles};
use rating::{outbox_event, rate_recorded, rate_selected};
use results::{results, search_loaded};
use search::{prompt, step_match};

pub use bulk::{marked_count, marked_replies, marked_sessions, range_replies};
pub use bulk_words::store_question;
pub use results::SEARCH_PAGE;
use sessions::{move_session, open_session, preview_rested, sessions_loaded};
use transcript::{history_loaded, known_loaded, move_cursor, toggle_all_tools, toggle_fold};

/// The first work of a fresh model: the first page of sessions, the outbox counts, the
/// drafts and the namespace's tags from the journal.
pub fn start(m: &mut Model) -> Vec<Effect> {
    if let Some(draw) = batch::start(m) {
        return vec![
            draw,
            Effect::LoadCounts,
            Effect::LoadDrafts,
            Effect::LoadTagCounts,
            Effect::LoadDeferrals,
        ];
    }
    let generation = m.next_generation();
    m.sessions.generation = generation;
    m.sessions.loading = true;
    let mut fx = vec![
        Effect::LoadSessions {
            generation,
            from: PageStart::Offset(0),
            limit: SESSIONS_PAGE,
        },
        Effect::LoadCounts,
        Effect::LoadDrafts,
        Effect::LoadTagCounts,
        Effect::LoadDeferrals,
    ];
    order::start(m, &mut fx);
    fx
}

/// Applies one action. Returns the work it asks for; never waits for anything.
pub fn update(m: &mut Model, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::ForceQuit => {
            m.quit = true;
            m.quit_now = true;
        }
        Action::Resize(w, h) => {
            // Re-wrapping waits for `prepare`, so a burst of resizes wraps once.
            m.width = w;
            m.height = h;
            m.resized = true;
            return fx;
        }
        Action::Tick => {
            preview_rested(m, &mut fx);
            stats::tick(m, &mut fx);
        }
        Action::StatsLoaded { generation, result } => stats::loaded(m, generation, result),
        Action::GuidelinesRead(read) => stats::read(m, read),
        Action::Mouse(ev) => mouse(m, ev, &mut fx),
        Action::SessionsLoaded {
            generation,
            from,
            mut result,
        } => {
            batch::blind_list(m, &mut result);
            sessions_loaded(m, generation, from, result, &mut fx)
        }
        Action::HistoryLoaded {
            session_id,
            generation,
            offset,
            result,
        } => {
            batch::history_arriving(m, &session_id);
            history_loaded(m, &session_id, generation, offset, result, &mut fx)
        }
        Action::BatchProgress { generation, listed } => {
            batch::batch_progress(m, generation, listed)
        }
        Action::BatchDrawn { generation, result } => {
            batch::batch_drawn(m, generation, result, &mut fx)
        }
        Action::OwnRatingsLoaded {
            session_id,
            generation,
            own,
        } => batch::own_loaded(m, &session_id, generation, own),
        Action::KnownRatingsLoaded {
            session_id,
            generation,
            mut result,
        } => {
            if let Ok(list) = &mut result {
                batch::split_known(m, &session_id, list);
            }
            known_loaded(m, &session_id, generation, result, &mut fx)
        }
        Action::RateRecorded {
            session_id,
            message_id,
            rating,
            result,
        } => rate_recorded(m, &session_id, &message_id, rating, result),
        Action::Outbox(ev) => {
            let settles = bulk::settles(&ev);
            outbox_event(m, ev);
            bulk::settled(m, settles);
        }
        Action::DraftsLoaded(result) => drafts_loaded(m, result),
        Action::SearchLoaded {
            generation,
            offset,
            result,
        } => search_loaded(m, generation, offset, result, &mut fx),
        Action::CorrectionEdited {
            session_id,
            message_id,
            before,
            result,
        } => correct::edited(m, &session_id, &message_id, &before, result, &mut fx),
        Action::CorrectionRecorded {
            session_id,
            message_id,
            result,
        } => correct::recorded(m, &session_id, &message_id, result),
        Action::PaletteHistoryLoaded(result) => palette::history_loaded(m, result, &mut fx),
        Action::Undone { redo, result } => {
            bulk::undone(m);
            undo::undone(m, redo, result, &mut fx)
        }
        Action::CorrectionsLoaded {
            session_id,
            generation,
            result,
        } => correct::loaded(m, &session_id, generation, result),
        Action::TagCountsLoaded(result) => tags::counts_loaded(m, result),
        Action::OrderListed { generation, result } => order::listed(m, generation, result, &mut fx),
        Action::RiskProbed { generation, found } => order::probed(m, generation, found),
        Action::BulkRecorded {
            replies,
            rating,
            result,
        } => bulk::recorded(m, replies, rating, result),
        Action::DeferRecorded { result } => defer::recorded(m, result),
        Action::DeferralsLoaded(result) => defer::loaded(m, result),
        // Too small to draw: the screen only says so. A stray key must not rate or move
        // what the reviewer cannot see; quitting is all that works (unsent ratings stay
        // in the journal either way).
        Action::Command(Command::Quit) | Action::ConfirmYes if m.areas().is_none() => {
            m.quit = true;
        }
        _ if m.areas().is_none() => {}
        other => match &m.mode {
            Mode::Browse => browse(m, other, &mut fx),
            Mode::Compose(_) => compose(m, other, &mut fx),
            Mode::Search(_) => prompt(m, other, &mut fx),
            Mode::Results(_) => results(m, other, &mut fx),
            Mode::Profiles { .. } => profiles(m, other),
            Mode::Correct(_) => correct::editing(m, other, &mut fx),
            Mode::Diff(_) => correct::diff_keys(m, other),
            Mode::Help { .. } => help(m, other),
            Mode::ConfirmQuit => confirm(m, other),
            Mode::Tags(_) => tags::picker(m, other, &mut fx),
            Mode::Palette(_) => palette::keys(m, other, &mut fx),
            Mode::Defer(_) => defer::prompt(m, other, &mut fx),
            Mode::ConfirmBulk(_) => bulk::confirm(m, other, &mut fx),
            Mode::Stats(_) => stats::keys(m, other),
        },
    }
    defer::sync(m);
    bulk::gathered(m, &mut fx);
    flush_queued(m, &mut fx);
    batch::after(m);
    settle(m);
    fx
}

/// Brings derived state up to date before a frame is drawn (the loop calls this once
/// after applying everything pending).
pub fn prepare(m: &mut Model) {
    if m.resized {
        m.resized = false;
        reveal_cursor(m);
    }
    m.pace.settle();
    settle(m);
}

/// Keeps derived state in step: the open transcript's view inside its text (wrapping
/// what is on screen), and the selected session inside the visible rows.
fn settle(m: &mut Model) {
    if let Some(a) = m.areas() {
        let rows = a.session_rows();
        let s = &mut m.sessions;
        s.selected = s.selected.min(s.visible.len().saturating_sub(1));
        if s.selected < s.offset {
            s.offset = s.selected;
        } else if s.selected >= s.offset + rows {
            s.offset = s.selected + 1 - rows;
        }
        let max_offset = s.visible.len().saturating_sub(rows);
        s.offset = s.offset.min(max_offset);
    }
    if let Some((t, look, rows)) = open_view(m) {
        scroll::clamp(t, rows, look);
        scroll::trim(t);
    }
}

/// The open transcript with its layout fitted to the current wrap width, the look to
/// wrap with, and the rows of its pane. `None` with nothing open or a screen too small.
pub(super) fn open_view(m: &mut Model) -> Option<(&mut Transcript, &Look, usize)> {
    let a = m.areas()?;
    let id = m.open.as_ref()?;
    let t = m.transcripts.get_mut(id)?;
    scroll::fit_width(t, a.wrap_width());
    Some((t, &m.look, a.transcript_lines()))
}

/// Scrolls the open transcript so the cursor's message is in view.
pub(super) fn reveal_cursor(m: &mut Model) {
    if let Some((t, look, rows)) = open_view(m)
        && let Some(c) = t.cursor
    {
        scroll::reveal(t, c, rows, look);
    }
}

fn browse(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Command(cmd) => command(m, cmd, fx),
        // Esc clears the search highlights first, then the last notice.
        Action::Dismiss => {
            // Marks first, then the search highlights, then the notice.
            if bulk::clear(m) {
                return;
            }
            let had_search = m.search.take().is_some();
            if !had_search {
                m.notice = None;
            }
        }
        _ => {}
    }
}

pub(super) fn command(m: &mut Model, cmd: Command, fx: &mut Vec<Effect>) {
    use Command::*;
    // Only the key right after a rating may tag the reply it rated.
    let just_rated = m.just_rated.take();
    if m.jump.is_some() && waits_for_jump(cmd) {
        queue_key(m, cmd);
        return;
    }
    if bulk::intercept(m, cmd, fx) {
        return;
    }
    match cmd {
        Up | Down | Top | Bottom | PageUp | PageDown => {
            m.jump = None;
            match m.focus {
                Pane::Sessions => move_session(m, cmd, fx),
                Pane::Transcript => move_cursor(m, cmd),
            }
        }
        NextPane => {
            m.focus = match m.focus {
                Pane::Sessions => Pane::Transcript,
                Pane::Transcript => Pane::Sessions,
            };
        }
        FocusSessions => m.focus = Pane::Sessions,
        FocusTranscript => m.focus = Pane::Transcript,
        Open => match m.focus {
            Pane::Sessions => {
                if let Some(id) = m.sessions.selected_row().map(|r| r.id.clone()) {
                    m.jump = None;
                    open_session(m, &id, fx);
                    m.focus = Pane::Transcript;
                }
            }
            Pane::Transcript => {
                let target = m
                    .open_transcript()
                    .and_then(|t| t.cursor.filter(|&c| t.kinds[c] == Kind::Tool));
                match target {
                    Some(i) => toggle_fold(m, i),
                    None => m.set_notice(Level::Info, wording::rating_keys(m)),
                }
            }
        },
        ToggleTools => toggle_all_tools(m),
        RatePositive => rate_selected(m, Rating::Positive, fx),
        RateNegative => rate_selected(m, Rating::Negative, fx),
        RateWithText => open_compose(m),
        Correct => correct::open(m, fx),
        ShowDiff => correct::show_diff(m),
        NextUnrated => next_unrated(m, true, fx),
        PrevUnrated => next_unrated(m, false, fx),
        Search => m.mode = Mode::Search(Prompt::default()),
        NextMatch => step_match(m, true),
        PrevMatch => step_match(m, false),
        Filter => cycle_filter(m, fx),
        Refresh if m.batch.is_some() => batch::refresh(m, fx),
        Refresh => refresh(m, fx),
        Help => m.mode = Mode::Help { scroll: 0 },
        SwitchProfile => open_profiles(m),
        Undo => undo::request(m, false, fx),
        Redo => undo::request(m, true, fx),
        ToggleOrder => order::toggle(m, fx),
        Quit if undo::windows_open(m) => undo::send_then_quit(m, fx),
        Quit => {
            if m.sends_pending() > 0 {
                m.mode = Mode::ConfirmQuit;
            } else {
                m.quit = true;
            }
        }
        Tag1 | Tag2 | Tag3 | Tag4 | Tag5 | Tag6 | Tag7 | Tag8 | Tag9 => {
            let n = cmd.tag_index().unwrap_or(0);
            tags::toggle_nth(m, n, just_rated, fx);
        }
        TagPicker => tags::open_picker(m, just_rated),
        Palette => palette::open(m, just_rated, fx),
        Stats => stats::open(m, fx),
        Guidelines => stats::toggle_guidelines(m, fx),
        GuidelinesDown => stats::scroll(m, true),
        GuidelinesUp => stats::scroll(m, false),
        Send | Cancel | ToggleRating => {}
        Defer => defer::key(m, fx),
        MarkRange => bulk::range(m),
        Mark => bulk::mark(m),
        MarkMatches => bulk::mark_matches(m),
    }
}
