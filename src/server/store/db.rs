//! The server's connections: one group-commit writer, reader threads, and checkpoints off the commit path.

use super::StoreError;
use super::schema::MIGRATIONS;
use crate::sqlite::{self, ConnectionThread, Owner};
use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The most writes committed together in one transaction.
const MAX_BATCH: usize = 512;

/// Every request runs one of a few queries, so the server's connections keep more
/// statements compiled than the default, plans included.
const OPTIONS: sqlite::Options = sqlite::Options {
    busy_timeout: Duration::from_secs(10),
    statement_cache: 64,
    stable_plans: true,
    page_cache_kib: None,
};

/// The readers' connections also keep up to 32 MiB of pages each (SQLite's default is 2
/// MiB): a list of 100,000 sessions read page after page otherwise went to the OS for
/// every table page it touched, half of a page's time in `read()`.
const READER_OPTIONS: sqlite::Options = sqlite::Options {
    page_cache_kib: Some(32 * 1024),
    ..OPTIONS
};

/// Opens the database read-write, creating it and applying every migration it lacks.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = sqlite::open(path, &OPTIONS)?;
    sqlite::migrate(&conn, path, MIGRATIONS)?;
    // A bulk load that stopped before its end left rows out of the search index.
    super::catch_up_indexing(&conn)?;
    Ok(conn)
}

// ---------------------------------------------------------------- the server's handle: writer + readers

type Finish = Box<dyn FnOnce(Option<StoreError>) + Send>;
type WriteJob = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

type ReadJob = Box<dyn FnOnce(Option<&Connection>) + Send>;

enum ReaderMsg {
    Job(ReadJob),
    Stop,
}

struct DbInner {
    writer: ConnectionThread<Writer>,
    readers: mpsc::Sender<ReaderMsg>,
    reader_threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    reader_count: usize,
}

/// The server's database: one writer thread that commits queued writes together, and a
/// few reader threads, each with its own read-only connection, taking reads from one queue.
/// Under load the threads run from job to job without a wake-up per request.
#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<DbInner>,
}

impl Db {
    pub(crate) fn open(path: &Path) -> Result<Db, StoreError> {
        let conn = open(path)?;
        let checkpointer = Checkpointer::start(path, &conn)?;
        let writer = ConnectionThread::spawn(
            "verdict-db-writer",
            Writer { conn, checkpointer },
            MAX_BATCH,
        )?;
        let spawn_error =
            |e: std::io::Error| StoreError::Task(format!("cannot start a database thread: {e}"));
        // One reader per core: reads are CPU work (rows to JSON), and more threads than
        // cores would only take turns.
        let reader_count = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2);
        let (reader_tx, reader_rx) = mpsc::channel::<ReaderMsg>();
        let reader_rx = Arc::new(Mutex::new(reader_rx));
        let mut reader_threads = Vec::with_capacity(reader_count);
        for i in 0..reader_count {
            let rx = reader_rx.clone();
            let path = path.to_path_buf();
            reader_threads.push(
                std::thread::Builder::new()
                    .name(format!("verdict-db-reader-{i}"))
                    .spawn(move || {
                        crate::priority::background();
                        reader_loop(&path, &rx)
                    })
                    .map_err(spawn_error)?,
            );
        }
        Ok(Db {
            inner: Arc::new(DbInner {
                writer,
                readers: reader_tx,
                reader_threads: Mutex::new(reader_threads),
                reader_count,
            }),
        })
    }

    /// Runs `f` on one of the reader threads' read-only connections.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => f(conn),
                None => Err(StoreError::Task(
                    "the database could not be opened for reading".to_string(),
                )),
            };
            let _ = tx.send(result);
        });
        self.inner
            .readers
            .send(ReaderMsg::Job(job))
            .map_err(|_| sqlite::SqliteError::Closed)?;
        rx.await
            .map_err(|_| StoreError::Task("a database read was abandoned".to_string()))?
    }

    /// Queues `f` for the writer; it runs inside a transaction shared with other queued
    /// writes, and this returns only after that transaction is committed.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |commit_error| {
                let _ = tx.send(match commit_error {
                    Some(e) => Err(e),
                    None => result,
                });
            });
            (ok, finish)
        });
        self.inner.writer.send(job)?;
        rx.await
            .map_err(|_| StoreError::Commit("the write was abandoned".to_string()))?
    }

    /// Commits what is queued, stops the database threads and waits for them.
    pub(crate) async fn close(&self) {
        self.inner.writer.stop();
        for _ in 0..self.inner.reader_count {
            let _ = self.inner.readers.send(ReaderMsg::Stop);
        }
        let writer = self.inner.writer.clone();
        let readers = self
            .inner
            .reader_threads
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        let _ = tokio::task::spawn_blocking(move || {
            writer.join();
            for t in readers {
                let _ = t.join();
            }
        })
        .await;
    }
}

fn reader_loop(path: &Path, rx: &Mutex<mpsc::Receiver<ReaderMsg>>) {
    let mut conn: Option<Connection> = None;
    loop {
        // Only one idle reader waits in recv; the others wait for the lock. Either way
        // the next job goes to a free thread.
        let msg = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let job = match msg {
            Ok(ReaderMsg::Job(job)) => job,
            Ok(ReaderMsg::Stop) | Err(_) => return,
        };
        if conn.is_none() {
            match sqlite::open_reader(path, &READER_OPTIONS) {
                Ok(c) => conn = Some(c),
                Err(e) => tracing::error!("cannot open a read connection: {e}"),
            }
        }
        job(conn.as_ref());
    }
}

