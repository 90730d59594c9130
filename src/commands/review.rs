//! The reviewer's start-up: settings, keymap, the connection (starting the demo server
//! in-process when no account is configured), the terminal, and what to say on the way out.

use crate::api::{Client, ClientOptions};
use crate::cli::ConnectArgs;
use crate::config::Settings;
use crate::review::keymap::Keymap;
use crate::review::run::{self, App, AppConfig, Connection};
use crate::review::view::theme::{Look, Theme};
use crate::server::{self, ServerHandle};
use anyhow::Context;
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
/// one run and starts the next on the chosen profile.
pub async fn run(connect: &ConnectArgs, demo: bool) -> anyhow::Result<()> {
    let mut overrides = connect.overrides();
    let mut demo = demo;
    loop {
        let Some(profile) = run_once(&overrides, demo).await? else {
            return Ok(());
        };
        tracing::info!(%profile, "switching profile");
        // The chosen account's own server and namespace, not the flags of the first run.
        overrides.profile = Some(profile);
        overrides.base_url = None;
        overrides.namespace = None;
        demo = false;
    }
}

/// One run of the reviewer; the profile the reviewer chose to switch to, if any.
async fn run_once(
    overrides: &crate::config::Overrides,
    demo: bool,
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
    let Opened { conn, mut server } = open(&settings, demo).await?;
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
        Ok(app) => app.with_profiles(settings.profiles.clone(), settings.profile.clone()),
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
