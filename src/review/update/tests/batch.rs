//! Batches (a sample, a queue) and blind review.

use super::helpers::*;
use crate::queue::{Judgment, QueueItem};
use crate::review::action::KnownRating;
use crate::review::batch::Batch;
use crate::review::sample::{SampleSpec, Selection, choose};
use insta::assert_snapshot;
use std::collections::{HashMap, HashSet};

fn spec(n: usize, seed: u64) -> SampleSpec {
    SampleSpec {
        n,
        seed,
        status: None,
        since: None,
        until: None,
        unrated: false,
    }
}

/// Answers the batch's draw from `sessions` (as the runner does, after a progress
/// report), then serves every load from the demo data.
fn drawn_from(m: &mut Model, fx: Vec<Effect>, sessions: &[GetSessionResponse]) -> Vec<Effect> {
    let mut rest = Vec::new();
    let mut next = Vec::new();
    for e in fx {
        match e {
            Effect::DrawBatch {
                generation,
                selection,
            } => {
                next.extend(update(
                    m,
                    Action::BatchProgress {
                        generation,
                        listed: 1234,
                    },
                ));
                assert!(
                    m.notice
                        .as_ref()
                        .is_some_and(|n| n.text.contains(" 1,234 sessions…")),
                    "{:?}",
                    m.notice
                );
                let d = choose(&selection, sessions.to_vec(), &HashSet::new(), false);
                next.extend(update(
                    m,
                    Action::BatchDrawn {
                        generation,
                        result: Ok(d),
                    },
                ));
            }
            other => rest.push(other),
        }
    }
    rest.extend(serve_demo(m, next));
    rest
}

fn sampled(w: u16, h: u16, n: usize, seed: u64) -> Model {
    let mut m = model(w, h);
    m.batch = Some(Batch::sample(n, seed, Selection::Sample(spec(n, seed))));
    let fx = crate::review::update::start(&mut m);
    assert!(
        matches!(fx.first(), Some(Effect::DrawBatch { .. })),
        "a batch starts by drawing, not by listing one page: {fx:?}"
    );
    assert!(
        m.notice
            .as_ref()
            .is_some_and(|n| n.text.starts_with("drawing a sample of"))
    );
    drawn_from(&mut m, fx, &demo_sessions());
    m
}

fn visible_ids(m: &Model) -> Vec<String> {
    m.sessions
        .visible
        .iter()
        .map(|&i| m.sessions.rows[i].id.clone())
        .collect()
}

#[test]
fn a_sample_limits_the_list_to_the_batch_and_shows_its_progress() {
    let mut m = sampled(120, 40, 2, 8213);
    let ids = visible_ids(&m);
    assert_eq!(ids.len(), 2, "{ids:?}");
    let again = sampled(120, 40, 2, 8213);
    assert_eq!(visible_ids(&again), ids, "the same seed draws the same");
    let drawn = m
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        drawn.contains("A sample of 2 from 3 sessions (seed 8213"),
        "{drawn}"
    );
    let label = crate::review::batch::status_label(&m, "·").unwrap_or_default();
    assert!(label.starts_with("seed 8213 · batch "), "{label}");
    assert!(label.ends_with("/2"), "{label}");
    // Refresh keeps the batch: no list page is asked for.
    let fx = update(&mut m, cmd(Command::Refresh));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::LoadSessions { .. })),
        "{fx:?}"
    );
    assert_eq!(visible_ids(&m), ids);
}

/// Rates every unrated reply of the batch with `]` and `+`, answering every load, the
/// journal and the server as the runner would.
fn rate_everything(m: &mut Model) {
    for _ in 0..10 {
        if crate::review::batch::progress(m).is_some_and(|(done, of)| done == of) {
            return;
        }
        let fx = update(m, cmd(Command::NextUnrated));
        serve_demo(m, fx);
        let fx = update(m, cmd(Command::RatePositive));
        answer_rates(m, fx);
    }
}

/// Answers the ratings asked for: the journal commits, the server stores.
fn answer_rates(m: &mut Model, fx: Vec<Effect>) {
    {
        for e in fx {
            if let Effect::Rate {
                session_id,
                message_id,
                rating,
                ..
            } = e
            {
                let id = m.this_run.len() as i64 + 1;
                let entry = entry(id, &session_id, &message_id, rating);
                let sent = crate::review::fixtures::receipt(&session_id, &message_id, rating, true);
                update(
                    m,
                    Action::RateRecorded {
                        session_id,
                        message_id,
                        rating,
                        result: Ok(entry.clone()),
                    },
                );
                update(
                    m,
                    Action::Outbox(OutboxEvent::Sent {
                        entry,
                        receipt: sent,
                    }),
                );
            }
        }
    }
}

