//! Settings: defaults < config file < environment < flags. Paths come from `directories`.

use crate::api::{ApiKey, DEFAULT_BASE_URL};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variables verdict reads.
pub const ENV_API_KEY: &str = "MIXPEEK_API_KEY";
pub const ENV_NAMESPACE: &str = "MIXPEEK_NAMESPACE";
pub const ENV_BASE_URL: &str = "MIXPEEK_BASE_URL";
/// Overrides of the directories (tests, portable installs).
pub const ENV_DATA_DIR: &str = "VERDICT_DATA_DIR";
pub const ENV_CONFIG_DIR: &str = "VERDICT_CONFIG_DIR";
/// Which `[profiles.NAME]` of the config file to use (the `--profile` flag wins).
pub const ENV_PROFILE: &str = "VERDICT_PROFILE";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("The config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "No home directory was found for the config and data directories; set {ENV_DATA_DIR} and {ENV_CONFIG_DIR}."
    )]
    NoHome,
    #[error("The profile {name} is not in {path}; {known}")]
    UnknownProfile {
        name: String,
        path: PathBuf,
        /// The profiles there are, or how to make one.
        known: String,
    },
}

/// A key binding value in `[keys]`: one key or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

// By hand rather than `untagged`, so a wrong value is explained in the config file's
// terms instead of "did not match any variant of untagged enum".
impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = KeyList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"a key like "y" or a list of keys like ["+", "y"]"#)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyList, E> {
                Ok(KeyList::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeyList::Many(keys))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl KeyList {
    pub fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(v) => v.clone(),
        }
    }
}

/// `[review]` in config.toml.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewSettings {
    /// After a rating, move to the next unrated assistant message.
    pub advance_after_rating: bool,
    /// Use ASCII instead of symbols for receipts (`+`/`-` instead of `✓`/`✗`).
    pub ascii: bool,
    /// Blind review: others' ratings and notes stay hidden until this reviewer rates.
    pub blind: bool,
    /// Seconds a rating waits in the outbox before it is sent (0: at once); inside it a
    /// new rating of the same reply amends the request, and `u` withdraws it.
    pub send_delay: u64,
    /// Where the cursor goes once a session's last unrated reply is rated (only while
    /// `advance_after_rating` is on; off, the cursor never moves after a rating).
    pub advance: Advance,
    /// The order sessions are walked in: `newest` first, or `risk` first.
    pub order: ReviewOrder,
    /// A markdown file (the rubric) shown beside the transcript with `i`; a relative path
    /// is read from the config file's directory.
    pub guidelines: Option<std::path::PathBuf>,
}

/// `review.order`: newest first (the server's order), or the sessions most likely to
/// hold failures first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewOrder {
    #[default]
    Newest,
    Risk,
}

/// The longest send window obeyed (`review.send_delay` beyond it is cut to it).
pub const SEND_DELAY_MAX: u64 = 3600;

/// `review.advance`: what follows the last unrated reply of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Advance {
    /// On to the next session with unrated replies, as `]` goes.
    #[default]
    NextSession,
    /// Stay on the reply just rated.
    Stay,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            advance_after_rating: true,
            ascii: false,
            blind: false,
            send_delay: 5,
            advance: Advance::NextSession,
            order: ReviewOrder::Newest,
            guidelines: None,
        }
    }
}

/// A profile as a list of accounts shows it: never its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    pub name: String,
    pub namespace: Option<String>,
    pub base_url: Option<String>,
}

/// One `[profiles.NAME]` table: an account a reviewer works in, beside others. Its
/// `Debug` never shows the key.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    pub base_url: Option<String>,
    pub namespace: Option<String>,
    pub api_key: Option<String>,
    pub reviewer: Option<String>,
    pub allow_insecure_http: Option<bool>,
}

impl std::fmt::Debug for ProfileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileConfig")
            .field("base_url", &self.base_url)
            .field("namespace", &self.namespace)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("reviewer", &self.reviewer)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

