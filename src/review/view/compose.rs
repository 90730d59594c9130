//! The rate-with-text editor: the rating chosen inside it, the text, and the character count.

use crate::api::model::Rating;
use crate::review::action::Command;
use crate::review::editor::MAX_FEEDBACK_CHARS;
use crate::review::layout::centered;
use crate::review::model::{Compose, Model};
use crate::review::typeset::{markdown, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// The editor box at its largest: wide enough for a note's lines to read as prose.
const MAX_WIDTH: u16 = 84;
const MAX_HEIGHT: u16 = 18;
/// The screen it leaves clear around itself: four columns and two rows each side.
const MARGIN_COLUMNS: u16 = 8;
const MARGIN_ROWS: u16 = 4;
/// Inside its border, less than this leaves no room to type: nothing more is drawn.
const MIN_INNER_WIDTH: u16 = 10;
const MIN_INNER_HEIGHT: u16 = 4;
/// Rows above the text: the rating, the message it is about, a blank line.
const TEXT_TOP: u16 = 3;
/// Rows around the text: those above it and the count below.
const TEXT_FRAME_ROWS: u16 = TEXT_TOP + 1;
/// Columns of the "About" line its label and a margin take from the message's words.
const ABOUT_LABEL_COLUMNS: u16 = 11;

pub fn draw(f: &mut Frame, m: &Model, c: &Compose) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let screen = f.area();
    let area = centered(
        screen,
        screen.width.saturating_sub(MARGIN_COLUMNS).min(MAX_WIDTH),
        screen.height.saturating_sub(MARGIN_ROWS).min(MAX_HEIGHT),
    );
    f.render_widget(Clear, area);
    let title = format!(
        " Rate with text {d} {} send {d} {} cancel ",
        m.key(Command::Send),
        m.key(Command::Cancel),
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

    let choice = |r: Rating| {
        let (sym, word) = match r {
            Rating::Positive => (g.positive, "positive"),
            Rating::Negative => (g.negative, "negative"),
        };
        let style = if c.rating == r {
            t.choice_on.patch(if r == Rating::Positive {
                t.positive
            } else {
                t.negative
            })
        } else {
            t.choice_off
        };
        let label = if c.rating == r {
            format!("[{sym} {word}]")
        } else {
            format!(" {sym} {word} ")
        };
        Span::styled(label, style)
    };
    let rating_line = Line::from(vec![
        Span::styled(" Rating ", t.strong),
        choice(Rating::Positive),
        Span::raw(" "),
        choice(Rating::Negative),
        Span::styled(
            format!("   {} switches", m.key(Command::ToggleRating)),
            t.dim,
        ),
    ]);
    f.render_widget(Paragraph::new(rating_line), Rect { height: 1, ..inner });

    // Which message this is about: its first words.
    let about = m
        .transcripts
        .get(&c.session_id)
        .and_then(|t| t.index_of(&c.message_id).map(|i| &t.messages[i].content))
        .map(|content| {
            let room = inner.width.saturating_sub(ABOUT_LABEL_COLUMNS) as usize;
            let words = markdown::plain_text(content, room);
            text::truncate_with(&words, room, g.ellipsis).into_owned()
        })
        .unwrap_or_default();
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" About  ", t.strong),
            Span::styled(about, t.dim),
        ])),
        Rect {
            y: inner.y + 1,
            height: 1,
            ..inner
        },
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
            format!(" {chars} / {MAX_FEEDBACK_CHARS} characters"),
            if chars > MAX_FEEDBACK_CHARS {
                t.error
            } else {
                t.dim
            },
        ),
    };
    let footer_area = Rect {
        y: inner.y + inner.height - 1,
        height: 1,
        ..inner
    };
    f.render_widget(Paragraph::new(Line::from(footer)), footer_area);
}
