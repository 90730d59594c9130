//! The edge: one file per subcommand, the only code that sees the command line, the
//! settings and several parts at once.

pub mod agree;
pub mod completions;
pub mod doctor;
pub mod export;
pub mod import;
pub mod keys;
pub mod login;
pub mod rate;
pub mod review;
pub mod search;
pub mod seed;
pub mod serve;
pub mod stats;
pub mod status;
pub mod sync;
pub mod tags;

use crate::api::model::SubmitFeedbackResponse;
use crate::api::{Client, ClientOptions};
use crate::cli::{Cli, Command, ConnectArgs, KeysCommand};
use crate::config::{ENV_API_KEY, ENV_NAMESPACE, Paths, Settings};
use anyhow::{Context, anyhow, bail};
use std::path::PathBuf;

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => {
            review::run(
                &cli.connect,
                cli.demo,
                &cli.batch,
                cli.guidelines.as_deref(),
            )
            .await
        }
        Some(Command::Serve(args)) => serve::serve(&cli.connect, args).await,
        Some(Command::Keys(KeysCommand::Create { namespace, db })) => {
            keys::keys_create(&cli.connect, &namespace, db.as_deref())
        }
        Some(Command::Import(args)) => import::import(&cli.connect, args),
        Some(Command::Seed(args)) => seed::seed(args),
        Some(Command::Rate(args)) => rate::rate(&args.connect.clone(), args).await,
        Some(Command::Export(args)) => export::export(&args.connect.clone(), args).await,
        Some(Command::Search(args)) => search::search(&args.connect.clone(), args).await,
        Some(Command::Status(connect)) => status::status(&connect).await,
        Some(Command::Doctor(connect)) => doctor::doctor(&connect).await,
        Some(Command::Login(args)) => login::login(args).await,
        Some(Command::Logout(connect)) => login::logout(&connect),
        Some(Command::Sync(args)) => sync::sync(&args.connect.clone(), args).await,
        Some(Command::Completions { shell }) => completions::completions(shell),
        Some(Command::Man) => completions::man(),
        Some(Command::Agree(args)) => agree::agree(args),
        Some(Command::Tags(args)) => tags::tags(&args.connect.clone(), args).await,
        Some(Command::Stats(args)) => stats::stats(&args.connect.clone(), args).await,
    }
}

/// `server.db` in the data directory, which is created if needed.
pub(crate) fn default_db(connect: &ConnectArgs) -> anyhow::Result<PathBuf> {
    let paths = Paths::resolve(connect.config.as_deref())?;
    paths.ensure_data_dir().with_context(|| {
        format!(
            "Cannot create the data directory {}; pass --db PATH",
            paths.data_dir.display()
        )
    })?;
    Ok(paths.server_db())
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM). The handlers are
/// installed when this is called, before the port opens, so an early signal is not lost.
pub(crate) fn stop_requested() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("Cannot listen for Ctrl-C")?;
        let mut terminate = signal(SignalKind::terminate()).context("Cannot listen for SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// A receipt in one line, as `rate` and `sync` print it:
/// `positive on msg_x in ses_y: stored to memory (recorded 2026-...)`
pub fn receipt_line(receipt: &SubmitFeedbackResponse) -> String {
    format!(
        "{} on {} in {}: {} (recorded {})",
        receipt.rating,
        receipt.message_id,
        receipt.session_id,
        if receipt.stored {
            "stored to memory"
        } else {
            "not stored"
        },
        receipt.recorded_at
    )
}

/// The API client, or one sentence on what to set.
pub(crate) fn client(settings: &Settings) -> anyhow::Result<Client> {
    let Some(api_key) = settings.api_key.clone() else {
        bail!(
            "No API key is set: export {ENV_API_KEY}=<your key>, or put api_key = \"...\" in {} (chmod 600).",
            settings.paths.config_file.display()
        );
    };
    let Some(namespace) = settings.namespace.clone() else {
        bail!(
            "No namespace is set: pass --namespace NAME, export {ENV_NAMESPACE}=NAME, or put namespace = \"...\" in {}.",
            settings.paths.config_file.display()
        );
    };
    let mut options = ClientOptions::new(settings.base_url.clone(), api_key, namespace);
    options.allow_insecure_http = settings.allow_insecure_http;
    Client::new(options).map_err(|e| anyhow!(e.user_message()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::{Rating, SubmitFeedbackResponse};

    #[test]
    fn receipt_line_says_stored_or_not() {
        let mut r = SubmitFeedbackResponse {
            session_id: "ses_y".into(),
            message_id: "msg_x".into(),
            rating: Rating::Positive,
            stored: true,
            recorded_at: "2026-01-01T00:00:00Z".into(),
        };
        assert_eq!(
            receipt_line(&r),
            "positive on msg_x in ses_y: stored to memory (recorded 2026-01-01T00:00:00Z)"
        );
        r.stored = false;
        assert!(receipt_line(&r).contains(": not stored ("));
    }
}
