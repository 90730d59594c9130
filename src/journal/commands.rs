//! `verdict rate`, `sync`, `export` and `status`.

use super::outbox::{Outbox, OutboxEvent, OutboxOptions, describe};
use super::{Counts, DEMO_SERVER_KEY, Entry, Exchange, ExportRow, JournalHandle, journal_base_url};
use crate::api::model::{Rating, SubmitFeedbackResponse};
use crate::api::{ApiError, Client, ClientOptions};
use crate::cli::{ConnectArgs, ExportArgs, ExportFormat, RateArgs, RatingArg, SyncArgs};
use crate::config::{ENV_API_KEY, ENV_NAMESPACE, Settings};
use crate::server::ServerHandle;
use anyhow::{Context, anyhow, bail};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// How long `rate` waits for the server through retryable errors before leaving the rating
/// to the next run. Longer than the client's request timeout, so a slow answer still counts.
const RATE_PATIENCE: Duration = Duration::from_secs(30);
/// The same for `sync`, which may have many ratings to send.
const SYNC_PATIENCE: Duration = Duration::from_secs(120);

/// Set once standard output's reader has gone away, so later lines are skipped, not attempted.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output for the headless commands. A reader that went away
/// (`verdict status | head -1`) is the reader being done: the rest of the output is skipped
/// and the command still succeeds, where `println!` would panic.
pub(crate) fn write_stdout(text: std::fmt::Arguments) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(e).context("Cannot write to standard output"),
    }
}

/// `println!` for the headless commands, through [`write_stdout`]; evaluates to a `Result`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::journal::commands::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

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
    let max = crate::review::editor::MAX_FEEDBACK_CHARS;
    let text = args.text.filter(|t| !t.trim().is_empty());
    if let Some(t) = &text
        && t.chars().count() > max
    {
        bail!(
            "The text is {} characters long; the server takes at most {max}. Shorten it; nothing was saved.",
            t.chars().count()
        );
    }
    let settings = crate::config::prepare(connect)?;
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
        Outcome::Refused(error) => Err(anyhow!(refusal_sentence(&error))),
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

/// `positive on msg_x in ses_y: stored to memory (recorded 2026-...)`
pub fn receipt_line(receipt: &SubmitFeedbackResponse) -> String {
    format!(
        "{} on {} in {}: {} (recorded {})",
        receipt.rating,
        receipt.message_id,
        receipt.session_id,
        if receipt.stored {
            "stored to memory"
        } else {
            "not stored"
        },
        receipt.recorded_at
    )
}

/// Why the server could not be reached, without repeating "could not reach".
fn unreachable_reason(error: &ApiError) -> String {
    match error {
        ApiError::Network(reason) => reason.clone(),
        ApiError::Timeout => "no answer in time".to_string(),
        other => describe(other),
    }
}

