//! Transcripts in: OpenAI chat JSONL (one conversation per line) and `GetHistoryResponse` documents.

use super::store::{self, NewMessage, NewSession};
use crate::api::model::{AgentConfig, GetHistoryResponse, SessionStatus};
use rusqlite::TransactionBehavior;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// Messages without a timestamp are spaced this far apart, from the conversation's start.
const STEP_US: i64 = 30 * 1_000_000;
/// At most this many malformed lines are listed for one file.
const MAX_PROBLEMS: usize = 20;

/// What one import added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub sessions: usize,
    pub messages: usize,
    /// Sessions whose own id was taken already (the same document imported twice, say):
    /// (the id in the file, the id given instead).
    pub renamed: Vec<(String, String)>,
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
            "The namespace name {name:?} is not valid: use 1 to 100 letters, digits, '-', '_' or '.'."
        ));
    }
    if name.starts_with("ns_") {
        return Err(format!(
            "The namespace name {name:?} is not valid: names starting with ns_ are reserved for namespace ids."
        ));
    }
    Ok(())
}

/// Imports one file into `namespace` (created if needed) in one transaction.
/// `-` reads standard input (`... | verdict import --namespace team -`).
pub fn import_file(db: &Path, namespace: &str, file: &Path) -> Result<ImportSummary, ImportError> {
    let stdin = file.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_string()
    } else {
        file.display().to_string()
    };
    let read = if stdin {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(file)
    };
    let bytes = read.map_err(|source| ImportError::Read {
        file: name.clone(),
        source,
    })?;
    let text = decode(&name, &bytes)?;
    import_text(db, namespace, &name, text)
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

/// Imports transcripts given as text; `source` names them in messages.
pub fn import_text(
    db: &Path,
    namespace: &str,
    source: &str,
    text: &str,
) -> Result<ImportSummary, ImportError> {
    check_namespace_name(namespace).map_err(ImportError::Namespace)?;
    let sessions = parse_transcripts(source, text)?;
    let database = |e: store::StoreError| ImportError::Database {
        file: source.to_string(),
        message: e.to_string(),
    };
    let mut conn = store::open(db).map_err(database)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| database(e.into()))?;
    let (ns, _) = store::ensure_namespace(&tx, namespace).map_err(database)?;
    let summary = insert_all(&tx, ns.rowid, &sessions).map_err(database)?;
    tx.commit().map_err(|e| database(e.into()))?;
    Ok(summary)
}

/// Inserts parsed sessions into a namespace inside the caller's transaction.
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
        if let Some(wanted) = s
            .preferred_id
            .as_ref()
            .filter(|w| **w != inserted.session_id)
        {
            summary
                .renamed
                .push((wanted.clone(), inserted.session_id.clone()));
        }
    }
    Ok(summary)
}

/// Parses a whole file: a `GetHistoryResponse` document, one chat conversation, or chat JSONL.
pub(crate) fn parse_transcripts(source: &str, text: &str) -> Result<Vec<NewSession>, ImportError> {
    let invalid = |problems: Vec<String>| ImportError::Invalid { problems };
    if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(text) {
        if doc.contains_key("session_id") {
            return parse_history_document(text)
                .map(|s| vec![s])
                .map_err(|p| invalid(vec![format!("{source}:{p}")]));
        }
        return parse_conversation(&Value::Object(doc), store::now_us())
            .map(|s| vec![s])
            .map_err(|e| invalid(vec![format!("{source}:1: {e}")]));
    }
    let now = store::now_us();
    let mut sessions = Vec::new();
    let mut problems = Vec::new();
    let mut extra = 0usize;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<Value>(line)
            .map_err(|e| format!("not valid JSON ({})", strip_position(&e)))
            .and_then(|v| parse_conversation(&v, now));
        match parsed {
            Ok(s) => sessions.push(s),
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

/// serde_json's message without its "at line 1 column 5" tail, which the caller reports its own way.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => format!("{}, column {}", &text[..i], e.column()),
        None => text,
    }
}

