//! `verdict serve`: the local server until Ctrl-C or SIGTERM, optionally seeded with the demo.

use super::{default_db, stop_requested};
use crate::cli::{ConnectArgs, ServeArgs};
use crate::outln;
use crate::server;
use anyhow::Context;

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
    let handle = server::start(&db, args.addr).await?;
    tracing::info!(
        "verdict server listening on {} (database {})",
        handle.base_url(),
        db.display()
    );
    if args.demo {
        let path = db.clone();
        let setup = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let created = server::seed_demo(&path)?;
            // The key is shown only when the demo namespace is new; later runs use `keys create`.
            Ok(if created {
                Some(server::create_key(&path, server::DEMO_NAMESPACE)?)
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
                    server::DEMO_NAMESPACE,
                    key.expose()
                );
                if let Err(e) = banner {
                    tracing::warn!("the demo banner was not shown: {e:#}");
                }
            }
            Ok(None) => tracing::info!(
                "namespace {} is ready; make a key with: verdict keys create --namespace {} --db {}",
                server::DEMO_NAMESPACE,
                server::DEMO_NAMESPACE,
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
