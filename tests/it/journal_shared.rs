//! Two verdict processes on one journal (a `verdict rate` beside the reviewer, or two
//! `verdict rate`s): a rating one of them made and the other sent or replaced is reported
//! truthfully by the one that made it, at once, instead of a timeout that says "next run".

use crate::common::TestServer;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::Instant;
use verdict::api::model::Rating;
use verdict::journal::outbox::{Outbox, OutboxEvent, OutboxOptions};
use verdict::journal::{JournalHandle, RatingState};

/// Far less than the client's request timeout: an answer in time can only come from the
/// journal, not from the stuck request finishing.
const WAIT: Duration = Duration::from_secs(5);

/// A listener that accepts connections and never answers: the stuck process's server.
async fn silent_server() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// The event about `id`, other than counts and retries, or `None` after `WAIT`.
async fn settled(events: &mut UnboundedReceiver<OutboxEvent>, id: i64) -> Option<OutboxEvent> {
    let deadline = Instant::now() + WAIT;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .ok()??;
        match &event {
            OutboxEvent::Sent { entry, .. }
            | OutboxEvent::Failed { entry, .. }
            | OutboxEvent::Settled { entry, .. }
                if entry.id == id =>
            {
                return Some(event);
            }
            _ => {}
        }
    }
}

/// Two outboxes on one journal file under the same server name, as two processes would
/// have: `stuck` talks to a server that never answers, `working` to the real one.
async fn two_processes(
    server: &TestServer,
) -> (
    (Outbox, UnboundedReceiver<OutboxEvent>),
    (Outbox, UnboundedReceiver<OutboxEvent>),
    tokio::net::TcpListener,
) {
    let journal = server.dir.path().join("journal.db");
    let (listener, silent_url) = silent_server().await;
    let key = server.base_url();
    let (tx_a, events_a) = unbounded_channel();
    let stuck = Outbox::start_keyed(
        JournalHandle::open(&journal).unwrap(),
        server.client_at(&silent_url),
        key.clone(),
        "ann".into(),
        tx_a,
        OutboxOptions::default(),
    );
    let (tx_b, events_b) = unbounded_channel();
    let working = Outbox::start_keyed(
        JournalHandle::open(&journal).unwrap(),
        server.client(),
        key,
        "bo".into(),
        tx_b,
        OutboxOptions::default(),
    );
    ((stuck, events_a), (working, events_b), listener)
}

#[tokio::test]
async fn a_rating_sent_by_another_process_is_reported_with_its_receipt() {
    let server = TestServer::with_sample().await;
    let session = server.session_named("short").await;
    let message = server.assistant_ids(&session.session_id).await[0].clone();
    let ((stuck, mut stuck_events), (working, _working_events), _listener) =
        two_processes(&server).await;

    let entry = stuck
        .rate(&session.session_id, &message, Rating::Positive, None)
        .await
        .unwrap();
    // The other process finds the pending rating and sends it to the real server.
    working.wake();
    let event = settled(&mut stuck_events, entry.id)
        .await
        .expect("the process that made the rating hears that it was sent");
    let OutboxEvent::Settled { entry: sent, newer } = event else {
        panic!("{event:?}")
    };
    assert_eq!(sent.state, RatingState::Sent);
    assert_eq!(
        sent.stored,
        Some(true),
        "the server's receipt comes with it"
    );
    assert!(sent.recorded_at.is_some());
    assert!(newer.is_none());
    // And the server has it.
    let listing = server
        .client()
        .feedback_listing(&session.session_id)
        .await
        .unwrap();
    assert!(format!("{listing:?}").contains(&message));
    // The stuck process's request never ends; its shutdown need not be waited for.
    let _ = tokio::time::timeout(Duration::from_millis(200), stuck.shutdown()).await;
    working.shutdown().await;
}

#[tokio::test]
async fn a_rating_replaced_by_another_process_says_by_what() {
    let server = TestServer::with_sample().await;
    let session = server.session_named("short").await;
    let message = server.assistant_ids(&session.session_id).await[0].clone();
    let ((stuck, mut stuck_events), (working, mut working_events), _listener) =
        two_processes(&server).await;

    let first = stuck
        .rate(&session.session_id, &message, Rating::Positive, None)
        .await
        .unwrap();
    let second = working
        .rate(&session.session_id, &message, Rating::Negative, None)
        .await
        .unwrap();
    let event = settled(&mut stuck_events, first.id)
        .await
        .expect("the process whose rating was replaced hears of it");
    let OutboxEvent::Settled { entry, newer } = event else {
        panic!("{event:?}")
    };
    assert_eq!(entry.state, RatingState::Superseded);
    let newer = newer.expect("the newer rating");
    assert_eq!(newer.id, second.id);
    assert_eq!(newer.rating, Rating::Negative);
    assert_eq!(newer.reviewer, "bo");
    // The newer one goes to the server from the process that made it.
    let sent = settled(&mut working_events, second.id).await.expect("sent");
    assert!(matches!(sent, OutboxEvent::Sent { .. }), "{sent:?}");
    // The stuck process's request never ends; its shutdown need not be waited for.
    let _ = tokio::time::timeout(Duration::from_millis(200), stuck.shutdown()).await;
    working.shutdown().await;
}
