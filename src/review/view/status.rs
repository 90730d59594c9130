//! The demo banner, the notice line (last result, or the search prompt) and the status bar.

use crate::review::action::Command;
use crate::review::layout::Areas;
use crate::review::model::{Level, Mode, Model};
use crate::review::typeset::style::Glyphs;
use crate::review::typeset::text;
use ratatui::Frame;
use ratatui::layout::Position;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::borrow::Cow;

/// What the banner says, longest first: the first that fits is drawn, so a narrow
/// screen gets a shorter sentence rather than one cut off mid-word.
fn demo_hints(g: Glyphs) -> [String; 4] {
    let (dot, dash) = (g.dot, g.dash);
    [
        format!(
            "Demo data on a local server {dash} set MIXPEEK_API_KEY and MIXPEEK_NAMESPACE to review your own"
        ),
        format!("Demo data {dot} set MIXPEEK_API_KEY and MIXPEEK_NAMESPACE for your own"),
        format!("Demo data {dot} set MIXPEEK_API_KEY for your own"),
        "Demo data".to_string(),
    ]
}

pub fn draw_banner(f: &mut Frame, m: &Model, a: &Areas) {
    let Some(area) = a.banner else { return };
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let badge = " DEMO ";
    let room = (area.width as usize).saturating_sub(badge.len() + 1);
    let [hints @ .., last] = demo_hints(g);
    let hint = hints
        .into_iter()
        .find(|h| text::width(h) <= room)
        .unwrap_or_else(|| text::truncate_with(&last, room, g.ellipsis).into_owned());
    let line = Line::from(vec![
        Span::styled(badge, t.demo_badge),
        Span::raw(" "),
        Span::styled(hint, t.demo_hint),
    ]);
    super::lines_in(f.buffer_mut(), area, &[line], Style::default());
}

pub fn draw_notice(f: &mut Frame, m: &Model, a: &Areas) {
    let t = &m.look.theme;
    let width = a.notice.width as usize;
    if let Mode::Defer(p) = &m.mode {
        super::marks::draw_prompt(f, m, p, a);
        return;
    }
    if let Mode::Search(p) = &m.mode {
        let hint = format!("  Enter search {} Esc cancel", m.look.glyphs.dot);
        let room = width.saturating_sub(1 + text::width(&hint) + 1);
        // Show the end of a long query: that is where the typing happens.
        let mut shown = p.input.as_str();
        while text::width(shown) > room {
            let mut chars = shown.chars();
            chars.next();
            shown = chars.as_str();
        }
        let line = Line::from(vec![
            Span::styled("/", t.key),
            Span::raw(shown.to_string()),
            Span::raw(" "),
            Span::styled(hint.clone(), t.dim),
        ]);
        super::lines_in(f.buffer_mut(), a.notice, &[line], Style::default());
        let x = a.notice.x + 1 + text::width(shown) as u16;
        f.set_cursor_position(Position::new(
            x.min(a.notice.right().saturating_sub(1)),
            a.notice.y,
        ));
        return;
    }
    let line = match &m.notice {
        Some(n) => {
            let style = match n.level {
                Level::Info => t.info,
                Level::Success => t.success,
                Level::Warning => t.warning,
                Level::Error => t.error,
            };
            // Notices are worded with `…`; ASCII mode promises none on screen.
            let said = if m.look.glyphs.ellipsis == "…" {
                Cow::Borrowed(n.text.as_str())
            } else {
                Cow::Owned(n.text.replace('…', m.look.glyphs.ellipsis))
            };
            if a.notice.height > 1 {
                // Two rows: wrapped at words, the second cut only if even that is short.
                let mut lines = text::wrap(
                    &[text::Piece::new(said.into_owned(), style)],
                    &[],
                    &[],
                    width,
                );
                if lines.len() > 2 {
                    let rest: String = lines[1..]
                        .iter()
                        .map(|l| {
                            l.spans
                                .iter()
                                .map(|s| s.content.as_ref())
                                .collect::<String>()
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    lines.truncate(1);
                    lines.push(Line::from(Span::styled(
                        text::truncate_with(&rest, width, m.look.glyphs.ellipsis).into_owned(),
                        style,
                    )));
                }
                super::lines_in(f.buffer_mut(), a.notice, &lines, Style::default());
                return;
            }
            Line::from(Span::styled(
                text::truncate_with(&said, width, m.look.glyphs.ellipsis).into_owned(),
                style,
            ))
        }
        None => hints(m, width),
    };
    super::lines_in(f.buffer_mut(), a.notice, &[line], Style::default());
}

/// The most useful keys, as many as fit.
fn hints(m: &Model, width: usize) -> Line<'static> {
    let t = &m.look.theme;
    let items = [
        (Command::RatePositive, "positive"),
        (Command::RateNegative, "negative"),
        (Command::RateWithText, "with text"),
        (Command::NextUnrated, "next unrated"),
        (Command::Help, "help"),
        (Command::Quit, "quit"),
        (Command::Search, "search"),
        (Command::Filter, "filter"),
    ];
    let mut spans = Vec::new();
    let mut used = 0;
    for (cmd, what) in items {
        let key = m.key(cmd).to_string();
        let w = text::width(&key) + 1 + what.len() + 2;
        if used + w > width {
            break;
        }
        spans.push(Span::styled(key, t.key));
        spans.push(Span::styled(format!(" {what}  "), t.dim));
        used += w;
    }
    Line::from(spans)
}

pub fn draw_status(f: &mut Frame, m: &Model, a: &Areas) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let width = a.status.width as usize;
    let (pos, neg) = m.run_counts();
    let mut right: Vec<Span> = super::marks::status(m);
    if let Some(scope) = crate::review::batch::status_label(m, g.dot) {
        right.push(Span::styled(format!("{scope} {} ", g.dot), t.status_bar));
    }
    if let Some(pace) = m.pace.pace.line(g.dot) {
        right.push(Span::styled(format!("{pace} {} ", g.dot), t.status_bar));
    }
    right.push(Span::styled(
        format!("this run {}{pos} ", g.positive),
        t.positive,
    ));
    right.push(Span::styled(format!("{}{neg}", g.negative), t.negative));
    let pending = m.sends_pending();
    if m.outbox.offline {
        right.push(Span::styled(
            format!(" {} offline, {pending} pending", g.dot),
            t.warning,
        ));
    } else if pending > 0 {
        // A server that answers with errors is not "sending": say it is being retried.
        let retrying: usize = m.transcripts.values().map(|t| t.retrying).sum();
        if retrying > 0 {
            right.push(Span::styled(
                format!(" {} {pending} pending, retrying", g.dot),
                t.warning,
            ));
        } else {
            right.push(Span::styled(
                format!(" {} {pending} sending", g.dot),
                t.pending,
            ));
        }
    }
    if m.outbox.failed > 0 {
        right.push(Span::styled(
            format!(" {} {} failed", g.dot, m.outbox.failed),
            t.failed,
        ));
    }
    right.push(Span::styled(" ".to_string(), t.status_bar));
    let rw: usize = right.iter().map(|s| text::width(&s.content)).sum();
    let server = format!(" {} {} {}", m.conn.server, g.dot, m.conn.namespace);
    let room = width.saturating_sub(rw + 1);
    let left = text::truncate_with(&server, room, g.ellipsis).into_owned();
    let pad = width.saturating_sub(text::width(&left) + rw);
    let mut spans = vec![Span::styled(left, t.status_bar), Span::raw(" ".repeat(pad))];
    spans.extend(right);
    super::lines_in(f.buffer_mut(), a.status, &[Line::from(spans)], t.status_bar);
}
