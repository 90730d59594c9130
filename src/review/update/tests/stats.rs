//! The stats screen (`S`), the run's pace, and the guidelines pane (`i`, `}`, `{`).

use super::helpers::*;
use crate::journal::stats::Summary;
use crate::review::guidelines::{Content, Read};
use crate::review::stats::StatsReport;

fn report() -> StatsReport {
    StatsReport {
        run: Summary {
            ratings: 3,
            ..Summary::default()
        },
        all: Summary::default(),
        per_minute: vec![1, 2],
    }
}

#[test]
fn s_opens_the_stats_asks_the_journal_and_esc_q_s_close_it() {
    let keymap = crate::review::keymap::Keymap::default();
    let mut m = loaded(120, 40);
    let fx = update(&mut m, cmd(Command::Stats));
    let Mode::Stats(s) = &m.mode else {
        panic!("not the stats screen: {:?}", m.mode)
    };
    let generation = s.generation;
    assert!(s.report.is_none());
    assert_eq!(
        fx,
        vec![Effect::LoadStats {
            generation,
            run_since: crate::journal::to_journal_time(m.pace.started),
            now: m.now,
        }]
    );
    // A stale answer (an earlier screen) is dropped; the screen's own is kept.
    update(
        &mut m,
        Action::StatsLoaded {
            generation: generation - 1,
            result: Ok(report()),
        },
    );
    assert!(matches!(&m.mode, Mode::Stats(s) if s.report.is_none()));
    update(
        &mut m,
        Action::StatsLoaded {
            generation,
            result: Ok(report()),
        },
    );
    assert!(matches!(&m.mode, Mode::Stats(s) if s.report == Some(Ok(report()))));

    // Rating keys do nothing on the stats screen.
    let before = receipt(&m, "ses_a", "a4").cloned();
    let plus = keymap.action(crate::review::run::key_mode(&m), &key('+'));
    assert!(plus.is_none(), "{plus:?}");
    assert_eq!(receipt(&m, "ses_a", "a4").cloned(), before);

    for k in ['S', 'q'] {
        let a = keymap
            .action(crate::review::run::key_mode(&m), &key(k))
            .expect("closes");
        update(&mut m, a);
        assert!(matches!(m.mode, Mode::Browse), "{k} closes");
        assert!(!m.quit);
        update(&mut m, cmd(Command::Stats));
    }
    update(&mut m, Action::Dismiss);
    assert!(matches!(m.mode, Mode::Browse));
    // An answer for a closed screen changes nothing.
    update(
        &mut m,
        Action::StatsLoaded {
            generation,
            result: Err("late".into()),
        },
    );
    assert!(matches!(m.mode, Mode::Browse));
}

#[test]
fn the_pace_counts_each_reply_rated_first_this_run() {
    let mut m = loaded(120, 40);
    let t0 = m.now;
    let rate = |m: &mut Model, msg: &str, id: i64, secs: i64| {
        m.now = t0 + chrono::Duration::seconds(secs);
        apply(
            m,
            [Action::RateRecorded {
                session_id: "ses_a".into(),
                message_id: msg.into(),
                rating: Rating::Negative,
                result: Ok(entry(id, "ses_a", msg, Rating::Negative)),
            }],
        );
    };
    rate(&mut m, "a2", 1, 0);
    crate::review::update::prepare(&mut m);
    assert_eq!(m.pace.pace.line("·"), None, "one rating: no pace yet");
    rate(&mut m, "a4", 2, 20);
    // A re-rating of the same reply is not a new reply.
    rate(&mut m, "a4", 3, 25);
    rate(&mut m, "a6", 4, 50);
    crate::review::update::prepare(&mut m);
    assert_eq!(m.pace.times.len(), 3);
    // Gaps of 20 s and 30 s: median 25 s, 2 replies in 50 s = 144 an hour.
    assert_eq!(
        m.pace.pace.line("·").as_deref(),
        Some("144/h · 25 s median")
    );
    // A long break is left out.
    rate(&mut m, "a8", 5, 50 + 3600);
    crate::review::update::prepare(&mut m);
    assert_eq!(m.pace.pace.breaks, 1);
    assert_eq!(
        m.pace.pace.line("·").as_deref(),
        Some("144/h · 25 s median")
    );
}

fn with_guidelines(w: u16, h: u16) -> Model {
    let mut m = loaded(w, h);
    m.guidelines.path = Some("/rubrics/rubric.md".into());
    m
}

