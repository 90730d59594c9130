//! Command-line definitions (clap derive). main.rs turns each into one function call.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "verdict",
    version,
    about = "Review what AI agents said: rate assistant messages from the keyboard.",
    long_about = "Review what AI agents said: rate assistant messages from the keyboard.\n\n\
        With no API key configured, verdict starts its local server on demo transcripts.\n\
        The API key is read from MIXPEEK_API_KEY or config.toml, never from a flag."
)]
pub struct Cli {
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Open the built-in demo (local server in-process) even if an account is configured.
    #[arg(long, global = false)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where to connect; shared by the reviewer and the headless commands.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectArgs {
    /// Base URL of the API (default https://api.mixpeek.com, or MIXPEEK_BASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,

    /// Namespace name or ns_ id (or MIXPEEK_NAMESPACE).
    #[arg(long, global = true, value_name = "NS")]
    pub namespace: Option<String>,

    /// Path of the config file (default: config.toml in the config directory).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Allow plain http:// to a host that is not loopback (the key would travel unencrypted).
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local Mixpeek-compatible server until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Manage API keys of the local server.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Load transcripts into the local server's database.
    Import(ImportArgs),
    /// Rate one assistant message headlessly; prints the receipt.
    Rate(RateArgs),
    /// Write every rating in the journal, with its exchange, as JSONL or CSV.
    Export(ExportArgs),
    /// Show config and data paths, server, namespace, pending and failed ratings.
    Status,
    /// Send the pending ratings in the journal now and report what the server answered.
    Sync(SyncArgs),
    /// Fill a database with synthetic sessions (for benchmarks and trying verdict at size).
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// SQLite database (default: server.db in the data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Seed the demo transcripts into the namespace `demo` when it is empty.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the namespace if needed and print a new API key (shown only this once).
    Create {
        #[arg(long)]
        namespace: String,
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Namespace to import into (created if needed).
    #[arg(long)]
    pub namespace: String,
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// OpenAI chat JSONL files (one conversation per line) or GetHistoryResponse JSON documents.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RatingArg {
    Positive,
    Negative,
}

#[derive(Debug, Args)]
pub struct RateArgs {
    pub session_id: String,
    pub message_id: String,
    #[arg(value_enum)]
    pub rating: RatingArg,
    /// Feedback text sent with the rating.
    #[arg(long)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExportFormat {
    #[default]
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only ratings made on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Queue the ratings the server refused again first (after fixing the key, say).
    #[arg(long)]
    pub retry_failed: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[arg(long, value_name = "PATH")]
    pub db: PathBuf,
    #[arg(long)]
    pub namespace: String,
    #[arg(long, default_value_t = 1000)]
    pub sessions: u64,
    /// Messages per session (varied around this number).
    #[arg(long, default_value_t = 40)]
    pub messages: u64,
}
