//! Text that reaches the screen: sanitising, display widths, wrapping, truncation, times.

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Makes text from the network safe to draw, through the one sanitiser
/// ([`crate::sanitize::line`]): control characters (an ESC would let a transcript drive
/// the terminal) become visible, newlines become spaces since callers that keep lines
/// split on them first, and zero-width joiners, format characters, variation selectors
/// and skin-tone modifiers go, so a string measures exactly the cells it takes. A tab
/// keeps its four columns here, where the one-line sanitiser makes it one space.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.contains('\t') {
        return crate::sanitize::line(s);
    }
    Cow::Owned(crate::sanitize::line(&s.replace('\t', "    ")).into_owned())
}

/// Printable ASCII only: one byte is one grapheme one column wide, so the byte length
/// is the width and any byte offset is a grapheme boundary. Most text is, and grapheme
/// segmentation is by far the dearest part of measuring and wrapping.
fn plain_ascii(s: &str) -> bool {
    s.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// The characters verdict draws with itself (its glyphs and borders, as
/// `typeset::style::Glyphs` has them), beyond ASCII: each one column wide and a grapheme
/// of its own, which a test checks. A line of ASCII and these is measured and drawn
/// character by character, like plain ASCII.
const OWN_GLYPHS: &[char] = &[
    '✓', '✗', '…', '↻', '○', '▸', '▾', '▌', '•', '▎', '─', '│', '·', '—', '✎', '╭', '╮', '╰', '╯',
    '┌', '┐', '└', '┘',
];

/// Printable ASCII and [`OWN_GLYPHS`] only: then every character is one grapheme and one
/// column, and this is the width. `None` for anything else (a combining mark after one of
/// them included, since the mark is neither), which takes grapheme segmentation.
pub fn simple_width(s: &str) -> Option<usize> {
    if plain_ascii(s) {
        return Some(s.len());
    }
    let mut n = 0;
    for c in s.chars() {
        if !((' '..='~').contains(&c) || OWN_GLYPHS.contains(&c)) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// Columns a string takes on screen.
pub fn width(s: &str) -> usize {
    if let Some(n) = simple_width(s) {
        return n;
    }
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Cuts `s` to at most `max` columns, ending with `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    truncate_with(s, max, "…")
}

/// [`truncate`] with the given mark for the cut (`...` in ASCII mode). When not even
/// the mark fits, as much of the mark as fits is all there is.
pub fn truncate_with<'a>(s: &'a str, max: usize, ellipsis: &str) -> Cow<'a, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    let mark = width(ellipsis);
    if max <= mark {
        return Cow::Owned(ellipsis.chars().take(max).collect());
    }
    let room = max - mark;
    if plain_ascii(s) {
        return Cow::Owned(format!("{}{ellipsis}", &s[..room]));
    }
    if simple_width(s).is_some() {
        let mut out: String = s.chars().take(room).collect();
        out.push_str(ellipsis);
        return Cow::Owned(out);
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = UnicodeWidthStr::width(g);
        if used + w > room {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push_str(ellipsis);
    Cow::Owned(out)
}

/// Cuts `s` after the last whole word that leaves room for `ellipsis` within `max`
/// columns; `None` when not even the first word fits.
pub fn truncate_words(s: &str, max: usize, ellipsis: &str) -> Option<String> {
    if width(s) <= max {
        return Some(s.to_string());
    }
    let room = max.checked_sub(width(ellipsis))?;
    // The end of each run of non-spaces, for as long as the text up to it fits.
    let mut best = None;
    let mut start = 0;
    for (i, c) in s.char_indices().chain([(s.len(), ' ')]) {
        if !c.is_whitespace() {
            continue;
        }
        if i > start {
            if width(&s[..i]) > room {
                break;
            }
            best = Some(i);
        }
        start = i + c.len_utf8();
    }
    let kept = s[..best?].trim_end();
    (!kept.is_empty()).then(|| format!("{kept}{ellipsis}"))
}

/// Cuts a line of spans to `max` columns (ending with `ellipsis`), keeping styles.
pub fn truncate_spans(spans: Vec<Span<'static>>, max: usize, ellipsis: &str) -> Vec<Span<'static>> {
    let total: usize = spans.iter().map(|s| width(&s.content)).sum();
    if total <= max {
        return spans;
    }
    let mut out = Vec::new();
    let mut left = max;
    for span in spans {
        let w = width(&span.content);
        if w < left {
            left -= w;
            out.push(span);
            continue;
        }
        let cut = truncate_with(&span.content, left, ellipsis).into_owned();
        out.push(Span::styled(cut, span.style));
        break;
    }
    out
}

/// One piece of styled text before wrapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub text: String,
    pub style: Style,
}

impl Piece {
    pub fn new(text: impl Into<String>, style: Style) -> Self {
        Piece {
            text: text.into(),
            style,
        }
    }
}

struct Token<'a> {
    text: &'a str,
    style: Style,
    width: usize,
    space: bool,
}

/// Splits pieces into wrap tokens: runs of spaces, words, and single wide characters
/// (CJK has no spaces, so a line may break after any of them).
fn tokens(pieces: &[Piece]) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    for piece in pieces {
        let text = piece.text.as_str();
        if plain_ascii(text) {
            ascii_tokens(&mut out, text, piece.style);
            continue;
        }
        let mut start = 0;
        let mut kind: Option<bool> = None;
        for (i, g) in text.grapheme_indices(true) {
            let w = UnicodeWidthStr::width(g);
            let space = g.chars().all(char::is_whitespace);
            let wide = w > 1;
            if kind.is_some_and(|k| k != space) || (wide && i > start) {
                push_token(
                    &mut out,
                    &text[start..i],
                    piece.style,
                    kind.unwrap_or(space),
                );
                start = i;
            }
            kind = Some(space);
            if wide {
                let end = i + g.len();
                push_token(&mut out, &text[start..end], piece.style, space);
                start = end;
                kind = None;
            }
        }
        if start < text.len() {
            push_token(&mut out, &text[start..], piece.style, kind.unwrap_or(false));
        }
    }
    out
}

/// [`tokens`] for printable ASCII: runs of spaces and runs of anything else.
fn ascii_tokens<'a>(out: &mut Vec<Token<'a>>, text: &'a str, style: Style) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let space = bytes[start] == b' ';
        let run = bytes[start..]
            .iter()
            .position(|&b| (b == b' ') != space)
            .unwrap_or(bytes.len() - start);
        out.push(Token {
            text: &text[start..start + run],
            style,
            width: run,
            space,
        });
        start += run;
    }
}

fn push_token<'a>(out: &mut Vec<Token<'a>>, text: &'a str, style: Style, space: bool) {
    if !text.is_empty() {
        out.push(Token {
            text,
            style,
            width: width(text),
            space,
        });
    }
}

/// Word-wraps styled pieces to `max` columns. The first line starts with `first`, the
/// others with `rest` (hanging indents for list items and quotes). Words wider than a
/// line are split between graphemes. Always returns at least one line.
pub fn wrap(
    pieces: &[Piece],
    first: &[Span<'static>],
    rest: &[Span<'static>],
    max: usize,
) -> Vec<Line<'static>> {
    let prefix_width = |p: &[Span<'static>]| p.iter().map(|s| width(&s.content)).sum::<usize>();
    let room_first = max.saturating_sub(prefix_width(first)).max(1);
    let room_rest = max.saturating_sub(prefix_width(rest)).max(1);

    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cur: Vec<Span<'static>> = first.to_vec();
    let mut used = 0usize;
    let mut room = room_first;
    let mut content = false;

    let finish = |cur: &mut Vec<Span<'static>>, lines: &mut Vec<Line<'static>>| {
        // Trailing spaces would only push a highlight past the text.
        while let Some(last) = cur.last_mut() {
            let trimmed = last.content.trim_end().len();
            if trimmed == last.content.len() {
                break;
            }
            if trimmed == 0 && !last.content.is_empty() {
                cur.pop();
            } else {
                last.content = Cow::Owned(last.content[..trimmed].to_string());
                break;
            }
        }
        lines.push(Line::from(std::mem::take(cur)));
    };

    for tok in tokens(pieces) {
        if tok.space {
            // Indentation of the first line is kept (code); a wrapped line starts clean.
            if !content && !lines.is_empty() {
                continue;
            }
            if used + tok.width <= room {
                push_span(&mut cur, tok.text, tok.style);
                used += tok.width;
            } else {
                finish(&mut cur, &mut lines);
                cur = rest.to_vec();
                used = 0;
                room = room_rest;
                content = false;
            }
            continue;
        }
        if used + tok.width > room && content {
            finish(&mut cur, &mut lines);
            cur = rest.to_vec();
            used = 0;
            room = room_rest;
        }
        if tok.width <= room.saturating_sub(used) {
            push_span(&mut cur, tok.text, tok.style);
            used += tok.width;
            content = true;
            continue;
        }
        // A word longer than a whole line: split it between graphemes (bytes, for ASCII).
        if plain_ascii(tok.text) {
            let mut left = tok.text;
            while !left.is_empty() {
                if used >= room && used > 0 {
                    finish(&mut cur, &mut lines);
                    cur = rest.to_vec();
                    used = 0;
                    room = room_rest;
                }
                let take = room.saturating_sub(used).clamp(1, left.len());
                push_span(&mut cur, &left[..take], tok.style);
                used += take;
                content = true;
                left = &left[take..];
            }
            continue;
        }
        for g in tok.text.graphemes(true) {
            let w = UnicodeWidthStr::width(g);
            if used + w > room && used > 0 {
                finish(&mut cur, &mut lines);
                cur = rest.to_vec();
                used = 0;
                room = room_rest;
            }
            push_span(&mut cur, g, tok.style);
            used += w;
            content = true;
        }
    }
    if content || lines.is_empty() {
        finish(&mut cur, &mut lines);
    }
    lines
}

fn push_span(cur: &mut Vec<Span<'static>>, text: &str, style: Style) {
    if let Some(last) = cur.last_mut()
        && last.style == style
    {
        last.content.to_mut().push_str(text);
        return;
    }
    cur.push(Span::styled(text.to_string(), style));
}

/// Byte ranges in `haystack` where `needle` occurs, ignoring case.
pub fn find_ignore_case(haystack: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    each_match(haystack, needle, |m| {
        out.push(m);
        true
    });
    out
}

pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let mut found = false;
    each_match(haystack, needle, |_| {
        found = true;
        false
    });
    found
}

/// Calls `hit` with each non-overlapping match, left to right, while it returns true.
fn each_match(haystack: &str, needle: &str, mut hit: impl FnMut((usize, usize)) -> bool) {
    if needle.is_empty() {
        return;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        // Byte for byte: what the char-wise walk below does, without decoding or allocating.
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        let first = n[0].to_ascii_lowercase();
        let mut i = 0;
        while i + n.len() <= h.len() {
            if h[i].to_ascii_lowercase() == first && h[i..i + n.len()].eq_ignore_ascii_case(n) {
                if !hit((i, i + n.len())) {
                    return;
                }
                i += n.len();
            } else {
                i += 1;
            }
        }
        return;
    }
    let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    let hay: Vec<(usize, char)> = haystack
        .char_indices()
        .map(|(i, c)| (i, c.to_lowercase().next().unwrap_or(c)))
        .collect();
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        if hay[i..i + needle.len()]
            .iter()
            .zip(&needle)
            .all(|((_, a), b)| a == b)
        {
            let start = hay[i].0;
            let end = hay
                .get(i + needle.len())
                .map(|(b, _)| *b)
                .unwrap_or(haystack.len());
            if !hit((start, end)) {
                return;
            }
            i += needle.len();
        } else {
            i += 1;
        }
    }
}

/// Re-styles every occurrence of `needle` in a line (search highlighting), keeping the
/// other styles. Matches that a wrap split across two lines are not highlighted.
pub fn highlight(line: &Line<'static>, needle: &str, style: Style) -> Line<'static> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let hits = find_ignore_case(&text, needle);
    if hits.is_empty() {
        return line.clone();
    }
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut pos = 0usize;
    for span in &line.spans {
        let s = span.content.as_ref();
        let span_start = pos;
        let span_end = pos + s.len();
        let mut cut = span_start;
        for &(a, b) in &hits {
            let a = a.max(span_start);
            let b = b.min(span_end);
            if a >= b {
                continue;
            }
            if a > cut {
                out.push(Span::styled(
                    s[cut - span_start..a - span_start].to_string(),
                    span.style,
                ));
            }
            out.push(Span::styled(
                s[a - span_start..b - span_start].to_string(),
                span.style.patch(style),
            ));
            cut = b;
        }
        if cut < span_end {
            out.push(Span::styled(s[cut - span_start..].to_string(), span.style));
        }
        pos = span_end;
    }
    Line::from(out).style(line.style)
}

/// "now", "5m ago", "3h ago", "3d ago", "2mo ago", "1y ago".
pub fn relative_time(then: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(then) = then else {
        return "?".to_string();
    };
    let secs = (now - then).num_seconds();
    if secs < 0 {
        return "now".to_string();
    }
    match secs {
        0..60 => "now".to_string(),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86_400 => format!("{}h ago", secs / 3600),
        86_400..2_592_000 => format!("{}d ago", secs / 86_400),
        2_592_000..31_536_000 => format!("{}mo ago", secs / 2_592_000),
        _ => format!("{}y ago", secs / 31_536_000),
    }
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            // Some servers leave the offset off; read those as UTC.
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// A message time for the transcript, in the reviewer's time zone: "Nov 20 09:00". One
/// that cannot be read is shown as it came, cut with `ellipsis` if long.
pub fn short_time(s: &str, offset: FixedOffset, ellipsis: &str) -> String {
    match parse_time(s) {
        Some(t) => t.with_timezone(&offset).format("%b %d %H:%M").to_string(),
        None => truncate_with(&sanitize(s), 16, ellipsis).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'static>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let s = sanitize("a\u{1b}[2Jb\tc");
        assert!(!s.contains('\u{1b}'));
        assert_eq!(s, "a\u{FFFD}[2Jb    c");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn wraps_words_and_keeps_widths() {
        let pieces = [Piece::new("the quick brown fox jumps over", Style::new())];
        let lines = wrap(&pieces, &[], &[], 10);
        assert_eq!(plain(&lines), vec!["the quick", "brown fox", "jumps over"]);
        for l in &lines {
            assert!(l.width() <= 10);
        }
    }

    #[test]
    fn wraps_cjk_and_emoji_by_columns() {
        let pieces = [Piece::new("日本語のテキストです🙂🙂 ok", Style::new())];
        let lines = wrap(&pieces, &[], &[], 7);
        for l in &lines {
            assert!(l.width() <= 7, "{:?} is {} wide", l, l.width());
        }
        let joined: String = plain(&lines).concat();
        assert_eq!(joined.replace(' ', ""), "日本語のテキストです🙂🙂ok");
    }

    #[test]
    fn long_words_split_and_prefixes_hang() {
        let pieces = [Piece::new("abcdefghijkl xy", Style::new())];
        let first = [Span::raw("• ")];
        let rest = [Span::raw("  ")];
        let lines = wrap(&pieces, &first, &rest, 6);
        assert_eq!(plain(&lines), vec!["• abcd", "  efgh", "  ijkl", "  xy"]);
    }

    #[test]
    fn first_line_indentation_is_kept() {
        let pieces = [Piece::new("    indented code that wraps", Style::new())];
        assert_eq!(
            plain(&wrap(&pieces, &[], &[], 16)),
            vec!["    indented", "code that wraps"]
        );
    }

    #[test]
    fn ascii_fast_paths_agree_with_graphemes() {
        // The same text with one wide character at the end takes the grapheme path.
        let texts = [
            "the quick  brown fox jumps over a verylongwordthatneedssplitting here   ",
            "   leading spaces, then words; and.punctuation!~ at 7 widths",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        ];
        for text in texts {
            for max in [1, 5, 7, 10, 33] {
                let ascii = wrap(&[Piece::new(text, Style::new())], &[], &[], max);
                let slow = wrap(
                    &[Piece::new(format!("{text}é"), Style::new())],
                    &[],
                    &[],
                    max,
                );
                let mut slow = plain(&slow);
                let last = slow.last_mut().unwrap();
                assert!(last.ends_with('é'));
                last.pop();
                if last.is_empty() {
                    slow.pop();
                }
                let mut fast = plain(&ascii);
                // The wide path trims differently only at the very end.
                for l in fast.iter_mut().chain(slow.iter_mut()) {
                    *l = l.trim_end().to_string();
                }
                assert_eq!(fast, slow, "{text:?} at {max}");
            }
            assert_eq!(width(text), text.len());
            assert_eq!(truncate(text, 10), format!("{}…", &text[..9]));
        }
        assert_eq!(width("a\tb"), UnicodeWidthStr::width("a\tb"));
    }

    #[test]
    fn empty_text_is_one_line() {
        assert_eq!(wrap(&[], &[], &[], 10).len(), 1);
    }

    #[test]
    fn truncation_counts_columns() {
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語", 4), "日…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate_with("hello world", 6, "..."), "hel...");
        assert_eq!(truncate_with("日本語", 5, "..."), "日...");
        assert_eq!(truncate_with("hello", 2, "..."), "..");
        assert_eq!(truncate_with("hello", 5, "..."), "hello");
        let why = "The server refused the request";
        assert_eq!(truncate_words(why, 30, "…").as_deref(), Some(why));
        assert_eq!(
            truncate_words(why, 29, "…").as_deref(),
            Some("The server refused the…")
        );
        assert_eq!(
            truncate_words(why, 13, "...").as_deref(),
            Some("The server...")
        );
        assert_eq!(truncate_words(why, 6, "…").as_deref(), Some("The…"));
        assert_eq!(truncate_words(why, 3, "…"), None);
    }

    #[test]
    fn case_insensitive_search_and_highlight() {
        assert_eq!(
            find_ignore_case("Hello hello", "HELLO"),
            vec![(0, 5), (6, 11)]
        );
        let line = Line::from(vec![Span::raw("say "), Span::raw("Hello there")]);
        let hl = highlight(&line, "lo th", Style::new().bold());
        let texts: Vec<&str> = hl.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, vec!["say ", "Hel", "lo th", "ere"]);
    }

    #[test]
    fn ascii_search_agrees_with_the_general_walk() {
        let hay = "Lock timeout: the LOCK was held; lock-lock, unlocked. lOcK";
        for needle in ["lock", "LOCK", "k", "lock-lock", "nothing", "ck; l"] {
            // A non-ASCII character far from any match sends the same text down the slow path.
            let slow: Vec<_> = find_ignore_case(&format!("{hay} é"), needle);
            assert_eq!(find_ignore_case(hay, needle), slow, "{needle}");
            assert_eq!(contains_ignore_case(hay, needle), !slow.is_empty());
        }
        assert!(contains_ignore_case("Straße", "STRA"));
        assert!(!contains_ignore_case("abc", ""));
    }

    #[test]
    fn relative_times() {
        let now = parse_time("2026-11-23T12:00:00Z").unwrap();
        let at = |s: &str| parse_time(s);
        assert_eq!(relative_time(at("2026-11-23T11:59:30Z"), now), "now");
        assert_eq!(relative_time(at("2026-11-23T11:55:00Z"), now), "5m ago");
        assert_eq!(relative_time(at("2026-11-20T12:00:00Z"), now), "3d ago");
        assert_eq!(relative_time(at("2026-11-23T12:00:00"), now), "now");
        assert_eq!(relative_time(None, now), "?");
    }

    #[test]
    fn own_glyphs_measure_as_grapheme_segmentation_does() {
        use unicode_width::UnicodeWidthChar;
        for &c in OWN_GLYPHS {
            let one = c.to_string();
            assert_eq!(c.width(), Some(1), "{c:?}");
            assert_eq!(one.graphemes(true).count(), 1, "{c:?}");
        }
        let g = crate::review::typeset::style::Glyphs::new(false);
        for glyph in [
            g.positive,
            g.negative,
            g.pending,
            g.retrying,
            g.failed,
            g.unrated,
            g.folded,
            g.unfolded,
            g.cursor,
            g.bullet,
            g.quote,
            g.rule,
            g.code,
            g.dot,
            g.dash,
            g.ellipsis,
            g.draft,
            g.border.top_left,
            g.border.top_right,
            g.border.bottom_left,
            g.border.bottom_right,
            g.border.vertical_left,
            g.border.horizontal_top,
        ] {
            assert!(
                simple_width(glyph).is_some(),
                "{glyph:?} is one of the own glyphs"
            );
        }
        let slow = |s: &str| -> usize { s.graphemes(true).map(UnicodeWidthStr::width).sum() };
        for s in [
            "a · b",
            "✓ 3/4 · running",
            "…",
            "e\u{301} · x",
            "·\u{301}",
            "中 · 文",
        ] {
            assert_eq!(width(s), slow(s), "{s:?}");
        }
        // A combining mark after a glyph, and wide letters, are not simple.
        assert_eq!(simple_width("·\u{301}"), None);
        assert_eq!(simple_width("中"), None);
        assert_eq!(truncate_with("ab · cd · ef", 6, "…"), "ab · …");
    }
}
