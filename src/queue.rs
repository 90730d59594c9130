//! The adjudication queue file: the replies reviewers disagreed on, each with every
//! reviewer's judgment. `verdict agree ... --queue FILE` writes it and `verdict --queue
//! FILE` opens the reviewer on just those replies.
//!
//! The file is one JSON document. It may come from anyone, so reading it is bounded in
//! size and item count, checks its kind and version, and makes every string safe for a
//! terminal before anything else sees it.

use crate::api::model::Rating;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the `kind` field of a queue file says.
pub const KIND: &str = "verdict-adjudication-queue";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;
/// The largest queue file read.
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;
/// The most items a queue holds.
pub const MAX_ITEMS: usize = 100_000;
/// The most judgments kept per item (more reviewers than this is not a review team).
pub const MAX_JUDGMENTS: usize = 100;

/// A queue of replies to adjudicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub kind: String,
    pub version: u32,
    /// RFC 3339, when the queue was written.
    pub created_at: String,
    pub items: Vec<QueueItem>,
}

/// One reply the reviewers disagreed on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub base_url: String,
    pub namespace: String,
    pub session_id: String,
    pub message_id: String,
    #[serde(default)]
    pub prompt: Option<String>,
    #[serde(default)]
    pub completion: Option<String>,
    pub judgments: Vec<Judgment>,
}

/// One reviewer's judgment of a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgment {
    pub reviewer: String,
    pub rating: Rating,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub made_at: Option<String>,
}

impl Queue {
    pub fn new(created_at: String, items: Vec<QueueItem>) -> Self {
        Queue {
            kind: KIND.to_string(),
            version: VERSION,
            created_at,
            items,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("Cannot read the queue file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("The queue file {} is {size} bytes, over the {max} a queue may be", path.display(), max = MAX_BYTES)]
    TooLarge { path: PathBuf, size: u64 },
    #[error("The queue file {} is not a verdict queue: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "The queue file {} was written by a newer verdict (version {version}); this one reads version {VERSION}",
        path.display()
    )]
    Newer { path: PathBuf, version: u32 },
}

/// Reads a queue file: bounded, checked, and with every string made safe for a terminal
/// (ids and names on one line, texts keeping their line breaks).
pub fn read(path: &Path) -> Result<Queue, QueueError> {
    use std::io::Read;
    let io = |source| QueueError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_BYTES {
        return Err(QueueError::TooLarge {
            path: path.to_path_buf(),
            size,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // A file that grows while it is read is still cut at the bound.
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(QueueError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    parse(path, &bytes)
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Queue, QueueError> {
    let invalid = |reason: String| QueueError::Invalid {
        path: path.to_path_buf(),
        reason: crate::sanitize::message(&reason, 200),
    };
    // The kind and version first, so that a newer file gets the right sentence rather
    // than a complaint about a field this build does not know.
    #[derive(Deserialize)]
    struct Head {
        kind: Option<String>,
        version: Option<u32>,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    if head.kind.as_deref() != Some(KIND) {
        return Err(invalid(format!("its \"kind\" is not \"{KIND}\"")));
    }
    match head.version {
        Some(VERSION) => {}
        Some(v) if v > VERSION => {
            return Err(QueueError::Newer {
                path: path.to_path_buf(),
                version: v,
            });
        }
        _ => return Err(invalid("its \"version\" is missing or unknown".into())),
    }
    let mut queue: Queue = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    if queue.items.len() > MAX_ITEMS {
        return Err(invalid(format!(
            "it holds {} items, over the {MAX_ITEMS} a queue may hold",
            queue.items.len()
        )));
    }
    for item in &mut queue.items {
        clean_item(item);
    }
    queue.created_at = crate::sanitize::line(&queue.created_at).into_owned();
    Ok(queue)
}

fn clean_item(item: &mut QueueItem) {
    let line = |s: &mut String| *s = crate::sanitize::line(s).into_owned();
    let text = |s: &mut Option<String>| {
        if let Some(t) = s {
            *t = crate::sanitize::text(t).into_owned();
        }
    };
    line(&mut item.base_url);
    line(&mut item.namespace);
    line(&mut item.session_id);
    line(&mut item.message_id);
    text(&mut item.prompt);
    text(&mut item.completion);
    item.judgments.truncate(MAX_JUDGMENTS);
    for j in &mut item.judgments {
        line(&mut j.reviewer);
        for t in &mut j.tags {
            line(t);
        }
        text(&mut j.note);
        if let Some(m) = &mut j.made_at {
            line(m);
        }
    }
}

/// Writes a queue atomically, as a private file.
pub fn write(path: &Path, queue: &Queue) -> std::io::Result<()> {
    // Compact: `sanitize::json` escapes every control character, and a pretty document's
    // line breaks between fields would be escaped into invalid JSON.
    let json = serde_json::to_string(queue).map_err(std::io::Error::other)?;
    let mut bytes = crate::sanitize::json(&json).into_owned().into_bytes();
    bytes.push(b'\n');
    crate::fs::write_file_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> QueueItem {
        QueueItem {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "ns".into(),
            session_id: "ses_a".into(),
            message_id: "m1".into(),
            prompt: Some("hi".into()),
            completion: Some("hello\n\u{1b}[31mred".into()),
            judgments: vec![
                Judgment {
                    reviewer: "ann".into(),
                    rating: Rating::Positive,
                    tags: vec![],
                    note: None,
                    made_at: None,
                },
                Judgment {
                    reviewer: "bo\u{7}b".into(),
                    rating: Rating::Negative,
                    tags: vec!["hallucination".into()],
                    note: Some("made up".into()),
                    made_at: Some("2026-11-30T00:00:00Z".into()),
                },
            ],
        }
    }

    #[test]
    fn a_written_queue_reads_back_with_its_strings_made_safe() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.json");
        write(
            &path,
            &Queue::new("2026-11-30T00:00:00Z".into(), vec![item()]),
        )
        .unwrap();
        let q = read(&path).unwrap();
        assert_eq!(q.items.len(), 1);
        let it = &q.items[0];
        assert_eq!(it.completion.as_deref(), Some("hello\n\u{fffd}[31mred"));
        assert_eq!(it.judgments[1].reviewer, "bo\u{fffd}b");
        assert_eq!(it.judgments[1].tags, vec!["hallucination".to_string()]);
    }

    #[test]
    fn wrong_kind_newer_version_and_junk_are_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.json");
        std::fs::write(
            &path,
            r#"{"kind":"other","version":1,"created_at":"","items":[]}"#,
        )
        .unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(
            e.contains("not a verdict queue") && e.contains("q.json"),
            "{e}"
        );
        std::fs::write(
            &path,
            format!(r#"{{"kind":"{KIND}","version":9,"items":7}}"#),
        )
        .unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("newer verdict"), "{e}");
        std::fs::write(&path, "not json \u{1b}]0;x\u{7}").unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(!e.chars().any(crate::sanitize::is_unsafe), "{e:?}");
        let e = read(&dir.path().join("none.json")).unwrap_err().to_string();
        assert!(e.contains("none.json"), "{e}");
    }
}
