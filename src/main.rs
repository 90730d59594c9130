//! The binary: parse the command line, call one function per subcommand.

use std::process::ExitCode;
use verdict::cli::{Command, KeysCommand};

fn main() -> ExitCode {
    // verdict::cli::parse hands connection flags given before a subcommand down to it.
    let cli = verdict::cli::parse();
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
            Some(Command::Rate(args)) => {
                verdict::journal::commands::rate(&args.connect.clone(), args).await
            }
            Some(Command::Export(args)) => {
                verdict::journal::commands::export(&args.connect.clone(), args).await
            }
            Some(Command::Status(connect)) => verdict::journal::commands::status(&connect).await,
            Some(Command::Sync(args)) => {
                verdict::journal::commands::sync(&args.connect.clone(), args).await
            }
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
