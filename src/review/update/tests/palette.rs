//! The command palette: opening, filtering, choosing, running, arguments and their
//! mistakes, and the history.

use super::helpers::*;
use crate::review::batch::BatchKind;
use crate::review::palette::Prompt;

fn prompt(m: &Model) -> &Prompt {
    match &m.mode {
        Mode::Palette(p) => p,
        other => panic!("the palette is not open: {other:?}"),
    }
}

fn notice(m: &Model) -> String {
    m.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// `:` and the text typed key by key; the effects asked for.
fn palette(m: &mut Model, typed: &str) -> Vec<Effect> {
    let mut fx = update(m, cmd(Command::Palette));
    for c in typed.chars() {
        fx.extend(update(m, Action::PromptKey(key(c))));
    }
    fx
}

/// `:`, the line, Enter; the effects of all of it.
fn run(m: &mut Model, line: &str) -> Vec<Effect> {
    let mut fx = palette(m, line);
    fx.extend(update(m, Action::PromptSubmit));
    fx
}

/// The names listed for what is typed, best first.
fn listed(m: &Model) -> Vec<&'static str> {
    crate::review::palette::matches(&m.palette.catalogue, &prompt(m).input)
        .into_iter()
        .map(|(e, _)| e.name)
        .collect()
}

#[test]
fn colon_opens_the_palette_and_reads_the_history_once() {
    let mut m = loaded(120, 40);
    let keymap = crate::review::keymap::Keymap::default();
    let colon = keymap
        .action(crate::review::run::key_mode(&m), &key(':'))
        .expect(": is bound");
    assert!(matches!(colon, Action::Command(Command::Palette)));
    let fx = update(&mut m, colon);
    assert!(matches!(m.mode, Mode::Palette(_)));
    assert_eq!(fx, vec![Effect::LoadPaletteHistory]);
    // Typing in it is typing, not commands.
    let q = keymap
        .action(crate::review::run::key_mode(&m), &key('q'))
        .unwrap();
    assert!(matches!(q, Action::PromptKey(_)), "{q:?}");
    update(&mut m, Action::PromptCancel);
    assert!(matches!(m.mode, Mode::Browse));
    assert!(
        update(&mut m, cmd(Command::Palette)).is_empty(),
        "read once"
    );
    update(&mut m, Action::Dismiss);
    assert!(matches!(m.mode, Mode::Browse), "Esc closes it");
}

#[test]
fn typing_filters_and_up_down_choose() {
    let mut m = loaded(120, 40);
    palette(&mut m, "und");
    assert_eq!(listed(&m)[0], "undo");
    update(&mut m, Action::PromptKey(code(KeyCode::Backspace)));
    update(&mut m, Action::PromptKey(code(KeyCode::Backspace)));
    update(&mut m, Action::PromptKey(code(KeyCode::Backspace)));
    assert_eq!(prompt(&m).input, "");
    update(&mut m, Action::PromptKey(key('r')));
    update(&mut m, Action::PromptKey(key('n')));
    let names = listed(&m);
    assert_eq!(names[0], "rate_negative", "{names:?}");
    update(&mut m, Action::PromptKey(code(KeyCode::Down)));
    assert_eq!(prompt(&m).selected, 1);
    update(&mut m, Action::PromptKey(ctrl('n')));
    assert_eq!(prompt(&m).selected, 2);
    update(&mut m, Action::PromptKey(ctrl('p')));
    update(&mut m, Action::PromptKey(code(KeyCode::Up)));
    assert_eq!(prompt(&m).selected, 0);
    // Down stops at the last entry.
    for _ in 0..200 {
        update(&mut m, Action::PromptKey(code(KeyCode::Down)));
    }
    assert_eq!(prompt(&m).selected, names.len() - 1);
    // PgDn and PgUp move by ten over the whole list (Ctrl-U clears the line).
    update(&mut m, Action::PromptKey(ctrl('u')));
    update(&mut m, Action::PromptKey(code(KeyCode::PageDown)));
    assert_eq!(prompt(&m).selected, 10);
    update(&mut m, Action::PromptKey(code(KeyCode::PageUp)));
    assert_eq!(prompt(&m).selected, 0);
    update(&mut m, Action::PromptKey(code(KeyCode::PageDown)));
    // Typing starts the choice again at the best match.
    update(&mut m, Action::PromptKey(key('e')));
    assert_eq!(prompt(&m).selected, 0);
}

