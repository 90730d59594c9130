//! Snapshots of the send window's countdown and an undo notice, at 80x24 and 120x40.

use super::action::{Action, Command};
use super::fixtures::*;
use super::model::*;
use super::update::update;
use crate::api::model::Rating;
use crate::journal::window::{Applied, Change, Rated, Step};
use insta::assert_snapshot;

fn rated_in_window(w: u16, h: u16) -> Model {
    let mut m = loaded(w, h);
    m.window.send_delay = 5;
    update(&mut m, Action::Command(Command::RatePositive));
    update(
        &mut m,
        Action::RateRecorded {
            session_id: "ses_a".into(),
            message_id: "a4".into(),
            rating: Rating::Positive,
            result: Ok(entry(1, "ses_a", "a4", Rating::Positive)),
        },
    );
    m.now += chrono::Duration::milliseconds(1200);
    m
}

#[test]
fn the_countdown_of_a_rating_in_its_send_window() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = rated_in_window(w, h);
        let s = screen(&m);
        assert!(s.contains("sending in 4s"), "{s}");
        assert_snapshot!(format!("window_countdown_{w}x{h}"), s);
    }
}

#[test]
fn an_undo_notice_after_a_withdrawn_rating() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = rated_in_window(w, h);
        update(&mut m, Action::Command(Command::Undo));
        let step = Step {
            id: 1,
            deferrals: Vec::new(),
            changes: vec![Change {
                session_id: "ses_a".into(),
                message_id: "a4".into(),
                wanted: None,
                left: Some(Rated {
                    rating: Rating::Positive,
                    text: None,
                }),
                applied: Applied::Withdrawn { server_keeps: None },
            }],
        };
        update(
            &mut m,
            Action::Undone {
                redo: false,
                result: Ok(Some(step)),
            },
        );
        let s = screen(&m);
        assert!(s.contains("withdrawn before it was sent"), "{s}");
        assert_snapshot!(format!("window_undone_{w}x{h}"), s);
    }
}
