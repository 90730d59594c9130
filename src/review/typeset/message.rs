//! One message as styled lines: its header (role, time, receipt) and its body with its note.

use super::markdown;
use super::style::Look;
use super::text;
use crate::api::model::{MessageHistoryItem, Rating};
use crate::review::model::{Kind, Model, Receipt, Transcript};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Lines a rating's note may take under its message; the rest is cut.
const NOTE_LINES: usize = 3;

/// The wrapped body of one message at `width` columns (cached by the model per width),
/// with the note of its rating under it.
pub fn body_lines(
    msg: &MessageHistoryItem,
    kind: Kind,
    unfolded: bool,
    note: Option<&str>,
    width: usize,
    look: &Look,
) -> Vec<Line<'static>> {
    let mut out = content_lines(msg, kind, unfolded, width, look);
    if let Some(text) = note.filter(|n| !n.trim().is_empty()) {
        // The rating's text is a note and tags (see `api::tags`): each on its own line.
        let (note, tags) = crate::api::tags::parse(text);
        out.push(Line::default());
        if let Some(note) = note {
            out.extend(note_lines(&note, width, look));
        }
        if !tags.is_empty() {
            out.push(tag_line(&tags, width, look));
        }
    }
    out
}

/// "tags · #hallucination #wrong_tool" on one line (tags are plain words: see
/// `api::tags::normalize`).
fn tag_line(tags: &[String], width: usize, look: &Look) -> Line<'static> {
    let t = &look.theme;
    let words = tags
        .iter()
        .map(|tag| format!("#{tag}"))
        .collect::<Vec<_>>()
        .join(" ");
    let spans = vec![
        Span::styled(format!("tags {} ", look.glyphs.dot), t.dim),
        Span::styled(words, t.negative),
    ];
    Line::from(text::truncate_spans(spans, width, look.glyphs.ellipsis))
}

/// "note · what the reviewer wrote", dim, on at most [`NOTE_LINES`] lines.
fn note_lines(note: &str, width: usize, look: &Look) -> Vec<Line<'static>> {
    let t = &look.theme;
    let flat = text::sanitize(&note.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned();
    let label = format!("note {} ", look.glyphs.dot);
    let indent = " ".repeat(text::width(&label));
    let mut lines = text::wrap(
        &[text::Piece::new(flat, t.dim)],
        &[Span::styled(label, t.dim)],
        &[Span::raw(indent)],
        width,
    );
    if lines.len() > NOTE_LINES {
        lines.truncate(NOTE_LINES);
        if let Some(last) = lines.last_mut() {
            let shown: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let cut = text::truncate_with(
                &format!("{shown} {}", look.glyphs.ellipsis),
                width,
                look.glyphs.ellipsis,
            )
            .into_owned();
            *last = Line::from(Span::styled(cut, t.dim));
        }
    }
    lines
}

fn content_lines(
    msg: &MessageHistoryItem,
    kind: Kind,
    unfolded: bool,
    width: usize,
    look: &Look,
) -> Vec<Line<'static>> {
    let t = &look.theme;
    match kind {
        Kind::Tool => {
            if !unfolded {
                return Vec::new();
            }
            let mut out = Vec::new();
            let label = |s: &str| Line::from(Span::styled(s.to_string(), t.dim));
            let bar = Span::styled(format!("{} ", look.glyphs.code), t.dim);
            for (name, part) in [("inputs", &msg.tool_inputs), ("outputs", &msg.tool_outputs)] {
                if let Some(part) = part.as_deref().filter(|s| !s.is_empty()) {
                    out.push(label(name));
                    out.extend(markdown::render_plain(
                        &pretty(part),
                        width,
                        t.code_block,
                        bar.clone(),
                    ));
                }
            }
            // Some servers repeat the output as the content: show it once.
            let repeated = [&msg.tool_inputs, &msg.tool_outputs]
                .into_iter()
                .flatten()
                .any(|s| s.trim() == msg.content.trim());
            if !msg.content.trim().is_empty() && !repeated {
                if !out.is_empty() {
                    out.push(label("content"));
                }
                out.extend(markdown::render_plain(
                    &pretty(&msg.content),
                    width,
                    t.code_block,
                    bar,
                ));
            }
            if out.is_empty() {
                out.push(label("(no inputs or outputs recorded)"));
            }
            out
        }
        _ if msg.content.trim().is_empty() => {
            vec![Line::from(Span::styled("(empty message)", t.dim))]
        }
        _ => markdown::render(&msg.content, width, look),
    }
}

