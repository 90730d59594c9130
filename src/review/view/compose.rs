//! The rate-with-text editor: the rating chosen inside it, the text, and the character count.

use crate::api::model::Rating;
use crate::review::action::Command;
use crate::review::editor::MAX_FEEDBACK_CHARS;
use crate::review::markdown;
use crate::review::model::{Compose, Model};
use crate::review::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// A box of at most `w` x `h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn draw(f: &mut Frame, m: &Model, c: &Compose) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let screen = f.area();
    let area = centered(
        screen,
        screen.width.saturating_sub(8).min(84),
        screen.height.saturating_sub(4).min(18),
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
    if inner.height < 4 || inner.width < 10 {
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
            let room = inner.width.saturating_sub(11) as usize;
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
        y: inner.y + 3,
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(4),
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
