//! The command palette (`:`) as plain data: the catalogue of everything it can run
//! (generated from `Command::ALL` and the keymap, so a new command appears by itself,
//! plus the commands that take an argument), the fuzzy match that filters it, the prompt
//! being typed, and the history of commands run (kept in a small file beside the journal).

use super::action::{Command, Context};
use super::keymap::Keymap;
use std::path::Path;

/// The most commands the history keeps (the oldest go first).
pub const HISTORY_MAX: usize = 100;
/// The longest line typed in the palette (and kept in the history).
pub const INPUT_CHARS_MAX: usize = 200;
/// The history file's name, beside the journal in the data directory.
pub const HISTORY_FILE: &str = "palette_history";
/// The largest history file read: past it the file is taken for damaged.
const HISTORY_BYTES_MAX: u64 = 64 * 1024;
/// The history file's first line: a file without it is not ours.
const HISTORY_HEADER: &str = "# verdict palette history v1";

/// What an entry runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// A bindable command, as its key would.
    Key(Command),
    /// `sample N [seed]`: a reproducible sample of the sessions of the current filter.
    Sample,
    /// `tag NAME`: toggles a tag on the selected reply.
    Tag,
    /// `goto ID`: opens a listed session by id or unique prefix.
    Goto,
    /// `order newest|risk`: the order of the session list.
    Order,
}

/// One line of the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: &'static str,
    /// The keys bound to it ("j Down"), empty for commands with arguments.
    pub keys: String,
    pub description: String,
    /// How its arguments are written ("N [seed]"), for commands that take some.
    pub usage: Option<&'static str>,
    pub run: Run,
}

/// The commands that take arguments: no key runs them.
const WITH_ARGS: [(&str, &str, &str, Run); 4] = [
    (
        "sample",
        "N [seed]",
        "review a random sample of N sessions of the current filter",
        Run::Sample,
    ),
    (
        "tag",
        "NAME",
        "toggle tag NAME on the selected reply",
        Run::Tag,
    ),
    (
        "goto",
        "SESSION_ID",
        "open a listed session by its id or a unique prefix",
        Run::Goto,
    ),
    (
        "order",
        "newest|risk",
        "order the sessions: newest first, or riskiest first",
        Run::Order,
    ),
];

/// Everything the palette offers: the browse commands in the help's order with their
/// keys, then the commands with arguments.
pub fn catalogue(keymap: &Keymap) -> Vec<Entry> {
    let mut out: Vec<Entry> = Command::ALL
        .into_iter()
        .filter(|c| c.context() == Context::Browse && *c != Command::Palette)
        .map(|c| Entry {
            name: c.name(),
            keys: keymap.describe(c),
            description: c.description().to_string(),
            usage: None,
            run: Run::Key(c),
        })
        .collect();
    out.extend(
        WITH_ARGS
            .into_iter()
            .map(|(name, usage, description, run)| Entry {
                name,
                keys: String::new(),
                description: description.to_string(),
                usage: Some(usage),
                run,
            }),
    );
    out
}

/// The palette's lasting state: what it offers and what was run.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub catalogue: Vec<Entry>,
    /// Commands run, oldest first, at most [`HISTORY_MAX`].
    pub history: Vec<String>,
    /// The history file was read (or found missing or damaged): saving may replace it.
    pub loaded: bool,
    /// Its reading was asked for.
    pub loading: bool,
}

impl Palette {
    pub fn new(keymap: &Keymap) -> Palette {
        Palette {
            catalogue: catalogue(keymap),
            ..Palette::default()
        }
    }

    /// The digit commands say which tag of the taxonomy in force they toggle, so typing
    /// a tag's name finds its digit too.
    pub fn name_tags(&mut self, tags: &[crate::api::tags::TagDef]) {
        for e in &mut self.catalogue {
            if let Run::Key(c) = e.run
                && let Some(n) = c.tag_index()
            {
                e.description = match tags.get(n) {
                    Some(t) => format!(
                        "toggle tag {} (right after a rating: on the reply rated)",
                        t.name
                    ),
                    None => c.description().to_string(),
                };
            }
        }
    }

