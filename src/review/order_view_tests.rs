//! Snapshots of risk order: the title and each row's reasons, at 80x24 and 120x40; and
//! the canned triage namespace the order's update() tests use.

use super::action::Action;
use super::effect::Effect;
use super::fixtures::*;
use super::model::*;
use super::order::Order;
use super::update::update;
use crate::api::model::{GetSessionResponse, MessageHistoryItem, SessionStatus};
use insta::assert_snapshot;

/// Six sessions newest first: quiet ones first, the risky ones further down.
pub(crate) fn triage_sessions() -> Vec<GetSessionResponse> {
    let mut quiet = session("ses_quiet", "Quiet", SessionStatus::Active, Some((0, 1)));
    quiet.message_count = 2;
    let mut long = session("ses_long", "Long", SessionStatus::Idle, Some((0, 41)));
    long.message_count = 82;
    let mut failing = session(
        "ses_fail",
        "Failing tool",
        SessionStatus::Active,
        Some((0, 1)),
    );
    failing.message_count = 6;
    failing.stats.total_tool_calls = 2;
    let mut term = session(
        "ses_term",
        "Terminated",
        SessionStatus::Terminated,
        Some((0, 1)),
    );
    term.message_count = 2;
    let mut tools = session("ses_tools", "Many tools", SessionStatus::Idle, Some((0, 1)));
    tools.message_count = 4;
    tools.stats.total_tool_calls = 6;
    let mut plain = session("ses_plain", "Plain", SessionStatus::Archived, Some((0, 1)));
    plain.message_count = 2;
    vec![quiet, long, failing, term, tools, plain]
}

pub(crate) fn history_of(id: &str) -> Vec<MessageHistoryItem> {
    let mut out = vec![msg(&format!("{id}_u"), "user", "question")];
    if id == "ses_fail" {
        let mut bad = tool(&format!("{id}_t1"), "tool_result", "search", "", "{}");
        bad.tool_status = Some("error".into());
        let mut bad2 = bad.clone();
        bad2.message_id = format!("{id}_t2");
        out.push(bad);
        out.push(bad2);
    }
    out.push(msg(&format!("{id}_a"), "assistant", "answer"));
    out
}

/// Answers `fx` as the runner would, the risk order's effects included.
pub(crate) fn run(m: &mut Model, fx: Vec<Effect>, sessions: &[GetSessionResponse]) -> Vec<Effect> {
    let ids: Vec<String> = sessions.iter().map(|s| s.session_id.clone()).collect();
    let histories: Vec<(&str, Vec<MessageHistoryItem>)> =
        ids.iter().map(|id| (id.as_str(), history_of(id))).collect();
    let mut queue = fx;
    let mut rest = Vec::new();
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in std::mem::take(&mut queue) {
            match e {
                Effect::ListForOrder { generation, known } => next.extend(update(
                    m,
                    Action::OrderListed {
                        generation,
                        result: Ok(super::order::rank_listing(sessions.to_vec(), &known, false)),
                    },
                )),
                Effect::ProbeRisk { generation, ids } => {
                    let found = ids
                        .iter()
                        .map(|id| {
                            let h = history_of(id);
                            let n = h.len() as u64;
                            (id.clone(), Ok(history(id, h, n)))
                        })
                        .collect();
                    next.extend(update(m, Action::RiskProbed { generation, found }));
                }
                other => {
                    let left = serve(m, vec![other], sessions, &histories, &[]);
                    for l in left {
                        if matches!(l, Effect::ListForOrder { .. } | Effect::ProbeRisk { .. }) {
                            next.push(l);
                        } else {
                            rest.push(l);
                        }
                    }
                }
            }
        }
        queue = next;
    }
    rest
}

/// A model started in risk order on the triage namespace, everything answered.
pub(crate) fn risk_ordered(w: u16, h: u16) -> Model {
    let mut m = model(w, h);
    m.order.order = Order::Risk;
    let fx = super::update::start(&mut m);
    run(&mut m, fx, &triage_sessions());
    m
}

#[test]
fn risk_order_rows_with_their_reasons() {
    for (w, h) in [(80, 24), (120, 40)] {
        let m = risk_ordered(w, h);
        let s = screen(&m);
        assert!(s.contains("by risk"), "{s}");
        assert!(s.contains("tool error ×2"), "{s}");
        assert_snapshot!(format!("risk_order_{w}x{h}"), s);
    }
}
