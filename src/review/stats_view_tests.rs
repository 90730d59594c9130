//! Snapshots at 80x24 and 120x40 of the stats screen, the pace in the status bar, and
//! the guidelines pane.

use super::action::{Action, Command};
use super::fixtures::*;
use super::guidelines::{Content, Read};
use super::model::*;
use super::stats::StatsReport;
use super::update::{prepare, update};
use crate::api::model::Rating;
use crate::journal::stats::{Breakdown, Pace, Summary, TagNegatives};
use insta::assert_snapshot;

fn breakdown(name: &str, positive: usize, negative: usize) -> Breakdown {
    Breakdown {
        name: name.into(),
        ratings: positive + negative,
        positive,
        negative,
    }
}

fn tag(tag: &str, negative: usize) -> TagNegatives {
    TagNegatives {
        tag: tag.into(),
        negative,
    }
}

fn report() -> StatsReport {
    StatsReport {
        run: Summary {
            ratings: 24,
            positive: 17,
            negative: 7,
            positive_share: Some(17.0 / 24.0),
            negatives_by_tag: vec![tag("hallucination", 4), tag("wrong_tool", 2)],
            untagged_negatives: 1,
            pace: Pace {
                median_seconds: Some(21.0),
                per_hour: Some(38.0),
                breaks: 0,
            },
            session_count: 3,
            reviewer_count: 1,
            sessions: vec![
                breakdown("ses_a", 8, 4),
                breakdown("ses_b", 6, 2),
                breakdown("ses_c", 3, 1),
            ],
            reviewers: vec![breakdown("ann", 17, 7)],
        },
        all: Summary {
            ratings: 1234,
            positive: 800,
            negative: 434,
            positive_share: Some(800.0 / 1234.0),
            negatives_by_tag: vec![
                tag("hallucination", 150),
                tag("incomplete", 90),
                tag("wrong_tool", 60),
                tag("ignored_instruction", 30),
                tag("tone", 4),
            ],
            untagged_negatives: 100,
            pace: Pace {
                median_seconds: Some(30.0),
                per_hour: Some(70.0),
                breaks: 12,
            },
            session_count: 300,
            reviewer_count: 2,
            sessions: vec![breakdown("ses_a", 8, 4)],
            reviewers: vec![breakdown("ann", 700, 300), breakdown("bob", 100, 134)],
        },
        per_minute: vec![0, 1, 3, 2, 4, 0, 0, 2, 5, 3, 1, 2],
    }
}

fn stats(w: u16, h: u16) -> Model {
    let mut m = loaded(w, h);
    update(&mut m, Action::Command(Command::Stats));
    let Mode::Stats(s) = &m.mode else {
        panic!("stats")
    };
    let generation = s.generation;
    update(
        &mut m,
        Action::StatsLoaded {
            generation,
            result: Ok(report()),
        },
    );
    m
}

#[test]
fn the_stats_screen() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = stats(w, h);
        let s = screen(&m);
        assert!(s.contains("This run"), "{s}");
        assert!(s.contains("1,234 rated"), "{s}");
        assert!(s.contains("71% positive"), "{s}");
        assert!(s.contains("38/h · 21 s median"), "{s}");
        assert!(s.contains("hallucination"), "{s}");
        assert!(s.contains("Ratings per minute"), "{s}");
        assert!(s.contains("Reviewers (2, all time)"), "{s}");
        assert_snapshot!(format!("stats_{w}x{h}"), s);
    }
}

#[test]
fn the_stats_screen_while_reading_and_on_error() {
    let mut m = loaded(80, 24);
    update(&mut m, Action::Command(Command::Stats));
    assert!(screen(&m).contains("Reading the journal"));
    let Mode::Stats(s) = &m.mode else {
        panic!("stats")
    };
    let generation = s.generation;
    update(
        &mut m,
        Action::StatsLoaded {
            generation,
            result: Err("the journal is closed".into()),
        },
    );
    assert!(screen(&m).contains("Cannot read the stats from the journal: the journal is closed"));
    // The smallest screen the reviewer draws still says something whole.
    update(&mut m, Action::Resize(60, 15));
    let s = screen(&m);
    assert!(s.contains("Cannot read the stats"), "{s}");
}

