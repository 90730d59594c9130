//! `verdict export`: every rating in the journal, with its exchange, as JSONL or CSV;
//! or the corrections as DPO pairs (`dpo`).

mod deferred;
mod dpo;

use super::client;
use crate::api::model::Rating;
use crate::api::wording::unreachable_reason;
use crate::api::{Client, ClientOptions};
use crate::cli::{ConnectArgs, ExportArgs, ExportFormat};
use crate::config::Settings;
use crate::journal::outbox::describe;
use crate::journal::{
    DEMO_SERVER_KEY, Exchange, ExportRow, Journal, JournalError, JournalHandle, journal_base_url,
};
use crate::server::ServerHandle;
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::io::Write;

pub async fn export(connect: &ConnectArgs, args: ExportArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(&connect.overrides())?;
    let since = match args.since.as_deref() {
        Some(s) => Some(parse_since(s)?),
        None => None,
    };
    let scope = Scope::of(&settings, &args)?;
    // Out of scope rows leave before anything is fetched for them.
    let in_scope = |rows: Vec<ExportRow>| {
        let total = rows.len();
        let kept: Vec<ExportRow> = rows.into_iter().filter(|r| scope.holds(r)).collect();
        if kept.len() < total {
            crate::say_err!(
                "verdict: {} rating(s) made on other servers or namespaces{} are not in this export; --all includes every rating in the journal.",
                total - kept.len(),
                if args.demo { "" } else { " or in the demo" }
            );
        }
        kept
    };
    let path = settings.paths.journal_db();
    if args.format == ExportFormat::Dpo {
        let corrections = dpo::read(&path, since, &scope).await?;
        let mut out = Vec::new();
        dpo::write(&mut out, &corrections)?;
        return emit(&args, &out, corrections.len(), "correction pair(s)");
    }
    let mut deferred = Vec::new();
    let rows = match read_journal(&path, since.clone()).await {
        Ok((rows, journal)) => {
            let mut rows = in_scope(rows);
            fill_exchanges(&settings, &journal, &mut rows).await;
            deferred = deferred::read(&path, since.clone(), &scope).await;
            rows
        }
        // A damaged journal still gives up every rating that can be read.
        Err(e) if e.is_damage() => {
            let (rows, unreadable) = Journal::salvage(&path, since.as_deref())?;
            let rows = in_scope(rows);
            crate::say_err!(
                "verdict: {e}. Exported the {} rating(s) that could still be read{}; exchanges not in the journal were not fetched. Run `verdict doctor` for what to do next.",
                rows.len(),
                if unreadable > 0 {
                    format!(" ({unreadable} could not be)")
                } else {
                    String::new()
                }
            );
            rows
        }
        Err(e) => return Err(e.into()),
    };

    let mut out = Vec::new();
    match args.format {
        ExportFormat::Jsonl => {
            write_jsonl(&mut out, &rows)?;
            deferred::write_jsonl(&mut out, &deferred)?;
        }
        ExportFormat::Csv => {
            write_csv(&mut out, &rows)?;
            deferred::write_csv(&mut out, &deferred)?;
        }
        ExportFormat::Dpo => {}
    }
    if deferred.is_empty() {
        emit(&args, &out, rows.len(), "rating(s)")
    } else {
        let what = format!("rating(s) and {} deferred reply(ies)", deferred.len());
        emit(&args, &out, rows.len(), &what)
    }
}

/// Writes the export to `--output` (saying how many `what` it holds) or standard output.
fn emit(args: &ExportArgs, out: &[u8], count: usize, what: &str) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => {
            crate::fs::write_file_atomically(path, out)
                .with_context(|| format!("Cannot write the export to {}", path.display()))?;
            crate::say_err!("verdict: exported {count} {what} to {}", path.display());
        }
        None => {
            // Already safe for a terminal (see write_jsonl and csv_field), and kept byte
            // for byte: CSV's CR LF row ends are the format's.
            crate::output::write_stdout_raw(out)
                .context("Cannot write the export to standard output")?;
        }
    }
    Ok(())
}

/// The journal's export rows, and the journal, for the exchanges still to fetch.
async fn read_journal(
    path: &std::path::Path,
    since: Option<String>,
) -> Result<(Vec<ExportRow>, JournalHandle), JournalError> {
    let journal = JournalHandle::open(path)?;
    let rows = journal
        .call(move |j| j.export_rows(since.as_deref()))
        .await?;
    Ok((rows, journal))
}

