//! The loop: terminal events, results and a timer in; drain everything pending, draw once.

pub mod external;

use super::action::Action;
use super::effect::{Effect, Runner};
use super::keymap::{KeyMode, Keymap};
use super::model::{ConnInfo, Mode, Model, ModelInit};
use super::update;
use super::view::{self, theme::Look};
use crate::api::Client;
use crate::journal::outbox::{Outbox, OutboxEvent, OutboxOptions};
use crate::journal::{DEMO_SERVER_KEY, JournalHandle, journal_base_url};
use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use std::future::Future;
use std::path::Path;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::sync::watch;

/// How often the screen refreshes while a retry countdown is shown.
const TICK: Duration = Duration::from_secs(1);
/// How long the session selection must stay on a row before its history is loaded: longer
/// than a held key's repeat, short enough to feel immediate.
const PREVIEW_REST: Duration = Duration::from_millis(150);
/// The shortest time between two frames drawn for results alone (a key's frame is drawn
/// at once): a bulk action's receipts come by the thousand a second, and a frame for each
/// kept the loop busy when the next key came.
const RESULT_FRAME: Duration = Duration::from_millis(16);
/// How long quitting waits for the journal to commit what was asked of it (each commit
/// is one fsync; only a disk that has stopped answering takes this long).
pub const JOURNAL_GRACE: Duration = Duration::from_secs(10);
/// The same after Ctrl-C or a signal: long enough for an answer already on its way.
const FORCED_GRACE: Duration = Duration::from_millis(200);
/// How long quitting waits for a send in flight before leaving it to the next run.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Everything that talks to the outside: the API client and the outbox.
pub struct Connection {
    pub client: Client,
    pub outbox: Outbox,
    pub events: UnboundedReceiver<OutboxEvent>,
    pub info: ConnInfo,
}

impl Connection {
    /// Starts the outbox on `journal` for a client. `demo` says the client talks to the
    /// in-process demo server, which the caller owns and stops after the app closes.
    pub fn with_client(
        client: Client,
        demo: bool,
        journal: &Path,
        reviewer: String,
    ) -> anyhow::Result<Connection> {
        let (tx, events) = unbounded_channel();
        let handle = JournalHandle::open(journal).with_context(|| {
            format!(
                "Cannot open the journal at {}; check that the data directory is writable",
                journal.display()
            )
        })?;
        // The demo's port changes every run; a fixed name in the journal lets this run
        // send what the last one left pending.
        let server_key = if demo {
            DEMO_SERVER_KEY.to_string()
        } else {
            journal_base_url(client.base_url())
        };
        let outbox = Outbox::start_keyed(
            handle,
            client.clone(),
            server_key,
            reviewer,
            tx,
            OutboxOptions::default(),
        );
        let info = ConnInfo {
            // The demo's port is new each run and means nothing to the reviewer.
            server: if demo {
                DEMO_LABEL.to_string()
            } else {
                server_label(client.base_url())
            },
            namespace: client.namespace().to_string(),
            demo,
        };
        Ok(Connection {
            client,
            outbox,
            events,
            info,
        })
    }
}

/// What the status bar calls the in-process demo server.
pub const DEMO_LABEL: &str = "local demo server";

/// "api.mixpeek.com" or "127.0.0.1:8000": what the status bar shows of the base URL.
fn server_label(base_url: &str) -> String {
    match url::Url::parse(base_url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => base_url.to_string(),
        },
        Err(_) => base_url.to_string(),
    }
}

/// How the reviewer looks and behaves, from the settings.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub keymap: Keymap,
    pub look: Look,
    pub advance_after_rating: bool,
    /// `review.send_delay` and `review.advance = "next-session"`.
    pub send_delay: std::time::Duration,
    pub next_session: bool,
    /// The reviewer's time zone, for message times.
    pub offset: FixedOffset,
}

/// The reviewer: model, keymap and effect runner around one terminal. Drivable with any
/// ratatui backend and any stream of terminal events, so tests run it headless.
pub struct App<B: Backend> {
    terminal: Terminal<B>,
    model: Model,
    keymap: Keymap,
    runner: Runner,
    actions: UnboundedReceiver<Action>,
    frames: Option<watch::Sender<Buffer>>,
    stamps: Option<watch::Sender<FrameStamp>>,
    /// Terminal events read so far (keys, mouse, resizes, pastes).
    events_read: u64,
    /// When the last of them was read.
    read_at: std::time::Instant,
    clock: fn() -> DateTime<Utc>,
    /// The external editor for corrections and the terminal's events to pause around it.
    editor: Option<(String, tty::EventsControl)>,
    /// A correction to edit externally, run by the loop before its next frame.
    edit: Option<Effect>,
    /// Effects asked for by update() since the last frame, started right after it: a
    /// key's frame is drawn before the requests and journal writes it starts wake other
    /// threads (on two cores, those took the CPU from the frame half the time), and the
    /// effects of a burst of results start once, together.
    deferred: Vec<Effect>,
    /// When the last frame was drawn (results wait for [`RESULT_FRAME`] after it).
    drawn_at: tokio::time::Instant,
}

