//! The stats screen and the run's pace, as plain data.

use crate::journal::stats::{Pace, Summary};
use chrono::{DateTime, Utc};

/// The status bar's pace is that of the run's latest ratings, this many at most.
pub const PACE_TIMES: usize = 1_000;

/// When this run started, and when each reply it rated was first rated (microseconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunPace {
    pub started: DateTime<Utc>,
    pub times: std::collections::VecDeque<i64>,
    /// The pace of `times`, brought up to date once per frame (a bulk action rates
    /// many replies between two frames).
    pub pace: Pace,
    pub stale: bool,
}

impl RunPace {
    pub fn new(started: DateTime<Utc>) -> RunPace {
        RunPace {
            started,
            ..RunPace::default()
        }
    }

    /// A reply rated for the first time this run, at `at`.
    pub fn rated(&mut self, at: DateTime<Utc>) {
        if self.times.len() >= PACE_TIMES {
            self.times.pop_front();
        }
        self.times.push_back(at.timestamp_micros());
        self.stale = true;
    }

    /// Brings `pace` up to date.
    pub fn settle(&mut self) {
        if self.stale {
            self.stale = false;
            self.pace = Pace::of(self.times.make_contiguous());
        }
    }
}

/// What the stats screen shows: this run and all time, from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsReport {
    pub run: Summary,
    pub all: Summary,
    /// Ratings per minute since the run started (the latest minutes at most).
    pub per_minute: Vec<u64>,
}

/// The stats screen (`S`): the numbers once the journal answered.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsScreen {
    pub generation: u64,
    pub report: Option<Result<StatsReport, String>>,
}

/// Reads the stats screen's numbers from the journal, on its thread: this run's ratings
/// (made since `run_since`) and all time's, on the outbox's server and namespace.
pub async fn load(
    outbox: &crate::journal::outbox::Outbox,
    run_since: String,
    now: DateTime<Utc>,
) -> Result<StatsReport, String> {
    let t = outbox.target("", "");
    let scope = Some(vec![(t.base_url, t.namespace)]);
    let started = crate::journal::stats::parse_micros(&run_since);
    outbox
        .journal()
        .call(move |j| report(j, &scope, started, now))
        .await
        .map_err(|e| e.to_string())
}

/// The stats screen's numbers, on the journal's thread: the latest ratings are kept there
/// between openings, and only what was recorded since is read (`journal::stats_cache`).
/// `started`: when the run began (microseconds).
pub fn report(
    j: &mut crate::journal::Journal,
    scope: &crate::journal::stats::Scope,
    started: i64,
    now: DateTime<Utc>,
) -> Result<StatsReport, crate::journal::JournalError> {
    let (cache, _) = j.stats_cache()?;
    let times = cache.times(scope, Some(started));
    Ok(StatsReport {
        per_minute: crate::journal::stats::per_minute(&times, started, now.timestamp_micros()),
        run: cache.summary(scope, Some(started)),
        all: cache.summary(scope, None),
    })
}
