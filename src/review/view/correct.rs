//! The correction overlays: the built-in editor (when no `$VISUAL`/`$EDITOR` is set) and
//! the word diff of a reply and its correction.

use crate::journal::corrections::MAX_CORRECTION_CHARS;
use crate::review::action::Command;
use crate::review::layout::centered;
use crate::review::model::{Correcting, DiffView, Model};
use crate::review::typeset::{diff, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// The screen the editor leaves clear around itself: two columns and one row each side.
const MARGIN_COLUMNS: u16 = 4;
const MARGIN_ROWS: u16 = 2;
/// Inside its border, less than this leaves no room to type: nothing more is drawn.
const MIN_INNER_WIDTH: u16 = 10;
const MIN_INNER_HEIGHT: u16 = 4;
/// Rows above the text (the hint and a blank line) and below it (the count).
const TEXT_TOP: u16 = 2;
const TEXT_FRAME_ROWS: u16 = TEXT_TOP + 1;

pub fn draw_editor(f: &mut Frame, m: &Model, c: &Correcting) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let screen = f.area();
    let area = centered(
        screen,
        screen.width.saturating_sub(MARGIN_COLUMNS),
        screen.height.saturating_sub(MARGIN_ROWS),
    );
    f.render_widget(Clear, area);
    let (save, cancel) = (m.key(Command::Send), m.key(Command::Cancel));
    let title = format!(
        " Correct the reply {d} {save} save {d} {cancel} cancel ",
        d = g.dot
    );
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .title(Span::styled(title, t.title_focus));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < MIN_INNER_HEIGHT || inner.width < MIN_INNER_WIDTH {
        return;
    }
    let hint = format!(
        " Write what the reply should have said. {save} saves it (kept locally; it implies a negative rating), {cancel} records nothing."
    );
    let hint = text::truncate_with(&hint, inner.width as usize, g.ellipsis).into_owned();
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(hint, t.dim))),
        Rect { height: 1, ..inner },
    );
    let editor_area = Rect {
        x: inner.x + 1,
        y: inner.y + TEXT_TOP,
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(TEXT_FRAME_ROWS),
    };
    let editor = c.editor.styled(t.text, t.dim, t.choice_on);
    f.render_widget(&editor, editor_area);

    let chars = c.editor.chars();
    let footer = match &c.error {
        Some(e) => Span::styled(
            text::truncate_with(e, inner.width as usize - 1, g.ellipsis).into_owned(),
            t.error,
        ),
        None => Span::styled(
            format!(" {chars} / {MAX_CORRECTION_CHARS} characters"),
            if chars > MAX_CORRECTION_CHARS {
                t.error
            } else {
                t.dim
            },
        ),
    };
    f.render_widget(
        Paragraph::new(Line::from(footer)),
        Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        },
    );
}

pub fn draw_diff(f: &mut Frame, m: &Model, d: &DiffView) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let screen = f.area();
    let (w, h) = diff::overlay_size(screen.width, screen.height);
    let area = centered(screen, w, h);
    f.render_widget(Clear, area);
    let (cols, rows) = diff::text_room(screen.width, screen.height);
    let lines = diff::lines(&d.diff, cols, &m.look);
    let max_scroll = lines.len().saturating_sub(rows);
    let scroll = d.scroll.min(max_scroll);
    let more = if max_scroll > 0 {
        format!(
            " {}/{} {} j/k scroll ",
            scroll + rows.min(lines.len()),
            lines.len(),
            g.dot
        )
    } else {
        String::new()
    };
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .title(Span::styled(
            format!(" Correction against the reply {} Esc closes ", g.dot),
            t.title_focus,
        ))
        .title_bottom(Line::from(Span::styled(more, t.dim)).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let text_area = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let legend = Line::from(vec![
        Span::styled("[-deleted-]", t.negative.patch(t.strike)),
        Span::styled(" from the reply, ", t.dim),
        Span::styled("{+inserted+}", t.positive),
        Span::styled(" by the correction", t.dim),
    ]);
    f.render_widget(
        Paragraph::new(legend),
        Rect {
            height: 1,
            ..text_area
        },
    );
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
    f.render_widget(
        Paragraph::new(visible),
        Rect {
            y: text_area.y + 2,
            height: text_area.height.saturating_sub(2),
            ..text_area
        },
    );
}
