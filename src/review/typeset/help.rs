//! The help overlay's lines and box: every binding, generated from the keymap in force.

use super::text::{self, Piece};
use crate::review::layout::centered;
use crate::review::model::Model;
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
    let entries = || m.help.iter().flat_map(|s| &s.entries);
    let key_width = entries()
        .map(|e| text::width(&e.keys))
        .max()
        .unwrap_or(0)
        .min(MAX_KEY_WIDTH);
    let widest = entries()
        .map(|e| key_width + KEY_INDENT + KEY_GAP + text::width(e.description))
        .chain(m.help.iter().map(|s| text::width(s.title)))
        .max()
        .unwrap_or(FALLBACK_WIDTH);
    let box_w = u16::try_from(widest + usize::from(FRAME_COLUMNS))
        .unwrap_or(u16::MAX)
        .min(width.saturating_sub(SCREEN_MARGIN_COLUMNS));
    let room = box_w.saturating_sub(FRAME_COLUMNS) as usize;
    let hang = [Span::raw(" ".repeat(key_width + KEY_INDENT + KEY_GAP))];
    let mut out = Vec::new();
    for (i, section) in m.help.iter().enumerate() {
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

/// Rows of help text the box at `area` shows at once.
pub fn rows_shown(area: Rect) -> usize {
    area.height.saturating_sub(BORDER_ROWS) as usize
}
