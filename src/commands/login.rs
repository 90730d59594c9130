//! `verdict login` and `logout`: an account saved in the config file only after one call
//! shows that the server, the namespace and the key work together; the key asked for
//! without echo and never printed.

use crate::api::wording::{Retry, sentence};
use crate::api::{ApiError, ApiKey, Client, ClientOptions, DEFAULT_BASE_URL};
use crate::cli::{ConnectArgs, LoginArgs};
use crate::config::{ENV_PROFILE, Paths};
use crate::outln;
use anyhow::{Context, bail};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub async fn login(args: LoginArgs) -> anyhow::Result<()> {
    let overrides = args.connect.overrides();
    let paths = Paths::resolve(overrides.config.as_deref())?;
    let mut table = read_table(&paths.config_file)?;
    let profile = overrides
        .profile
        .clone()
        .or_else(|| std::env::var(ENV_PROFILE).ok().filter(|p| !p.is_empty()));
    let current = section_values(&table, profile.as_deref());
    let base_url = match overrides.base_url.clone() {
        Some(url) => url,
        None => ask(
            "Base URL",
            current.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
        )?,
    };
    let namespace = match overrides.namespace.clone() {
        Some(ns) => ns,
        None => ask(
            "Namespace (name or ns_ id)",
            current.namespace.as_deref().unwrap_or(""),
        )?,
    };
    if namespace.trim().is_empty() {
        bail!(
            "A namespace is needed: give its name or ns_ id (--namespace NS); nothing was saved."
        );
    }
    let key = if args.key_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("Cannot read the API key from standard input")?;
        line.trim().to_string()
    } else if std::io::stdin().is_terminal() {
        read_secret("API key (not shown)")?
    } else {
        bail!(
            "There is no terminal to ask for the API key: pipe it in with --key-stdin (printf '%s' \"$KEY\" | verdict login --key-stdin ...); nothing was saved."
        );
    };
    if key.is_empty() {
        bail!("The API key is empty; nothing was saved.");
    }
    let mut options = ClientOptions::new(
        base_url.clone(),
        ApiKey::new(key.clone()),
        namespace.clone(),
    );
    options.allow_insecure_http = overrides.allow_insecure_http;
    let client = Client::new(options).map_err(|e| anyhow::anyhow!(e.user_message()))?;
    let page = client
        .list_sessions_page(&Default::default(), 1, 0)
        .await
        .map_err(|e| anyhow::anyhow!(refused(&e, &base_url, &namespace)))?;

    let section = section_mut(&mut table, profile.as_deref())?;
    section.insert("base_url".into(), toml::Value::String(base_url.clone()));
    section.insert("namespace".into(), toml::Value::String(namespace.clone()));
    section.insert("api_key".into(), toml::Value::String(key));
    if overrides.allow_insecure_http {
        section.insert("allow_insecure_http".into(), toml::Value::Boolean(true));
    }
    write_table(&paths.config_file, &table)?;
    let as_profile = match &profile {
        Some(name) => format!(" as profile {name} (use it with --profile {name})"),
        None => String::new(),
    };
    outln!(
        "Logged in to {base_url}, namespace {namespace} ({} session(s)){as_profile}. The key is saved in {} (mode 0600); `verdict logout` removes it.",
        page.total.max(page.results.len() as u64),
        paths.config_file.display()
    )
}

pub fn logout(connect: &ConnectArgs) -> anyhow::Result<()> {
    let overrides = connect.overrides();
    let paths = Paths::resolve(overrides.config.as_deref())?;
    if !paths.config_file.exists() {
        return outln!(
            "No key is saved: {} does not exist.",
            paths.config_file.display()
        );
    }
    let mut table = read_table(&paths.config_file)?;
    let profile = overrides
        .profile
        .clone()
        .or_else(|| std::env::var(ENV_PROFILE).ok().filter(|p| !p.is_empty()));
    let removed = section_mut(&mut table, profile.as_deref())?
        .remove("api_key")
        .is_some();
    let whose = match &profile {
        Some(name) => format!("profile {name}"),
        None => "the default account".to_string(),
    };
    if !removed {
        return outln!(
            "No key is saved for {whose} in {}.",
            paths.config_file.display()
        );
    }
    write_table(&paths.config_file, &table)?;
    outln!(
        "The API key of {whose} is removed from {}; the base URL and namespace stay.",
        paths.config_file.display()
    )
}

