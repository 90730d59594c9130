//! The border and title of a side-by-side pane; the border stands out when it has focus.

use crate::review::typeset::style::Look;
use crate::review::typeset::text;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// Columns of a pane's top border the title cannot take: the two corners.
const CORNERS: u16 = 2;

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
