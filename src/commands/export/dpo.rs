//! `verdict export --format dpo`: one JSONL row per corrected reply (its latest
//! correction): `prompt`, `chosen` (the correction), `rejected` (the reply), the shape
//! TRL's DPO trainer reads, then where it comes from.

use super::Scope;
use crate::journal::{Correction, JournalHandle};
use std::io::Write;
use std::path::Path;

/// One DPO record.
#[derive(serde::Serialize)]
struct DpoRecord<'a> {
    prompt: &'a str,
    chosen: &'a str,
    rejected: &'a str,
    session_id: &'a str,
    message_id: &'a str,
    reviewer: &'a str,
    made_at: &'a str,
    namespace: &'a str,
    base_url: &'a str,
}

/// The latest correction of every reply in scope, made at or after `since`.
pub(super) async fn read(
    path: &Path,
    since: Option<String>,
    scope: &Scope,
) -> anyhow::Result<Vec<Correction>> {
    let journal = JournalHandle::open(path)?;
    let all = journal
        .call(move |j| j.export_corrections(since.as_deref()))
        .await?;
    let total = all.len();
    let kept: Vec<Correction> = all
        .into_iter()
        .filter(|c| scope.holds_target(&c.target))
        .collect();
    if kept.len() < total {
        crate::say_err!(
            "verdict: {} correction(s) made on other servers or namespaces are not in this export; --all includes every correction in the journal.",
            total - kept.len()
        );
    }
    Ok(kept)
}

/// The rows as JSON lines, every character a terminal could act on escaped.
pub fn write(out: &mut impl Write, corrections: &[Correction]) -> anyhow::Result<()> {
    for c in corrections {
        let record = DpoRecord {
            prompt: c.prompt.as_deref().unwrap_or(""),
            chosen: &c.corrected,
            rejected: &c.original,
            session_id: &c.target.session_id,
            message_id: &c.target.message_id,
            reviewer: &c.reviewer,
            made_at: &c.made_at,
            namespace: &c.target.namespace,
            base_url: &c.target.base_url,
        };
        let line = serde_json::to_string(&record)?;
        out.write_all(crate::sanitize::json(&line).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Target;

    #[test]
    fn a_row_has_the_dpo_fields_and_is_safe_for_a_terminal() {
        let c = Correction {
            id: 1,
            target: Target {
                base_url: "http://127.0.0.1:8000".into(),
                namespace: "demo".into(),
                session_id: "ses_a".into(),
                message_id: "a4".into(),
            },
            prompt: Some("How many?".into()),
            original: "42 \u{1b}[31mred".into(),
            corrected: "41".into(),
            reviewer: "ann".into(),
            made_at: "2026-11-23T11:00:00.000000Z".into(),
        };
        let mut out = Vec::new();
        write(&mut out, &[c]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'));
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["prompt"], "How many?");
        assert_eq!(v["chosen"], "41");
        assert_eq!(v["rejected"], "42 \u{1b}[31mred");
        assert_eq!(v["session_id"], "ses_a");
        assert_eq!(v["message_id"], "a4");
        assert_eq!(v["reviewer"], "ann");
        assert_eq!(v["namespace"], "demo");
        assert!(v.get("label").is_none() && v.get("feedback_text").is_none());
    }
}
