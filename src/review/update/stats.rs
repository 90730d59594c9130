//! The stats screen (`S`), the run's pace, and the guidelines pane (`i`, `}`, `{`).

use super::wording;
use crate::review::action::{Action, Command};
use crate::review::effect::Effect;
use crate::review::guidelines::{Content, Read};
use crate::review::layout;
use crate::review::model::*;
use crate::review::stats::{StatsReport, StatsScreen};

/// `S`: the stats screen, its numbers asked of the journal.
pub(super) fn open(m: &mut Model, fx: &mut Vec<Effect>) {
    let generation = m.next_generation();
    m.mode = Mode::Stats(Box::new(StatsScreen {
        generation,
        report: None,
    }));
    fx.push(Effect::LoadStats {
        generation,
        run_since: crate::journal::to_journal_time(m.pace.started),
        now: m.now,
    });
}

/// Keys on the stats screen: Esc, `q` and `S` close it (the key table turns them into
/// `Dismiss`); nothing else does anything.
pub(super) fn keys(m: &mut Model, action: Action) {
    if matches!(
        action,
        Action::Dismiss | Action::Command(Command::Stats | Command::Quit)
    ) {
        m.mode = Mode::Browse;
    }
}

/// The journal's numbers, for the screen that asked (a closed or newer screen drops them).
pub(super) fn loaded(m: &mut Model, generation: u64, result: Result<StatsReport, String>) {
    if let Mode::Stats(s) = &mut m.mode
        && s.generation == generation
    {
        s.report = Some(result);
    }
}

/// A reply rated for the first time this run: its time goes into the pace.
pub(super) fn rated(m: &mut Model, key: &(String, String)) {
    if !m.this_run.contains_key(key) {
        m.pace.rated(m.now);
    }
}

/// `i`: shows or hides the guidelines; reads the file the first time.
pub(super) fn toggle_guidelines(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.guidelines.path.is_none() {
        m.set_general_notice(Level::Info, wording::no_guidelines());
        return;
    }
    m.guidelines.open = !m.guidelines.open;
    if m.guidelines.open {
        // On a narrow screen the pane takes the session list's place: the keys go on to
        // the transcript beside it.
        if m.areas()
            .is_some_and(|a| layout::guidelines_cover_sessions(&a))
        {
            m.focus = Pane::Transcript;
        }
        poll(m, fx);
    }
    // The transcript is wider or narrower now: wrap it again, keep the cursor in view.
    m.resized = true;
}

/// The timer's beat while the pane is open: is the file changed?
pub(super) fn tick(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.guidelines.open {
        poll(m, fx);
    }
}

fn poll(m: &mut Model, fx: &mut Vec<Effect>) {
    let g = &mut m.guidelines;
    if g.reading {
        return;
    }
    if let Some(path) = &g.path {
        g.reading = true;
        let known = match g.content {
            Content::NotRead => None,
            _ => g.modified,
        };
        fx.push(Effect::ReadGuidelines {
            path: path.clone(),
            known,
        });
    }
}

/// What the poll found: the new text, or nothing changed.
pub(super) fn read(m: &mut Model, read: Read) {
    let g = &mut m.guidelines;
    g.reading = false;
    if let Read::Changed { modified, content } = read {
        g.modified = modified;
        g.content = content;
        clamp(m);
    }
}

/// `}` and `{`: the guidelines by half their pane.
pub(super) fn scroll(m: &mut Model, down: bool) {
    if !m.guidelines.open {
        m.set_general_notice(Level::Info, wording::guidelines_closed(m));
        return;
    }
    let step = pane_rows(m).div_ceil(2).max(1);
    let g = &mut m.guidelines;
    g.scroll = if down {
        g.scroll + step
    } else {
        g.scroll.saturating_sub(step)
    };
    clamp(m);
}

fn pane_rows(m: &Model) -> usize {
    m.areas()
        .and_then(|a| a.guidelines)
        .map_or(1, |r| r.height.saturating_sub(2) as usize)
}

/// Keeps the last screenful of the guidelines in view.
fn clamp(m: &mut Model) {
    let Some(r) = m.areas().and_then(|a| a.guidelines) else {
        return;
    };
    let total = crate::review::typeset::guidelines::lines(m, r.width).len();
    let rows = r.height.saturating_sub(2) as usize;
    m.guidelines.scroll = m.guidelines.scroll.min(total.saturating_sub(rows));
}
