//! Damaged storage: a journal with broken pages is named with its path, `verdict doctor`
//! says what to do, and `export` still gives every rating that can be read.

use crate::common::{run, text};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use verdict::api::model::Rating;
use verdict::journal::{Journal, Target};

const RATINGS: usize = 1500;

/// A journal of `RATINGS` ratings with notes long enough to fill many pages, closed (so
/// its write-ahead log is folded into the file).
fn journal_with_ratings(path: &Path) {
    let mut journal = Journal::open(path).unwrap();
    for i in 0..RATINGS {
        let target = Target {
            base_url: "http://127.0.0.1:1".into(),
            namespace: "ns".into(),
            session_id: format!("ses_{}", i / 10),
            message_id: format!("msg_{i}"),
        };
        let note = format!(
            "note {i}: {}",
            "the reply skipped the second step. ".repeat(8)
        );
        journal
            .record(&target, Rating::Negative, Some(&note), "ann")
            .unwrap();
    }
}

/// Overwrites pages in the middle of the file (never the first, which holds the schema).
fn break_pages(path: &Path) {
    let len = std::fs::metadata(path).unwrap().len();
    let pages = len / 4096;
    assert!(pages > 50, "the journal spans {pages} pages");
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    for page in [pages / 2, pages / 2 + 1, pages / 2 + 7] {
        f.seek(SeekFrom::Start(page * 4096)).unwrap();
        f.write_all(&[0xA5; 4096]).unwrap();
    }
    f.sync_all().unwrap();
}

#[test]
fn a_damaged_journal_is_named_checked_and_salvaged() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let journal = data.join("journal.db");
    journal_with_ratings(&journal);
    // Sound first: doctor says so and exits 0.
    let out = run(home.path(), &["doctor"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("sound, schema"),
        "{}",
        text(&out.stdout)
    );

    break_pages(&journal);
    let out = run(home.path(), &["doctor"]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let line = said
        .lines()
        .find(|l| l.contains("journal"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(line.starts_with("PROBLEM"), "{line}");
    assert!(line.contains(&journal.display().to_string()), "{line}");
    assert!(line.contains("verdict export --output"), "{line}");
    assert!(text(&out.stderr).contains("1 problem(s) found"));

    let out = run(home.path(), &["export"]);
    let warning = text(&out.stderr);
    assert!(out.status.success(), "{warning}");
    assert!(
        warning.contains(&journal.display().to_string()),
        "{warning}"
    );
    assert!(warning.contains("could still be read"), "{warning}");
    let rows = text(&out.stdout).lines().count();
    assert!(
        rows > RATINGS / 2 && rows <= RATINGS,
        "{rows} rows: {warning}"
    );
    // What was read is whole: every line is a rating with its note.
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["rating"], "negative");
        assert!(v["feedback_text"].as_str().unwrap().starts_with("note "));
    }
}

#[test]
fn a_journal_others_can_read_is_a_problem_with_the_command_that_fixes_it() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let journal = data.join("journal.db");
    drop(Journal::open(&journal).unwrap());
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(home.path(), &["doctor"]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("chmod 600 {}", journal.display())),
        "{said}"
    );
}
