//! The search results list: where each hit is (session, role, time) and a snippet with
//! the match marked, under a line that says what was searched.

use crate::api::model::SearchHit;
use crate::review::action::Command;
use crate::review::found::{Results, Source};
use crate::review::layout::{RESULT_ROWS, SCOPE_ROWS, hits_shown, results_box};
use crate::review::model::Model;
use crate::review::typeset::text::{self, Piece};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

pub fn draw(f: &mut Frame, m: &Model, r: &Results) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let screen = f.area();
    let area = results_box(screen.width, screen.height);
    if area.width < 4 || area.height < 4 {
        return;
    }
    f.render_widget(Clear, area);
    let room = area.width.saturating_sub(4) as usize;
    let count = match (&r.source, r.hits.len()) {
        (Source::Searching, _) => String::new(),
        (Source::Namespace { has_more: true, .. }, n) => format!(" {} {n}+ results", g.dot),
        (_, 1) => format!(" {} 1 result", g.dot),
        (_, n) => format!(" {} {n} results", g.dot),
    };
    let query = text::truncate_with(&r.query, room / 2, g.ellipsis);
    let title = format!(" Search \"{query}\"{count} ");
    let hint = format!(
        " {}/{} {} {} opens {} {} closes ",
        (r.selected + 1).min(r.hits.len()),
        r.hits.len(),
        g.dot,
        "Enter",
        g.dot,
        "Esc"
    );
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .padding(Padding::horizontal(1))
        .title(Span::styled(title, t.title_focus))
        .title_bottom(Line::from(Span::styled(hint, t.dim)).right_aligned());
    let (scope, scope_style) = scope(m, r);
    let mut lines: Vec<Line> = text::wrap(&[Piece::new(scope, scope_style)], &[], &[], room);
    if lines.len() > SCOPE_ROWS {
        lines.truncate(SCOPE_ROWS);
        if let Some(last) = lines.last_mut() {
            // Cut, with the mark that says so, where the rest would not fit.
            let mut spans = last.spans.clone();
            spans.push(Span::styled(" ".repeat(room), scope_style));
            *last = Line::from(text::truncate_spans(spans, room, g.ellipsis));
        }
    }
    lines.resize(SCOPE_ROWS, Line::default());
    if r.hits.is_empty() && !matches!(r.source, Source::Searching) {
        lines.push(Line::from(Span::styled(
            format!("No match for \"{}\".", r.query),
            t.dim,
        )));
    }
    let shown = hits_shown(screen.width, screen.height);
    for (i, hit) in r.hits.iter().enumerate().skip(r.offset).take(shown) {
        let selected = i == r.selected;
        lines.extend(hit_lines(m, hit, selected, room));
    }
    const { assert!(RESULT_ROWS == 2, "hit_lines draws two lines a hit") };
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// What the list covers, in words, and how loudly to say it.
fn scope(m: &Model, r: &Results) -> (String, Style) {
    let t = &m.look.theme;
    match &r.source {
        Source::Searching => ("Searching every session of the namespace…".into(), t.dim),
        Source::Namespace { loading_more, .. } => (
            format!(
                "Every session of the namespace, best match first{}",
                if *loading_more {
                    " · loading more…"
                } else {
                    "."
                }
            ),
            t.dim,
        ),
        Source::Loaded { sessions, failed } => {
            let what = format!(
                "searched only the {} loaded here and the names of the sessions listed. {} searches again.",
                if *sessions == 1 {
                    "1 session".to_string()
                } else {
                    format!("{sessions} sessions")
                },
                m.key(Command::Search)
            );
            match failed {
                None => (
                    format!("This server offers no full-text search: {what}"),
                    t.warning,
                ),
                Some(why) => (format!("The search failed ({why}); {what}"), t.error),
            }
        }
    }
}

/// Two lines: the cursor, the session, role and time; then the snippet, indented.
fn hit_lines(m: &Model, hit: &SearchHit, selected: bool, room: usize) -> [Line<'static>; 2] {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let title = m
        .sessions
        .row(&hit.session_id)
        .map(|row| row.title().to_string())
        .or_else(|| hit.session_name.clone())
        .unwrap_or_else(|| hit.session_id.clone());
    let role_style = match hit.role.as_deref() {
        Some("assistant") => t.role_assistant,
        Some("user") => t.role_user,
        Some("tool") => t.role_tool,
        Some(_) => t.role_system,
        None => t.dim,
    };
    let mut head = vec![
        Span::styled(
            if selected {
                format!("{} ", g.cursor)
            } else {
                "  ".to_string()
            },
            t.cursor,
        ),
        Span::styled(title, if selected { t.row_selected } else { t.strong }),
        Span::styled(format!(" {} ", g.dot), t.dim),
        Span::styled(
            hit.role.clone().unwrap_or_else(|| "session name".into()),
            role_style,
        ),
    ];
    if let Some(ts) = &hit.timestamp {
        head.push(Span::styled(
            format!(" {} {}", g.dot, text::short_time(ts, m.offset, g.ellipsis)),
            t.dim,
        ));
    }
    let head = text::truncate_spans(head, room, g.ellipsis);
    // The snippet, cut at the highlights' edges so each mark keeps its own style.
    let chars: Vec<char> = hit.snippet.chars().collect();
    let mut body = vec![Span::raw("    ")];
    let mut at = 0usize;
    for &[s, e] in &hit.highlights {
        let (s, e) = (s as usize, (e as usize).min(chars.len()));
        if s < at || s >= e {
            continue;
        }
        body.push(Span::styled(
            chars[at..s].iter().collect::<String>(),
            t.text,
        ));
        body.push(Span::styled(
            chars[s..e].iter().collect::<String>(),
            t.search_match,
        ));
        at = e;
    }
    body.push(Span::styled(chars[at..].iter().collect::<String>(), t.text));
    let body = text::truncate_spans(body, room, g.ellipsis);
    [Line::from(head), Line::from(body)]
}
