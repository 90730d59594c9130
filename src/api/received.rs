//! What the client keeps of a server's answers, whatever the server sends: labels cut on
//! receipt, a session's history bounded, list pages read item by item.

use super::model::*;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;

/// The longest session name, user id or other label kept from a list, in characters: the
/// rest is cut on receipt.
pub const NAME_CHARS_MAX: usize = 200;
/// The longest session id a list item may have; an item with a longer one is unreadable.
pub const SESSION_ID_CHARS_MAX: usize = 512;
/// The most bytes kept of one message's content, tool inputs or tool outputs.
pub const MESSAGE_FIELD_BYTES_MAX: usize = 1024 * 1024;
/// The most messages held for one session.
pub const SESSION_MESSAGES_MAX: usize = 50_000;
/// The most bytes of messages held for one session.
pub const SESSION_BYTES_MAX: usize = 64 * 1024 * 1024;

/// Why loading a session's history stopped before the server said it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryStop {
    /// [`SESSION_MESSAGES_MAX`] messages are held.
    Messages,
    /// [`SESSION_BYTES_MAX`] bytes of messages are held.
    Bytes,
    /// The page asked for began with a message already held: the server ignores `offset`.
    Repeated,
    /// The server said there was more and sent an empty page.
    Empty,
}

impl HistoryStop {
    /// Why loading stopped, as the end of a sentence ("… : {why}").
    pub fn why(self) -> String {
        match self {
            HistoryStop::Messages => {
                format!("verdict holds at most {SESSION_MESSAGES_MAX} messages of one session")
            }
            HistoryStop::Bytes => format!(
                "verdict holds at most {} MB of messages of one session",
                SESSION_BYTES_MAX / (1024 * 1024)
            ),
            HistoryStop::Repeated => {
                "the server sent messages already loaded when asked for the next ones".to_string()
            }
            HistoryStop::Empty => {
                "the server said there were more messages and sent none".to_string()
            }
        }
    }
}

/// Takes from a history page what fits in one session's bounds, given `held` messages
/// of `held_bytes` bytes already loaded (`held_bytes` is updated), with each message
/// trimmed; says why loading must stop here, if it must. `seen` tells whether a message
/// id is already held.
pub fn take_history_page(
    held: usize,
    held_bytes: &mut usize,
    page: &mut GetHistoryResponse,
    seen: impl Fn(&str) -> bool,
) -> Option<HistoryStop> {
    if held > 0 && page.messages.first().is_some_and(|m| seen(&m.message_id)) {
        page.messages.clear();
        return Some(HistoryStop::Repeated);
    }
    let mut stop = None;
    let mut keep = 0;
    for m in page.messages.iter_mut() {
        if held + keep >= SESSION_MESSAGES_MAX {
            stop = Some(HistoryStop::Messages);
            break;
        }
        m.trim();
        let bytes = m.bytes();
        if *held_bytes + bytes > SESSION_BYTES_MAX {
            stop = Some(HistoryStop::Bytes);
            break;
        }
        *held_bytes += bytes;
        keep += 1;
    }
    page.messages.truncate(keep);
    let more_promised =
        page.has_more && (held + keep) < usize::try_from(page.total_messages).unwrap_or(usize::MAX);
    if stop.is_none() && keep == 0 && page.has_more {
        stop = Some(HistoryStop::Empty);
    }
    if stop.is_none() && more_promised && held + keep >= SESSION_MESSAGES_MAX {
        stop = Some(HistoryStop::Messages);
    }
    stop
}

/// Cuts `s` to at most `max` characters in place, giving back the memory it held.
fn cut_chars(s: &mut String, max: usize) {
    if let Some((end, _)) = s.char_indices().nth(max) {
        s.truncate(end);
        s.shrink_to_fit();
    }
}

/// Cuts `s` to about `max` bytes, saying how much was left out.
fn cut_bytes(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let more = s.len() - end;
    s.truncate(end);
    s.push_str(&format!(" … [{more} more bytes not shown]"));
    s.shrink_to_fit();
}

