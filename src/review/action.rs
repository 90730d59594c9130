//! Everything that can change the model: what the reviewer asked for, and the results
//! of background work, each result carrying the request it answers.

use super::model::Receipt;
use crate::api::model::{GetHistoryResponse, Rating, SearchPage};
use crate::api::{ApiError, PageStart, SessionsPage};
use crate::journal::outbox::OutboxEvent;
use crate::journal::{Correction, Entry, SavedDraft, SessionCorrections};
use crossterm::event::{KeyEvent, MouseEvent};

/// Which key table a command lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Browse,
    Compose,
}

/// A bindable command: the names are what `[keys]` in the config file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    FocusSessions,
    FocusTranscript,
    Open,
    ToggleTools,
    RatePositive,
    RateNegative,
    RateWithText,
    NextUnrated,
    PrevUnrated,
    Search,
    NextMatch,
    PrevMatch,
    Filter,
    Refresh,
    Help,
    Quit,
    Send,
    Cancel,
    ToggleRating,
    SwitchProfile,
    Correct,
    ShowDiff,
    Tag1,
    Tag2,
    Tag3,
    Tag4,
    Tag5,
    Tag6,
    Tag7,
    Tag8,
    Tag9,
    TagPicker,
    Undo,
    Redo,
    Palette,
    ToggleOrder,
    Defer,
    MarkRange,
    Mark,
    MarkMatches,
    Stats,
    Guidelines,
    GuidelinesDown,
    GuidelinesUp,
}

impl Command {
    /// In the order the help screen lists them.
    pub const ALL: [Command; 51] = [
        Command::RatePositive,
        Command::RateNegative,
        Command::RateWithText,
        Command::Tag1,
        Command::Tag2,
        Command::Tag3,
        Command::Tag4,
        Command::Tag5,
        Command::Tag6,
        Command::Tag7,
        Command::Tag8,
        Command::Tag9,
        Command::TagPicker,
        Command::Correct,
        Command::ShowDiff,
        Command::Undo,
        Command::Redo,
        Command::Defer,
        Command::MarkRange,
        Command::Mark,
        Command::MarkMatches,
        Command::NextUnrated,
        Command::PrevUnrated,
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::NextPane,
        Command::FocusSessions,
        Command::FocusTranscript,
        Command::Open,
        Command::ToggleTools,
        Command::Search,
        Command::NextMatch,
        Command::PrevMatch,
        Command::Filter,
        Command::ToggleOrder,
        Command::Refresh,
        Command::SwitchProfile,
        Command::Help,
        Command::Quit,
        Command::Palette,
        Command::Stats,
        Command::Guidelines,
        Command::GuidelinesDown,
        Command::GuidelinesUp,
        Command::Send,
        Command::ToggleRating,
        Command::Cancel,
    ];

    /// The name used in `[keys]`.
    pub fn name(self) -> &'static str {
        use Command::*;
        match self {
            Up => "up",
            Down => "down",
            Top => "top",
            Bottom => "bottom",
            PageUp => "page_up",
            PageDown => "page_down",
            NextPane => "next_pane",
            FocusSessions => "focus_sessions",
            FocusTranscript => "focus_transcript",
            Open => "open",
            ToggleTools => "toggle_tools",
            RatePositive => "rate_positive",
            RateNegative => "rate_negative",
            RateWithText => "rate_with_text",
            NextUnrated => "next_unrated",
            PrevUnrated => "prev_unrated",
            Search => "search",
            NextMatch => "next_match",
            PrevMatch => "prev_match",
            Filter => "filter",
            Refresh => "refresh",
            Help => "help",
            Quit => "quit",
            Send => "send",
            Cancel => "cancel",
            ToggleRating => "toggle_rating",
            SwitchProfile => "switch_profile",
            Correct => "correct",
            ShowDiff => "show_diff",
            Tag1 => "tag_1",
            Tag2 => "tag_2",
            Tag3 => "tag_3",
            Tag4 => "tag_4",
            Tag5 => "tag_5",
            Tag6 => "tag_6",
            Tag7 => "tag_7",
            Tag8 => "tag_8",
            Tag9 => "tag_9",
            TagPicker => "tags",
            Undo => "undo",
            Redo => "redo",
            Palette => "palette",
            ToggleOrder => "toggle_order",
            Defer => "defer",
            MarkRange => "mark_range",
            Mark => "mark",
            MarkMatches => "mark_matches",
            Stats => "stats",
            Guidelines => "guidelines",
            GuidelinesDown => "guidelines_down",
            GuidelinesUp => "guidelines_up",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn context(self) -> Context {
        match self {
            Command::Send | Command::Cancel | Command::ToggleRating => Context::Compose,
            _ => Context::Browse,
        }
    }

    pub fn group(self) -> &'static str {
        use Command::*;
        match self {
            RatePositive | RateNegative | RateWithText | NextUnrated | PrevUnrated | Correct
            | ShowDiff | Undo | Redo => "Rate",
            Tag1 | Tag2 | Tag3 | Tag4 | Tag5 | Tag6 | Tag7 | Tag8 | Tag9 | TagPicker => "Tag",
            Up | Down | PageUp | PageDown | Top | Bottom | NextPane | FocusSessions
            | FocusTranscript | Open | ToggleTools => "Move",
            Search | NextMatch | PrevMatch | Filter => "Find",
            ToggleOrder => "Find",
            Refresh | SwitchProfile | Help | Quit => "Other",
            Palette => "Other",
            Send | Cancel | ToggleRating => "In the rating editor",
            Defer => "Rate",
            MarkRange | Mark | MarkMatches => "Select",
            Stats | Guidelines | GuidelinesDown | GuidelinesUp => "Stats and guidelines",
        }
    }

