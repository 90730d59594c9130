//! The help overlay: every binding, generated from the keymap in force.

use super::compose::centered;
use crate::review::model::Model;
use crate::review::text;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

/// The help text as lines (also what the snapshot tests read).
pub fn lines(m: &Model) -> Vec<Line<'static>> {
    let t = &m.look.theme;
    let key_width = m
        .help
        .iter()
        .flat_map(|s| &s.entries)
        .map(|e| text::width(&e.keys))
        .max()
        .unwrap_or(0)
        .min(24);
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
            let keys = text::truncate(&e.keys, key_width).into_owned();
            let pad = key_width.saturating_sub(text::width(&keys));
            out.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(keys, t.key),
                Span::raw(" ".repeat(pad + 2)),
                Span::raw(e.description.to_string()),
            ]));
        }
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        "Keys are remapped in config.toml under [keys], e.g. rate_positive = [\"+\", \"y\"].",
        t.dim,
    )));
    out
}

pub fn draw(f: &mut Frame, m: &Model, scroll: usize) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let screen = f.area();
    let lines = lines(m);
    let want_w = lines.iter().map(Line::width).max().unwrap_or(40) as u16 + 4;
    let area = centered(
        screen,
        want_w.min(screen.width.saturating_sub(4)),
        (lines.len() as u16 + 2).min(screen.height.saturating_sub(2)),
    );
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
