//! Each reviewer's judgment of a reply, side by side under it: one line per reviewer,
//! `ann ✓ positive · hallucination, tone`, and the note wrapped under it.

use super::style::Look;
use super::text;
use crate::api::model::Rating;
use crate::queue::Judgment;
use ratatui::text::{Line, Span};

/// The most reviewers listed under one reply; the rest are counted.
pub const SHOWN: usize = 6;
/// Lines a judgment's note may take; the rest is cut.
const NOTE_LINES: usize = 2;
/// The longest reviewer name shown.
const NAME_CHARS: usize = 16;

/// The lines drawn under a reply for its judgments (none: nothing).
pub fn lines(judgments: &[Judgment], width: usize, look: &Look) -> Vec<Line<'static>> {
    if judgments.is_empty() {
        return Vec::new();
    }
    let t = &look.theme;
    let g = look.glyphs;
    let mut out = vec![
        Line::default(),
        Line::from(Span::styled("judgments".to_string(), t.dim)),
    ];
    let name_w = judgments
        .iter()
        .take(SHOWN)
        .map(|j| text::width(&short(&j.reviewer, NAME_CHARS, g.ellipsis)))
        .max()
        .unwrap_or(0);
    for j in judgments.iter().take(SHOWN) {
        let name = short(&j.reviewer, NAME_CHARS, g.ellipsis);
        let pad = " ".repeat(name_w.saturating_sub(text::width(&name)));
        let (mark, word, style) = match j.rating {
            Rating::Positive => (g.positive, "positive", t.positive),
            Rating::Negative => (g.negative, "negative", t.negative),
        };
        let mut tags = String::new();
        if !j.tags.is_empty() {
            let list: Vec<String> = j
                .tags
                .iter()
                .map(|s| text::sanitize(s).into_owned())
                .collect();
            tags = format!(" {} {}", g.dot, list.join(", "));
        }
        let head = format!("  {name}{pad} ");
        let rating = format!("{mark} {word}");
        let room = width.saturating_sub(text::width(&head) + text::width(&rating));
        let tags = text::truncate_with(&tags, room, g.ellipsis).into_owned();
        out.push(Line::from(vec![
            Span::styled(head, t.dim),
            Span::styled(rating, style),
            Span::styled(tags, t.dim),
        ]));
        if let Some(note) = j.note.as_deref().filter(|n| !n.trim().is_empty()) {
            out.extend(note_lines(note, name_w + 3, width, look));
        }
    }
    if judgments.len() > SHOWN {
        out.push(Line::from(Span::styled(
            format!("  and {} more", judgments.len() - SHOWN),
            t.dim,
        )));
    }
    out
}

/// The note under its reviewer's line, indented past the name, on at most
/// [`NOTE_LINES`] lines.
fn note_lines(note: &str, indent: usize, width: usize, look: &Look) -> Vec<Line<'static>> {
    let flat = text::sanitize(&note.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned();
    let pad = || [Span::raw(" ".repeat(indent))];
    let mut lines = text::wrap(
        &[text::Piece::new(flat, look.theme.dim)],
        &pad(),
        &pad(),
        width,
    );
    if lines.len() > NOTE_LINES {
        lines.truncate(NOTE_LINES);
        if let Some(last) = lines.last_mut() {
            let shown: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let cut = text::truncate_with(
                &format!("{shown} {}", look.glyphs.ellipsis),
                width,
                look.glyphs.ellipsis,
            )
            .into_owned();
            *last = Line::from(Span::styled(cut, look.theme.dim));
        }
    }
    lines
}

fn short(s: &str, chars: usize, ellipsis: &str) -> String {
    let clean = text::sanitize(s);
    if clean.chars().count() <= chars {
        clean.into_owned()
    } else {
        let mut out: String = clean.chars().take(chars.saturating_sub(1)).collect();
        out.push_str(ellipsis);
        out
    }
}