/// The config file as written on disk. Its `Debug` never shows the key.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub base_url: Option<String>,
    pub namespace: Option<String>,
    pub api_key: Option<String>,
    pub reviewer: Option<String>,
    pub allow_insecure_http: Option<bool>,
    /// The profile used when neither `--profile` nor `VERDICT_PROFILE` names one.
    pub profile: Option<String>,
    /// Accounts by name: each one's values replace the top-level ones when it is used.
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileConfig>,
    #[serde(default)]
    pub review: ReviewSettings,
    /// Action name -> key(s), e.g. `rate_positive = ["+", "="]`.
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
    #[serde(default)]
    pub tags: TagSettings,
}

/// `[tags]` in config.toml: `list` replaces the default taxonomy (digits 1-9 toggle its
/// first nine), and `[tags.descriptions]` gives a tag its one-line description.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagSettings {
    pub list: Option<Vec<String>>,
    #[serde(default)]
    pub descriptions: BTreeMap<String, String>,
}

/// Where verdict keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// XDG (or the platform's) directories, unless overridden by the environment or a flag.
    pub fn resolve(config_flag: Option<&Path>) -> Result<Paths, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "verdict");
        let config_dir = match std::env::var_os(ENV_CONFIG_DIR) {
            Some(d) => PathBuf::from(d),
            None => dirs
                .as_ref()
                .map(|d| d.config_dir().to_path_buf())
                .ok_or(ConfigError::NoHome)?,
        };
        let data_dir = match std::env::var_os(ENV_DATA_DIR) {
            Some(d) => PathBuf::from(d),
            None => dirs
                .as_ref()
                .map(|d| d.data_dir().to_path_buf())
                .ok_or(ConfigError::NoHome)?,
        };
        let config_file = config_flag
            .map(Path::to_path_buf)
            .unwrap_or_else(|| config_dir.join("config.toml"));
        Ok(Paths {
            config_file,
            data_dir,
        })
    }

    pub fn journal_db(&self) -> PathBuf {
        self.data_dir.join("journal.db")
    }
    pub fn server_db(&self) -> PathBuf {
        self.data_dir.join("server.db")
    }
    /// The in-process demo server's database.
    pub fn demo_db(&self) -> PathBuf {
        self.data_dir.join("demo.db")
    }
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("verdict.log")
    }

    /// Creates the data directory (private to the user) if needed.
    pub fn ensure_data_dir(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.data_dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ =
                std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }
}

/// What the command line sets, the top layer of [`Settings`]. Plain data: the command
/// line's parser fills it, and config never sees the parser's types.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub namespace: Option<String>,
    /// Another config file than the default one.
    pub config: Option<PathBuf>,
    pub allow_insecure_http: bool,
    /// `--profile`: which `[profiles.NAME]` to use.
    pub profile: Option<String>,
}

/// Everything verdict needs to know to run, after all layers are applied.
#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Paths,
    pub base_url: String,
    pub namespace: Option<String>,
    pub api_key: Option<ApiKey>,
    pub reviewer: String,
    /// Where the reviewer's name came from, for `verdict status`.
    pub reviewer_source: ReviewerSource,
    /// The `[profiles.NAME]` in use, if any.
    pub profile: Option<String>,
    /// Every profile of the config file, for switching from the reviewer.
    pub profiles: Vec<ProfileSummary>,
    pub allow_insecure_http: bool,
    pub review: ReviewSettings,
    pub keys: BTreeMap<String, KeyList>,
    /// The tag taxonomy, in digit order.
    pub tags: Vec<crate::api::tags::TagDef>,
    /// Things the user should hear about (a config file readable by others...).
    pub warnings: Vec<String>,
}

impl Settings {
    /// Loads settings for this process: defaults < config file < environment < flags.
    pub fn load(args: &Overrides) -> Result<Settings, ConfigError> {
        let paths = Paths::resolve(args.config.as_deref())?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self::from_layers(paths, args, env)
    }

