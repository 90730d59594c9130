//! The stats screen (`S`): this run and all time, the pace, ratings per minute
//! (sparkline), negatives per tag (bar charts), sessions and reviewers.

use crate::journal::stats::{Breakdown, Summary, TagNegatives, seconds};
use crate::review::batch::{status_label, thousands};
use crate::review::model::Model;
use crate::review::stats::{StatsReport, StatsScreen};
use crate::review::typeset::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Block, Clear, Padding, Paragraph, Sparkline};

/// Below this inside the box, the screen says it is too small.
const MIN_INNER_WIDTH: u16 = 40;
const MIN_INNER_HEIGHT: u16 = 6;
/// From this inner height the sparkline and the lists are drawn.
const CHARTS_MIN_HEIGHT: u16 = 12;
/// Rows the sparkline takes.
const SPARK_ROWS: u16 = 2;
/// Columns of a tag's label in a bar chart.
const TAG_LABEL: usize = 16;
/// From this inner width the tags of this run and of all time sit side by side.
const TWO_CHARTS_WIDTH: u16 = 100;

/// The box: the whole screen but the status bar.
fn area(f: &Frame) -> Rect {
    let s = f.area();
    Rect::new(s.x, s.y, s.width, s.height.saturating_sub(1))
}

pub fn draw(f: &mut Frame, m: &Model, s: &StatsScreen) {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let area = area(f);
    f.render_widget(Clear, area);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(t.border_focus)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(" Stats {} Esc closes ", g.dot),
            t.title_focus,
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.width < MIN_INNER_WIDTH || inner.height < MIN_INNER_HEIGHT {
        say(
            f,
            inner,
            "Too small for the stats: enlarge the terminal.",
            t.warning,
        );
        return;
    }
    match &s.report {
        None => say(f, inner, "Reading the journal…", t.dim),
        Some(Err(e)) => say(
            f,
            inner,
            &format!(
                "Cannot read the stats from the journal: {}",
                crate::sanitize::message(e, 300)
            ),
            t.error,
        ),
        Some(Ok(r)) => report(f, m, r, inner),
    }
}

fn say(f: &mut Frame, area: Rect, s: &str, style: Style) {
    let lines = text::wrap(
        &[text::Piece::new(s.to_string(), style)],
        &[],
        &[],
        area.width as usize,
    );
    f.render_widget(Paragraph::new(lines), area);
}

/// Below this inner width a headline leaves out the count of negatives.
const FULL_HEADLINE_WIDTH: u16 = 72;

/// `12 rated · 75% positive · 3 negative · 38/h · 21 s median`
fn headline(m: &Model, s: &Summary, full: bool) -> Vec<Span<'static>> {
    let t = &m.look.theme;
    let dot = m.look.glyphs.dot;
    let mut v = vec![Span::styled(
        format!("{} rated", thousands(s.ratings)),
        t.strong,
    )];
    if let Some(share) = s.positive_share {
        v.push(Span::styled(format!(" {dot} "), t.dim));
        v.push(Span::styled(
            format!("{:.0}% positive", share * 100.0),
            t.positive,
        ));
        if full {
            v.push(Span::styled(format!(" {dot} "), t.dim));
            v.push(Span::styled(
                format!("{} negative", thousands(s.negative)),
                t.negative,
            ));
        }
    }
    if let Some(p) = s.pace.line(dot) {
        v.push(Span::styled(format!(" {dot} {p}"), t.text));
    }
    v
}

