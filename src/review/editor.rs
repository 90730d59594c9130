//! The multi-line text editor of "rate with text", wrapping ratatui-textarea.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui_textarea::{TextArea, WrapMode};

/// The server's cap on feedback text, in characters.
pub use crate::api::limits::FEEDBACK_TEXT_MAX as MAX_FEEDBACK_CHARS;

/// Feedback text being written. Keys go in; text comes out.
#[derive(Debug, Clone)]
pub struct Editor {
    area: TextArea<'static>,
}

impl Default for Editor {
    fn default() -> Self {
        Editor::new("")
    }
}

impl Editor {
    pub fn new(initial: &str) -> Editor {
        Editor::with_placeholder(initial, "Why is this answer good or bad? (optional)")
    }

    /// An editor holding `initial`, with `placeholder` shown while it is empty.
    pub fn with_placeholder(initial: &str, placeholder: &str) -> Editor {
        let lines = if initial.is_empty() {
            vec![String::new()]
        } else {
            initial.lines().map(str::to_string).collect()
        };
        let mut area = TextArea::new(lines);
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        area.set_cursor_line_style(Style::new());
        area.set_placeholder_text(placeholder.to_string());
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Editor { area }
    }

    /// Feeds one key to the text. Returns whether the text changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        // A line feed arrives as Ctrl-J (text typed or pasted without bracketed paste,
        // `tmux send-keys`), which the widget takes as "delete to the start of the line":
        // that would eat the note being written. It starts a new line, as Enter does.
        if key.code == KeyCode::Char('j') && key.modifiers == KeyModifiers::CONTROL {
            self.area.insert_newline();
            return true;
        }
        self.area.input(key)
    }

    pub fn insert_str(&mut self, s: &str) {
        self.area.insert_str(s);
    }

    /// The text as it would be sent: lines joined, surrounding blank space trimmed.
    pub fn text(&self) -> String {
        self.area.lines().join("\n").trim().to_string()
    }

    pub fn chars(&self) -> usize {
        self.text().chars().count()
    }

    pub fn too_long(&self) -> bool {
        self.chars() > MAX_FEEDBACK_CHARS
    }

    /// The widget, styled for the current theme.
    pub fn styled(&self, text: Style, placeholder: Style, cursor: Style) -> TextArea<'static> {
        let mut area = self.area.clone();
        area.set_style(text);
        area.set_placeholder_style(placeholder);
        area.set_cursor_style(cursor);
        area
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_and_newlines_make_the_text() {
        let mut e = Editor::default();
        for c in "too vague".chars() {
            e.input(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        e.input(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        e.insert_str("  second line  ");
        assert_eq!(e.text(), "too vague\n  second line");
        assert!(!e.too_long());
    }

    #[test]
    fn a_line_feed_starts_a_new_line_instead_of_deleting_one() {
        let mut e = Editor::default();
        for c in "first line".chars() {
            e.input(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        // What a terminal sends for "\n" outside a bracketed paste.
        assert!(e.input(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL)));
        for c in "second".chars() {
            e.input(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        assert_eq!(e.text(), "first line\nsecond");
        // Ctrl-U undoes, as the README says.
        assert!(e.input(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
        assert_ne!(e.text(), "first line\nsecond");
        assert!(e.text().starts_with("first line"), "{:?}", e.text());
    }

    #[test]
    fn over_the_cap_is_flagged() {
        let mut e = Editor::default();
        e.insert_str(&"é".repeat(MAX_FEEDBACK_CHARS));
        assert!(!e.too_long());
        e.insert_str("x");
        assert!(e.too_long());
    }
}
