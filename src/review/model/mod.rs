//! Everything on screen, as plain data: sessions, transcripts, receipts, mode, notices.

use super::action::Command;
use super::editor::Editor;
use super::keymap::{HelpSection, Keymap};
use super::layout;
use super::typeset::style::Look;
use super::typeset::text;
use crate::api::PageStart;
use crate::api::model::{
    GetSessionResponse, MessageHistoryItem, Rating, ReviewStats, SessionStatus, UnreadableSession,
};
use crate::journal::Draft;
use chrono::{DateTime, FixedOffset, Utc};
use ratatui::text::Line;
use std::collections::{BTreeMap, HashMap, HashSet};

mod transcript;
pub use transcript::*;
mod tags;
pub use tags::TagTally;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Sessions,
    Transcript,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

/// The result of the last action, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub level: Level,
    /// The session it speaks of: it goes when another session opens. `None` for what
    /// holds whatever is open (a filter, a search, a refresh).
    pub about: Option<String>,
}

/// Which sessions the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Unrated,
    Status(SessionStatus),
}

impl Filter {
    pub fn next(self) -> Filter {
        match self {
            Filter::All => Filter::Unrated,
            Filter::Unrated => Filter::Status(SessionStatus::Active),
            Filter::Status(SessionStatus::Active) => Filter::Status(SessionStatus::Idle),
            Filter::Status(SessionStatus::Idle) => Filter::Status(SessionStatus::Archived),
            Filter::Status(SessionStatus::Archived) => Filter::Status(SessionStatus::Terminated),
            Filter::Status(SessionStatus::Terminated) => Filter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Unrated => "unrated",
            Filter::Status(s) => s.as_str(),
        }
    }
}

/// One session in the list, as the reviewer needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    /// The session's id as the server sent it; for an unreadable item, a key of its own
    /// that is never sent anywhere.
    pub id: String,
    /// Sanitised: never holds control characters. Shortened on receipt.
    pub name: Option<String>,
    /// The id as it may be shown: safe and shortened.
    pub label: String,
    pub status: SessionStatus,
    pub message_count: u64,
    /// Filled by verdict's own server; the hosted API leaves it out.
    pub review: Option<ReviewStats>,
    pub last_activity: Option<DateTime<Utc>>,
    /// Why the list item could not be read as a session: the row is shown with its id,
    /// and is never opened or rated.
    pub unreadable: Option<String>,
}

/// The longest id shown for a session.
const LABEL_CHARS: usize = 80;

impl SessionRow {
    pub fn from_api(s: GetSessionResponse) -> SessionRow {
        SessionRow {
            name: s
                .session_name
                .filter(|n| !n.trim().is_empty())
                .map(|n| text::sanitize(n.trim()).into_owned()),
            label: crate::sanitize::message(&s.session_id, LABEL_CHARS),
            id: s.session_id,
            status: s.status,
            message_count: s.message_count,
            review: s.review,
            last_activity: text::parse_time(&s.last_activity_at),
            unreadable: None,
        }
    }

    /// A row for an item of a list page that is not a session; `key` is its own id.
    pub fn unreadable(u: UnreadableSession, key: String) -> SessionRow {
        SessionRow {
            id: key,
            name: None,
            label: u.id.unwrap_or_else(|| "(no id)".to_string()),
            status: SessionStatus::Active,
            message_count: 0,
            review: None,
            last_activity: None,
            unreadable: Some(u.reason),
        }
    }

    /// The name, or the id when the session has none.
    pub fn title(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.label)
    }
}

/// The session list and how far it has loaded.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    pub rows: Vec<SessionRow>,
    pub index: HashMap<String, usize>,
    /// Indices into `rows` that pass the filter, in list order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    /// First entry of `visible` drawn.
    pub offset: usize,
    pub generation: u64,
    pub loading: bool,
    pub loaded_once: bool,
    pub exhausted: bool,
    /// Where the next page starts on the server (`None` before the first and after the last).
    pub next: Option<PageStart>,
    /// `G` was pressed here: keep loading pages until the end, keeping the last selected.
    pub to_end: bool,
    pub total: Option<u64>,
    pub error: Option<String>,
    /// A session the selection moved to whose history is not loaded yet: shown once the
    /// selection rests there (the loop's timer sends a `Tick`), so a held key loads nothing
    /// for the rows it passes over.
    pub preview: Option<String>,
    /// Bumped on every move that sets `preview`: the loop restarts its rest timer on it.
    pub preview_seq: u64,
}

