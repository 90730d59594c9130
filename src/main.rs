//! The binary: parse the command line, call one function per subcommand.

use clap::Parser;
use std::process::ExitCode;
use verdict::cli::{Cli, Command, KeysCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            verdict::say_err!("verdict: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => verdict::review::run(&cli.connect, cli.demo).await,
            Some(Command::Serve(args)) => {
                verdict::server::commands::serve(&cli.connect, args).await
            }
            Some(Command::Keys(KeysCommand::Create { namespace, db })) => {
                verdict::server::commands::keys_create(&cli.connect, &namespace, db.as_deref())
            }
            Some(Command::Import(args)) => verdict::server::commands::import(&cli.connect, args),
            Some(Command::Seed(args)) => verdict::server::commands::seed(args),
            Some(Command::Rate(args)) => verdict::journal::commands::rate(&cli.connect, args).await,
            Some(Command::Export(args)) => {
                verdict::journal::commands::export(&cli.connect, args).await
            }
            Some(Command::Status) => verdict::journal::commands::status(&cli.connect).await,
            Some(Command::Sync(args)) => verdict::journal::commands::sync(&cli.connect, args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            verdict::say_err!("verdict: {e:#}");
            ExitCode::FAILURE
        }
    }
}
