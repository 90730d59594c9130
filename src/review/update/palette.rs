//! The command palette (`:`): typing filters every command, Up/Down (Ctrl-P/Ctrl-N)
//! choose, Tab completes the name, Enter runs it, Esc closes. Commands with arguments
//! (`sample N [seed]`, `tag NAME`, `goto ID`, `order newest|risk`) check them first: a
//! wrong one is said inside the palette, which stays open. Up on an empty prompt walks
//! the history of commands run, kept across runs.

use super::rating::selected_assistant;
use super::sessions::{open_session, rebuild_visible};
use crate::api::tags;
use crate::review::action::Action;
use crate::review::batch::{Batch, thousands};
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::palette::{self, Entry, INPUT_CHARS_MAX, Prompt, Run};
use crate::review::sample::{MAX_CANDIDATES, SampleSpec, Selection};
use crossterm::event::{KeyCode, KeyModifiers};

/// How many sessions a "matches several" sentence names.
const AMBIGUOUS_NAMED: usize = 3;
/// Entries PgUp and PgDn move by.
const PAGE: usize = 10;
/// The longest argument repeated back in a sentence.
const ECHO_CHARS: usize = 60;

/// `:`: opens the palette; the first time, its history is read.
pub(super) fn open(m: &mut Model, just_rated: Option<(String, String)>, fx: &mut Vec<Effect>) {
    let tags = m.tags.clone();
    m.palette.name_tags(&tags);
    m.mode = Mode::Palette(Box::new(Prompt {
        just_rated,
        ..Prompt::default()
    }));
    if !m.palette.loaded && !m.palette.loading {
        m.palette.loading = true;
        fx.push(Effect::LoadPaletteHistory);
    }
}

/// The history file was read: its commands go before this run's. A damaged one is
/// ignored, said once, and replaced by the next command run.
pub(super) fn history_loaded(
    m: &mut Model,
    result: Result<Option<Vec<String>>, String>,
    fx: &mut Vec<Effect>,
) {
    if m.palette.loaded {
        return;
    }
    m.palette.loading = false;
    let ran_before = !m.palette.history.is_empty();
    match result {
        Ok(lines) => m.palette.loaded_from_file(lines.unwrap_or_default()),
        Err(e) => {
            m.palette.loaded_from_file(Vec::new());
            m.set_general_notice(
                Level::Warning,
                format!(
                    "The palette's history file could not be read ({}); it is ignored, and the next command run starts it again.",
                    crate::sanitize::message(&e, ECHO_CHARS * 2)
                ),
            );
        }
    }
    if ran_before {
        save(m, fx);
    }
}

fn save(m: &Model, fx: &mut Vec<Effect>) {
    if m.palette.loaded {
        fx.push(Effect::SavePaletteHistory {
            history: m.palette.history.clone(),
        });
    }
}

/// The entries shown for the typed line, best first.
fn shown<'a>(m: &'a Model, p: &Prompt) -> Vec<(&'a Entry, Vec<usize>)> {
    palette::matches(&m.palette.catalogue, &p.input)
}

/// Keys while the palette is open.
pub(super) fn keys(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let count = match &m.mode {
        Mode::Palette(p) => shown(m, p).len(),
        _ => return,
    };
    let history_len = m.palette.history.len();
    let Mode::Palette(p) = &mut m.mode else {
        return;
    };
    match action {
        Action::PromptCancel | Action::Dismiss => m.mode = Mode::Browse,
        Action::PromptSubmit => submit(m, fx),
        Action::Paste(text) => {
            let line = text.lines().next().unwrap_or("");
            let room = INPUT_CHARS_MAX.saturating_sub(p.input.chars().count());
            p.input
                .extend(line.chars().filter(|c| !c.is_control()).take(room));
            edited(p);
        }
        Action::PromptKey(ev) => {
            let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
            match ev.code {
                KeyCode::Char('p') if ctrl => older(m, history_len),
                KeyCode::Char('n') if ctrl => newer(m, count),
                KeyCode::Up => older(m, history_len),
                KeyCode::Down => newer(m, count),
                KeyCode::Char('u') if ctrl => {
                    p.input.clear();
                    edited(p);
                }
                KeyCode::Char('w') if ctrl => {
                    let trimmed = p.input.trim_end().len();
                    let cut = p.input[..trimmed].rfind(' ').map_or(0, |i| i + 1);
                    p.input.truncate(cut);
                    edited(p);
                }
                KeyCode::Char(c)
                    if !ev
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                        && !c.is_control()
                        && p.input.chars().count() < INPUT_CHARS_MAX =>
                {
                    p.input.push(c);
                    edited(p);
                }
                KeyCode::Backspace => {
                    p.input.pop();
                    edited(p);
                }
                KeyCode::Tab => complete(m),
                KeyCode::PageDown => {
                    p.selected = (p.selected + PAGE).min(count.saturating_sub(1));
                }
                KeyCode::PageUp => p.selected = p.selected.saturating_sub(PAGE),
                _ => {}
            }
        }
        _ => {}
    }
}

