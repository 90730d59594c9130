//! The transcript pane: messages with role, time and receipt; only the visible slice is drawn.

use super::theme::Look;
use crate::api::model::{MessageHistoryItem, Rating};
use crate::review::layout::{Areas, BODY_INDENT};
use crate::review::markdown;
use crate::review::model::{Kind, Model, Pane, Receipt, Transcript};
use crate::review::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The wrapped body of one message at `width` columns (cached by the model per width).
pub fn body_lines(
    msg: &MessageHistoryItem,
    kind: Kind,
    unfolded: bool,
    width: usize,
    look: &Look,
) -> Vec<Line<'static>> {
    let t = &look.theme;
    match kind {
        Kind::Tool => {
            if !unfolded {
                return Vec::new();
            }
            let mut out = Vec::new();
            let label = |s: &str| Line::from(Span::styled(s.to_string(), t.dim));
            let bar = Span::styled(format!("{} ", look.glyphs.code), t.dim);
            for (name, part) in [("inputs", &msg.tool_inputs), ("outputs", &msg.tool_outputs)] {
                if let Some(part) = part.as_deref().filter(|s| !s.is_empty()) {
                    out.push(label(name));
                    out.extend(markdown::render_plain(
                        &pretty(part),
                        width,
                        t.code_block,
                        bar.clone(),
                    ));
                }
            }
            // Some servers repeat the output as the content: show it once.
            let repeated = [&msg.tool_inputs, &msg.tool_outputs]
                .into_iter()
                .flatten()
                .any(|s| s.trim() == msg.content.trim());
            if !msg.content.trim().is_empty() && !repeated {
                if !out.is_empty() {
                    out.push(label("content"));
                }
                out.extend(markdown::render_plain(
                    &pretty(&msg.content),
                    width,
                    t.code_block,
                    bar,
                ));
            }
            if out.is_empty() {
                out.push(label("(no inputs or outputs recorded)"));
            }
            out
        }
        _ if msg.content.trim().is_empty() => {
            vec![Line::from(Span::styled("(empty message)", t.dim))]
        }
        _ => markdown::render(&msg.content, width, look),
    }
}

/// JSON is shown indented; anything else as it came.
fn pretty(s: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| s.to_string())
        }
        _ => s.to_string(),
    }
}

/// Short words for a receipt, with its style: what the header line shows.
pub fn receipt_spans(receipt: Option<&Receipt>, m: &Model) -> Vec<Span<'static>> {
    let g = m.look.glyphs;
    let t = &m.look.theme;
    let mark = |r: Rating| match r {
        Rating::Positive => (g.positive, "positive", t.positive),
        Rating::Negative => (g.negative, "negative", t.negative),
    };
    let Some(receipt) = receipt else {
        return vec![Span::styled(format!("{} unrated", g.unrated), t.unrated)];
    };
    match receipt {
        Receipt::Saving { rating, .. } => {
            let (sym, word, _) = mark(*rating);
            vec![Span::styled(
                format!("{sym} {word} {} saving", g.dot),
                t.pending,
            )]
        }
        Receipt::Queued { rating, .. } => {
            let (sym, word, _) = mark(*rating);
            vec![Span::styled(
                format!("{sym} {word} {} sending{}", g.dot, g.ellipsis),
                t.pending,
            )]
        }
        Receipt::Sent { rating, stored, .. } => {
            let (sym, word, style) = mark(*rating);
            let memory = if *stored {
                "stored to memory"
            } else {
                "not stored"
            };
            vec![
                Span::styled(format!("{sym} {word}"), style),
                Span::styled(format!(" {} {memory}", g.dot), t.dim),
            ]
        }
        Receipt::Retrying {
            rating,
            error,
            retry_at,
            ..
        } => {
            let (sym, word, _) = mark(*rating);
            let secs = (*retry_at - m.now).num_seconds();
            // Past due is "retrying" until the outcome arrives, not a "retry in 0s" frozen
            // while the attempt is under way.
            let when = if secs > 0 {
                format!("retry in {secs}s")
            } else {
                format!("retrying{}", g.ellipsis)
            };
            vec![Span::styled(
                format!("{sym} {word} {} {} {error}, {when}", g.dot, g.retrying),
                t.retrying,
            )]
        }
        Receipt::Failed { rating, error, .. } => {
            let (sym, word, _) = mark(*rating);
            vec![Span::styled(
                format!(
                    "{} {sym} {word} failed: {}",
                    g.failed,
                    error.trim_end_matches('.')
                ),
                t.failed,
            )]
        }
    }
}

