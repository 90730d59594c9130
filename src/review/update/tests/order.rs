//! Triage order: `o`, the whole list read and ranked, reasons, read-ahead refining the
//! rows not yet reached, and `]` following the order.

use super::helpers::*;
use crate::review::order::Order;
use crate::review::order_view_tests::{history_of, run, triage_sessions};

fn order_of(m: &Model) -> Vec<String> {
    m.sessions
        .visible
        .iter()
        .map(|&i| m.sessions.rows[i].id.clone())
        .collect()
}

fn started(order: Order) -> Model {
    let mut m = model(120, 40);
    m.order.order = order;
    let fx = crate::review::update::start(&mut m);
    run(&mut m, fx, &triage_sessions());
    m
}

#[test]
fn o_ranks_every_session_by_risk_and_back_to_newest() {
    let mut m = started(Order::Newest);
    assert_eq!(order_of(&m)[0], "ses_quiet");
    let fx = update(&mut m, cmd(Command::ToggleOrder));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::ListForOrder { .. })),
        "risk order reads the whole list: {fx:?}"
    );
    run(&mut m, fx, &triage_sessions());
    assert_eq!(m.order.order, Order::Risk);
    // The listing alone: terminated (30) first, then 41 turns (13), 6 tool calls (12)...
    // and the read-ahead found two failed tool calls in ses_fail: it rose to the top.
    let ranked = order_of(&m);
    assert_eq!(ranked[0], "ses_term", "{ranked:?}");
    assert_eq!(m.open.as_deref(), Some("ses_term"), "the riskiest opens");
    assert_eq!(ranked[1], "ses_fail", "{ranked:?}");
    assert_eq!(ranked.last().map(String::as_str), Some("ses_plain"));
    assert_eq!(
        m.order.reason("ses_fail", 2).as_deref(),
        Some("tool error ×2 · ended in error")
    );
    assert_eq!(m.order.reason("ses_long", 2).as_deref(), Some("41 turns"));

    update(&mut m, cmd(Command::ToggleOrder));
    assert_eq!(m.order.order, Order::Newest);
    assert_eq!(order_of(&m), ids(&triage_sessions()));
    assert_eq!(
        m.order.reason("ses_fail", 2),
        None,
        "reasons only in risk order"
    );
}

fn ids(s: &[GetSessionResponse]) -> Vec<String> {
    s.iter().map(|s| s.session_id.clone()).collect()
}

#[test]
fn the_read_ahead_reranks_only_rows_not_yet_reached() {
    let mut m = model(120, 40);
    m.order.order = Order::Risk;
    let fx = crate::review::update::start(&mut m);
    // Everything but the read-ahead's answer.
    let sessions = triage_sessions();
    let mut probe = None;
    let mut queue = fx;
    while let Some(e) = queue.pop() {
        match e {
            Effect::ProbeRisk { generation, ids } => probe = Some((generation, ids)),
            Effect::ListForOrder { generation, known } => queue.extend(update(
                &mut m,
                Action::OrderListed {
                    generation,
                    result: Ok(crate::review::order::rank_listing(
                        sessions.clone(),
                        &known,
                        false,
                    )),
                },
            )),
            other => {
                let left = serve(&mut m, vec![other], &sessions, &[], &[]);
                queue.extend(left.into_iter().filter(|e| {
                    matches!(e, Effect::ListForOrder { .. } | Effect::ProbeRisk { .. })
                }));
            }
        }
    }
    let (generation, asked) = probe.expect("the top of the order is read ahead");
    assert!(asked.len() <= crate::review::update::order::PROBE_AHEAD);
    // Before the answer, ses_fail ranks on its listing only (2 tool calls, 3 turns).
    let before = order_of(&m);
    assert_eq!(before[0], "ses_term");
    // The reviewer moves on to the second row: it and the first stay where they are.
    update(&mut m, cmd(Command::FocusSessions));
    update(&mut m, cmd(Command::Down));
    let reached = order_of(&m)[..2].to_vec();
    let found = asked
        .iter()
        .map(|id| {
            let h = history_of(id);
            let n = h.len() as u64;
            (id.clone(), Ok(history(id, h, n)))
        })
        .collect();
    update(&mut m, Action::RiskProbed { generation, found });
    let after = order_of(&m);
    assert_eq!(after[..2], reached[..], "rows reached stay put");
    if !reached.contains(&"ses_fail".to_string()) {
        assert_eq!(after[2], "ses_fail", "{after:?}");
    }
    // A stale answer changes nothing.
    update(
        &mut m,
        Action::RiskProbed {
            generation: generation + 100,
            found: Vec::new(),
        },
    );
    assert_eq!(order_of(&m), after);
}

