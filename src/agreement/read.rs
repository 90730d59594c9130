//! Reading the reviewers' ratings: `verdict export` JSONL files and journal databases.
//!
//! A file may come from anyone: lines are bounded in length, rows in number, every
//! string is made safe for a terminal as it is read, and a line that cannot be read is
//! skipped and counted instead of stopping the whole.

use crate::api::model::Rating;
use crate::journal::{ExportRow, Journal};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// The longest line read; a longer one is skipped and counted.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// The most rows read over all files.
pub const MAX_ROWS: u64 = 10_000_000;
/// The most reviewers told apart; rows of further reviewers are skipped and counted.
pub const MAX_REVIEWERS: usize = crate::queue::MAX_JUDGMENTS;
/// The most tags kept of one rating, and the longest tag.
pub const MAX_TAGS_PER_RATING: usize = 64;
pub const MAX_TAG_CHARS: usize = 100;
/// The longest reviewer name kept.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest note, prompt or completion kept (the contract's feedback text is 10,000).
pub const MAX_TEXT_CHARS: usize = 100_000;

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Which reply a rating is of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplyKey {
    pub base_url: String,
    pub namespace: String,
    pub session_id: String,
    pub message_id: String,
}

/// One reviewer's latest judgment of a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgment {
    pub rating: Rating,
    /// Sorted, without repeats.
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub made_at: String,
}

/// A rated reply, its exchange when a file carried it, and every reviewer's judgment.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub key: ReplyKey,
    pub prompt: Option<String>,
    pub completion: Option<String>,
    /// `(reviewer index, judgment)`, at most one per reviewer.
    pub judgments: Vec<(usize, Judgment)>,
}

/// A reviewer: a name as the files carry it, and the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewer {
    pub name: String,
    pub file: PathBuf,
    /// The name, or `name (file)` when another file carries the same name.
    pub label: String,
}

/// What one file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    pub path: PathBuf,
    pub rows: u64,
    pub skipped: u64,
}

/// Everything read from the files.
#[derive(Debug, Default)]
pub struct Ratings {
    pub reviewers: Vec<Reviewer>,
    pub replies: Vec<Reply>,
    pub files: Vec<FileSummary>,
    /// Sentences about the input worth telling (same names in two files, caps reached).
    pub notes: Vec<String>,
    index: HashMap<ReplyKey, usize>,
    reviewer_index: HashMap<(usize, String), usize>,
    rows: u64,
    dropped_reviewers: u64,
    last_reviewer: Option<(usize, usize)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("Cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot read the journal {}: {reason}", path.display())]
    Journal { path: PathBuf, reason: String },
    #[error(
        "{} is CSV without the columns of a verdict export (rating, session_id, message_id)",
        path.display()
    )]
    Csv { path: PathBuf },
    #[error("The files hold more than {MAX_ROWS} rows; agree reads at most that many")]
    TooManyRows,
}

/// One row as read, before it is placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: ReplyKey,
    pub reviewer: String,
    pub judgment: Judgment,
    pub prompt: Option<String>,
    pub completion: Option<String>,
}

/// One line of a JSONL export. Unknown fields are ignored; `tags` may be absent. Strings
/// borrow from the line where they hold no escapes, so a line costs few allocations.
#[derive(serde::Deserialize)]
pub(super) struct ExportLine<'a> {
    #[serde(borrow)]
    pub(super) rating: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) session_id: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) message_id: Cow<'a, str>,
    #[serde(default, borrow)]
    pub(super) reviewer: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(super) made_at: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(super) latest: Option<bool>,
    #[serde(default, borrow)]
    pub(super) namespace: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(super) base_url: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(super) feedback_text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(super) prompt: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(super) completion: Option<Cow<'a, str>>,
    #[serde(default)]
    pub(super) tags: Option<Vec<String>>,
}

/// Reads every file in turn.
pub fn read_files(paths: &[PathBuf]) -> Result<Ratings, ReadError> {
    let mut ratings = Ratings::default();
    for (i, path) in paths.iter().enumerate() {
        ratings.read_file(i, path)?;
    }
    ratings.finish(paths);
    Ok(ratings)
}

fn line_text(s: &str) -> String {
    crate::sanitize::line(s).into_owned()
}

fn bounded_text(s: Option<&str>) -> Option<String> {
    let s = s?.trim();
    if s.is_empty() {
        return None;
    }
    let head = match s.char_indices().nth(MAX_TEXT_CHARS) {
        Some((end, _)) => &s[..end],
        None => s,
    };
    Some(crate::sanitize::text(head).into_owned())
}

/// The tags of a rating: safe, bounded, trimmed, sorted, each once.
pub fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags
        .iter()
        .map(|t| crate::sanitize::message(t, MAX_TAG_CHARS))
        .filter(|t| !t.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out.truncate(MAX_TAGS_PER_RATING);
    out
}