    /// The layering itself, with the environment passed in (so it can be tested).
    pub fn from_layers(
        paths: Paths,
        args: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut warnings = Vec::new();
        let mut file = read_file_config(&paths.config_file, &mut warnings)?;
        let profiles = file
            .profiles
            .iter()
            .map(|(name, p)| ProfileSummary {
                name: name.clone(),
                namespace: p.namespace.clone().or_else(|| file.namespace.clone()),
                base_url: p.base_url.clone().or_else(|| file.base_url.clone()),
            })
            .collect();
        // A profile's values stand in for the top level's: it is the same layer.
        let profile = args
            .profile
            .clone()
            .or_else(|| env(ENV_PROFILE))
            .or_else(|| file.profile.clone());
        if let Some(name) = &profile {
            let Some(chosen) = file.profiles.remove(name) else {
                let known = if file.profiles.is_empty() {
                    format!("make it with: verdict login --profile {name}")
                } else {
                    format!(
                        "the profiles there are: {}",
                        file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                };
                return Err(ConfigError::UnknownProfile {
                    name: name.clone(),
                    path: paths.config_file.clone(),
                    known,
                });
            };
            file.base_url = chosen.base_url.or(file.base_url);
            file.namespace = chosen.namespace.or(file.namespace);
            file.api_key = chosen.api_key.or(file.api_key);
            file.reviewer = chosen.reviewer.or(file.reviewer);
            file.allow_insecure_http = chosen.allow_insecure_http.or(file.allow_insecure_http);
        }

        let base_url = args
            .base_url
            .clone()
            .or_else(|| env(ENV_BASE_URL))
            .or(file.base_url)
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let namespace = args
            .namespace
            .clone()
            .or_else(|| env(ENV_NAMESPACE))
            .or(file.namespace);
        let api_key = env(ENV_API_KEY)
            .or(file.api_key)
            .map(|k| ApiKey::new(k.trim()));
        // Who rates: said in config, else the login name, else the system's account name.
        let (reviewer, reviewer_source) = match file.reviewer.filter(|r| !r.trim().is_empty()) {
            Some(r) => (r, ReviewerSource::Config),
            None => match env("USER").or_else(|| env("USERNAME")) {
                Some(r) => (r, ReviewerSource::Environment),
                None => match account_name() {
                    Some(r) => (r, ReviewerSource::Account),
                    None => ("reviewer".to_string(), ReviewerSource::Default),
                },
            },
        };
        let tags = crate::api::tags::taxonomy(file.tags.list.as_deref(), &file.tags.descriptions)
            .map_err(|message| ConfigError::Parse {
            path: paths.config_file.clone(),
            message,
        })?;
        Ok(Settings {
            paths,
            base_url,
            namespace,
            api_key,
            reviewer,
            reviewer_source,
            profile,
            profiles,
            allow_insecure_http: args.allow_insecure_http
                || file.allow_insecure_http.unwrap_or(false),
            review: file.review,
            keys: file.keys,
            tags,
            warnings,
        })
    }
}

fn read_file_config(path: &Path, warnings: &mut Vec<String>) -> Result<FileConfig, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: parse_message(&text, &e),
    })?;
    #[cfg(unix)]
    if file.api_key.is_some() || file.profiles.values().any(|p| p.api_key.is_some()) {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            warnings.push(format!(
                "{} holds an API key and is readable by other users; run: chmod 600 {}",
                path.display(),
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = warnings;
    Ok(file)
}

/// "line 3, column 9: invalid type: string "yes", expected a boolean": toml's own
/// rendering draws the line with a caret under it, which a one-line message garbles.
fn parse_message(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            // The parser's words may quote the value it choked on: never for the key.
            let on_key_line = text
                .lines()
                .nth(line - 1)
                .is_some_and(|l| l.trim_start().starts_with("api_key"));
            if on_key_line {
                format!(
                    "line {line}, column {column}: api_key must be a string in quotes (api_key = \"...\")"
                )
            } else {
                format!("line {line}, column {column}: {what}")
            }
        }
        None => what,
    }
}

impl std::fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileConfig")
            .field("base_url", &self.base_url)
            .field("namespace", &self.namespace)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("reviewer", &self.reviewer)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("profile", &self.profile)
            .field("profiles", &self.profiles)
            .field("review", &self.review)
            .field("keys", &self.keys)
            .finish()
    }
}

/// Where the name ratings are made under came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewerSource {
    Config,
    Environment,
    Account,
    Default,
}

impl ReviewerSource {
    /// How `verdict status` says it.
    pub fn describe(self) -> &'static str {
        match self {
            ReviewerSource::Config => "from reviewer in the config file",
            ReviewerSource::Environment => "from $USER",
            ReviewerSource::Account => "from the system account",
            ReviewerSource::Default => "no name found: set reviewer = \"...\" in the config file",
        }
    }
}