#[test]
fn enter_runs_the_chosen_command_as_its_key_would() {
    let mut m = loaded(120, 40);
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    let fx = run(&mut m, "rneg");
    assert!(matches!(m.mode, Mode::Browse));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Rate { message_id, rating: Rating::Negative, .. } if message_id == "a4")),
        "{fx:?}"
    );
    // A name typed whole runs that command.
    palette(&mut m, "help");
    update(&mut m, Action::PromptSubmit);
    assert!(matches!(m.mode, Mode::Help { .. }));
}

#[test]
fn tab_completes_the_name_and_a_space_for_arguments() {
    let mut m = loaded(120, 40);
    palette(&mut m, "smp");
    update(&mut m, Action::PromptKey(code(KeyCode::Tab)));
    assert_eq!(prompt(&m).input, "sample ");
    update(&mut m, Action::PromptCancel);
    palette(&mut m, "tgtools");
    update(&mut m, Action::PromptKey(code(KeyCode::Tab)));
    assert_eq!(prompt(&m).input, "toggle_tools");
}

#[test]
fn nothing_matching_says_so_inside_the_palette() {
    let mut m = loaded(120, 40);
    palette(&mut m, "zzq");
    assert!(listed(&m).is_empty());
    let fx = update(&mut m, Action::PromptSubmit);
    assert!(fx.is_empty());
    let err = prompt(&m).error.clone().unwrap();
    assert!(err.contains("No command matches \"zzq\""), "{err}");
}

#[test]
fn sample_starts_a_batch_of_the_current_filter() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::Filter)); // unrated
    let fx = run(&mut m, "sample 2 42");
    assert!(matches!(m.mode, Mode::Browse));
    let b = m.batch.as_ref().expect("a batch");
    assert_eq!(b.kind, BatchKind::Sample { n: 2, seed: 42 });
    let draw = fx.iter().find_map(|e| match e {
        Effect::DrawBatch { selection, .. } => Some(selection.clone()),
        _ => None,
    });
    match draw {
        Some(crate::review::sample::Selection::Sample(spec)) => {
            assert_eq!((spec.n, spec.seed, spec.unrated), (2, 42, true));
        }
        other => panic!("no draw: {other:?} in {fx:?}"),
    }
    // The batch is drawn, as --sample's is: the list becomes its sessions.
    let drawn = crate::review::sample::choose(
        match &m.batch.as_ref().unwrap().selection {
            s @ crate::review::sample::Selection::Sample(_) => s,
            _ => unreachable!(),
        },
        demo_sessions(),
        &Default::default(),
        false,
    );
    let generation = m.sessions.generation;
    let fx = update(
        &mut m,
        Action::BatchDrawn {
            generation,
            result: Ok(drawn),
        },
    );
    serve_demo(&mut m, fx);
    assert_eq!(m.batch.as_ref().unwrap().sessions.len(), 2);
    assert!(m.open.is_some(), "the batch's first session opens");
    let label = crate::review::batch::status_label(&m, "·").unwrap();
    assert!(
        label.contains("seed 42") && label.contains("batch 0/2"),
        "{label}"
    );
}