/// JSON is shown indented; anything else as it came.
fn pretty(s: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| s.to_string())
        }
        _ => s.to_string(),
    }
}

/// ` · changed from positive` when this run rated the reply again with the other rating.
fn changed_from(m: &Model, entry: Option<i64>) -> String {
    match entry.and_then(|e| m.window.changed_from.get(&e)) {
        Some(Rating::Positive) => format!(" {} changed from positive", m.look.glyphs.dot),
        Some(Rating::Negative) => format!(" {} changed from negative", m.look.glyphs.dot),
        None => String::new(),
    }
}

/// The words for a receipt, with their styles, longest first: each later form says the
/// same in fewer columns, so a narrow header drops words rather than cutting one. A
/// server's reason is cut after a whole word to leave it within `room` columns.
pub fn receipt_forms(receipt: Option<&Receipt>, m: &Model, room: usize) -> Vec<Vec<Span<'static>>> {
    let g = m.look.glyphs;
    let t = &m.look.theme;
    let mark = |r: Rating| match r {
        Rating::Positive => (g.positive, "positive", t.positive),
        Rating::Negative => (g.negative, "negative", t.negative),
    };
    let one = |s: String, style: Style| vec![Span::styled(s, style)];
    // `before` + the reason, cut to fit, + `after`; none when what is left of the reason
    // is too little to say anything ("The…").
    let with_reason = |before: String, why: &str, after: &str| {
        let left = room.checked_sub(text::width(&before) + text::width(after))?;
        let why = text::truncate_words(why, left, g.ellipsis)?;
        (why.split_whitespace().count() >= 3).then(|| format!("{before}{why}{after}"))
    };
    let Some(receipt) = receipt else {
        return vec![one(format!("{} unrated", g.unrated), t.unrated)];
    };
    let d = g.dot;
    match receipt {
        Receipt::Saving { rating, .. } => {
            let (sym, word, _) = mark(*rating);
            vec![
                one(format!("{sym} {word} {d} saving"), t.pending),
                one(format!("{sym} saving"), t.pending),
            ]
        }
        Receipt::Queued { rating, entry } => {
            let (sym, word, _) = mark(*rating);
            let e = g.ellipsis;
            let changed = changed_from(m, Some(*entry));
            let left = m
                .window
                .until
                .get(entry)
                .map(|at| (*at - m.now).num_milliseconds())
                .filter(|ms| *ms > 0);
            match left {
                Some(ms) => {
                    let secs = (ms + 999) / 1000;
                    let u = m.key(crate::review::action::Command::Undo);
                    let wait = format!("sending in {secs}s {d} {u} undo");
                    vec![
                        one(format!("{sym} {word} {d} {wait}{changed}"), t.pending),
                        one(format!("{sym} {word} {d} {wait}"), t.pending),
                        one(format!("{sym} sending in {secs}s"), t.pending),
                        one(format!("{sym} {secs}s"), t.pending),
                    ]
                }
                None => vec![
                    one(format!("{sym} {word} {d} sending{e}{changed}"), t.pending),
                    one(format!("{sym} {word} {d} sending{e}"), t.pending),
                    one(format!("{sym} sending{e}"), t.pending),
                ],
            }
        }
        Receipt::Sent {
            rating,
            stored,
            entry,
        } if !changed_from(m, *entry).is_empty() => {
            let (sym, word, style) = mark(*rating);
            let changed = changed_from(m, *entry);
            let memory = if *stored { "stored" } else { "not stored" };
            vec![
                vec![
                    Span::styled(format!("{sym} {word}"), style),
                    Span::styled(format!(" {d} {memory}{changed}"), t.dim),
                ],
                vec![
                    Span::styled(format!("{sym} {word}"), style),
                    Span::styled(format!(" {d} {memory}"), t.dim),
                ],
                vec![
                    Span::styled(sym.to_string(), style),
                    Span::styled(format!(" {memory}"), t.dim),
                ],
            ]
        }
        Receipt::Sent { rating, stored, .. } => {
            let (sym, word, style) = mark(*rating);
            let both = |rating: String, memory: String| {
                vec![Span::styled(rating, style), Span::styled(memory, t.dim)]
            };
            let memory = if *stored { "stored" } else { "not stored" };
            let mut forms = Vec::new();
            if *stored {
                forms.push(both(
                    format!("{sym} {word}"),
                    format!(" {d} stored to memory"),
                ));
            }
            forms.push(both(format!("{sym} {word}"), format!(" {d} {memory}")));
            forms.push(both(sym.to_string(), format!(" {memory}")));
            forms
        }
        Receipt::Retrying {
            rating,
            error,
            retry_at,
            ..
        } => {
            let (sym, word, _) = mark(*rating);
            let secs = (*retry_at - m.now).num_seconds();
            // Past due is "retrying" until the outcome arrives, not a "retry in 0s" frozen
            // while the attempt is under way.
            let when = if secs > 0 {
                format!("retry in {secs}s")
            } else {
                format!("retrying{}", g.ellipsis)
            };
            let r = g.retrying;
            let mut forms = vec![
                one(format!("{sym} {word} {d} {r} {error}, {when}"), t.retrying),
                one(format!("{sym} {r} {error}, {when}"), t.retrying),
            ];
            forms.extend(
                with_reason(format!("{sym} {r} "), error, &format!(", {when}"))
                    .map(|s| one(s, t.retrying)),
            );
            forms.push(one(format!("{sym} {r} {when}"), t.retrying));
            forms
        }
        Receipt::Failed { rating, error, .. } => {
            let (sym, word, _) = mark(*rating);
            let (f, why) = (g.failed, error.trim_end_matches('.'));
            let mut forms = vec![
                one(format!("{f} {sym} {word} failed: {why}"), t.failed),
                one(format!("{f} {sym} failed: {why}"), t.failed),
            ];
            // Some of the reason says more than the rating's word, which the symbol says.
            forms.extend(
                with_reason(format!("{f} {sym} failed: "), why, "").map(|s| one(s, t.failed)),
            );
            forms.push(one(format!("{f} {sym} {word} failed"), t.failed));
            forms.push(one(format!("{f} {sym} failed"), t.failed));
            forms
        }
    }
}

