//! Command-line definitions (clap derive). main.rs turns each into one function call.

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `verdict --version`: the version and the commit it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("VERDICT_COMMIT"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "verdict",
    version = VERSION,
    about = "Review what AI agents said: rate assistant messages from the keyboard.",
    long_about = "Review what AI agents said: rate assistant messages from the keyboard.\n\n\
        With no API key configured, verdict starts its local server on demo transcripts.\n\
        The API key is read from MIXPEEK_API_KEY or config.toml, never from a flag.",
    after_help = "Connection flags are the reviewer's. rate, export, status and sync take their own \
        after their name (those win); given before the name they count too. serve, keys, import \
        and seed take none: keys create, import and seed have their own --namespace."
)]
pub struct Cli {
    // Before `connect`: the flattened struct's "Connection" heading would take it otherwise.
    /// Open the built-in demo (local server in-process) even if an account is configured.
    #[arg(long, global = false)]
    pub demo: bool,

    // The reviewer's connection; see `try_parse_from` for these before a subcommand.
    #[command(flatten)]
    pub connect: ConnectArgs,

    #[command(flatten)]
    pub batch: BatchArgs,

    /// A markdown file shown beside the transcript with `i` (or review.guidelines).
    #[arg(long, value_name = "FILE")]
    pub guidelines: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the reviewer is limited to: a sample, an adjudication queue; and blind review.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Batch")]
pub struct BatchArgs {
    /// Review a reproducible random sample of N sessions (of those the filters keep).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// The sample's seed: the same seed draws the same sessions (default: a new one, shown).
    #[arg(long, value_name = "S", requires = "sample")]
    pub seed: Option<u64>,
    /// Sample only sessions with this status.
    #[arg(long, value_name = "STATUS", requires = "sample",
          value_parser = ["active", "idle", "archived", "terminated"])]
    pub status: Option<String>,
    /// Sample only sessions active on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", requires = "sample")]
    pub since: Option<String>,
    /// Sample only sessions last active before this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", requires = "sample")]
    pub until: Option<String>,
    /// Sample only sessions you have not rated anything in yet (from your journal).
    #[arg(long, requires = "sample")]
    pub unrated: bool,
    /// Adjudicate the replies of a queue file (written by `verdict agree --queue`).
    #[arg(long, value_name = "FILE", conflicts_with = "sample")]
    pub queue: Option<PathBuf>,
    /// Hide others' ratings and notes of a reply until you have rated it (or review.blind).
    #[arg(long)]
    pub blind: bool,
    /// The order sessions are walked in: newest first, or risk first (or review.order).
    #[arg(long, value_name = "ORDER", value_parser = ["newest", "risk"])]
    pub order: Option<String>,
}

/// Where to connect: the reviewer's, and rate, export, status and sync each take their own.
/// Not global, so that serve, keys, import and seed do not list flags they ignore.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectArgs {
    /// Base URL of the API (default https://api.mixpeek.com, or MIXPEEK_BASE_URL).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Namespace name or ns_ id (or MIXPEEK_NAMESPACE).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Path of the config file (default: config.toml in the config directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Allow plain http:// to a host that is not loopback (the key would travel unencrypted).
    #[arg(long)]
    pub allow_insecure_http: bool,

    /// Use the account saved as [profiles.NAME] in the config file (or VERDICT_PROFILE).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

impl ConnectArgs {
    /// The settings' top layer, as config takes it.
    pub fn overrides(&self) -> crate::config::Overrides {
        crate::config::Overrides {
            base_url: self.base_url.clone(),
            namespace: self.namespace.clone(),
            config: self.config.clone(),
            allow_insecure_http: self.allow_insecure_http,
            profile: self.profile.clone(),
        }
    }

