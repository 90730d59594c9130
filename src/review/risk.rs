//! The risk score: how likely a session is to hold failures, from what the session list
//! says of it and, once read, its history. Pure; the weights are documented in
//! docs/guide.md ("Triage order").
//!
//! | signal | from | points |
//! |---|---|---|
//! | ended in error (its last tool result failed) | history | 40 |
//! | each tool result with an error status, up to 4 | history | 25 |
//! | terminated | listing `status` | 30 |
//! | tool calls, 2 each, up to 20 | listing `stats.total_tool_calls` | 2..20 |
//! | turns (messages / 2), 1 per 3, up to 20 | listing `message_count` | 0..20 |
//! | long replies (≥ 800 tokens a message, or a reply ≥ 4,000 characters) | listing `stats.total_tokens`, history | 10 |
//! | slow replies (≥ 10 s average) | listing `stats.avg_latency_ms` | 5 |

use crate::api::model::{GetSessionResponse, MessageHistoryItem, SessionStatus};

/// What is known of a session that bears on its risk.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Signals {
    pub terminated: bool,
    pub tool_calls: u64,
    pub messages: u64,
    pub tokens: u64,
    pub latency_ms: f64,
    /// Tool results with an error status: `None` until the history is read.
    pub tool_errors: Option<u32>,
    /// The session's last tool result failed (known from the history).
    pub ended_in_error: bool,
    /// The longest assistant reply, in characters (known from the history).
    pub longest_reply: usize,
}

/// A session's signals and the score they give.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Risk {
    pub signals: Signals,
    pub score: u32,
}

const ENDED_IN_ERROR: u32 = 40;
const TOOL_ERROR: u32 = 25;
const TOOL_ERRORS_COUNTED: u32 = 4;
const TERMINATED: u32 = 30;
const TOOL_CALL: u32 = 2;
const TOOL_CALLS_MAX: u32 = 20;
const TURNS_PER_POINT: u64 = 3;
const TURNS_MAX: u32 = 20;
const LONG_REPLIES: u32 = 10;
const LONG_TOKENS_PER_MESSAGE: u64 = 800;
const LONG_REPLY_CHARS: usize = 4_000;
const SLOW: u32 = 5;
const SLOW_MS: f64 = 10_000.0;
/// Turns from which "N turns" is given as a reason.
const MANY_TURNS: u64 = 20;
/// Tool calls from which "N tool calls" is given as a reason.
const MANY_TOOL_CALLS: u64 = 5;

impl Signals {
    /// What the session list says of a session.
    pub fn from_listing(s: &GetSessionResponse) -> Signals {
        Signals {
            terminated: s.status == SessionStatus::Terminated,
            tool_calls: s.stats.total_tool_calls,
            messages: s.message_count.max(s.stats.total_messages),
            tokens: s.stats.total_tokens,
            latency_ms: if s.stats.avg_latency_ms.is_finite() {
                s.stats.avg_latency_ms.max(0.0)
            } else {
                0.0
            },
            ..Signals::default()
        }
    }

    /// Adds what a history (the part read) shows: tool results with an error status,
    /// whether the last one failed, and the longest reply.
    pub fn with_history(mut self, messages: &[MessageHistoryItem]) -> Signals {
        let mut errors = 0u32;
        let mut last_failed = false;
        let mut longest = 0usize;
        for m in messages {
            if m.content_type == "tool_result" || (m.role == "tool" && m.tool_outputs.is_some()) {
                let failed = m.tool_status.as_deref().is_some_and(|s| {
                    s.eq_ignore_ascii_case("error") || s.eq_ignore_ascii_case("failed")
                });
                errors = errors.saturating_add(u32::from(failed));
                last_failed = failed;
            }
            if m.role == "assistant" {
                longest = longest.max(m.content.chars().count());
            }
        }
        self.tool_errors = Some(errors);
        self.ended_in_error = last_failed;
        self.longest_reply = self.longest_reply.max(longest);
        self
    }

    fn turns(&self) -> u64 {
        self.messages / 2
    }