#[test]
fn the_pace_in_the_status_bar() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        let t0 = m.now;
        for (i, (msg, secs)) in [("a2", 0), ("a4", 20), ("a6", 50)].into_iter().enumerate() {
            m.now = t0 + chrono::Duration::seconds(secs);
            update(
                &mut m,
                Action::RateRecorded {
                    session_id: "ses_a".into(),
                    message_id: msg.into(),
                    rating: Rating::Positive,
                    result: Ok(entry(i as i64 + 1, "ses_a", msg, Rating::Positive)),
                },
            );
        }
        m.now = t0;
        prepare(&mut m);
        let s = screen(&m);
        assert!(s.contains("144/h · 25 s median"), "{s}");
        assert_snapshot!(format!("pace_status_{w}x{h}"), s);
    }
}

const RUBRIC: &str = "# Rating rubric\n\nRate the **reply**, not the question.\n\n## Negative when\n\n- it states a fact the tools did not return (`hallucination`)\n- it calls the *wrong* tool\n- it ignores an instruction\n\n## Positive when\n\n1. it answers what was asked\n2. every number comes from a tool result\n\n> When unsure, add a note.\n";

#[test]
fn the_guidelines_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = loaded(w, h);
        m.guidelines.path = Some("/team/rubric.md".into());
        update(&mut m, Action::Command(Command::Guidelines));
        update(
            &mut m,
            Action::GuidelinesRead(Read::Changed {
                modified: None,
                content: Content::Text(RUBRIC.into()),
            }),
        );
        prepare(&mut m);
        let s = screen(&m);
        assert!(s.contains("Guidelines · rubric.md"), "{s}");
        assert!(s.contains("Rating rubric"), "{s}");
        assert!(!s.contains("**"), "markdown is typeset: {s}");
        assert_snapshot!(format!("guidelines_{w}x{h}"), s);
    }
}

#[test]
fn a_missing_guidelines_file_says_where_it_looked() {
    let mut m = loaded(120, 40);
    m.guidelines.path = Some("/team/rubric.md".into());
    update(&mut m, Action::Command(Command::Guidelines));
    update(
        &mut m,
        Action::GuidelinesRead(Read::Changed {
            modified: None,
            content: Content::Missing,
        }),
    );
    prepare(&mut m);
    let s = screen(&m);
    assert!(s.contains("No guidelines file at"), "{s}");
    assert!(s.contains("/team/rubric.md"), "{s}");
    assert_snapshot!("guidelines_missing_120x40", s);
    for (content, words) in [
        (Content::Binary, "not UTF-8"),
        (Content::TooBig { bytes: 10 << 20 }, "is 10240 KiB"),
    ] {
        update(
            &mut m,
            Action::GuidelinesRead(Read::Changed {
                modified: None,
                content,
            }),
        );
        let s = screen(&m);
        assert!(s.contains(words), "{s}");
    }
}

#[test]
fn names_from_the_journal_reach_the_screen_made_safe() {
    let mut m = loaded(120, 40);
    update(&mut m, Action::Command(Command::Stats));
    let Mode::Stats(s) = &m.mode else {
        panic!("stats")
    };
    let generation = s.generation;
    let mut r = report();
    r.run.sessions = vec![breakdown("ses_\u{1b}]0;owned\u{7}x", 1, 0)];
    r.all.reviewers = vec![breakdown("eve\u{1b}[2J", 1, 0)];
    update(
        &mut m,
        Action::StatsLoaded {
            generation,
            result: Ok(r),
        },
    );
    let s = screen(&m);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
    assert!(s.contains("ses_\u{fffd}]0;owned\u{fffd}x"), "{s}");
}
