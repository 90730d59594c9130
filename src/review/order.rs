//! The order the session list is walked in: newest first (the server's order), or risk
//! first (the sessions most likely to hold failures, see [`super::risk`]).

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
    pub risk: HashMap<String, super::risk::Risk>,
    /// Each session's place in the server's (newest first) order, to go back to it.
    pub arrival: HashMap<String, usize>,
    /// The whole list is being read to rank it (the generation of that read).
    pub listing: Option<u64>,
    /// Histories read ahead to refine the top of the order (the generation asked).
    pub probing: Option<u64>,
    /// The whole list read for risk order is being put in place.
    pub installing: bool,
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
}