impl Sessions {
    pub fn selected_row(&self) -> Option<&SessionRow> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.rows.get(i))
    }

    pub fn row(&self, id: &str) -> Option<&SessionRow> {
        self.index.get(id).and_then(|&i| self.rows.get(i))
    }

    /// Position in `visible` of a session id (`visible` is in row order, so a binary search).
    pub fn position(&self, id: &str) -> Option<usize> {
        let row = *self.index.get(id)?;
        self.visible.binary_search(&row).ok()
    }
}

/// The one-line search prompt being typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    pub input: String,
}

/// Where a search matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Message { session_id: String, index: usize },
    Session { session_id: String },
}

/// A submitted search: highlights stay until Esc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    pub matches: Vec<Match>,
    pub current: Option<usize>,
}

/// The rating editor: text plus the rating chosen inside it.
#[derive(Debug, Clone)]
pub struct Compose {
    pub session_id: String,
    pub message_id: String,
    pub rating: Rating,
    pub editor: Editor,
    pub error: Option<String>,
}

/// A correction being written in the built-in editor.
#[derive(Debug, Clone)]
pub struct Correcting {
    pub session_id: String,
    pub message_id: String,
    /// What the editor opened with: saving it unchanged records nothing.
    pub before: String,
    pub editor: Editor,
    pub error: Option<String>,
}

/// The word diff of a reply and its correction, on screen.
#[derive(Debug, Clone)]
pub struct DiffView {
    pub diff: super::typeset::diff::Diff,
    pub scroll: usize,
}

/// What has the keyboard. Overlays are variants, never flags on the model.
#[derive(Debug, Clone)]
pub enum Mode {
    Browse,
    Compose(Box<Compose>),
    Correct(Box<Correcting>),
    Diff(Box<DiffView>),
    Search(Prompt),
    Help {
        scroll: usize,
    },
    ConfirmQuit,
    /// The search results list, over the panes.
    Results(Box<crate::review::found::Results>),
    /// The accounts of the config file, to switch to one.
    Profiles {
        selected: usize,
    },
    /// The tag picker (`#`), over the panes.
    Tags(Box<TagPicker>),
    /// The command palette (`:`): its prompt at the bottom, the matching commands above.
    Palette(Box<super::palette::Prompt>),
    /// The defer prompt (`s`): an optional reason.
    Defer(Box<super::bulk::DeferPrompt>),
    /// A bulk positive asking first (`y` stores every exchange to memory).
    ConfirmBulk(Box<super::bulk::Confirm>),
    /// The stats screen (`S`), over the panes.
    Stats(Box<crate::review::stats::StatsScreen>),
}

/// The tag picker: what is typed, the tags it matches, and the reply they go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPicker {
    pub session_id: String,
    pub message_id: String,
    pub input: String,
    /// Position in [`TagPicker::options`]' result for the current input.
    pub selected: usize,
    /// Every known tag with how many replies carry it: the taxonomy in its order, then
    /// the others by count.
    pub known: Vec<(String, usize)>,
    /// The tags on the reply now.
    pub on: Vec<String>,
}

impl TagPicker {
    /// The known tags that contain the typed text, in order.
    pub fn options(&self) -> Vec<&(String, usize)> {
        let q = self.input.trim().to_lowercase().replace(' ', "_");
        let q = q.trim_start_matches('#');
        self.known.iter().filter(|(t, _)| t.contains(q)).collect()
    }

    /// The typed word as a new tag, where it is one and not yet known.
    pub fn new_tag(&self) -> Option<String> {
        let t = crate::api::tags::normalize(&self.input)?;
        (!self.known.iter().any(|(k, _)| *k == t)).then_some(t)
    }
}

/// The outbox's latest report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxState {
    pub pending: usize,
    pub failed: usize,
    pub offline: bool,
}

/// A walk to the next unrated message that waits for a session to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jump {
    pub session_id: String,
    pub forward: bool,
    /// Look only after this message (the walk started inside this session).
    pub after: Option<usize>,
}

/// Where verdict is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// Host (and port) of the base URL, for the status bar.
    pub server: String,
    pub namespace: String,
    pub demo: bool,
}

/// Settings the model needs at start.
#[derive(Debug, Clone)]
pub struct ModelInit {
    pub conn: ConnInfo,
    pub look: Look,
    pub advance_after_rating: bool,
    pub keymap: Keymap,
    pub size: (u16, u16),
    pub now: DateTime<Utc>,
    pub offset: FixedOffset,
}

