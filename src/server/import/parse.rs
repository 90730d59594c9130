//! One conversation or history document to a session, each field checked as it is read.

use super::check::{self, check_id, check_name, check_text, check_time};
use super::store::{NewMessage, NewSession};
use super::{ImportOptions, STEP_US, strip_position};
use crate::api::model::{AgentConfig, GetHistoryResponse, SessionStatus};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A session as read from a file, before its id is chosen and missing times are laid out.
pub(crate) struct ParsedSession {
    pub session: NewSession,
    /// Whether each message's time was in the file (laid-out times are not compared on a rerun).
    pub times_given: Vec<bool>,
    /// False when nothing in the session had a time: its times are offsets from 0 then,
    /// to be laid out in the past by the caller.
    pub anchored: bool,
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

/// A name-like string field, checked against the cap on names.
fn optional_name(map: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, String> {
    let value = optional_string(map, key, at)?;
    if let Some(v) = &value {
        check_name(&format!("{at}{key}"), v)?;
    }
    Ok(value)
}

/// A time in the file: RFC 3339 and within the accepted range.
fn checked_time(s: &str, what: &str) -> Result<i64, String> {
    let t = parse_time(s).ok_or_else(|| {
        format!(
            "{what} {:?} is not an RFC 3339 time (such as 2026-01-31T09:30:00Z)",
            crate::sanitize::message(s, 40)
        )
    })?;
    check_time(&format!("{what} {:?}", crate::sanitize::message(s, 40)), t)?;
    Ok(t)
}

fn optional_time(map: &Map<String, Value>, key: &str, at: &str) -> Result<Option<i64>, String> {
    match optional_string(map, key, at)? {
        None => Ok(None),
        Some(s) => checked_time(&s, &format!("{at}{key}")).map(Some),
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
                    (other, _) => texts.push(format!("[{}]", crate::sanitize::message(other, 40))),
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

fn tool_calls(m: &Map<String, Value>, at: &str, opts: &ImportOptions) -> Result<Vec<Call>, String> {
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
        check_name(&format!("{at}function.name"), name)?;
        let arguments = match function.get("arguments") {
            None | Some(Value::Null) => "{}".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        check_text(
            &format!("{at}function.arguments"),
            &arguments,
            opts.max_message_bytes,
        )?;
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

/// The title of a session the file does not name: from its first user message.
fn title(messages: &[NewMessage]) -> Option<String> {
    messages
        .iter()
        .find(|m| m.role == "user" && m.content_type == "text")
        .and_then(|m| check::title_from(&m.content))
}

/// One OpenAI chat conversation (`{"messages": [...], "metadata"?: {...}}`) as a session.
pub(crate) fn parse_conversation(
    value: &Value,
    opts: &ImportOptions,
) -> Result<ParsedSession, String> {
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
            format!(
                "metadata.status {:?} is not one of active, idle, archived, terminated",
                crate::sanitize::message(&s, 40)
            )
        })?,
    };
    let enable_memory = match meta.get("enable_memory") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("metadata.enable_memory must be true or false".to_string()),
    };
    let created_at = optional_time(meta, "created_at", "metadata.")?;
    let session_id = optional_string(meta, "session_id", "metadata.")?;
    if let Some(id) = &session_id {
        check_id("metadata.session_id", id)?;
    }

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
        // Checked before it is copied, so an oversized message costs no copy.
        if let Some(Value::String(raw)) = m.get("content") {
            check_text(&format!("{at}content"), raw, opts.max_message_bytes)?;
        }
        let content = content_text(m.get("content"), &at)?;
        check_text(&format!("{at}content"), &content, opts.max_message_bytes)?;
        let timestamp = optional_time(m, "timestamp", &at)?;
        match role {
            "system" | "developer" => match &mut system_prompt {
                Some(p) => {
                    p.push_str("\n\n");
                    p.push_str(&content);
                    check_text("the system prompt", p, opts.max_message_bytes)?;
                }
                None => system_prompt = Some(content),
            },
            "user" => items.push((text_message("user", content), timestamp)),
            "assistant" => {
                let calls = tool_calls(m, &at, opts)?;
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
                    check_text(
                        &format!("{at}tool_calls ({})", call.name),
                        &item.content,
                        opts.max_message_bytes,
                    )?;
                    item.content_type = "tool_call".to_string();
                    item.tool_name = Some(call.name);
                    item.tool_inputs = Some(call.arguments);
                    item.tool_status = status;
                    items.push((item, timestamp));
                }
            }
            "tool" => {
                let call_id = optional_string(m, "tool_call_id", &at)?;
                let name = match call_id.as_ref().and_then(|id| tool_names.get(id).cloned()) {
                    Some(name) => Some(name),
                    None => optional_name(m, "name", &at)?,
                };
                let mut item = text_message("tool", content.clone());
                item.content_type = "tool_result".to_string();
                item.tool_name = name;
                item.tool_status = Some(tool_status(&content).to_string());
                item.tool_outputs = Some(content);
                items.push((item, timestamp));
            }
            other => {
                return Err(format!(
                    "{at}role {:?} is not one of system, user, assistant, tool",
                    crate::sanitize::message(other, 40)
                ));
            }
        }
    }

