//! The tag picker: what is typed, the matching tags with how many replies carry each (the
//! taxonomy's with their digit and description), those on the reply marked, and the new
//! tag a word would create.

use crate::review::layout::centered;
use crate::review::model::{Model, TagPicker};
use crate::review::typeset::text;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

const BOX_WIDTH: u16 = 64;
/// Lines beside the tags: borders, the input, the hint and a gap.
const CHROME_ROWS: u16 = 5;
const MOST_ROWS: u16 = 12;

/// The line under the input: what Enter does, or that the journal's tags are missing
/// from the list (still being counted, or unreadable).
fn hint(m: &Model) -> &'static str {
    if m.tag_tally.error.is_some() {
        "Journal unreadable: only tags on loaded replies are listed."
    } else if !m.tag_tally.loaded {
        "Counting the journal's tags; Enter toggles, a new word is a new tag."
    } else {
        "Enter toggles it on the reply; a new word is a new tag."
    }
}

pub fn draw(f: &mut Frame, m: &Model, p: &TagPicker) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let options = p.options();
    let new_tag = p.new_tag();
    let count = options.len() + usize::from(new_tag.is_some());
    let rows = u16::try_from(count.max(1))
        .unwrap_or(MOST_ROWS)
        .min(MOST_ROWS);
    let area = centered(f.area(), BOX_WIDTH, rows.saturating_add(CHROME_ROWS));
    f.render_widget(Clear, area);
    let room = area.width.saturating_sub(4) as usize;
    let mut lines = vec![
        Line::from(vec![
            Span::styled("# ", t.strong),
            Span::raw(text::sanitize(&p.input).into_owned()),
            Span::styled("█", t.cursor),
        ]),
        Line::from(Span::styled(
            text::truncate_with(hint(m), room, g.ellipsis).into_owned(),
            t.dim,
        )),
        Line::default(),
    ];
    let fits = (area.height.saturating_sub(CHROME_ROWS) as usize).max(1);
    let first = p.selected.saturating_sub(fits - 1);
    for (i, (tag, n)) in options.iter().enumerate().skip(first).take(fits) {
        let digit = m
            .tags
            .iter()
            .position(|d| d.name == *tag)
            .filter(|&d| d < 9)
            .map_or("  ".to_string(), |d| format!("{} ", d + 1));
        let description = m
            .tags
            .iter()
            .find(|d| d.name == *tag)
            .and_then(|d| d.description.clone())
            .map_or(String::new(), |d| format!(" {} {d}", g.dot));
        let on = p.on.iter().any(|o| o == tag);
        let spans = vec![
            Span::styled(
                if i == p.selected {
                    format!("{} ", g.cursor)
                } else {
                    "  ".into()
                },
                t.cursor,
            ),
            Span::styled(digit, t.dim),
            Span::styled(
                format!("{} ", if on { "[x]" } else { "[ ]" }),
                if on { t.success } else { t.dim },
            ),
            Span::styled(
                tag.clone(),
                if i == p.selected {
                    t.row_selected
                } else {
                    t.strong
                },
            ),
            Span::styled(format!(" ({n}){description}"), t.dim),
        ];
        lines.push(Line::from(text::truncate_spans(spans, room, g.ellipsis)));
    }
    if let Some(tag) = new_tag
        && options.len() < first + fits
    {
        let selected = p.selected >= options.len();
        let spans = vec![
            Span::styled(
                if selected {
                    format!("{} ", g.cursor)
                } else {
                    "  ".into()
                },
                t.cursor,
            ),
            Span::styled(format!("new tag: {tag}"), t.success),
        ];
        lines.push(Line::from(text::truncate_spans(spans, room, g.ellipsis)));
    } else if options.is_empty() {
        lines.push(Line::from(Span::styled("  no tag matches", t.dim)));
    }
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(" Tags {} Esc closes ", g.dot),
            t.title_focus,
        ));
    f.render_widget(Paragraph::new(lines).block(block), area);
}