fn rubric(lines: usize) -> String {
    let mut s = String::from("# Rubric\n\n");
    for i in 0..lines {
        s.push_str(&format!("- rule {i}\n"));
    }
    s
}

#[test]
fn i_shows_the_guidelines_beside_the_transcript_and_reads_the_file() {
    let mut m = with_guidelines(120, 40);
    let wide = m.areas().unwrap().transcript.width;
    let fx = update(&mut m, cmd(Command::Guidelines));
    assert!(m.guidelines.open);
    assert_eq!(
        fx,
        vec![Effect::ReadGuidelines {
            path: "/rubrics/rubric.md".into(),
            known: None
        }]
    );
    let a = m.areas().unwrap();
    let g = a.guidelines.expect("the pane");
    assert_eq!(
        g.x,
        a.transcript.x + a.transcript.width,
        "beside the transcript"
    );
    assert!(a.transcript.width < wide);
    // Keys still go to the transcript: rating works with the pane open.
    update(&mut m, cmd(Command::FocusTranscript));
    update(&mut m, cmd(Command::RatePositive));
    assert!(receipt(&m, "ses_a", "a4").is_some());
    assert!(m.guidelines.open, "stays open while rating");
    // No second read while one is under way; the tick polls once it is answered.
    assert!(update(&mut m, Action::Tick).is_empty());
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(5);
    update(
        &mut m,
        Action::GuidelinesRead(Read::Changed {
            modified: Some(t),
            content: Content::Text(rubric(3)),
        }),
    );
    assert_eq!(
        update(&mut m, Action::Tick),
        vec![Effect::ReadGuidelines {
            path: "/rubrics/rubric.md".into(),
            known: Some(t)
        }]
    );
    update(&mut m, Action::GuidelinesRead(Read::Unchanged));
    assert_eq!(m.guidelines.content, Content::Text(rubric(3)));
    assert!(m.animating(), "the timer beats while the pane is open");
    update(&mut m, cmd(Command::Guidelines));
    assert!(!m.guidelines.open);
    assert!(
        update(&mut m, Action::Tick).is_empty(),
        "closed: no polling"
    );
    assert!(m.areas().unwrap().guidelines.is_none());
}

#[test]
fn braces_scroll_the_guidelines_within_their_length() {
    let mut m = with_guidelines(120, 40);
    update(&mut m, cmd(Command::Guidelines));
    update(
        &mut m,
        Action::GuidelinesRead(Read::Changed {
            modified: None,
            content: Content::Text(rubric(100)),
        }),
    );
    let rows = m.areas().unwrap().guidelines.unwrap().height as usize - 2;
    update(&mut m, cmd(Command::GuidelinesDown));
    assert_eq!(m.guidelines.scroll, rows.div_ceil(2));
    for _ in 0..50 {
        update(&mut m, cmd(Command::GuidelinesDown));
    }
    // "# Rubric", a blank line, 100 rules: the last screenful stays in view.
    let total = crate::review::typeset::guidelines::lines(&m, 40).len();
    assert!(total >= 102, "{total}");
    let max = m.guidelines.scroll;
    assert!(max > 0 && max <= total - rows, "{max}");
    update(&mut m, cmd(Command::GuidelinesUp));
    assert_eq!(m.guidelines.scroll, max - rows.div_ceil(2));
    for _ in 0..50 {
        update(&mut m, cmd(Command::GuidelinesUp));
    }
    assert_eq!(m.guidelines.scroll, 0);
}

#[test]
fn without_a_file_i_says_how_to_set_one_and_braces_say_the_pane_is_hidden() {
    let mut m = loaded(120, 40);
    assert!(update(&mut m, cmd(Command::Guidelines)).is_empty());
    assert!(!m.guidelines.open);
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("review.guidelines")
    );
    let mut m = with_guidelines(120, 40);
    update(&mut m, cmd(Command::GuidelinesDown));
    assert!(m.notice.as_ref().unwrap().text.contains("press i"));
}

#[test]
fn on_a_narrow_screen_the_pane_takes_the_session_lists_place() {
    let mut m = with_guidelines(80, 24);
    let before = m.areas().unwrap();
    update(&mut m, cmd(Command::FocusSessions));
    update(&mut m, cmd(Command::Guidelines));
    let a = m.areas().unwrap();
    assert_eq!(a.guidelines, Some(before.sessions));
    assert_eq!(
        a.transcript, before.transcript,
        "the transcript keeps its width"
    );
    assert_eq!(m.focus, Pane::Transcript, "keys go to the transcript");
}
