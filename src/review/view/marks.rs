//! Marks and bulk actions on screen: the mark column of marked replies and sessions, the
//! defer prompt, the bulk positive's question, and the status bar's counts.

use crate::review::bulk::{Confirm, DeferPrompt};
use crate::review::layout::{Areas, centered};
use crate::review::model::Model;
use crate::review::typeset::text;
use crate::review::update::{marked_count, marked_replies, marked_sessions, store_question};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use std::collections::HashSet;

/// The glyph in the mark column: a character, so it reads without colour too.
pub const MARK: &str = "*";

/// The marked replies of the open transcript, by message id (computed once a frame).
pub fn marked_here(m: &Model) -> HashSet<String> {
    let Some(open) = m.open.as_deref() else {
        return HashSet::new();
    };
    if !m.bulk.selecting() {
        return HashSet::new();
    }
    marked_replies(m)
        .into_iter()
        .filter(|(s, _)| s == open)
        .map(|(_, msg)| msg)
        .collect()
}

fn mark_style(m: &Model) -> Style {
    m.look
        .theme
        .key
        .add_modifier(Modifier::BOLD | Modifier::REVERSED)
}

/// Draws the mark in the gutter's second column of a marked reply's line.
pub fn gutter(buf: &mut Buffer, m: &Model, marked: bool, x: u16, y: u16) {
    if marked {
        buf.set_string(x + 1, y, MARK, mark_style(m));
    }
}

/// The marked sessions, by id (computed once a frame).
pub fn sessions_marked(m: &Model) -> HashSet<String> {
    if !m.bulk.selecting() {
        return HashSet::new();
    }
    marked_sessions(m).into_iter().collect()
}

/// A session row's first cell: the mark, or a space.
pub fn session_cell(m: &Model, marked: bool) -> Span<'static> {
    if marked {
        Span::styled(MARK, mark_style(m))
    } else {
        Span::raw(" ")
    }
}

/// The status bar's part: `12 marked`, `sending 37/120`.
pub fn status(m: &Model) -> Vec<Span<'static>> {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let mut out = Vec::new();
    if m.bulk.selecting() {
        let (replies, sessions) = marked_count(m);
        let text = if replies > 0 || sessions == 0 {
            format!("{replies} marked")
        } else {
            format!("{sessions} sessions marked")
        };
        out.push(Span::styled(text, mark_style(m)));
        out.push(Span::styled(format!(" {} ", g.dot), t.status_bar));
    }
    if let Some(p) = &m.bulk.progress {
        let text = if p.saving {
            format!("saving {}{}", p.total, g.ellipsis)
        } else {
            format!("sending {}/{}", p.sent, p.total)
        };
        out.push(Span::styled(text, t.pending));
        out.push(Span::styled(format!(" {} ", g.dot), t.status_bar));
    }
    out
}

/// The defer prompt on the notice line.
pub fn draw_prompt(f: &mut Frame, m: &Model, p: &DeferPrompt, a: &Areas) {
    let t = &m.look.theme;
    let width = a.notice.width as usize;
    let what = if p.replies.len() == 1 {
        "Defer, reason (optional): ".to_string()
    } else {
        format!("Defer {} replies, reason (optional): ", p.replies.len())
    };
    let hint = format!("  Enter defer {} Esc cancel", m.look.glyphs.dot);
    let room = width.saturating_sub(text::width(&what) + text::width(&hint) + 1);
    let mut shown = p.input.as_str();
    while text::width(shown) > room {
        let mut chars = shown.chars();
        chars.next();
        shown = chars.as_str();
    }
    let line = Line::from(vec![
        Span::styled(what.clone(), t.key),
        Span::raw(shown.to_string()),
        Span::styled(hint, t.dim),
    ]);
    f.render_widget(Paragraph::new(line), a.notice);
    let x = a.notice.x + (text::width(&what) + text::width(shown)) as u16;
    f.set_cursor_position(Position::new(
        x.min(a.notice.right().saturating_sub(1)),
        a.notice.y,
    ));
}

/// The bulk positive's question, over the panes.
pub fn draw_confirm(f: &mut Frame, m: &Model, c: &Confirm) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let n = c.replies.len();
    let text = vec![
        Line::from(Span::styled(store_question(n), t.warning)),
        Line::default(),
        Line::from(format!(
            "A positive rating stores each exchange to the agent's memory. {n} replies are marked."
        )),
        Line::default(),
        Line::from(vec![
            Span::styled("y", t.key),
            Span::raw(" store and rate  "),
            Span::styled("n", t.key),
            Span::raw(" cancel"),
        ]),
    ];
    let area = centered(f.area(), 60, 9);
    f.render_widget(Clear, area);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .title(Span::styled(" Rate positive? ", t.title_focus));
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
