//! The help overlay: the keymap's lines in a scrolling box.

use crate::review::model::Model;
use crate::review::typeset::help::{laid_out, rows_shown};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

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
    let inner_h = rows_shown(area);
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