/// When a frame was drawn and how many terminal events it reflects: keystroke-to-frame
/// latency is the time from sending event n to the first stamp with `events >= n`.
#[derive(Debug, Clone, Copy)]
pub struct FrameStamp {
    pub events: u64,
    /// When the loop took the last of those events from the stream: the time before it
    /// is the wake-up, the time after it the app's own work.
    pub read_at: std::time::Instant,
    pub drawn_at: std::time::Instant,
    /// Session rows loaded when it was drawn, and whether a transcript was open (a
    /// benchmark waits for the screen to settle with them).
    pub sessions: usize,
    pub open: bool,
    /// Frames drawn since the stamps were asked for (this one included).
    pub frames: u64,
}

impl<B: Backend> App<B>
where
    B::Error: Send + Sync + 'static,
{
    /// Must be called inside a tokio runtime (the runner starts its tasks).
    pub fn new(
        terminal: Terminal<B>,
        config: AppConfig,
        conn: Connection,
    ) -> anyhow::Result<App<B>> {
        let size = terminal.size().context("Cannot read the terminal size")?;
        let (tx, actions) = unbounded_channel();
        let outbox = conn.outbox.with_window(config.send_delay);
        let runner = Runner::start(conn.client, outbox, conn.events, tx);
        let mut model = Model::new(ModelInit {
            conn: conn.info,
            look: config.look,
            advance_after_rating: config.advance_after_rating,
            keymap: config.keymap.clone(),
            size: (size.width, size.height),
            now: Utc::now(),
            offset: config.offset,
        });
        model.window.send_delay = config.send_delay.as_secs();
        model.window.next_session = config.next_session;
        Ok(App {
            terminal,
            model,
            keymap: config.keymap,
            runner,
            actions,
            frames: None,
            stamps: None,
            events_read: 0,
            read_at: std::time::Instant::now(),
            clock: Utc::now,
            editor: None,
            edit: None,
            deferred: Vec::new(),
            // The first frame is not held back.
            drawn_at: tokio::time::Instant::now()
                .checked_sub(RESULT_FRAME)
                .unwrap_or_else(tokio::time::Instant::now),
        })
    }

    /// Corrections open in `editor` (`$VISUAL`/`$EDITOR`) on the real terminal, whose
    /// events `control` pauses while the editor has it. Without this the built-in
    /// editor opens.
    pub fn set_external_editor(&mut self, editor: String, control: tty::EventsControl) {
        self.model.external_editor = Some(editor.clone());
        self.editor = Some((editor, control));
    }

    /// Lends the terminal to the external editor on a private file holding the text,
    /// then takes it back, redraws all of it, and hands update() what the file holds.
    async fn edit_externally(&mut self, effect: Effect) -> anyhow::Result<()> {
        let Effect::EditCorrection {
            session_id,
            message_id,
            text,
        } = effect
        else {
            return Ok(());
        };
        let Some((editor, control)) = self.editor.clone() else {
            return Ok(());
        };
        let result = match external::EditFile::create(&text) {
            Err(e) => Err(format!("cannot write the file to edit: {e}")),
            Ok(file) => {
                // The event reader stops first: it would take the editor's keys.
                control.pause();
                tty::suspend();
                let path = file.path().to_path_buf();
                let ran = tokio::task::spawn_blocking(move || external::run_editor(&editor, &path))
                    .await
                    .unwrap_or_else(|e| Err(format!("the editor's thread failed: {e}")));
                let back = tty::resume();
                control.resume();
                back.context("Cannot take the terminal back after the editor")?;
                self.terminal
                    .clear()
                    .context("Cannot redraw the terminal after the editor")?;
                ran.and_then(|()| file.read())
            }
        };
        if let Ok(size) = self.terminal.size() {
            self.apply(Action::Resize(size.width, size.height));
        }
        self.apply(Action::CorrectionEdited {
            session_id,
            message_id,
            before: text,
            result,
        });
        Ok(())
    }

    /// Limits the reviewer to a batch (a sample or a queue) and sets blind review;
    /// called before `run`.
    pub fn set_scope(&mut self, batch: Option<super::batch::Batch>, blind: bool) {
        self.model.batch = batch;
        self.model.others.blind = blind;
    }

    /// The order sessions are walked in at start (`review.order`, `--order`).
    pub fn set_order(&mut self, order: super::order::Order) {
        self.model.order.order = order;
    }

    /// Every frame drawn from now on is published here (tests watch the screen with it).
    pub fn frames(&mut self) -> watch::Receiver<Buffer> {
        let (tx, rx) = watch::channel(Buffer::default());
        self.frames = Some(tx);
        rx
    }

    /// A stamp for every frame drawn from now on (benchmarks time keys with it).
    pub fn frame_stamps(&mut self) -> watch::Receiver<FrameStamp> {
        let (tx, rx) = watch::channel(FrameStamp {
            events: self.events_read,
            read_at: self.read_at,
            drawn_at: std::time::Instant::now(),
            sessions: self.model.sessions.rows.len(),
            open: self.model.open_transcript().is_some(),
            frames: 0,
        });
        self.stamps = Some(tx);
        rx
    }

    /// Fixes the clock (snapshot-stable relative times).
    pub fn set_clock(&mut self, clock: fn() -> DateTime<Utc>) {
        self.clock = clock;
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The accounts the reviewer can switch to (`P`), and the one in use.
    /// The tag taxonomy from the settings (digits toggle its first nine).
    pub fn with_tags(mut self, tags: Vec<crate::api::tags::TagDef>) -> Self {
        self.model.tags = tags;
        self
    }

    /// The guidelines file the pane (`i`) shows.
    pub fn with_guidelines(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.model.guidelines.path = path;
        self
    }

    pub fn with_profiles(
        mut self,
        profiles: Vec<crate::config::ProfileSummary>,
        current: Option<String>,
    ) -> Self {
        self.model.profiles = profiles;
        self.model.profile = current;
        self
    }

    pub fn terminal(&self) -> &Terminal<B> {
        &self.terminal
    }

    fn apply(&mut self, action: Action) {
        // update() reads the time from the model (it stays pure): keep it current, so a
        // result is stamped with when it came, not with the last frame.
        self.model.now = (self.clock)();
        for effect in update::update(&mut self.model, action) {
            match effect {
                edit @ Effect::EditCorrection { .. } if self.editor.is_some() => {
                    self.edit = Some(edit);
                }
                other => self.deferred.push(other),
            }
        }
    }

    /// Starts the effects asked for since the last frame, in the order they were asked.
    fn start_deferred(&mut self) {
        for effect in std::mem::take(&mut self.deferred) {
            self.runner.run(effect);
        }
    }

    /// Counts a terminal event read and applies what it means. Returns whether it meant
    /// anything (mouse motion draws nothing).
    fn read_event(&mut self, ev: Event) -> bool {
        self.events_read += 1;
        self.read_at = std::time::Instant::now();
        match self.event_action(ev) {
            Some(a) => {
                self.apply(a);
                true
            }
            None => false,
        }
    }

    fn event_action(&self, ev: Event) -> Option<Action> {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                self.keymap.action(key_mode(&self.model), &k)
            }
            Event::Mouse(me) => match me.kind {
                MouseEventKind::ScrollUp
                | MouseEventKind::ScrollDown
                | MouseEventKind::Down(MouseButton::Left) => Some(Action::Mouse(me)),
                _ => None,
            },
            Event::Resize(w, h) => Some(Action::Resize(w, h)),
            Event::Paste(s) => Some(Action::Paste(s)),
            _ => None,
        }
    }

    fn draw(&mut self) -> anyhow::Result<()> {
        self.model.now = (self.clock)();
        update::prepare(&mut self.model);
        let model = &self.model;
        let frame = self
            .terminal
            .draw(|f| view::draw(f, model))
            .context("Cannot draw to the terminal")?;
        self.drawn_at = tokio::time::Instant::now();
        if let Some(tx) = &self.frames {
            tx.send_replace(frame.buffer.clone());
        }
        if let Some(tx) = &self.stamps {
            let frames = tx.borrow().frames + 1;
            tx.send_replace(FrameStamp {
                events: self.events_read,
                read_at: self.read_at,
                drawn_at: std::time::Instant::now(),
                sessions: self.model.sessions.rows.len(),
                open: self.model.open_transcript().is_some(),
                frames,
            });
        }
        Ok(())
    }

    /// Runs until the reviewer quits, the event stream ends, or `shutdown` completes
    /// (SIGTERM, SIGHUP).
    pub async fn run<S, F>(&mut self, mut events: S, shutdown: F) -> anyhow::Result<()>
    where
        S: Stream<Item = std::io::Result<Event>> + Unpin,
        F: Future<Output = ()>,
    {
        let mut shutdown = std::pin::pin!(shutdown);
        let start = update::start(&mut self.model);
        for effect in start {
            self.runner.run(effect);
        }
        let mut dirty = true;
        // When the session selection counts as rested, for the preview (see `PREVIEW_REST`).
        let mut preview_seq = self.model.sessions.preview_seq;
        let mut preview_at = tokio::time::Instant::now();
        loop {
            if let Some(edit) = self.edit.take() {
                self.edit_externally(edit).await?;
                dirty = true;
            }
            // Results are drawn at most once per RESULT_FRAME; keys are drawn below.
            let mut frame_due = None;
            if dirty {
                let due = self.drawn_at + RESULT_FRAME;
                if tokio::time::Instant::now() >= due || self.model.quit {
                    self.draw()?;
                    dirty = false;
                } else {
                    frame_due = Some(due);
                }
            }
            self.start_deferred();
            if self.model.quit {
                return Ok(());
            }
            let animating = self.model.animating();
            let previewing = self.model.sessions.preview.is_some();
            if self.model.sessions.preview_seq != preview_seq {
                preview_seq = self.model.sessions.preview_seq;
                preview_at = tokio::time::Instant::now() + PREVIEW_REST;
            }
            let mut keyed = false;
            tokio::select! {
                // A key ready with a result is read first (see the drain below).
                biased;
                ev = events.next() => match ev {
                    Some(Ok(ev)) => {
                        if self.read_event(ev) {
                            dirty = true;
                            keyed = true;
                        }
                    }
                    Some(Err(e)) => return Err(e).context("Cannot read the terminal"),
                    None => return Ok(()),
                },
                Some(action) = self.actions.recv() => {
                    self.apply(action);
                    dirty = true;
                }
                // Only wakes the loop, which draws at its top.
                _ = tokio::time::sleep_until(frame_due.unwrap_or(preview_at)), if frame_due.is_some() => {}
                _ = tokio::time::sleep_until(preview_at), if previewing => {
                    self.apply(Action::Tick);
                    dirty = true;
                }
                _ = tokio::time::sleep(TICK), if animating => {
                    self.apply(Action::Tick);
                    dirty = true;
                }
                _ = &mut shutdown => {
                    self.model.quit = true;
                    self.model.quit_now = true;
                    return Ok(());
                }
            }
            // Everything already waiting is applied before the next frame: a burst of
            // keys or of results costs one draw. Keys go first and are drawn before the
            // results waiting with them are applied, so a key never waits behind a
            // result's update (a history of hundreds of messages, a ranked list).
            loop {
                let mut any = false;
                loop {
                    // Polled with this task's own waker: crossterm keeps the first waker
                    // it sees, so a no-op waker here would leave the loop deaf to keys.
                    let ready =
                        std::future::poll_fn(|cx| Poll::Ready(events.poll_next_unpin(cx))).await;
                    let Poll::Ready(Some(Ok(ev))) = ready else {
                        break;
                    };
                    any = true;
                    if self.read_event(ev) {
                        dirty = true;
                        keyed = true;
                    }
                }
                if keyed && !self.model.quit && self.edit.is_none() {
                    self.draw()?;
                    dirty = false;
                    self.start_deferred();
                }
                keyed = false;
                while let Ok(action) = self.actions.try_recv() {
                    self.apply(action);
                    any = true;
                    dirty = true;
                }
                if !any {
                    break;
                }
            }
        }
    }

    /// Stops the outbox (ratings not yet sent stay in the journal).
    /// Returns whether the journal committed everything asked of it: when it did not
    /// (a disk that stopped answering), the last ratings or notes may be lost, and the
    /// caller must say so rather than promise they are kept.
    pub async fn close(mut self) -> bool {
        // Whatever update() asked for last (the run loop starts it before every wait).
        self.start_deferred();
        // A rating or note typed just before quitting is committed before anything stops.
        let journaled = tokio::time::timeout(JOURNAL_GRACE, self.runner.flush())
            .await
            .is_ok();
        if !journaled {
            tracing::error!(
                "the journal did not finish writing within {JOURNAL_GRACE:?} of quitting"
            );
        }
        let outbox = self.runner.outbox().clone();
        let grace = if self.model.quit_now {
            FORCED_GRACE
        } else {
            SHUTDOWN_GRACE
        };
        if tokio::time::timeout(grace, outbox.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                "a rating was still being sent at exit; it stays pending in the journal"
            );
        }
        journaled
    }
}