    // Without any time, the session starts at 0 and the caller lays it out in the past.
    let anchor = created_at.or_else(|| items.iter().find_map(|(_, t)| *t));
    let start = anchor.unwrap_or(0);
    let mut previous: Option<i64> = None;
    let mut times_given = Vec::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for (mut item, explicit) in items {
        let t = explicit.unwrap_or(match previous {
            None => start,
            Some(p) => p.saturating_add(STEP_US),
        });
        item.timestamp_us = t;
        previous = Some(t);
        times_given.push(explicit.is_some());
        out.push(item);
    }
    if anchor.is_some() && previous.is_some_and(|last| last > check::LAST_PRINTABLE_US) {
        return Err(
            "the times laid out 30 s apart after the last given one run past 9999-12-31T23:59:59Z; give the later messages times".to_string(),
        );
    }

    let mut agent_config = AgentConfig::default();
    if let Some(model) = optional_name(meta, "model", "metadata.")? {
        agent_config.model = model;
    }
    if let Some(prompt) = system_prompt {
        agent_config.system_prompt = prompt;
    }
    agent_config.available_tools = tools_used;
    let session_name = match optional_name(meta, "session_name", "metadata.")? {
        Some(name) => Some(name),
        None => title(&out),
    };
    Ok(ParsedSession {
        session: NewSession {
            preferred_id: session_id,
            user_id: optional_name(meta, "user_id", "metadata.")?,
            session_name,
            agent_config,
            user_memory: Map::new(),
            metadata: meta.clone(),
            quotas: None,
            enable_memory,
            status,
            created_us: start,
            messages: out,
        },
        times_given,
        anchored: anchor.is_some(),
    })
}

/// A `GetHistoryResponse` document as a session; its ids are kept.
/// Errors read `LINE: what` (the caller adds the file name).
pub(crate) fn parse_history_document(
    text: &str,
    opts: &ImportOptions,
) -> Result<ParsedSession, String> {
    let doc: GetHistoryResponse = serde_json::from_str(text).map_err(|e| {
        format!(
            "{}: not a GetHistoryResponse document ({})",
            e.line(),
            strip_position(&e)
        )
    })?;
    let at_1 = |e: String| format!("1: {e}");
    check_id("session_id", &doc.session_id).map_err(at_1)?;
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
        let at = format!("messages[{i}].");
        if !matches!(m.role.as_str(), "user" | "assistant" | "tool" | "system") {
            return Err(format!(
                "1: {at}role {:?} is not one of user, assistant, tool, system",
                crate::sanitize::message(&m.role, 40)
            ));
        }
        check_id(&format!("{at}message_id"), &m.message_id).map_err(at_1)?;
        let timestamp = checked_time(&m.timestamp, &format!("{at}timestamp")).map_err(at_1)?;
        check_name(&format!("{at}content_type"), &m.content_type).map_err(at_1)?;
        let texts = [
            ("content", Some(&m.content)),
            ("tool_inputs", m.tool_inputs.as_ref()),
            ("tool_outputs", m.tool_outputs.as_ref()),
        ];
        for (field, value) in texts {
            if let Some(v) = value {
                check_text(&format!("{at}{field}"), v, opts.max_message_bytes).map_err(at_1)?;
            }
        }
        for (field, value) in [("tool_name", &m.tool_name), ("tool_status", &m.tool_status)] {
            if let Some(v) = value {
                check_name(&format!("{at}{field}"), v).map_err(at_1)?;
            }
        }
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
    let created = messages.iter().map(|m| m.timestamp_us).min();
    Ok(ParsedSession {
        times_given: vec![true; messages.len()],
        anchored: created.is_some(),
        session: NewSession {
            preferred_id: Some(doc.session_id),
            user_id: None,
            session_name: title(&messages),
            agent_config: AgentConfig {
                available_tools: tools_used,
                ..AgentConfig::default()
            },
            user_memory: Map::new(),
            metadata: Map::new(),
            quotas: None,
            enable_memory: true,
            status: SessionStatus::Active,
            created_us: created.unwrap_or(0),
            messages,
        },
    })
}
