//! The transcript pane: messages with role, time and receipt; only the visible slice is drawn.

use super::pane;
use crate::review::layout::{Areas, BODY_INDENT, GUTTER, HEADER_AND_GAP, TEXT_MARGIN};
use crate::review::model::{Model, Pane, Transcript};
use crate::review::typeset::message::header;
use crate::review::typeset::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Columns of the top border the title leaves to the frame: the corners, the spaces
/// around the title, and a stretch of border line after it.
const TITLE_FRAME: usize = 7;

pub fn draw(f: &mut Frame, m: &Model, a: &Areas) {
    let theme = &m.look.theme;
    let focused = m.focus == Pane::Transcript;
    let t = m.open_transcript();
    let g = m.look.glyphs;
    let title = match (&m.open, t) {
        (Some(id), _) => {
            let row = m.sessions.row(id);
            let name = row.map_or(id.as_str(), |r| r.title());
            let status = row
                .map(|r| format!(" {} {}", g.dot, r.status))
                .unwrap_or_default();
            let room =
                (a.transcript.width as usize).saturating_sub(TITLE_FRAME + text::width(&status));
            format!(" {}{status} ", text::truncate_with(name, room, g.ellipsis))
        }
        _ => " Transcript ".to_string(),
    };
    let bottom = t.map(|t| Line::from(Span::styled(footer(t, m), theme.dim)).right_aligned());
    let body = a.transcript_body();
    pane::border(&m.look, f.buffer_mut(), a.transcript, focused, bottom);
    pane::title(&m.look, f.buffer_mut(), a.transcript, &title, focused);
    let Some(t) = t else {
        let unreadable = m
            .sessions
            .selected_row()
            .and_then(|r| Some((r.label.as_str(), r.unreadable.as_deref()?)));
        if let Some((label, reason)) = unreadable {
            let msg = format!(
                "Session {} could not be read: {}. Nothing in it can be opened or rated; the rest of the list works.",
                text::sanitize(label),
                text::sanitize(reason)
            );
            placeholder(f, body, &msg, theme.warning);
            return;
        }
        let msg = if m.sessions.rows.is_empty() {
            ""
        } else {
            "Select a session and press Enter to read it."
        };
        placeholder(f, body, msg, theme.dim);
        return;
    };
    if t.messages.is_empty() {
        let (msg, style) = match (&t.error, t.loading || !t.requested) {
            (Some(e), _) => (e.clone(), theme.error),
            (None, true) => {
                let name = m
                    .sessions
                    .row(&t.session_id)
                    .map_or(t.session_id.as_str(), |r| r.title());
                (
                    format!("Loading {}{}", name, m.look.glyphs.ellipsis),
                    theme.dim,
                )
            }
            (None, false) => ("This session has no messages yet.".to_string(), theme.dim),
        };
        placeholder(f, body, &msg, style);
        return;
    }
    draw_lines(f, m, t, body, focused);
}

fn footer(t: &Transcript, m: &Model) -> String {
    let g = m.look.glyphs;
    let mut parts = Vec::new();
    if let Some(c) = t.cursor {
        // Out of what the server holds, so a long transcript reads as long while it loads.
        let total = t.total.map_or(0, |n| n as usize).max(t.messages.len());
        parts.push(format!("message {}/{total}", c + 1));
    }
    if t.assistants > 0 {
        parts.push(format!("{}/{} rated", t.rated, t.assistants));
    }
    if !t.complete {
        if t.messages.is_empty() {
            parts.push(format!("loading{}", g.ellipsis));
        } else {
            let total = t.total.map(|n| format!("/{n}")).unwrap_or_default();
            parts.push(format!("loading {}{total}{}", t.messages.len(), g.ellipsis));
        }
    } else if t.error.is_some() {
        parts.push("load failed".to_string());
    } else if t.stopped.is_some() {
        // The status bar said why; this keeps it in view once that notice is gone.
        parts.push(format!("loading stopped at {}", t.messages.len()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {} ", parts.join(&format!(" {} ", g.dot)))
    }
}

fn placeholder(f: &mut Frame, area: Rect, msg: &str, style: Style) {
    let inner = Rect {
        x: area.x + TEXT_MARGIN,
        width: area.width.saturating_sub(2 * TEXT_MARGIN),
        ..area
    };
    // Only the rows the sentence can take: a paragraph styles every cell of its area, and
    // the transcript's body is most of the screen. Wrapped by words, each line but the
    // last, with a space and the next line's first word, is wider than the area, so
    // `k - 1 < 2 * width(msg) / (w - 1)` for k lines.
    let room = usize::from(inner.width.saturating_sub(1).max(1));
    let rows = 2 * text::width(msg) / room + 2;
    let inner = Rect {
        height: inner.height.min(u16::try_from(rows).unwrap_or(u16::MAX)),
        ..inner
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(msg.to_string(), style))).wrap(Wrap { trim: true }),
        inner,
    );
}

/// Draws the rows from the view's top message down only, so the cost does not grow with
/// the length of the transcript. `prepare` has wrapped every message that reaches the
/// screen; one that is not (never, in the app) is drawn as its header alone.
fn draw_lines(f: &mut Frame, m: &Model, t: &Transcript, area: Rect, focused: bool) {
    let theme = &m.look.theme;
    let g = m.look.glyphs;
    let width = area.width as usize;
    let content_width = width.saturating_sub(GUTTER);
    let query = m
        .search
        .as_ref()
        .map(|s| s.query.as_str())
        .filter(|q| !q.is_empty());
    let cursor_style = if focused {
        theme.cursor
    } else {
        theme.cursor_unfocused
    };
    let indent = " ".repeat(BODY_INDENT);
    let marked = super::marks::marked_here(m);
    let buf = f.buffer_mut();
    let rows = area.height as usize;
    let mut row = 0;
    let mut item = t.scroll.item;
    let mut within = t.scroll.line;
    while row < rows && item < t.messages.len() {
        let body = t.layout.body(item).unwrap_or(&[]);
        let selected = t.cursor == Some(item);
        let height = body.len() + HEADER_AND_GAP;
        while within < height && row < rows {
            let y = area.y + row as u16;
            row += 1;
            let is_spacer = within == body.len() + 1;
            if is_spacer {
                within += 1;
                continue;
            }
            if selected {
                buf.set_string(area.x, y, g.cursor, cursor_style);
            }
            let is_marked = !marked.is_empty() && marked.contains(&t.messages[item].message_id);
            super::marks::gutter(buf, m, is_marked, area.x, y);
            let line = if within == 0 {
                let mut l = header(t, item, content_width, m);
                if selected && focused {
                    l = l.patch_style(theme.strong);
                }
                l
            } else {
                let mut l = body[within - 1].clone();
                l.spans.insert(0, Span::raw(indent.clone()));
                l
            };
            let line = match query {
                Some(q) => text::highlight(&line, q, theme.search_match),
                None => line,
            };
            super::set_line(buf, area.x + GUTTER as u16, y, &line, content_width as u16);
            within += 1;
        }
        item += 1;
        within = 0;
    }
}
