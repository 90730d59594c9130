//! The terminal app: Model, Action, pure update, effects, keymap, views and the loop.

pub mod action;
pub mod editor;
pub mod effect;
pub mod keymap;
pub mod layout;
pub mod markdown;
pub mod model;
pub mod run;
pub mod scroll;
pub mod text;
pub mod update;
pub mod view;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod update_tests;
#[cfg(test)]
mod view_tests;

use crate::cli::ConnectArgs;
use anyhow::Context;
use keymap::Keymap;
use run::{App, AppConfig, Connection};
use std::io::IsTerminal;
use view::theme::{Look, Theme};

/// Opens the reviewer. With no API key configured, or with `demo`, starts the local
/// server in-process on the demo transcripts.
pub async fn run(connect: &ConnectArgs, demo: bool) -> anyhow::Result<()> {
    // Everything that can be wrong with the setup is said on stderr, before the
    // terminal is taken over.
    let settings = crate::config::prepare(connect)?;
    let keymap = Keymap::from_config(&settings.keys)
        .map_err(|e| anyhow::anyhow!("{}: {e}", settings.paths.config_file.display()))?;
    if settings.api_key.is_some() && settings.namespace.is_none() && !demo {
        anyhow::bail!(
            "No namespace is set: pass --namespace NAME, set {}=NAME, or put namespace = \"...\" in {}; or run `verdict --demo` to try the demo.",
            crate::config::ENV_NAMESPACE,
            settings.paths.config_file.display()
        );
    }
    let conn = Connection::open(&settings, demo).await?;
    if !std::io::stdout().is_terminal() {
        conn.outbox.shutdown().await;
        if let Some(server) = conn.server {
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
        offset: *chrono::Local::now().offset(),
    };
    tracing::info!(server = %conn.info.server, namespace = %conn.info.namespace, demo = demo_mode, "reviewer starting");

    let terminal = run::tty::enter().context("Cannot take over the terminal")?;
    let mut app = match App::new(terminal, config, conn) {
        Ok(app) => app,
        Err(e) => {
            run::tty::restore();
            return Err(e);
        }
    };
    let result = app
        .run(crossterm::event::EventStream::new(), run::termination())
        .await;
    run::tty::restore();
    let pending = app.model().sends_pending();
    let journaled = app.close().await;
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
        } else {
            "the next time verdict runs"
        };
        crate::say_err!(
            "verdict: {pending} rating(s) not yet sent are kept in the journal; they are sent {when}."
        );
    }
    Ok(())
}