/// What a header shows on its right.
enum Right<'a> {
    /// A tool call's time (it has no receipt).
    Time(Span<'static>),
    Receipt {
        receipt: Option<&'a Receipt>,
        draft: bool,
        corrected: bool,
    },
    /// An unrated reply deferred for later, with its reason.
    Deferred(Option<String>),
    Nothing,
}

impl Right<'_> {
    /// Its forms, longest first, for `room` columns.
    fn forms(&self, room: usize, m: &Model) -> Vec<Vec<Span<'static>>> {
        match self {
            Right::Time(time) => vec![vec![time.clone()], Vec::new()],
            Right::Nothing => vec![Vec::new()],
            Right::Deferred(reason) => {
                let g = m.look.glyphs;
                let style = m.look.theme.pending;
                let mut forms = Vec::new();
                if let Some(r) = reason {
                    let left = room.saturating_sub(text::width("deferred ") + 2);
                    let r = text::sanitize(r);
                    if let Some(why) = text::truncate_words(&r, left, g.ellipsis) {
                        forms.push(vec![Span::styled(
                            format!("deferred {} {why}", g.dot),
                            style,
                        )]);
                    }
                }
                forms.push(vec![Span::styled("deferred".to_string(), style)]);
                forms
            }
            Right::Receipt {
                receipt,
                draft,
                corrected,
            } => {
                let g = m.look.glyphs;
                let style = m.look.theme.pending;
                // The marks before the receipt: a draft waiting, a correction kept.
                let mut long = String::new();
                let mut short = String::new();
                if *corrected {
                    long.push_str(&format!("{} corrected  ", g.draft));
                    short.push_str(&format!("{} ", g.draft));
                }
                if *draft {
                    long.push_str(&format!("{} draft  ", g.draft));
                    short.push_str(&format!("{} ", g.draft));
                }
                if long.is_empty() {
                    return receipt_forms(*receipt, m, room);
                }
                let mut forms: Vec<_> =
                    receipt_forms(*receipt, m, room.saturating_sub(text::width(&long)))
                        .into_iter()
                        .map(|mut r| {
                            r.insert(0, Span::styled(long.clone(), style));
                            r
                        })
                        .collect();
                // The marks keep their words until the receipt is at its shortest.
                let mut bare = receipt_forms(*receipt, m, 0).pop().unwrap_or_default();
                bare.insert(0, Span::styled(short, style));
                forms.push(bare);
                forms
            }
        }
    }
}

