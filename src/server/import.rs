//! Transcripts in: OpenAI chat JSONL (one conversation per line) and `GetHistoryResponse` documents.

mod check;
mod parse;
#[cfg(test)]
mod tests;

pub use check::{
    DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_MESSAGE_BYTES, MAX_ID_CHARS, MAX_NAME_BYTES, check_id,
};
#[cfg(test)]
use parse::{parse_conversation, parse_time};

use super::store::{self, NewSession};
use parse::ParsedSession;
use rusqlite::TransactionBehavior;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// Messages without a timestamp are spaced this far apart.
const STEP_US: i64 = 30 * 1_000_000;
/// At most this many problems are listed for one file.
const MAX_PROBLEMS: usize = 20;
/// Goes into every derived id, so a change to how ids are derived can change it.
const DERIVATION: &[u8] = b"verdict import 1";

/// The caps an import enforces and whether it may replace sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The largest message text (content, tool inputs or output, system prompt), in bytes.
    pub max_message_bytes: usize,
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// Replace a session already in the namespace whose messages differ from the file's.
    pub replace: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            replace: false,
        }
    }
}

/// What one import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Sessions added (new, or replacing one with `--replace`), and their messages.
    pub sessions: usize,
    pub messages: usize,
    /// Sessions that were in the namespace already with the same messages: left as they are.
    pub unchanged: Vec<String>,
    /// Sessions dropped and loaded again from the file (`--replace`); also counted in `sessions`.
    pub replaced: Vec<String>,
}

/// Why a file was not imported. Nothing from a file is imported when it has a problem.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is malformed; each problem reads `FILE:LINE: what is wrong`.
    #[error("{}", .problems.join("\n"))]
    Invalid { problems: Vec<String> },
    #[error("{file}: cannot read the file: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Namespace(String),
    #[error("{file}: cannot write to the database: {message}")]
    Database { file: String, message: String },
}

/// Checks a namespace name: it travels in a header and must not look like an `ns_` id.
pub fn check_namespace_name(name: &str) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if name.is_empty() || name.len() > 100 || !ok_chars {
        return Err(format!(
            "The namespace name {:?} is not valid: use 1 to 100 letters, digits, '-', '_' or '.'.",
            crate::sanitize::message(name, 40)
        ));
    }
    if name.starts_with("ns_") {
        return Err(format!(
            "The namespace name {name:?} is not valid: names starting with ns_ are reserved for namespace ids."
        ));
    }
    Ok(())
}

fn too_large(name: &str, size: u64, max: u64) -> ImportError {
    ImportError::Invalid {
        problems: vec![format!(
            "{name}: the file is {size} bytes, over the limit of {max} bytes; split it, or raise the limit with --max-file-bytes"
        )],
    }
}

/// Imports one file into `namespace` (created if needed) in one transaction.
/// `-` reads standard input (`... | verdict import --namespace team -`).
pub fn import_file(
    db: &Path,
    namespace: &str,
    file: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let stdin = file.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_string()
    } else {
        file.display().to_string()
    };
    let read_error = |source| ImportError::Read {
        file: name.clone(),
        source,
    };
    // Read at most one byte past the cap: a file of any size costs no more than that.
    let mut bytes = Vec::new();
    let read = if stdin {
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin(), opts.max_file_bytes.saturating_add(1)),
            &mut bytes,
        )
    } else {
        let f = std::fs::File::open(file).map_err(read_error)?;
        let size = f.metadata().map_err(read_error)?.len();
        if size > opts.max_file_bytes {
            return Err(too_large(&name, size, opts.max_file_bytes));
        }
        std::io::Read::read_to_end(
            &mut std::io::Read::take(f, opts.max_file_bytes.saturating_add(1)),
            &mut bytes,
        )
    };
    read.map_err(read_error)?;
    if bytes.len() as u64 > opts.max_file_bytes {
        // Reading stopped one byte past the cap, so all that is known is "more than".
        return Err(ImportError::Invalid {
            problems: vec![format!(
                "{name}: the file is more than {max} bytes, over the limit of {max} bytes; split it, or raise the limit with --max-file-bytes",
                max = opts.max_file_bytes
            )],
        });
    }
    let text = decode(&name, &bytes)?;
    import_text_with(db, namespace, &name, text, opts)
}

/// The file as text: UTF-8, with a byte-order mark (which some editors write) dropped.
fn decode<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        ImportError::Invalid {
            problems: vec![format!(
                "{name}:{line}: not UTF-8 text; save the file as UTF-8 and import it again"
            )],
        }
    })
}

/// Imports transcripts given as text with the default options; `source` names them in messages.
pub fn import_text(
    db: &Path,
    namespace: &str,
    source: &str,
    text: &str,
) -> Result<ImportSummary, ImportError> {
    import_text_with(db, namespace, source, text, &ImportOptions::default())
}