/// Which key table reads the next key.
pub fn key_mode(m: &Model) -> KeyMode {
    // Too small to draw, only quitting works and the screen names the quit key: read
    // keys as the browse table does, even with the editor open (its note is already
    // kept as a draft).
    if m.areas().is_none() {
        return KeyMode::Browse;
    }
    match &m.mode {
        Mode::Browse => KeyMode::Browse,
        Mode::Compose(_) | Mode::Correct(_) => KeyMode::Compose,
        Mode::Diff(_) => KeyMode::Help,
        Mode::Search(_) | Mode::Tags(_) | Mode::Defer(_) => KeyMode::Prompt,
        Mode::Palette(_) => KeyMode::Prompt,
        Mode::Help { .. } => KeyMode::Help,
        Mode::Stats(_) => KeyMode::Help,
        Mode::Results(_) | Mode::Profiles { .. } => KeyMode::List,
        Mode::ConfirmQuit => KeyMode::Confirm,
        Mode::ConfirmBulk(_) => KeyMode::Ask,
    }
}

/// Taking over and giving back the real terminal.
pub mod tty {
    use crossterm::event::{
        DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    };
    use crossterm::event::{Event, EventStream};
    use crossterm::terminal::{
        EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    };
    use crossterm::{cursor, execute};
    use futures_util::{Stream, StreamExt};
    use ratatui::Terminal;
    use ratatui::backend::CrosstermBackend;
    use std::io::{Stdout, stdout};
    use std::pin::Pin;
    use std::sync::{Arc, Mutex, Once};
    use std::task::{Context, Poll};

