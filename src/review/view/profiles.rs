//! The profiles list: each account of the config file by name, namespace and server,
//! the one in use marked. Keys are never shown (the list never has them).

use crate::review::layout::centered;
use crate::review::model::Model;
use crate::review::typeset::text;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

/// The box's widest, and its lines beside the profiles (borders, the hint).
const BOX_WIDTH: u16 = 72;
const CHROME_ROWS: u16 = 4;

pub fn draw(f: &mut Frame, m: &Model, selected: usize) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let rows = u16::try_from(m.profiles.len()).unwrap_or(u16::MAX);
    let area = centered(f.area(), BOX_WIDTH, rows.saturating_add(CHROME_ROWS));
    f.render_widget(Clear, area);
    let room = area.width.saturating_sub(4) as usize;
    let mut lines = vec![Line::from(Span::styled(
        text::truncate_with(
            "Enter switches; ratings not yet sent wait for their own account.",
            room,
            g.ellipsis,
        )
        .into_owned(),
        t.dim,
    ))];
    lines.push(Line::default());
    // Only what fits; the selection is kept in view.
    let fits = (area.height.saturating_sub(CHROME_ROWS) as usize).max(1);
    let first = selected.saturating_sub(fits - 1);
    for (i, p) in m.profiles.iter().enumerate().skip(first).take(fits) {
        let current = m.profile.as_deref() == Some(p.name.as_str());
        let host = p
            .base_url
            .as_deref()
            .map(|u| {
                u.trim_start_matches("https://")
                    .trim_start_matches("http://")
            })
            .unwrap_or("api.mixpeek.com");
        let spans = vec![
            Span::styled(
                if i == selected {
                    format!("{} ", g.cursor)
                } else {
                    "  ".into()
                },
                t.cursor,
            ),
            Span::styled(
                crate::sanitize::line(&p.name).into_owned(),
                if i == selected {
                    t.row_selected
                } else {
                    t.strong
                },
            ),
            Span::styled(
                format!(
                    " {} {} {} {}",
                    g.dot,
                    crate::sanitize::line(p.namespace.as_deref().unwrap_or("(no namespace)")),
                    g.dot,
                    crate::sanitize::line(host)
                ),
                t.dim,
            ),
            Span::styled(if current { "  (in use)" } else { "" }, t.success),
        ];
        lines.push(Line::from(text::truncate_spans(spans, room, g.ellipsis)));
    }
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(" Switch account {} Esc closes ", g.dot),
            t.title_focus,
        ));
    f.render_widget(Paragraph::new(lines).block(block), area);
}
