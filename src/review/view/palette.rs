//! The command palette: its prompt on the notice line, and above it a box of the
//! matching commands (name with the typed letters marked, keys, description), bounded to
//! the screen and scrolled to the one chosen; a wrong argument's sentence at its foot.

use crate::review::layout::Areas;
use crate::review::model::Model;
use crate::review::palette::{self, Prompt};
use crate::review::typeset::text;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

/// The most commands listed at once.
const MOST_ROWS: usize = 14;
/// The widest the name and key columns get.
const NAME_WIDTH_MAX: usize = 30;
const KEYS_WIDTH_MAX: usize = 14;
/// Columns the box takes around its text: a border and a column of padding each side.
const FRAME_COLUMNS: u16 = 4;
/// The box's top and bottom border.
const BORDER_ROWS: u16 = 2;
/// The cursor mark before each line, and the gap between columns.
const MARK_WIDTH: usize = 2;
const GAP: usize = 2;
/// The most lines a wrong argument's sentence takes.
const ERROR_LINES_MAX: usize = 2;

pub fn draw(f: &mut Frame, m: &Model, p: &Prompt, a: &Areas) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let shown = palette::matches(&m.palette.catalogue, &p.input);
    draw_prompt(f, m, p, a);

    let top = a.sessions.y;
    let bottom = a.notice.y;
    let room_rows = bottom.saturating_sub(top);
    let room = a.notice.width.saturating_sub(FRAME_COLUMNS) as usize;
    // A wrong argument's sentence: wrapped, at most two lines, under a blank one.
    let error_lines: Vec<Line> = match &p.error {
        Some(err) => {
            let mut lines = text::wrap(
                &[text::Piece::new(err.replace('…', g.ellipsis), t.error)],
                &[],
                &[],
                room,
            );
            if lines.len() > ERROR_LINES_MAX {
                let rest: String = lines[ERROR_LINES_MAX - 1..]
                    .iter()
                    .flat_map(|l| l.spans.iter().map(|s| s.content.to_string()))
                    .collect::<Vec<_>>()
                    .join(" ");
                lines.truncate(ERROR_LINES_MAX - 1);
                lines.push(Line::from(Span::styled(
                    text::truncate_with(&rest, room, g.ellipsis).into_owned(),
                    t.error,
                )));
            }
            lines
        }
        None => Vec::new(),
    };
    let error_rows = if error_lines.is_empty() {
        0
    } else {
        error_lines.len() as u16 + 1
    };
    let list_rows = usize::from(room_rows.saturating_sub(BORDER_ROWS + error_rows))
        .min(MOST_ROWS)
        .min(shown.len().max(1));
    if list_rows == 0 {
        return;
    }
    let height = list_rows as u16 + BORDER_ROWS + error_rows;
    let area = Rect::new(a.notice.x, bottom - height, a.notice.width, height);
    f.render_widget(Clear, area);

    let label = |e: &palette::Entry| match e.usage {
        Some(u) => format!("{} {u}", e.name),
        None => e.name.to_string(),
    };
    let name_w = shown
        .iter()
        .map(|(e, _)| text::width(&label(e)))
        .max()
        .unwrap_or(0)
        .min(NAME_WIDTH_MAX);
    let keys_w = shown
        .iter()
        .map(|(e, _)| text::width(&e.keys))
        .max()
        .unwrap_or(0)
        .min(KEYS_WIDTH_MAX);
    let first = p.selected.saturating_sub(list_rows - 1);
    let mut lines: Vec<Line> = Vec::new();
    for (i, (e, hits)) in shown.iter().enumerate().skip(first).take(list_rows) {
        let chosen = i == p.selected;
        let mut spans = vec![Span::styled(
            if chosen {
                format!("{} ", g.cursor)
            } else {
                " ".repeat(MARK_WIDTH)
            },
            t.cursor,
        )];
        let base = if chosen { t.row_selected } else { t.strong };
        for (ci, c) in e.name.chars().enumerate() {
            let style = if hits.contains(&ci) {
                base.patch(t.search_match)
            } else {
                base
            };
            spans.push(Span::styled(c.to_string(), style));
        }
        let mut used = text::width(e.name);
        if let Some(u) = e.usage {
            spans.push(Span::styled(format!(" {u}"), t.dim));
            used += 1 + text::width(u);
        }
        let keys = text::truncate_with(&e.keys, keys_w, g.ellipsis).into_owned();
        spans.push(Span::raw(" ".repeat(name_w.saturating_sub(used) + GAP)));
        spans.push(Span::styled(keys.clone(), t.key));
        spans.push(Span::raw(
            " ".repeat(keys_w.saturating_sub(text::width(&keys)) + GAP),
        ));
        spans.push(Span::styled(e.description.clone(), t.dim));
        lines.push(Line::from(text::truncate_spans(spans, room, g.ellipsis)));
    }
    if shown.is_empty() {
        lines.push(Line::from(Span::styled("  no command matches", t.dim)));
    }
    if !error_lines.is_empty() {
        lines.push(Line::default());
        lines.extend(error_lines);
    }
    let title = format!(
        " Commands {dot} {} of {} {dot} Enter runs {dot} Tab completes {dot} Esc closes ",
        shown.len(),
        m.palette.catalogue.len(),
        dot = g.dot
    );
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            text::truncate_with(&title, area.width.saturating_sub(2) as usize, g.ellipsis)
                .into_owned(),
            t.title_focus,
        ));
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// `:` and what is typed, on the notice line, with the cursor at its end.
fn draw_prompt(f: &mut Frame, m: &Model, p: &Prompt, a: &Areas) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let area = Rect {
        height: 1,
        ..a.notice
    };
    f.render_widget(Clear, area);
    let width = area.width as usize;
    let hint = if p.input.is_empty() && !m.palette.history.is_empty() {
        format!(
            "  Up recalls {dot} Enter runs {dot} Esc closes",
            dot = g.dot
        )
    } else {
        format!("  Enter runs {} Esc closes", g.dot)
    };
    let room = width.saturating_sub(1 + text::width(&hint) + 1);
    let safe = text::sanitize(&p.input);
    // Show the end of a long line: that is where the typing happens.
    let mut shown = safe.as_ref();
    while text::width(shown) > room {
        let mut chars = shown.chars();
        chars.next();
        shown = chars.as_str();
    }
    let line = Line::from(vec![
        Span::styled(":", t.key),
        Span::raw(shown.to_string()),
        Span::raw(" "),
        Span::styled(hint, t.dim),
    ]);
    f.render_widget(Paragraph::new(line), area);
    let x = area.x + 1 + text::width(shown) as u16;
    f.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}
