//! The reviewer's start-up: settings, keymap, the connection (starting the demo server
//! in-process when no account is configured), the terminal, and what to say on the way out.

use crate::api::{Client, ClientOptions};
use crate::cli::{BatchArgs, ConnectArgs};
use crate::config::Settings;
use crate::review::batch::Batch;
use crate::review::keymap::Keymap;
use crate::review::run::{self, App, AppConfig, Connection};
use crate::review::sample::{self, SampleSpec, Selection};
use crate::review::view::theme::{Look, Theme};
use crate::server::{self, ServerHandle};
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::io::IsTerminal;

/// A connection and, when it talks to the demo, the in-process server it talks to.
pub struct Opened {
    pub conn: Connection,
    /// Stopped by whoever opened it, after the app has closed.
    pub server: Option<ServerHandle>,
}

impl Opened {
    /// Stops the demo server, if this connection started one.
    pub async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// Connects as the settings say; with no API key, or with `demo`, starts the local
/// server in-process on the demo transcripts.
pub async fn open(settings: &Settings, demo: bool) -> anyhow::Result<Opened> {
    let journal = settings.paths.journal_db();
    let reviewer = settings.reviewer.clone();
    match (&settings.api_key, demo) {
        (Some(key), false) => {
            let mut options = ClientOptions::new(
                settings.base_url.clone(),
                key.clone(),
                settings.namespace.clone().unwrap_or_default(),
            );
            options.allow_insecure_http = settings.allow_insecure_http;
            let client = Client::new(options).map_err(|e| anyhow::anyhow!(e.user_message()))?;
            let conn = Connection::with_client(client, false, &journal, reviewer)?;
            Ok(Opened { conn, server: None })
        }
        _ => {
            let db = settings.paths.demo_db();
            let (server, key) = server::start_demo(&db)
                .await
                .with_context(|| format!("Cannot start the demo server on {}", db.display()))?;
            let options = ClientOptions::new(server.base_url(), key, server::DEMO_NAMESPACE);
            let conn = Client::new(options)
                .map_err(|e| anyhow::anyhow!(e.user_message()))
                .and_then(|client| Connection::with_client(client, true, &journal, reviewer));
            match conn {
                Ok(conn) => Ok(Opened {
                    conn,
                    server: Some(server),
                }),
                Err(e) => {
                    server.shutdown().await;
                    Err(e)
                }
            }
        }
    }
}

/// Opens the reviewer. With no API key configured, or with `demo`, starts the local
/// server in-process on the demo transcripts. Switching account from inside (`P`) ends
/// one run and starts the next on the chosen profile (without the batch: a sample or a
/// queue belongs to the account it was drawn for).
pub async fn run(
    connect: &ConnectArgs,
    demo: bool,
    batch: &BatchArgs,
    guidelines: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let mut overrides = connect.overrides();
    let mut demo = demo;
    let mut batch = batch.clone();
    loop {
        let Some(profile) = run_once(&overrides, demo, &batch, guidelines).await? else {
            return Ok(());
        };
        tracing::info!(%profile, "switching profile");
        // The chosen account's own server and namespace, not the flags of the first run.
        overrides.profile = Some(profile);
        overrides.base_url = None;
        overrides.namespace = None;
        demo = false;
        batch = BatchArgs::default();
    }
}

/// One run of the reviewer; the profile the reviewer chose to switch to, if any.
async fn run_once(
    overrides: &crate::config::Overrides,
    demo: bool,
    batch: &BatchArgs,
    guidelines: Option<&std::path::Path>,
) -> anyhow::Result<Option<String>> {
    // Everything that can be wrong with the setup is said on stderr, before the
    // terminal is taken over.
    let settings = crate::config::prepare(overrides)?;
    let keymap = Keymap::from_config(&settings.keys)
        .map_err(|e| anyhow::anyhow!("{}: {e}", settings.paths.config_file.display()))?;
    if settings.api_key.is_some() && settings.namespace.is_none() && !demo {
        anyhow::bail!(
            "No namespace is set: pass --namespace NAME, set {}=NAME, or put namespace = \"...\" in {}; or run `verdict --demo` to try the demo.",
            crate::config::ENV_NAMESPACE,
            settings.paths.config_file.display()
        );
    }
    let sample = sample_batch(batch)?;
    let Opened { conn, mut server } = open(&settings, demo).await?;
    let chosen = match (&batch.queue, sample) {
        (Some(path), _) => queue_batch(path, &conn),
        (None, sample) => Ok(sample),
    };
    let chosen = match chosen {
        Ok(b) => b,
        Err(e) => {
            conn.outbox.shutdown().await;
            if let Some(server) = server.take() {
                server.shutdown().await;
            }
            return Err(e);
        }
    };
    let blind = batch.blind || settings.review.blind;
    if !std::io::stdout().is_terminal() {
        conn.outbox.shutdown().await;
        if let Some(server) = server.take() {
            server.shutdown().await;
        }
        anyhow::bail!(
            "The reviewer needs a terminal: run verdict in one (over SSH, ssh -t), or use the headless commands: verdict rate, sync, export, status."
        );
    }
    let demo_mode = conn.info.demo;
    let config = AppConfig {
        keymap,
        look: Look::new(Theme::from_env(), settings.review.ascii),
        advance_after_rating: settings.review.advance_after_rating,
        send_delay: std::time::Duration::from_secs(
            settings
                .review
                .send_delay
                .min(crate::config::SEND_DELAY_MAX),
        ),
        next_session: settings.review.advance == crate::config::Advance::NextSession,
        offset: *chrono::Local::now().offset(),
    };
    tracing::info!(server = %conn.info.server, namespace = %conn.info.namespace, demo = demo_mode, "reviewer starting");

    let terminal = run::tty::enter().context("Cannot take over the terminal")?;
    let mut app = match App::new(terminal, config, conn) {
        Ok(mut app) => {
            app.set_scope(chosen, blind);
            let order = match (batch.order.as_deref(), settings.review.order) {
                (Some(o), _) => crate::review::order::Order::parse(o).unwrap_or_default(),
                (None, crate::config::ReviewOrder::Risk) => crate::review::order::Order::Risk,
                (None, crate::config::ReviewOrder::Newest) => crate::review::order::Order::Newest,
            };
            app.set_order(order);
            app.with_profiles(settings.profiles.clone(), settings.profile.clone())
                .with_tags(settings.tags.clone())
                .with_guidelines(guidelines_path(&settings, guidelines))
        }
        Err(e) => {
            run::tty::restore();
            if let Some(server) = server.take() {
                server.shutdown().await;
            }
            return Err(e);
        }
    };
    let (events, control) = run::tty::events();
    if let Some(editor) = run::external::editor_from_env() {
        app.set_external_editor(editor, control);
    }
    let result = app.run(events, run::termination()).await;
    run::tty::restore();
    let pending = app.model().sends_pending();
    let switch_to = app.model().switch_to.clone();
    let journaled = app.close().await;
    if let Some(server) = server.take() {
        server.shutdown().await;
    }
    result?;
    if !journaled {
        crate::say_err!(
            "verdict: the journal ({}) did not finish writing within {} s: the last ratings or notes made before quitting may not be saved; check the disk, then run verdict status.",
            settings.paths.journal_db().display(),
            run::JOURNAL_GRACE.as_secs()
        );
    } else if pending > 0 {
        let when = if demo_mode {
            "the next time the demo runs"
        } else if switch_to.is_some() {
            "the next time verdict runs on this account"
        } else {
            "the next time verdict runs"
        };
        crate::say_err!(
            "verdict: {pending} rating(s) not yet sent are kept in the journal; they are sent {when}."
        );
    }
    Ok(switch_to)
}

/// The sample the flags ask for, checked before anything starts.
fn sample_batch(args: &BatchArgs) -> anyhow::Result<Option<Batch>> {
    let Some(n) = args.sample else {
        return Ok(None);
    };
    if n == 0 {
        anyhow::bail!(
            "--sample 0 would review nothing: give the number of sessions to sample, 1 or more."
        );
    }
    let seed = args.seed.unwrap_or_else(sample::fresh_seed);
    let status = args
        .status
        .as_deref()
        .and_then(|s| serde_json::from_value(serde_json::Value::String(s.to_string())).ok());
    let spec = SampleSpec {
        n,
        seed,
        status,
        since: args
            .since
            .as_deref()
            .map(|s| when("--since", s))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| when("--until", s))
            .transpose()?,
        unrated: args.unrated,
    };
    Ok(Some(Batch::sample(n, seed, Selection::Sample(spec))))
}

