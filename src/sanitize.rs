//! Text from a server or a file made safe for a terminal: nothing in it can drive the
//! terminal, and nothing in it lays out differently on screen than it measures.
//!
//! Every string that came from outside the program passes through here before any
//! command prints it, a log records it or the reviewer draws it.

use std::borrow::Cow;

/// What a server's message may take on one line of output before it is shortened.
pub const MESSAGE_CHARS: usize = 300;

/// Unicode's format characters (category Cf) and the line and paragraph separators:
/// invisible, zero width in one program and not in another, and the bidirectional ones
/// reorder whatever follows them on the line.
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// Variation selectors 15 and 16 switch a character between one and two columns, and
/// emoji skin-tone modifiers join the emoji before them or stand beside it: terminals
/// disagree on both, so without them every character has one width wherever it is drawn.
fn is_width_selector(c: char) -> bool {
    matches!(c, '\u{FE0E}' | '\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
}

/// Whether `c` must not reach a terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_format(c) || is_width_selector(c)
}

/// One line of output: tabs and line breaks become spaces, any other control character
/// (ESC, BEL, DEL, the C1 set with its one-byte CSI) becomes U+FFFD so the reader sees
/// that something was there, and format characters and width selectors are dropped.
pub fn line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Text of several lines: like [`line`], but line breaks are kept (CR LF and lone CR
/// become LF).
pub fn text(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\r' if keep_newlines => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' if keep_newlines => out.push('\n'),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c if is_format(c) || is_width_selector(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters, the last of them `…` when anything was cut.
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &s[..end]))
        }
    }
}

/// A server's or a file's words for one line of output: safe, and at most `max`
/// characters.
pub fn message(s: &str, max: usize) -> String {
    // Cleaning only drops or replaces characters, so a head a few times `max` long is
    // all that can show: a message of megabytes costs no more than a short one.
    let head = match s.char_indices().nth(max.saturating_mul(4)) {
        Some((end, _)) => &s[..end],
        None => s,
    };
    let safe = line(head);
    shorten(safe.trim(), max).into_owned()
}

/// JSON text with every character a terminal could act on written as a `\u` escape.
/// JSON already escapes C0 controls; DEL, the C1 set and the format characters are legal
/// raw in a JSON string, and this writes them escaped instead, which decodes to the same
/// value. Outside strings JSON has none of them, so the whole document can be passed in.
pub fn json(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_segmentation::UnicodeSegmentation;
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

    /// Pieces a hostile server or file would send, and ordinary text around them.
    const PIECES: &[&str] = &[
        "plain ",
        "\u{1b}]0;owned\u{7}",
        "\u{1b}]52;c;ZXZpbA==\u{7}",
        "\u{1b}[2J",
        "\u{1b}[6n",
        "\u{9b}31m",
        "\u{7f}",
        "\u{85}",
        "\r\n",
        "\r",
        "\t",
        "\n",
        "\u{200d}",
        "👨\u{200d}👩\u{200d}👧",
        "❤\u{fe0f}",
        "\u{fe0e}",
        "\u{202e}gnp.exe",
        "\u{2066}",
        "\u{feff}",
        "\u{ad}",
        "e\u{301}",
        "\u{301}",
        "漢字",
        "😀",
        "עברית",
        "مرحبا",
        "لا",
        "👍🏽",
        "🇫🇷",
        "\u{e0041}",
        "\u{0}",
    ];

    /// A small fixed-seed generator: the same cases on every run.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    fn cases(n: usize) -> Vec<String> {
        let mut rng = XorShift(0x5eed_1234_abcd_ef01);
        (0..n)
            .map(|_| {
                let len = (rng.next() % 12) as usize;
                (0..len)
                    .map(|_| {
                        let r = rng.next();
                        if r.is_multiple_of(5) {
                            // Any character at all, not only the known pieces.
                            char::from_u32((r >> 8) as u32 % 0x11_0000)
                                .map(String::from)
                                .unwrap_or_default()
                        } else {
                            PIECES[(r >> 8) as usize % PIECES.len()].to_string()
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The property behind "safe": no escape, no control character, and the width the
    /// drawing code measures (grapheme by grapheme, as ratatui places them) is the sum of
    /// the characters' widths, which is how a terminal lays out cells.
    fn assert_safe(out: &str, keep_newlines: bool, input: &str) {
        for c in out.chars() {
            assert!(
                !(c.is_control() && !(keep_newlines && c == '\n')),
                "control {c:?} left in {out:?} from {input:?}"
            );
            assert!(!is_format(c), "format {c:?} left in {out:?} from {input:?}");
            assert!(
                !is_width_selector(c),
                "selector left in {out:?} from {input:?}"
            );
        }
        for l in out.split('\n') {
            let by_char: usize = l.chars().map(|c| c.width().unwrap_or(0)).sum();
            let by_grapheme: usize = l.graphemes(true).map(UnicodeWidthStr::width).sum();
            assert_eq!(
                by_grapheme, by_char,
                "{l:?} (from {input:?}) measures differently as a string than cell by cell"
            );
        }
    }

    #[test]
    fn no_input_yields_an_escape_or_a_width_surprise() {
        let all = cases(20_000);
        for input in &all {
            assert_safe(&line(input), false, input);
            assert_safe(&text(input), true, input);
            assert!(!line(input).contains('\n'));
        }
    }

    #[test]
    fn escapes_are_shown_not_obeyed() {
        assert_eq!(line("a\u{1b}[2Jb"), "a\u{fffd}[2Jb");
        assert_eq!(line("x\u{9b}6n"), "x\u{fffd}6n");
        assert_eq!(line("one\ntwo\tthree"), "one two three");
        assert_eq!(text("one\r\ntwo\rthree"), "one\ntwo\nthree");
        assert_eq!(line("a\u{200d}b\u{202e}c"), "abc");
        assert!(matches!(line("plain text"), Cow::Borrowed(_)));
    }

    #[test]
    fn shortening_counts_characters_and_says_so() {
        assert_eq!(shorten("abcdef", 10), "abcdef");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("漢字漢字", 3), "漢字…");
        assert_eq!(shorten("", 0), "");
        assert_eq!(message(&"x".repeat(20_000_000), 300).chars().count(), 300);
        assert_eq!(
            message("  \u{1b}]0;t\u{7} hi ", 50),
            "\u{fffd}]0;t\u{fffd} hi"
        );
    }

    #[test]
    fn json_escapes_decode_to_the_same_value() {
        let value = serde_json::json!({"m": "a\u{9b}b\u{7f}c\u{202e}d\u{1b}e😀\u{e0041}"});
        let raw = serde_json::to_string(&value).unwrap();
        let safe = json(&raw);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }
}
