//! Switching accounts from inside the reviewer: the config file's profiles as a list;
//! choosing one ends this run, and the reviewer starts again on it.

use super::wording;
use crate::review::action::{Action, Command};
use crate::review::model::*;

pub(super) fn open_profiles(m: &mut Model) {
    if m.profiles.is_empty() {
        m.set_notice(Level::Info, wording::NO_PROFILES);
        return;
    }
    let selected = m
        .profile
        .as_ref()
        .and_then(|p| m.profiles.iter().position(|x| &x.name == p))
        .unwrap_or(0);
    m.mode = Mode::Profiles { selected };
}

pub(super) fn profiles(m: &mut Model, action: Action) {
    let last = m.profiles.len().saturating_sub(1);
    let Mode::Profiles { selected } = &mut m.mode else {
        return;
    };
    match action {
        Action::Dismiss | Action::Command(Command::Quit | Command::SwitchProfile) => {
            m.mode = Mode::Browse;
        }
        Action::Command(Command::Down | Command::PageDown) => *selected = (*selected + 1).min(last),
        Action::Command(Command::Up | Command::PageUp) => *selected = selected.saturating_sub(1),
        Action::Command(Command::Top) => *selected = 0,
        Action::Command(Command::Bottom) => *selected = last,
        Action::Command(Command::Open) => {
            let Some(name) = m.profiles.get(*selected).map(|p| p.name.clone()) else {
                return;
            };
            m.mode = Mode::Browse;
            if m.profile.as_ref() == Some(&name) {
                m.set_notice(Level::Info, wording::already_on_profile(&name));
            } else {
                // Ratings still on their way stay in the journal, and go out the next
                // time this account is used; the switch does not wait for them.
                m.switch_to = Some(name);
                m.quit = true;
            }
        }
        _ => {}
    }
}