    /// Fills what this command line left unset from `outer` (the flags given before the
    /// subcommand), so `verdict --namespace team status` keeps working as it always has.
    fn inherit(&mut self, outer: &ConnectArgs) {
        if self.base_url.is_none() {
            self.base_url.clone_from(&outer.base_url);
        }
        if self.namespace.is_none() {
            self.namespace.clone_from(&outer.namespace);
        }
        if self.config.is_none() {
            self.config.clone_from(&outer.config);
        }
        self.allow_insecure_http |= outer.allow_insecure_http;
        if self.profile.is_none() {
            self.profile.clone_from(&outer.profile);
        }
    }
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
    /// Search every session of the namespace for words; prints each match with its session.
    Search(SearchArgs),
    /// Show config and data paths, server, namespace, pending and failed ratings.
    Status(ConnectArgs),
    /// Check the config, the data directory, the journal and the databases, and say what to do.
    Doctor(ConnectArgs),
    /// Save an account (base URL, namespace, key) in the config file, after checking it works.
    Login(LoginArgs),
    /// Remove the saved API key from the config file (of one profile with --profile).
    Logout(ConnectArgs),
    /// Send the pending ratings in the journal now and report what the server answered.
    Sync(SyncArgs),
    /// Fill a database with synthetic sessions (for benchmarks and trying verdict at size).
    Seed(SeedArgs),
    /// Print a completion script for a shell (bash, zsh or fish) on standard output.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the manual page (roff) on standard output: verdict man | man -l -
    Man,
    /// Agreement between reviewers (Cohen's and Fleiss' κ, Krippendorff's α) from their exports or journals.
    Agree(AgreeArgs),
    /// Count each tag in the journal: ratings, negatives, positives, and its sessions.
    Tags(TagsArgs),
    /// The reviewer's numbers from the journal: ratings, positive share, negatives per tag, pace, sessions, reviewers.
    Stats(StatsArgs),
}

/// The shells `verdict completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, an IP address and port. Loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:8000", value_parser = listen_addr)]
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
        /// Namespace the key is for, created if needed (write it after `keys create`).
        #[arg(long, value_name = "NS")]
        namespace: String,
        /// SQLite database of the local server (default: server.db in the data directory).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Namespace to import into, created if needed (write it after `import`).
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// SQLite database of the local server (default: server.db in the data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Load the file's copy of a session already in the namespace with other messages
    /// (the stored copy and its ratings are dropped); without it such a file is refused.
    #[arg(long)]
    pub replace: bool,
    /// The largest message text accepted (content, tool inputs or output), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::server::import::DEFAULT_MAX_MESSAGE_BYTES as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_message_bytes: u64,
    /// The largest file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::server::import::DEFAULT_MAX_FILE_BYTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_file_bytes: u64,
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
    /// Id of the session the message belongs to (ses_...).
    pub session_id: String,
    /// Id of the assistant message to rate (msg_...).
    pub message_id: String,
    /// The rating: positive or negative.
    #[arg(value_enum)]
    pub rating: RatingArg,
    /// Feedback text sent with the rating.
    #[arg(long)]
    pub text: Option<String>,
    /// A tag (failure mode) for the reply; repeat for several. Sent in the text's last
    /// line: `tags: #hallucination #wrong_tool`.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct TagsArgs {
    /// Only ratings made on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Every rating in the journal, whatever server and namespace it was made on (the demo too).
    #[arg(long)]
    pub all: bool,
    /// Also the ratings made in the built-in demo (left out by default).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// Only ratings made since this date (YYYY-MM-DD or RFC 3339) or this long ago (90m, 8h, 7d).
    #[arg(long, value_name = "DATE|DURATION")]
    pub since: Option<String>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Every rating in the journal, whatever server and namespace it was made on (the demo too).
    #[arg(long)]
    pub all: bool,
    /// Also the ratings made in the built-in demo (left out by default).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExportFormat {
    /// One JSON object a line.
    #[default]
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// Corrected replies as preference pairs (prompt, chosen, rejected), JSON lines.
    Dpo,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format: JSON lines or CSV of the ratings, or DPO pairs of the corrections.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only ratings made on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Every rating in the journal, whatever server and namespace it was made on (the demo too).
    #[arg(long)]
    pub all: bool,
    /// Also the ratings made in the built-in demo (left out by default).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The words to find (all of them; "quoted words" as a phrase).
    pub query: String,
    /// Print one JSON document: the query, the scope searched and the hits.
    #[arg(long)]
    pub json: bool,
    /// The most hits to print.
    #[arg(long, value_name = "N", default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    /// Where the server offers no search: how many of the most recent sessions to read and search.
    #[arg(long, value_name = "N", default_value_t = 50,
        value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub sessions: u32,
    /// Search the built-in demo, even if an account is configured.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct AgreeArgs {
    /// Two or more `verdict export` JSONL files or journal.db files, one or more reviewers each.
    #[arg(required = true, num_args = 2.., value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the disagreements as an adjudication queue (open it with verdict --queue FILE).
    #[arg(long, value_name = "FILE")]
    pub queue: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read the API key from standard input (one line) instead of asking for it.
    #[arg(long)]
    pub key_stdin: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Also queue again ratings refused for a reason other than the key, once that is fixed
    /// (ratings refused for the key are queued again on their own).
    #[arg(long)]
    pub retry_failed: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// SQLite database to fill (created if needed).
    #[arg(long, value_name = "PATH")]
    pub db: PathBuf,
    /// Namespace to seed, created if needed (write it after `seed`).
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// Number of sessions to create (1 to 10000000).
    #[arg(long, value_name = "N", default_value_t = 1000, allow_negative_numbers = true,
          value_parser = seed_sessions)]
    pub sessions: u64,
    /// Messages per session (varied around this number; 2 to 100000).
    #[arg(long, value_name = "M", default_value_t = 40, allow_negative_numbers = true,
          value_parser = seed_messages)]
    pub messages: u64,
}