/// Imports transcripts given as text; `source` names them in messages.
pub fn import_text_with(
    db: &Path,
    namespace: &str,
    source: &str,
    text: &str,
    opts: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    check_namespace_name(namespace).map_err(ImportError::Namespace)?;
    if text.len() as u64 > opts.max_file_bytes {
        return Err(too_large(source, text.len() as u64, opts.max_file_bytes));
    }
    let sessions = parse_file(source, text, opts, store::now_us())?;
    let database = |e: store::StoreError| ImportError::Database {
        file: source.to_string(),
        message: e.to_string(),
    };
    let mut conn = store::open(db).map_err(database)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| database(e.into()))?;
    let (ns, _) = store::ensure_namespace(&tx, namespace).map_err(database)?;
    let summary = load(&tx, ns.rowid, namespace, source, sessions, opts)?;
    // Dropping the transaction without a commit rolls back: a refused file leaves nothing.
    tx.commit().map_err(|e| database(e.into()))?;
    Ok(summary)
}

/// A session from a file with the line it came from and a digest of its content.
pub(crate) struct FileSession {
    pub line: usize,
    pub parsed: ParsedSession,
    /// The line (or document) as compact JSON: what a derived id is made from.
    /// The sha256 of the line (or document) as compact JSON: what a derived id is made from.
    pub digest: [u8; 32],
    /// Whether the id came from the file rather than from the content.
    pub explicit_id: bool,
}

/// Writes a file's sessions inside the caller's transaction. A session whose id is free
/// is added. One already in the namespace with the same messages is left as it is; with
/// other messages it is replaced when `opts.replace`, and refused otherwise. An id taken
/// in another namespace is refused. Any refusal fails the whole file.
fn load(
    conn: &rusqlite::Connection,
    ns_rowid: i64,
    namespace: &str,
    source: &str,
    sessions: Vec<FileSession>,
    opts: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let database = |e: store::StoreError| ImportError::Database {
        file: source.to_string(),
        message: e.to_string(),
    };
    let mut summary = ImportSummary::default();
    let mut problems = Vec::new();
    // The line each id was first seen on: two sessions of one file never replace each other.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for FileSession {
        line,
        parsed,
        digest,
        explicit_id,
    } in sessions
    {
        let mut s = parsed.session;
        let id = match s.preferred_id.take() {
            Some(id) => id,
            None => check::derived_id("ses", &[DERIVATION, namespace.as_bytes(), &digest]),
        };
        let found = store::find_session_row(conn, &id).map_err(database)?;
        let earlier = seen.insert(id.clone(), line);
        let mut replacing = false;
        if let Some((owner, rowid)) = found {
            if owner != ns_rowid {
                problems.push(format!(
                    "{source}:{line}: session {id} is already in another namespace of this database, and ids are unique across it; import the file into that namespace, or remove the id from the file so one is made"
                ));
                continue;
            }
            let same = store::same_messages(conn, rowid, &s.messages, &parsed.times_given)
                .map_err(database)?;
            if same {
                // A line repeated in the file is the one session it already added.
                if earlier.is_none() {
                    summary.unchanged.push(id);
                }
                continue;
            }
            if let Some(earlier) = earlier {
                problems.push(format!(
                    "{source}:{line}: session {id} is also on line {earlier}, with other messages; give one of them another id"
                ));
                continue;
            }
            if !opts.replace {
                let remedy = if explicit_id {
                    "give this session another id"
                } else {
                    "check the file"
                };
                problems.push(format!(
                    "{source}:{line}: session {id} is already in namespace {namespace} with other messages; import with --replace to load the file's copy instead (the stored one's ratings are dropped), or {remedy}"
                ));
                continue;
            }
            store::delete_session(conn, rowid).map_err(database)?;
            replacing = true;
        }
        // Message ids the file does not give are derived from the session's, so a reload
        // with --replace keeps them (and the reviewer's journal still finds them).
        for (seq, m) in s.messages.iter_mut().enumerate() {
            if m.preferred_id.is_none() {
                let seq = (seq as u64).to_le_bytes();
                m.preferred_id = Some(check::derived_id("msg", &[DERIVATION, id.as_bytes(), &seq]));
            }
        }
        s.preferred_id = Some(id.clone());
        let inserted = store::insert_session(conn, ns_rowid, &s).map_err(database)?;
        summary.sessions += 1;
        summary.messages += inserted.messages;
        if replacing {
            summary.replaced.push(id);
        }
    }
    if problems.is_empty() {
        return Ok(summary);
    }
    if problems.len() > MAX_PROBLEMS {
        let extra = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(format!("{source}: and {extra} more sessions like these"));
    }
    Err(ImportError::Invalid { problems })
}