impl GetSessionResponse {
    /// What a list keeps of a session: labels cut to [`NAME_CHARS_MAX`], and the large
    /// fields no list shows (user memory, system prompt, tools) dropped.
    pub fn trimmed_for_list(mut self) -> Self {
        for s in [
            &mut self.namespace_id,
            &mut self.internal_id,
            &mut self.agent_config.model,
            &mut self.created_at,
            &mut self.updated_at,
            &mut self.last_activity_at,
            &mut self.expires_at,
        ] {
            cut_chars(s, NAME_CHARS_MAX);
        }
        for s in [&mut self.session_name, &mut self.user_id]
            .into_iter()
            .flatten()
        {
            cut_chars(s, NAME_CHARS_MAX);
        }
        self.user_memory = Map::new();
        self.agent_config.system_prompt = String::new();
        self.agent_config.available_tools = Vec::new();
        self
    }
}

/// An item of a list page that is not a session as the contract describes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableSession {
    /// Its place on the page.
    pub index: usize,
    /// Its `session_id`, when it has a string one: safe and shortened, for showing only.
    pub id: Option<String>,
    /// Why it could not be read: safe and shortened.
    pub reason: String,
}

/// The most items read from one list page (the contract's largest page); any past it
/// are skipped unread.
pub const LIST_ITEMS_MAX: usize = 1000;

/// A list page as it arrives: each item decoded on its own, so one bad item spoils
/// only itself.
/// `TRIM`: each session as a list shows it (see [`read_listed_session`]).
#[derive(Debug, Deserialize)]
pub struct RawListSessionsResponse<const TRIM: bool> {
    pub results: ListedItems<TRIM>,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub pagination: Map<String, Value>,
}

/// The items of a list page, read one at a time as they are parsed: only one item's
/// text is held at once, and what is kept of each is small, so a page's memory is
/// bounded by its size however its items are shaped.
#[derive(Debug, Default)]
pub struct ListedItems<const TRIM: bool> {
    pub sessions: Vec<GetSessionResponse>,
    pub unreadable: Vec<UnreadableSession>,
    /// Items past [`LIST_ITEMS_MAX`], skipped.
    pub skipped: usize,
}

impl<'de, const TRIM: bool> Deserialize<'de> for ListedItems<TRIM> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items<const TRIM: bool>;
        impl<'de, const TRIM: bool> serde::de::Visitor<'de> for Items<TRIM> {
            type Value = ListedItems<TRIM>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of sessions")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ListedItems<TRIM>, A::Error> {
                let mut out = ListedItems::default();
                let mut index = 0;
                while index < LIST_ITEMS_MAX {
                    let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? else {
                        return Ok(out);
                    };
                    match read_listed_session(index, raw.get(), TRIM) {
                        Ok(s) => out.sessions.push(s),
                        Err(u) => out.unreadable.push(u),
                    }
                    index += 1;
                }
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    out.skipped += 1;
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Items::<TRIM>)
    }
}

/// A session as a list item is read: the large fields no list shows (user memory, the
/// agent's configuration) are skipped unread.
#[derive(Deserialize)]
struct ListedSessionWire {
    session_id: String,
    namespace_id: String,
    internal_id: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    session_name: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    agent_config: serde::de::IgnoredAny,
    #[serde(default)]
    #[allow(dead_code)]
    user_memory: serde::de::IgnoredAny,
    status: SessionStatus,
    #[serde(default)]
    message_count: u64,
    #[serde(default)]
    stats: SessionStats,
    created_at: String,
    updated_at: String,
    last_activity_at: String,
    expires_at: String,
    #[serde(default)]
    review: Option<ReviewStats>,
}

/// Just the id of a list item, when it has a string one.
#[derive(Deserialize)]
struct IdProbe {
    session_id: String,
}

