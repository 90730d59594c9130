//! The journal side of bulk actions and deferrals, run by the effect runner's writer (in
//! order with every other journal write); each result comes back as an `Action`.

use super::action::Action;
use super::effect::Effect;
use crate::journal::outbox::Outbox;
use tokio::sync::mpsc::UnboundedSender;

/// Runs `RateMany` or `Defer` on the journal and answers the app.
pub(super) async fn write(outbox: &Outbox, actions: &UnboundedSender<Action>, effect: Effect) {
    match effect {
        Effect::RateMany { items } => {
            let replies = items
                .iter()
                .map(|i| (i.session_id.clone(), i.message_id.clone()))
                .collect();
            let rating = items
                .first()
                .map_or(crate::api::model::Rating::Negative, |i| i.rating);
            let result = outbox.rate_many(items).await.map_err(|e| e.to_string());
            let _ = actions.send(Action::BulkRecorded {
                replies,
                rating,
                result,
            });
        }
        Effect::Defer {
            replies,
            reason,
            on,
        } => {
            let result = outbox
                .defer(replies, reason, on)
                .await
                .map_err(|e| e.to_string());
            let _ = actions.send(Action::DeferRecorded { result });
        }
        other => tracing::error!(?other, "not a bulk write; nothing done"),
    }
}

/// Reads the deferred replies for the app.
pub(super) async fn load(outbox: Outbox, actions: UnboundedSender<Action>) {
    let result = outbox.deferrals().await.map_err(|e| e.to_string());
    let _ = actions.send(Action::DeferralsLoaded(result));
}