    static HOOK: Once = Once::new();

    /// Raw mode, alternate screen, mouse and bracketed paste. A panic gives the terminal
    /// back before the message is printed.
    pub fn enter() -> std::io::Result<Terminal<CrosstermBackend<Stdout>>> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        enable_raw_mode()?;
        let entered = execute!(
            stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            cursor::Hide
        );
        if let Err(e) = entered {
            restore();
            return Err(e);
        }
        Terminal::new(CrosstermBackend::new(stdout())).inspect_err(|_| restore())
    }

    /// Gives the terminal to another program (the editor): as [`restore`].
    pub fn suspend() {
        restore();
    }

    /// Takes the terminal back after [`suspend`]: raw mode, alternate screen, mouse and
    /// bracketed paste, as [`enter`] set them.
    pub fn resume() -> std::io::Result<()> {
        enable_raw_mode()?;
        execute!(
            stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            cursor::Hide
        )
    }

    /// The terminal's events, and a control that stops reading them while another
    /// program (the editor) has the terminal: crossterm's reader would take its keys.
    pub fn events() -> (Events, EventsControl) {
        let shared = Arc::new(Mutex::new(Some(EventStream::new())));
        (
            Events {
                shared: shared.clone(),
            },
            EventsControl { shared },
        )
    }

    type Shared = Arc<Mutex<Option<EventStream>>>;

    fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Option<EventStream>> {
        shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The terminal's events; none while paused.
    pub struct Events {
        shared: Shared,
    }

    impl Stream for Events {
        type Item = std::io::Result<Event>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            match lock(&self.shared).as_mut() {
                Some(stream) => stream.poll_next_unpin(cx),
                // The loop polls again once the editor is done.
                None => Poll::Pending,
            }
        }
    }

    /// Pauses and resumes [`Events`].
    #[derive(Clone)]
    pub struct EventsControl {
        shared: Shared,
    }

    impl EventsControl {
        /// Stops reading the terminal (dropping the reader ends its thread).
        pub fn pause(&self) {
            lock(&self.shared).take();
        }

        /// Reads the terminal again.
        pub fn resume(&self) {
            *lock(&self.shared) = Some(EventStream::new());
        }
    }

    /// Safe to call more than once.
    pub fn restore() {
        let _ = execute!(
            stdout(),
            DisableBracketedPaste,
            DisableMouseCapture,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = disable_raw_mode();
    }
}

/// Completes on SIGTERM, SIGHUP or SIGINT: the loop then restores the terminal and exits.
pub fn termination() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let hup = signal(SignalKind::hangup());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, hup, int) {
            (Ok(mut term), Ok(mut hup), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_labels() {
        assert_eq!(server_label("https://api.mixpeek.com"), "api.mixpeek.com");
        assert_eq!(server_label("http://127.0.0.1:8000/"), "127.0.0.1:8000");
    }
}