    /// Adds a command run to the history: a repeat of the last is kept once.
    pub fn remember(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        if self.history.last().is_some_and(|l| l == line) {
            return;
        }
        self.history.push(line.to_string());
        trim_history(&mut self.history);
    }

    /// The file's commands arrived: they go before those run since this run started.
    pub fn loaded_from_file(&mut self, earlier: Vec<String>) {
        let mut all = earlier;
        all.append(&mut self.history);
        self.history = all;
        trim_history(&mut self.history);
        self.loaded = true;
    }
}

fn trim_history(h: &mut Vec<String>) {
    if h.len() > HISTORY_MAX {
        h.drain(..h.len() - HISTORY_MAX);
    }
}

/// The palette's prompt while it is open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    pub input: String,
    /// Position in the filtered list.
    pub selected: usize,
    /// What was wrong with the last Enter (a bad argument), shown inside the palette.
    pub error: Option<String>,
    /// Walking the history (Up on an empty prompt): the position recalled.
    pub recall: Option<usize>,
    /// The reply the key before `:` rated: a tag run from the palette goes there.
    pub just_rated: Option<(String, String)>,
}

/// What the typed line means: the name part filters the list, the rest are arguments
/// once the name is one of the commands that take some.
pub fn split(input: &str) -> (&str, &str) {
    let t = input.trim_start();
    if let Some((name, rest)) = t.split_once(char::is_whitespace)
        && WITH_ARGS.iter().any(|(n, ..)| *n == name)
    {
        return (name, rest.trim());
    }
    (t.trim_end(), "")
}

/// A match of the query in a text: its score (higher is better) and the characters
/// (as char positions) that matched, for highlighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fuzzy {
    pub score: i32,
    pub positions: Vec<usize>,
}

const SCORE_MATCH: i32 = 16;
const BONUS_CONSECUTIVE: i32 = 12;
const BONUS_WORD_START: i32 = 10;
const BONUS_PREFIX: i32 = 12;
const PENALTY_GAP: i32 = 2;
const PENALTY_LEADING: i32 = 1;
/// The longest text matched against: past it nothing matches (the catalogue's texts are
/// short; this bounds the work per keystroke).
const FUZZY_TEXT_MAX: usize = 256;

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '_' | '-' | '/' | ':' | '.' | ',' | '(' | ')')
}

