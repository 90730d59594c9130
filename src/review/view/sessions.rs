//! The sessions pane: name, status, messages, rated/total and last activity per session.

use super::pane;
use crate::review::action::Command;
use crate::review::layout::{Areas, ROW_HEIGHT, TEXT_MARGIN};
use crate::review::model::{Filter, Model, Pane};
use crate::review::typeset::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The spaces at either end of a session's first line.
const EDGE_SPACES: usize = 2;
/// Its spaces besides the name and the counts: the two at the ends, one between at least.
const ROW_SPACES: usize = EDGE_SPACES + 1;
/// Risk reasons a row shows at most.
const RISK_REASONS: usize = 2;

pub fn draw(f: &mut Frame, m: &Model, a: &Areas) {
    let theme = &m.look.theme;
    let g = m.look.glyphs;
    let focused = m.focus == Pane::Sessions;
    let s = &m.sessions;
    let count = if s.exhausted || s.total.is_none() {
        format!("{}", s.visible.len())
    } else if m.filter == Filter::All {
        format!("{}/{}", s.visible.len(), s.total.unwrap_or(0))
    } else {
        format!("{}+", s.visible.len())
    };
    let by_risk = m.order.order == crate::review::order::Order::Risk;
    let title = match (m.filter == Filter::All, by_risk) {
        (true, false) => format!(" Sessions ({count}) "),
        (false, false) => format!(" Sessions: {} ({count}) ", m.filter.label()),
        (true, true) => format!(" Sessions by risk ({count}) "),
        (false, true) => format!(" Sessions: {}, by risk ({count}) ", m.filter.label()),
    };
    let bottom = (s.loading && s.loaded_once).then(|| {
        Line::from(Span::styled(format!(" loading{} ", g.ellipsis), theme.dim)).right_aligned()
    });
    pane::border(&m.look, f.buffer_mut(), a.sessions, focused, bottom);
    pane::title(&m.look, f.buffer_mut(), a.sessions, &title, focused);
    let list = a.session_list();
    let inner = Rect {
        x: list.x + TEXT_MARGIN,
        width: list.width.saturating_sub(2 * TEXT_MARGIN),
        ..list
    };

    if s.visible.is_empty() {
        let (msg, style) = if let Some(e) = &s.error {
            // The sentence already says what to do, retrying included where it helps.
            (e.clone(), theme.error)
        } else if !s.loaded_once {
            (format!("Loading sessions{}", g.ellipsis), theme.dim)
        } else if s.rows.is_empty() {
            (
                format!("No sessions in namespace {} yet.", m.conn.namespace),
                theme.dim,
            )
        } else {
            (
                format!(
                    "No {} sessions loaded. Press {} to change the filter.",
                    m.filter.label(),
                    m.key(Command::Filter)
                ),
                theme.dim,
            )
        };
        let lines: Vec<Line> = msg
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), style)))
            .collect();
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        return;
    }

    let width = list.width as usize;
    let query = m
        .search
        .as_ref()
        .map(|s| s.query.as_str())
        .filter(|q| !q.is_empty());
    let drafted: std::collections::HashSet<&str> = m
        .drafts
        .keys()
        .map(|(session, _)| session.as_str())
        .collect();
    let marked = super::marks::sessions_marked(m);
    let buf = f.buffer_mut();
    for (slot, pos) in (s.offset..s.visible.len())
        .take(a.session_rows())
        .enumerate()
    {
        let row = &s.rows[s.visible[pos]];
        let y = list.y + (slot * ROW_HEIGHT) as u16;
        let selected = pos == s.selected;
        let base = if !selected {
            theme.text
        } else if focused {
            theme.row_selected
        } else {
            theme.row_selected_unfocused
        };
        // A session holding an unsent note says so, so drafts are found from the list.
        let draft = if drafted.contains(row.id.as_str()) {
            format!("{} ", g.draft)
        } else {
            String::new()
        };
        let counts = match m.review_counts(row) {
            _ if row.unreadable.is_some() => Span::styled("unreadable", theme.warning),
            Some((rated, total)) => {
                let style = if total > 0 && rated >= total {
                    theme.positive
                } else {
                    theme.text
                };
                Span::styled(format!("{draft}{rated}/{total}"), style)
            }
            None => Span::styled(format!("{draft}?"), theme.dim),
        };
        let cw = text::width(&counts.content);
        let name_room = width.saturating_sub(cw + ROW_SPACES);
        let name = text::truncate_with(row.title(), name_room, g.ellipsis).into_owned();
        let pad = width.saturating_sub(text::width(&name) + cw + EDGE_SPACES);
        let mut first = Line::from(vec![
            super::marks::session_cell(m, marked.contains(&row.id)),
            Span::raw(name),
            Span::raw(" ".repeat(pad)),
            counts,
            Span::raw(" "),
        ]);
        if let Some(q) = query {
            first = text::highlight(&first, q, theme.search_match);
        }
        let age = text::relative_time(row.last_activity, m.now);
        let msgs = format!(
            "{} msg{}",
            row.message_count,
            if row.message_count == 1 { "" } else { "s" }
        );
        let mut detail = format!(" {} {} {msgs}", row.status, g.dot);
        // How many of its replies carry tags: from the journal until its ratings load.
        let tagged = m.tagged_in(&row.id);
        if tagged > 0 {
            detail.push_str(&format!(" {} {tagged} tagged", g.dot));
        }
        let risk = m.order.reason(&row.id, RISK_REASONS);
        if let Some(reason) = &risk {
            // A reason that names the status says it once.
            detail = if reason.contains(row.status.as_str()) {
                format!(" {reason}")
            } else {
                format!(" {} {} {reason}", row.status, g.dot)
            };
        }
        if let Some(reason) = &row.unreadable {
            detail = format!(" {}", text::sanitize(reason));
        } else if let Some(reason) =
            risk.filter(|_| text::width(&detail) + 1 + text::width(&age) + 1 > width)
        {
            // Narrow: the reasons are what risk order is about, cut to leave the age.
            let room = width.saturating_sub(text::width(&age) + 3);
            detail = format!(" {}", text::truncate_with(&reason, room, g.ellipsis));
        } else if text::width(&detail) + 1 + text::width(&age) + 1 > width {
            detail = format!(" {}", row.status);
            // Narrow: the tagged count before the message count.
            let with_tags = format!(" {} {} {tagged} tagged", row.status, g.dot);
            if tagged > 0 && text::width(&with_tags) + 1 + text::width(&age) < width {
                detail = with_tags;
            }
        }
        let pad = width.saturating_sub(text::width(&detail) + text::width(&age) + 1);
        let detail_style = if selected { base } else { theme.dim };
        let second = Line::from(vec![
            Span::styled(detail, detail_style),
            Span::styled(" ".repeat(pad), detail_style),
            Span::styled(age, detail_style),
            Span::styled(" ", detail_style),
        ]);
        let second = Line::from(text::truncate_spans(second.spans, width, g.ellipsis));
        let row_area = Rect::new(list.x, y, list.width, 1);
        buf.set_style(row_area, base);
        super::set_line(buf, list.x, y, &first.patch_style(base), list.width);
        if ROW_HEIGHT > 1 && y + 1 < list.y + list.height {
            let row2 = Rect::new(list.x, y + 1, list.width, 1);
            buf.set_style(row2, base);
            super::set_line(buf, list.x, y + 1, &second, list.width);
        }
    }
}
