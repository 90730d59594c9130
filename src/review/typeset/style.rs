//! Every style and glyph the reviewer draws with; NO_COLOR and `review.ascii` are decided here.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// Styles for every element. Built once; `plain` has no colors at all (NO_COLOR).
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub color: bool,
    pub text: Style,
    pub dim: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub title_focus: Style,
    pub row_selected: Style,
    pub row_selected_unfocused: Style,
    pub cursor: Style,
    pub cursor_unfocused: Style,
    pub role_user: Style,
    pub role_assistant: Style,
    pub role_tool: Style,
    pub role_system: Style,
    pub heading: Style,
    pub emphasis: Style,
    pub strong: Style,
    pub strike: Style,
    pub code: Style,
    pub code_block: Style,
    pub quote: Style,
    pub link: Style,
    pub rule: Style,
    pub bullet: Style,
    pub unrated: Style,
    pub pending: Style,
    pub positive: Style,
    pub negative: Style,
    pub failed: Style,
    pub retrying: Style,
    pub status_bar: Style,
    pub info: Style,
    pub success: Style,
    pub warning: Style,
    pub error: Style,
    pub demo_badge: Style,
    pub demo_hint: Style,
    pub search_match: Style,
    pub key: Style,
    pub overlay: Style,
    pub choice_on: Style,
    pub choice_off: Style,
}

impl Theme {
    /// Colors unless `NO_COLOR` is set (to anything non-empty, per no-color.org).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if no_color {
            Theme::plain()
        } else {
            Theme::colored()
        }
    }

    pub fn colored() -> Theme {
        let s = Style::new;
        Theme {
            color: true,
            text: s(),
            dim: s().fg(Color::DarkGray),
            border: s().fg(Color::DarkGray),
            border_focus: s().fg(Color::Cyan),
            title: s().fg(Color::Gray),
            title_focus: s().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            row_selected: s().bg(Color::Blue).fg(Color::White),
            row_selected_unfocused: s().bg(Color::DarkGray).fg(Color::White),
            cursor: s().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            cursor_unfocused: s().fg(Color::DarkGray),
            role_user: s().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            role_assistant: s().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            role_tool: s().fg(Color::Magenta),
            role_system: s().fg(Color::DarkGray).add_modifier(Modifier::BOLD),
            heading: s().fg(Color::LightBlue).add_modifier(Modifier::BOLD),
            emphasis: s().add_modifier(Modifier::ITALIC),
            strong: s().add_modifier(Modifier::BOLD),
            strike: s().add_modifier(Modifier::CROSSED_OUT),
            code: s().fg(Color::LightYellow),
            code_block: s().fg(Color::LightYellow),
            quote: s().fg(Color::Gray).add_modifier(Modifier::ITALIC),
            link: s().fg(Color::LightBlue).add_modifier(Modifier::UNDERLINED),
            rule: s().fg(Color::DarkGray),
            bullet: s().fg(Color::Cyan),
            unrated: s().fg(Color::DarkGray),
            pending: s().fg(Color::Yellow),
            positive: s().fg(Color::Green).add_modifier(Modifier::BOLD),
            negative: s().fg(Color::Red).add_modifier(Modifier::BOLD),
            failed: s().fg(Color::LightRed).add_modifier(Modifier::BOLD),
            retrying: s().fg(Color::Yellow),
            status_bar: s().bg(Color::Black).fg(Color::Gray),
            info: s().fg(Color::Gray),
            success: s().fg(Color::Green),
            warning: s().fg(Color::Yellow),
            error: s().fg(Color::LightRed).add_modifier(Modifier::BOLD),
            demo_badge: s()
                .bg(Color::Yellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            demo_hint: s().fg(Color::Yellow),
            search_match: s().bg(Color::Yellow).fg(Color::Black),
            key: s().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            overlay: s(),
            choice_on: s()
                .add_modifier(Modifier::BOLD)
                .add_modifier(Modifier::REVERSED),
            choice_off: s().fg(Color::DarkGray),
        }
    }

    /// No colors: emphasis only through bold, reverse, underline and italics.
    pub fn plain() -> Theme {
        let s = Style::new;
        let bold = s().add_modifier(Modifier::BOLD);
        let rev = s().add_modifier(Modifier::REVERSED);
        Theme {
            color: false,
            text: s(),
            dim: s(),
            border: s(),
            border_focus: bold,
            title: s(),
            title_focus: bold,
            row_selected: rev,
            row_selected_unfocused: s().add_modifier(Modifier::UNDERLINED),
            cursor: bold,
            cursor_unfocused: s(),
            role_user: bold,
            role_assistant: bold,
            role_tool: s(),
            role_system: s(),
            heading: bold.add_modifier(Modifier::UNDERLINED),
            emphasis: s().add_modifier(Modifier::ITALIC),
            strong: bold,
            strike: s().add_modifier(Modifier::CROSSED_OUT),
            code: s(),
            code_block: s(),
            quote: s().add_modifier(Modifier::ITALIC),
            link: s().add_modifier(Modifier::UNDERLINED),
            rule: s(),
            bullet: s(),
            unrated: s(),
            pending: s(),
            positive: bold,
            negative: bold,
            failed: bold,
            retrying: s(),
            status_bar: s(),
            info: s(),
            success: s(),
            warning: bold,
            error: bold,
            demo_badge: rev.add_modifier(Modifier::BOLD),
            demo_hint: s(),
            search_match: rev,
            key: bold,
            overlay: s(),
            choice_on: rev.add_modifier(Modifier::BOLD),
            choice_off: s(),
        }
    }
}

