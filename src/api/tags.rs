//! Tags (failure modes) inside `feedback_text`: one wire form, read and written by every
//! layer.
//!
//! The form is a last line `tags: #hallucination #wrong_tool` under the note (if any):
//! the hosted API keeps it with no schema change, and it reads well on a dashboard. A
//! last line that is a tag line with no tags (`tags:`) keeps a note whose own last line
//! looks like tags from being read as tags.

use super::limits::FEEDBACK_TEXT_MAX;

/// What starts the tag line.
pub const PREFIX: &str = "tags:";
/// The longest tag, in characters.
pub const TAG_CHARS_MAX: usize = 40;
/// The most tags on one rating.
pub const TAGS_MAX: usize = 20;

/// The taxonomy when the config file names none, in the order digits `1`-`9` use.
pub const DEFAULT_TAGS: [&str; 9] = [
    "hallucination",
    "wrong_tool",
    "ignored_tool_error",
    "incomplete",
    "ignored_instruction",
    "unsafe",
    "verbose",
    "formatting",
    "tone",
];

/// One tag of the taxonomy, with its one-line description (from `[tags.descriptions]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagDef {
    pub name: String,
    pub description: Option<String>,
}

/// The longest tag description kept, in characters.
pub const DESCRIPTION_CHARS_MAX: usize = 120;

/// The taxonomy: `list` (the config file's) in its order, else [`DEFAULT_TAGS`], each with
/// its description. A name that is not a tag, a repeat, or a description of a tag not in
/// the list is refused with a sentence.
pub fn taxonomy(
    list: Option<&[String]>,
    descriptions: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<TagDef>, String> {
    let names: Vec<String> = match list {
        Some(l) => l.to_vec(),
        None => DEFAULT_TAGS.iter().map(|t| t.to_string()).collect(),
    };
    let mut defs: Vec<TagDef> = Vec::new();
    for raw in &names {
        let name = normalize(raw).ok_or_else(|| format!("[tags] list: {}", invalid(raw)))?;
        if defs.iter().any(|d| d.name == name) {
            return Err(format!("[tags] list names {name:?} twice."));
        }
        defs.push(TagDef {
            name,
            description: None,
        });
    }
    for (raw, text) in descriptions {
        let name =
            normalize(raw).ok_or_else(|| format!("[tags.descriptions]: {}", invalid(raw)))?;
        let Some(d) = defs.iter_mut().find(|d| d.name == name) else {
            return Err(format!(
                "[tags.descriptions] describes {name:?}, which is not in the tag list; add it to [tags] list or remove the description."
            ));
        };
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        d.description = (!one_line.is_empty())
            .then(|| crate::sanitize::message(&one_line, DESCRIPTION_CHARS_MAX));
    }
    Ok(defs)
}

/// A tag as verdict keeps it: lower case letters, digits, `_` and `-`; a leading `#` is
/// dropped and spaces become `_`. `None` for what cannot be a tag (empty, too long, other
/// characters), so nothing a server sends reaches a terminal through a tag.
pub fn normalize(raw: &str) -> Option<String> {
    let t = raw.trim();
    let t = t.strip_prefix('#').unwrap_or(t).trim();
    if t.is_empty() || t.chars().count() > TAG_CHARS_MAX {
        return None;
    }
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            'a'..='z' | '0'..='9' | '_' | '-' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            ' ' => out.push('_'),
            _ => return None,
        }
    }
    Some(out)
}

/// Why a tag name is refused, as a sentence.
pub fn invalid(raw: &str) -> String {
    format!(
        "{:?} is not a tag: a tag is 1 to {TAG_CHARS_MAX} letters, digits, _ or -.",
        crate::sanitize::message(raw, TAG_CHARS_MAX + 10)
    )
}

/// The tag line for `tags` (already normalised).
fn tag_line(tags: &[String]) -> String {
    let mut line = PREFIX.to_string();
    for t in tags {
        line.push_str(" #");
        line.push_str(t);
    }
    line
}

/// Whether the last line of `note` would be read as a tag line.
fn ends_in_tag_line(note: &str) -> bool {
    note.lines()
        .next_back()
        .is_some_and(|l| parse_line(l).is_some())
}