/// Which ratings an export holds: those made on the configured server and namespace, the
/// demo's with `--demo`, every one with `--all`. A training set must not get the demo's
/// prompts, or another team's, by accident.
pub(super) struct Scope {
    /// `(server, namespace)` pairs as the journal names them; `None`: everything.
    targets: Option<Vec<(String, String)>>,
}

impl Scope {
    fn of(settings: &Settings, args: &ExportArgs) -> anyhow::Result<Scope> {
        Scope::from_flags(settings, args.all, args.demo)
    }

    /// The scope `--all` and `--demo` ask for (other commands read the journal alike).
    pub(super) fn from_flags(settings: &Settings, all: bool, demo: bool) -> anyhow::Result<Scope> {
        if all {
            return Ok(Scope { targets: None });
        }
        let mut targets = Vec::new();
        if let Some(namespace) = &settings.namespace {
            targets.push((journal_base_url(&settings.base_url), namespace.clone()));
        }
        if demo {
            targets.push((
                DEMO_SERVER_KEY.to_string(),
                crate::server::DEMO_NAMESPACE.to_string(),
            ));
        }
        if targets.is_empty() {
            bail!(
                "No namespace is configured, so there is nothing of yours to export: pass --namespace NS (or set MIXPEEK_NAMESPACE); --demo exports the demo's ratings, --all every rating in the journal."
            );
        }
        Ok(Scope {
            targets: Some(targets),
        })
    }

    /// The `(server, namespace)` pairs in scope; `None`: everything.
    pub(super) fn targets(&self) -> Option<Vec<(String, String)>> {
        self.targets.clone()
    }

    pub(super) fn holds(&self, row: &ExportRow) -> bool {
        self.holds_target(&row.entry.target)
    }

    pub(super) fn holds_target(&self, target: &crate::journal::Target) -> bool {
        self.targets.as_ref().is_none_or(|targets| {
            targets.iter().any(|(server, namespace)| {
                target.base_url == *server && target.namespace == *namespace
            })
        })
    }
}

/// `--since`: a date (midnight UTC) or an RFC 3339 time, in the journal's time format.
pub fn parse_since(s: &str) -> anyhow::Result<String> {
    let s = s.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(midnight) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(crate::journal::to_journal_time(midnight.and_utc()));
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(crate::journal::to_journal_time(
            t.with_timezone(&chrono::Utc),
        ));
    }
    bail!(
        "--since {s:?} is not a date: use YYYY-MM-DD (e.g. 2026-03-01) or an RFC 3339 time (e.g. 2026-03-01T09:00:00Z)."
    )
}