/// Whether `query`'s characters appear in `text` in order (case-insensitive; spaces in
/// the query are ignored), with the best score over every way they can: consecutive
/// letters, letters at the start of a word and a match at the very start count more,
/// gaps count against. `None` when they do not all appear.
pub fn fuzzy(query: &str, text: &str) -> Option<Fuzzy> {
    let q: Vec<char> = query
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if q.is_empty() {
        return Some(Fuzzy {
            score: 0,
            positions: Vec::new(),
        });
    }
    let t: Vec<char> = text.chars().take(FUZZY_TEXT_MAX + 1).collect();
    if t.len() > FUZZY_TEXT_MAX || q.len() > t.len() {
        return None;
    }
    let lower: Vec<char> = t
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let bonus = |j: usize| -> i32 {
        let start =
            j == 0 || is_separator(t[j - 1]) || (t[j].is_uppercase() && t[j - 1].is_lowercase());
        SCORE_MATCH
            + if start { BONUS_WORD_START } else { 0 }
            + if j == 0 { BONUS_PREFIX } else { 0 }
    };
    let n = t.len();
    // score[i][j]: the best score with q[i] at t[j]; from[i][j]: where q[i-1] was.
    let mut score = vec![vec![None::<i32>; n]; q.len()];
    let mut from = vec![vec![0usize; n]; q.len()];
    for j in 0..n {
        if lower[j] == q[0] {
            score[0][j] = Some(bonus(j) - PENALTY_LEADING * j as i32);
        }
    }
    for i in 1..q.len() {
        // The best of score[i-1][k] + GAP*k over k <= j-2, and its k.
        let mut best: Option<(i32, usize)> = None;
        for j in 1..n {
            if j >= 2
                && let Some(s) = score[i - 1][j - 2]
            {
                let v = s + PENALTY_GAP * (j as i32 - 2);
                if best.is_none_or(|(b, _)| v > b) {
                    best = Some((v, j - 2));
                }
            }
            if lower[j] != q[i] {
                continue;
            }
            let consecutive = score[i - 1][j - 1].map(|s| (s + BONUS_CONSECUTIVE, j - 1));
            let gap = best.map(|(b, k)| (b - PENALTY_GAP * (j as i32 - 1), k));
            let pick = match (consecutive, gap) {
                (Some(c), Some(g)) => Some(if c.0 >= g.0 { c } else { g }),
                (c, g) => c.or(g),
            };
            if let Some((s, k)) = pick {
                score[i][j] = Some(s + bonus(j));
                from[i][j] = k;
            }
        }
    }
    let last = q.len() - 1;
    let (mut j, best) = score[last]
        .iter()
        .enumerate()
        .filter_map(|(j, s)| s.map(|s| (j, s)))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    let mut positions = vec![0; q.len()];
    for i in (0..q.len()).rev() {
        positions[i] = j;
        if i > 0 {
            j = from[i][j];
        }
    }
    Some(Fuzzy {
        score: best,
        positions,
    })
}

/// A name match counts this much more than a description's.
const NAME_WEIGHT: i32 = 3;
/// A query that is exactly one of an entry's keys puts it first.
const KEY_EXACT: i32 = 1_000;

/// The entries that match the typed name part, best first (ties keep the catalogue's
/// order), each with the name's matched characters.
pub fn filter<'a>(catalogue: &'a [Entry], query: &str) -> Vec<(&'a Entry, Vec<usize>)> {
    let query = query.trim();
    if query.is_empty() {
        return catalogue.iter().map(|e| (e, Vec::new())).collect();
    }
    let mut hits: Vec<(i32, usize, &Entry, Vec<usize>)> = Vec::new();
    for (i, e) in catalogue.iter().enumerate() {
        let by_key = e
            .keys
            .split(' ')
            .any(|k| !k.is_empty() && k == query)
            .then_some(KEY_EXACT);
        let by_name = fuzzy(query, e.name);
        // A description matches on the letters typed together (a word or part of
        // one): scattered letters over a sentence would match nearly everything.
        let by_desc = contains_squeezed(&e.description, query)
            .then(|| fuzzy(query, &e.description).map(|f| f.score))
            .flatten();
        let name_score = by_name.as_ref().map(|f| f.score * NAME_WEIGHT);
        let Some(score) = [by_key, name_score, by_desc].into_iter().flatten().max() else {
            continue;
        };
        hits.push((
            score,
            i,
            e,
            by_name.map(|f| f.positions).unwrap_or_default(),
        ));
    }
    // Ties: the shorter name first (`tag` before `tag_1`), then the catalogue's order.
    hits.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.2.name.len().cmp(&b.2.name.len()))
            .then(a.1.cmp(&b.1))
    });
    hits.into_iter().map(|(_, _, e, p)| (e, p)).collect()
}

/// Whether `text` holds the query's letters side by side (case-insensitive, the
/// query's spaces ignored).
fn contains_squeezed(text: &str, query: &str) -> bool {
    let q: String = query
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    text.to_lowercase().contains(&q)
}

/// The entries shown for a typed line: those its name part matches, best first.
pub fn matches<'a>(catalogue: &'a [Entry], input: &str) -> Vec<(&'a Entry, Vec<usize>)> {
    filter(catalogue, split(input).0)
}