/// One item of a list page (its JSON text), read as a session, or why not. With `trim`,
/// as a list shows it: the large fields no list shows skipped unread, and labels cut
/// (see [`GetSessionResponse::trimmed_for_list`]); else whole, as the contract says.
pub fn read_listed_session(
    index: usize,
    item: &str,
    trim: bool,
) -> Result<GetSessionResponse, UnreadableSession> {
    if let Some(session) = read_listed_quickly(item, trim) {
        return Ok(session);
    }
    let raw_id = serde_json::from_str::<IdProbe>(item)
        .ok()
        .map(|p| p.session_id);
    let id = raw_id.as_deref().map(|s| crate::sanitize::message(s, 80));
    let unreadable = |reason: String| UnreadableSession {
        index,
        id: id.clone(),
        reason: crate::sanitize::message(&reason, 160),
    };
    let id_chars = raw_id.as_deref().map_or(0, |s| s.chars().count());
    if id_chars > SESSION_ID_CHARS_MAX {
        return Err(unreadable(format!(
            "its id is {id_chars} characters long, more than the {SESSION_ID_CHARS_MAX} verdict takes"
        )));
    }
    if raw_id.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(unreadable("its id is empty".to_string()));
    }
    // Which field, and what was wrong with it; where in the page it was says nothing.
    let why = |e: serde_path_to_error::Error<serde_json::Error>| {
        let inner = e.inner().to_string();
        let what = inner
            .split(" at line ")
            .next()
            .unwrap_or(&inner)
            .to_string();
        match e.path().to_string().as_str() {
            "." => unreadable(what),
            field => unreadable(format!("{field}: {what}")),
        }
    };
    let mut de = serde_json::Deserializer::from_str(item);
    if !trim {
        return serde_path_to_error::deserialize::<_, GetSessionResponse>(&mut de).map_err(why);
    }
    let w = serde_path_to_error::deserialize::<_, ListedSessionWire>(&mut de).map_err(why)?;
    Ok(listed(w))
}

/// Whether a session's id is one verdict takes: not empty, not too long (the checks
/// of [`read_listed_session`], which says why).
fn id_taken(id: &str) -> bool {
    !id.trim().is_empty() && id.chars().count() <= SESSION_ID_CHARS_MAX
}

/// [`read_listed_session`] for an item that reads as it should, which is nearly every
/// item: one pass, without tracking the path to a field that never fails. `None`
/// sends the item the long way, which says what is wrong with it.
fn read_listed_quickly(item: &str, trim: bool) -> Option<GetSessionResponse> {
    let session = if trim {
        listed(serde_json::from_str::<ListedSessionWire>(item).ok()?)
    } else {
        serde_json::from_str::<GetSessionResponse>(item).ok()?
    };
    id_taken(&session.session_id).then_some(session)
}

/// A list item read without its large fields, as a list shows it.
fn listed(w: ListedSessionWire) -> GetSessionResponse {
    let session = GetSessionResponse {
        session_id: w.session_id,
        namespace_id: w.namespace_id,
        internal_id: w.internal_id,
        user_id: w.user_id,
        session_name: w.session_name,
        agent_config: AgentConfig::default(),
        user_memory: Map::new(),
        status: w.status,
        message_count: w.message_count,
        stats: w.stats,
        created_at: w.created_at,
        updated_at: w.updated_at,
        last_activity_at: w.last_activity_at,
        expires_at: w.expires_at,
        review: w.review,
    };
    session.trimmed_for_list()
}

impl MessageHistoryItem {
    /// Bytes of text the message holds.
    pub fn bytes(&self) -> usize {
        [
            Some(&self.message_id),
            Some(&self.role),
            Some(&self.content),
            Some(&self.content_type),
            self.tool_name.as_ref(),
            self.tool_inputs.as_ref(),
            self.tool_outputs.as_ref(),
            self.tool_status.as_ref(),
            Some(&self.timestamp),
        ]
        .into_iter()
        .flatten()
        .map(String::len)
        .sum()
    }

    /// Cuts each text to [`MESSAGE_FIELD_BYTES_MAX`] and each label to [`NAME_CHARS_MAX`].
    pub fn trim(&mut self) {
        cut_bytes(&mut self.content, MESSAGE_FIELD_BYTES_MAX);
        for s in [&mut self.tool_inputs, &mut self.tool_outputs]
            .into_iter()
            .flatten()
        {
            cut_bytes(s, MESSAGE_FIELD_BYTES_MAX);
        }
        for s in [&mut self.role, &mut self.content_type, &mut self.timestamp] {
            cut_chars(s, NAME_CHARS_MAX);
        }
        for s in [&mut self.tool_name, &mut self.tool_status]
            .into_iter()
            .flatten()
        {
            cut_chars(s, NAME_CHARS_MAX);
        }
    }
}

