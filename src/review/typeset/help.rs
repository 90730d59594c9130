//! The help overlay's lines and box: every binding, generated from the keymap in force.

use super::text::{self, Piece};
use crate::review::action::Command;
use crate::review::keymap::{HelpEntry, HelpSection};
use crate::review::layout::centered;
use crate::review::model::{Model, Pane};
use crate::review::palette::Run;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The closing note, in lines of its own so the example is never split across two.
const NOTE: [&str; 2] = [
    "Keys are remapped in config.toml under [keys], for example:",
    "  rate_positive = [\"+\", \"y\"]",
];

/// The widest the key column gets: a longer list of keys is cut rather than squeeze the
/// descriptions.
const MAX_KEY_WIDTH: usize = 24;
/// The indent before a key and the gap after the key column.
const KEY_INDENT: usize = 2;
const KEY_GAP: usize = 2;
/// Width of a box whose keymap has no entries at all (never, with the built-in keys).
const FALLBACK_WIDTH: usize = 40;
/// Columns the box takes around its text: a border and a column of padding each side.
const FRAME_COLUMNS: u16 = 4;
/// Rows the box takes around its text: the top and bottom border.
const BORDER_ROWS: u16 = 2;
/// The screen the box keeps clear around itself: two columns, one row, each side.
const SCREEN_MARGIN_COLUMNS: u16 = 4;
const SCREEN_MARGIN_ROWS: u16 = 2;

/// The help lines and where the overlay goes on a `width` x `height` screen: as wide as
/// the widest key line, within the screen. What does not fit wraps, descriptions under
/// their own column. Scrolling (in update) and drawing both measure it here.
pub fn laid_out(m: &Model, width: u16, height: u16) -> (Vec<Line<'static>>, Rect) {
    let t = &m.look.theme;
    let sections = sections(m);
    let entries = || sections.iter().flat_map(|s| &s.entries);
    let key_width = entries()
        .map(|e| text::width(&e.keys))
        .max()
        .unwrap_or(0)
        .min(MAX_KEY_WIDTH);
    let widest = entries()
        .map(|e| key_width + KEY_INDENT + KEY_GAP + text::width(e.description))
        .chain(sections.iter().map(|s| text::width(s.title)))
        .max()
        .unwrap_or(FALLBACK_WIDTH);
    let box_w = u16::try_from(widest + usize::from(FRAME_COLUMNS))
        .unwrap_or(u16::MAX)
        .min(width.saturating_sub(SCREEN_MARGIN_COLUMNS));
    let room = box_w.saturating_sub(FRAME_COLUMNS) as usize;
    let hang = [Span::raw(" ".repeat(key_width + KEY_INDENT + KEY_GAP))];
    let mut out = Vec::new();
    for (i, section) in sections.iter().enumerate() {
        if i > 0 {
            out.push(Line::default());
        }
        out.push(Line::from(Span::styled(
            section.title.to_string(),
            t.heading,
        )));
        for e in &section.entries {
            let keys = text::truncate_with(&e.keys, key_width, m.look.glyphs.ellipsis).into_owned();
            let pad = key_width.saturating_sub(text::width(&keys));
            let first = [
                Span::raw(" ".repeat(KEY_INDENT)),
                Span::styled(keys, t.key),
                Span::raw(" ".repeat(pad + KEY_GAP)),
            ];
            let words = [Piece::new(e.description, t.text)];
            out.extend(text::wrap(&words, &first, &hang, room));
        }
    }
    out.push(Line::default());
    for note in NOTE {
        out.extend(text::wrap(&[Piece::new(note, t.dim)], &[], &[], room));
    }
    let area = centered(
        Rect::new(0, 0, width, height),
        box_w,
        (out.len() as u16 + BORDER_ROWS).min(height.saturating_sub(SCREEN_MARGIN_ROWS)),
    );
    (out, area)
}

/// The keys that act where the reviewer is, in the order they are most used.
fn here(m: &Model) -> (&'static str, Vec<Command>) {
    use Command::*;
    let (title, mut cmds) = match m.focus {
        Pane::Sessions => (
            "Here, in the sessions pane",
            vec![
                Down,
                Up,
                PageDown,
                PageUp,
                Top,
                Bottom,
                Open,
                Filter,
                Search,
                NextUnrated,
                FocusTranscript,
                Refresh,
            ],
        ),
        Pane::Transcript => (
            "Here, in the transcript",
            vec![
                RatePositive,
                RateNegative,
                RateWithText,
                Tag1,
                Tag2,
                Tag3,
                Tag4,
                Tag5,
                Tag6,
                Tag7,
                Tag8,
                Tag9,
                TagPicker,
                Undo,
                Redo,
                Correct,
                ShowDiff,
                NextUnrated,
                PrevUnrated,
                Down,
                Up,
                Open,
                ToggleTools,
                FocusSessions,
            ],
        ),
    };
    if m.search.is_some() {
        cmds.extend([NextMatch, PrevMatch]);
    }
    cmds.push(Palette);
    (title, cmds)
}

/// The help's sections: first the keys valid where the reviewer is (the pane with the
/// keyboard), then every other key in its group. Generated from the keymap in force.
pub fn sections(m: &Model) -> Vec<HelpSection> {
    let (title, cmds) = here(m);
    let keys_of = |c: Command| {
        m.palette
            .catalogue
            .iter()
            .find(|e| e.run == Run::Key(c))
            .map(|e| e.keys.clone())
            // What the palette does not list (the palette's own key) is in the groups.
            .or_else(|| {
                m.help
                    .iter()
                    .flat_map(|s| &s.entries)
                    .find(|e| e.description == c.description())
                    .map(|e| e.keys.clone())
            })
    };
    let mut first: Vec<HelpEntry> = Vec::new();
    for c in cmds {
        let Some(keys) = keys_of(c) else { continue };
        // Commands that share a description share a line (the tag digits).
        match first.last_mut() {
            Some(last) if last.description == c.description() => {
                last.keys.push(' ');
                last.keys.push_str(&keys);
            }
            _ => first.push(HelpEntry {
                keys,
                description: c.description(),
            }),
        }
    }
    let moved: Vec<&'static str> = first.iter().map(|e| e.description).collect();
    let mut out = vec![HelpSection {
        title,
        entries: first,
    }];
    for s in &m.help {
        let entries: Vec<HelpEntry> = s
            .entries
            .iter()
            .filter(|e| !moved.contains(&e.description))
            .cloned()
            .collect();
        if !entries.is_empty() {
            out.push(HelpSection {
                title: s.title,
                entries,
            });
        }
    }
    out
}

/// Rows of help text the box at `area` shows at once.
pub fn rows_shown(area: Rect) -> usize {
    area.height.saturating_sub(BORDER_ROWS) as usize
}