fn refusal_sentence(error: &ApiError) -> String {
    match error {
        ApiError::Unauthorized(info) => format!(
            "The server refused the API key ({}: {}); set {ENV_API_KEY} (or api_key in config.toml) to a valid key: the rating is kept and goes with the next run (or `verdict sync`).",
            info.status, info.message
        ),
        _ => match error.info() {
            Some(info) => format!(
                "The server refused the rating ({}): {}. It is kept in the journal as failed.",
                info.status,
                info.message.trim_end_matches('.')
            ),
            None => format!(
                "The server's answer could not be used ({error}); the rating is kept in the journal as failed."
            ),
        },
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

pub async fn sync(connect: &ConnectArgs, args: SyncArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(connect)?;
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

pub async fn export(connect: &ConnectArgs, args: ExportArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(connect)?;
    let since = match args.since.as_deref() {
        Some(s) => Some(parse_since(s)?),
        None => None,
    };
    let journal = JournalHandle::open(&settings.paths.journal_db())?;
    let mut rows = journal
        .call(move |j| j.export_rows(since.as_deref()))
        .await?;
    fill_exchanges(&settings, &journal, &mut rows).await;

    let mut out = Vec::new();
    match args.format {
        ExportFormat::Jsonl => write_jsonl(&mut out, &rows)?,
        ExportFormat::Csv => write_csv(&mut out, &rows)?,
    }
    match &args.output {
        Some(path) => {
            write_file_atomically(path, &out)
                .with_context(|| format!("Cannot write the export to {}", path.display()))?;
            crate::say_err!(
                "verdict: exported {} rating(s) to {}",
                rows.len(),
                path.display()
            );
        }
        None => {
            write_stdout(format_args!("{}", String::from_utf8_lossy(&out)))
                .context("Cannot write the export to standard output")?;
        }
    }
    Ok(())
}

/// `--since`: a date (midnight UTC) or an RFC 3339 time, in the journal's time format.
pub fn parse_since(s: &str) -> anyhow::Result<String> {
    let s = s.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(midnight) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(super::to_journal_time(midnight.and_utc()));
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(super::to_journal_time(t.with_timezone(&chrono::Utc)));
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
        serde_json::to_writer(&mut *out, &ExportRecord::new(row))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

const CSV_HEADER: [&str; 15] = [
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
            ],
        )?;
    }
    Ok(())
}

fn write_csv_line(
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

pub fn csv_field(field: &str) -> String {
    if field.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Writes the export to `path`. A regular file (or a new one) is written beside and
/// renamed into place, so a failed export never leaves half a file, and private to the
/// user, as transcripts may be confidential. A symbolic link is followed to the file it
/// names. Anything else (a terminal, `/dev/stdout`, a named pipe) is written into as it
/// is: replacing it with a file would break what the user pointed at.
fn write_file_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(resolved) => resolved,
            // A dangling link: create the file it names.
            Err(_) => match std::fs::read_link(path) {
                Ok(to) if to.is_absolute() => to,
                Ok(to) => path.parent().map_or(to.clone(), |dir| dir.join(&to)),
                Err(e) => return Err(e),
            },
        },
        _ => path.to_path_buf(),
    };
    match std::fs::metadata(&target) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut f = std::fs::OpenOptions::new().write(true).open(&target)?;
            f.write_all(bytes)?;
            return f.flush();
        }
        _ => {}
    }
    replace_file(&target, bytes)
}

fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub async fn status(connect: &ConnectArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(connect)?;
    let paths = &settings.paths;
    let base_url = journal_base_url(&settings.base_url);
    let mut lines: Vec<(&str, String)> = Vec::new();
    let config_state = if paths.config_file.exists() {
        ""
    } else {
        " (not found; defaults in use)"
    };
    lines.push((
        "config file",
        format!("{}{config_state}", paths.config_file.display()),
    ));
    lines.push(("data dir", paths.data_dir.display().to_string()));
    lines.push(("journal", paths.journal_db().display().to_string()));
    lines.push(("log", paths.log_file().display().to_string()));
    let server_note =
        match crate::api::client::check_base_url(&base_url, settings.allow_insecure_http) {
            Ok(_) => String::new(),
            Err(e) => format!(" ({})", e.user_message()),
        };
    lines.push(("server", format!("{base_url}{server_note}")));
    lines.push((
        "namespace",
        settings
            .namespace
            .clone()
            .unwrap_or_else(|| format!("not set (pass --namespace or set {ENV_NAMESPACE})")),
    ));
    lines.push((
        "api key",
        if settings.api_key.is_some() {
            "configured".to_string()
        } else {
            format!("not set (set {ENV_API_KEY} or api_key in the config file)")
        },
    ));
    lines.push(("reviewer", settings.reviewer.clone()));

    let mut failed_entries = Vec::new();
    match &settings.namespace {
        Some(namespace) if paths.journal_db().exists() => {
            let journal = JournalHandle::open(&paths.journal_db())?;
            let (b, n) = (base_url.clone(), namespace.clone());
            let (counts, failed, drafts) = journal
                .call(move |j| Ok((j.counts(&b, &n)?, j.failed(&b, &n)?, j.drafts(&b, &n)?)))
                .await?;
            lines.push(("pending", counts.pending.to_string()));
            lines.push(("failed", counts.failed.to_string()));
            lines.push((
                "drafts",
                if drafts.is_empty() {
                    "0".to_string()
                } else {
                    format!(
                        "{} (notes not sent yet; the reviewer marks each message \"draft\")",
                        drafts.len()
                    )
                },
            ));
            failed_entries = failed;
        }
        Some(_) => {
            let none = Counts::default();
            lines.push(("pending", none.pending.to_string()));
            lines.push(("failed", none.failed.to_string()));
            lines.push(("drafts", "0".into()));
        }
        None => {
            lines.push(("pending", "unknown until a namespace is set".into()));
            lines.push(("failed", "unknown until a namespace is set".into()));
            lines.push(("drafts", "unknown until a namespace is set".into()));
        }
    }
    // Demo ratings are kept under the demo's own name; only the demo sends them.
    if paths.journal_db().exists() {
        let journal = JournalHandle::open(&paths.journal_db())?;
        let (demo, drafts) = journal
            .call(|j| {
                let ns = crate::server::DEMO_NAMESPACE;
                Ok((
                    j.counts(DEMO_SERVER_KEY, ns)?,
                    j.drafts(DEMO_SERVER_KEY, ns)?.len(),
                ))
            })
            .await?;
        if demo.pending + demo.failed + drafts > 0 {
            let mut what = format!("{} pending, {} failed", demo.pending, demo.failed);
            if drafts > 0 {
                what.push_str(&format!(
                    ", {drafts} draft{}",
                    if drafts == 1 { "" } else { "s" }
                ));
            }
            lines.push((
                "demo",
                format!("{what} (pending ones are sent the next time the demo runs)"),
            ));
        }
    }
    let mut out = String::new();
    for (label, value) in lines {
        out.push_str(&format!("{label:<12} {value}\n"));
    }
    const SHOWN: usize = 10;
    for e in failed_entries.iter().take(SHOWN) {
        out.push_str(&format!(
            "  failed: {} on {} in {} ({}): {}\n",
            e.rating,
            e.target.message_id,
            e.target.session_id,
            e.made_at,
            e.last_error.as_deref().unwrap_or("refused")
        ));
    }
    if failed_entries.len() > SHOWN {
        out.push_str(&format!(
            "  ... and {} more (verdict export lists them all)\n",
            failed_entries.len() - SHOWN
        ));
    }
    write_stdout(format_args!("{out}"))
}

/// The API client, or one sentence on what to set.
fn client(settings: &Settings) -> anyhow::Result<Client> {
    let Some(api_key) = settings.api_key.clone() else {
        bail!(
            "No API key is set: export {ENV_API_KEY}=<your key>, or put api_key = \"...\" in {} (chmod 600).",
            settings.paths.config_file.display()
        );
    };
    let Some(namespace) = settings.namespace.clone() else {
        bail!(
            "No namespace is set: pass --namespace NAME, export {ENV_NAMESPACE}=NAME, or put namespace = \"...\" in {}.",
            settings.paths.config_file.display()
        );
    };
    let mut options = ClientOptions::new(settings.base_url.clone(), api_key, namespace);
    options.allow_insecure_http = settings.allow_insecure_http;
    Client::new(options).map_err(|e| anyhow!(e.user_message()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{RatingState, Target};

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
             2026-01-01T00:00:01Z,false,sent,true,q,\"a\r\nb\",ns,http://127.0.0.1:1\r\n"
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
    fn receipt_line_says_stored_or_not() {
        let mut r = SubmitFeedbackResponse {
            session_id: "ses_y".into(),
            message_id: "msg_x".into(),
            rating: Rating::Positive,
            stored: true,
            recorded_at: "2026-01-01T00:00:00Z".into(),
        };
        assert_eq!(
            receipt_line(&r),
            "positive on msg_x in ses_y: stored to memory (recorded 2026-01-01T00:00:00Z)"
        );
        r.stored = false;
        assert!(receipt_line(&r).contains(": not stored ("));
    }
}
