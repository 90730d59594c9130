//! The binary: parse the command line, build the runtime, run the command.

use std::process::ExitCode;

fn main() -> ExitCode {
    // verdict::cli::parse hands connection flags given before a subcommand down to it.
    let cli = verdict::cli::parse();
    if cli.command.is_none() {
        // The reviewer: its terminal loop runs on this thread, everything else gives way.
        verdict::priority::favour_this_thread();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(verdict::priority::background)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            verdict::say_err!("verdict: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(verdict::commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            verdict::say_err!("verdict: {e:#}");
            ExitCode::FAILURE
        }
    }
}