/// Parses an RFC 3339 time (a time without an offset is taken as UTC) to microseconds.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_micros())
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc().timestamp_micros())
        })
}

fn optional_string(
    map: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{at}{key} must be a string")),
    }
}

fn optional_time(map: &Map<String, Value>, key: &str, at: &str) -> Result<Option<i64>, String> {
    match optional_string(map, key, at)? {
        None => Ok(None),
        Some(s) => parse_time(&s)
            .map(Some)
            .ok_or_else(|| format!("{at}{key} {s:?} is not an RFC 3339 time")),
    }
}

/// OpenAI content: a string, null, or an array of `{type: "text", text}` parts.
fn content_text(value: Option<&Value>, at: &str) -> Result<String, String> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(parts)) => {
            let mut texts = Vec::with_capacity(parts.len());
            for (j, part) in parts.iter().enumerate() {
                let kind = part.get("type").and_then(Value::as_str).unwrap_or("");
                match (kind, part.get("text").and_then(Value::as_str)) {
                    ("text", Some(t)) => texts.push(t.to_string()),
                    ("text", None) => {
                        return Err(format!("{at}content[{j}] is a text part without \"text\""));
                    }
                    ("", _) => return Err(format!("{at}content[{j}] has no \"type\"")),
                    // Images and audio cannot be shown as text; a marker keeps their place.
                    (other, _) => texts.push(format!("[{other}]")),
                }
            }
            Ok(texts.join("\n"))
        }
        Some(_) => Err(format!(
            "{at}content must be a string or an array of text parts"
        )),
    }
}

/// "error" when a tool's output is a JSON object with an "error" key.
fn tool_status(output: &str) -> &'static str {
    match serde_json::from_str::<Value>(output) {
        Ok(Value::Object(o)) if o.contains_key("error") => "error",
        _ => "success",
    }
}

struct Call {
    id: Option<String>,
    name: String,
    arguments: String,
}

fn tool_calls(m: &Map<String, Value>, at: &str) -> Result<Vec<Call>, String> {
    let calls = match m.get("tool_calls") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(calls)) => calls,
        Some(_) => return Err(format!("{at}tool_calls must be an array")),
    };
    let mut out = Vec::with_capacity(calls.len());
    for (j, call) in calls.iter().enumerate() {
        let at = format!("{at}tool_calls[{j}].");
        let call = call
            .as_object()
            .ok_or_else(|| format!("{at} must be an object"))?;
        let function = call
            .get("function")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{at}function is missing or not an object"))?;
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{at}function.name is missing"))?;
        let arguments = match function.get("arguments") {
            None | Some(Value::Null) => "{}".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        out.push(Call {
            id: optional_string(call, "id", &at)?,
            name: name.to_string(),
            arguments,
        });
    }
    Ok(out)
}

fn text_message(role: &str, content: String) -> NewMessage {
    NewMessage {
        preferred_id: None,
        role: role.to_string(),
        content,
        content_type: "text".to_string(),
        tool_name: None,
        tool_inputs: None,
        tool_outputs: None,
        tool_status: None,
        timestamp_us: 0,
    }
}

