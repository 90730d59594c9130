//! Moving through a transcript by lines while wrapping only the messages that reach the screen.
//!
//! The view's top is a message and a line inside it ([`Scroll`]), and every walk starts
//! from there or from a target message, so the cost of a key, a jump or a resize is a
//! screenful of wrapping whatever the length of the transcript.

use super::layout::HEADER_AND_GAP;
use super::model::{Scroll, Transcript, TranscriptLayout};
use super::typeset::message::body_lines;
use super::typeset::style::Look;
use std::ops::Range;

/// The most messages kept wrapped in one transcript. Past it, the bodies far from the
/// view are dropped (and wrapped again if they come back), so reading through a long
/// transcript does not end up holding all of it twice.
pub const KEEP_WRAPPED: usize = 1_000;

/// Gets the layout ready for `width`: a new width drops every wrapped body (they are
/// made again as they come into view), and new messages get an empty slot.
pub fn fit_width(t: &mut Transcript, width: usize) {
    if t.layout.width != width {
        t.layout = TranscriptLayout {
            width,
            bodies: Vec::with_capacity(t.messages.len()),
            wrapped: 0,
        };
    }
    if t.layout.bodies.len() != t.messages.len() {
        t.layout.bodies.resize(t.messages.len(), None);
    }
}

/// Lines of message i (header, body, one blank), wrapping it first if needed.
pub fn height(t: &mut Transcript, i: usize, look: &Look) -> usize {
    if i >= t.messages.len() {
        return 0;
    }
    if t.layout.bodies.len() < t.messages.len() {
        t.layout.bodies.resize(t.messages.len(), None);
    }
    let width = t.layout.width;
    let slot = &mut t.layout.bodies[i];
    if slot.is_none() {
        t.layout.wrapped += 1;
    }
    let note = t.notes.get(&t.messages[i].message_id).map(String::as_str);
    let judgments = t.judgments.get(&t.messages[i].message_id);
    let body = slot.get_or_insert_with(|| {
        let mut lines = body_lines(&t.messages[i], t.kinds[i], t.unfolded[i], note, width, look);
        if let Some(j) = judgments {
            lines.extend(super::typeset::judgments::lines(j, width, look));
        }
        lines
    });
    body.len() + HEADER_AND_GAP
}

/// Drops the bodies far from the view once more than [`KEEP_WRAPPED`] are held: those
/// within a quarter of it either side of the top stay. Sweeps every slot, but only after
/// hundreds of messages were wrapped since the last sweep.
pub fn trim(t: &mut Transcript) {
    if t.layout.wrapped <= KEEP_WRAPPED {
        return;
    }
    let top = t.scroll.item;
    let keep = top.saturating_sub(KEEP_WRAPPED / 4)..top + KEEP_WRAPPED / 4;
    let mut wrapped = 0;
    for (i, slot) in t.layout.bodies.iter_mut().enumerate() {
        if slot.is_some() {
            if keep.contains(&i) {
                wrapped += 1;
            } else {
                *slot = None;
            }
        }
    }
    t.layout.wrapped = wrapped;
}

/// Drops the wrapped body of message i (it was folded or unfolded).
pub fn forget(t: &mut Transcript, i: usize) {
    if let Some(slot) = t.layout.bodies.get_mut(i)
        && slot.take().is_some()
    {
        t.layout.wrapped -= 1;
    }
}

/// Moves the view down `n` lines, stopping on the last line of the transcript.
pub fn down(t: &mut Transcript, mut n: usize, look: &Look) {
    let len = t.messages.len();
    if len == 0 {
        t.scroll = Scroll::default();
        return;
    }
    loop {
        let Scroll { item, line } = t.scroll;
        let h = height(t, item, look);
        let left = h.saturating_sub(line);
        if n < left {
            t.scroll.line = line + n;
            return;
        }
        if item + 1 >= len {
            t.scroll.line = h.saturating_sub(1);
            return;
        }
        n -= left;
        t.scroll = Scroll {
            item: item + 1,
            line: 0,
        };
    }
}

/// Moves the view up `n` lines, stopping at the top.
pub fn up(t: &mut Transcript, mut n: usize, look: &Look) {
    loop {
        let Scroll { item, line } = t.scroll;
        if n <= line {
            t.scroll.line = line - n;
            return;
        }
        if item == 0 {
            t.scroll.line = 0;
            return;
        }
        // Reaching the last line of the message above takes one line.
        n -= line + 1;
        let above = item - 1;
        let h = height(t, above, look);
        t.scroll = Scroll {
            item: above,
            line: h.saturating_sub(1),
        };
    }
}

/// Keeps the top inside the transcript, and pulls the view up when it would show blank
/// rows after the last message while there is text above. Wraps what is on screen, so
/// drawing finds every body it needs.
pub fn clamp(t: &mut Transcript, rows: usize, look: &Look) {
    let len = t.messages.len();
    if len == 0 {
        t.scroll = Scroll::default();
        return;
    }
    if t.scroll.item >= len {
        t.scroll = Scroll {
            item: len - 1,
            line: 0,
        };
    }
    let top = t.scroll.item;
    let h = height(t, top, look);
    t.scroll.line = t.scroll.line.min(h.saturating_sub(1));
    let mut shown = h - t.scroll.line;
    let mut i = top + 1;
    while shown < rows && i < len {
        shown += height(t, i, look);
        i += 1;
    }
    if shown < rows {
        up(t, rows - shown, look);
    }
}