    fn long_replies(&self) -> bool {
        (self.messages > 0 && self.tokens / self.messages >= LONG_TOKENS_PER_MESSAGE)
            || self.longest_reply >= LONG_REPLY_CHARS
    }

    fn slow(&self) -> bool {
        self.latency_ms >= SLOW_MS
    }

    /// Each signal that counts, with its points, highest first.
    fn parts(&self) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        if self.ended_in_error {
            out.push((ENDED_IN_ERROR, "ended in error".to_string()));
        }
        if let Some(n) = self.tool_errors.filter(|&n| n > 0) {
            out.push((
                TOOL_ERROR * n.min(TOOL_ERRORS_COUNTED),
                format!("tool error ×{n}"),
            ));
        }
        if self.terminated {
            out.push((TERMINATED, "terminated".to_string()));
        }
        if self.tool_calls > 0 {
            let points = (TOOL_CALL as u64 * self.tool_calls).min(u64::from(TOOL_CALLS_MAX)) as u32;
            let reason = if self.tool_calls >= MANY_TOOL_CALLS {
                format!("{} tool calls", self.tool_calls)
            } else {
                String::new()
            };
            out.push((points, reason));
        }
        let turns = self.turns();
        if turns >= TURNS_PER_POINT {
            let points = (turns / TURNS_PER_POINT).min(u64::from(TURNS_MAX)) as u32;
            let reason = if turns >= MANY_TURNS {
                format!("{turns} turns")
            } else {
                String::new()
            };
            out.push((points, reason));
        }
        if self.long_replies() {
            out.push((LONG_REPLIES, "long replies".to_string()));
        }
        if self.slow() {
            out.push((
                SLOW,
                format!(
                    "slow replies ({} s)",
                    (self.latency_ms / 1000.0).round() as u64
                ),
            ));
        }
        out.sort_by_key(|b| std::cmp::Reverse(b.0));
        out
    }

    pub fn score(&self) -> u32 {
        self.parts().iter().map(|(p, _)| p).sum()
    }

    /// Why the session ranks where it does: the signals worth naming, strongest first.
    pub fn reasons(&self) -> Vec<String> {
        self.parts()
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| !r.is_empty())
            .collect()
    }
}

impl Risk {
    pub fn new(signals: Signals) -> Risk {
        Risk {
            score: signals.score(),
            signals,
        }
    }

    pub fn from_listing(s: &GetSessionResponse) -> Risk {
        Risk::new(Signals::from_listing(s))
    }

    /// The reasons a row shows, joined: `tool error ×2 · 41 turns`.
    pub fn label(&self, most: usize) -> String {
        self.signals
            .reasons()
            .into_iter()
            .take(most)
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::fixtures::session;

    fn tool(status: &str) -> MessageHistoryItem {
        MessageHistoryItem {
            message_id: "m".into(),
            role: "tool".into(),
            content: "{}".into(),
            content_type: "tool_result".into(),
            tool_name: Some("search".into()),
            tool_inputs: None,
            tool_outputs: Some("{}".into()),
            tool_status: Some(status.into()),
            timestamp: String::new(),
        }
    }

    #[test]
    fn a_failed_tool_outranks_a_long_quiet_session() {
        let mut long = session("ses_long", "", SessionStatus::Active, None);
        long.message_count = 82;
        let quiet = Risk::from_listing(&long);
        assert_eq!(quiet.signals.reasons(), vec!["41 turns".to_string()]);
        let short = session("ses_err", "", SessionStatus::Active, None);
        let failed = Risk::new(Signals::from_listing(&short).with_history(&[
            tool("error"),
            tool("success"),
            tool("error"),
        ]));
        assert_eq!(failed.label(2), "tool error ×2 · ended in error");
        assert!(failed.score > quiet.score);
        let ended = Signals::from_listing(&short).with_history(&[tool("success"), tool("error")]);
        assert_eq!(ended.reasons()[0], "ended in error");
        let mut t = session("ses_t", "", SessionStatus::Terminated, None);
        t.stats.total_tool_calls = 7;
        let r = Risk::from_listing(&t);
        assert_eq!(r.label(2), "terminated · 7 tool calls");
        assert_eq!(r.score, TERMINATED + 14);
    }
}
