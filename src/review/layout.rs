//! Where each region sits for a terminal size; shared by drawing, scrolling and mouse hits.

use ratatui::layout::{Position, Rect};

/// Below this the screen says so instead of drawing panes.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// Columns before a transcript line: the cursor bar and a space.
pub const GUTTER: usize = 2;
/// Extra indent of a message body under its header.
pub const BODY_INDENT: usize = 2;
/// Lines per session in the list.
pub const ROW_HEIGHT: usize = 2;
/// Lines a message takes besides its body: its header above, one blank line below.
pub const HEADER_AND_GAP: usize = 2;
/// Columns left blank either side of a pane's placeholder sentence, off its border.
pub const TEXT_MARGIN: u16 = 1;
/// The demo banner's rows, at the top.
const BANNER_ROWS: u16 = 1;
/// The session list takes a third of the width, within these bounds: narrower cuts
/// every name, wider takes room the transcript reads better with.
const SESSIONS_MIN_WIDTH: u16 = 28;
const SESSIONS_MAX_WIDTH: u16 = 48;
/// The narrowest message bodies are wrapped to, however little room the pane leaves.
const MIN_WRAP_WIDTH: usize = 8;
/// The notice line grows to this many rows for a long warning or error, never more.
const MAX_NOTICE_ROWS: u16 = 2;
/// The status bar's rows, at the bottom.
const STATUS_ROWS: u16 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The demo banner (only in demo mode).
    pub banner: Option<Rect>,
    pub sessions: Rect,
    pub transcript: Rect,
    /// The result of the last action, or the search prompt.
    pub notice: Rect,
    pub status: Rect,
    /// The guidelines pane, while it is open.
    pub guidelines: Option<Rect>,
}

fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

impl Areas {
    /// Inside the sessions border.
    pub fn session_list(&self) -> Rect {
        inner(self.sessions)
    }

    /// Inside the transcript border.
    pub fn transcript_body(&self) -> Rect {
        inner(self.transcript)
    }

    /// How many sessions fit.
    pub fn session_rows(&self) -> usize {
        (self.session_list().height as usize / ROW_HEIGHT).max(1)
    }

    pub fn transcript_lines(&self) -> usize {
        (self.transcript_body().height as usize).max(1)
    }

    /// Width message bodies wrap to.
    pub fn wrap_width(&self) -> usize {
        (self.transcript_body().width as usize)
            .saturating_sub(GUTTER + BODY_INDENT)
            .max(MIN_WRAP_WIDTH)
    }

    /// The session list row under a screen position.
    pub fn session_row_at(&self, col: u16, row: u16) -> Option<usize> {
        let list = self.session_list();
        list.contains(Position::new(col, row))
            .then(|| (row - list.y) as usize / ROW_HEIGHT)
    }

    /// The transcript line (counted from the top of the view) under a screen position.
    pub fn transcript_line_at(&self, col: u16, row: u16) -> Option<usize> {
        let body = self.transcript_body();
        body.contains(Position::new(col, row))
            .then(|| (row - body.y) as usize)
    }
}

/// The regions for a terminal of `width` x `height`; `None` when it is too small.
/// `notice_rows` is 1, or 2 while a warning or error too long for one line is shown
/// (the panes give up the row).
pub fn areas(width: u16, height: u16, demo: bool, notice_rows: u16) -> Option<Areas> {
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return None;
    }
    let mut y = 0;
    let banner = demo.then(|| {
        y = BANNER_ROWS;
        Rect::new(0, 0, width, BANNER_ROWS)
    });
    let notice_rows = notice_rows.clamp(1, MAX_NOTICE_ROWS);
    let panes_height = height - y - STATUS_ROWS - notice_rows;
    let left = (width / 3).clamp(SESSIONS_MIN_WIDTH, SESSIONS_MAX_WIDTH);
    Some(Areas {
        banner,
        sessions: Rect::new(0, y, left, panes_height),
        transcript: Rect::new(left, y, width - left, panes_height),
        notice: Rect::new(0, height - STATUS_ROWS - notice_rows, width, notice_rows),
        status: Rect::new(0, height - STATUS_ROWS, width, STATUS_ROWS),
        guidelines: None,
    })
}

/// From this width the guidelines pane sits right of the transcript; below it, it takes
/// the session list's place (the transcript keeps its width, the list comes back when
/// the pane closes).
pub const GUIDELINES_BESIDE_WIDTH: u16 = 110;
/// The guidelines pane beside the transcript: two fifths of the transcript's width,
/// within these bounds.
const GUIDELINES_MIN_WIDTH: u16 = 34;
const GUIDELINES_MAX_WIDTH: u16 = 60;

/// The regions with the guidelines pane open.
pub fn with_guidelines(mut a: Areas) -> Areas {
    let t = a.transcript;
    if t.x + t.width >= GUIDELINES_BESIDE_WIDTH {
        let w = (t.width * 2 / 5).clamp(GUIDELINES_MIN_WIDTH, GUIDELINES_MAX_WIDTH);
        a.transcript.width = t.width - w;
        a.guidelines = Some(Rect::new(t.x + t.width - w, t.y, w, t.height));
    } else {
        a.guidelines = Some(a.sessions);
    }
    a
}

/// Whether the guidelines pane covers the session list (a narrow screen).
pub fn guidelines_cover_sessions(a: &Areas) -> bool {
    a.guidelines == Some(a.sessions)
}

/// Lines each search hit takes in the results list: where it is, then the snippet.
pub const RESULT_ROWS: usize = 2;
/// Lines the results box gives to saying what was searched (it wraps once when long).
pub const SCOPE_ROWS: usize = 2;
/// Lines of the results box that are not hits: the borders and the scope.
const RESULTS_CHROME_ROWS: u16 = 2 + SCOPE_ROWS as u16;

/// The search results box: the whole screen but the status bar, kept in view below it.
pub fn results_box(width: u16, height: u16) -> Rect {
    Rect::new(0, 0, width, height.saturating_sub(STATUS_ROWS))
}

/// How many hits the results box shows at once (at least one).
pub fn hits_shown(width: u16, height: u16) -> usize {
    let inner = results_box(width, height)
        .height
        .saturating_sub(RESULTS_CHROME_ROWS);
    (inner as usize / RESULT_ROWS).max(1)
}

/// A box of at most `w` x `h` in the middle of `area` (the overlays).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_hits() {
        assert!(areas(59, 24, false, 1).is_none());
        assert!(areas(80, 14, false, 1).is_none());
        let a = areas(80, 24, true, 1).unwrap();
        assert_eq!(a.sessions.width + a.transcript.width, 80);
        assert_eq!(a.sessions.height, 21);
        assert_eq!(a.session_rows(), 9);
        assert_eq!(a.session_row_at(3, 2), Some(0));
        assert_eq!(a.session_row_at(3, 4), Some(1));
        assert_eq!(a.session_row_at(0, 2), None);
        let b = areas(120, 40, false, 1).unwrap();
        // A long error takes two rows from the panes.
        let c = areas(80, 24, true, 2).unwrap();
        assert_eq!(c.sessions.height, 20);
        assert_eq!((c.notice.y, c.notice.height), (21, 2));
        assert_eq!(c.status.y, 23);
        assert_eq!(b.sessions.width, 40);
        assert_eq!(b.wrap_width(), 80 - 2 - 4);
    }
}