/// Scrolls as little as needed to show message i (its blank line need not show). A
/// reply is judged against its question, so when the view has to move it keeps the
/// question on screen too if the two fit, else up to a third of the screen of what
/// precedes the reply. From below, a reply that fits ends on the bottom row.
pub fn reveal(t: &mut Transcript, i: usize, rows: usize, look: &Look) {
    if i >= t.messages.len() {
        return;
    }
    let Scroll { item: top, line } = t.scroll;
    let own = height(t, i, look).saturating_sub(1);
    if i < top || (i == top && line > 0) {
        // From above: the question and the reply together, when they fit.
        if let Some(u) = t.prompt_of(i) {
            let mut span = own;
            let mut j = i;
            while j > u && span <= rows {
                j -= 1;
                span += height(t, j, look);
            }
            if j == u && span <= rows {
                t.scroll = Scroll { item: u, line: 0 };
                return;
            }
        }
        with_context(t, i, rows, look);
        return;
    }
    // Lines from the top of the view to the start of i, counted no further than a screen.
    let mut before = 0;
    let mut j = top;
    while j < i && before <= rows {
        before += height(t, j, look).saturating_sub(if j == top { line } else { 0 });
        j += 1;
    }
    if j == i && before + own <= rows {
        return;
    }
    if own <= rows {
        t.scroll = Scroll { item: i, line: 0 };
        up(t, rows - own, look);
    } else {
        with_context(t, i, rows, look);
    }
}

/// Puts message i near the top, with up to a third of the screen of what leads to it
/// from its question.
fn with_context(t: &mut Transcript, i: usize, rows: usize, look: &Look) {
    t.scroll = Scroll { item: i, line: 0 };
    let Some(u) = t.prompt_of(i) else { return };
    let context = rows / 3;
    let mut lines = 0;
    let mut j = i;
    while j > u && lines < context {
        j -= 1;
        lines += height(t, j, look);
    }
    up(t, lines.min(context), look);
}

/// The messages with at least one line on screen.
pub fn in_view(t: &mut Transcript, rows: usize, look: &Look) -> Range<usize> {
    let len = t.messages.len();
    let Scroll { item: top, line } = t.scroll;
    let mut shown = 0;
    let mut i = top;
    while i < len && shown < rows {
        shown += height(t, i, look).saturating_sub(if i == top { line } else { 0 });
        i += 1;
    }
    top.min(len)..i
}

