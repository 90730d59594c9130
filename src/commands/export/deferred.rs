//! Deferred replies in an export: one line each, `state: "deferred"` with its reason
//! (JSONL), a row with an empty rating and the `deferred_reason` column (CSV).

use super::{Scope, write_csv_line};
use crate::journal::JournalHandle;
use crate::journal::defer::DeferredRow;
use std::io::Write;

/// The journal's deferred replies in the export's scope (none when it cannot be read:
/// the ratings are what an export is for).
pub(super) async fn read(
    path: &std::path::Path,
    since: Option<String>,
    scope: &Scope,
) -> Vec<DeferredRow> {
    let rows = match JournalHandle::open(path) {
        Ok(j) => j.call(move |j| j.all_deferrals(since.as_deref())).await,
        Err(e) => Err(e),
    };
    match rows {
        Ok(rows) => rows
            .into_iter()
            .filter(|r| scope.holds_target(&r.target))
            .collect(),
        Err(e) => {
            crate::say_err!("verdict: the deferred replies could not be read: {e}");
            Vec::new()
        }
    }
}

#[derive(serde::Serialize)]
struct DeferredRecord<'a> {
    prompt: &'a str,
    completion: &'a str,
    label: Option<bool>,
    rating: Option<&'a str>,
    session_id: &'a str,
    message_id: &'a str,
    reviewer: &'a str,
    made_at: &'a str,
    state: &'a str,
    deferred_reason: Option<&'a str>,
    namespace: &'a str,
    base_url: &'a str,
}

impl<'a> DeferredRecord<'a> {
    fn new(r: &'a DeferredRow) -> Self {
        let x = r.exchange.as_ref();
        DeferredRecord {
            prompt: x.and_then(|x| x.prompt.as_deref()).unwrap_or(""),
            completion: x.map(|x| x.completion.as_str()).unwrap_or(""),
            label: None,
            rating: None,
            session_id: &r.target.session_id,
            message_id: &r.target.message_id,
            reviewer: &r.reviewer,
            made_at: &r.deferred_at,
            state: "deferred",
            deferred_reason: r.reason.as_deref(),
            namespace: &r.target.namespace,
            base_url: &r.target.base_url,
        }
    }
}

pub(super) fn write_jsonl(out: &mut impl Write, rows: &[DeferredRow]) -> anyhow::Result<()> {
    for row in rows {
        let line = serde_json::to_string(&DeferredRecord::new(row))?;
        out.write_all(crate::sanitize::json(&line).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// CSV rows in the export's columns: no rating, state `deferred`, the reason last.
pub(super) fn write_csv(out: &mut impl Write, rows: &[DeferredRow]) -> anyhow::Result<()> {
    for row in rows {
        let r = DeferredRecord::new(row);
        write_csv_line(
            out,
            [
                r.session_id.to_string(),
                r.message_id.to_string(),
                String::new(),
                String::new(),
                String::new(),
                r.reviewer.to_string(),
                r.made_at.to_string(),
                String::new(),
                String::new(),
                r.state.to_string(),
                "true".to_string(),
                r.prompt.to_string(),
                r.completion.to_string(),
                r.namespace.to_string(),
                r.base_url.to_string(),
                String::new(),
                String::new(),
                r.deferred_reason.unwrap_or("").to_string(),
            ],
        )?;
    }
    Ok(())
}