/// Why the check call failed, and that nothing was saved.
fn refused(e: &ApiError, base_url: &str, namespace: &str) -> String {
    let what = match e {
        ApiError::Unauthorized(_) => {
            format!("The server at {base_url} refused the API key: check it")
        }
        ApiError::NotFound(_) => format!(
            "The key works, but the namespace {namespace} was not found at {base_url}: check its name or ns_ id"
        ),
        other => sentence(other, Retry::Command)
            .trim_end_matches('.')
            .to_string(),
    };
    format!("{what}. Nothing was saved.")
}

/// The values already saved where login will write.
#[derive(Default)]
struct Saved {
    base_url: Option<String>,
    namespace: Option<String>,
}

fn section_values(table: &toml::Table, profile: Option<&str>) -> Saved {
    let section = match profile {
        Some(name) => table
            .get("profiles")
            .and_then(|p| p.get(name))
            .and_then(toml::Value::as_table),
        None => Some(table),
    };
    let get = |key: &str| {
        section
            .and_then(|s| s.get(key))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    Saved {
        base_url: get("base_url"),
        namespace: get("namespace"),
    }
}

/// The table login writes into: the top level, or `[profiles.NAME]` (made if missing; a
/// value of another type there is replaced).
fn section_mut<'a>(
    table: &'a mut toml::Table,
    profile: Option<&str>,
) -> anyhow::Result<&'a mut toml::Table> {
    let Some(name) = profile else {
        return Ok(table);
    };
    let profiles = table
        .entry("profiles")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !profiles.is_table() {
        *profiles = toml::Value::Table(toml::Table::new());
    }
    let section = profiles
        .as_table_mut()
        .context("[profiles] is not a table")?
        .entry(name)
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !section.is_table() {
        *section = toml::Value::Table(toml::Table::new());
    }
    section
        .as_table_mut()
        .with_context(|| format!("[profiles.{name}] is not a table"))
}

/// The config file as a TOML table, everything in it kept; empty when there is none.
/// A file that does not parse is not overwritten: the user's other settings are in it.
fn read_table(path: &Path) -> anyhow::Result<toml::Table> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.parse::<toml::Table>().map_err(|e| {
            anyhow::anyhow!(
                "The config file {} is not valid TOML ({}); fix it first, nothing was saved.",
                path.display(),
                e.message().trim()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(toml::Table::new()),
        Err(e) => Err(e).with_context(|| format!("Cannot read the config file {}", path.display())),
    }
}

/// Writes the config file whole, private (0600) from the start, replacing it atomically.
fn write_table(path: &Path, table: &toml::Table) -> anyhow::Result<()> {
    let text = toml::to_string(table).context("Cannot write the settings as TOML")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("Cannot create the config directory {}", dir.display()))?;
    }
    crate::fs::write_file_atomically(path, text.as_bytes())
        .with_context(|| format!("Cannot write the config file {}", path.display()))
}

/// Asks on standard error and reads one line; an empty answer takes `default`.
fn ask(question: &str, default: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "There is no terminal to ask for the {}: give it as a flag (--base-url, --namespace); nothing was saved.",
            question.to_lowercase()
        );
    }
    let mut err = std::io::stderr();
    if default.is_empty() {
        let _ = write!(err, "{question}: ");
    } else {
        let _ = write!(err, "{question} [{default}]: ");
    }
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("Cannot read the answer")?;
    let answer = line.trim();
    Ok(if answer.is_empty() { default } else { answer }.to_string())
}

/// Reads a secret from the terminal without showing it (raw mode: no echo).
fn read_secret(question: &str) -> anyhow::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}: ");
    let _ = err.flush();
    crossterm::terminal::enable_raw_mode().context("Cannot switch the terminal off echo")?;
    let mut secret = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => match key.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow::anyhow!("Stopped; nothing was saved."));
                }
                KeyCode::Esc => break Err(anyhow::anyhow!("Stopped; nothing was saved.")),
                KeyCode::Backspace => {
                    secret.pop();
                }
                KeyCode::Char(c) => secret.push(c),
                _ => {}
            },
            // A paste arrives as one event when the terminal brackets it.
            Ok(Event::Paste(text)) => secret.push_str(text.trim()),
            Ok(_) => {}
            Err(e) => break Err(anyhow::Error::new(e).context("Cannot read the key")),
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = writeln!(err);
    result.map(|()| secret.trim().to_string())
}
