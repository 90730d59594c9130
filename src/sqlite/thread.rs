//! A thread that owns a connection and runs the work sent to it, in order, a batch at a time.

use super::SqliteError;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

/// What a [`ConnectionThread`] owns (its connection, and whatever goes with it) and how
/// it runs the jobs sent to it.
pub trait Owner: Sized + Send + 'static {
    type Job: Send + 'static;

    /// Runs jobs in the order they were sent: one job, and up to the thread's batch size
    /// less one more that were already waiting. Group commit runs them in one transaction.
    fn run(&mut self, jobs: Vec<Self::Job>);

    /// Runs after the last job, just before the thread ends.
    fn finish(self) {}
}

enum Message<J> {
    Job(J),
    Stop,
}

struct Inner<J> {
    name: String,
    jobs: mpsc::Sender<Message<J>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// The handle of a thread that owns an [`Owner`]. Cheap to clone. The thread ends after
/// [`ConnectionThread::stop`], or once every handle is dropped; either way it first runs
/// every job already sent, so none is left without an answer.
pub struct ConnectionThread<O: Owner> {
    inner: Arc<Inner<O::Job>>,
}

impl<O: Owner> Clone for ConnectionThread<O> {
    fn clone(&self) -> Self {
        ConnectionThread {
            inner: self.inner.clone(),
        }
    }
}

impl<O: Owner> ConnectionThread<O> {
    /// Starts the thread `name`, owning `owner`. It takes up to `max_batch` waiting jobs
    /// at a time (1 runs each job by itself).
    pub fn spawn(name: &str, owner: O, max_batch: usize) -> Result<Self, SqliteError> {
        let (jobs, rx) = mpsc::channel();
        let max_batch = max_batch.max(1);
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                crate::priority::background();
                run_loop(owner, &rx, max_batch)
            })
            .map_err(|source| SqliteError::Thread {
                name: name.to_string(),
                source,
            })?;
        Ok(ConnectionThread {
            inner: Arc::new(Inner {
                name: name.to_string(),
                jobs,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// Queues `job`; [`SqliteError::Closed`] once the thread has ended.
    pub fn send(&self, job: O::Job) -> Result<(), SqliteError> {
        self.inner
            .jobs
            .send(Message::Job(job))
            .map_err(|_| SqliteError::Closed)
    }

    /// Asks the thread to end once it has run the jobs sent before this.
    pub fn stop(&self) {
        let _ = self.inner.jobs.send(Message::Stop);
    }

    /// Waits for the thread to end (after [`ConnectionThread::stop`]). Blocks, so an async
    /// caller runs it with `spawn_blocking`. Later calls, from any clone, return at once.
    pub fn join(&self) {
        let thread = self.inner.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the database thread {} panicked", self.inner.name);
        }
    }
}

fn run_loop<O: Owner>(mut owner: O, rx: &mpsc::Receiver<Message<O::Job>>, max_batch: usize) {
    let mut stop = false;
    while !stop {
        let first = match rx.recv() {
            Ok(Message::Job(job)) => job,
            Ok(Message::Stop) | Err(_) => break,
        };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(Message::Job(job)) => batch.push(job),
                Ok(Message::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        owner.run(batch);
    }
    // Jobs queued after Stop still get an answer rather than hanging.
    while let Ok(message) = rx.try_recv() {
        if let Message::Job(job) = message {
            owner.run(vec![job]);
        }
    }
    owner.finish();
}

/// A job for [`Serial`]: work on what the thread owns.
pub type Call<S> = Box<dyn FnOnce(&mut S) + Send>;

/// An owner that runs each call by itself, in order: a single writer, such as the journal's.
pub struct Serial<S>(pub S);

impl<S: Send + 'static> Owner for Serial<S> {
    type Job = Call<S>;

    fn run(&mut self, jobs: Vec<Call<S>>) {
        for job in jobs {
            job(&mut self.0);
        }
    }
}

impl<S: Send + 'static> ConnectionThread<Serial<S>> {
    /// Starts the thread `name`, owning `state`, which runs calls one at a time.
    pub fn serial(name: &str, state: S) -> Result<Self, SqliteError> {
        Self::spawn(name, Serial(state), 1)
    }

    /// Runs `f` on the thread and returns its answer. An error that the thread has ended
    /// comes back as `E::from(SqliteError::Closed)`.
    pub async fn call<R, E, F>(&self, f: F) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<SqliteError> + Send + 'static,
        F: FnOnce(&mut S) -> Result<R, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Box::new(move |state| {
            let _ = tx.send(f(state));
        }))?;
        rx.await.map_err(|_| E::from(SqliteError::Closed))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the size of every batch it runs; each job is a number to add.
    struct Recorder {
        batches: Vec<usize>,
        sum: u64,
        done: mpsc::Sender<(Vec<usize>, u64)>,
    }

    enum Job {
        Add(u64),
        Wait(mpsc::Receiver<()>),
    }

    impl Owner for Recorder {
        type Job = Job;
        fn run(&mut self, jobs: Vec<Job>) {
            self.batches.push(jobs.len());
            for job in jobs {
                match job {
                    Job::Add(n) => self.sum += n,
                    Job::Wait(rx) => {
                        let _ = rx.recv();
                    }
                }
            }
        }
        fn finish(self) {
            let _ = self.done.send((self.batches, self.sum));
        }
    }

    fn recorder() -> (Recorder, mpsc::Receiver<(Vec<usize>, u64)>) {
        let (done, rx) = mpsc::channel();
        let owner = Recorder {
            batches: Vec::new(),
            sum: 0,
            done,
        };
        (owner, rx)
    }

    #[test]
    fn waiting_jobs_run_together_up_to_the_batch_size() {
        let (owner, done) = recorder();
        let thread = ConnectionThread::spawn("test-batches", owner, 4).unwrap();
        let (release, wait) = mpsc::channel();
        thread.send(Job::Wait(wait)).unwrap();
        for n in 1..=6 {
            thread.send(Job::Add(n)).unwrap();
        }
        release.send(()).unwrap();
        thread.stop();
        thread.join();
        let (batches, sum) = done.recv().unwrap();
        assert_eq!(sum, 21);
        assert_eq!(batches.iter().sum::<usize>(), 7);
        assert!(batches.iter().all(|&b| b <= 4), "{batches:?}");
        assert!(batches.len() >= 2, "{batches:?}");
    }

    #[test]
    fn jobs_sent_before_stop_run_and_later_ones_are_refused() {
        let (owner, done) = recorder();
        let thread = ConnectionThread::spawn("test-stop", owner, 8).unwrap();
        let (release, wait) = mpsc::channel();
        thread.send(Job::Wait(wait)).unwrap();
        thread.send(Job::Add(5)).unwrap();
        thread.stop();
        thread.send(Job::Add(7)).unwrap();
        release.send(()).unwrap();
        thread.join();
        thread.join();
        let (_, sum) = done.recv().unwrap();
        assert_eq!(sum, 12, "a job queued just after stop still runs");
        assert!(matches!(thread.send(Job::Add(1)), Err(SqliteError::Closed)));
    }

    #[test]
    fn dropping_every_handle_ends_the_thread_after_its_jobs() {
        let (owner, done) = recorder();
        let thread = ConnectionThread::spawn("test-drop", owner, 1).unwrap();
        let other = thread.clone();
        thread.send(Job::Add(2)).unwrap();
        drop(thread);
        other.send(Job::Add(3)).unwrap();
        drop(other);
        let (batches, sum) = done.recv().unwrap();
        assert_eq!((batches, sum), (vec![1, 1], 5));
    }

    #[derive(Debug, PartialEq)]
    enum CallError {
        Closed,
        Refused(&'static str),
    }

    impl From<SqliteError> for CallError {
        fn from(_: SqliteError) -> Self {
            CallError::Closed
        }
    }

    #[tokio::test]
    async fn calls_answer_in_order_and_closed_after_stop() {
        let thread = ConnectionThread::serial("test-serial", Vec::<u32>::new()).unwrap();
        for n in 0..3 {
            let len = thread
                .call(move |v: &mut Vec<u32>| {
                    v.push(n);
                    Ok::<_, CallError>(v.len())
                })
                .await
                .unwrap();
            assert_eq!(len, n as usize + 1);
        }
        let refused = thread
            .call(|_: &mut Vec<u32>| Err::<(), _>(CallError::Refused("no")))
            .await;
        assert_eq!(refused, Err(CallError::Refused("no")));
        thread.stop();
        let joiner = thread.clone();
        tokio::task::spawn_blocking(move || joiner.join())
            .await
            .unwrap();
        let after = thread.call(|v: &mut Vec<u32>| Ok(v.len())).await;
        assert_eq!(after, Err(CallError::Closed));
    }

    /// The journal's shape: a store that owns its connection, opened and migrated, then
    /// moved to a serial thread; each call gets `&mut` for a transaction of its own.
    #[tokio::test]
    async fn a_single_writer_owns_its_connection_like_the_journal() {
        use crate::sqlite::{Options, migrate, open};

        struct Store {
            conn: rusqlite::Connection,
        }

        #[derive(Debug)]
        enum StoreError {
            // Read only through Debug, when a call fails.
            #[allow(dead_code)]
            Sqlite(rusqlite::Error),
            Database(SqliteError),
        }

        impl From<SqliteError> for StoreError {
            fn from(e: SqliteError) -> Self {
                StoreError::Database(e)
            }
        }

        impl From<rusqlite::Error> for StoreError {
            fn from(e: rusqlite::Error) -> Self {
                StoreError::Sqlite(e)
            }
        }

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let conn = open(&path, &Options::default()).unwrap();
        migrate(
            &conn,
            &path,
            &["CREATE TABLE ratings (id INTEGER PRIMARY KEY, note TEXT);"],
        )
        .unwrap();
        let thread = ConnectionThread::serial("test-journal", Store { conn }).unwrap();
        for note in ["good", "bad"] {
            thread
                .call(move |s: &mut Store| {
                    let tx = s.conn.transaction()?;
                    tx.execute("INSERT INTO ratings (note) VALUES (?1)", [note])?;
                    tx.commit()?;
                    Ok::<_, StoreError>(())
                })
                .await
                .unwrap();
        }
        // Committed before the call answered: another connection sees both at once.
        let other = open(&path, &Options::default()).unwrap();
        let n: i64 = other
            .query_row("SELECT count(*) FROM ratings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        drop(thread);
        let closed =
            ConnectionThread::<Serial<Store>>::serial("test-journal-2", Store { conn: other })
                .unwrap();
        closed.stop();
        let joiner = closed.clone();
        tokio::task::spawn_blocking(move || joiner.join())
            .await
            .unwrap();
        let after = closed.call(|_: &mut Store| Ok::<_, StoreError>(())).await;
        assert!(matches!(
            after,
            Err(StoreError::Database(SqliteError::Closed))
        ));
    }
}