/// Reads the history file: `Ok(None)` when there is none, `Err` (a sentence) when it is
/// damaged: too large, not text, or not a history file. Lines are bounded and made safe.
pub fn read_history(path: &Path) -> Result<Option<Vec<String>>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read it ({e})")),
    };
    if meta.len() > HISTORY_BYTES_MAX {
        return Err(format!("it is larger than {HISTORY_BYTES_MAX} bytes"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it ({e})"))?;
    let text = String::from_utf8(bytes).map_err(|_| "it is not text".to_string())?;
    let mut lines = text.lines();
    if lines.next() != Some(HISTORY_HEADER) {
        return Err("it does not start as a palette history does".to_string());
    }
    let mut out: Vec<String> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| crate::sanitize::message(l.trim(), INPUT_CHARS_MAX))
        .collect();
    trim_history(&mut out);
    Ok(Some(out))
}

/// Writes the history file, private and whole (a crash leaves the old one or the new).
pub fn write_history(path: &Path, history: &[String]) -> std::io::Result<()> {
    let start = history.len().saturating_sub(HISTORY_MAX);
    let mut text = String::from(HISTORY_HEADER);
    text.push('\n');
    for line in &history[start..] {
        // One command a line: a line break inside one would make two.
        text.push_str(&line.replace(['\n', '\r'], " "));
        text.push('\n');
    }
    crate::fs::write_file_atomically(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(q: &str, t: &str) -> i32 {
        fuzzy(q, t).map(|f| f.score).unwrap_or(i32::MIN)
    }

    #[test]
    fn a_subsequence_matches_and_anything_else_does_not() {
        assert!(fuzzy("rpos", "rate_positive").is_some());
        assert!(fuzzy("RPOS", "rate_positive").is_some(), "case-insensitive");
        assert!(
            fuzzy("rate pos", "rate_positive").is_some(),
            "spaces ignored"
        );
        assert!(fuzzy("posr", "rate_positive").is_none(), "order matters");
        assert!(fuzzy("x", "rate_positive").is_none());
        assert!(fuzzy("rate_positive_", "rate_positive").is_none());
        assert_eq!(fuzzy("", "anything").map(|f| f.score), Some(0));
    }

    #[test]
    fn the_positions_are_the_best_alignment() {
        // `pos` matches at the start of `positive`, not at scattered letters.
        let f = fuzzy("pos", "rate_positive").unwrap();
        assert_eq!(f.positions, vec![5, 6, 7]);
        let f = fuzzy("rn", "rate_negative").unwrap();
        assert_eq!(f.positions, vec![0, 5], "word starts win over the nearer n");
    }

    #[test]
    fn consecutive_word_starts_and_prefixes_score_higher() {
        assert!(
            score("undo", "undo") > score("undo", "u_n_d_o"),
            "consecutive"
        );
        assert!(
            score("rn", "rate_negative") > score("rn", "rotten"),
            "word starts"
        );
        assert!(score("top", "top") > score("top", "stop"), "prefix");
        assert!(
            score("ng", "next_unrated_g") < score("ng", "ng_x"),
            "prefix"
        );
        assert!(score("ab", "a_b") > score("ab", "a____xb"), "short gaps");
    }

    #[test]
    fn long_texts_do_not_match() {
        let long = "a".repeat(FUZZY_TEXT_MAX + 1);
        assert!(fuzzy("a", &long).is_none());
        assert!(fuzzy("a", &long[..FUZZY_TEXT_MAX]).is_some());
    }

    #[test]
    fn filter_ranks_names_keys_and_descriptions() {
        let cat = catalogue(&Keymap::default());
        let names = |q: &str| {
            filter(&cat, q)
                .into_iter()
                .map(|(e, _)| e.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("undo")[0], "undo");
        assert_eq!(names("rneg")[0], "rate_negative");
        assert_eq!(names("samp")[0], "sample");
        // A key typed exactly finds its command.
        assert_eq!(names("?")[0], "help");
        assert_eq!(names("-")[0], "rate_negative");
        // A description's words find a command whose name does not say them.
        assert!(
            names("editor").contains(&"rate_with_text"),
            "{:?}",
            names("editor")
        );
        assert!(names("zzzz").is_empty());
        // Scattered letters match a name, not a sentence.
        assert!(names("ud").contains(&"undo"));
        assert!(!names("ud").contains(&"redo"), "{:?}", names("ud"));
        assert_eq!(&names("ta")[..2], &["tag", "tags"]);
        assert_eq!(names("").len(), cat.len());
    }

    #[test]
    fn the_catalogue_follows_the_commands_and_the_keymap() {
        let cat = catalogue(&Keymap::default());
        for c in Command::ALL {
            let listed = cat.iter().any(|e| e.run == Run::Key(c));
            let expected = c.context() == Context::Browse && c != Command::Palette;
            assert_eq!(listed, expected, "{c:?}");
        }
        let down = cat.iter().find(|e| e.name == "down").unwrap();
        assert_eq!(down.keys, "j Down");
        for name in ["sample", "tag", "goto", "order"] {
            assert!(cat.iter().any(|e| e.name == name && e.usage.is_some()));
        }
    }

    #[test]
    fn the_digits_name_their_tags() {
        let mut p = Palette::new(&Keymap::default());
        let tags = crate::api::tags::taxonomy(None, &Default::default()).unwrap();
        p.name_tags(&tags);
        let found: Vec<&str> = filter(&p.catalogue, "hallucination")
            .into_iter()
            .map(|(e, _)| e.name)
            .collect();
        assert_eq!(found, vec!["tag_1"]);
    }

    #[test]
    fn split_takes_arguments_only_after_a_command_that_takes_them() {
        assert_eq!(split("sample 50 7"), ("sample", "50 7"));
        assert_eq!(split("  tag  hallucination "), ("tag", "hallucination"));
        assert_eq!(split("rate pos"), ("rate pos", ""));
        assert_eq!(split("sample"), ("sample", ""));
    }

    #[test]
    fn history_keeps_the_last_hundred_once_each_in_a_row() {
        let mut p = Palette::default();
        for i in 0..150 {
            p.remember(&format!("goto ses_{i}"));
            p.remember(&format!("goto ses_{i}"));
        }
        assert_eq!(p.history.len(), HISTORY_MAX);
        assert_eq!(p.history[0], "goto ses_50");
        p.remember("  ");
        assert_eq!(p.history.len(), HISTORY_MAX);
        // The file's commands go before this run's.
        let mut p = Palette::default();
        p.remember("undo");
        p.loaded_from_file(vec!["help".into()]);
        assert_eq!(p.history, vec!["help".to_string(), "undo".to_string()]);
    }

    #[test]
    fn the_history_file_round_trips_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(HISTORY_FILE);
        assert_eq!(read_history(&path), Ok(None));
        let lines: Vec<String> = (0..120).map(|i| format!("sample {i}")).collect();
        write_history(&path, &lines).unwrap();
        let back = read_history(&path).unwrap().unwrap();
        assert_eq!(back.len(), HISTORY_MAX);
        assert_eq!(back[0], "sample 20");
        std::fs::write(&path, b"\xff\xfe not text").unwrap();
        assert!(read_history(&path).is_err());
        std::fs::write(&path, "some other file\nundo\n").unwrap();
        assert!(read_history(&path).is_err());
        std::fs::write(&path, vec![b'a'; 70_000]).unwrap();
        assert!(read_history(&path).is_err());
        // Hostile lines are made safe.
        std::fs::write(&path, format!("{HISTORY_HEADER}\ngoto \u{1b}[31mses\n")).unwrap();
        let back = read_history(&path).unwrap().unwrap();
        assert!(!back[0].contains('\u{1b}'), "{back:?}");
    }
}
