//! `verdict rate`: one rating, journaled, sent, and its receipt printed.

use super::{client, receipt_line};
use crate::api::ApiError;
use crate::api::model::{Rating, SubmitFeedbackResponse};
use crate::api::wording::{rating_refused, unreachable_reason};
use crate::cli::{ConnectArgs, RateArgs, RatingArg};
use crate::journal::journal_base_url;
use crate::journal::outbox::{Outbox, OutboxEvent, describe};
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
    let text = args.text.filter(|t| !t.trim().is_empty());
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

enum Outcome {
    Sent(SubmitFeedbackResponse),
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