/// The name of the account this process runs as, from the system's user database (so a
/// shell without `$USER`, such as a service or `env -i`, still rates under a real name).
fn account_name() -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // The owner of this process's own /proc entry is the process's user.
        let uid = std::fs::metadata("/proc/self").ok()?.uid();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        account_in_passwd(&passwd, uid)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The name whose uid is `uid` in a passwd file's text.
fn account_in_passwd(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

/// Settings for a command that runs (the reviewer, or a headless command): warnings on
/// stderr, the data directory made, the log file started.
pub fn prepare(connect: &Overrides) -> anyhow::Result<Settings> {
    use anyhow::Context;
    let settings = Settings::load(connect)?;
    for warning in &settings.warnings {
        crate::say_err!("verdict: warning: {warning}");
    }
    settings.paths.ensure_data_dir().with_context(|| {
        format!(
            "Cannot create the data directory {}; set VERDICT_DATA_DIR to a writable directory",
            settings.paths.data_dir.display()
        )
    })?;
    crate::logging::to_file(&settings.paths.log_file());
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> Paths {
        Paths {
            config_file: dir.join("config.toml"),
            data_dir: dir.join("data"),
        }
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "base_url = \"http://127.0.0.1:1\"\nnamespace = \"file-ns\"\nreviewer = \"ann\"\n[keys]\nquit = \"x\"\n",
        )
        .unwrap();
        let args = Overrides {
            namespace: Some("flag-ns".into()),
            ..Default::default()
        };
        let env = |k: &str| match k {
            ENV_BASE_URL => Some("http://127.0.0.1:2".to_string()),
            ENV_NAMESPACE => Some("env-ns".to_string()),
            ENV_API_KEY => Some("sk_env".to_string()),
            _ => None,
        };
        let s = Settings::from_layers(paths(dir.path()), &args, env).unwrap();
        assert_eq!(s.base_url, "http://127.0.0.1:2");
        assert_eq!(s.namespace.as_deref(), Some("flag-ns"));
        assert_eq!(s.api_key.as_ref().map(|k| k.expose()), Some("sk_env"));
        assert_eq!(s.reviewer, "ann");
        assert_eq!(s.reviewer_source, ReviewerSource::Config);
        assert_eq!(s.keys["quit"].keys(), vec!["x".to_string()]);
        assert!(s.review.advance_after_rating);
        assert_eq!(s.review.send_delay, 5);
        assert_eq!(s.review.advance, Advance::NextSession);
    }

    #[test]
    fn send_delay_and_advance_are_read_from_the_review_table() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[review]\nsend_delay = 0\nadvance = \"stay\"\n",
        )
        .unwrap();
        let s = Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None).unwrap();
        assert_eq!(s.review.send_delay, 0);
        assert_eq!(s.review.advance, Advance::Stay);
        assert_eq!(s.review.order, ReviewOrder::Newest);
        std::fs::write(
            dir.path().join("config.toml"),
            "[review]\norder = \"risk\"\n",
        )
        .unwrap();
        let s = Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None).unwrap();
        assert_eq!(s.review.order, ReviewOrder::Risk);
    }

    #[test]
    fn tags_table_replaces_the_taxonomy_and_bad_tags_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| {
            std::fs::write(dir.path().join("config.toml"), text).unwrap();
            Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None)
        };
        let s = load("").unwrap();
        assert_eq!(s.tags.len(), 9);
        assert_eq!(s.tags[0].name, "hallucination");
        let s = load(
            "[tags]\nlist = [\"stale_docs\", \"tone\"]\n[tags.descriptions]\nstale_docs = \"answered from an old page\"\n",
        )
        .unwrap();
        assert_eq!(s.tags[0].name, "stale_docs");
        assert_eq!(
            s.tags[0].description.as_deref(),
            Some("answered from an old page")
        );
        let err = load("[tags]\nlist = [\"no good!\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("config.toml") && err.contains("not a tag"),
            "{err}"
        );
        let err = load("[tags]\nlist = [\"a\"]\n[tags.descriptions]\nb = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not in the tag list"), "{err}");
    }

    #[test]
    fn broken_config_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "namespace = \n").unwrap();
        let err = Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.toml"), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn config_errors_are_one_readable_line() {
        let dir = tempfile::tempdir().unwrap();
        let err = |text: &str| {
            std::fs::write(dir.path().join("config.toml"), text).unwrap();
            Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None)
                .unwrap_err()
                .to_string()
        };
        let e = err("namespace = \"x\"\n[review]\nascii = \"yes\"\n");
        assert!(
            e.ends_with("line 3, column 9: invalid type: string \"yes\", expected a boolean"),
            "{e}"
        );
        assert!(!e.contains('|') && !e.contains('^'), "{e}");
        let e = err("[keys]\nquit = 5\n");
        assert!(e.contains("line 2, column 8"), "{e}");
        assert!(
            e.contains(r#"expected a key like "y" or a list of keys"#),
            "{e}"
        );
        assert!(!e.contains("untagged"), "{e}");
        let e = err("[keys]\nquit = [\"q\", 5]\n");
        assert!(e.contains("expected a string"), "{e}");
        // toml's own rendering quotes the broken line, which may hold the API key.
        for broken in ["api_key = \"sk_secret_1\n", "api_key = sk_secret_1\n"] {
            let e = err(broken);
            assert!(e.contains("line 1"), "{e}");
            assert!(!e.contains("sk_secret_1"), "{e}");
        }
    }

    #[test]
    fn key_lists_read_one_key_or_several() {
        let f: FileConfig =
            toml::from_str("[keys]\nquit = \"x\"\nrate_positive = [\"+\", \"y\"]\n").unwrap();
        assert_eq!(f.keys["quit"], KeyList::One("x".into()));
        assert_eq!(
            f.keys["rate_positive"],
            KeyList::Many(vec!["+".into(), "y".into()])
        );
    }

    #[test]
    fn a_key_of_the_wrong_type_is_not_quoted_back() {
        let dir = tempfile::tempdir().unwrap();
        for body in [
            "namespace = \"ns\"\napi_key = 8675309123\n",
            "api_key = [\"sk_8675309123\"]\n",
        ] {
            std::fs::write(dir.path().join("config.toml"), body).unwrap();
            let err = Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None)
                .unwrap_err()
                .to_string();
            assert!(err.contains("api_key must be a string"), "{err}");
            assert!(!err.contains("8675309123"), "{err}");
        }
        let file: FileConfig = toml::from_str("api_key = \"sk_8675309123\"").unwrap();
        let shown = format!("{file:?}");
        assert!(
            !shown.contains("8675309123") && shown.contains("redacted"),
            "{shown}"
        );
    }

    #[test]
    fn unknown_setting_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "namespce = \"x\"\n").unwrap();
        let err = Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("namespce"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn key_in_world_readable_file_warns_and_private_write_is_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "api_key = \"sk_x\"\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let s = Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None).unwrap();
        assert_eq!(s.warnings.len(), 1);
        assert!(!s.warnings[0].contains("sk_x"));

        let q = dir.path().join("private.toml");
        crate::fs::write_private_file(&q, "api_key = \"sk_y\"\n").unwrap();
        assert_eq!(
            std::fs::metadata(&q).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn the_reviewer_falls_back_to_user_then_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let with_user = Settings::from_layers(paths(dir.path()), &Overrides::default(), |k| {
            (k == "USER").then(|| "bo".to_string())
        })
        .unwrap();
        assert_eq!(with_user.reviewer, "bo");
        assert_eq!(with_user.reviewer_source, ReviewerSource::Environment);
        let without =
            Settings::from_layers(paths(dir.path()), &Overrides::default(), |_| None).unwrap();
        assert_ne!(without.reviewer_source, ReviewerSource::Environment);
        #[cfg(target_os = "linux")]
        assert_eq!(
            without.reviewer_source,
            ReviewerSource::Account,
            "{}",
            without.reviewer
        );
        let passwd = "root:x:0:0:root:/root:/bin/sh\nann:x:1000:1000::/home/ann:/bin/sh\n";
        assert_eq!(account_in_passwd(passwd, 1000).as_deref(), Some("ann"));
        assert_eq!(account_in_passwd(passwd, 0).as_deref(), Some("root"));
        assert_eq!(account_in_passwd(passwd, 7), None);
    }
}
