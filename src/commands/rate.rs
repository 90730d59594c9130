//! `verdict rate`: one rating, journaled, sent, and its receipt printed.

use super::{client, receipt_line};
use crate::api::ApiError;
use crate::api::model::{Rating, SubmitFeedbackResponse};
use crate::api::wording::{rating_refused, unreachable_reason};
use crate::cli::{ConnectArgs, RateArgs, RatingArg};
use crate::journal::outbox::{Outbox, OutboxEvent, describe};
use crate::journal::{Entry, RatingState, journal_base_url};
use crate::outln;
use anyhow::{anyhow, bail};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// How long `rate` waits for the server through retryable errors before leaving the rating
/// to the next run. Longer than the client's request timeout, so a slow answer still counts.
const RATE_PATIENCE: Duration = Duration::from_secs(30);

pub async fn rate(connect: &ConnectArgs, args: RateArgs) -> anyhow::Result<()> {
    // What the server can only refuse is refused here, before it is journaled: a
    // rating kept as failed for good helps nobody.
    for (what, id) in [("session", &args.session_id), ("message", &args.message_id)] {
        if id.trim().is_empty() {
            bail!(
                "The {what} id is empty: give the {what}'s id (as the reviewer or the API shows it)."
            );
        }
    }
    let max = crate::api::limits::FEEDBACK_TEXT_MAX;
    let mut tags = Vec::new();
    for raw in &args.tags {
        match crate::api::tags::normalize(raw) {
            Some(t) => tags.push(t),
            None => bail!(
                "--tag {}; nothing was saved.",
                crate::api::tags::invalid(raw)
            ),
        }
    }
    let note = args.text.filter(|t| !t.trim().is_empty());
    if !tags.is_empty() && !crate::api::tags::fits(note.as_deref(), &tags) {
        bail!(
            "The text and its tags would be longer than {max} characters (or more than {} tags); shorten the text. Nothing was saved.",
            crate::api::tags::TAGS_MAX
        );
    }
    let text = if tags.is_empty() {
        note
    } else {
        crate::api::tags::compose(note.as_deref(), &tags)
    };
    if let Some(t) = &text
        && t.chars().count() > max
    {
        bail!(
            "The text is {} characters long; the server takes at most {max}. Shorten it; nothing was saved.",
            t.chars().count()
        );
    }
    let settings = crate::config::prepare(&connect.overrides())?;
    let client = client(&settings)?;
    let base_url = journal_base_url(client.base_url());
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox::start(
        &settings.paths.journal_db(),
        client,
        settings.reviewer.clone(),
        tx,
    )?;
    let rating = match args.rating {
        RatingArg::Positive => Rating::Positive,
        RatingArg::Negative => Rating::Negative,
    };
    let entry = outbox
        .rate(&args.session_id, &args.message_id, rating, text)
        .await?;
    let outcome = wait_for(&mut events, entry.id, Instant::now() + RATE_PATIENCE).await;
    outbox.shutdown().await;
    match outcome {
        Outcome::Sent(receipt) => {
            outln!("{}", receipt_line(&receipt))
        }
        Outcome::Refused(error) => Err(anyhow!(rating_refused(&error))),
        Outcome::Settled(settled) => {
            let (entry, newer) = *settled;
            let said = settled_elsewhere(&entry, newer.as_ref())?;
            outln!("{said}")
        }
        Outcome::Unreachable(error) => bail!(
            "Could not reach the server at {base_url} ({}); the rating is saved in the journal and will be sent on the next run (or run `verdict sync`).",
            unreachable_reason(&error)
        ),
        Outcome::StillFailing(error) => bail!(
            "The server keeps failing ({}); the rating is saved in the journal and will be sent on the next run (or run `verdict sync`).",
            describe(&error)
        ),
        Outcome::NoAnswer => bail!(
            "The server did not confirm the rating in time; it is saved in the journal and will be sent on the next run (or run `verdict sync`)."
        ),
    }
}

