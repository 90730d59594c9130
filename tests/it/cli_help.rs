//! `--help` of every command, and the argument mistakes clap refuses, run as the built binary.

use std::path::Path;
use std::process::{Command, Output};

/// Every command path that has a help page.
const COMMANDS: [&[&str]; 16] = [
    &[],
    &["serve"],
    &["keys"],
    &["keys", "create"],
    &["import"],
    &["rate"],
    &["export"],
    &["status"],
    &["sync"],
    &["seed"],
    &["completions"],
    &["man"],
    &["doctor"],
    &["agree"],
    &["tags"],
    &["stats"],
];

/// The reviewer's connection flags.
const CONNECTION_FLAGS: [&str; 5] = [
    "--base-url",
    "--namespace",
    "--config",
    "--allow-insecure-http",
    "--profile",
];

/// The binary, cut off from the user's config, data and MIXPEEK_* environment.
fn verdict(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .env("VERDICT_DATA_DIR", home.join("data"))
        .env("VERDICT_CONFIG_DIR", home.join("config"))
        .env_remove("MIXPEEK_API_KEY")
        .env_remove("MIXPEEK_NAMESPACE")
        .env_remove("MIXPEEK_BASE_URL")
        .env_remove("VERDICT_LOG")
        .output()
        .expect("run verdict")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The help page of `command` (`-h` is the short form, `--help` the long one).
fn help(command: &[&str], flag: &str) -> String {
    let home = tempfile::tempdir().expect("tempdir");
    let mut args = command.to_vec();
    args.push(flag);
    let out = verdict(home.path(), &args);
    assert!(out.status.success(), "verdict {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// The entries (flag, positional or subcommand) of the help's sections that have no text
/// after their name, neither on the same line nor, in the long layout, on the next one.
fn undescribed(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let mut missing = Vec::new();
    let mut in_section = false;
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with(' ') && !line.is_empty() {
            // "Options:", "Arguments:", "Connection:", "Commands:"; not "Usage: verdict ...".
            in_section = line.ends_with(':');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        // Entries are indented 2 ("  -h, --help", "  <FILE>", "  serve") or 6 ("      --db");
        // wrapped or next-line descriptions are indented further.
        if !in_section || !(indent == 2 || indent == 6) {
            continue;
        }
        let entry = line.trim_start();
        let same_line = entry
            .split_once("  ")
            .is_some_and(|(_, rest)| !rest.trim().is_empty());
        let next_line = lines.get(i + 1).is_some_and(|next| {
            let next_indent = next.len() - next.trim_start().len();
            next_indent > indent + 2 && !next.trim().is_empty()
        });
        if !same_line && !next_line {
            missing.push(entry.trim_end().to_string());
        }
    }
    missing
}

#[test]
fn every_flag_and_argument_has_a_description() {
    for command in COMMANDS {
        for flag in ["-h", "--help"] {
            let page = help(command, flag);
            let missing = undescribed(&page);
            assert!(
                missing.is_empty(),
                "verdict {} {flag}: no description for {missing:?}\n{page}",
                command.join(" ")
            );
        }
    }
}

#[test]
fn the_check_for_descriptions_sees_a_bare_entry() {
    let page = "Usage: x [OPTIONS]\n\nOptions:\n      --db <PATH>  \n      --ok  Says what\n  <ID>\n\nConnection:\n      --base-url <URL>\n          The URL\n";
    assert_eq!(undescribed(page), ["--db <PATH>", "<ID>"]);
}

#[test]
fn connection_flags_appear_only_where_they_apply() {
    for command in [
        &["serve"][..],
        &["keys"],
        &["keys", "create"],
        &["import"],
        &["seed"],
    ] {
        let page = help(command, "--help");
        for flag in CONNECTION_FLAGS {
            // keys create, import and seed have a --namespace of their own, told apart by
            // where it is written; no command here takes the reviewer's.
            let own_namespace = flag == "--namespace"
                && matches!(command, ["keys", "create"] | ["import"] | ["seed"]);
            let listed = page
                .lines()
                .filter(|l| l.trim_start().starts_with(flag))
                .count();
            assert_eq!(
                listed,
                usize::from(own_namespace),
                "verdict {} --help lists {flag}:\n{page}",
                command.join(" ")
            );
            if own_namespace {
                assert!(
                    page.contains(&format!("write it after `{}`", command.join(" "))),
                    "verdict {} --help does not say where its --namespace goes:\n{page}",
                    command.join(" ")
                );
            }
        }
        assert!(!page.contains("Connection:"), "{page}");
    }
    for command in [
        &[][..],
        &["rate"],
        &["export"],
        &["status"],
        &["sync"],
        &["doctor"],
        &["login"],
        &["logout"],
    ] {
        let page = help(command, "--help");
        for flag in CONNECTION_FLAGS {
            assert!(
                page.lines().any(|l| l.trim_start().starts_with(flag)),
                "verdict {} --help lacks {flag}:\n{page}",
                command.join(" ")
            );
        }
    }
}

#[test]
fn sync_help_says_key_refusals_are_queued_again_on_their_own() {
    let page = help(&["sync"], "--help");
    assert!(!page.contains("after fixing the key"), "{page}");
    assert!(
        page.contains("refused for the key are queued again on their own"),
        "{page}"
    );
}

#[test]
fn keys_create_and_import_name_their_default_database() {
    for command in [&["keys", "create"][..], &["import"]] {
        let page = help(command, "--help");
        assert!(
            page.contains("default: server.db in the data directory"),
            "{page}"
        );
    }
}

/// Runs `args`, expects clap's refusal (exit 2) and returns what it said.
fn refused(args: &[&str]) -> String {
    let home = tempfile::tempdir().expect("tempdir");
    let out = verdict(home.path(), args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "verdict {args:?}: {}",
        stderr(&out)
    );
    // Refused before anything is opened or created.
    assert!(!home.path().join("data").exists(), "verdict {args:?}");
    stderr(&out)
}

#[test]
fn seed_counts_out_of_range_are_refused_with_a_sentence() {
    let db = tempfile::tempdir().expect("tempdir");
    let db = db.path().join("x.db");
    let db = db.to_str().expect("utf-8 temp path");
    for (flag, value, says) in [
        ("--sessions", "-1", "give --sessions 1 or more"),
        ("--sessions", "0", "give --sessions 1 or more"),
        (
            "--sessions",
            "10000001",
            "give --sessions 10000000 or fewer",
        ),
        (
            "--sessions",
            "99999999999999999999999",
            "give --sessions 10000000 or fewer",
        ),
        ("--messages", "-3", "give --messages 2 or more"),
        ("--messages", "100001", "give --messages 100000 or fewer"),
        (
            "--messages",
            "many",
            "give --messages a whole number from 2 to 100000",
        ),
    ] {
        let said = refused(&["seed", "--db", db, "--namespace", "ok", flag, value]);
        assert!(said.contains(says), "{flag} {value}: {said}");
        assert!(!said.contains("unexpected argument"), "{said}");
    }
}

#[test]
fn serve_addr_with_a_host_name_asks_for_an_ip_address() {
    let said = refused(&["serve", "--addr", "localhost:8000"]);
    assert!(
        said.contains("use an IP address and port, such as 127.0.0.1:8000"),
        "{said}"
    );
    assert!(!said.contains("invalid socket address syntax"), "{said}");
}

#[test]
fn connection_flags_before_a_local_command_are_refused_with_a_sentence() {
    let said = refused(&["--namespace", "gl", "keys", "create"]);
    assert!(
        said.contains("give it after the subcommand: verdict keys create --namespace NS"),
        "{said}"
    );
    assert!(!said.contains("not provided"), "{said}");
    let said = refused(&["--namespace=gl", "import", "--namespace", "x", "f.jsonl"]);
    assert!(said.contains("verdict import --namespace NS"), "{said}");
    let said = refused(&["--base-url", "http://127.0.0.1:1", "serve"]);
    assert!(
        said.contains("--base-url does nothing for `verdict serve`"),
        "{said}"
    );
    let said = refused(&[
        "--allow-insecure-http",
        "seed",
        "--db",
        "x",
        "--namespace",
        "y",
    ]);
    assert!(
        said.contains("--allow-insecure-http does nothing"),
        "{said}"
    );
}

#[test]
fn connection_flags_before_a_connecting_command_still_count_and_its_own_win() {
    let home = tempfile::tempdir().expect("tempdir");
    let namespace_line = |out: &Output| {
        assert!(out.status.success(), "{}", stderr(out));
        stdout(out)
            .lines()
            .find(|l| l.trim_start().starts_with("namespace"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let before = verdict(home.path(), &["--namespace", "outer", "status"]);
    assert!(
        namespace_line(&before).contains("outer"),
        "{}",
        stdout(&before)
    );
    let after = verdict(home.path(), &["status", "--namespace", "inner"]);
    assert!(
        namespace_line(&after).contains("inner"),
        "{}",
        stdout(&after)
    );
    let both = verdict(
        home.path(),
        &["--namespace", "outer", "status", "--namespace", "inner"],
    );
    let line = namespace_line(&both);
    assert!(line.contains("inner") && !line.contains("outer"), "{line}");
}

#[test]
fn version_names_the_commit() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = verdict(home.path(), &["--version"]);
    assert!(out.status.success());
    let said = stdout(&out);
    let rest = said
        .strip_prefix(&format!("verdict {} (", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("{said}"));
    let commit: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    // In a git checkout the build names its commit; elsewhere it says it cannot.
    assert!(
        commit.len() == 12 || rest.starts_with("unknown commit"),
        "{said}"
    );
}

#[test]
fn completions_and_the_manual_come_from_the_command_line_itself() {
    let home = tempfile::tempdir().expect("tempdir");
    let bash = stdout(&verdict(home.path(), &["completions", "bash"]));
    assert!(bash.contains("complete -F _verdict"), "{bash}");
    let zsh = stdout(&verdict(home.path(), &["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef verdict"), "{zsh}");
    let fish = stdout(&verdict(home.path(), &["completions", "fish"]));
    assert!(fish.contains("complete -c verdict"), "{fish}");
    let man = stdout(&verdict(home.path(), &["man"]));
    assert!(man.contains(".TH verdict 1"), "{man}");
    for script in [&bash, &zsh, &fish] {
        // Every subcommand and the flags of subcommands can be completed.
        for word in [
            "rate",
            "export",
            "serve",
            "import",
            "completions",
            "namespace",
            "since",
        ] {
            assert!(script.contains(word), "{word} missing");
        }
    }
    // The page lists every subcommand and documents the reviewer's flags (roff escapes `-`).
    for word in [
        "rate",
        "export",
        "serve",
        "import",
        "completions",
        "\\-\\-namespace",
    ] {
        assert!(man.contains(word), "{word} missing from the manual");
    }
    assert!(!home.path().join("data").exists(), "nothing was created");
    let said = refused(&["completions", "powershell"]);
    assert!(said.contains("possible values: bash, zsh, fish"), "{said}");
}
