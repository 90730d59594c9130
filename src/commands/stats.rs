//! `verdict stats`: the numbers of the reviewer's stats screen, headless: ratings,
//! positive share, negatives per tag, the pace, and the sessions and reviewers, from the
//! journal (latest rating per message, in `export`'s scope).

use super::export::{Scope, parse_since};
use crate::cli::{ConnectArgs, StatsArgs};
use crate::journal::JournalHandle;
use crate::journal::stats::{BREAK_SECS, Breakdown, Summary, seconds};

/// The version of `--json`'s document; bumped only when a field changes meaning or goes.
pub const JSON_VERSION: u32 = 1;
/// Columns a breakdown's name gets in the table.
const NAME_COLUMNS: usize = 40;

#[derive(serde::Serialize)]
struct Report<'a> {
    version: u32,
    /// The start of the window (journal time), `null` for all time.
    since: Option<&'a str>,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// `--since`: a date or RFC 3339 time as `export` reads it, or a duration back from now
/// (`90m`, `8h`, `7d`, `2w`, `30s`).
pub fn since(s: &str, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<String> {
    if let Some(d) = duration(s) {
        return Ok(crate::journal::to_journal_time(now - d));
    }
    parse_since(s).map_err(|e| anyhow::anyhow!("{e} Or a duration: 90m, 8h, 7d."))
}

fn duration(s: &str) -> Option<chrono::Duration> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    if n < 0 {
        return None;
    }
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    chrono::Duration::try_seconds(n.checked_mul(secs)?)
}

pub async fn stats(connect: &ConnectArgs, args: StatsArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(&connect.overrides())?;
    let since = match args.since.as_deref() {
        Some(s) => Some(since(s, chrono::Utc::now())?),
        None => None,
    };
    let scope = Scope::from_flags(&settings, args.all, args.demo)?.targets();
    let journal = JournalHandle::open(&settings.paths.journal_db())?;
    let window = since.clone();
    let rows = journal
        .call(move |j| j.stats_rows(window.as_deref(), &scope))
        .await?;
    let summary = Summary::of(&rows);
    if args.json {
        let doc = serde_json::to_string(&Report {
            version: JSON_VERSION,
            since: since.as_deref(),
            summary: &summary,
        })?;
        crate::output::write_stdout_raw(format!("{}\n", crate::sanitize::json(&doc)).as_bytes())?;
        return Ok(());
    }
    print_table(&summary, since.as_deref())
}

fn print_table(s: &Summary, since: Option<&str>) -> anyhow::Result<()> {
    let when = since.map_or_else(|| "all time".to_string(), |t| format!("since {t}"));
    if s.ratings == 0 {
        crate::outln!(
            "No ratings in the journal ({when}). Rate in the reviewer, or with verdict rate."
        )?;
        return Ok(());
    }
    let share = s.positive_share.unwrap_or(0.0) * 100.0;
    crate::outln!(
        "{} rated replies ({when}): {} positive ({share:.0}%), {} negative",
        s.ratings,
        s.positive,
        s.negative
    )?;
    match s.pace.line("·") {
        Some(line) => crate::outln!(
            "pace: {line} (gaps over {} left out as breaks: {})",
            seconds(BREAK_SECS as f64),
            s.pace.breaks
        )?,
        None => crate::outln!("pace: too few ratings close together to tell")?,
    }
    if !s.negatives_by_tag.is_empty() || s.untagged_negatives > 0 {
        crate::outln!("\nnegatives per tag")?;
        let width = s
            .negatives_by_tag
            .iter()
            .map(|t| t.tag.len())
            .max()
            .unwrap_or(0)
            .max("(no tag)".len());
        for t in &s.negatives_by_tag {
            crate::outln!("  {:<width$}  {:>6}", t.tag, t.negative)?;
        }
        crate::outln!("  {:<width$}  {:>6}", "(no tag)", s.untagged_negatives)?;
    }
    table(
        &format!("sessions ({} of {})", s.sessions.len(), s.session_count),
        &s.sessions,
    )?;
    table(
        &format!("reviewers ({} in this journal)", s.reviewer_count),
        &s.reviewers,
    )?;
    Ok(())
}

fn table(title: &str, rows: &[Breakdown]) -> anyhow::Result<()> {
    crate::outln!("\n{title}")?;
    crate::outln!(
        "  {:<NAME_COLUMNS$}  {:>7}  {:>8}  {:>8}",
        "name",
        "ratings",
        "positive",
        "negative"
    )?;
    for r in rows {
        let name = crate::sanitize::message(&r.name, NAME_COLUMNS);
        crate::outln!(
            "  {name:<NAME_COLUMNS$}  {:>7}  {:>8}  {:>8}",
            r.ratings,
            r.positive,
            r.negative
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_dates_and_durations() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-02T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(since("8h", now).unwrap(), "2026-03-02T04:00:00.000000Z");
        assert_eq!(since("90m", now).unwrap(), "2026-03-02T10:30:00.000000Z");
        assert_eq!(since("1d", now).unwrap(), "2026-03-01T12:00:00.000000Z");
        assert_eq!(
            since("2026-03-01", now).unwrap(),
            "2026-03-01T00:00:00.000000Z"
        );
        assert!(since("soon", now).is_err());
        assert!(since("-3h", now).is_err());
    }
}