/// The symbols on screen; `ascii` swaps them for plain ASCII (config `review.ascii`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    pub positive: &'static str,
    pub negative: &'static str,
    pub pending: &'static str,
    pub retrying: &'static str,
    pub failed: &'static str,
    pub unrated: &'static str,
    pub folded: &'static str,
    pub unfolded: &'static str,
    pub cursor: &'static str,
    pub bullet: &'static str,
    pub quote: &'static str,
    pub rule: &'static str,
    pub code: &'static str,
    pub dot: &'static str,
    /// Between the two halves of a sentence (the demo banner).
    pub dash: &'static str,
    pub ellipsis: &'static str,
    /// An unsent note kept for a message.
    pub draft: &'static str,
    pub border: border::Set<'static>,
}

const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Glyphs {
    pub fn new(ascii: bool) -> Glyphs {
        if ascii {
            Glyphs {
                positive: "+",
                negative: "-",
                pending: "...",
                retrying: "~",
                failed: "!",
                unrated: "o",
                folded: ">",
                unfolded: "v",
                // Not `|`: beside the border and a code or quote bar it would read as one more.
                cursor: ">",
                bullet: "*",
                quote: "|",
                rule: "-",
                code: "|",
                dot: "|",
                dash: "-",
                ellipsis: "...",
                draft: "*",
                border: ASCII_BORDER,
            }
        } else {
            Glyphs {
                positive: "✓",
                negative: "✗",
                pending: "…",
                retrying: "↻",
                failed: "!",
                unrated: "○",
                folded: "▸",
                unfolded: "▾",
                cursor: "▌",
                bullet: "•",
                quote: "▎",
                rule: "─",
                code: "│",
                dot: "·",
                dash: "—",
                ellipsis: "…",
                draft: "✎",
                border: border::ROUNDED,
            }
        }
    }
}

/// What the views draw with: styles and glyphs together.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    pub theme: Theme,
    pub glyphs: Glyphs,
}

impl Look {
    pub fn new(theme: Theme, ascii: bool) -> Look {
        Look {
            theme,
            glyphs: Glyphs::new(ascii),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_theme_has_no_colors() {
        let t = Theme::plain();
        let all = [
            t.text,
            t.dim,
            t.border_focus,
            t.row_selected,
            t.positive,
            t.negative,
            t.error,
            t.demo_badge,
            t.search_match,
            t.status_bar,
            t.code,
        ];
        for s in all {
            assert!(s.fg.is_none() && s.bg.is_none(), "{s:?}");
        }
    }
}
