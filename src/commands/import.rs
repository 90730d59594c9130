//! `verdict import`: transcripts into the local server's database, one transaction per file.

use super::{default_db, plural};
use crate::cli::{ConnectArgs, ImportArgs};
use crate::outln;
use crate::server::import::{self, ImportOptions, ImportSummary};

pub fn import(connect: &ConnectArgs, args: ImportArgs) -> anyhow::Result<()> {
    import::check_namespace_name(&args.namespace).map_err(anyhow::Error::msg)?;
    let db = match args.db {
        Some(db) => db,
        None => default_db(connect)?,
    };
    let opts = ImportOptions {
        max_message_bytes: usize::try_from(args.max_message_bytes).unwrap_or(usize::MAX),
        max_file_bytes: args.max_file_bytes,
        replace: args.replace,
    };
    let mut total = ImportSummary::default();
    let mut failed = 0usize;
    for file in &args.files {
        let name = if file.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            file.display().to_string()
        };
        match import::import_file(&db, &args.namespace, file, &opts) {
            Ok(s) => {
                outln!("{name}: {}", describe(&s))?;
                if !s.unchanged.is_empty() {
                    let which = match s.unchanged.as_slice() {
                        [one] => format!("session {one} already exists"),
                        many => format!("{} already exist", plural(many.len(), "session")),
                    };
                    crate::say_err!(
                        "verdict: {name}: {which} with the same messages and {} left as {} (was the file imported before?)",
                        if s.unchanged.len() == 1 {
                            "was"
                        } else {
                            "were"
                        },
                        if s.unchanged.len() == 1 {
                            "it is"
                        } else {
                            "they are"
                        },
                    );
                }
                total.sessions += s.sessions;
                total.messages += s.messages;
                total.unchanged.extend(s.unchanged);
                total.replaced.extend(s.replaced);
            }
            Err(e) => {
                crate::say_err!("{e}");
                failed += 1;
            }
        }
    }
    outln!(
        "Imported {} ({}) into namespace {}.{}",
        plural(total.sessions, "session"),
        plural(total.messages, "message"),
        args.namespace,
        extras(&total)
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

/// One file's line: `3 sessions (11 messages)`, then what was unchanged or replaced.
fn describe(s: &ImportSummary) -> String {
    let mut line = format!(
        "{} ({})",
        plural(s.sessions, "session"),
        plural(s.messages, "message")
    );
    if !s.replaced.is_empty() {
        line.push_str(&format!(", {} replaced", s.replaced.len()));
    }
    if !s.unchanged.is_empty() {
        line.push_str(&format!(", {} unchanged", s.unchanged.len()));
    }
    line
}

/// The end of the last line: sessions replaced, and sessions that were there already.
fn extras(total: &ImportSummary) -> String {
    let mut out = String::new();
    if !total.replaced.is_empty() {
        out.push_str(&format!(
            " {} replaced an earlier copy.",
            plural(total.replaced.len(), "session")
        ));
    }
    if !total.unchanged.is_empty() {
        out.push_str(&format!(
            " {} already there, unchanged.",
            match total.unchanged.len() {
                1 => "1 session was".to_string(),
                n => format!("{n} sessions were"),
            }
        ));
    }
    out
}