#[test]
fn a_finished_batch_says_so_with_its_numbers_once() {
    let mut m = sampled(120, 40, 3, 8213);
    assert_eq!(
        crate::review::batch::progress(&m),
        Some((1, 3)),
        "ses_c was rated already"
    );
    rate_everything(&mut m);
    assert_eq!(crate::review::batch::progress(&m), Some((3, 3)));
    let done = m
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert_eq!(
        done, "Batch done: 3 sessions; 3 replies rated this run (✓3 ✗0). seed 8213",
        "{done}"
    );
    assert!(m.batch.as_ref().is_some_and(|b| b.done_said));
}

#[test]
fn a_failed_draw_says_why_and_refresh_draws_again() {
    let mut m = model(120, 40);
    m.batch = Some(Batch::sample(5, 1, Selection::Sample(spec(5, 1))));
    let fx = crate::review::update::start(&mut m);
    let Some(Effect::DrawBatch { generation, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    update(
        &mut m,
        Action::BatchDrawn {
            generation,
            result: Err(ApiError::Network("connection refused".into())),
        },
    );
    assert!(
        m.notice.as_ref().is_some_and(|n| n.level == Level::Error),
        "{:?}",
        m.notice
    );
    let fx = update(&mut m, cmd(Command::Refresh));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::DrawBatch { .. })),
        "{fx:?}"
    );
}

#[test]
fn batch_snapshots() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = sampled(w, h, 2, 8213);
        assert_snapshot!(format!("batch_{w}x{h}"), screen(&m));
        let mut m = sampled(w, h, 3, 8213);
        rate_everything(&mut m);
        assert_snapshot!(format!("batch_done_{w}x{h}"), screen(&m));
    }
}

fn judgment(reviewer: &str, rating: Rating, tags: &[&str], note: Option<&str>) -> Judgment {
    Judgment {
        reviewer: reviewer.into(),
        rating,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        note: note.map(String::from),
        made_at: None,
    }
}

fn queue_item(session: &str, message: &str) -> QueueItem {
    QueueItem {
        base_url: "local-demo".into(),
        namespace: "demo".into(),
        session_id: session.into(),
        message_id: message.into(),
        prompt: None,
        completion: None,
        judgments: vec![
            judgment("ann", Rating::Positive, &[], None),
            judgment(
                "bob",
                Rating::Negative,
                &["hallucination", "tone"],
                Some("the count is made up\nand the tone is off"),
            ),
        ],
    }
}

fn queued(w: u16, h: u16) -> Model {
    let mut m = model(w, h);
    let created = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    m.batch = Some(Batch::queue(
        vec![queue_item("ses_a", "a6"), queue_item("ses_c", "c2")],
        created,
    ));
    let fx = crate::review::update::start(&mut m);
    drawn_from(&mut m, fx, &demo_sessions());
    m
}

#[test]
fn a_queue_walks_only_its_replies_and_shows_each_judgment() {
    let mut m = queued(120, 40);
    assert_eq!(
        visible_ids(&m),
        vec!["ses_a".to_string(), "ses_c".to_string()]
    );
    // ses_a opens on its queued reply a6, not on a4 (not queued).
    assert_eq!(cursor_id(&m).as_deref(), Some("a6"));
    let label = crate::review::batch::status_label(&m, "·").unwrap_or_default();
    assert_eq!(label, "queue 0/2");
    let s = screen(&m);
    assert!(s.contains("judgments"), "{s}");
    assert!(s.contains("bob ✗ negative · hallucination, tone"), "{s}");
    assert!(
        s.contains("the count is made up and the tone is off"),
        "{s}"
    );
    let fx = update(&mut m, cmd(Command::RateNegative));
    answer_rates(&mut m, fx);
    // ses_c's earlier rating (from before the queue was written) does not count: the
    // walk goes there.
    let fx = update(&mut m, cmd(Command::NextUnrated));
    serve_demo(&mut m, fx);
    assert_eq!(m.open.as_deref(), Some("ses_c"));
    assert_eq!(cursor_id(&m).as_deref(), Some("c2"));
    assert!(
        receipt(&m, "ses_c", "c2").is_none(),
        "the queue hides earlier ratings"
    );
    let fx = update(&mut m, cmd(Command::RatePositive));
    answer_rates(&mut m, fx);
    let label = crate::review::batch::status_label(&m, "·").unwrap_or_default();
    assert_eq!(label, "queue 2/2");
    let done = m
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert_eq!(done, "Queue done: 2 replies adjudicated (✓1 ✗1 this run).");
}

#[test]
fn queue_snapshots() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = queued(w, h);
        assert_snapshot!(format!("queue_{w}x{h}"), screen(&m));
    }
}

/// The demo data with `ses_a`'s a4 rated by someone else on the server, in blind mode.
fn blind(w: u16, h: u16) -> Model {
    let mut m = model(w, h);
    m.others.blind = true;
    let fx = crate::review::update::start(&mut m);
    let others = KnownRating {
        message_id: "a4".into(),
        receipt: Receipt::Sent {
            rating: Rating::Negative,
            stored: false,
            entry: None,
        },
        note: Some("wrong count".into()),
    };
    serve(
        &mut m,
        fx,
        &demo_sessions(),
        &demo_histories(),
        &[("ses_a", vec![others])],
    );
    m
}