fn header(t: &Transcript, i: usize, width: usize, m: &Model) -> Line<'static> {
    let theme = &m.look.theme;
    let g = m.look.glyphs;
    let msg = &t.messages[i];
    let time = text::short_time(&msg.timestamp, m.offset);
    let mut left: Vec<Span<'static>> = Vec::new();
    // The time is what gives way first when the line is short of room.
    let mut time_left = true;
    let mut right: Vec<Span<'static>> = Vec::new();
    match t.kinds[i] {
        Kind::Tool => {
            let fold = if t.unfolded[i] { g.unfolded } else { g.folded };
            let what = match msg.content_type.as_str() {
                "tool_result" => "tool result",
                "tool_call" => "tool call",
                _ => "tool",
            };
            left.push(Span::styled(format!("{fold} {what}"), theme.role_tool));
            if let Some(name) = &msg.tool_name {
                left.push(Span::styled(
                    format!(" {}", text::sanitize(name)),
                    theme.strong,
                ));
            }
            if let Some(status) = &msg.tool_status {
                let style = match status.as_str() {
                    "error" | "failed" | "failure" => theme.failed,
                    _ => theme.dim,
                };
                left.push(Span::styled(format!(" {} ", g.dot), theme.dim));
                left.push(Span::styled(text::sanitize(status).into_owned(), style));
            }
            right.push(Span::styled(time.clone(), theme.dim));
            time_left = false;
        }
        kind => {
            let (role, style) = match kind {
                Kind::User => ("user".to_string(), theme.role_user),
                Kind::Assistant => ("assistant".to_string(), theme.role_assistant),
                Kind::System => ("system".to_string(), theme.role_system),
                _ => (text::sanitize(&msg.role).into_owned(), theme.role_system),
            };
            left.push(Span::styled(role, style));
            left.push(Span::styled(format!(" {} {time}", g.dot), theme.dim));
            if kind == Kind::Assistant {
                right = receipt_spans(t.receipts.get(&msg.message_id), m);
                if m.drafts
                    .contains_key(&(t.session_id.clone(), msg.message_id.clone()))
                {
                    right.insert(
                        0,
                        Span::styled(format!("{} draft  ", g.draft), theme.pending),
                    );
                }
            }
        }
    }
    let span_width = |spans: &[Span]| spans.iter().map(|s| text::width(&s.content)).sum::<usize>();
    if span_width(&left) + 2 + span_width(&right) > width {
        if time_left {
            left.pop();
        } else {
            right.clear();
        }
    }
    let lw = span_width(&left);
    let rw = span_width(&right);
    let mut spans = left;
    if lw + 2 + rw <= width {
        spans.push(Span::raw(" ".repeat(width - lw - rw)));
        spans.extend(right);
        Line::from(spans)
    } else {
        spans.push(Span::raw("  "));
        spans.extend(right);
        Line::from(text::truncate_spans(spans, width))
    }
}

pub fn draw(f: &mut Frame, m: &Model, a: &Areas) {
    let theme = &m.look.theme;
    let focused = m.focus == Pane::Transcript;
    let t = m.open_transcript();
    let title = match (&m.open, t) {
        (Some(id), _) => {
            let row = m.sessions.row(id);
            let name = row.map_or(id.as_str(), |r| r.title());
            let status = row
                .map(|r| format!(" {} {}", m.look.glyphs.dot, r.status))
                .unwrap_or_default();
            format!(
                " {}{status} ",
                text::truncate(name, a.transcript.width.saturating_sub(16) as usize)
            )
        }
        _ => " Transcript ".to_string(),
    };
    let mut block = m.look.pane(title, focused);
    if let Some(t) = t {
        block =
            block.title_bottom(Line::from(Span::styled(footer(t, m), theme.dim)).right_aligned());
    }
    let body = a.transcript_body();
    f.render_widget(block, a.transcript);
    let Some(t) = t else {
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
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {} ", parts.join(&format!(" {} ", g.dot)))
    }
}

fn placeholder(f: &mut Frame, area: Rect, msg: &str, style: Style) {
    let inner = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
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
    let content_width = width.saturating_sub(2);
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
    let buf = f.buffer_mut();
    let rows = area.height as usize;
    let mut row = 0;
    let mut item = t.scroll.item;
    let mut within = t.scroll.line;
    while row < rows && item < t.messages.len() {
        let body = t.layout.body(item).unwrap_or(&[]);
        let selected = t.cursor == Some(item);
        // Header, body, then one blank line.
        let height = body.len() + 2;
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
            super::set_line(buf, area.x + 2, y, &line, content_width as u16);
            within += 1;
        }
        item += 1;
        within = 0;
    }
}
