//! The border and title of a side-by-side pane; the border stands out when it has focus.

use crate::review::typeset::style::Look;
use crate::review::typeset::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// Columns of a pane's top border the title cannot take: the two corners.
const CORNERS: u16 = 2;

/// Draws a pane's border, as `Block::bordered` with [`block`]'s set and style draws it
/// (sides, then corners, in its order), without painting every cell inside with the
/// block's empty style: that fill was a fifth of a frame. `bottom`: a title right-aligned
/// on the bottom border, placed as the block places one.
pub fn border(look: &Look, buf: &mut Buffer, area: Rect, focused: bool, bottom: Option<Line<'_>>) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let set = look.glyphs.border;
    let style = if focused {
        look.theme.border_focus
    } else {
        look.theme.border
    };
    let (left, top) = (area.left(), area.top());
    let (right, bottom_y) = (area.right() - 1, area.bottom() - 1);
    let (width, height) = (area.width, area.height);
    for (side, symbol) in [
        (Rect::new(left, top, 1, height), set.vertical_left),
        (Rect::new(left, top, width, 1), set.horizontal_top),
        (Rect::new(right, top, 1, height), set.vertical_right),
        (Rect::new(left, bottom_y, width, 1), set.horizontal_bottom),
    ] {
        for p in side.positions() {
            buf[p].set_symbol(symbol).set_style(style);
        }
    }
    for (x, y, symbol) in [
        (right, bottom_y, set.bottom_right),
        (right, top, set.top_right),
        (left, bottom_y, set.bottom_left),
        (left, top, set.top_left),
    ] {
        buf[(x, y)].set_symbol(symbol).set_style(style);
    }
    if let Some(line) = bottom {
        let room = Rect {
            x: left + 1,
            y: bottom_y,
            width: area.width.saturating_sub(CORNERS),
            height: 1,
        };
        if room.is_empty() {
            return;
        }
        let width = u16::try_from(line.width()).unwrap_or(u16::MAX);
        let at = Rect {
            x: room.right().saturating_sub(width).max(room.left()),
            width: width.min(room.width),
            ..room
        };
        ratatui::widgets::Widget::render(&line, at, buf);
    }
}

/// The bordered block of a pane. Its title is drawn by [`title`], not by the block.
pub fn block(look: &Look, focused: bool) -> Block<'static> {
    let theme = &look.theme;
    Block::bordered()
        .border_set(look.glyphs.border)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
}

/// Writes a pane's title over its top border, after the block is drawn. Not a block
/// title: ratatui sizes those by the string's width, which counts an Arabic lam-alef
/// pair as one column while the buffer gives each letter its own, so a title with one
/// lost its last column (the space before the border line).
pub fn title(look: &Look, buf: &mut Buffer, area: Rect, title: &str, focused: bool) {
    let Some(room) = area.width.checked_sub(CORNERS).filter(|r| *r > 0) else {
        return;
    };
    let style = if focused {
        look.theme.title_focus
    } else {
        look.theme.title
    };
    let shown = text::truncate_with(title, usize::from(room), look.glyphs.ellipsis);
    let line = Line::from(Span::styled(shown.into_owned(), style));
    super::set_line(buf, area.x + 1, area.y, &line, room);
}