/// The line changed: the list starts again from its best match.
fn edited(p: &mut Prompt) {
    p.selected = 0;
    p.error = None;
    p.recall = None;
}

/// Up: the history's previous command on an empty prompt (or while walking it), else
/// the entry above.
fn older(m: &mut Model, history_len: usize) {
    let Mode::Palette(p) = &mut m.mode else {
        return;
    };
    let walking = p.recall.is_some() || (p.input.is_empty() && p.selected == 0);
    if walking && history_len > 0 {
        let at = p.recall.map_or(history_len - 1, |r| r.saturating_sub(1));
        p.input = m.palette.history[at].clone();
        p.recall = Some(at);
        p.selected = 0;
        p.error = None;
    } else {
        p.selected = p.selected.saturating_sub(1);
    }
}

/// Down: the history's next command while walking it (past the newest, an empty
/// prompt), else the entry below.
fn newer(m: &mut Model, count: usize) {
    let history_len = m.palette.history.len();
    let Mode::Palette(p) = &mut m.mode else {
        return;
    };
    match p.recall {
        Some(r) if r + 1 < history_len => {
            p.input = m.palette.history[r + 1].clone();
            p.recall = Some(r + 1);
        }
        Some(_) => {
            p.input.clear();
            p.recall = None;
        }
        None => p.selected = (p.selected + 1).min(count.saturating_sub(1)),
    }
    p.error = None;
}

/// Tab: the chosen entry's name, and a space where arguments follow.
fn complete(m: &mut Model) {
    let name = match &m.mode {
        Mode::Palette(p) => shown(m, p)
            .get(p.selected)
            .map(|(e, _)| (e.name, e.usage.is_some())),
        _ => None,
    };
    let Mode::Palette(p) = &mut m.mode else {
        return;
    };
    if let Some((name, args)) = name {
        let (_, typed) = palette::split(&p.input);
        p.input = if args {
            format!("{name} {typed}")
        } else {
            name.to_string()
        };
        p.selected = 0;
        p.error = None;
        p.recall = None;
    }
}

/// What Enter runs, its arguments checked.
enum Chosen {
    Key(crate::review::action::Command),
    Sample {
        n: usize,
        seed: u64,
    },
    Tag {
        session: String,
        message: String,
        tag: String,
    },
    TagPicker,
    Goto(String),
    Order(String),
}

/// Enter: runs the entry named or chosen; a wrong argument keeps the palette open and
/// says what is wrong there.
fn submit(m: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Palette(p) = std::mem::replace(&mut m.mode, Mode::Browse) else {
        return;
    };
    let mut p = *p;
    let (name, args) = palette::split(&p.input);
    let entry = m
        .palette
        .catalogue
        .iter()
        .find(|e| e.name == name)
        .or_else(|| shown(m, &p).get(p.selected).map(|(e, _)| *e))
        .cloned();
    let Some(entry) = entry else {
        p.error = Some(format!(
            "No command matches {:?}; Backspace and try another word, or Esc.",
            echo(name)
        ));
        m.mode = Mode::Palette(Box::new(p));
        return;
    };
    let args = args.to_string();
    let chosen = match check(m, &entry, &args, &p) {
        Ok(c) => c,
        Err(e) => {
            if entry.usage.is_some() && args.is_empty() {
                p.input = format!("{} ", entry.name);
            }
            p.error = Some(e);
            p.selected = 0;
            p.recall = None;
            m.mode = Mode::Palette(Box::new(p));
            return;
        }
    };
    let line = if args.is_empty() {
        entry.name.to_string()
    } else {
        format!("{} {args}", entry.name)
    };
    m.palette.remember(&line);
    save(m, fx);
    run(m, chosen, p.just_rated, fx);
}

fn echo(s: &str) -> String {
    crate::sanitize::message(s, ECHO_CHARS)
}

/// Checks an entry's arguments against the model, changing nothing.
fn check(m: &Model, e: &Entry, args: &str, p: &Prompt) -> Result<Chosen, String> {
    let usage = |what: &str| {
        format!(
            "{} needs {what}: {} {}",
            e.name,
            e.name,
            e.usage.unwrap_or_default()
        )
    };
    match e.run {
        Run::Key(cmd) => Ok(Chosen::Key(cmd)),
        Run::Sample => {
            let mut words = args.split_whitespace();
            let Some(n) = words.next() else {
                return Err(usage("a number of sessions"));
            };
            let n = match n.parse::<usize>() {
                Ok(n) if (1..=MAX_CANDIDATES).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "sample: {:?} is not a number of sessions from 1 to {}.",
                        echo(n),
                        thousands(MAX_CANDIDATES)
                    ));
                }
            };
            let seed = match words.next() {
                None => fresh_seed(m),
                Some(s) => s.parse::<u64>().map_err(|_| {
                    format!(
                        "sample: the seed {:?} is not a whole number (0 or more).",
                        echo(s)
                    )
                })?,
            };
            if let Some(extra) = words.next() {
                return Err(format!(
                    "sample takes a number and a seed; {:?} is one word too many.",
                    echo(extra)
                ));
            }
            Ok(Chosen::Sample { n, seed })
        }
        Run::Tag if args.is_empty() => Ok(Chosen::TagPicker),
        Run::Tag => {
            let tag = tags::normalize(args).ok_or_else(|| tags::invalid(args))?;
            // Marked replies: the tag goes on all of them (`tags::toggle` sees the marks).
            let marked = super::bulk::marked_replies(m).into_iter().next();
            let Some((session, message)) = marked
                .or_else(|| p.just_rated.clone())
                .or_else(|| selected_assistant(m))
            else {
                return Err(
                    "tag: no reply is selected; put the cursor on an assistant reply first."
                        .to_string(),
                );
            };
            Ok(Chosen::Tag {
                session,
                message,
                tag,
            })
        }
        Run::Goto if args.is_empty() => Err(usage("a session id")),
        Run::Goto => find_session(m, args).map(Chosen::Goto),
        Run::Order if args.is_empty() => Err(usage("an order")),
        Run::Order => {
            let word = args.trim().to_ascii_lowercase();
            if matches!(word.as_str(), "newest" | "risk") {
                Ok(Chosen::Order(word))
            } else {
                Err(format!(
                    "order: {:?} is not an order; use newest or risk.",
                    echo(args)
                ))
            }
        }
    }
}

