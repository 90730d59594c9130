//! `verdict sync`: send what the journal holds pending and report each answer.

use super::{client, receipt_line};
use crate::api::ApiError;
use crate::cli::{ConnectArgs, SyncArgs};
use crate::journal::outbox::{Outbox, OutboxEvent, OutboxOptions, describe};
use crate::journal::{Entry, JournalHandle, journal_base_url};
use crate::outln;
use anyhow::bail;
use std::time::Duration;
use tokio::time::Instant;

/// How long `sync` waits through retryable errors: longer than `rate`, as it may have many
/// ratings to send.
const SYNC_PATIENCE: Duration = Duration::from_secs(120);

pub async fn sync(connect: &ConnectArgs, args: SyncArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(&connect.overrides())?;
    let client = client(&settings)?;
    let base_url = journal_base_url(client.base_url());
    let namespace = client.namespace().to_string();
    let journal = JournalHandle::open(&settings.paths.journal_db())?;
    if args.retry_failed {
        let (b, n) = (base_url.clone(), namespace.clone());
        let requeued = journal.call(move |j| j.requeue_failed(&b, &n)).await?;
        if requeued > 0 {
            crate::say_err!("verdict: {requeued} failed rating(s) queued again");
        }
    }
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox::start_on(
        journal.clone(),
        client,
        settings.reviewer.clone(),
        tx,
        OutboxOptions::default(),
    );
    let deadline = Instant::now() + SYNC_PATIENCE;
    let mut sent = 0usize;
    let mut refused: Vec<(Entry, ApiError)> = Vec::new();
    let mut stop_reason: Option<String> = None;
    // Sending goes on when standard output fails; the error is told once the sender is done.
    let mut write_error: Option<anyhow::Error> = None;
    loop {
        let event = tokio::select! {
            e = events.recv() => e,
            _ = tokio::time::sleep_until(deadline) => {
                stop_reason = Some("the server did not accept every rating in time".into());
                break;
            }
        };
        match event {
            None => break,
            Some(OutboxEvent::Sent { receipt, .. }) => {
                sent += 1;
                if let Err(e) = outln!("sent: {}", receipt_line(&receipt)) {
                    write_error.get_or_insert(e);
                }
            }
            Some(OutboxEvent::Failed { entry, error }) => refused.push((entry, error)),
            Some(OutboxEvent::Retrying { error, .. }) if error.is_offline() => {
                stop_reason = Some(format!(
                    "could not reach the server at {base_url} ({error})"
                ));
                break;
            }
            Some(OutboxEvent::Retrying { .. }) => {}
            Some(OutboxEvent::Counts { counts, .. }) if counts.pending == 0 => break,
            Some(OutboxEvent::Counts { .. }) => {}
            // Another process on this journal sent or replaced it: its count follows.
            Some(OutboxEvent::Settled { .. }) => {}
        }
    }
    outbox.shutdown().await;
    // Answers that arrived while the sender wound down.
    while let Ok(event) = events.try_recv() {
        match event {
            OutboxEvent::Sent { receipt, .. } => {
                sent += 1;
                if let Err(e) = outln!("sent: {}", receipt_line(&receipt)) {
                    write_error.get_or_insert(e);
                }
            }
            OutboxEvent::Failed { entry, error } => refused.push((entry, error)),
            _ => {}
        }
    }
    if let Some(e) = write_error {
        return Err(e);
    }
    for (entry, error) in &refused {
        outln!(
            "failed: {} on {} in {}: {}",
            entry.rating,
            entry.target.message_id,
            entry.target.session_id,
            describe(error)
        )?;
    }
    let (b, n) = (base_url.clone(), namespace.clone());
    let counts = journal.call(move |j| j.counts(&b, &n)).await?;
    outln!(
        "{sent} sent, {} pending, {} failed ({namespace} on {base_url})",
        counts.pending,
        counts.failed
    )?;
    if counts.pending > 0 {
        bail!(
            "{} rating(s) are still pending: {}; they stay in the journal and go on the next run.",
            counts.pending,
            stop_reason.unwrap_or_else(|| "the sender stopped".into())
        );
    }
    if refused.is_empty() && counts.failed > 0 {
        crate::say_err!(
            "verdict: {} rating(s) refused earlier are kept as failed; `verdict status` shows why, and `verdict sync --retry-failed` sends them again once the cause is fixed.",
            counts.failed
        );
    }
    if !refused.is_empty() {
        bail!(
            "The server refused {} rating(s); they are kept in the journal as failed (fix the cause, then run `verdict sync --retry-failed`).",
            refused.len()
        );
    }
    Ok(())
}
