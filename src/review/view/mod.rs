//! Drawing: pure functions of the model, one per region; nothing here changes state.

pub mod compose;
pub mod correct;
pub mod guidelines;
pub mod help;
pub mod marks;
pub mod palette;
pub mod pane;
pub mod profiles;
pub mod results;
pub mod sessions;
pub mod stats;
pub mod status;
pub mod tags;
pub mod theme;
pub mod transcript;

use super::action::Command;
use super::layout::{MIN_HEIGHT, MIN_WIDTH, centered};
use super::model::{Mode, Model};
use super::typeset::text::{self, Piece};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// Draws the whole screen.
pub fn draw(f: &mut Frame, m: &Model) {
    let screen = f.area();
    let Some(a) = m.areas_for(screen.width, screen.height) else {
        too_small(f, m, screen);
        return;
    };
    status::draw_banner(f, m, &a);
    sessions::draw(f, m, &a);
    transcript::draw(f, m, &a);
    guidelines::draw(f, m, &a);
    status::draw_notice(f, m, &a);
    status::draw_status(f, m, &a);
    match &m.mode {
        Mode::Compose(c) => compose::draw(f, m, c),
        Mode::Correct(c) => correct::draw_editor(f, m, c),
        Mode::Diff(d) => correct::draw_diff(f, m, d),
        Mode::Help { scroll } => help::draw(f, m, *scroll),
        Mode::ConfirmQuit => confirm_quit(f, m),
        Mode::Results(r) => results::draw(f, m, r),
        Mode::Profiles { selected } => profiles::draw(f, m, *selected),
        Mode::Tags(p) => tags::draw(f, m, p),
        Mode::Palette(p) => palette::draw(f, m, p, &a),
        Mode::ConfirmBulk(c) => marks::draw_confirm(f, m, c),
        Mode::Stats(s) => stats::draw(f, m, s),
        Mode::Browse | Mode::Search(_) | Mode::Defer(_) => {}
    }
}

/// A screen too small for the panes gets the whole sentence from this size on, and a
/// few words below it.
const SENTENCE_MIN_WIDTH: u16 = 40;
const SENTENCE_MIN_HEIGHT: u16 = 4;
/// The quit confirmation's box: its five lines (the journal's sentence wraps once)
/// inside a border.
const CONFIRM_WIDTH: u16 = 62;
const CONFIRM_HEIGHT: u16 = 7;

fn too_small(f: &mut Frame, m: &Model, screen: Rect) {
    let t = &m.look.theme;
    let long = format!(
        "verdict needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}. Enlarge it, or press {} to quit.",
        screen.width,
        screen.height,
        m.key(Command::Quit)
    );
    let short = format!("Too small: need {MIN_WIDTH}x{MIN_HEIGHT}");
    let msg = if screen.width >= SENTENCE_MIN_WIDTH && screen.height >= SENTENCE_MIN_HEIGHT {
        long
    } else {
        short
    };
    let lines = text::wrap(
        &[Piece::new(msg, t.warning)],
        &[],
        &[],
        screen.width as usize,
    );
    let n = (lines.len() as u16).min(screen.height);
    let y = screen.y + (screen.height - n) / 2;
    f.render_widget(
        Paragraph::new(lines),
        Rect::new(screen.x, y, screen.width, n),
    );
}

fn confirm_quit(f: &mut Frame, m: &Model) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let n = m.sends_pending();
    let (what, it) = if n == 1 {
        ("1 rating is".to_string(), "It stays")
    } else {
        (format!("{n} ratings are"), "They stay")
    };
    let fate = if m.conn.demo {
        format!("{it} in the journal and will be sent the next time the demo starts.")
    } else {
        format!("{it} in the journal and will be sent the next time verdict starts.")
    };
    let text = vec![
        Line::from(Span::styled(format!("{what} not sent yet."), t.warning)),
        Line::from(fate),
        Line::default(),
        Line::from(vec![
            Span::raw("Quit now? "),
            Span::styled("y", t.key),
            Span::raw(" quit  "),
            Span::styled("n", t.key),
            Span::raw(" stay"),
        ]),
    ];
    let area = centered(f.area(), CONFIRM_WIDTH, CONFIRM_HEIGHT);
    f.render_widget(Clear, area);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .title(Span::styled(" Quit? ", t.title_focus));
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
        area,
    );
}

/// [`Buffer::set_line`], with spans of printable ASCII and verdict's own glyphs
/// ([`text::simple_width`]) written cell by cell: grapheme segmentation is most of what
/// drawing a line costs, and most text does not need it.
pub fn set_line(buf: &mut Buffer, x: u16, y: u16, line: &Line<'_>, max_width: u16) {
    let mut x = x;
    let mut remaining = max_width;
    for span in &line.spans {
        if remaining == 0 {
            break;
        }
        let style = line.style.patch(span.style);
        let text = span.content.as_ref();
        if let Some(chars) = text::simple_width(text) {
            let room = buf.area.right().saturating_sub(x).min(remaining);
            let n = u16::try_from(chars).unwrap_or(u16::MAX).min(room);
            for (i, c) in text.chars().take(usize::from(n)).enumerate() {
                buf[(x + i as u16, y)].set_char(c).set_style(style);
            }
            x += n;
            remaining -= n;
        } else {
            let (end, _) = buf.set_stringn(x, y, text, usize::from(remaining), style);
            remaining = remaining.saturating_sub(end.saturating_sub(x));
            x = end;
        }
    }
}

/// What `Paragraph::new(lines).style(style)` draws in `area` without wrapping, drawn
/// directly: the style over the area, then each line on its row, cut at the area's edge.
pub fn lines_in(buf: &mut Buffer, area: Rect, lines: &[Line<'_>], style: ratatui::style::Style) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    buf.set_style(area, style);
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        set_line(buf, area.x, y, line, area.width);
    }
}

/// The screen as text, one line per row, trailing spaces removed (wide characters once).
pub fn buffer_text(buf: &Buffer) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = sym.width().saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
