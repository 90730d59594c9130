//! Switching account from inside the reviewer: the list, the choice, and what ends the run.

use super::helpers::*;
use crate::config::ProfileSummary;

fn with_profiles(m: &mut Model) {
    m.profiles = ["personal", "team"]
        .into_iter()
        .map(|name| ProfileSummary {
            name: name.into(),
            namespace: Some(format!("ns-{name}")),
            base_url: Some("https://api.mixpeek.com".into()),
        })
        .collect();
    m.profile = Some("personal".into());
}

#[test]
fn choosing_another_profile_ends_the_run_to_start_again_on_it() {
    let mut m = loaded(120, 40);
    with_profiles(&mut m);
    update(&mut m, cmd(Command::SwitchProfile));
    assert!(
        matches!(m.mode, Mode::Profiles { selected: 0 }),
        "the one in use first"
    );
    update(&mut m, cmd(Command::Down));
    update(&mut m, cmd(Command::Down));
    assert!(matches!(m.mode, Mode::Profiles { selected: 1 }));
    update(&mut m, cmd(Command::Open));
    assert_eq!(m.switch_to.as_deref(), Some("team"));
    assert!(m.quit);
}

#[test]
fn the_profile_in_use_and_esc_change_nothing() {
    let mut m = loaded(120, 40);
    with_profiles(&mut m);
    update(&mut m, cmd(Command::SwitchProfile));
    update(&mut m, cmd(Command::Open));
    assert!(!m.quit && m.switch_to.is_none());
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "Already on the profile personal."
    );
    update(&mut m, cmd(Command::SwitchProfile));
    update(&mut m, Action::Dismiss);
    assert!(matches!(m.mode, Mode::Browse));
    assert!(!m.quit);
}

#[test]
fn with_no_profiles_the_key_says_how_to_make_one() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::SwitchProfile));
    assert!(matches!(m.mode, Mode::Browse));
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("verdict login --profile NAME")
    );
}

#[test]
fn the_list_at_80x24() {
    let mut m = loaded(80, 24);
    with_profiles(&mut m);
    update(&mut m, cmd(Command::SwitchProfile));
    let shown = screen(&m);
    assert!(!shown.contains("sk_"), "no key is ever shown");
    insta::assert_snapshot!("profiles_80x24", shown);
}