/// A date (midnight UTC) or an RFC 3339 time, as `export --since` takes them.
pub fn when(flag: &str, s: &str) -> anyhow::Result<DateTime<Utc>> {
    let t = s.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(midnight) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(midnight.and_utc());
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    anyhow::bail!(
        "{flag} {:?} is not a date: use YYYY-MM-DD (e.g. 2026-03-01) or an RFC 3339 time (e.g. 2026-03-01T09:00:00Z).",
        crate::sanitize::message(s, 100)
    )
}

/// The queue file's replies for the server and namespace connected; those for another
/// are left out and counted, and a queue with none left is refused.
fn queue_batch(path: &std::path::Path, conn: &Connection) -> anyhow::Result<Option<Batch>> {
    let queue = crate::queue::read(path)?;
    let total = queue.items.len();
    if total == 0 {
        anyhow::bail!(
            "The queue file {} holds no replies: nothing to adjudicate.",
            path.display()
        );
    }
    let base = if conn.info.demo {
        crate::journal::DEMO_SERVER_KEY.to_string()
    } else {
        crate::journal::journal_base_url(conn.client.base_url())
    };
    let ns = conn.client.namespace().to_string();
    let (ours, theirs): (Vec<_>, Vec<_>) = queue.items.into_iter().partition(|it| {
        crate::journal::journal_base_url(&it.base_url) == base && it.namespace == ns
    });
    if ours.is_empty() {
        let first = &theirs[0];
        anyhow::bail!(
            "The queue file {} holds no reply for this server and namespace ({} {}): its {total} replies are for {} {}; connect there with --base-url and --namespace (or --profile).",
            path.display(),
            crate::sanitize::message(&base, 200),
            crate::sanitize::message(&ns, 100),
            crate::sanitize::message(&first.base_url, 200),
            crate::sanitize::message(&first.namespace, 100),
        );
    }
    let created_at = DateTime::parse_from_rfc3339(&queue.created_at)
        .ok()
        .map(|t| t.with_timezone(&Utc));
    let mut batch = Batch::queue(ours, created_at);
    batch.left_out = theirs.len();
    Ok(Some(batch))
}