    pub fn description(self) -> &'static str {
        use Command::*;
        match self {
            Up => "previous item",
            Down => "next item",
            Top => "first item",
            Bottom => "last item",
            PageUp => "page up",
            PageDown => "page down",
            NextPane => "switch between sessions and transcript",
            FocusSessions => "go to the sessions pane",
            FocusTranscript => "go to the transcript pane",
            Open => "open the session / fold or unfold a tool call",
            ToggleTools => "fold or unfold every tool call",
            RatePositive => "rate the selected assistant message positive",
            RateNegative => "rate the selected assistant message negative",
            RateWithText => "rate with text (opens the editor)",
            NextUnrated => "next unrated assistant message, across sessions",
            PrevUnrated => "previous unrated assistant message",
            Search => "search every session of the namespace",
            NextMatch => "next match",
            PrevMatch => "previous match",
            Filter => "filter sessions: all, unrated, by status",
            Refresh => "refresh, and retry sending now",
            Help => "this help",
            Quit => "quit",
            Send => "send the rating with its text",
            Cancel => "close, send nothing (the note stays a draft)",
            ToggleRating => "switch positive / negative",
            SwitchProfile => "switch to another account ([profiles] in config.toml)",
            Correct => "correct the reply (implies a negative rating)",
            ShowDiff => "show the correction against the reply, word by word",
            Tag1 | Tag2 | Tag3 | Tag4 | Tag5 | Tag6 | Tag7 | Tag8 | Tag9 => {
                "toggle tag N (right after a rating: on the reply rated)"
            }
            TagPicker => "pick or create a tag, with how often each is used",
            Undo => "undo your last rating, note or tags",
            Redo => "redo what undo took back",
            Palette => "command palette: run any action by name, with arguments",
            ToggleOrder => "order sessions newest first or risk first",
            Defer => "defer the reply to judge later (again: un-defer)",
            MarkRange => "mark a range of replies (or sessions)",
            Mark => "mark or unmark the reply (or session)",
            MarkMatches => "mark every reply the search matched",
            Stats => "stats: this run and all time, pace, tags, sessions, reviewers",
            Guidelines => "show or hide the guidelines beside the transcript",
            GuidelinesDown => "scroll the guidelines down",
            GuidelinesUp => "scroll the guidelines up",
        }
    }

    /// Which tag of the taxonomy a digit command toggles (0 for the first).
    pub fn tag_index(self) -> Option<usize> {
        use Command::*;
        [Tag1, Tag2, Tag3, Tag4, Tag5, Tag6, Tag7, Tag8, Tag9]
            .iter()
            .position(|c| *c == self)
    }
}

/// One earlier rating learned at load time (server listing, or this reviewer's journal).
#[derive(Debug, Clone, PartialEq)]
pub struct KnownRating {
    pub message_id: String,
    pub receipt: Receipt,
    /// The note sent with that rating, if any.
    pub note: Option<String>,
}

