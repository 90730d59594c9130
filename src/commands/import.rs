//! `verdict import`: transcripts into the local server's database, one transaction per file.

use super::{default_db, plural};
use crate::cli::{ConnectArgs, ImportArgs};
use crate::outln;
use crate::server::import::{self, ImportSummary};

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
