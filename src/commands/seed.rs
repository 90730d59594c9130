//! `verdict seed`: a database of synthetic sessions, for benchmarks and trying verdict at size.

use super::plural;
use crate::cli::SeedArgs;
use crate::outln;
use crate::server;

pub fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let options = server::seed::SeedOptions {
        namespace: args.namespace,
        sessions: args.sessions,
        messages: args.messages,
    };
    let s = server::seed::seed(&args.db, &options)?;
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
