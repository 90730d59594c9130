//! The filter, a refresh, and the overlays: help and the quit confirmation.

use super::sessions::{maybe_load_more, preview_selected, rebuild_visible};
use super::transcript::load_transcript;
use super::wording;
use crate::api::PageStart;
use crate::review::action::{Action, Command};
use crate::review::effect::{Effect, SESSIONS_PAGE};
use crate::review::model::*;
use crate::review::typeset::help;

pub(super) fn cycle_filter(m: &mut Model, fx: &mut Vec<Effect>) {
    m.filter = m.filter.next();
    rebuild_visible(m);
    // The open session may have been filtered out: the transcript follows the
    // selection, so a rating key never lands on a session the list does not show.
    preview_selected(m);
    let n = m.sessions.visible.len();
    m.set_general_notice(Level::Info, wording::showing(m, n));
    maybe_load_more(m, fx);
}

pub(super) fn refresh(m: &mut Model, fx: &mut Vec<Effect>) {
    m.jump = None;
    let generation = m.next_generation();
    m.sessions.generation = generation;
    m.sessions.loading = true;
    m.sessions.to_end = false;
    fx.push(Effect::LoadSessions {
        generation,
        from: PageStart::Offset(0),
        limit: SESSIONS_PAGE,
    });
    let open = m.open.clone();
    for (id, t) in m.transcripts.iter_mut() {
        if Some(id) != open.as_ref() {
            // Loaded again when next opened.
            t.requested = false;
        }
    }
    if let Some(id) = open {
        load_transcript(m, &id, fx);
    }
    fx.push(Effect::WakeOutbox);
    fx.push(Effect::LoadCounts);
    m.set_notice(Level::Info, wording::REFRESHING);
}

pub(super) fn help(m: &mut Model, action: Action) {
    // The same bound the overlay uses: lines beyond a screenful.
    let (lines, area) = help::laid_out(m, m.width, m.height);
    let total = lines.len();
    let shown = help::rows_shown(area).min(total);
    let max = total - shown;
    let Mode::Help { scroll } = &mut m.mode else {
        return;
    };
    match action {
        Action::Dismiss | Action::Command(Command::Help) | Action::Command(Command::Quit) => {
            m.mode = Mode::Browse;
            return;
        }
        Action::Command(Command::Down) => *scroll += 1,
        Action::Command(Command::Up) => *scroll = scroll.saturating_sub(1),
        Action::Command(Command::PageDown) => *scroll += shown.max(1),
        Action::Command(Command::PageUp) => *scroll = scroll.saturating_sub(shown.max(1)),
        Action::Command(Command::Top) => *scroll = 0,
        Action::Command(Command::Bottom) => *scroll = max,
        _ => {}
    }
    *scroll = (*scroll).min(max);
}

pub(super) fn confirm(m: &mut Model, action: Action) {
    match action {
        Action::ConfirmYes => m.quit = true,
        Action::ConfirmNo | Action::Dismiss => {
            m.mode = Mode::Browse;
            m.set_notice(Level::Info, wording::STILL_HERE);
        }
        _ => {}
    }
}
