//! Unit tests of the import parser, with a bounded fuzz pass over it.
use super::*;

#[test]
fn a_byte_order_mark_is_dropped_and_bad_utf8_is_placed_by_line() {
    let line =
        r#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}"#;
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
    let s = parse_conversation(
        &serde_json::from_str(line).unwrap(),
        &ImportOptions::default(),
    )
    .unwrap()
    .session;
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
    let text =
        "{\"messages\":[]}\nnot json\n\n{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}\n";
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