/// The writer thread's connection, and the checkpointer it hands committed pages to.
struct Writer {
    conn: Connection,
    checkpointer: Checkpointer,
}

impl Owner for Writer {
    type Job = WriteJob;

    fn run(&mut self, jobs: Vec<WriteJob>) {
        run_batch(&self.conn, jobs);
        self.checkpointer.after_commit(&self.conn);
    }

    fn finish(self) {
        self.checkpointer.stop();
    }
}

fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn run_batch(conn: &Connection, batch: Vec<WriteJob>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // Dropping the jobs drops their reply channels: each caller gets an error, none a 200.
        tracing::error!("cannot begin a write transaction: {e}");
        drop(batch);
        return;
    }
    let mut finishes = Vec::with_capacity(batch.len());
    for job in batch {
        // A savepoint per job: one failed write is undone without failing its neighbours.
        if let Err(e) = run_cached(conn, "SAVEPOINT job") {
            tracing::error!("cannot open a savepoint: {e}");
            drop(job);
            continue;
        }
        let (ok, finish) = job(conn);
        let end = if ok {
            run_cached(conn, "RELEASE job")
        } else {
            run_cached(conn, "ROLLBACK TO job").and_then(|()| run_cached(conn, "RELEASE job"))
        };
        finishes.push((finish, end.err().map(|e| e.to_string())));
    }
    let commit = conn.execute_batch("COMMIT");
    if let Err(e) = &commit {
        tracing::error!("a write transaction failed to commit: {e}");
        let _ = conn.execute_batch("ROLLBACK");
    }
    for (finish, job_error) in finishes {
        let error = match (&commit, job_error) {
            (Err(e), _) => Some(StoreError::Commit(e.to_string())),
            (Ok(()), Some(e)) => Some(StoreError::Commit(e)),
            (Ok(()), None) => None,
        };
        finish(error);
    }
}

// ---------------------------------------------------------------- checkpoints off the commit path

/// WAL pages beyond which the writer finishes a checkpoint itself, so the log starts over
/// instead of growing while commits never pause.
const WAL_RESTART_PAGES: i64 = 4096;
/// The least time between background checkpoints, so each copies many commits at once.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(20);

#[derive(Default)]
struct CheckpointState {
    committed: bool,
    stop: bool,
}

/// Copies committed pages from the WAL into the database file on its own thread and
/// connection, so no commit waits for that copy or its fsync (SQLite would otherwise
/// run it inside every thousandth-page commit).
struct Checkpointer {
    state: Arc<(Mutex<CheckpointState>, std::sync::Condvar)>,
    /// Set when the WAL is long: the writer then completes a checkpoint between batches.
    restart: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// `PRAGMA wal_checkpoint(PASSIVE)`: (pages in the WAL, pages copied), never waiting on anyone.
fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

impl Checkpointer {
    /// Takes automatic checkpoints away from `writer` and starts the checkpoint thread.
    fn start(path: &Path, writer: &Connection) -> Result<Checkpointer, StoreError> {
        let conn = sqlite::open(path, &OPTIONS)?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let state = Arc::new((
            Mutex::new(CheckpointState::default()),
            std::sync::Condvar::new(),
        ));
        let restart = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, r) = (state.clone(), restart.clone());
        let thread = std::thread::Builder::new()
            .name("verdict-db-checkpoint".to_string())
            .spawn(move || {
                crate::priority::background();
                checkpoint_loop(&conn, &s, &r)
            })
            .map_err(|e| StoreError::Task(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            state,
            restart,
            thread: Some(thread),
        })
    }

    /// Called by the writer between batches.
    fn after_commit(&self, writer: &Connection) {
        use std::sync::atomic::Ordering;
        if self.restart.load(Ordering::Relaxed) {
            // Most pages are copied already, so this finishes the tail; the next write then
            // starts the WAL from its beginning.
            match checkpoint(writer) {
                Ok((log, copied)) if copied >= log => self.restart.store(false, Ordering::Relaxed),
                Ok(_) => {}
                Err(e) => tracing::warn!("a checkpoint by the writer failed: {e}"),
            }
        }
        let (lock, wake) = &*self.state;
        if let Ok(mut s) = lock.lock() {
            s.committed = true;
            wake.notify_one();
        }
    }

    fn stop(mut self) {
        let (lock, wake) = &*self.state;
        if let Ok(mut s) = lock.lock() {
            s.stop = true;
            wake.notify_one();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn checkpoint_loop(
    conn: &Connection,
    state: &(Mutex<CheckpointState>, std::sync::Condvar),
    restart: &std::sync::atomic::AtomicBool,
) {
    let (lock, wake) = state;
    loop {
        let Ok(guard) = lock.lock() else { return };
        let Ok(mut s) = wake.wait_while(guard, |s| !s.committed && !s.stop) else {
            return;
        };
        if s.stop {
            return;
        }
        s.committed = false;
        drop(s);
        match checkpoint(conn) {
            Ok((log, _)) if log >= WAL_RESTART_PAGES => {
                restart.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("a background checkpoint failed: {e}"),
        }
        let Ok(guard) = lock.lock() else { return };
        match wake.wait_timeout_while(guard, CHECKPOINT_PAUSE, |s| !s.stop) {
            Ok((s, _)) if !s.stop => {}
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_new_database_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let _conn = open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
