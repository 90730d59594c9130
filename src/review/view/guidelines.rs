//! The guidelines pane: the rubric beside the transcript (or over the session list on a
//! narrow screen), scrolled with `}` and `{`.

use super::pane;
use crate::review::action::Command;
use crate::review::layout::Areas;
use crate::review::model::Model;
use crate::review::typeset::guidelines::lines;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub fn draw(f: &mut Frame, m: &Model, a: &Areas) {
    let Some(area) = a.guidelines else {
        return;
    };
    let t = &m.look.theme;
    let g = m.look.glyphs;
    f.render_widget(Clear, area);
    let all = lines(m, area.width);
    let rows = area.height.saturating_sub(2) as usize;
    let scroll = m.guidelines.scroll.min(all.len().saturating_sub(rows));
    let shown: Vec<Line> = all.iter().skip(scroll).take(rows).cloned().collect();
    let name = m
        .guidelines
        .path
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| crate::sanitize::message(&n.to_string_lossy(), 60))
        .unwrap_or_default();
    let inner = pane::block(&m.look, false).inner(area);
    pane::border(&m.look, f.buffer_mut(), area, false, None);
    f.render_widget(Paragraph::new(shown).style(t.text), inner);
    pane::title(
        &m.look,
        f.buffer_mut(),
        area,
        &format!(" Guidelines {} {name} ", g.dot),
        false,
    );
    if all.len() > rows && area.width > 12 {
        let more = format!(
            " {}/{} {}{} ",
            (scroll + rows).min(all.len()),
            all.len(),
            m.key(Command::GuidelinesUp),
            m.key(Command::GuidelinesDown)
        );
        let w = crate::review::typeset::text::width(&more) as u16;
        if w + 2 < area.width {
            let line = Line::from(Span::styled(more, t.dim));
            super::set_line(
                f.buffer_mut(),
                area.x + area.width - 1 - w,
                area.y + area.height - 1,
                &line,
                w,
            );
        }
    }
}