/// `--addr` takes a socket address, not a host name: the server binds exactly what it is
/// given and does no name lookup, so `localhost:8000` must say what to write instead.
fn listen_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse().map_err(|_| {
        "use an IP address and port, such as 127.0.0.1:8000 (a host name such as localhost is not accepted)"
            .to_string()
    })
}

/// `--sessions`: the same bounds src/server/seed.rs checks, refused here with a sentence
/// before anything is opened.
fn seed_sessions(s: &str) -> Result<u64, String> {
    count_within(s, "--sessions", 1, crate::server::seed::MAX_SESSIONS)
}

/// `--messages`: the mean length of a session; a session needs a question and an answer.
fn seed_messages(s: &str) -> Result<u64, String> {
    count_within(s, "--messages", 2, crate::server::seed::MAX_MESSAGES)
}

/// A whole number within `min..=max`. Numbers of any size (and negative ones) get the
/// bound they break, not a complaint about digits.
fn count_within(s: &str, flag: &str, min: u64, max: u64) -> Result<u64, String> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("give {flag} a whole number from {min} to {max}"));
    }
    let zero = digits.bytes().all(|b| b == b'0');
    if negative && !zero {
        return Err(format!("give {flag} {min} or more"));
    }
    // Too many digits for u64 is above any bound.
    match digits.parse::<u64>() {
        Ok(n) if n < min => Err(format!("give {flag} {min} or more")),
        Ok(n) if n > max => Err(format!("give {flag} {max} or fewer")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("give {flag} {max} or fewer")),
    }
}

/// The connection flags, as written before a subcommand.
const CONNECTION_FLAGS: [&str; 5] = [
    "base-url",
    "namespace",
    "config",
    "allow-insecure-http",
    "profile",
];
/// The top-level flags that take a value (the next word, unless given as `--flag=value`).
const VALUE_FLAGS: [&str; 4] = ["base-url", "namespace", "config", "profile"];
/// Subcommands that do not connect anywhere.
const LOCAL_COMMANDS: [&str; 7] = [
    "serve",
    "keys",
    "import",
    "seed",
    "completions",
    "man",
    "agree",
];

