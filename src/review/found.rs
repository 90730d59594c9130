//! Search where the server offers none: the same hits as the server's full-text search
//! (`SearchHit`: session, message, role, a one-line snippet with the match marked), found
//! by a case-insensitive phrase match over messages already in hand.

use crate::api::model::{MessageHistoryItem, SearchHit};
use crate::review::typeset::text::find_ignore_case;

/// Characters of context kept before a match in a snippet.
const BEFORE: usize = 40;
/// The longest snippet, in characters.
const SNIPPET: usize = 160;
/// The most hits one session gives: a word in every message of a long session would
/// otherwise push every other session off the list.
pub const HITS_PER_SESSION_MAX: usize = 50;

/// The hits for `query` in one session: its name, then its messages in order (content
/// first, then the tool's name, inputs and output).
pub fn hits_in(
    session_id: &str,
    session_name: Option<&str>,
    messages: &[MessageHistoryItem],
    query: &str,
) -> Vec<SearchHit> {
    let mut out = Vec::new();
    if query.trim().is_empty() {
        return out;
    }
    if let Some(name) = session_name
        && let Some(hit) = snippet(name, query)
    {
        out.push(SearchHit {
            session_id: session_id.to_string(),
            session_name: Some(name.to_string()),
            message_id: None,
            role: None,
            snippet: hit.0,
            highlights: hit.1,
            timestamp: None,
        });
    }
    for msg in messages {
        if out.len() >= HITS_PER_SESSION_MAX {
            break;
        }
        let found = [
            Some(&msg.content),
            msg.tool_name.as_ref(),
            msg.tool_inputs.as_ref(),
            msg.tool_outputs.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|field| snippet(field, query));
        if let Some((text, highlights)) = found {
            out.push(SearchHit {
                session_id: session_id.to_string(),
                session_name: session_name.map(str::to_string),
                message_id: Some(msg.message_id.clone()),
                role: Some(msg.role.clone()),
                snippet: text,
                highlights,
                timestamp: Some(msg.timestamp.clone()),
            });
        }
    }
    out
}

/// A one-line snippet around the first match of `query` in `text`, made safe for a
/// terminal, with the matches inside it as character offsets.
fn snippet(text: &str, query: &str) -> Option<(String, Vec<[u32; 2]>)> {
    let &(start, _) = find_ignore_case(text, query).first()?;
    // From a little before the match, on a character boundary.
    let from = text[..start]
        .char_indices()
        .rev()
        .nth(BEFORE.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    let head: String = text[from..].chars().take(SNIPPET).collect();
    let one_line: String = crate::sanitize::line(&head)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut shown = String::new();
    if from > 0 {
        shown.push('…');
    }
    shown.push_str(&one_line);
    if text.len() > from + head.len() {
        shown.push('…');
    }
    let char_at = |byte: usize| shown[..byte].chars().count() as u32;
    let highlights = find_ignore_case(&shown, query)
        .into_iter()
        .map(|(s, e)| [char_at(s), char_at(e)])
        .collect();
    Some((shown, highlights))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, role: &str, content: &str) -> MessageHistoryItem {
        serde_json::from_value(serde_json::json!({
            "message_id": id, "role": role, "content": content,
            "content_type": "text", "timestamp": "2026-11-30T00:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn hits_name_the_message_and_mark_the_match() {
        let long = format!("{} the Chunk size is wrong\nand more", "x".repeat(100));
        let msgs = [msg("m1", "user", "nothing"), msg("m2", "assistant", &long)];
        let hits = hits_in("ses_a", Some("chunking run"), &msgs, "chunk");
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].message_id, None, "the name first");
        let h = &hits[1];
        assert_eq!(h.message_id.as_deref(), Some("m2"));
        assert!(
            h.snippet.starts_with('…') && !h.snippet.contains('\n'),
            "{}",
            h.snippet
        );
        let [s, e] = h.highlights[0];
        let word: String = h
            .snippet
            .chars()
            .skip(s as usize)
            .take((e - s) as usize)
            .collect();
        assert_eq!(word, "Chunk");
    }

    #[test]
    fn snippets_are_safe_and_bounded() {
        let text = format!("\u{1b}]0;evil\u{7} chunk {}", "y".repeat(10_000));
        let (s, _) = snippet(&text, "chunk").unwrap();
        assert!(!s.chars().any(crate::sanitize::is_unsafe), "{s:?}");
        assert!(s.chars().count() <= SNIPPET + 2);
        assert!(hits_in("s", None, &[msg("m", "user", "x")], "  ").is_empty());
    }
}

/// The search results list (`/`): every hit for a query, from the server's search or,
/// without one, from what is loaded here.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub query: String,
    pub hits: Vec<SearchHit>,
    pub selected: usize,
    /// The first hit shown.
    pub offset: usize,
    pub source: Source,
    /// Answers for another query (or an older list) are dropped.
    pub generation: u64,
}

/// Where the hits come from, and so what they cover.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// The server's answer has not come yet.
    Searching,
    /// The server's full-text search over the whole namespace.
    Namespace { has_more: bool, loading_more: bool },
    /// No search on the server (or it failed, and why): the sessions loaded here and the
    /// names of the sessions listed.
    Loaded {
        sessions: usize,
        failed: Option<String>,
    },
}

impl Results {
    pub fn new(query: String, generation: u64) -> Results {
        Results {
            query,
            hits: Vec::new(),
            selected: 0,
            offset: 0,
            source: Source::Searching,
            generation,
        }
    }

    pub fn selected_hit(&self) -> Option<&SearchHit> {
        self.hits.get(self.selected)
    }
}