/// The longest snippet kept of a search hit, in characters.
pub const SNIPPET_CHARS_MAX: usize = 400;
/// The most highlights kept in one snippet.
const HIGHLIGHTS_MAX: usize = 32;

impl SearchPage {
    /// What the client keeps of a search answer: at most a page of hits, every string
    /// safe for a terminal and on one line, names and snippets cut to a bound, and the
    /// highlights that still point into the snippet, in order and apart.
    pub fn received(mut self) -> SearchPage {
        self.results.truncate(SearchPage::LIMIT_MAX as usize);
        self.query = crate::sanitize::message(&self.query, SearchPage::QUERY_MAX_CHARS);
        for hit in &mut self.results {
            let line = |s: &str, max: usize| crate::sanitize::message(s, max);
            hit.session_id = line(&hit.session_id, SESSION_ID_CHARS_MAX);
            hit.session_name = hit.session_name.as_deref().map(|n| line(n, NAME_CHARS_MAX));
            hit.message_id = hit
                .message_id
                .as_deref()
                .map(|n| line(n, SESSION_ID_CHARS_MAX));
            hit.role = hit.role.as_deref().map(|n| line(n, NAME_CHARS_MAX));
            hit.timestamp = hit.timestamp.as_deref().map(|n| line(n, NAME_CHARS_MAX));
            let (snippet, highlights) = clean_snippet(&hit.snippet, &hit.highlights);
            hit.snippet = snippet;
            hit.highlights = highlights;
        }
        self
    }
}

/// Cleans a snippet piece by piece (the text between highlights, and each highlight), so
/// that what sanitising drops or replaces cannot shift a highlight off its word.
fn clean_snippet(snippet: &str, highlights: &[[u32; 2]]) -> (String, Vec<[u32; 2]>) {
    // Cleaning only drops or replaces characters: a head of a few times the bound holds
    // everything that can be shown.
    let chars: Vec<char> = snippet.chars().take(SNIPPET_CHARS_MAX * 4).collect();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut last_end = 0;
    for &[s, e] in highlights.iter().take(HIGHLIGHTS_MAX) {
        let (s, e) = (s as usize, (e as usize).min(chars.len()));
        if s >= last_end && s < e {
            spans.push((s, e));
            last_end = e;
        }
    }
    let mut out = String::new();
    let mut kept = Vec::new();
    let mut count = 0usize;
    let mut push = |out: &mut String, piece: &[char]| -> (usize, usize) {
        let text: String = piece.iter().collect();
        let clean = crate::sanitize::line(&text);
        let start = count;
        for c in clean.chars() {
            if count >= SNIPPET_CHARS_MAX {
                break;
            }
            out.push(c);
            count += 1;
        }
        (start, count)
    };
    let mut at = 0;
    for (s, e) in spans {
        push(&mut out, &chars[at..s]);
        let (hs, he) = push(&mut out, &chars[s..e]);
        if he > hs {
            kept.push([hs as u32, he as u32]);
        }
        at = e;
    }
    push(&mut out, &chars[at..]);
    (out, kept)
}

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn a_snippet_keeps_its_highlights_on_their_words_after_cleaning() {
        // An escape before the word: cleaned to one U+FFFD, a zero-width joiner dropped.
        let snippet = "a\u{1b}\u{200d}b word c";
        let (s, h) = clean_snippet(snippet, &[[5, 9], [8, 99], [50, 60]]);
        assert_eq!(s, "a\u{fffd}b word c");
        let word: String = s.chars().skip(h[0][0] as usize).take(4).collect();
        assert_eq!(word, "word");
        assert_eq!(
            h.len(),
            1,
            "overlapping and out-of-range highlights are dropped"
        );
    }

    #[test]
    fn a_huge_snippet_is_cut_to_the_bound() {
        let snippet = "x".repeat(1_000_000);
        let (s, h) = clean_snippet(&snippet, &[[999_000, 999_010]]);
        assert_eq!(s.chars().count(), SNIPPET_CHARS_MAX);
        assert!(h.is_empty());
    }
}
