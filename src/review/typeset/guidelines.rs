//! The guidelines pane's lines: the file as markdown, or a sentence saying why it cannot
//! be shown and where it was looked for.

use super::markdown;
use super::text::{self, Piece};
use crate::review::guidelines::{Content, MAX_BYTES};
use crate::review::model::Model;
use ratatui::text::Line;

/// The lines of the guidelines for a pane `width` columns wide (borders included).
pub fn lines(m: &Model, width: u16) -> Vec<Line<'static>> {
    let room = (width as usize).saturating_sub(2).max(4);
    let g = &m.guidelines;
    let t = &m.look.theme;
    let path = g.shown_path();
    let say = |s: String, style| text::wrap(&[Piece::new(s, style)], &[], &[], room);
    match &g.content {
        Content::Text(s) if s.trim().is_empty() => say(format!("{path} is empty."), t.dim),
        Content::Text(s) => markdown::render(s, room, &m.look),
        Content::NotRead => say(format!("Reading {path}…"), t.dim),
        Content::Missing => say(
            format!(
                "No guidelines file at {path}. Create it, or point review.guidelines (config.toml) or --guidelines at your rubric; it is read again when it appears."
            ),
            t.warning,
        ),
        Content::TooBig { bytes } => say(
            format!(
                "{path} is {} KiB; the guidelines pane shows files up to {} KiB. Shorten it.",
                bytes / 1024,
                MAX_BYTES / 1024
            ),
            t.warning,
        ),
        Content::Binary => say(
            format!("{path} is not UTF-8 text; the guidelines pane shows markdown."),
            t.warning,
        ),
        Content::Unreadable(why) => say(
            format!("Cannot read {path}: {}", crate::sanitize::message(why, 200)),
            t.warning,
        ),
    }
}
