//! Triage order in the whole reviewer (headless) against the real local server on
//! 127.0.0.1 with a real SQLite file: `o` ranks the namespace by risk, the read-ahead
//! finds failed tool calls in histories, and `]` walks the risk order.

use crate::common::TestServer;
use crate::common::driver::Driver;
use serde_json::{Value, json};

fn meta(name: &str, minute: u32, status: &str) -> Value {
    json!({
        "session_name": name,
        "status": status,
        "created_at": format!("2026-11-01T10:{minute:02}:00Z"),
    })
}

/// Sessions whose risk order is known: newest first they are long, calm-2, calm-1,
/// failing, stopped; by risk, stopped (terminated: 30) is first, failing (two failed
/// tool calls, found in its history: 90 and more) second, long (25 turns) third.
fn namespace() -> String {
    let mut lines = Vec::new();
    lines.push(json!({
        "messages": [
            {"role": "user", "content": "cancel my order"},
            {"role": "assistant", "content": "answer-stopped"}
        ],
        "metadata": meta("stopped", 1, "terminated"),
    }));
    let call = |id: &str| json!({"id": id, "type": "function", "function": {"name": "lookup", "arguments": "{}"}});
    lines.push(json!({
        "messages": [
            {"role": "user", "content": "where is my parcel"},
            {"role": "assistant", "content": "", "tool_calls": [call("c1")]},
            {"role": "tool", "tool_call_id": "c1", "content": "{\"error\": \"timeout\"}"},
            {"role": "assistant", "content": "", "tool_calls": [call("c2")]},
            {"role": "tool", "tool_call_id": "c2", "content": "{\"error\": \"timeout\"}"},
            {"role": "assistant", "content": "answer-failing"}
        ],
        "metadata": meta("failing", 2, "active"),
    }));
    let mut long = Vec::new();
    for i in 0..25 {
        long.push(json!({"role": "user", "content": format!("step {i}")}));
        long.push(json!({"role": "assistant", "content": format!("answer-long {i}")}));
    }
    lines.push(json!({"messages": long, "metadata": meta("long", 3, "active")}));
    for (i, name) in ["calm-1", "calm-2"].iter().enumerate() {
        lines.push(json!({
            "messages": [
                {"role": "user", "content": "hello"},
                {"role": "assistant", "content": format!("answer-{name}")}
            ],
            "metadata": meta(name, 10 + i as u32, "active"),
        }));
    }
    lines.into_iter().map(|l| l.to_string() + "\n").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o_ranks_by_risk_and_next_unrated_follows_it() {
    let server = TestServer::start().await;
    assert_eq!(server.import(&namespace()).sessions, 5);
    let mut app = Driver::start(server.client(), &server.dir.path().join("j.db"));
    // Newest first: long's last message is the latest.
    app.wait_for("the newest session", |s| s.contains("answer-long 0"))
        .await;
    app.key('o');
    // The read-ahead found the failed tool calls: failing is ranked right after the
    // session the order opened on.
    let screen = app
        .wait_for("risk order with its reasons", |s| {
            s.contains("Sessions by risk (5)")
                && s.contains("tool error ×2")
                && s.contains("answer-stopped")
        })
        .await;
    assert!(screen.contains("25 turns"), "{screen}");
    assert!(screen.contains("terminated"), "{screen}");
    for next in ["answer-failing", "answer-long 0"] {
        app.key('+');
        app.key(']');
        app.wait_for(next, |s| s.contains(next)).await;
    }
    // Ratings may still be on their way: Ctrl-C leaves them in the journal.
    app.interrupt().await;
    server.stop().await;
}
