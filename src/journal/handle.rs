//! The journal on a thread of its own, and the async calls that reach it there.

use super::{Journal, JournalError};
use std::path::Path;

/// The journal on its own thread, so async code never waits on SQLite (or its fsync)
/// on a runtime worker. Cheap to clone; the thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct JournalHandle {
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut Journal) + Send>;

impl JournalHandle {
    /// Opens the journal at `path` and moves it to its own thread.
    pub fn open(path: &Path) -> Result<JournalHandle, JournalError> {
        let journal = Journal::open(path)?;
        Ok(Self::spawn(journal))
    }

    /// Moves an open journal to its own thread.
    pub fn spawn(mut journal: Journal) -> JournalHandle {
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("verdict-journal".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    job(&mut journal);
                }
            });
        if let Err(e) = spawned {
            // Without the thread every call answers Closed; say why once.
            tracing::error!("cannot start the journal thread: {e}");
        }
        JournalHandle { jobs }
    }

    /// Runs `f` on the journal thread and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, JournalError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Journal) -> Result<R, JournalError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |journal| {
            let _ = tx.send(f(journal));
        });
        self.jobs.send(job).map_err(|_| JournalError::Closed)?;
        rx.await.map_err(|_| JournalError::Closed)?
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