/// The header line of message `i`: role and time on the left, the receipt (or a tool's
/// time) on the right. Short of room, the time goes first, then the receipt takes its
/// shorter forms; only when even the shortest does not fit is the line cut.
pub fn header(t: &Transcript, i: usize, width: usize, m: &Model) -> Line<'static> {
    let theme = &m.look.theme;
    let g = m.look.glyphs;
    let msg = &t.messages[i];
    let time = text::short_time(&msg.timestamp, m.offset, g.ellipsis);
    let mut left: Vec<Span<'static>> = Vec::new();
    let right_side;
    let time_left;
    match t.kinds[i] {
        Kind::Tool => {
            let fold = if t.unfolded[i] { g.unfolded } else { g.folded };
            let what = match msg.content_type.as_str() {
                "tool_result" => "tool result",
                "tool_call" => "tool call",
                _ => "tool",
            };
            left.push(Span::styled(format!("{fold} {what}"), theme.role_tool));
            if let Some(name) = &msg.tool_name {
                left.push(Span::styled(
                    format!(" {}", text::sanitize(name)),
                    theme.strong,
                ));
            }
            let mut failed = false;
            if let Some(status) = &msg.tool_status {
                failed = matches!(status.as_str(), "error" | "failed" | "failure");
                let style = if failed { theme.failed } else { theme.dim };
                left.push(Span::styled(format!(" {} ", g.dot), theme.dim));
                left.push(Span::styled(text::sanitize(status).into_owned(), style));
            }
            // Too long even alone: a success goes without saying, and a name is an
            // identifier, not words, so it is what is cut.
            let span_width =
                |spans: &[Span]| spans.iter().map(|s| text::width(&s.content)).sum::<usize>();
            if span_width(&left) > width && msg.tool_status.is_some() && !failed {
                left.truncate(left.len() - 2);
            }
            let over = span_width(&left).saturating_sub(width);
            if over > 0 && msg.tool_name.is_some() {
                let name = &left[1].content;
                let keep = text::width(name).saturating_sub(over).max(1);
                left[1].content = text::truncate_with(name, keep, g.ellipsis)
                    .into_owned()
                    .into();
            }
            right_side = Right::Time(Span::styled(time, theme.dim));
            time_left = false;
        }
        kind => {
            let (role, style) = match kind {
                Kind::User => ("user".to_string(), theme.role_user),
                Kind::Assistant => ("assistant".to_string(), theme.role_assistant),
                Kind::System => ("system".to_string(), theme.role_system),
                _ => (text::sanitize(&msg.role).into_owned(), theme.role_system),
            };
            left.push(Span::styled(role, style));
            left.push(Span::styled(format!(" {} {time}", g.dot), theme.dim));
            time_left = true;
            if kind == Kind::Assistant {
                let receipt = t.receipts.get(&msg.message_id);
                let draft = m
                    .drafts
                    .contains_key(&(t.session_id.clone(), msg.message_id.clone()));
                let corrected = t.corrections.contains_key(&msg.message_id);
                let deferred = t
                    .deferred
                    .get(&msg.message_id)
                    .filter(|_| receipt.is_none());
                right_side = match deferred {
                    Some(reason) if !draft && !corrected => Right::Deferred(reason.clone()),
                    _ => Right::Receipt {
                        receipt,
                        draft,
                        corrected,
                    },
                };
            } else {
                right_side = Right::Nothing;
            }
        }
    }
    let span_width = |spans: &[Span]| spans.iter().map(|s| text::width(&s.content)).sum::<usize>();
    let fits = |left: &[Span], right: &[Span]| {
        let rw = span_width(right);
        span_width(left) + if rw > 0 { 2 + rw } else { 0 } <= width
    };
    let room = |left: &[Span]| width.saturating_sub(span_width(left) + 2);
    let rights = |room| right_side.forms(room, m);
    let mut forms = rights(room(&left));
    let mut right = forms.first().filter(|r| fits(&left, r)).cloned();
    if right.is_none() {
        if time_left {
            left.pop();
            forms = rights(room(&left));
        }
        right = forms.iter().find(|r| fits(&left, r)).cloned();
    }
    let lw = span_width(&left);
    let mut spans = left;
    match right {
        Some(right) => {
            let rw = span_width(&right);
            spans.push(Span::raw(" ".repeat(width.saturating_sub(lw + rw))));
            spans.extend(right);
            Line::from(spans)
        }
        None => {
            spans.push(Span::raw("  "));
            spans.extend(forms.pop().unwrap_or_default());
            Line::from(text::truncate_spans(spans, width, g.ellipsis))
        }
    }
}