/// Everything on screen.
#[derive(Debug, Clone)]
pub struct Model {
    pub conn: ConnInfo,
    pub look: Look,
    pub advance_after_rating: bool,
    pub help: Vec<HelpSection>,
    /// First key of each command, for hints and titles.
    pub key_names: BTreeMap<Command, String>,
    pub width: u16,
    pub height: u16,
    pub now: DateTime<Utc>,
    pub offset: FixedOffset,
    pub focus: Pane,
    pub mode: Mode,
    pub filter: Filter,
    pub sessions: Sessions,
    pub transcripts: HashMap<String, Transcript>,
    /// The session the transcript pane shows.
    pub open: Option<String>,
    pub search: Option<Search>,
    pub notice: Option<Notice>,
    /// This run's latest rating of each (session, message): the +N/-N in the status bar.
    pub this_run: HashMap<(String, String), Rating>,
    /// Notes written but not sent, by (session, message): kept in the journal as they are
    /// typed, shown on the message, and back in the editor when it opens there again.
    pub drafts: HashMap<(String, String), Draft>,
    pub outbox: OutboxState,
    pub jump: Option<Jump>,
    /// Rating and `]`/`[` keys pressed while `jump` was loading, applied in order once it
    /// lands: `]` `+` typed quickly means "rate the next unrated message positive".
    pub queued: Vec<Command>,
    /// A walk landed on a message since the first key was queued (set by every landing).
    pub(crate) landed: bool,
    pub quit: bool,
    /// Quitting without the grace for a send in flight (Ctrl-C, SIGTERM, SIGHUP): the
    /// rating stays pending in the journal, and the shell gets its prompt back at once.
    pub quit_now: bool,
    /// The size changed since the last frame: wrap again and keep the cursor in view.
    pub resized: bool,
    /// The external editor for corrections (`$VISUAL`, else `$EDITOR`); without one the
    /// built-in editor opens. Set by the loop that can lend it the terminal.
    pub external_editor: Option<String>,
    pub(crate) generation: u64,
    /// The config file's profiles, and the one in use.
    pub profiles: Vec<crate::config::ProfileSummary>,
    pub profile: Option<String>,
    /// The reviewer chose another profile: the loop ends, and the reviewer starts again
    /// on it.
    pub switch_to: Option<String>,
    /// A sample or a queue the session list is limited to.
    pub batch: Option<super::batch::Batch>,
    /// Blind review, and others' judgments held back.
    pub others: super::batch::Others,
    /// The tag taxonomy: digits `1`-`9` toggle its first nine.
    pub tags: Vec<crate::api::tags::TagDef>,
    /// The reply the last key rated: a tag digit pressed next goes there, wherever the
    /// cursor went. Any other key clears it.
    pub just_rated: Option<(String, String)>,
    /// The send window, the advance to the next session, and what undo needs to say.
    pub window: Window,
    /// The command palette's catalogue and history.
    pub palette: super::palette::Palette,
    /// The tags used in the namespace, from the journal (read once at start).
    pub tag_tally: TagTally,
    /// Triage order (`o`): newest or risk first, and the risk known of each session.
    pub order: super::order::OrderState,
    /// Marked replies and sessions, bulk actions on their way, deferred replies.
    pub bulk: super::bulk::Bulk,
    /// When this run started and when it rated each reply: the pace in the status bar.
    pub pace: crate::review::stats::RunPace,
    /// The guidelines file and its pane (`i`).
    pub guidelines: crate::review::guidelines::Guidelines,
}

/// The send window and the walk on after a session's last reply.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Seconds a rating waits in the outbox before it leaves (0: at once).
    pub send_delay: u64,
    /// After a session's last unrated reply is rated, go on to the next session with
    /// unrated replies (`review.advance = "next-session"`).
    pub next_session: bool,
    /// When each rating still in its window leaves, by journal entry.
    pub until: HashMap<i64, DateTime<Utc>>,
    /// The rating a reply had before this run rated it again, by journal entry.
    pub changed_from: HashMap<i64, Rating>,
    /// The same, for a rating the journal has not committed yet.
    pub saving_from: HashMap<(String, String), Rating>,
    /// `q` closed the windows: the app quits once the outbox has sent what waited.
    pub quitting: bool,
}

impl Window {
    /// The send delay as a duration of the model's clock (at most a day).
    pub fn delay(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.send_delay.min(86_400)).unwrap_or(0))
    }
}