/// The `feedback_text` for a note and tags: the note, then the tag line. Tags that are not
/// tags are left out, as are repeats; `None` when there is neither note nor tag. Tags never
/// push the text past [`FEEDBACK_TEXT_MAX`]: those that do not fit are left out (see
/// [`fits`] to refuse them first).
pub fn compose(note: Option<&str>, tags: &[String]) -> Option<String> {
    let note = note.map(str::trim_end).filter(|n| !n.trim().is_empty());
    let mut clean: Vec<String> = Vec::new();
    for t in tags.iter().filter_map(|t| normalize(t)) {
        if !clean.contains(&t) && clean.len() < TAGS_MAX {
            clean.push(t);
        }
    }
    let note_chars = note.map_or(0, |n| n.chars().count() + 1);
    while !clean.is_empty() && note_chars + tag_line(&clean).chars().count() > FEEDBACK_TEXT_MAX {
        clean.pop();
    }
    match (note, clean.is_empty()) {
        (None, true) => None,
        (Some(n), true) if !ends_in_tag_line(n) => Some(n.to_string()),
        (Some(n), true) => {
            // An empty tag line keeps the note's own last line from reading as tags;
            // where it does not fit, the note goes as it is.
            let guarded = format!("{n}\n{PREFIX}");
            Some(if guarded.chars().count() <= FEEDBACK_TEXT_MAX {
                guarded
            } else {
                n.to_string()
            })
        }
        (None, false) => Some(tag_line(&clean)),
        (Some(n), false) => Some(format!("{n}\n{}", tag_line(&clean))),
    }
}

/// Whether `note` and `tags` fit in one `feedback_text` with nothing left out.
pub fn fits(note: Option<&str>, tags: &[String]) -> bool {
    let wanted = tags
        .iter()
        .filter_map(|t| normalize(t))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let kept = compose(note, tags).map_or(0, |t| parse(&t).1.len());
    wanted == kept && wanted <= TAGS_MAX
}