/// Inserts parsed sessions into a namespace inside the caller's transaction, each with a
/// new id (the built-in demo, loaded into an empty namespace).
pub(crate) fn insert_all(
    conn: &rusqlite::Connection,
    ns_rowid: i64,
    sessions: &[NewSession],
) -> Result<ImportSummary, store::StoreError> {
    let mut summary = ImportSummary::default();
    for s in sessions {
        let inserted = store::insert_session(conn, ns_rowid, s)?;
        summary.sessions += 1;
        summary.messages += inserted.messages;
    }
    Ok(summary)
}

/// Parses a whole file with the default options: a `GetHistoryResponse` document, one
/// chat conversation, or chat JSONL.
pub(crate) fn parse_transcripts(source: &str, text: &str) -> Result<Vec<NewSession>, ImportError> {
    let sessions = parse_file(source, text, &ImportOptions::default(), store::now_us())?;
    Ok(sessions.into_iter().map(|s| s.parsed.session).collect())
}

/// Parses a whole file and lays out the sessions that had no time at all: one after the
/// other in file order, 30 s between messages, the last one ending before `now`.
pub(crate) fn parse_file(
    source: &str,
    text: &str,
    opts: &ImportOptions,
    now: i64,
) -> Result<Vec<FileSession>, ImportError> {
    let mut sessions = parse_lines(source, text, opts)?;
    let span = |s: &FileSession| {
        s.parsed
            .session
            .messages
            .last()
            .map_or(0, |m| m.timestamp_us)
            .saturating_add(STEP_US)
    };
    let total = sessions
        .iter()
        .filter(|s| !s.parsed.anchored)
        .map(span)
        .fold(0i64, i64::saturating_add);
    let mut start = now.saturating_sub(total);
    if start < 0 {
        return Err(ImportError::Invalid {
            problems: vec![format!(
                "{source}: its messages without times, laid out 30 s apart before now, would start before 1970; give them times, or split the file"
            )],
        });
    }
    for s in sessions.iter_mut().filter(|s| !s.parsed.anchored) {
        let length = span(s);
        let session = &mut s.parsed.session;
        session.created_us = start;
        for m in &mut session.messages {
            m.timestamp_us += start;
        }
        start = start.saturating_add(length);
    }
    Ok(sessions)
}

/// The sessions of a file, each with its line; every bad line is listed.
fn parse_lines(
    source: &str,
    text: &str,
    opts: &ImportOptions,
) -> Result<Vec<FileSession>, ImportError> {
    let invalid = |problems: Vec<String>| ImportError::Invalid { problems };
    if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(text) {
        let digest = digest_of(&doc);
        let (parsed, explicit_id) = if doc.contains_key("session_id") {
            let parsed = parse::parse_history_document(text, opts)
                .map_err(|p| invalid(vec![format!("{source}:{p}")]))?;
            (parsed, true)
        } else {
            let parsed = parse::parse_conversation(&Value::Object(doc), opts)
                .map_err(|e| invalid(vec![format!("{source}:1: {e}")]))?;
            let explicit = parsed.session.preferred_id.is_some();
            (parsed, explicit)
        };
        return Ok(vec![FileSession {
            line: 1,
            parsed,
            digest,
            explicit_id,
        }]);
    }
    let mut sessions = Vec::new();
    let mut problems = Vec::new();
    let mut extra = 0usize;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<Value>(line)
            .map_err(|e| format!("not valid JSON ({})", strip_position(&e)))
            .and_then(|v| {
                let parsed = parse::parse_conversation(&v, opts)?;
                Ok((parsed, digest_of(&v)))
            });
        match parsed {
            Ok((parsed, digest)) => sessions.push(FileSession {
                line: i + 1,
                explicit_id: parsed.session.preferred_id.is_some(),
                parsed,
                digest,
            }),
            Err(e) if problems.len() < MAX_PROBLEMS => {
                problems.push(format!("{source}:{}: {e}", i + 1));
            }
            Err(_) => extra += 1,
        }
    }
    if extra > 0 {
        problems.push(format!("{source}: and {extra} more malformed lines"));
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    if sessions.is_empty() {
        return Err(invalid(vec![format!(
            "{source}: no conversations found (expected OpenAI chat JSONL, one conversation per line, or a GetHistoryResponse JSON document)"
        )]));
    }
    Ok(sessions)
}

/// The sha256 of a value written as compact JSON, streamed into the hash: the same
/// content gives the same digest whatever the file's spacing, and no copy is made.
fn digest_of(value: &impl serde::Serialize) -> [u8; 32] {
    let mut hasher = Sha256::new();
    // Writing into a hasher cannot fail, and a `Value` always serialises.
    let _ = serde_json::to_writer(&mut hasher, value);
    hasher.finalize().into()
}

/// serde_json's message without its "at line 1 column 5" tail, which the caller reports its own way.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => format!("{}, column {}", &text[..i], e.column()),
        None => text,
    }
}
