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

const NOW: i64 = 1_800_000_000_000_000;

fn problems_of(text: &str, opts: &ImportOptions) -> Vec<String> {
    match parse_file("f", text, opts, NOW) {
        Err(ImportError::Invalid { problems }) => problems,
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("accepted {text:.200}"),
    }
}

#[test]
fn sessions_without_times_are_laid_out_in_the_past_in_file_order() {
    let untimed = |q: &str| {
        format!(
            r#"{{"messages":[{{"role":"user","content":"{q}"}},{{"role":"assistant","content":"a"}}]}}"#
        )
    };
    let timed = r#"{"messages":[{"role":"user","content":"t"}],"metadata":{"created_at":"2026-01-01T00:00:00Z"}}"#;
    let text = [
        untimed("one"),
        timed.to_string(),
        untimed("two"),
        untimed("three"),
    ]
    .join("\n");
    let sessions = parse_file("f", &text, &ImportOptions::default(), NOW).unwrap();
    let times: Vec<Vec<i64>> = sessions
        .iter()
        .map(|s| {
            s.parsed
                .session
                .messages
                .iter()
                .map(|m| m.timestamp_us)
                .collect()
        })
        .collect();
    assert_eq!(times[1], [parse_time("2026-01-01T00:00:00Z").unwrap()]);
    let laid: Vec<i64> = [&times[0], &times[2], &times[3]]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    assert!(laid.windows(2).all(|w| w[1] == w[0] + STEP_US), "{laid:?}");
    assert!(*laid.last().unwrap() < NOW, "{laid:?}");
    assert_eq!(sessions[0].parsed.session.created_us, laid[0]);
    // Titles come from the first user message when the file names none.
    let names: Vec<_> = sessions
        .iter()
        .map(|s| s.parsed.session.session_name.clone())
        .collect();
    assert_eq!(
        names,
        [Some("one"), Some("t"), Some("two"), Some("three")].map(|n| n.map(String::from))
    );
}

