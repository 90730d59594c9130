//! `verdict status`: paths, server, namespace, key set or not, and the journal's counts.

use crate::cli::ConnectArgs;
use crate::config::{ENV_API_KEY, ENV_NAMESPACE};
use crate::journal::{Counts, DEMO_SERVER_KEY, JournalHandle, journal_base_url};

pub async fn status(connect: &ConnectArgs) -> anyhow::Result<()> {
    let settings = crate::config::prepare(&connect.overrides())?;
    let paths = &settings.paths;
    let base_url = journal_base_url(&settings.base_url);
    let mut lines: Vec<(&str, String)> = Vec::new();
    let config_state = if paths.config_file.exists() {
        ""
    } else {
        " (not found; defaults in use)"
    };
    lines.push((
        "config file",
        format!("{}{config_state}", paths.config_file.display()),
    ));
    lines.push(("data dir", paths.data_dir.display().to_string()));
    lines.push(("journal", paths.journal_db().display().to_string()));
    lines.push(("log", paths.log_file().display().to_string()));
    let server_note =
        match crate::api::client::check_base_url(&base_url, settings.allow_insecure_http) {
            Ok(_) => String::new(),
            Err(e) => format!(" ({})", e.user_message()),
        };
    lines.push(("server", format!("{base_url}{server_note}")));
    lines.push((
        "namespace",
        settings
            .namespace
            .clone()
            .unwrap_or_else(|| format!("not set (pass --namespace or set {ENV_NAMESPACE})")),
    ));
    lines.push((
        "api key",
        if settings.api_key.is_some() {
            "configured".to_string()
        } else {
            format!("not set (set {ENV_API_KEY} or api_key in the config file)")
        },
    ));
    lines.push((
        "reviewer",
        format!(
            "{} ({})",
            settings.reviewer,
            settings.reviewer_source.describe()
        ),
    ));

    let mut failed_entries = Vec::new();
    match &settings.namespace {
        Some(namespace) if paths.journal_db().exists() => {
            let journal = JournalHandle::open(&paths.journal_db())?;
            let (b, n) = (base_url.clone(), namespace.clone());
            let (counts, failed, drafts) = journal
                .call(move |j| Ok((j.counts(&b, &n)?, j.failed(&b, &n)?, j.drafts(&b, &n)?)))
                .await?;
            lines.push(("pending", counts.pending.to_string()));
            lines.push(("failed", counts.failed.to_string()));
            lines.push((
                "drafts",
                if drafts.is_empty() {
                    "0".to_string()
                } else {
                    format!(
                        "{} (notes not sent yet; the reviewer marks each message \"draft\")",
                        drafts.len()
                    )
                },
            ));
            failed_entries = failed;
        }
        Some(_) => {
            let none = Counts::default();
            lines.push(("pending", none.pending.to_string()));
            lines.push(("failed", none.failed.to_string()));
            lines.push(("drafts", "0".into()));
        }
        None => {
            lines.push(("pending", "unknown until a namespace is set".into()));
            lines.push(("failed", "unknown until a namespace is set".into()));
            lines.push(("drafts", "unknown until a namespace is set".into()));
        }
    }
    // Demo ratings are kept under the demo's own name; only the demo sends them.
    if paths.journal_db().exists() {
        let journal = JournalHandle::open(&paths.journal_db())?;
        let (demo, drafts) = journal
            .call(|j| {
                let ns = crate::server::DEMO_NAMESPACE;
                Ok((
                    j.counts(DEMO_SERVER_KEY, ns)?,
                    j.drafts(DEMO_SERVER_KEY, ns)?.len(),
                ))
            })
            .await?;
        if demo.pending + demo.failed + drafts > 0 {
            let mut what = format!("{} pending, {} failed", demo.pending, demo.failed);
            if drafts > 0 {
                what.push_str(&format!(
                    ", {drafts} draft{}",
                    if drafts == 1 { "" } else { "s" }
                ));
            }
            lines.push((
                "demo",
                format!("{what} (pending ones are sent the next time the demo runs)"),
            ));
        }
    }
    let mut out = String::new();
    for (label, value) in lines {
        out.push_str(&format!("{label:<12} {value}\n"));
    }
    const SHOWN: usize = 10;
    for e in failed_entries.iter().take(SHOWN) {
        out.push_str(&format!(
            "  failed: {} on {} in {} ({}): {}\n",
            e.rating,
            e.target.message_id,
            e.target.session_id,
            e.made_at,
            e.last_error.as_deref().unwrap_or("refused")
        ));
    }
    if failed_entries.len() > SHOWN {
        out.push_str(&format!(
            "  ... and {} more (verdict export lists them all)\n",
            failed_entries.len() - SHOWN
        ));
    }
    crate::output::write_stdout(format_args!("{out}"))
}
