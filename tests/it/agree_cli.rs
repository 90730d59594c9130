//! `verdict agree` through the built binary: export files of several reviewers, the
//! `--json` document, the adjudication queue read back, bad and hostile input, and the
//! whole loop against a local server (two reviewers rate, export as JSONL and CSV, agree, an adjudicator
//! rates the queued reply and the server holds that rating as the latest).

use crate::common::{TestServer, assistant_ids, text, verdict};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use verdict::api::model::Rating;

/// One export line, as `verdict export` writes it.
fn row(reviewer: &str, message: &str, rating: &str, extra: &str) -> String {
    format!(
        r#"{{"prompt":"Question {message}","completion":"Answer {message}","label":{label},"rating":"{rating}",{note}"session_id":"ses_1","message_id":"{message}","reviewer":"{reviewer}","made_at":"2026-11-30T10:00:00.000000Z","recorded_at":null,"stored":null,"state":"sent","latest":true,"namespace":"team","base_url":"http://127.0.0.1:8000"{extra}}}"#,
        label = rating == "positive",
        note = if extra.contains("feedback_text") {
            ""
        } else {
            r#""feedback_text":null,"#
        }
    )
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn agree(home: &Path, args: &[&str]) -> Output {
    verdict(home)
        .arg("agree")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run verdict")
}

/// Three reviewers over five replies: ann and bob agree but on m2, cy differs on m3 and
/// tags m2 as bob does not.
fn three_reviewers(dir: &Path) -> Vec<String> {
    let tag = r#","tags":["hallucination"]"#;
    let ann = write(
        dir,
        "ann.jsonl",
        &[
            row("ann", "m1", "positive", ""),
            row(
                "ann",
                "m2",
                "negative",
                &format!("{tag},\"feedback_text\":\"made up a number\""),
            ),
            row("ann", "m3", "positive", ""),
            row("ann", "m4", "negative", ""),
        ],
    );
    let bob = write(
        dir,
        "bob.jsonl",
        &[
            row("bob", "m1", "positive", ""),
            row("bob", "m2", "positive", ""),
            row("bob", "m3", "positive", ""),
            row("bob", "m4", "negative", ""),
        ],
    );
    let cy = write(
        dir,
        "cy.jsonl",
        &[
            row("cy", "m1", "positive", ""),
            row("cy", "m2", "negative", tag),
            row("cy", "m3", "negative", r#","feedback_text":"wrong""#),
            row("cy", "m5", "positive", ""),
        ],
    );
    [ann, bob, cy]
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect()
}

#[test]
fn three_reviewers_get_every_coefficient_and_their_disagreements() {
    let dir = tempfile::tempdir().unwrap();
    let files = three_reviewers(dir.path());
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = agree(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Replies rated by two or more reviewers: 4"),
        "{stdout}"
    );
    assert!(stdout.contains("Rating (positive or negative)"), "{stdout}");
    assert!(
        stdout.contains("Tag \"hallucination\" (present or absent)"),
        "{stdout}"
    );
    // ann and bob: 3 of 4 agree, κ = 0.5; ann and cy: 2 of 3, κ = 0.4.
    let line = |start: &str| {
        stdout
            .lines()
            .find(|l| l.contains(start))
            .unwrap_or_else(|| panic!("no line with {start:?}:\n{stdout}"))
            .to_string()
    };
    let ann_bob = line("ann / bob");
    assert!(
        ann_bob.contains("0.500") && ann_bob.contains("75.0%"),
        "{ann_bob}"
    );
    assert!(line("ann / cy").contains("0.400"), "{stdout}");
    assert!(line("Fleiss' κ").contains("over 4 replies"), "{stdout}");
    assert!(line("Krippendorff's α").contains("0.333"), "{stdout}");
    assert!(stdout.contains("Disagreements: 2"), "{stdout}");
    assert!(
        stdout.contains(
            "ses_1 m2: ann: negative [hallucination] \"made up a number\"; bob: positive; cy: negative [hallucination]"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("ses_1 m3: ann: positive; bob: positive; cy: negative \"wrong\""));
    assert!(
        !stdout.contains(" m4:"),
        "agreeing replies are not disagreements"
    );
}

#[test]
fn json_holds_the_same_content() {
    let dir = tempfile::tempdir().unwrap();
    let files = three_reviewers(dir.path());
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.push("--json");
    let out = agree(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["shared_replies"], 4);
    assert_eq!(doc["reviewers"].as_array().unwrap().len(), 3);
    let rating = &doc["labels"][0];
    assert_eq!(rating["label"], "rating");
    assert_eq!(rating["cohen"].as_array().unwrap().len(), 3);
    assert_eq!(rating["cohen"][0]["a"], "ann");
    assert_eq!(rating["cohen"][0]["b"], "bob");
    assert_eq!(rating["cohen"][0]["kappa"]["value"], 0.5);
    assert_eq!(rating["cohen"][0]["kappa"]["agreement"], 0.75);
    assert_eq!(rating["cohen"][0]["kappa"]["replies"], 4);
    assert_eq!(rating["fleiss"]["status"], "defined");
    let alpha = rating["krippendorff"]["value"].as_f64().unwrap();
    assert!((alpha - 1.0 / 3.0).abs() < 1e-9, "{alpha}");
    assert_eq!(doc["labels"][1]["tag"], "hallucination");
    let d = doc["disagreements"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0]["message_id"], "m2");
    assert_eq!(d[0]["judgments"][0]["note"], "made up a number");
    assert_eq!(d[0]["judgments"][2]["tags"][0], "hallucination");
}

#[test]
fn the_queue_reads_back_with_every_judgment_and_the_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let files = three_reviewers(dir.path());
    let queue = dir.path().join("queue.json");
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend(["--queue", queue.to_str().unwrap()]);
    let out = agree(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("wrote 2 replies to adjudicate"));
    let q = verdict::queue::read(&queue).unwrap();
    assert_eq!(q.items.len(), 2);
    let m2 = &q.items[0];
    assert_eq!(
        (m2.session_id.as_str(), m2.message_id.as_str()),
        ("ses_1", "m2")
    );
    assert_eq!(
        (m2.namespace.as_str(), m2.base_url.as_str()),
        ("team", "http://127.0.0.1:8000")
    );
    assert_eq!(m2.prompt.as_deref(), Some("Question m2"));
    assert_eq!(m2.completion.as_deref(), Some("Answer m2"));
    let who: Vec<_> = m2
        .judgments
        .iter()
        .map(|j| (j.reviewer.as_str(), j.rating))
        .collect();
    assert_eq!(
        who,
        [
            ("ann", Rating::Negative),
            ("bob", Rating::Positive),
            ("cy", Rating::Negative)
        ]
    );
    assert_eq!(m2.judgments[0].tags, ["hallucination"]);
    assert_eq!(m2.judgments[0].note.as_deref(), Some("made up a number"));
    assert_eq!(q.items[1].message_id, "m3");
}

#[test]
fn a_missing_file_and_a_single_file_are_refused_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let files = three_reviewers(dir.path());
    let out = agree(dir.path(), &[&files[0], "/nonexistent/bob.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("Cannot read /nonexistent/bob.jsonl"), "{err}");
    assert!(out.stdout.is_empty());
    let out = agree(dir.path(), &[&files[0]]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("2 values required"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn junk_lines_and_escape_sequences_print_nothing_unsafe() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = r"\u001b]0;owned\u0007\u001b[2J\u009b6n\u202e";
    let a = write(
        dir.path(),
        "a.jsonl",
        &[
            row(
                &format!("ann{hostile}"),
                "m1",
                "negative",
                &format!(r#","feedback_text":"bad{hostile}","tags":["t{hostile}"]"#),
            ),
            "\u{1b}[31mnot json\u{7}".to_string(),
            "{\"rating\":".to_string(),
            "\u{0}\u{1}\u{2}".to_string(),
        ],
    );
    let b = write(
        dir.path(),
        "b.jsonl",
        &[row("bob", "m1", "positive", ""), "[1,2,3]".to_string()],
    );
    for json in [false, true] {
        let mut args = vec![a.to_str().unwrap(), b.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let out = agree(dir.path(), &args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            !stdout
                .trim_end()
                .chars()
                .any(|c| verdict::sanitize::is_unsafe(c) && c != '\n'),
            "{stdout:?}"
        );
        assert!(
            !stderr
                .chars()
                .any(|c| verdict::sanitize::is_unsafe(c) && c != '\n')
        );
        if json {
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(doc["files"][0]["skipped"], 3);
            assert_eq!(doc["files"][1]["skipped"], 1);
            assert_eq!(doc["disagreements"].as_array().unwrap().len(), 1);
        } else {
            assert!(stdout.contains("4 unreadable line(s) skipped"), "{stdout}");
            assert!(stdout.contains("Disagreements: 1"), "{stdout}");
        }
    }
}

/// A reviewer's machine: its own data and config directories, its name in USER.
fn reviewer_cmd(home: &Path, name: &str, test: &TestServer) -> std::process::Command {
    let mut cmd = verdict(home);
    cmd.env("USER", name)
        .env("HOME", home)
        .env("MIXPEEK_BASE_URL", test.base_url())
        .env("MIXPEEK_NAMESPACE", &test.namespace)
        .env("MIXPEEK_API_KEY", test.key.expose())
        .stdin(Stdio::null());
    cmd
}

async fn run(mut cmd: std::process::Command) -> Output {
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("run verdict");
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reviewers_rate_export_agree_and_an_adjudicator_has_the_last_word() {
    let test = TestServer::with_sample().await;
    let tools = test.session_named("tools").await.session_id;
    let replies = assistant_ids(&test.history(&tools).await);
    assert!(replies.len() >= 3, "{replies:?}");
    let work = tempfile::tempdir().unwrap();
    let mut exports = Vec::new();
    // ann and bob agree on the first two replies and not on the third.
    for (name, third) in [("ann", "positive"), ("bob", "negative")] {
        let home = work.path().join(name);
        std::fs::create_dir_all(home.join("config")).unwrap();
        for (reply, rating) in [
            (&replies[0], "positive"),
            (&replies[1], "negative"),
            (&replies[2], third),
        ] {
            let mut cmd = reviewer_cmd(&home, name, &test);
            cmd.args([
                "rate",
                &tools,
                reply,
                rating,
                "--text",
                &format!("{name} says {rating}"),
            ]);
            run(cmd).await;
        }
        // ann exports JSONL, bob CSV: agree reads both.
        let format = if name == "ann" { "jsonl" } else { "csv" };
        let export = work.path().join(format!("{name}.{format}"));
        let mut cmd = reviewer_cmd(&home, name, &test);
        cmd.args([
            "export",
            "--format",
            format,
            "--output",
            export.to_str().unwrap(),
        ]);
        run(cmd).await;
        exports.push(export);
    }
    let queue = work.path().join("queue.json");
    let mut cmd = verdict(work.path());
    cmd.arg("agree")
        .args(&exports)
        .args(["--queue", queue.to_str().unwrap()])
        .stdin(Stdio::null());
    let out = run(cmd).await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Replies rated by two or more reviewers: 3"),
        "{stdout}"
    );
    let pair = stdout.lines().find(|l| l.contains("ann / bob")).unwrap();
    // 2 of 3 agree; ann 2 positive of 3, bob 1 of 3: p_e = 4/9, κ = (2/3 - 4/9) / (5/9) = 0.4.
    assert!(pair.contains("0.400") && pair.contains("66.7%"), "{pair}");
    assert!(stdout.contains("Disagreements: 1"), "{stdout}");

    let q = verdict::queue::read(&queue).unwrap();
    assert_eq!(q.items.len(), 1);
    let item = &q.items[0];
    assert_eq!(
        (item.session_id.as_str(), item.message_id.as_str()),
        (tools.as_str(), replies[2].as_str())
    );
    assert_eq!(item.namespace, test.namespace);
    assert!(
        item.completion.as_deref().is_some_and(|c| !c.is_empty()),
        "{item:?}"
    );
    let notes: Vec<_> = item
        .judgments
        .iter()
        .map(|j| j.note.clone().unwrap())
        .collect();
    assert_eq!(notes, ["ann says positive", "bob says negative"]);

    // The adjudicator rates the queued reply; the server's latest rating is theirs.
    let home = work.path().join("judge");
    std::fs::create_dir_all(home.join("config")).unwrap();
    let mut cmd = reviewer_cmd(&home, "judge", &test);
    cmd.args([
        "rate",
        &item.session_id,
        &item.message_id,
        "negative",
        "--text",
        "adjudicated",
    ]);
    run(cmd).await;
    let listing = test
        .client()
        .feedback_listing(&tools)
        .await
        .unwrap()
        .unwrap();
    let latest = listing
        .feedback
        .iter()
        .find(|f| f.message_id == item.message_id)
        .unwrap();
    assert_eq!(latest.rating, Rating::Negative);
    assert_eq!(latest.feedback_text.as_deref(), Some("adjudicated"));
}