#[test]
fn next_unrated_follows_the_risk_order() {
    let mut m = started(Order::Risk);
    let ranked = order_of(&m);
    assert_eq!(m.open.as_deref(), Some(ranked[0].as_str()));
    let mut seen = vec![m.open.clone().unwrap_or_default()];
    let sessions = triage_sessions();
    for _ in 1..ranked.len() {
        let fx = update(&mut m, cmd(Command::RatePositive));
        run(&mut m, fx, &sessions);
        let fx = update(&mut m, cmd(Command::NextUnrated));
        run(&mut m, fx, &sessions);
        let open = m.open.clone().unwrap_or_default();
        if seen.last() != Some(&open) {
            seen.push(open);
        }
    }
    assert_eq!(seen, ranked);
}

#[test]
fn the_title_and_rows_say_the_order_and_the_reasons() {
    let m = started(Order::Risk);
    let s = screen(&m);
    assert!(s.contains("Sessions by risk (6)"), "{s}");
    assert!(s.contains("tool error ×2"), "{s}");
    assert!(s.contains("41 turns"), "{s}");
    assert!(s.contains("terminated"), "{s}");
    let m = started(Order::Newest);
    let s = screen(&m);
    assert!(!s.contains("by risk") && !s.contains("41 turns"), "{s}");
}

#[test]
fn a_failed_listing_says_so_and_keeps_the_list() {
    let mut m = started(Order::Newest);
    let fx = update(&mut m, cmd(Command::ToggleOrder));
    let Some(Effect::ListForOrder { generation, .. }) = fx
        .iter()
        .find(|e| matches!(e, Effect::ListForOrder { .. }))
        .cloned()
    else {
        panic!("{fx:?}")
    };
    update(
        &mut m,
        Action::OrderListed {
            generation,
            result: Err(ApiError::Network("connection refused".into())),
        },
    );
    assert_eq!(m.sessions.visible.len(), 6);
    let notice = m
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("Cannot rank"), "{notice}");
}

#[test]
fn the_ranked_list_is_put_in_place_as_ranked() {
    // update() ranks nothing itself when the list arrives: the order computed in the
    // background stands, even one update() would not have chosen.
    let mut m = started(Order::Newest);
    let fx = update(&mut m, cmd(Command::ToggleOrder));
    let Some(Effect::ListForOrder { generation, known }) = fx
        .iter()
        .find(|e| matches!(e, Effect::ListForOrder { .. }))
        .cloned()
    else {
        panic!("{fx:?}")
    };
    let mut ranked = crate::review::order::rank_listing(triage_sessions(), &known, false);
    ranked.rows.reverse();
    let n = ranked.rows.len();
    for (i, row) in ranked.rows.iter().enumerate() {
        ranked.index.insert(row.id.clone(), i);
    }
    let expected: Vec<String> = ranked.rows.iter().map(|r| r.id.clone()).collect();
    update(
        &mut m,
        Action::OrderListed {
            generation,
            result: Ok(ranked),
        },
    );
    assert_eq!(order_of(&m), expected);
    assert_eq!(m.sessions.total, Some(n as u64));
    assert!(m.sessions.exhausted);
    assert_eq!(m.open.as_deref(), Some(expected[0].as_str()));
}
