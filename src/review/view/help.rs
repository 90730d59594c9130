//! The help overlay: every binding, generated from the keymap in force.

use super::compose::centered;
use crate::review::model::Model;
use crate::review::text::{self, Piece};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

/// The closing note, in lines of its own so the example is never split across two.
const NOTE: [&str; 2] = [
    "Keys are remapped in config.toml under [keys], for example:",
    "  rate_positive = [\"+\", \"y\"]",
];

/// The help lines and where the overlay goes on a `width` x `height` screen: as wide as
/// the widest key line, within the screen. What does not fit wraps, descriptions under
/// their own column.
fn laid_out(m: &Model, width: u16, height: u16) -> (Vec<Line<'static>>, Rect) {
    let t = &m.look.theme;
    let entries = || m.help.iter().flat_map(|s| &s.entries);
    let key_width = entries()
        .map(|e| text::width(&e.keys))
        .max()
        .unwrap_or(0)
        .min(24);
    let widest = entries()
        .map(|e| key_width + 4 + text::width(e.description))
        .chain(m.help.iter().map(|s| text::width(s.title)))
        .max()
        .unwrap_or(40);
    let box_w = u16::try_from(widest + 4)
        .unwrap_or(u16::MAX)
        .min(width.saturating_sub(4));
    // Borders and padding, one column each side.
    let room = box_w.saturating_sub(4) as usize;
    let hang = [Span::raw(" ".repeat(key_width + 4))];
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
                Span::raw("  "),
                Span::styled(keys, t.key),
                Span::raw(" ".repeat(pad + 2)),
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
        (out.len() as u16 + 2).min(height.saturating_sub(2)),
    );
    (out, area)
}

/// The help text as lines at the model's screen size (what scrolling counts, and what the
/// snapshot tests read).
pub fn lines(m: &Model) -> Vec<Line<'static>> {
    laid_out(m, m.width, m.height).0
}

pub fn draw(f: &mut Frame, m: &Model, scroll: usize) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let screen = f.area();
    let (lines, area) = laid_out(m, screen.width, screen.height);
    let area = Rect {
        x: area.x + screen.x,
        y: area.y + screen.y,
        ..area
    };
    f.render_widget(Clear, area);
    let inner_h = area.height.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(inner_h);
    let scroll = scroll.min(max_scroll);
    let more = if max_scroll > 0 {
        format!(
            " {}/{} {} j/k scroll ",
            scroll + inner_h.min(lines.len()),
            lines.len(),
            g.dot
        )
    } else {
        String::new()
    };
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(" Keys {} Esc closes ", g.dot),
            t.title_focus,
        ))
        .title_bottom(Line::from(Span::styled(more, t.dim)).right_aligned());
    let visible: Vec<Line> = lines.into_iter().skip(scroll).collect();
    f.render_widget(Paragraph::new(visible).block(block), area);
}