/// One OpenAI chat conversation (`{"messages": [...], "metadata"?: {...}}`) as a session.
fn parse_conversation(value: &Value, now: i64) -> Result<NewSession, String> {
    let obj = value
        .as_object()
        .ok_or("expected a JSON object with \"messages\"")?;
    let messages = match obj.get("messages") {
        Some(Value::Array(m)) => m,
        Some(_) => return Err("\"messages\" must be an array".to_string()),
        None => return Err("missing \"messages\"".to_string()),
    };
    let empty = Map::new();
    let meta = match obj.get("metadata") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err("\"metadata\" must be an object".to_string()),
    };
    let status = match optional_string(meta, "status", "metadata.")? {
        None => SessionStatus::Active,
        Some(s) => SessionStatus::parse(&s).ok_or_else(|| {
            format!("metadata.status {s:?} is not one of active, idle, archived, terminated")
        })?,
    };
    let enable_memory = match meta.get("enable_memory") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("metadata.enable_memory must be true or false".to_string()),
    };
    let created_at = optional_time(meta, "created_at", "metadata.")?;

    // Results first, so each call can carry the status its result reported.
    let mut result_status: HashMap<String, &'static str> = HashMap::new();
    for m in messages {
        if m.get("role").and_then(Value::as_str) == Some("tool")
            && let Some(id) = m.get("tool_call_id").and_then(Value::as_str)
        {
            let output = content_text(m.get("content"), "").unwrap_or_default();
            result_status.insert(id.to_string(), tool_status(&output));
        }
    }

    let mut system_prompt: Option<String> = None;
    let mut tool_names: HashMap<String, String> = HashMap::new();
    let mut tools_used: Vec<String> = Vec::new();
    // Each item with the explicit timestamp of the message it came from, if any.
    let mut items: Vec<(NewMessage, Option<i64>)> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let at = format!("messages[{i}].");
        let m = m
            .as_object()
            .ok_or_else(|| format!("messages[{i}] must be an object"))?;
        let role = m
            .get("role")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}role is missing"))?;
        let content = content_text(m.get("content"), &at)?;
        let timestamp = optional_time(m, "timestamp", &at)?;
        match role {
            "system" | "developer" => match &mut system_prompt {
                Some(p) => {
                    p.push_str("\n\n");
                    p.push_str(&content);
                }
                None => system_prompt = Some(content),
            },
            "user" => items.push((text_message("user", content), timestamp)),
            "assistant" => {
                let calls = tool_calls(m, &at)?;
                if calls.is_empty() || !content.trim().is_empty() {
                    items.push((text_message("assistant", content), timestamp));
                }
                for call in calls {
                    if let Some(id) = &call.id {
                        tool_names.insert(id.clone(), call.name.clone());
                    }
                    if !tools_used.contains(&call.name) {
                        tools_used.push(call.name.clone());
                    }
                    let status = call
                        .id
                        .as_ref()
                        .and_then(|id| result_status.get(id))
                        .map(|s| s.to_string());
                    let mut item =
                        text_message("tool", format!("{}({})", call.name, call.arguments));
                    item.content_type = "tool_call".to_string();
                    item.tool_name = Some(call.name);
                    item.tool_inputs = Some(call.arguments);
                    item.tool_status = status;
                    items.push((item, timestamp));
                }
            }
            "tool" => {
                let call_id = optional_string(m, "tool_call_id", &at)?;
                let name = call_id
                    .as_ref()
                    .and_then(|id| tool_names.get(id).cloned())
                    .or(optional_string(m, "name", &at)?);
                let mut item = text_message("tool", content.clone());
                item.content_type = "tool_result".to_string();
                item.tool_name = name;
                item.tool_status = Some(tool_status(&content).to_string());
                item.tool_outputs = Some(content);
                items.push((item, timestamp));
            }
            other => {
                return Err(format!(
                    "{at}role {other:?} is not one of system, user, assistant, tool"
                ));
            }
        }
    }

    let start = created_at
        .or_else(|| items.iter().find_map(|(_, t)| *t))
        .unwrap_or(now);
    let mut previous: Option<i64> = None;
    let mut out = Vec::with_capacity(items.len());
    for (mut item, explicit) in items {
        let t = explicit.unwrap_or(match previous {
            None => start,
            Some(p) => p + STEP_US,
        });
        item.timestamp_us = t;
        previous = Some(t);
        out.push(item);
    }

    let mut agent_config = AgentConfig::default();
    if let Some(model) = optional_string(meta, "model", "metadata.")? {
        agent_config.model = model;
    }
    if let Some(prompt) = system_prompt {
        agent_config.system_prompt = prompt;
    }
    agent_config.available_tools = tools_used;
    Ok(NewSession {
        preferred_id: None,
        user_id: optional_string(meta, "user_id", "metadata.")?,
        session_name: optional_string(meta, "session_name", "metadata.")?,
        agent_config,
        user_memory: Map::new(),
        metadata: meta.clone(),
        quotas: None,
        enable_memory,
        status,
        created_us: start,
        messages: out,
    })
}