/// The guidelines file: `--guidelines` (from the working directory), else
/// `review.guidelines` (from the config file's directory).
fn guidelines_path(
    settings: &crate::config::Settings,
    flag: Option<&std::path::Path>,
) -> Option<std::path::PathBuf> {
    use crate::review::guidelines::resolve;
    match flag {
        Some(p) => Some(resolve(p, std::env::current_dir().ok().as_deref())),
        None => settings
            .review
            .guidelines
            .as_deref()
            .map(|p| resolve(p, settings.paths.config_file.parent())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_of_zero_is_refused_with_a_sentence() {
        let args = BatchArgs {
            sample: Some(0),
            ..Default::default()
        };
        let e = sample_batch(&args).unwrap_err().to_string();
        assert!(e.contains("--sample 0") && e.contains("1 or more"), "{e}");
    }

    #[test]
    fn a_sample_keeps_its_seed_and_filters() {
        let args = BatchArgs {
            sample: Some(5),
            seed: Some(42),
            status: Some("archived".into()),
            since: Some("2026-11-01".into()),
            until: Some("2026-11-30T12:00:00Z".into()),
            unrated: true,
            ..Default::default()
        };
        let b = sample_batch(&args).unwrap().unwrap();
        let Selection::Sample(spec) = &b.selection else {
            panic!("{b:?}")
        };
        assert_eq!(spec.seed, 42);
        assert_eq!(
            spec.status,
            Some(crate::api::model::SessionStatus::Archived)
        );
        assert!(spec.unrated);
        assert_eq!(
            spec.since.unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        let e = when("--until", "yesterday").unwrap_err().to_string();
        assert!(e.starts_with("--until \"yesterday\" is not a date"), "{e}");
    }
}