/// Fetches the exchanges the journal has not cached yet, from the configured server, and
/// caches them. Never fails: what cannot be fetched is left empty, with one warning.
async fn fill_exchanges(settings: &Settings, journal: &JournalHandle, rows: &mut [ExportRow]) {
    let mut missing: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        if row.exchange.is_none() {
            let t = &row.entry.target;
            missing
                .entry((
                    t.base_url.clone(),
                    t.namespace.clone(),
                    t.session_id.clone(),
                ))
                .or_default()
                .push(i);
        }
    }
    if missing.is_empty() {
        return;
    }
    let client = client(settings).ok();
    // Demo ratings are fetched from the demo's own database, through the demo server
    // started here for as long as the export needs it.
    let demo = if missing.keys().any(|(b, _, _)| b == DEMO_SERVER_KEY) {
        start_demo_for_export(settings).await
    } else {
        None
    };
    let mut unreachable: Option<String> = None;
    let mut elsewhere = 0usize;
    let mut not_found = 0usize;
    let mut not_a_reply = 0usize;
    for ((base_url, namespace, session_id), indexes) in missing {
        let client = if base_url == DEMO_SERVER_KEY {
            demo.as_ref()
                .map(|(_, c)| c)
                .filter(|c| c.namespace() == namespace)
        } else {
            client.as_ref().filter(|c| {
                journal_base_url(c.base_url()) == base_url && c.namespace() == namespace
            })
        };
        let Some(client) = client else {
            elsewhere += indexes.len();
            continue;
        };
        if unreachable.is_some() {
            not_found += indexes.len();
            continue;
        }
        let history = match client.history(&session_id).await {
            Ok(h) => h,
            Err(e) if e.is_retryable() => {
                unreachable = Some(unreachable_reason(&e));
                not_found += indexes.len();
                continue;
            }
            Err(e) => {
                tracing::warn!(session = %session_id, "history not available for export: {}", describe(&e));
                not_found += indexes.len();
                continue;
            }
        };
        for i in indexes {
            let target = rows[i].entry.target.clone();
            match Exchange::from_history(&history, &target.message_id) {
                Some(exchange) => {
                    let x = exchange.clone();
                    if let Err(e) = journal.call(move |j| j.cache_exchange(&target, &x)).await {
                        tracing::warn!("cannot cache an exchange: {e}");
                    }
                    rows[i].exchange = Some(exchange);
                }
                // In the session but not a reply: no exchange to export, and nothing
                // missing either (the server refused such a rating when it was sent).
                None if history.iter().any(|m| m.message_id == target.message_id) => {
                    not_a_reply += 1;
                }
                None => not_found += 1,
            }
        }
    }
    if not_a_reply > 0 {
        crate::say_err!(
            "verdict: warning: {not_a_reply} rating(s) are of messages that are not assistant replies; they are exported without a prompt and completion."
        );
    }
    if let Some((server, _)) = demo {
        server.shutdown().await;
    }
    if let Some(reason) = unreachable {
        crate::say_err!(
            "verdict: warning: the server could not be reached ({reason}); {not_found} rating(s) are exported without their prompt and completion."
        );
    } else if not_found > 0 {
        crate::say_err!(
            "verdict: warning: {not_found} rated message(s) were not found on the server; they are exported without their prompt and completion."
        );
    }
    if elsewhere > 0 {
        crate::say_err!(
            "verdict: warning: {elsewhere} rating(s) belong to another server or namespace, or no API key is set; they are exported without their prompt and completion (export with that --base-url and --namespace to fetch them)."
        );
    }
}

/// The demo server on the demo's database, with a client for it; `None` when there is no
/// demo database (the demo never ran here) or it cannot start.
async fn start_demo_for_export(settings: &Settings) -> Option<(ServerHandle, Client)> {
    let db = settings.paths.demo_db();
    if !db.exists() {
        return None;
    }
    let (server, key) = match crate::server::start_demo(&db).await {
        Ok(started) => started,
        Err(e) => {
            tracing::warn!("cannot start the demo server for export: {e:#}");
            return None;
        }
    };
    match Client::new(ClientOptions::new(
        server.base_url(),
        key,
        crate::server::DEMO_NAMESPACE,
    )) {
        Ok(client) => Some((server, client)),
        Err(e) => {
            tracing::warn!("cannot reach the demo server for export: {e}");
            server.shutdown().await;
            None
        }
    }
}

/// One JSONL record: `prompt`, `completion` and `label` first, the fields a preference
/// (KTO-style) dataset needs, then the rating's context.
#[derive(serde::Serialize)]
struct ExportRecord<'a> {
    prompt: &'a str,
    completion: &'a str,
    label: bool,
    rating: &'a str,
    feedback_text: Option<&'a str>,
    /// `feedback_text` without its tag line.
    note: Option<String>,
    /// The tags of `feedback_text`'s last line (see `api::tags`).
    tags: Vec<String>,
    session_id: &'a str,
    message_id: &'a str,
    reviewer: &'a str,
    made_at: &'a str,
    recorded_at: Option<&'a str>,
    stored: Option<bool>,
    state: &'a str,
    latest: bool,
    namespace: &'a str,
    base_url: &'a str,
}

impl<'a> ExportRecord<'a> {
    fn new(row: &'a ExportRow) -> Self {
        let e = &row.entry;
        let x = row.exchange.as_ref();
        ExportRecord {
            prompt: x.and_then(|x| x.prompt.as_deref()).unwrap_or(""),
            completion: x.map(|x| x.completion.as_str()).unwrap_or(""),
            label: e.rating == Rating::Positive,
            rating: e.rating.as_str(),
            feedback_text: e.text.as_deref(),
            note: crate::api::tags::note_of(e.text.as_deref()),
            tags: crate::api::tags::tags_of(e.text.as_deref()),
            session_id: &e.target.session_id,
            message_id: &e.target.message_id,
            reviewer: &e.reviewer,
            made_at: &e.made_at,
            recorded_at: e.recorded_at.as_deref(),
            stored: e.stored,
            state: e.state.as_str(),
            latest: row.latest,
            namespace: &e.target.namespace,
            base_url: &e.target.base_url,
        }
    }
}

