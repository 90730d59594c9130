//! The journal on a thread of its own, and the async calls that reach it there.

use super::{Journal, JournalError};
use crate::sqlite::{ConnectionThread, Serial};
use std::path::Path;

/// The journal on its own thread, so async code never waits on SQLite (or its fsync)
/// on a runtime worker. Cheap to clone; the thread ends when the last clone is dropped,
/// after every call already sent.
#[derive(Clone)]
pub struct JournalHandle {
    thread: Option<ConnectionThread<Serial<Journal>>>,
}

impl JournalHandle {
    /// Opens the journal at `path` and moves it to its own thread.
    pub fn open(path: &Path) -> Result<JournalHandle, JournalError> {
        let journal = Journal::open(path)?;
        Ok(Self::spawn(journal))
    }

    /// Moves an open journal to its own thread.
    pub fn spawn(journal: Journal) -> JournalHandle {
        match ConnectionThread::serial("verdict-journal", journal) {
            Ok(thread) => JournalHandle {
                thread: Some(thread),
            },
            Err(e) => {
                // Without the thread every call answers Closed; say why once.
                tracing::error!("cannot start the journal thread: {e}");
                JournalHandle { thread: None }
            }
        }
    }

    /// Runs `f` on the journal thread and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, JournalError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Journal) -> Result<R, JournalError> + Send + 'static,
    {
        match &self.thread {
            Some(thread) => thread.call(f).await,
            None => Err(JournalError::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::Rating;
    use crate::journal::fixtures::{open, target};

    #[tokio::test]
    async fn calls_run_on_the_journal_thread_in_order() {
        let (_dir, journal) = open();
        let handle = JournalHandle::spawn(journal);
        let thread = handle
            .call(|_| Ok(std::thread::current().name().map(str::to_string)))
            .await
            .unwrap();
        assert_eq!(thread.as_deref(), Some("verdict-journal"));
        let entry = handle
            .call(|j| j.record(&target("m1"), Rating::Positive, None, "ann"))
            .await
            .unwrap();
        let pending = handle
            .call(|j| j.pending("http://127.0.0.1:1", "ns"))
            .await
            .unwrap();
        assert_eq!(pending, vec![entry]);
    }
}
