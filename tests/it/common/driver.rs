//! A headless reviewer for tests: keys in, TestBackend frames out.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, BoxStream};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::watch;
use verdict::api::Client;
use verdict::review::keymap::Keymap;
use verdict::review::run::{App, AppConfig, Connection, FrameStamp};
use verdict::review::view::buffer_text;
use verdict::review::view::theme::{Look, Theme};

/// A running headless app: where its keys go and where its frames come out.
pub struct Driver {
    keys: UnboundedSender<std::io::Result<Event>>,
    frames: watch::Receiver<Buffer>,
    stamps: watch::Receiver<FrameStamp>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    deadline: Duration,
}

impl Driver {
    /// The app in colour on a 120x40 screen, waiting up to 15 s for what it is asked to show.
    pub fn start(client: Client, journal: &Path) -> Driver {
        Driver::start_with(
            client,
            journal,
            Look::new(Theme::colored(), false),
            Duration::from_secs(15),
        )
    }

    pub fn start_with(client: Client, journal: &Path, look: Look, deadline: Duration) -> Driver {
        // Ratings leave at once and the cursor stays in its session, as these tests expect.
        Self::start_full(
            client,
            journal,
            look,
            deadline,
            None,
            false,
            Duration::ZERO,
            false,
        )
    }

    /// [`Driver::start_with`] limited to a batch (a sample or a queue), blind or not.
    pub fn start_scoped(
        client: Client,
        journal: &Path,
        look: Look,
        deadline: Duration,
        batch: Option<verdict::review::batch::Batch>,
        blind: bool,
    ) -> Driver {
        Self::start_full(
            client,
            journal,
            look,
            deadline,
            batch,
            blind,
            Duration::ZERO,
            false,
        )
    }

    /// [`Driver::start_with`] with a send window and the walk on to the next session.
    pub fn start_windowed(
        client: Client,
        journal: &Path,
        look: Look,
        deadline: Duration,
        send_delay: Duration,
        next_session: bool,
    ) -> Driver {
        Self::start_full(
            client,
            journal,
            look,
            deadline,
            None,
            false,
            send_delay,
            next_session,
        )
    }

    /// Every setting: a batch, blind review, a send window and the walk on.
    #[allow(clippy::too_many_arguments)]
    pub fn start_full(
        client: Client,
        journal: &Path,
        look: Look,
        deadline: Duration,
        batch: Option<verdict::review::batch::Batch>,
        blind: bool,
        send_delay: Duration,
        next_session: bool,
    ) -> Driver {
        let conn =
            Connection::with_client(client, false, journal, "tester".into()).expect("connect");
        let config = AppConfig {
            keymap: Keymap::default(),
            look,
            advance_after_rating: true,
            send_delay,
            next_session,
            offset: chrono::FixedOffset::east_opt(0).expect("utc"),
        };
        let terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let mut app = App::new(terminal, config, conn).expect("app");
        app.set_scope(batch, blind);
        let frames = app.frames();
        let stamps = app.frame_stamps();
        let (keys, rx) = unbounded_channel();
        let events: BoxStream<'static, std::io::Result<Event>> =
            Box::pin(stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|e| (e, rx))
            }));
        let task = tokio::spawn(async move {
            let result = app.run(events, std::future::pending()).await;
            assert!(
                app.close().await,
                "the journal committed everything before closing"
            );
            result
        });
        Driver {
            keys,
            frames,
            stamps,
            task,
            deadline,
        }
    }

    /// The stamp of the last frame drawn: how many so far, and when.
    pub fn stamp(&self) -> FrameStamp {
        *self.stamps.borrow()
    }

    pub fn press(&self, code: KeyCode, mods: KeyModifiers) {
        self.keys
            .send(Ok(Event::Key(KeyEvent::new(code, mods))))
            .expect("app is running");
    }

    pub fn key(&self, c: char) {
        self.press(KeyCode::Char(c), KeyModifiers::NONE);
    }

    pub fn text(&self, s: &str) {
        for c in s.chars() {
            self.key(c);
        }
    }

    /// Waits (with a deadline, never a fixed sleep) for a frame the predicate accepts.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = buffer_text(&self.frames.borrow_and_update());
            if pred(&screen) {
                return screen;
            }
            let left = self.deadline.saturating_sub(start.elapsed());
            if left.is_zero()
                || tokio::time::timeout(left, self.frames.changed())
                    .await
                    .is_err()
            {
                panic!("timed out waiting for {what}; last screen:\n{screen}");
            }
        }
    }

    /// Ctrl-C, then waits for the app to close (journal flushed, outbox stopped).
    pub async fn interrupt(self) {
        self.press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        self.finish().await;
    }

    pub async fn quit(self) {
        self.key('q');
        self.finish().await;
    }

    async fn finish(self) {
        let result = tokio::time::timeout(self.deadline, self.task)
            .await
            .expect("the app quits")
            .expect("the app task");
        result.expect("the app ran cleanly");
    }
}