/// A `GetHistoryResponse` document as a session; its ids are kept where they are free.
/// Errors read `LINE: what` (the caller adds the file name).
fn parse_history_document(text: &str) -> Result<NewSession, String> {
    let doc: GetHistoryResponse = serde_json::from_str(text).map_err(|e| {
        format!(
            "{}: not a GetHistoryResponse document ({})",
            e.line(),
            strip_position(&e)
        )
    })?;
    // One page of a longer history would pass for the whole session.
    let held = doc.messages.len() as u64;
    if doc.has_more || doc.total_messages > held {
        return Err(format!(
            "1: this document holds {held} of the session's {} messages (one page of its history); put every page's messages in one document and import that",
            doc.total_messages.max(held)
        ));
    }
    let mut messages = Vec::with_capacity(doc.messages.len());
    for (i, m) in doc.messages.iter().enumerate() {
        if !matches!(m.role.as_str(), "user" | "assistant" | "tool" | "system") {
            return Err(format!(
                "1: messages[{i}].role {:?} is not one of user, assistant, tool, system",
                m.role
            ));
        }
        let timestamp = parse_time(&m.timestamp).ok_or_else(|| {
            format!(
                "1: messages[{i}].timestamp {:?} is not an RFC 3339 time",
                m.timestamp
            )
        })?;
        messages.push(NewMessage {
            preferred_id: Some(m.message_id.clone()),
            role: m.role.clone(),
            content: m.content.clone(),
            content_type: m.content_type.clone(),
            tool_name: m.tool_name.clone(),
            tool_inputs: m.tool_inputs.clone(),
            tool_outputs: m.tool_outputs.clone(),
            tool_status: m.tool_status.clone(),
            timestamp_us: timestamp,
        });
    }
    let mut tools_used: Vec<String> = Vec::new();
    for name in messages.iter().filter_map(|m| m.tool_name.as_ref()) {
        if !tools_used.contains(name) {
            tools_used.push(name.clone());
        }
    }
    let created = messages
        .iter()
        .map(|m| m.timestamp_us)
        .min()
        .unwrap_or_else(store::now_us);
    Ok(NewSession {
        preferred_id: Some(doc.session_id),
        user_id: None,
        session_name: None,
        agent_config: AgentConfig {
            available_tools: tools_used,
            ..AgentConfig::default()
        },
        user_memory: Map::new(),
        metadata: Map::new(),
        quotas: None,
        enable_memory: true,
        status: SessionStatus::Active,
        created_us: created,
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_dropped_and_bad_utf8_is_placed_by_line() {
        let line = r#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}"#;
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), line.as_bytes()].concat();
        let text = decode("a.jsonl", &with_bom).unwrap();
        assert_eq!(parse_transcripts("a.jsonl", text).unwrap().len(), 1);
        let broken = [
            line.as_bytes(),
            b"\n",
            line.as_bytes(),
            b"\n{\"x\":\"\xFF\"}\n",
        ]
        .concat();
        let err = decode("b.jsonl", &broken).unwrap_err().to_string();
        assert_eq!(
            err,
            "b.jsonl:3: not UTF-8 text; save the file as UTF-8 and import it again"
        );
    }

    #[test]
    fn one_page_of_a_longer_history_is_refused() {
        let doc = r#"{"session_id":"ses_p","messages":[{"message_id":"msg_1","role":"user","content":"hi","content_type":"text","timestamp":"2026-01-01T00:00:00Z"}],"total_messages":500,"returned_messages":1,"has_more":true}"#;
        let err = parse_transcripts("page.json", doc).unwrap_err().to_string();
        assert!(
            err.starts_with("page.json:1: this document holds 1 of the session's 500 messages"),
            "{err}"
        );
        let whole = doc
            .replace("500", "1")
            .replace("\"has_more\":true", "\"has_more\":false");
        assert_eq!(parse_transcripts("whole.json", &whole).unwrap().len(), 1);
    }

    #[test]
    fn tool_calls_become_items_with_their_result_status() {
        let line = r#"{"messages":[
            {"role":"system","content":"be brief"},
            {"role":"user","content":[{"type":"text","text":"count"},{"type":"text","text":"please"}]},
            {"role":"assistant","content":"","tool_calls":[
                {"id":"c1","type":"function","function":{"name":"count","arguments":"{\"b\":1}"}},
                {"id":"c2","type":"function","function":{"name":"lookup","arguments":{"k":2}}}]},
            {"role":"tool","tool_call_id":"c1","content":"{\"count\":3}"},
            {"role":"tool","tool_call_id":"c2","content":"{\"error\":\"nope\"}"},
            {"role":"assistant","content":"three","timestamp":"2026-01-01T00:10:00Z"}],
            "metadata":{"created_at":"2026-01-01T00:00:00Z","model":"m1","enable_memory":false}}"#;
        let s = parse_conversation(&serde_json::from_str(line).unwrap(), 0).unwrap();
        let roles: Vec<(&str, &str)> = s
            .messages
            .iter()
            .map(|m| (m.role.as_str(), m.content_type.as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                ("user", "text"),
                ("tool", "tool_call"),
                ("tool", "tool_call"),
                ("tool", "tool_result"),
                ("tool", "tool_result"),
                ("assistant", "text")
            ]
        );
        assert_eq!(s.messages[0].content, "count\nplease");
        assert_eq!(s.messages[1].tool_status.as_deref(), Some("success"));
        assert_eq!(s.messages[2].tool_status.as_deref(), Some("error"));
        assert_eq!(s.messages[2].tool_inputs.as_deref(), Some(r#"{"k":2}"#));
        assert_eq!(s.messages[4].tool_name.as_deref(), Some("lookup"));
        assert_eq!(s.messages[4].tool_status.as_deref(), Some("error"));
        let start = parse_time("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(s.messages[0].timestamp_us, start);
        assert_eq!(s.messages[1].timestamp_us, start + STEP_US);
        assert_eq!(s.messages[5].timestamp_us, start + 600 * 1_000_000);
        assert_eq!(s.agent_config.system_prompt, "be brief");
        assert_eq!(s.agent_config.model, "m1");
        assert_eq!(s.agent_config.available_tools, ["count", "lookup"]);
        assert!(!s.enable_memory);
    }

    #[test]
    fn every_bad_line_is_named() {
        let text = "{\"messages\":[]}\nnot json\n\n{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}\n";
        let Err(ImportError::Invalid { problems }) = parse_transcripts("f.jsonl", text) else {
            panic!("expected problems")
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("f.jsonl:2: not valid JSON"),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].starts_with("f.jsonl:4: messages[0].role"),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn namespace_names_are_checked() {
        assert!(check_namespace_name("demo").is_ok());
        assert!(check_namespace_name("team.reviews-2").is_ok());
        assert!(check_namespace_name("").is_err());
        assert!(check_namespace_name("ns_abc").is_err());
        assert!(check_namespace_name("has space").is_err());
    }

    #[test]
    fn embedded_demo_parses() {
        let sessions = parse_transcripts("demo", super::super::DEMO_TRANSCRIPTS).unwrap();
        assert!(sessions.len() >= 2);
        assert!(sessions.iter().all(|s| !s.messages.is_empty()));
    }
}