impl ExportLine<'_> {
    fn into_row(self) -> Option<Row> {
        let rating = Rating::parse(self.rating.trim())?;
        if self.session_id.is_empty() || self.message_id.is_empty() {
            return None;
        }
        Some(Row {
            key: ReplyKey {
                base_url: line_text(self.base_url.as_deref().unwrap_or("")),
                namespace: line_text(self.namespace.as_deref().unwrap_or("")),
                session_id: line_text(&self.session_id),
                message_id: line_text(&self.message_id),
            },
            reviewer: crate::sanitize::message(
                self.reviewer.as_deref().unwrap_or(""),
                MAX_NAME_CHARS,
            ),
            judgment: Judgment {
                rating,
                tags: clean_tags(self.tags.as_deref().unwrap_or(&[])),
                note: bounded_text(self.feedback_text.as_deref()),
                made_at: crate::sanitize::message(self.made_at.as_deref().unwrap_or(""), 64),
            },
            prompt: bounded_text(self.prompt.as_deref()),
            completion: bounded_text(self.completion.as_deref()),
        })
    }
}

fn journal_row(row: ExportRow) -> Row {
    let e = row.entry;
    let x = row.exchange;
    Row {
        key: ReplyKey {
            base_url: line_text(&e.target.base_url),
            namespace: line_text(&e.target.namespace),
            session_id: line_text(&e.target.session_id),
            message_id: line_text(&e.target.message_id),
        },
        reviewer: crate::sanitize::message(&e.reviewer, MAX_NAME_CHARS),
        judgment: Judgment {
            rating: e.rating,
            tags: Vec::new(),
            note: bounded_text(e.text.as_deref()),
            made_at: crate::sanitize::message(&e.made_at, 64),
        },
        prompt: x.as_ref().and_then(|x| bounded_text(x.prompt.as_deref())),
        completion: x.as_ref().and_then(|x| bounded_text(Some(&x.completion))),
    }
}

/// One line of at most `max` bytes into `buf`: `Some(true)` read, `Some(false)` too long
/// (skipped to its end), `None` at the end of input.
pub fn read_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut any = false;
    let mut fits = true;
    loop {
        let available = r.fill_buf()?;
        if available.is_empty() {
            return Ok(any.then_some(fits));
        }
        any = true;
        let (chunk, used, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        if fits && buf.len() + chunk.len() <= max {
            buf.extend_from_slice(chunk);
        } else {
            fits = false;
            buf.clear();
        }
        r.consume(used);
        if done {
            return Ok(Some(fits));
        }
    }
}

impl Ratings {
    fn read_file(&mut self, file: usize, path: &Path) -> Result<(), ReadError> {
        let io = |source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let f = std::fs::File::open(path).map_err(io)?;
        if f.metadata().map_err(io)?.is_dir() {
            return Err(io(std::io::Error::other("it is a directory")));
        }
        let mut head = Vec::with_capacity(SQLITE_MAGIC.len());
        (&f).take(SQLITE_MAGIC.len() as u64)
            .read_to_end(&mut head)
            .map_err(io)?;
        let mut summary = FileSummary {
            path: path.to_path_buf(),
            rows: 0,
            skipped: 0,
        };
        if head == SQLITE_MAGIC {
            drop(f);
            self.read_journal(file, path, &mut summary)?;
        } else {
            let csv = head.starts_with(b"session_id,");
            let mut reader =
                std::io::BufReader::with_capacity(256 * 1024, std::io::Cursor::new(head).chain(f));
            if csv {
                self.read_csv(file, path, &mut reader, &mut summary)?;
                self.files.push(summary);
                return Ok(());
            }
            let mut buf = Vec::new();
            while let Some(fits) = read_line(&mut reader, &mut buf, MAX_LINE_BYTES).map_err(io)? {
                let line = buf.trim_ascii();
                if fits && line.is_empty() {
                    continue;
                }
                self.count_row()?;
                let parsed = fits
                    .then(|| serde_json::from_slice::<ExportLine>(line).ok())
                    .flatten();
                match parsed {
                    // A superseded rating is not the reviewer's word any more.
                    Some(line) if line.latest == Some(false) => {}
                    Some(line) => match line.into_row() {
                        Some(row) => {
                            summary.rows += 1;
                            self.place(file, path, row);
                        }
                        None => summary.skipped += 1,
                    },
                    None => summary.skipped += 1,
                }
            }
        }
        self.files.push(summary);
        Ok(())
    }