/// A seed for a sample drawn without one, from the model's clock: short enough to type.
fn fresh_seed(m: &Model) -> u64 {
    let t = m.now.timestamp_subsec_nanos() as u64 ^ m.now.timestamp().unsigned_abs();
    t % 10_000
}

/// A listed session by its exact id, else by a prefix only one id has.
fn find_session(m: &Model, typed: &str) -> Result<String, String> {
    let typed = typed.trim();
    if m.sessions
        .row(typed)
        .is_some_and(|r| r.unreadable.is_none())
    {
        return Ok(typed.to_string());
    }
    let found: Vec<&SessionRow> = m
        .sessions
        .rows
        .iter()
        .filter(|r| r.unreadable.is_none() && r.id.starts_with(typed))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(format!(
            "goto: no listed session has the id {:?} or starts with it ({} sessions listed; more load as the list scrolls).",
            echo(typed),
            thousands(m.sessions.rows.len())
        )),
        many => Err(format!(
            "goto: {:?} starts {} session ids ({}{}); type more of the id.",
            echo(typed),
            thousands(many.len()),
            many.iter()
                .take(AMBIGUOUS_NAMED)
                .map(|r| r.label.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if many.len() > AMBIGUOUS_NAMED {
                ", …"
            } else {
                ""
            }
        )),
    }
}

fn run(m: &mut Model, chosen: Chosen, just_rated: Option<(String, String)>, fx: &mut Vec<Effect>) {
    match chosen {
        Chosen::Key(cmd) => {
            // As if its key had been pressed right where `:` was.
            m.just_rated = just_rated;
            super::command(m, cmd, fx);
        }
        Chosen::Sample { n, seed } => start_sample(m, n, seed, fx),
        Chosen::Tag {
            session,
            message,
            tag,
        } => super::tags::toggle(m, &session, &message, &tag, fx),
        Chosen::TagPicker => super::tags::open_picker(m, just_rated),
        Chosen::Goto(id) => goto(m, &id, fx),
        Chosen::Order(word) => set_order(m, &word, fx),
    }
}

/// `:order newest|risk`: the word was checked.
fn set_order(m: &mut Model, word: &str, fx: &mut Vec<Effect>) {
    if let Some(o) = crate::review::order::Order::parse(word) {
        super::order::set_order(m, o, fx);
    }
}

/// `:sample N [seed]`: the list becomes a reproducible sample of the sessions the
/// current filter shows, drawn from the server's whole list as `--sample` is.
fn start_sample(m: &mut Model, n: usize, seed: u64, fx: &mut Vec<Effect>) {
    let spec = SampleSpec {
        n,
        seed,
        status: match m.filter {
            Filter::Status(s) => Some(s),
            _ => None,
        },
        since: None,
        until: None,
        unrated: m.filter == Filter::Unrated,
    };
    m.batch = Some(Batch::sample(n, seed, Selection::Sample(spec)));
    m.jump = None;
    m.queued.clear();
    m.search = None;
    if let Some(id) = m.open.take()
        && let Some(t) = m.transcripts.get_mut(&id)
    {
        t.layout = TranscriptLayout::default();
    }
    m.focus = Pane::Sessions;
    m.sessions.selected = 0;
    m.sessions.offset = 0;
    m.sessions.to_end = false;
    m.sessions.preview = None;
    if let Some(draw) = super::batch::start(m) {
        fx.push(draw);
    }
}

/// `:goto ID`: opens the session, showing every session if the filter hid it.
fn goto(m: &mut Model, id: &str, fx: &mut Vec<Effect>) {
    if m.sessions.position(id).is_none() {
        m.filter = Filter::All;
        rebuild_visible(m);
    }
    m.jump = None;
    open_session(m, id, fx);
    m.focus = Pane::Transcript;
    let label = m
        .sessions
        .row(id)
        .map_or_else(|| echo(id), |r| r.title().to_string());
    m.set_notice(Level::Info, format!("Opened {label}."));
}