#[test]
fn sample_without_a_seed_gets_one_and_bad_numbers_stay_in_the_palette() {
    let mut m = loaded(120, 40);
    run(&mut m, "sample 3");
    assert!(matches!(
        m.batch.as_ref().map(|b| &b.kind),
        Some(BatchKind::Sample { n: 3, .. })
    ));

    let mut m = loaded(120, 40);
    for (line, said) in [
        (
            "sample 0",
            "\"0\" is not a number of sessions from 1 to 100,000",
        ),
        ("sample lots", "\"lots\" is not a number"),
        ("sample 5 -1", "the seed \"-1\" is not a whole number"),
        ("sample 5 1 2", "one word too many"),
    ] {
        let fx = run(&mut m, line);
        assert!(
            fx.iter().all(|e| *e == Effect::LoadPaletteHistory),
            "{line}: {fx:?}"
        );
        let err = prompt(&m).error.clone().unwrap_or_default();
        assert!(err.contains(said), "{line}: {err}");
        assert!(m.batch.is_none());
        update(&mut m, Action::PromptCancel);
    }
    // Enter on the bare name completes it and says what it needs.
    run(&mut m, "sample");
    assert_eq!(prompt(&m).input, "sample ");
    assert!(
        prompt(&m)
            .error
            .as_deref()
            .is_some_and(|e| e.contains("sample N [seed]"))
    );
    // Typing clears the sentence.
    update(&mut m, Action::PromptKey(key('4')));
    assert!(prompt(&m).error.is_none());
}

#[test]
fn tag_toggles_the_named_tag_on_the_selected_reply() {
    let mut m = loaded(120, 40);
    let fx = run(&mut m, "tag hallucination");
    assert!(matches!(m.mode, Mode::Browse));
    let text = fx.iter().find_map(|e| match e {
        Effect::Rate {
            message_id, text, ..
        } => Some((message_id.clone(), text.clone())),
        _ => None,
    });
    assert_eq!(
        text,
        Some(("a4".into(), Some("tags: #hallucination".into())))
    );
    assert!(
        notice(&m).contains("Tag hallucination on message 4"),
        "{}",
        notice(&m)
    );
    // A new word is a new tag, as in the picker; a bad one is said in the palette.
    let fx = run(&mut m, "tag Made Up");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Rate { text: Some(t), .. } if t.contains("#made_up"))),
        "{fx:?}"
    );
    let fx = run(&mut m, "tag #!!");
    assert!(fx.is_empty());
    assert!(prompt(&m).error.is_some());
    update(&mut m, Action::PromptCancel);
    // Without a name the picker opens.
    run(&mut m, "tag");
    assert!(matches!(m.mode, Mode::Tags(_)));
}

#[test]
fn tag_right_after_a_rating_goes_to_the_reply_rated() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::RateNegative));
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    let fx = run(&mut m, "tag wrong_tool");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Rate { message_id, .. } if message_id == "a4")),
        "{fx:?}"
    );
}

#[test]
fn goto_opens_a_session_by_id_or_unique_prefix() {
    let mut m = loaded(120, 40);
    assert_eq!(m.open.as_deref(), Some("ses_a"));
    let fx = run(&mut m, "goto ses_b");
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    assert_eq!(m.focus, Pane::Transcript);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadHistory { session_id, .. } if session_id == "ses_b"))
    );
    assert!(notice(&m).contains("Opened Q3 summary"), "{}", notice(&m));

    // A session the filter hides: every session is shown again.
    update(&mut m, cmd(Command::Filter)); // unrated: ses_c is rated
    assert!(m.sessions.position("ses_c").is_none());
    run(&mut m, "goto ses_c");
    assert_eq!(m.open.as_deref(), Some("ses_c"));
    assert_eq!(m.filter, Filter::All);

    // Not found, or a prefix of several: said in the palette.
    let fx = run(&mut m, "goto ses_zz");
    assert!(fx.is_empty());
    let err = prompt(&m).error.clone().unwrap();
    assert!(
        err.contains("no listed session has the id \"ses_zz\""),
        "{err}"
    );
    update(&mut m, Action::PromptCancel);
    run(&mut m, "goto ses_");
    let err = prompt(&m).error.clone().unwrap();
    assert!(
        err.contains("starts 3 session ids") && err.contains("ses_a"),
        "{err}"
    );
    update(&mut m, Action::PromptCancel);
    run(&mut m, "goto");
    assert!(
        prompt(&m)
            .error
            .clone()
            .unwrap()
            .contains("needs a session id")
    );
}