fn report(f: &mut Frame, m: &Model, r: &StatsReport, area: Rect) {
    let t = &m.look.theme;
    let dot = m.look.glyphs.dot;
    let mut top: Vec<Line> = Vec::new();
    let label = |s: &str| Span::styled(format!("{s:<10}"), t.heading);
    let mut run = vec![label("This run")];
    let full = area.width >= FULL_HEADLINE_WIDTH;
    run.extend(headline(m, &r.run, full));
    top.push(Line::from(run));
    let mut all = vec![label("All time")];
    all.extend(headline(m, &r.all, full));
    top.push(Line::from(all));
    let mut third = vec![label("")];
    match status_label(m, dot) {
        Some(b) => third.push(Span::styled(b, t.info)),
        None => third.push(Span::styled("no batch", t.dim)),
    }
    third.push(Span::styled(
        format!(
            " {dot} breaks over {} left out of the pace",
            seconds(crate::journal::stats::BREAK_SECS as f64)
        ),
        t.dim,
    ));
    top.push(Line::from(third));
    let top_rows = top.len() as u16;
    let [head, rest] =
        Layout::vertical([Constraint::Length(top_rows), Constraint::Fill(1)]).areas(area);
    f.render_widget(Paragraph::new(top), head);
    if area.height < CHARTS_MIN_HEIGHT {
        return;
    }
    let [_, spark_title, spark, _, lower] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(SPARK_ROWS),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(rest);
    let minutes = r.per_minute.len();
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("Ratings per minute, this run ({minutes} min)"),
            t.heading,
        ))),
        spark_title,
    );
    let shown = r.per_minute.len().saturating_sub(spark.width as usize);
    let bars = if g_ascii(m) {
        symbols::bar::THREE_LEVELS
    } else {
        symbols::bar::NINE_LEVELS
    };
    f.render_widget(
        Sparkline::default()
            .data(&r.per_minute[shown..])
            .bar_set(bars)
            .style(t.info),
        spark,
    );
    let [left, _, right] = Layout::horizontal([
        Constraint::Percentage(50),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(lower);
    tags(f, m, r, left);
    lists(f, m, r, right);
}

fn g_ascii(m: &Model) -> bool {
    m.look.glyphs.ellipsis.is_ascii()
}

/// Negatives per tag: this run's and all time's, side by side on a wide screen, one
/// above the other where there is height, else all time's alone.
fn tags(f: &mut Frame, m: &Model, r: &StatsReport, area: Rect) {
    let run = ("Negatives per tag, this run", &r.run);
    let all = ("Negatives per tag, all time", &r.all);
    let run_rows = chart_rows(&r.run) as u16 + 1;
    if area.width * 2 >= TWO_CHARTS_WIDTH && area.height >= run_rows + 4 {
        let [a, _, b] = Layout::vertical([
            Constraint::Length(run_rows),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(area);
        chart(f, m, run.0, run.1, a);
        chart(f, m, all.0, all.1, b);
    } else {
        chart(f, m, all.0, all.1, area);
    }
}

/// Rows a chart's bars take (one for "no negatives").
fn chart_rows(s: &Summary) -> usize {
    (s.negatives_by_tag.len() + usize::from(s.untagged_negatives > 0)).max(1)
}

fn chart(f: &mut Frame, m: &Model, title: &str, s: &Summary, area: Rect) {
    let t = &m.look.theme;
    if area.height < 2 {
        return;
    }
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(title.to_string(), t.heading))),
        head,
    );
    let mut rows: Vec<&TagNegatives> = s.negatives_by_tag.iter().collect();
    let untagged = TagNegatives {
        tag: "(no tag)".to_string(),
        negative: s.untagged_negatives,
    };
    if s.untagged_negatives > 0 {
        rows.push(&untagged);
    }
    if rows.is_empty() {
        f.render_widget(Paragraph::new(Span::styled("no negatives", t.dim)), body);
        return;
    }
    let fit = body.height as usize;
    let label_width = rows
        .iter()
        .map(|r| text::width(&r.tag))
        .max()
        .unwrap_or(0)
        .min(TAG_LABEL);
    let count_width = rows
        .iter()
        .map(|r| thousands(r.negative).len())
        .max()
        .unwrap_or(1);
    // The count goes in the label, so every bar starts in one column.
    let bars: Vec<Bar> = rows
        .iter()
        .take(fit)
        .map(|r| {
            let name = text::truncate_with(&r.tag, label_width, m.look.glyphs.ellipsis);
            let pad = label_width.saturating_sub(text::width(&name));
            Bar::default()
                .value(r.negative as u64)
                .label(Line::from(format!(
                    "{name}{} {:>count_width$} ",
                    " ".repeat(pad),
                    thousands(r.negative)
                )))
                .text_value(String::new())
        })
        .collect();
    f.render_widget(
        BarChart::horizontal(bars)
            .bar_width(1)
            .bar_gap(0)
            .bar_style(t.negative)
            .value_style(t.strong)
            .label_style(t.text),
        body,
    );
}

/// This run's sessions, most rated first, then the reviewers of the whole journal.
fn lists(f: &mut Frame, m: &Model, r: &StatsReport, area: Rect) {
    let t = &m.look.theme;
    let width = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let reviewers = r.all.reviewers.len().min(3);
    let session_room = (area.height as usize)
        .saturating_sub(2 + 2 + reviewers)
        .max(1);
    lines.push(Line::from(Span::styled(
        format!("Sessions ({}, this run)", thousands(r.run.session_count)),
        t.heading,
    )));
    if r.run.sessions.is_empty() {
        lines.push(Line::from(Span::styled("none rated yet", t.dim)));
    }
    for b in r.run.sessions.iter().take(session_room) {
        lines.push(row(m, b, width));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("Reviewers ({}, all time)", thousands(r.all.reviewer_count)),
        t.heading,
    )));
    for b in &r.all.reviewers {
        lines.push(row(m, b, width));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// `name ........ 12  +9 -3`
fn row(m: &Model, b: &Breakdown, width: usize) -> Line<'static> {
    let t = &m.look.theme;
    let g = m.look.glyphs;
    let counts = format!(
        "{:>5} {}{:<5} {}{:<5}",
        thousands(b.ratings),
        g.positive,
        b.positive,
        g.negative,
        b.negative
    );
    let room = width.saturating_sub(text::width(&counts) + 1);
    // Session ids came from a server and reviewer names from a config file: made safe
    // before a terminal sees them.
    let safe = crate::sanitize::line(&b.name);
    let name = text::truncate_with(&safe, room, g.ellipsis).into_owned();
    let pad = room.saturating_sub(text::width(&name));
    Line::from(vec![
        Span::styled(name, t.text),
        Span::raw(" ".repeat(pad + 1)),
        Span::styled(counts, t.dim),
    ])
}