/// The message (and its line) drawn `row` rows below the top of the view.
pub fn line_at(t: &mut Transcript, row: usize, look: &Look) -> Option<(usize, usize)> {
    let len = t.messages.len();
    let Scroll { mut item, mut line } = t.scroll;
    let mut row = row;
    while item < len {
        let left = height(t, item, look).saturating_sub(line);
        if row < left {
            return Some((item, line + row));
        }
        row -= left;
        item += 1;
        line = 0;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::MessageHistoryItem;
    use crate::review::model::{Kind, kind_of};
    use crate::review::typeset::style::Theme;

    /// Message i has i+1 paragraphs (see [`h`]).
    fn transcript(n: usize) -> (Transcript, Look) {
        transcript_with(n, |i| i + 1)
    }

    fn transcript_with(n: usize, paragraphs: impl Fn(usize) -> usize) -> (Transcript, Look) {
        let mut t = Transcript::new("ses_1");
        for i in 0..n {
            let content = (0..paragraphs(i))
                .map(|k| format!("p{k}"))
                .collect::<Vec<_>>()
                .join("\n\n");
            let m = MessageHistoryItem {
                message_id: format!("m{i}"),
                role: "user".into(),
                content,
                content_type: "text".into(),
                tool_name: None,
                tool_inputs: None,
                tool_outputs: None,
                tool_status: None,
                timestamp: String::new(),
            };
            t.kinds.push(kind_of(&m));
            t.unfolded.push(false);
            t.messages.push(m);
        }
        let look = Look::new(Theme::plain(), true);
        fit_width(&mut t, 40);
        (t, look)
    }

    /// Paragraphs are separated by blank lines: message i has 2i+1 body lines.
    fn h(i: usize) -> usize {
        2 * i + 1 + 2
    }

    #[test]
    fn a_scroll_deep_into_a_message_that_a_wider_screen_shortens_does_not_underflow() {
        let (mut t, look) = transcript(2);
        t.messages[0].content = "word ".repeat(400);
        fit_width(&mut t, 20);
        assert!(height(&mut t, 0, &look) > 60);
        t.scroll = Scroll { item: 0, line: 60 };
        // Wider: message 0 is now a few lines, shorter than the scroll into it.
        fit_width(&mut t, 200);
        assert!(height(&mut t, 0, &look) < 60);
        assert!(in_view(&mut t, 10, &look).contains(&1));
        reveal(&mut t, 1, 10, &look);
        clamp(&mut t, 10, &look);
        assert!(in_view(&mut t, 10, &look).contains(&1));
    }

    #[test]
    fn moving_by_lines_crosses_messages_both_ways() {
        let (mut t, look) = transcript(5);
        assert_eq!(height(&mut t, 2, &look), h(2));
        down(&mut t, h(0) + 1, &look);
        assert_eq!(t.scroll, Scroll { item: 1, line: 1 });
        up(&mut t, 2, &look);
        assert_eq!(
            t.scroll,
            Scroll {
                item: 0,
                line: h(0) - 1
            }
        );
        up(&mut t, 100, &look);
        assert_eq!(t.scroll, Scroll::default());
        down(&mut t, 10_000, &look);
        assert_eq!(
            t.scroll,
            Scroll {
                item: 4,
                line: h(4) - 1
            }
        );
    }

    #[test]
    fn clamp_leaves_no_blank_rows_after_the_end() {
        let (mut t, look) = transcript(5);
        down(&mut t, 10_000, &look);
        clamp(&mut t, 10, &look);
        // The last 10 lines: all of message 4 (11 lines) does not fit, so its tail.
        assert_eq!(t.scroll, Scroll { item: 4, line: 1 });
        assert_eq!(in_view(&mut t, 10, &look), 4..5);
        // Shorter than the view: the top.
        let (mut t, look) = transcript(2);
        t.scroll = Scroll { item: 1, line: 3 };
        clamp(&mut t, 50, &look);
        assert_eq!(t.scroll, Scroll::default());
    }

    #[test]
    fn reveal_scrolls_as_little_as_needed() {
        let (mut t, look) = transcript(8);
        // Already in view: nothing moves.
        reveal(&mut t, 1, 20, &look);
        assert_eq!(t.scroll, Scroll::default());
        // Below: its last text line lands on the bottom row.
        reveal(&mut t, 4, 20, &look);
        let (item, line) = line_at(&mut t, 19, &look).unwrap();
        assert_eq!((item, line), (4, h(4) - 2));
        // Above: its header at the top.
        reveal(&mut t, 2, 20, &look);
        assert_eq!(t.scroll, Scroll { item: 2, line: 0 });
        // Taller than the view: its start at the top.
        reveal(&mut t, 7, 5, &look);
        assert_eq!(t.scroll, Scroll { item: 7, line: 0 });
    }

    #[test]
    fn a_reply_comes_into_view_with_its_question() {
        let (mut t, look) = transcript(8);
        for (i, k) in t.kinds.iter_mut().enumerate() {
            *k = if i % 2 == 0 {
                Kind::User
            } else {
                Kind::Assistant
            };
        }
        // From above, when question and reply fit: the question's header at the top.
        t.scroll = Scroll { item: 6, line: 0 };
        reveal(&mut t, 3, 40, &look);
        assert_eq!(t.scroll, Scroll { item: 2, line: 0 });
        // When they do not fit: a third of the screen of what precedes the reply.
        t.scroll = Scroll { item: 7, line: 0 };
        reveal(&mut t, 5, 12, &look);
        assert_eq!(line_at(&mut t, 4, &look), Some((5, 0)));
        // From below, a reply taller than the screen: the same context above it.
        t.scroll = Scroll::default();
        reveal(&mut t, 7, 12, &look);
        assert_eq!(line_at(&mut t, 4, &look), Some((7, 0)));
    }

    #[test]
    fn only_what_reaches_the_screen_is_wrapped() {
        let (mut t, look) = transcript(2_000);
        clamp(&mut t, 30, &look);
        let first = t.layout.wrapped;
        assert!(first < 10, "{first}");
        reveal(&mut t, 1_999, 30, &look);
        clamp(&mut t, 30, &look);
        assert!(t.layout.wrapped < first + 3, "{}", t.layout.wrapped);
        assert_eq!(in_view(&mut t, 30, &look).end, 2_000);
        fit_width(&mut t, 50);
        assert_eq!(t.layout.wrapped, 0);
        assert_eq!(t.layout.bodies.len(), 2_000);
    }

    #[test]
    fn reading_through_keeps_a_bounded_number_wrapped() {
        let (mut t, look) = transcript_with(3 * KEEP_WRAPPED, |_| 1);
        for i in 0..3 * KEEP_WRAPPED {
            height(&mut t, i, &look);
            t.scroll = Scroll { item: i, line: 0 };
            trim(&mut t);
            assert!(t.layout.wrapped <= KEEP_WRAPPED, "{i}");
        }
        assert_eq!(
            t.layout.wrapped,
            t.layout.bodies.iter().filter(|b| b.is_some()).count()
        );
        // What is around the view is still there.
        assert!(t.layout.body(3 * KEEP_WRAPPED - 1).is_some());
        forget(&mut t, 3 * KEEP_WRAPPED - 1);
        assert_eq!(
            t.layout.wrapped,
            t.layout.bodies.iter().filter(|b| b.is_some()).count()
        );
    }
}