pub fn write_jsonl(out: &mut impl Write, rows: &[ExportRow]) -> anyhow::Result<()> {
    for row in rows {
        // Every character a terminal could act on is written as a \u escape: the same
        // value to any JSON reader, and harmless to `cat`.
        let line = serde_json::to_string(&ExportRecord::new(row))?;
        out.write_all(crate::sanitize::json(&line).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

const CSV_HEADER: [&str; 18] = [
    "session_id",
    "message_id",
    "rating",
    "label",
    "feedback_text",
    "reviewer",
    "made_at",
    "recorded_at",
    "stored",
    "state",
    "latest",
    "prompt",
    "completion",
    "namespace",
    "base_url",
    "note",
    "tags",
    "deferred_reason",
];

/// RFC 4180: CRLF line ends, a header, fields quoted when they hold `"`, `,`, CR or LF.
pub fn write_csv(out: &mut impl Write, rows: &[ExportRow]) -> anyhow::Result<()> {
    write_csv_line(out, CSV_HEADER.iter().map(|s| s.to_string()))?;
    let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
    for row in rows {
        let r = ExportRecord::new(row);
        write_csv_line(
            out,
            [
                r.session_id.to_string(),
                r.message_id.to_string(),
                r.rating.to_string(),
                r.label.to_string(),
                r.feedback_text.unwrap_or("").to_string(),
                r.reviewer.to_string(),
                r.made_at.to_string(),
                r.recorded_at.unwrap_or("").to_string(),
                flag(r.stored),
                r.state.to_string(),
                r.latest.to_string(),
                r.prompt.to_string(),
                r.completion.to_string(),
                r.namespace.to_string(),
                r.base_url.to_string(),
                r.note.clone().unwrap_or_default(),
                r.tags.join(" "),
                String::new(),
            ],
        )?;
    }
    Ok(())
}

pub(super) fn write_csv_line(
    out: &mut impl Write,
    fields: impl IntoIterator<Item = String>,
) -> std::io::Result<()> {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(csv_field(&field).as_bytes())?;
    }
    out.write_all(b"\r\n")
}

/// One CSV field, quoted where it must be. CSV has no escapes, so a character a
/// terminal would act on is replaced (see `sanitize::line`), line breaks aside: the
/// export is for reading, and JSONL is the form that keeps every character.
pub fn csv_field(field: &str) -> String {
    let field: String = field
        .split_inclusive(['\r', '\n'])
        .map(|piece| {
            let body = piece.trim_end_matches(['\r', '\n']);
            format!("{}{}", crate::sanitize::line(body), &piece[body.len()..])
        })
        .collect();
    if field.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Entry, RatingState, Target};

    fn row(text: Option<&str>, prompt: Option<&str>, completion: &str) -> ExportRow {
        ExportRow {
            entry: Entry {
                id: 1,
                target: Target {
                    base_url: "http://127.0.0.1:1".into(),
                    namespace: "ns".into(),
                    session_id: "ses_a".into(),
                    message_id: "msg_b".into(),
                },
                rating: Rating::Negative,
                text: text.map(str::to_string),
                reviewer: "ann".into(),
                made_at: "2026-01-01T00:00:00.000000Z".into(),
                state: RatingState::Sent,
                stored: Some(false),
                recorded_at: Some("2026-01-01T00:00:01Z".into()),
                last_error: None,
                attempts: 1,
            },
            latest: true,
            exchange: Some(Exchange {
                prompt: prompt.map(str::to_string),
                completion: completion.into(),
            }),
        }
    }

    #[test]
    fn csv_and_jsonl_hold_nothing_a_terminal_would_act_on() {
        let hostile = "x\u{1b}]0;t\u{7}y\u{9b}6n\u{202e}z\u{7f}";
        let mut csv = Vec::new();
        write_csv(&mut csv, &[row(Some(hostile), Some(hostile), hostile)]).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            !csv.chars()
                .any(|c| crate::sanitize::is_unsafe(c) && c != '\r' && c != '\n'),
            "{csv:?}"
        );
        assert!(
            csv.contains("x\u{fffd}]0;t\u{fffd}y\u{fffd}6nz\u{fffd}"),
            "{csv:?}"
        );
        let mut jsonl = Vec::new();
        write_jsonl(&mut jsonl, &[row(Some(hostile), Some(hostile), hostile)]).unwrap();
        let jsonl = String::from_utf8(jsonl).unwrap();
        assert!(
            !jsonl.trim_end().chars().any(crate::sanitize::is_unsafe),
            "{jsonl:?}"
        );
        let back: serde_json::Value = serde_json::from_str(jsonl.trim_end()).unwrap();
        assert_eq!(back["completion"], hostile, "JSONL keeps the exact text");
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines() {
        let mut out = Vec::new();
        write_csv(
            &mut out,
            &[row(Some("bad, \"very\"\nbad"), Some("q"), "a\r\nb")],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.splitn(2, "\r\n");
        assert_eq!(lines.next().unwrap(), CSV_HEADER.join(","));
        assert_eq!(
            lines.next().unwrap(),
            "ses_a,msg_b,negative,false,\"bad, \"\"very\"\"\nbad\",ann,2026-01-01T00:00:00.000000Z,\
             2026-01-01T00:00:01Z,false,sent,true,q,\"a\r\nb\",ns,http://127.0.0.1:1,\
             \"bad, \"\"very\"\"\nbad\",,\r\n"
        );
    }

    #[test]
    fn jsonl_has_dataset_fields() {
        let mut out = Vec::new();
        write_jsonl(&mut out, &[row(None, None, "reply")]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(v["prompt"], "");
        assert_eq!(v["completion"], "reply");
        assert_eq!(v["label"], false);
        assert_eq!(v["rating"], "negative");
        assert_eq!(v["feedback_text"], serde_json::Value::Null);
        assert_eq!(v["stored"], false);
        assert_eq!(v["latest"], true);
        assert_eq!(v["state"], "sent");
    }

    #[test]
    fn since_accepts_dates_and_rfc3339_and_explains_bad_input() {
        assert_eq!(
            parse_since("2026-03-01").unwrap(),
            "2026-03-01T00:00:00.000000Z"
        );
        assert_eq!(
            parse_since("2026-03-01T10:00:00+02:00").unwrap(),
            "2026-03-01T08:00:00.000000Z"
        );
        let err = parse_since("March 1st").unwrap_err().to_string();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        assert!(parse_since("2026-02-30").is_err());
    }

    #[test]
    fn an_export_holds_the_configured_namespace_the_demo_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::config::Paths {
            config_file: dir.path().join("config.toml"),
            data_dir: dir.path().join("data"),
        };
        let overrides = crate::config::Overrides {
            base_url: Some("http://127.0.0.1:1".into()),
            namespace: Some("ns".into()),
            ..Default::default()
        };
        let settings = Settings::from_layers(paths.clone(), &overrides, |_| None).unwrap();
        let mine = row(None, None, "mine");
        let mut demo = row(None, None, "demo");
        demo.entry.target.base_url = DEMO_SERVER_KEY.into();
        demo.entry.target.namespace = crate::server::DEMO_NAMESPACE.into();
        let mut other = row(None, None, "other");
        other.entry.target.namespace = "another-team".into();
        let args = |all: bool, demo: bool| ExportArgs {
            format: ExportFormat::Jsonl,
            output: None,
            since: None,
            all,
            demo,
            connect: Default::default(),
        };
        let held = |scope: &Scope| {
            [&mine, &demo, &other]
                .iter()
                .filter(|r| scope.holds(r))
                .map(|r| r.exchange.as_ref().unwrap().completion.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            held(&Scope::of(&settings, &args(false, false)).unwrap()),
            ["mine"]
        );
        assert_eq!(
            held(&Scope::of(&settings, &args(false, true)).unwrap()),
            ["mine", "demo"]
        );
        assert_eq!(
            held(&Scope::of(&settings, &args(true, false)).unwrap()),
            ["mine", "demo", "other"]
        );
        // With no namespace configured there is nothing of the user's to export.
        let bare = Settings::from_layers(paths, &Default::default(), |_| None).unwrap();
        let refused = Scope::of(&bare, &args(false, false))
            .err()
            .unwrap()
            .to_string();
        assert!(
            refused.contains("--demo") && refused.contains("--all"),
            "{refused}"
        );
        assert_eq!(
            held(&Scope::of(&bare, &args(false, true)).unwrap()),
            ["demo"]
        );
    }
}
