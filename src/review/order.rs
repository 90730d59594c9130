//! The order the session list is walked in: newest first (the server's order), or risk
//! first (the sessions most likely to hold failures, see [`super::risk`]).

use super::model::SessionRow;
use super::risk::Risk;
use crate::api::model::GetSessionResponse;
use std::collections::HashMap;

/// `review.order` in config.toml, `--order` on the command line, `o` in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Most recent activity first, as the server lists them.
    #[default]
    Newest,
    /// Highest risk score first; ties keep the newest first.
    Risk,
}

impl Order {
    pub const ALL: [Order; 2] = [Order::Newest, Order::Risk];

    /// `"newest"` or `"risk"` (any case, spaces around ignored).
    pub fn parse(s: &str) -> Option<Order> {
        match s.trim().to_ascii_lowercase().as_str() {
            "newest" => Some(Order::Newest),
            "risk" => Some(Order::Risk),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Order::Newest => "newest",
            Order::Risk => "risk",
        }
    }

    /// The other order (what `o` switches to).
    pub fn toggled(self) -> Order {
        match self {
            Order::Newest => Order::Risk,
            Order::Risk => Order::Newest,
        }
    }
}

/// The order in force and what risk order knows.
#[derive(Debug, Clone, Default)]
pub struct OrderState {
    pub order: Order,
    /// Each session's risk, from the listing and, where read, its history.
    pub risk: HashMap<String, Risk>,
    /// Each session's place in the server's (newest first) order, to go back to it.
    pub arrival: HashMap<String, usize>,
    /// The whole list is being read to rank it (the generation of that read).
    pub listing: Option<u64>,
    /// Histories read ahead to refine the top of the order (the generation asked).
    pub probing: Option<u64>,
    /// Sessions whose history has refined their score.
    pub probed: std::collections::HashSet<String>,
}

impl OrderState {
    /// What a row shows of its risk in risk order (`tool error ×2 · 41 turns`), if
    /// anything. Made of fixed words and numbers only, nothing a server wrote.
    pub fn reason(&self, id: &str, most: usize) -> Option<String> {
        if self.order != Order::Risk {
            return None;
        }
        let label = self.risk.get(id)?.label(most);
        (!label.is_empty()).then_some(label)
    }
}

/// The whole list, scored and ranked off the UI thread: the rows ready to be put in
/// place by `update` without any sorting or per-row work there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranked {
    /// The rows, riskiest first (the server's order among equals).
    pub rows: Vec<SessionRow>,
    /// Each row's index in `rows`.
    pub index: HashMap<String, usize>,
    /// Each session's risk: from the listing, or the one already known from its history.
    pub risk: HashMap<String, Risk>,
    /// Each session's place in the server's (newest first) order.
    pub arrival: HashMap<String, usize>,
    /// The list was cut at the candidate cap.
    pub cut: bool,
}

/// Scores every session listed (newest first) and ranks them by risk. `known`: risks
/// already refined from a history, which stand in for the listing's. A session listed
/// twice counts once, where it was first listed. CPU work for a blocking thread.
pub fn rank_listing(
    sessions: Vec<GetSessionResponse>,
    known: &HashMap<String, Risk>,
    cut: bool,
) -> Ranked {
    let n = sessions.len();
    let mut risk = HashMap::with_capacity(n);
    let mut arrival = HashMap::with_capacity(n);
    let mut keyed: Vec<(u32, usize, SessionRow)> = Vec::with_capacity(n);
    for s in sessions {
        if arrival.contains_key(&s.session_id) {
            continue;
        }
        let r = known
            .get(&s.session_id)
            .copied()
            .unwrap_or_else(|| Risk::from_listing(&s));
        let place = keyed.len();
        arrival.insert(s.session_id.clone(), place);
        risk.insert(s.session_id.clone(), r);
        keyed.push((r.score, place, SessionRow::from_api(s)));
    }
    // Places are distinct: an unstable sort gives the one order.
    keyed.sort_unstable_by_key(|(score, place, _)| (std::cmp::Reverse(*score), *place));
    let mut index = HashMap::with_capacity(keyed.len());
    let rows: Vec<SessionRow> = keyed
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, row))| {
            index.insert(row.id.clone(), i);
            row
        })
        .collect();
    Ranked {
        rows,
        index,
        risk,
        arrival,
        cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_names_and_nothing_else() {
        assert_eq!(Order::parse("risk"), Some(Order::Risk));
        assert_eq!(Order::parse(" Newest "), Some(Order::Newest));
        assert_eq!(Order::parse("oldest"), None);
        for o in Order::ALL {
            assert_eq!(Order::parse(o.as_str()), Some(o));
            assert_eq!(o.toggled().toggled(), o);
        }
    }

    #[test]
    fn the_listing_is_ranked_once_each_with_known_risks_kept() {
        use crate::api::model::SessionStatus;
        use crate::review::fixtures::session;
        use crate::review::risk::Signals;
        let mut term = session("ses_term", "", SessionStatus::Terminated, None);
        term.message_count = 2;
        let a = session("ses_a", "", SessionStatus::Active, None);
        let b = session("ses_b", "", SessionStatus::Active, None);
        let mut tools = session("ses_tools", "", SessionStatus::Active, None);
        tools.stats.total_tool_calls = 3;
        // ses_b's history is already read: a failed tool call outranks a termination.
        let mut bad = crate::review::fixtures::tool("m", "tool_result", "search", "", "{}");
        bad.tool_status = Some("error".into());
        let failed = Risk::new(Signals::from_listing(&b).with_history(&[bad]));
        let known: HashMap<String, Risk> = [("ses_b".to_string(), failed)].into();
        let listed = vec![a.clone(), term, b, tools, a];
        let r = rank_listing(listed, &known, true);
        let order: Vec<&str> = r.rows.iter().map(|r| r.id.as_str()).collect();
        // Equal scores keep the server's order; the duplicate ses_a counts once.
        assert_eq!(order, ["ses_b", "ses_term", "ses_tools", "ses_a"]);
        for (i, row) in r.rows.iter().enumerate() {
            assert_eq!(r.index.get(&row.id), Some(&i));
        }
        assert_eq!(r.risk.get("ses_b"), Some(&failed));
        assert_eq!(r.arrival.get("ses_a"), Some(&0));
        assert_eq!(r.arrival.get("ses_tools"), Some(&3));
        assert!(r.cut);
    }
}