/// What `rate` says when another verdict process on the same journal settled the rating
/// first: the truth, with exit 0 where the rating (or a newer one) reached the server.
fn settled_elsewhere(entry: &Entry, newer: Option<&Entry>) -> anyhow::Result<String> {
    match entry.state {
        RatingState::Sent => {
            let receipt = SubmitFeedbackResponse {
                session_id: entry.target.session_id.clone(),
                message_id: entry.target.message_id.clone(),
                rating: entry.rating,
                stored: entry.stored.unwrap_or(false),
                recorded_at: entry.recorded_at.clone().unwrap_or_default(),
            };
            Ok(format!(
                "{} (sent by another verdict process using this journal)",
                receipt_line(&receipt)
            ))
        }
        RatingState::Superseded => {
            let by = match newer {
                Some(n) => format!(
                    "a newer rating ({} by {}, made {})",
                    n.rating, n.reviewer, n.made_at
                ),
                None => "a newer rating".to_string(),
            };
            Ok(format!(
                "{} on {} in {} was not sent: {by}, made in another verdict process using this journal, replaced it first; the server gets the newer one.",
                entry.rating, entry.target.message_id, entry.target.session_id
            ))
        }
        RatingState::Failed => bail!(
            "Another verdict process using this journal sent this rating, and the server refused it ({}). It is kept in the journal as failed.",
            entry.last_error.as_deref().unwrap_or("no reason given")
        ),
        RatingState::Pending => bail!(
            "The rating is still pending in the journal; it will be sent on the next run (or run `verdict sync`)."
        ),
    }
}

enum Outcome {
    Sent(SubmitFeedbackResponse),
    /// Another verdict process on the same journal settled it (see `OutboxEvent::Settled`).
    Settled(Box<(Entry, Option<Entry>)>),
    Refused(ApiError),
    Unreachable(ApiError),
    StillFailing(ApiError),
    NoAnswer,
}

/// Waits for the outbox's verdict on entry `id`.
async fn wait_for(
    events: &mut UnboundedReceiver<OutboxEvent>,
    id: i64,
    deadline: Instant,
) -> Outcome {
    loop {
        let event = tokio::select! {
            e = events.recv() => e,
            _ = tokio::time::sleep_until(deadline) => return Outcome::NoAnswer,
        };
        match event {
            None => return Outcome::NoAnswer,
            Some(OutboxEvent::Sent { entry, receipt }) if entry.id == id => {
                return Outcome::Sent(receipt);
            }
            Some(OutboxEvent::Failed { entry, error }) if entry.id == id => {
                return Outcome::Refused(error);
            }
            Some(OutboxEvent::Settled { entry, newer }) if entry.id == id => {
                return Outcome::Settled(Box::new((entry, newer)));
            }
            Some(OutboxEvent::Retrying {
                entry,
                error,
                next_attempt_in,
            }) if entry.id == id => {
                if error.is_offline() {
                    return Outcome::Unreachable(error);
                }
                if Instant::now() + next_attempt_in > deadline {
                    return Outcome::StillFailing(error);
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Target;

    fn entry(id: i64, rating: Rating, state: RatingState) -> Entry {
        Entry {
            id,
            target: Target {
                base_url: "http://127.0.0.1:1".into(),
                namespace: "ns".into(),
                session_id: "ses_a".into(),
                message_id: "msg_b".into(),
            },
            rating,
            text: None,
            reviewer: "bo".into(),
            made_at: "2026-11-30T10:00:00.000000Z".into(),
            state,
            stored: Some(true),
            recorded_at: Some("2026-11-30T10:00:01Z".into()),
            last_error: Some("422 ValidationError: nope".into()),
            attempts: 1,
        }
    }

    #[test]
    fn a_rating_settled_elsewhere_is_told_truthfully() {
        let sent = settled_elsewhere(&entry(1, Rating::Positive, RatingState::Sent), None).unwrap();
        assert_eq!(
            sent,
            "positive on msg_b in ses_a: stored to memory (recorded 2026-11-30T10:00:01Z) (sent by another verdict process using this journal)"
        );
        let newer = entry(2, Rating::Negative, RatingState::Pending);
        let replaced = settled_elsewhere(
            &entry(1, Rating::Positive, RatingState::Superseded),
            Some(&newer),
        )
        .unwrap();
        assert!(
            replaced.starts_with(
                "positive on msg_b in ses_a was not sent: a newer rating (negative by bo"
            ),
            "{replaced}"
        );
        let refused = settled_elsewhere(&entry(1, Rating::Positive, RatingState::Failed), None)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("422 ValidationError: nope"), "{refused}");
    }
}