/// The tags of one line, when it is a tag line (`tags:` then `#tag` words only).
fn parse_line(line: &str) -> Option<Vec<String>> {
    let rest = line.trim().strip_prefix(PREFIX)?;
    let mut tags = Vec::new();
    for word in rest.split_whitespace() {
        let name = word.strip_prefix('#')?;
        let tag = normalize(name)?;
        if tag != name {
            return None;
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    (tags.len() <= TAGS_MAX).then_some(tags)
}

/// The note and the tags of a `feedback_text` (from the journal or a server's listing).
/// Text whose last line is not a tag line is all note. The note is returned as sent; it
/// is sanitised where it is shown.
pub fn parse(text: &str) -> (Option<String>, Vec<String>) {
    let trimmed = text.trim_end();
    let (head, last) = match trimmed.rsplit_once('\n') {
        Some((head, last)) => (head, last),
        None => ("", trimmed),
    };
    match parse_line(last) {
        Some(tags) => {
            let note = head.trim_end();
            let note = (!note.trim().is_empty()).then(|| note.to_string());
            (note, tags)
        }
        None => {
            let note = (!trimmed.trim().is_empty()).then(|| trimmed.to_string());
            (note, Vec::new())
        }
    }
}

/// Only the tags of a `feedback_text` (none for none).
pub fn tags_of(text: Option<&str>) -> Vec<String> {
    text.map(|t| parse(t).1).unwrap_or_default()
}

/// Only the note of a `feedback_text`, without its tag line.
pub fn note_of(text: Option<&str>) -> Option<String> {
    text.and_then(|t| parse(t).0)
}

/// `tags` with `tag` added, or taken away where it was there; whether it is there now.
pub fn toggle(tags: &[String], tag: &str) -> (Vec<String>, bool) {
    if tags.iter().any(|t| t == tag) {
        (tags.iter().filter(|t| *t != tag).cloned().collect(), false)
    } else {
        let mut v = tags.to_vec();
        v.push(tag.to_string());
        (v, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn note_and_tags_round_trip() {
        let text = compose(Some("made up a flag"), &v(&["hallucination", "wrong_tool"]));
        assert_eq!(
            text.as_deref(),
            Some("made up a flag\ntags: #hallucination #wrong_tool")
        );
        let (note, tags) = parse(text.as_deref().unwrap());
        assert_eq!(note.as_deref(), Some("made up a flag"));
        assert_eq!(tags, v(&["hallucination", "wrong_tool"]));
    }

    #[test]
    fn tags_alone_and_note_alone() {
        assert_eq!(compose(None, &v(&["tone"])).as_deref(), Some("tags: #tone"));
        assert_eq!(parse("tags: #tone"), (None, v(&["tone"])));
        assert_eq!(compose(Some("fine"), &[]).as_deref(), Some("fine"));
        assert_eq!(parse("fine"), (Some("fine".to_string()), vec![]));
        assert_eq!(compose(None, &[]), None);
        assert_eq!(compose(Some("  \n "), &[]), None);
    }

    #[test]
    fn a_note_that_looks_like_tags_stays_a_note() {
        let note = "the user wrote\ntags: #urgent";
        let text = compose(Some(note), &[]).unwrap();
        assert_eq!(parse(&text), (Some(note.to_string()), vec![]));
        let text = compose(Some(note), &v(&["verbose"])).unwrap();
        assert_eq!(parse(&text), (Some(note.to_string()), v(&["verbose"])));
    }

    #[test]
    fn odd_input_is_note() {
        for odd in [
            "tags: hallucination",
            "tags: #Bad!",
            "tags: #ok #\u{1b}[31m",
            "tagsx: #a",
            "tags: #a b",
        ] {
            let (note, tags) = parse(odd);
            assert!(tags.is_empty(), "{odd:?}");
            assert_eq!(note.as_deref(), Some(odd));
        }
        assert_eq!(parse(""), (None, vec![]));
        assert_eq!(parse("  tags:  #a   #a  "), (None, v(&["a"])));
        let many = format!(
            "tags:{}",
            (0..30).map(|i| format!(" #t{i}")).collect::<String>()
        );
        assert!(
            parse(&many).1.is_empty(),
            "more than TAGS_MAX is not a tag line"
        );
    }

    #[test]
    fn normalize_keeps_only_safe_names() {
        assert_eq!(normalize("#Wrong Tool").as_deref(), Some("wrong_tool"));
        assert_eq!(normalize("  verbose ").as_deref(), Some("verbose"));
        assert_eq!(normalize("a\u{1b}b"), None);
        assert_eq!(normalize("é"), None);
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("#"), None);
        assert_eq!(normalize(&"x".repeat(TAG_CHARS_MAX + 1)), None);
        assert!(normalize(&"x".repeat(TAG_CHARS_MAX)).is_some());
        assert!(invalid("bad\u{7}").contains("not a tag"));
        assert!(!invalid("bad\u{7}").contains('\u{7}'));
    }

    #[test]
    fn compose_drops_repeats_and_non_tags() {
        let text = compose(None, &v(&["tone", "#tone", "b@d", "Tone"])).unwrap();
        assert_eq!(text, "tags: #tone");
    }

    #[test]
    fn tags_never_push_past_the_limit() {
        let note = "é".repeat(FEEDBACK_TEXT_MAX - 5);
        let text = compose(Some(&note), &v(&["hallucination"])).unwrap();
        assert!(text.chars().count() <= FEEDBACK_TEXT_MAX);
        assert_eq!(parse(&text).0.as_deref(), Some(note.as_str()));
        assert!(!fits(Some(&note), &v(&["hallucination"])));
        let room = "é".repeat(FEEDBACK_TEXT_MAX - 20);
        assert!(fits(Some(&room), &v(&["tone"])));
        let text = compose(Some(&room), &v(&["tone"])).unwrap();
        assert!(text.chars().count() <= FEEDBACK_TEXT_MAX);
        assert_eq!(parse(&text).1, v(&["tone"]));
        // A note exactly at the limit that looks like tags goes as it is.
        let full = format!("{}\ntags: #a", "x".repeat(FEEDBACK_TEXT_MAX - 9));
        assert_eq!(full.chars().count(), FEEDBACK_TEXT_MAX);
        assert_eq!(compose(Some(&full), &[]).unwrap(), full);
    }

    #[test]
    fn toggle_adds_and_removes() {
        let (t, on) = toggle(&v(&["a"]), "b");
        assert_eq!((t.clone(), on), (v(&["a", "b"]), true));
        let (t, on) = toggle(&t, "a");
        assert_eq!((t, on), (v(&["b"]), false));
    }

    #[test]
    fn taxonomy_from_config() {
        let none = std::collections::BTreeMap::new();
        let d = taxonomy(None, &none).unwrap();
        assert_eq!(d.len(), 9);
        assert_eq!(d[0].name, "hallucination");
        let mut desc = std::collections::BTreeMap::new();
        desc.insert("made_up".to_string(), "invents\nfacts".to_string());
        let list = v(&["Made Up", "slow"]);
        let d = taxonomy(Some(&list), &desc).unwrap();
        assert_eq!(d[0].name, "made_up");
        assert_eq!(d[0].description.as_deref(), Some("invents facts"));
        assert!(
            taxonomy(Some(&v(&["a", "A"])), &none)
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            taxonomy(Some(&v(&["a!"])), &none)
                .unwrap_err()
                .contains("not a tag")
        );
        let mut stray = std::collections::BTreeMap::new();
        stray.insert("other".to_string(), "x".to_string());
        assert!(
            taxonomy(Some(&list), &stray)
                .unwrap_err()
                .contains("not in the tag list")
        );
    }

    #[test]
    fn default_taxonomy_is_valid() {
        for t in DEFAULT_TAGS {
            assert_eq!(normalize(t).as_deref(), Some(t));
        }
    }
}
