//! `verdict serve`, `keys create`, `import` and `seed`.

use super::import::{self, ImportSummary};
use crate::cli::{ConnectArgs, ImportArgs, SeedArgs, ServeArgs};
use crate::config::Paths;
use crate::journal::commands::outln;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// `server.db` in the data directory, which is created if needed.
fn default_db(connect: &ConnectArgs) -> anyhow::Result<PathBuf> {
    let paths = Paths::resolve(connect.config.as_deref())?;
    paths.ensure_data_dir().with_context(|| {
        format!(
            "Cannot create the data directory {}; pass --db PATH",
            paths.data_dir.display()
        )
    })?;
    Ok(paths.server_db())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM). The handlers are
/// installed when this is called, before the port opens, so an early signal is not lost.
fn stop_requested() -> anyhow::Result<impl std::future::Future<Output = ()>> {
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

pub async fn serve(connect: &ConnectArgs, args: ServeArgs) -> anyhow::Result<()> {
    crate::logging::to_stderr();
    let db = match args.db {
        Some(db) => db,
        None => default_db(connect)?,
    };
    if !args.addr.ip().is_loopback() {
        tracing::warn!(
            "listening on {}, which other machines can reach: the server speaks plain HTTP, so keys and transcripts cross the network unencrypted; prefer --addr 127.0.0.1:PORT",
            args.addr
        );
    }
    let stop = stop_requested()?;
    let handle = super::start(&db, args.addr).await?;
    tracing::info!(
        "verdict server listening on {} (database {})",
        handle.base_url(),
        db.display()
    );
    if args.demo {
        let path = db.clone();
        let setup = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let created = super::seed_demo(&path)?;
            // The key is shown only when the demo namespace is new; later runs use `keys create`.
            Ok(if created {
                Some(super::create_key(&path, super::DEMO_NAMESPACE)?)
            } else {
                None
            })
        })
        .await
        .context("The demo setup task failed")
        .and_then(|r| r);
        match setup {
            Ok(Some(key)) => {
                // A closed standard output loses the banner, not the server it announces.
                let banner = outln!(
                    "verdict local demo server\n  base URL   {}\n  namespace  {}\n  API key    {}   (a local demo key, shown only this once)",
                    handle.base_url(),
                    super::DEMO_NAMESPACE,
                    key.expose()
                );
                if let Err(e) = banner {
                    tracing::warn!("the demo banner was not shown: {e:#}");
                }
            }
            Ok(None) => tracing::info!(
                "namespace {} is ready; make a key with: verdict keys create --namespace {} --db {}",
                super::DEMO_NAMESPACE,
                super::DEMO_NAMESPACE,
                db.display()
            ),
            Err(e) => {
                handle.shutdown().await;
                return Err(e);
            }
        }
    }
    stop.await;
    tracing::info!("stopping: finishing requests in flight");
    handle.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

pub fn keys_create(
    connect: &ConnectArgs,
    namespace: &str,
    db: Option<&Path>,
) -> anyhow::Result<()> {
    let db = match db {
        Some(db) => db.to_path_buf(),
        None => default_db(connect)?,
    };
    let key = super::create_key(&db, namespace)?;
    // The only place a key is ever shown: stdout, so it can be captured and nothing else with it.
    outln!("{}", key.expose())
}

pub fn import(connect: &ConnectArgs, args: ImportArgs) -> anyhow::Result<()> {
    import::check_namespace_name(&args.namespace).map_err(anyhow::Error::msg)?;
    let db = match args.db {
        Some(db) => db,
        None => default_db(connect)?,
    };
    let mut total = ImportSummary::default();
    let mut failed = 0usize;
    for file in &args.files {
        let name = if file.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            file.display().to_string()
        };
        match import::import_file(&db, &args.namespace, file) {
            Ok(s) => {
                outln!(
                    "{}: {} ({})",
                    name,
                    plural(s.sessions, "session"),
                    plural(s.messages, "message")
                )?;
                for (wanted, given) in &s.renamed {
                    crate::say_err!(
                        "verdict: {name}: session {wanted} already exists, so this copy is {given} (was the file imported before?)"
                    );
                }
                total.sessions += s.sessions;
                total.messages += s.messages;
            }
            Err(e) => {
                crate::say_err!("{e}");
                failed += 1;
            }
        }
    }
    outln!(
        "Imported {} ({}) into namespace {}.",
        plural(total.sessions, "session"),
        plural(total.messages, "message"),
        args.namespace
    )?;
    if failed > 0 {
        anyhow::bail!(
            "{} of {} not imported: fix the problems listed above and import {} again.",
            plural(failed, "file"),
            args.files.len(),
            if failed == 1 { "it" } else { "them" }
        );
    }
    Ok(())
}

pub fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let options = super::seed::SeedOptions {
        namespace: args.namespace,
        sessions: args.sessions,
        messages: args.messages,
    };
    let s = super::seed::seed(&args.db, &options)?;
    if s.namespace_created {
        outln!("Created namespace {}.", options.namespace)?;
    }
    outln!(
        "Seeded {} ({}: {} from the assistant, {} tool calls and results, {} already rated) into namespace {} in {:.1} s.",
        plural(s.sessions as usize, "session"),
        plural(s.messages as usize, "message"),
        s.assistant_messages,
        s.tool_messages,
        s.rated_messages,
        options.namespace,
        s.elapsed.as_secs_f64()
    )?;
    outln!(
        "{} memory disabled. Make a key with: verdict keys create --namespace {} --db {}",
        match s.memory_disabled_sessions {
            1 => "1 session has".to_string(),
            n => format!("{n} sessions have"),
        },
        options.namespace,
        args.db.display()
    )
}