/// Parses the command line; on a mistake prints clap's message and exits.
pub fn parse() -> Cli {
    match try_parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    }
}

/// Parses `args` (the program name first). Connection flags given before rate, export,
/// status or sync are handed down to it; before serve, keys, import or seed they are
/// refused with a sentence, since clap alone would ignore them or, for
/// `verdict --namespace gl keys create`, report the subcommand's --namespace as missing.
pub fn try_parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if let Some(e) = misplaced_connection_flag(&args) {
        return Err(e);
    }
    let mut cli = Cli::try_parse_from(&args)?;
    let outer = cli.connect.clone();
    match &mut cli.command {
        Some(Command::Rate(a)) => a.connect.inherit(&outer),
        Some(Command::Export(a)) => a.connect.inherit(&outer),
        Some(Command::Tags(a)) => a.connect.inherit(&outer),
        Some(Command::Stats(a)) => a.connect.inherit(&outer),
        Some(Command::Search(a)) => a.connect.inherit(&outer),
        Some(Command::Sync(a)) => a.connect.inherit(&outer),
        Some(Command::Status(connect) | Command::Doctor(connect) | Command::Logout(connect)) => {
            connect.inherit(&outer)
        }
        Some(Command::Login(a)) => a.connect.inherit(&outer),
        Some(
            Command::Serve(_)
            | Command::Keys(_)
            | Command::Import(_)
            | Command::Seed(_)
            | Command::Completions { .. }
            | Command::Man
            | Command::Agree(_),
        )
        | None => {}
    }
    Ok(cli)
}

/// The error for a connection flag written before serve, keys, import or seed. Looks at
/// the words themselves because clap reports the subcommand's own missing --namespace
/// before any parsed value could be checked.
fn misplaced_connection_flag(args: &[OsString]) -> Option<clap::Error> {
    let mut misplaced: Option<&str> = None;
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        // A word that is not UTF-8 is none of verdict's flags or subcommands: clap says so.
        let word = word.to_str()?;
        if word == "--" {
            return None;
        }
        if let Some(flag) = word.strip_prefix("--") {
            let (name, inline_value) = match flag.split_once('=') {
                Some((name, _)) => (name, true),
                None => (flag, false),
            };
            if let Some(known) = CONNECTION_FLAGS.iter().find(|f| **f == name) {
                misplaced.get_or_insert(*known);
            }
            if VALUE_FLAGS.contains(&name) && !inline_value {
                words.next();
            }
            continue;
        }
        if word.starts_with('-') {
            // -h and -V take no value; anything else is clap's to refuse.
            continue;
        }
        // The first plain word is the subcommand.
        let flag = misplaced?;
        if !LOCAL_COMMANDS.contains(&word) {
            return None;
        }
        let message = if flag == "namespace" && word != "serve" {
            let example = if word == "keys" { "keys create" } else { word };
            format!(
                "--namespace before `{word}` is the reviewer's and does nothing here; \
                 give it after the subcommand: verdict {example} --namespace NS ..."
            )
        } else {
            format!(
                "--{flag} does nothing for `verdict {word}`: it is for the reviewer, rate, \
                 export, status and sync"
            )
        };
        // Built first so that the usage line names the whole command (`verdict keys create`).
        let mut command = Cli::command();
        command.build();
        let sub = match command.find_subcommand_mut(word) {
            Some(keys) if word == "keys" => keys.find_subcommand_mut("create"),
            other => other,
        };
        let error = match sub {
            Some(sub) => sub.error(ErrorKind::ArgumentConflict, message),
            None => command.error(ErrorKind::ArgumentConflict, message),
        };
        return Some(error);
    }
    None
}