#[test]
fn ids_times_and_sizes_are_checked_and_each_bad_line_is_named() {
    let opts = ImportOptions {
        max_message_bytes: 100,
        ..ImportOptions::default()
    };
    let line = |meta: &str, content: &str, extra: &str| {
        format!(
            r#"{{"messages":[{{"role":"user","content":"{content}"{extra}}}],"metadata":{{{meta}}}}}"#
        )
    };
    let long = "x".repeat(101);
    let text = [
        line(r#""session_id":"../../etc/passwd""#, "a", ""),
        line(r#""session_id":"ok_1""#, "a", ""),
        line("", "a", r#","timestamp":"9999-12-31T23:59:59Z""#),
        line(r#""created_at":"1969-12-31T23:59:59Z""#, "a", ""),
        line("", &long, ""),
        line(r#""session_id":"x\u001b[2J""#, "a", ""),
        line(
            &format!(r#""session_name":"{}""#, "n".repeat(1001)),
            "a",
            "",
        ),
    ]
    .join("\n");
    let problems = problems_of(&text, &opts);
    let starts: Vec<&str> = problems.iter().map(|p| &p[..4]).collect();
    assert_eq!(
        starts,
        ["f:1:", "f:3:", "f:4:", "f:5:", "f:6:", "f:7:"],
        "{problems:#?}"
    );
    assert!(
        problems[0].contains("metadata.session_id"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains("1970-01-01T00:00:00Z to 9989-12-31"),
        "{}",
        problems[1]
    );
    assert!(
        problems[3].contains("--max-message-bytes"),
        "{}",
        problems[3]
    );
    assert!(!problems[4].contains('\u{1b}'), "{}", problems[4]);

    let doc = r#"{"session_id":"ses_a/b","messages":[],"total_messages":0,"returned_messages":0,"has_more":false}"#;
    let problems = problems_of(doc, &opts);
    assert!(problems[0].starts_with("f:1: session_id"), "{problems:?}");
}

/// A small deterministic generator (xorshift64*), so a failure can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bits of JSON and hostile text that mutations splice in.
const PIECES: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\\",
    "null",
    "true",
    "0",
    "-1",
    "1e999",
    "\"messages\":",
    "\"metadata\":",
    "\"role\":\"user\"",
    "\"role\":\"wizard\"",
    "\"session_id\":\"../x\"",
    "\"session_id\":\"ok_id\"",
    "\"timestamp\":\"9999-12-31T23:59:59Z\"",
    "\"created_at\":\"1969-01-01T00:00:00Z\"",
    "\"created_at\":\"+10000-01-01T00:00:00Z\"",
    "\u{1b}[2J",
    "\u{200d}",
    "\u{0}",
    "é",
    "\n",
    "\"tool_calls\":[{}]",
    "\"content\":[{\"type\":1}]",
];

fn mutate(rng: &mut Rng, line: &str) -> String {
    let mut s = line.to_string();
    for _ in 0..=rng.below(3) {
        let cut = |rng: &mut Rng, s: &str| {
            let mut i = rng.below(s.len() + 1);
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        match rng.below(5) {
            0 => {
                let i = cut(rng, &s);
                s.truncate(i);
            }
            1 => {
                let i = cut(rng, &s);
                s.insert_str(i, PIECES[rng.below(PIECES.len())]);
            }
            2 => {
                let (a, b) = (cut(rng, &s), cut(rng, &s));
                s.replace_range(a.min(b)..a.max(b), "");
            }
            3 => {
                let big = "y".repeat(rng.below(3) * 3000);
                s = s.replacen("\"content\":\"", &format!("\"content\":\"{big}"), 1);
            }
            _ => {
                let mut out = String::new();
                for _ in 0..rng.below(30) {
                    out.push_str(PIECES[rng.below(PIECES.len())]);
                }
                s = out;
            }
        }
    }
    s
}

/// The import parser over random and mutated lines of the demo file: it never panics,
/// what it accepts is within every bound, and every refusal names a line of the file.
#[test]
fn fuzz_the_parser_with_mutated_demo_lines() {
    const RUNS: usize = 3_000;
    let demo: Vec<&str> = super::super::DEMO_TRANSCRIPTS.lines().collect();
    let opts = ImportOptions {
        max_message_bytes: 4096,
        ..ImportOptions::default()
    };
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (mut accepted, mut refused) = (0, 0);
    for run in 0..RUNS {
        let mut lines = Vec::new();
        for _ in 0..=rng.below(3) {
            let line = demo[rng.below(demo.len())];
            lines.push(if rng.below(4) == 0 {
                line.to_string()
            } else {
                mutate(&mut rng, line)
            });
        }
        let text = lines.join("\n");
        let count = text.lines().count().max(1);
        match parse_file("fuzz", &text, &opts, NOW) {
            Ok(sessions) => {
                accepted += 1;
                for f in &sessions {
                    assert!((1..=count).contains(&f.line), "run {run}");
                    let s = &f.parsed.session;
                    if let Some(id) = &s.preferred_id {
                        assert!(check_id("id", id).is_ok(), "run {run}: {id:?}");
                    }
                    assert!(
                        s.session_name
                            .as_ref()
                            .is_none_or(|n| n.len() <= MAX_NAME_BYTES)
                    );
                    for m in &s.messages {
                        assert!(m.content.len() <= opts.max_message_bytes, "run {run}");
                        assert!(
                            (check::MIN_TIME_US..=check::LAST_PRINTABLE_US)
                                .contains(&m.timestamp_us),
                            "run {run}: {}",
                            m.timestamp_us
                        );
                    }
                }
            }
            Err(ImportError::Invalid { problems }) => {
                refused += 1;
                for p in &problems {
                    let rest = p
                        .strip_prefix("fuzz:")
                        .unwrap_or_else(|| panic!("run {run}: {p}"));
                    let named = rest
                        .split_once(':')
                        .and_then(|(n, _)| n.parse::<usize>().ok())
                        .is_some_and(|n| (1..=count).contains(&n));
                    let summary = rest.starts_with(" and ")
                        || (rest.starts_with(" no conversations") && text.trim().is_empty());
                    assert!(named || summary, "run {run}: {p}");
                }
            }
            Err(e) => panic!("run {run}: {e}"),
        }
    }
    eprintln!("fuzz: {RUNS} runs, {accepted} accepted, {refused} refused");
    assert!(
        accepted > RUNS / 20 && refused > RUNS / 2,
        "{accepted} accepted, {refused} refused"
    );
}