/// Everything update() reacts to.
#[derive(Debug, Clone)]
pub enum Action {
    Command(Command),
    /// Ctrl-C: quit now, whatever is on screen.
    ForceQuit,
    /// Esc outside an editor: close the overlay, clear the search.
    Dismiss,
    /// A key for the rating editor's text.
    EditorKey(KeyEvent),
    /// A key for the one-line search prompt.
    PromptKey(KeyEvent),
    PromptSubmit,
    PromptCancel,
    ConfirmYes,
    ConfirmNo,
    /// Text pasted into the terminal (bracketed paste): goes to the editor or the prompt.
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A timer beat: while something counts down, and once the session selection has
    /// rested on a row waiting to be previewed.
    Tick,
    /// A page of the session list, for the list generation that asked.
    SessionsLoaded {
        generation: u64,
        from: PageStart,
        result: Result<SessionsPage, ApiError>,
    },
    /// A page of a session's history, for the transcript generation that asked.
    HistoryLoaded {
        session_id: String,
        generation: u64,
        offset: u64,
        result: Result<GetHistoryResponse, ApiError>,
    },
    /// Earlier ratings of a session's messages.
    KnownRatingsLoaded {
        session_id: String,
        generation: u64,
        result: Result<Vec<KnownRating>, String>,
    },
    /// The journal committed a rating (or could not).
    RateRecorded {
        session_id: String,
        message_id: String,
        rating: Rating,
        result: Result<Entry, String>,
    },
    /// What the outbox reports about sending.
    Outbox(OutboxEvent),
    /// Drafts kept by earlier runs (notes not yet sent).
    DraftsLoaded(Result<Vec<SavedDraft>, String>),
    /// A page of the server's search; `Ok(None)` when the server offers no search.
    SearchLoaded {
        generation: u64,
        offset: u64,
        result: Result<Option<SearchPage>, ApiError>,
    },
    /// The external editor closed: the file's text, or why there is none (it failed).
    /// `before` is what the file held when it opened.
    CorrectionEdited {
        session_id: String,
        message_id: String,
        before: String,
        result: Result<String, String>,
    },
    /// The journal kept a correction (or could not).
    CorrectionRecorded {
        session_id: String,
        message_id: String,
        result: Result<Correction, String>,
    },
    /// The journal undid (or redid) the reviewer's last action; `Ok(None)`: nothing to do.
    Undone {
        redo: bool,
        result: Result<Option<crate::journal::window::Step>, String>,
    },
    /// A session's corrections and the messages this reviewer rated, from the journal.
    CorrectionsLoaded {
        session_id: String,
        generation: u64,
        result: Result<SessionCorrections, String>,
    },
    /// Sessions read so far while a batch is drawn.
    BatchProgress {
        generation: u64,
        listed: usize,
    },
    /// The batch, drawn from the server's whole list.
    BatchDrawn {
        generation: u64,
        result: Result<super::sample::Drawn, ApiError>,
    },
    /// The messages of a session this reviewer's journal holds a rating of, with when
    /// the latest was made: sent just before `KnownRatingsLoaded` of the same load.
    OwnRatingsLoaded {
        session_id: String,
        generation: u64,
        own: std::collections::HashMap<String, String>,
    },
    /// The palette's history file: `Ok(None)` when there is none yet; `Err` when it is
    /// damaged (it is then ignored, and replaced by the next command run).
    PaletteHistoryLoaded(Result<Option<Vec<String>>, String>),
    /// The tags of the namespace, counted from the journal (latest rating per message).
    TagCountsLoaded(Result<crate::journal::tagcounts::TagCounts, String>),
    /// The whole session list, read for risk order, scored and ranked off the UI thread.
    OrderListed {
        generation: u64,
        result: Result<super::order::Ranked, ApiError>,
    },
    /// Histories read ahead at the top of the risk order.
    RiskProbed {
        generation: u64,
        found: Vec<(String, Result<GetHistoryResponse, ApiError>)>,
    },
    /// The journal committed a bulk rating (or could not): its entries, in order.
    BulkRecorded {
        replies: Vec<super::bulk::Reply>,
        rating: Rating,
        result: Result<Vec<Entry>, String>,
    },
    /// The journal kept a deferral or its end (or could not).
    DeferRecorded {
        result: Result<usize, String>,
    },
    /// The deferred replies kept by the journal.
    DeferralsLoaded(Result<Vec<crate::journal::defer::Deferral>, String>),
    /// The stats screen's numbers, from the journal.
    StatsLoaded {
        generation: u64,
        result: Result<super::stats::StatsReport, String>,
    },
    /// What a poll of the guidelines file found.
    GuidelinesRead(super::guidelines::Read),
}