#[test]
fn blind_review_hides_others_judgments_until_this_reviewer_rates() {
    let mut m = blind(120, 40);
    assert!(receipt(&m, "ses_a", "a4").is_none(), "hidden as a receipt");
    assert_eq!(
        cursor_id(&m).as_deref(),
        Some("a4"),
        "and still unrated here"
    );
    let s = screen(&m);
    assert!(
        !s.contains("wrong count") && !s.contains("judgments"),
        "{s}"
    );
    assert!(s.contains("blind"), "{s}");
    // The server's counts (which include others' ratings) are not shown either.
    assert!(m.sessions.rows.iter().all(|r| r.review.is_none()));
    update(&mut m, cmd(Command::RatePositive));
    let s = screen(&m);
    assert!(s.contains("judgments"), "{s}");
    assert!(s.contains("on the server ✗ negative"), "{s}");
    assert!(s.contains("wrong count"), "{s}");
}

#[test]
fn blind_review_shows_this_reviewers_own_ratings_from_the_listing() {
    let mut m = model(120, 40);
    m.others.blind = true;
    let fx = crate::review::update::start(&mut m);
    let mut rest = Vec::new();
    for e in fx {
        match e {
            Effect::LoadSessions { .. } => rest.extend(serve_demo(&mut m, vec![e])),
            other => rest.push(other),
        }
    }
    let generation = m.transcripts["ses_a"].generation;
    let own: HashMap<String, String> =
        [("a4".to_string(), "2026-11-20T10:00:00Z".to_string())].into();
    update(
        &mut m,
        Action::OwnRatingsLoaded {
            session_id: "ses_a".into(),
            generation,
            own,
        },
    );
    update(
        &mut m,
        Action::KnownRatingsLoaded {
            session_id: "ses_a".into(),
            generation,
            result: Ok(vec![KnownRating {
                message_id: "a4".into(),
                receipt: Receipt::Sent {
                    rating: Rating::Positive,
                    stored: true,
                    entry: None,
                },
                note: None,
            }]),
        },
    );
    assert!(
        receipt(&m, "ses_a", "a4").is_some(),
        "this reviewer's own rating shows"
    );
}

#[test]
fn blind_snapshots() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = blind(w, h);
        assert_snapshot!(format!("blind_hidden_{w}x{h}"), screen(&m));
        update(&mut m, cmd(Command::RatePositive));
        assert_snapshot!(format!("blind_shown_{w}x{h}"), screen(&m));
    }
}

#[test]
fn blind_review_shows_others_judgment_of_a_reply_rated_before_the_ratings_loaded() {
    let mut m = model(120, 40);
    m.others.blind = true;
    let fx = crate::review::update::start(&mut m);
    // Nothing known yet when the reviewer rates; the listing's record arrives after.
    serve(&mut m, fx, &demo_sessions(), &demo_histories(), &[]);
    let generation = m.transcripts["ses_a"].generation;
    assert_eq!(cursor_id(&m).as_deref(), Some("a4"));
    update(&mut m, cmd(Command::RatePositive));
    // The journal already holds the rating when it is read.
    let own: HashMap<String, String> =
        [("a4".to_string(), "2026-11-23T12:00:00Z".to_string())].into();
    update(
        &mut m,
        Action::OwnRatingsLoaded {
            session_id: "ses_a".into(),
            generation,
            own,
        },
    );
    update(
        &mut m,
        Action::KnownRatingsLoaded {
            session_id: "ses_a".into(),
            generation,
            result: Ok(vec![KnownRating {
                message_id: "a4".into(),
                receipt: Receipt::Sent {
                    rating: Rating::Negative,
                    stored: false,
                    entry: None,
                },
                note: Some("wrong count".into()),
            }]),
        },
    );
    assert!(
        matches!(
            receipt(&m, "ses_a", "a4"),
            Some(Receipt::Saving {
                rating: Rating::Positive,
                ..
            })
        ),
        "{:?}",
        receipt(&m, "ses_a", "a4")
    );
    let s = screen(&m);
    assert!(s.contains("on the server ✗ negative"), "{s}");
}

#[test]
fn a_queue_counts_what_it_left_out_and_what_the_server_lacks() {
    let mut m = model(120, 40);
    let mut batch = Batch::queue(
        vec![queue_item("ses_a", "a6"), queue_item("ses_gone", "x1")],
        None,
    );
    batch.left_out = 3;
    m.batch = Some(batch);
    let fx = crate::review::update::start(&mut m);
    drawn_from(&mut m, fx, &demo_sessions());
    let n = m.notice.clone().expect("a notice");
    assert_eq!(n.level, Level::Warning);
    assert_eq!(
        n.text,
        "Queue: 2 replies to adjudicate in 1 session; 1 of its sessions is not on this server; 3 replies for another server or namespace left out."
    );
}
