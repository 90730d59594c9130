//! Keys to actions: the default table in code, overridden per action by `[keys]` in the
//! config file; the help screen and the hints are generated from the same table.

use super::action::{Action, Command, Context};
use crate::config::KeyList;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// One key with its modifiers, normalised so that `N` and `shift-n` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        Key { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        Key::normalised(ev.code, ev.modifiers)
    }

    fn normalised(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // The character already says whether shift was held.
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    /// A plain character: in the rating editor it is text, not a command.
    fn types_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }

    /// Reads a key as written in the config file: `j`, `G`, `+`, `enter`, `pgdn`,
    /// `ctrl-s`, `alt-x`, `shift-tab`, `f5`, `space`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty key".to_string());
        }
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Key::normalised(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let lower = s.to_ascii_lowercase();
        for (prefix, m) in [
            ("ctrl-", KeyModifiers::CONTROL),
            ("ctrl+", KeyModifiers::CONTROL),
            ("c-", KeyModifiers::CONTROL),
            ("alt-", KeyModifiers::ALT),
            ("alt+", KeyModifiers::ALT),
            ("m-", KeyModifiers::ALT),
            ("shift-", KeyModifiers::SHIFT),
            ("shift+", KeyModifiers::SHIFT),
        ] {
            if lower.starts_with(prefix) && s.len() > prefix.len() {
                let inner = Key::parse(&s[prefix.len()..])?;
                let code = match (m, inner.code) {
                    (KeyModifiers::SHIFT, KeyCode::Char(c)) => {
                        return Ok(Key::normalised(
                            KeyCode::Char(c.to_ascii_uppercase()),
                            inner.mods,
                        ));
                    }
                    (KeyModifiers::SHIFT, KeyCode::Tab) => {
                        return Ok(Key::new(KeyCode::BackTab, inner.mods));
                    }
                    (_, code) => code,
                };
                return Ok(Key::normalised(code, inner.mods | m));
            }
        }
        let code = match lower.as_str() {
            "enter" | "return" | "cr" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" | "spc" => KeyCode::Char(' '),
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" | "page_up" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" | "page_down" => KeyCode::PageDown,
            "minus" => KeyCode::Char('-'),
            "plus" => KeyCode::Char('+'),
            f if f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => return Err(format!("{s:?} is not a key verdict knows")),
        };
        Ok(Key::normalised(code, KeyModifiers::NONE))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A startup error in `[keys]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("[keys] names an unknown action {name:?}; known actions: {known}.")]
    UnknownAction { name: String, known: String },
    #[error(
        "[keys] binds {action:?} to {key:?}, which is not a key verdict can read ({reason}); write keys like \"j\", \"G\", \"enter\", \"pgdn\", \"ctrl-s\"."
    )]
    BadKey {
        action: String,
        key: String,
        reason: String,
    },
    #[error("[keys] binds {action:?} to no key; give it at least one.")]
    NoKeys { action: String },
    #[error("[keys] gives {key:?} to both {first:?} and {second:?}; give each key to one action.")]
    Conflict {
        key: String,
        first: String,
        second: String,
    },
    #[error(
        "[keys] binds {action:?} to {key:?}, which the rating editor needs for typing; use a key with ctrl- or alt-, or enter, esc, tab or an f-key."
    )]
    Typing { action: String, key: String },
}

/// One line of the help screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpEntry {
    pub keys: String,
    pub description: &'static str,
}

/// A titled group of help lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    pub title: &'static str,
    pub entries: Vec<HelpEntry>,
}

/// The bindings in force.
#[derive(Debug, Clone)]
pub struct Keymap {
    browse: HashMap<Key, Command>,
    compose: HashMap<Key, Command>,
    /// Keys of each command, in the order they were given (for help and hints).
    keys: BTreeMap<Command, Vec<Key>>,
}

fn defaults(cmd: Command) -> &'static [&'static str] {
    use Command::*;
    match cmd {
        Up => &["k", "up"],
        Down => &["j", "down"],
        Top => &["g", "home"],
        Bottom => &["G", "end"],
        PageUp => &["pgup", "ctrl-u"],
        PageDown => &["pgdn", "ctrl-d"],
        NextPane => &["tab", "backtab"],
        FocusSessions => &["h", "left"],
        FocusTranscript => &["l", "right"],
        Open => &["enter"],
        ToggleTools => &["t"],
        RatePositive => &["+", "="],
        RateNegative => &["-"],
        RateWithText => &["c"],
        NextUnrated => &["]"],
        PrevUnrated => &["["],
        Search => &["/"],
        NextMatch => &["n"],
        PrevMatch => &["N"],
        Filter => &["f"],
        Refresh => &["r"],
        Undo => &["u"],
        Redo => &["U"],
        Help => &["?"],
        Quit => &["q"],
        Send => &["ctrl-s"],
        Cancel => &["esc"],
        ToggleRating => &["tab", "ctrl-p", "ctrl-n"],
        SwitchProfile => &["P"],
        Correct => &["e"],
        ShowDiff => &["D"],
        Tag1 => &["1"],
        Tag2 => &["2"],
        Tag3 => &["3"],
        Tag4 => &["4"],
        Tag5 => &["5"],
        Tag6 => &["6"],
        Tag7 => &["7"],
        Tag8 => &["8"],
        Tag9 => &["9"],
        TagPicker => &["#"],
        Palette => &[":"],
        ToggleOrder => &["o"],
        Defer => &["s"],
        MarkRange => &["v"],
        Mark => &["space"],
        MarkMatches => &["*"],
        Stats => &["S"],
        Guidelines => &["i"],
        GuidelinesDown => &["}"],
        GuidelinesUp => &["{"],
    }
}

impl Default for Keymap {
    fn default() -> Self {
        match Keymap::from_config(&BTreeMap::new()) {
            Ok(k) => k,
            // The defaults are constants checked by a test; an empty map cannot fail.
            Err(e) => unreachable!("default keys: {e}"),
        }
    }
}

impl Keymap {
    /// The defaults, with each action named in `[keys]` bound to exactly the keys given there.
    pub fn from_config(overrides: &BTreeMap<String, KeyList>) -> Result<Keymap, KeymapError> {
        let mut keys: BTreeMap<Command, Vec<Key>> = BTreeMap::new();
        for cmd in Command::ALL {
            let parsed = defaults(cmd)
                .iter()
                .map(|k| Key::parse(k).map_err(|e| (k.to_string(), e)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|(key, reason)| KeymapError::BadKey {
                    action: cmd.name().to_string(),
                    key,
                    reason,
                })?;
            keys.insert(cmd, parsed);
        }
        let mut overridden: Vec<(Command, Vec<Key>)> = Vec::new();
        for (name, list) in overrides {
            let cmd = Command::from_name(name).ok_or_else(|| KeymapError::UnknownAction {
                name: name.clone(),
                known: Command::ALL
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            let mut parsed = Vec::new();
            for k in list.keys() {
                let key = Key::parse(&k).map_err(|reason| KeymapError::BadKey {
                    action: name.clone(),
                    key: k.clone(),
                    reason,
                })?;
                parsed.push(key);
            }
            if parsed.is_empty() {
                return Err(KeymapError::NoKeys {
                    action: name.clone(),
                });
            }
            if cmd.context() == Context::Compose
                && let Some(k) = parsed.iter().find(|k| k.types_text())
            {
                return Err(KeymapError::Typing {
                    action: name.clone(),
                    key: k.to_string(),
                });
            }
            overridden.push((cmd, parsed));
        }
        // A key the user gave to one action is taken away from any default that had it.
        for (cmd, new_keys) in &overridden {
            for (other, list) in keys.iter_mut() {
                if other != cmd && other.context() == cmd.context() {
                    list.retain(|k| !new_keys.contains(k));
                }
            }
        }
        for (cmd, new_keys) in overridden {
            keys.insert(cmd, new_keys);
        }
        let mut browse = HashMap::new();
        let mut compose = HashMap::new();
        for (cmd, list) in &keys {
            let table = match cmd.context() {
                Context::Browse => &mut browse,
                Context::Compose => &mut compose,
            };
            for k in list {
                // Two actions the user gave one key: whichever won, the other would be
                // silently dead while the help still listed it.
                match table.insert(*k, *cmd) {
                    Some(other) if other != *cmd => {
                        return Err(KeymapError::Conflict {
                            key: k.to_string(),
                            first: other.name().to_string(),
                            second: cmd.name().to_string(),
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(Keymap {
            browse,
            compose,
            keys,
        })
    }

    /// The command bound to a key while browsing.
    pub fn browse(&self, ev: &KeyEvent) -> Option<Command> {
        self.browse.get(&Key::from_event(ev)).copied()
    }

    /// The command bound to a key in the rating editor.
    pub fn compose(&self, ev: &KeyEvent) -> Option<Command> {
        self.compose.get(&Key::from_event(ev)).copied()
    }

    pub fn keys_of(&self, cmd: Command) -> &[Key] {
        self.keys.get(&cmd).map(Vec::as_slice).unwrap_or(&[])
    }

    /// "j Down": the keys of a command as the help screen shows them.
    pub fn describe(&self, cmd: Command) -> String {
        self.keys_of(cmd)
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The first key of a command ("?" for help), for hints.
    pub fn first(&self, cmd: Command) -> String {
        self.keys_of(cmd)
            .first()
            .map(Key::to_string)
            .unwrap_or_else(|| "(unbound)".to_string())
    }

    /// The help screen, grouped, generated from the bindings in force.
    pub fn help(&self) -> Vec<HelpSection> {
        let mut sections: Vec<HelpSection> = Vec::new();
        for cmd in Command::ALL {
            let title = cmd.group();
            let entry = HelpEntry {
                keys: self.describe(cmd),
                description: cmd.description(),
            };
            match sections.iter_mut().find(|s| s.title == title) {
                // Commands that share a description share a line (the tag digits).
                Some(s) => match s.entries.last_mut() {
                    Some(last) if last.description == entry.description => {
                        last.keys.push(' ');
                        last.keys.push_str(&entry.keys);
                    }
                    _ => s.entries.push(entry),
                },
                None => sections.push(HelpSection {
                    title,
                    entries: vec![entry],
                }),
            }
        }
        if let Some(s) = sections.iter_mut().find(|s| s.title == "Other") {
            s.entries.push(HelpEntry {
                keys: "Ctrl-C".to_string(),
                description: "quit now (ratings not yet sent stay in the journal)",
            });
        }
        sections
    }

    /// Turns a terminal key event into an action, given what is on screen.
    pub fn action(&self, mode: KeyMode, ev: &KeyEvent) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let key = Key::from_event(ev);
        if key == Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL) {
            return Some(Action::ForceQuit);
        }
        match mode {
            KeyMode::Browse => self
                .browse(ev)
                .map(Action::Command)
                .or_else(|| (key.code == KeyCode::Esc).then_some(Action::Dismiss)),
            KeyMode::Compose => Some(match self.compose(ev) {
                Some(cmd) => Action::Command(cmd),
                None => Action::EditorKey(*ev),
            }),
            KeyMode::Prompt => Some(match key.code {
                KeyCode::Esc => Action::PromptCancel,
                KeyCode::Enter => Action::PromptSubmit,
                _ => Action::PromptKey(*ev),
            }),
            KeyMode::Help => match key.code {
                KeyCode::Esc => Some(Action::Dismiss),
                _ => match self.browse(ev) {
                    Some(
                        cmd @ (Command::Up
                        | Command::Down
                        | Command::PageUp
                        | Command::PageDown
                        | Command::Top
                        | Command::Bottom),
                    ) => Some(Action::Command(cmd)),
                    Some(Command::Help | Command::Quit) => Some(Action::Dismiss),
                    Some(Command::Stats) => Some(Action::Dismiss),
                    _ => None,
                },
            },
            KeyMode::List => match key.code {
                KeyCode::Esc => Some(Action::Dismiss),
                KeyCode::Enter => Some(Action::Command(Command::Open)),
                _ => match self.browse(ev) {
                    Some(
                        cmd @ (Command::Up
                        | Command::Down
                        | Command::PageUp
                        | Command::PageDown
                        | Command::Top
                        | Command::Bottom
                        | Command::Open
                        | Command::Search
                        | Command::NextMatch
                        | Command::PrevMatch
                        | Command::Quit),
                    ) => Some(Action::Command(cmd)),
                    _ => None,
                },
            },
            KeyMode::Confirm => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    Some(Action::ConfirmYes)
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::ConfirmNo),
                _ => self
                    .browse(ev)
                    .filter(|c| *c == Command::Quit)
                    .map(|_| Action::ConfirmYes),
            },
            KeyMode::Ask => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    Some(Action::ConfirmYes)
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::ConfirmNo),
                _ => None,
            },
        }
    }
}

/// Which table a key is looked up in; follows the model's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    Browse,
    Compose,
    Prompt,
    Help,
    Confirm,
    /// A list over the panes: search results, profiles.
    List,
    /// A yes/no question that only `y`, `n`, Enter and Esc answer (a bulk positive).
    Ask,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn every_default_parses_and_every_command_has_a_key() {
        let k = Keymap::default();
        for cmd in Command::ALL {
            assert!(!k.keys_of(cmd).is_empty(), "{cmd:?}");
        }
    }

    #[test]
    fn parses_the_key_forms_of_the_config_file() {
        let p = |s| Key::parse(s).unwrap();
        assert_eq!(p("j"), Key::new(KeyCode::Char('j'), KeyModifiers::NONE));
        assert_eq!(p("N"), Key::new(KeyCode::Char('N'), KeyModifiers::NONE));
        assert_eq!(p("shift-n"), p("N"));
        assert_eq!(
            p("ctrl-s"),
            Key::new(KeyCode::Char('s'), KeyModifiers::CONTROL)
        );
        assert_eq!(p("Ctrl+S"), p("ctrl-s"));
        assert_eq!(p("-"), Key::new(KeyCode::Char('-'), KeyModifiers::NONE));
        assert_eq!(
            p("ctrl--"),
            Key::new(KeyCode::Char('-'), KeyModifiers::CONTROL)
        );
        assert_eq!(p("PgDn"), Key::new(KeyCode::PageDown, KeyModifiers::NONE));
        assert_eq!(
            p("shift-tab"),
            Key::new(KeyCode::BackTab, KeyModifiers::NONE)
        );
        assert_eq!(p("f5"), Key::new(KeyCode::F(5), KeyModifiers::NONE));
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("hyper-x").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn events_match_parsed_keys() {
        let k = Keymap::default();
        // Terminals report an uppercase letter with SHIFT held.
        assert_eq!(
            k.browse(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Command::Bottom)
        );
        assert_eq!(
            k.browse(&ev(KeyCode::Char('+'), KeyModifiers::SHIFT)),
            Some(Command::RatePositive)
        );
        assert_eq!(
            k.compose(&ev(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            Some(Command::Send)
        );
        assert!(matches!(
            k.action(KeyMode::Compose, &ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::EditorKey(e)) if e.code == KeyCode::Char('x')
        ));
        assert!(matches!(
            k.action(
                KeyMode::Compose,
                &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::ForceQuit)
        ));
        assert!(matches!(
            k.action(
                KeyMode::Browse,
                &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::ForceQuit)
        ));
    }

    #[test]
    fn config_overrides_replace_and_steal_keys() {
        let mut o = BTreeMap::new();
        o.insert(
            "quit".to_string(),
            KeyList::Many(vec!["x".into(), "ctrl-q".into()]),
        );
        o.insert("rate_positive".to_string(), KeyList::One("j".into()));
        let k = Keymap::from_config(&o).unwrap();
        assert_eq!(k.browse(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(
            k.browse(&ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Command::Quit)
        );
        assert_eq!(
            k.browse(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Command::RatePositive)
        );
        // `j` moved to rating; Down keeps its arrow.
        assert_eq!(k.describe(Command::Down), "Down");
        assert_eq!(k.describe(Command::Quit), "x Ctrl-Q");
        let help = k.help();
        let quit = help
            .iter()
            .flat_map(|s| &s.entries)
            .find(|e| e.description == Command::Quit.description())
            .unwrap();
        assert_eq!(quit.keys, "x Ctrl-Q");
    }

    #[test]
    fn config_errors_name_the_culprit() {
        let mut o = BTreeMap::new();
        o.insert("jump_around".to_string(), KeyList::One("x".into()));
        let e = Keymap::from_config(&o).unwrap_err().to_string();
        assert!(
            e.contains("jump_around") && e.contains("rate_positive"),
            "{e}"
        );

        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), KeyList::One("ctrl-".into()));
        let e = Keymap::from_config(&o).unwrap_err().to_string();
        assert!(e.contains("quit") && e.contains("ctrl-"), "{e}");

        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), KeyList::Many(vec![]));
        assert!(matches!(
            Keymap::from_config(&o),
            Err(KeymapError::NoKeys { .. })
        ));
    }

    #[test]
    fn one_key_for_two_actions_is_an_error() {
        let mut o = BTreeMap::new();
        o.insert("rate_positive".to_string(), KeyList::One("y".into()));
        o.insert("quit".to_string(), KeyList::Many(vec!["y".into()]));
        let e = Keymap::from_config(&o).unwrap_err().to_string();
        assert!(
            e.contains("\"y\"") && e.contains("rate_positive") && e.contains("quit"),
            "{e}"
        );
        // The same key in the browser and in the editor is no conflict (Tab is in both).
        let mut o = BTreeMap::new();
        o.insert("next_pane".to_string(), KeyList::One("ctrl-t".into()));
        o.insert("toggle_rating".to_string(), KeyList::One("ctrl-t".into()));
        assert!(Keymap::from_config(&o).is_ok());
    }

    #[test]
    fn an_editor_action_on_a_plain_letter_is_an_error() {
        let mut o = BTreeMap::new();
        o.insert("send".to_string(), KeyList::One("s".into()));
        let e = Keymap::from_config(&o).unwrap_err().to_string();
        assert!(e.contains("send") && e.contains("typing"), "{e}");
        let mut o = BTreeMap::new();
        o.insert("send".to_string(), KeyList::One("alt-s".into()));
        assert!(Keymap::from_config(&o).is_ok());
    }
}