impl Model {
    pub fn new(init: ModelInit) -> Model {
        let key_names = Command::ALL
            .into_iter()
            .map(|c| (c, init.keymap.first(c)))
            .collect();
        Model {
            conn: init.conn,
            look: init.look,
            advance_after_rating: init.advance_after_rating,
            help: init.keymap.help(),
            key_names,
            width: init.size.0,
            height: init.size.1,
            now: init.now,
            offset: init.offset,
            focus: Pane::Sessions,
            mode: Mode::Browse,
            filter: Filter::All,
            sessions: Sessions::default(),
            transcripts: HashMap::new(),
            open: None,
            search: None,
            notice: None,
            this_run: HashMap::new(),
            drafts: HashMap::new(),
            outbox: OutboxState::default(),
            jump: None,
            queued: Vec::new(),
            landed: false,
            quit: false,
            quit_now: false,
            resized: false,
            external_editor: None,
            generation: 0,
            profiles: Vec::new(),
            profile: None,
            switch_to: None,
            batch: None,
            others: Default::default(),
            tags: crate::api::tags::taxonomy(None, &BTreeMap::new()).unwrap_or_default(),
            just_rated: None,
            window: Window::default(),
            palette: super::palette::Palette::new(&init.keymap),
            tag_tally: TagTally::default(),
            order: Default::default(),
            bulk: Default::default(),
            pace: crate::review::stats::RunPace::new(init.now),
            guidelines: Default::default(),
        }
    }

    pub fn key(&self, cmd: Command) -> &str {
        self.key_names.get(&cmd).map_or("?", String::as_str)
    }

    pub fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    pub fn open_transcript(&self) -> Option<&Transcript> {
        self.open.as_ref().and_then(|id| self.transcripts.get(id))
    }

    pub fn open_transcript_mut(&mut self) -> Option<&mut Transcript> {
        let id = self.open.as_ref()?;
        self.transcripts.get_mut(id)
    }

    /// Rated and total assistant messages of a session, as well as they are known.
    pub fn review_counts(&self, row: &SessionRow) -> Option<(u64, u64)> {
        if let Some(t) = self.transcripts.get(&row.id)
            && t.complete
            && (t.known_loaded || row.review.is_none())
        {
            return Some((t.rated as u64, t.assistants as u64));
        }
        row.review.map(|r| {
            (
                r.rated_messages.min(r.assistant_messages),
                r.assistant_messages,
            )
        })
    }

    /// Whether a session may still hold unrated messages (unknown counts as yes).
    pub fn has_unrated(&self, row: &SessionRow) -> bool {
        match self.review_counts(row) {
            Some((rated, total)) => rated < total,
            None => row.message_count > 0,
        }
    }

    pub fn passes_filter(&self, row: &SessionRow) -> bool {
        match self.filter {
            Filter::All => true,
            // Nothing is known of an unreadable item but that it is there.
            _ if row.unreadable.is_some() => false,
            Filter::Unrated => self.has_unrated(row),
            Filter::Status(s) => row.status == s,
        }
    }

    /// Ratings waiting to reach the server (journal says pending, or still being written).
    pub fn sends_pending(&self) -> usize {
        let local = self
            .transcripts
            .values()
            .map(|t| t.in_flight)
            .sum::<usize>();
        local.max(self.outbox.pending)
    }

    /// Ratings given this run: (positive, negative).
    pub fn run_counts(&self) -> (usize, usize) {
        let pos = self
            .this_run
            .values()
            .filter(|r| **r == Rating::Positive)
            .count();
        (pos, self.this_run.len() - pos)
    }

    /// Something is counting down, so the loop needs a timer.
    pub fn animating(&self) -> bool {
        self.transcripts.values().any(|t| t.retrying > 0)
            || self.window.until.values().any(|t| *t > self.now)
            || (self.guidelines.open && self.guidelines.path.is_some())
    }

    pub fn areas(&self) -> Option<layout::Areas> {
        self.areas_for(self.width, self.height)
    }

    /// The regions for a screen of `width` x `height` with what the model shows now.
    pub fn areas_for(&self, width: u16, height: u16) -> Option<layout::Areas> {
        let a = layout::areas(width, height, self.conn.demo, self.notice_rows(width));
        if self.guidelines.open {
            a.map(layout::with_guidelines)
        } else {
            a
        }
    }

    /// A notice says what to do at its end: when it does not fit one line it gets two,
    /// rather than lose that end.
    fn notice_rows(&self, width: u16) -> u16 {
        let long = self
            .notice
            .as_ref()
            .is_some_and(|n| text::width(&n.text) > width as usize);
        if long && !matches!(self.mode, Mode::Search(_) | Mode::Palette(_)) {
            2
        } else {
            1
        }
    }

    /// A notice that holds whatever session is open (a filter, a search, a refresh).
    pub fn set_general_notice(&mut self, level: Level, text: impl Into<String>) {
        self.set_notice(level, text);
        if let Some(n) = &mut self.notice {
            n.about = None;
        }
    }

    pub fn set_notice(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            level,
            about: self.open.clone(),
        });
    }
}