#[test]
fn order_checks_its_word() {
    let mut m = loaded(120, 40);
    run(&mut m, "order sideways");
    let err = prompt(&m).error.clone().unwrap();
    assert!(err.contains("use newest or risk"), "{err}");
    update(&mut m, Action::PromptCancel);
    run(&mut m, "order risk");
    assert!(matches!(m.mode, Mode::Browse));
    assert_eq!(m.order.order, crate::review::order::Order::Risk);
}

#[test]
fn history_recalls_with_up_on_an_empty_prompt_and_is_saved() {
    let mut m = loaded(120, 40);
    let fx = update(&mut m, cmd(Command::Palette));
    assert_eq!(fx, vec![Effect::LoadPaletteHistory]);
    update(&mut m, Action::PromptCancel);
    // The file's commands arrive; those run this run go after them.
    update(
        &mut m,
        Action::PaletteHistoryLoaded(Ok(Some(vec!["goto ses_c".into(), "help".into()]))),
    );
    let fx = run(&mut m, "order newest");
    assert!(
        fx.contains(&Effect::SavePaletteHistory {
            history: vec!["goto ses_c".into(), "help".into(), "order newest".into()]
        }),
        "{fx:?}"
    );
    update(&mut m, cmd(Command::Palette));
    update(&mut m, Action::PromptKey(code(KeyCode::Up)));
    assert_eq!(prompt(&m).input, "order newest");
    update(&mut m, Action::PromptKey(ctrl('p')));
    assert_eq!(prompt(&m).input, "help");
    update(&mut m, Action::PromptKey(code(KeyCode::Up)));
    update(&mut m, Action::PromptKey(code(KeyCode::Up)));
    assert_eq!(prompt(&m).input, "goto ses_c", "stops at the oldest");
    update(&mut m, Action::PromptKey(code(KeyCode::Down)));
    assert_eq!(prompt(&m).input, "help");
    update(&mut m, Action::PromptKey(code(KeyCode::Down)));
    update(&mut m, Action::PromptKey(code(KeyCode::Down)));
    assert_eq!(prompt(&m).input, "", "past the newest: empty again");
    // Recalled and run again.
    update(&mut m, Action::PromptKey(code(KeyCode::Up)));
    update(&mut m, Action::PromptKey(code(KeyCode::Up)));
    update(&mut m, Action::PromptKey(code(KeyCode::Up)));
    update(&mut m, Action::PromptSubmit);
    assert_eq!(m.open.as_deref(), Some("ses_c"));
}

#[test]
fn a_command_run_before_the_history_arrives_is_kept_and_saved_with_it() {
    let mut m = loaded(120, 40);
    let fx = run(&mut m, "goto ses_b");
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::SavePaletteHistory { .. })),
        "not before the file is read: it would be replaced"
    );
    let fx = update(
        &mut m,
        Action::PaletteHistoryLoaded(Ok(Some(vec!["help".into()]))),
    );
    assert_eq!(
        fx,
        vec![Effect::SavePaletteHistory {
            history: vec!["help".into(), "goto ses_b".into()]
        }]
    );
}

#[test]
fn a_damaged_history_file_is_ignored_with_a_notice() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::Palette));
    update(&mut m, Action::PromptCancel);
    let fx = update(
        &mut m,
        Action::PaletteHistoryLoaded(Err("it is not text".into())),
    );
    assert!(fx.is_empty());
    assert!(m.palette.loaded);
    assert!(notice(&m).contains("history file could not be read (it is not text)"));
    let fx = run(&mut m, "help");
    assert!(fx.contains(&Effect::SavePaletteHistory {
        history: vec!["help".into()]
    }));
}

#[test]
fn pastes_are_one_line_bounded_and_safe() {
    let mut m = loaded(120, 40);
    update(&mut m, cmd(Command::Palette));
    update(
        &mut m,
        Action::Paste(format!("goto \u{1b}[2J{}\nsecond", "x".repeat(500))),
    );
    let p = prompt(&m);
    assert!(!p.input.contains('\u{1b}') && !p.input.contains("second"));
    assert_eq!(
        p.input.chars().count(),
        crate::review::palette::INPUT_CHARS_MAX
    );
}