    fn read_csv(
        &mut self,
        file: usize,
        path: &Path,
        reader: &mut impl BufRead,
        summary: &mut FileSummary,
    ) -> Result<(), ReadError> {
        let io = |source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let header = super::csv::read_record(reader, MAX_LINE_BYTES)
            .map_err(io)?
            .flatten()
            .and_then(|names| super::csv::Header::of(&names));
        let Some(header) = header else {
            return Err(ReadError::Csv {
                path: path.to_path_buf(),
            });
        };
        while let Some(record) = super::csv::read_record(reader, MAX_LINE_BYTES).map_err(io)? {
            if record
                .as_ref()
                .is_some_and(|f| f.len() == 1 && f[0].is_empty())
            {
                continue;
            }
            self.count_row()?;
            match record.and_then(|fields| header.line(&fields)) {
                Some(line) if line.latest == Some(false) => {}
                Some(line) => match line.into_row() {
                    Some(row) => {
                        summary.rows += 1;
                        self.place(file, path, row);
                    }
                    None => summary.skipped += 1,
                },
                None => summary.skipped += 1,
            }
        }
        Ok(())
    }

    fn read_journal(
        &mut self,
        file: usize,
        path: &Path,
        summary: &mut FileSummary,
    ) -> Result<(), ReadError> {
        let (rows, unreadable) = Journal::salvage(path, None).map_err(|e| ReadError::Journal {
            path: path.to_path_buf(),
            reason: crate::sanitize::message(&e.to_string(), 300),
        })?;
        summary.skipped += unreadable;
        for row in rows {
            self.count_row()?;
            summary.rows += 1;
            self.place(file, path, journal_row(row));
        }
        Ok(())
    }

    fn count_row(&mut self) -> Result<(), ReadError> {
        self.rows += 1;
        if self.rows > MAX_ROWS {
            return Err(ReadError::TooManyRows);
        }
        Ok(())
    }

    /// Files a row under its reply and reviewer, keeping each reviewer's latest judgment.
    /// `file` numbers the input the row came from; the same name in two files is two
    /// reviewers.
    pub fn place(&mut self, file: usize, path: &Path, mut row: Row) {
        if row.reviewer.is_empty() {
            row.reviewer = "unnamed".to_string();
        }
        // Rows of one file are mostly one reviewer's: the last one found is tried first.
        let last = self
            .last_reviewer
            .filter(|&(f, r)| f == file && self.reviewers[r].name == row.reviewer);
        let reviewer = match last.map(|(_, r)| r).or_else(|| {
            self.reviewer_index
                .get(&(file, row.reviewer.clone()))
                .copied()
        }) {
            Some(r) => r,
            None if self.reviewers.len() >= MAX_REVIEWERS => {
                self.dropped_reviewers += 1;
                return;
            }
            None => {
                let r = self.reviewers.len();
                self.reviewers.push(Reviewer {
                    name: row.reviewer.clone(),
                    file: path.to_path_buf(),
                    label: row.reviewer.clone(),
                });
                self.reviewer_index.insert((file, row.reviewer), r);
                r
            }
        };
        self.last_reviewer = Some((file, reviewer));
        let at = match self.index.get(&row.key) {
            Some(&at) => at,
            None => {
                let at = self.replies.len();
                self.index.insert(row.key.clone(), at);
                self.replies.push(Reply {
                    key: row.key,
                    prompt: None,
                    completion: None,
                    judgments: Vec::new(),
                });
                at
            }
        };
        let reply = &mut self.replies[at];
        if reply.prompt.is_none() {
            reply.prompt = row.prompt;
        }
        if reply.completion.is_none() {
            reply.completion = row.completion;
        }
        match reply.judgments.iter_mut().find(|(r, _)| *r == reviewer) {
            // The later of two (ties: the later row, as the journal and export order them).
            Some((_, j)) if j.made_at <= row.judgment.made_at => *j = row.judgment,
            Some(_) => {}
            None => reply.judgments.push((reviewer, row.judgment)),
        }
    }

    /// Labels for names carried by more than one file, and the notes to tell; called
    /// once every row is placed.
    pub fn finish(&mut self, paths: &[PathBuf]) {
        let mut files_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, r) in self.reviewers.iter().enumerate() {
            files_of.entry(r.name.as_str()).or_default().push(i);
        }
        let mut labels = Vec::new();
        let mut notes = Vec::new();
        for (name, at) in files_of.iter().filter(|(_, at)| at.len() > 1) {
            notes.push(format!(
                "The name {name:?} is in {} files; they are kept apart by file.",
                at.len()
            ));
            for &i in at {
                labels.push((
                    i,
                    format!("{name} ({})", file_label(&self.reviewers[i].file, paths)),
                ));
            }
        }
        for (i, label) in labels {
            self.reviewers[i].label = label;
        }
        notes.sort();
        if self.dropped_reviewers > 0 {
            notes.push(format!(
                "More than {MAX_REVIEWERS} reviewers: {} rating(s) of further reviewers were left out.",
                self.dropped_reviewers
            ));
        }
        self.notes.extend(notes);
    }
}

/// The file's name, or its whole path when another file has the same name.
fn file_label(file: &Path, paths: &[PathBuf]) -> String {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let same = paths
        .iter()
        .filter(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()) == name)
        .count();
    match name {
        Some(n) if same <= 1 => crate::sanitize::line(&n).into_owned(),
        _ => crate::sanitize::line(&file.display().to_string()).into_owned(),
    }
}
