//! `verdict serve`: the local server until Ctrl-C or SIGTERM, optionally seeded with the demo.

use super::{default_db, stop_requested};
use crate::cli::{ConnectArgs, ServeArgs};
use crate::outln;
use crate::server;
use anyhow::Context;
use std::time::Duration;

/// The environment variables that change [`server::ServeLimits`], each with what it sets.
const LIMIT_VARIABLES: [&str; 5] = [
    "VERDICT_SERVE_HEADER_TIMEOUT",
    "VERDICT_SERVE_BODY_TIMEOUT",
    "VERDICT_SERVE_IDLE_TIMEOUT",
    "VERDICT_SERVE_SHUTDOWN_GRACE",
    "VERDICT_SERVE_MAX_CONNECTIONS",
];

/// The server's timeouts (seconds, fractions allowed) and connection cap, from the
/// environment where set, else the defaults in docs/reliability.md.
fn limits_from_env() -> anyhow::Result<server::ServeLimits> {
    let mut limits = server::ServeLimits::default();
    for name in LIMIT_VARIABLES {
        let Ok(raw) = std::env::var(name) else {
            continue;
        };
        let raw = raw.trim();
        if name == "VERDICT_SERVE_MAX_CONNECTIONS" {
            limits.max_connections = raw
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| {
                    format!("{name}={raw} is not a number of connections; give a whole number above 0, such as 512.")
                })?;
            continue;
        }
        let seconds = raw
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
            .with_context(|| {
                format!("{name}={raw} is not a duration; give seconds above 0 and at most 86400, such as 10 or 0.5.")
            })?;
        let duration = Duration::from_secs_f64(seconds);
        match name {
            "VERDICT_SERVE_HEADER_TIMEOUT" => limits.header_timeout = duration,
            "VERDICT_SERVE_BODY_TIMEOUT" => limits.body_timeout = duration,
            "VERDICT_SERVE_IDLE_TIMEOUT" => limits.idle_timeout = duration,
            _ => limits.shutdown_grace = duration,
        }
    }
    Ok(limits)
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
    let limits = limits_from_env()?;
    let stop = stop_requested()?;
    let handle = server::start_with(&db, args.addr, limits).await?;
    tracing::info!(
        "verdict server listening on {} (database {}; at most {} connections, header timeout {:?}, body timeout {:?}, idle timeout {:?}, shutdown grace {:?})",
        handle.base_url(),
        db.display(),
        limits.max_connections,
        limits.header_timeout,
        limits.body_timeout,
        limits.idle_timeout,
        limits.shutdown_grace
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
