use super::read::{MAX_LINE_BYTES, read_line};
use super::*;
use std::io::BufRead;
use std::path::PathBuf;

fn line(reviewer: &str, message: &str, rating: &str, extra: &str) -> String {
    format!(
        r#"{{"prompt":"q","completion":"a","rating":"{rating}","session_id":"ses_1","message_id":"{message}","reviewer":"{reviewer}","made_at":"2026-11-30T10:00:00.000000Z","latest":true,"namespace":"ns","base_url":"http://127.0.0.1:1"{extra}}}"#
    )
}

fn write(dir: &std::path::Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_line_over_the_bound_is_skipped_to_its_end() {
    let input = format!("short\n{}\nnext\nlast", "x".repeat(100));
    let mut r = std::io::BufReader::with_capacity(8, input.as_bytes());
    let mut buf = Vec::new();
    let mut got = Vec::new();
    while let Some(fits) = read_line(&mut r, &mut buf, 10).unwrap() {
        got.push((fits, String::from_utf8(buf.clone()).unwrap()));
    }
    assert_eq!(
        got,
        [
            (true, "short".to_string()),
            (false, String::new()),
            (true, "next".to_string()),
            (true, "last".to_string()),
        ]
    );
    assert!(r.fill_buf().unwrap().is_empty());
}

#[test]
fn junk_lines_are_counted_and_strings_made_safe() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.jsonl",
        &[
            line(
                "ann\\u001b[31m",
                "m1",
                "positive",
                r#","feedback_text":"ok\u001b]0;x\u0007""#,
            ),
            "not json at all \u{1b}[2J".to_string(),
            line("ann", "m2", "sideways", ""),
            r#"{"rating":"positive"}"#.to_string(),
            "x".repeat(MAX_LINE_BYTES + 10),
            String::new(),
        ],
    );
    let b = write(dir.path(), "b.jsonl", &[line("bob", "m1", "negative", "")]);
    let r = read_files(&[a, b]).unwrap();
    assert_eq!(r.files[0].rows, 1);
    assert_eq!(r.files[0].skipped, 4, "junk, bad rating, no ids, too long");
    assert_eq!(r.reviewers[0].name, "ann\u{fffd}[31m");
    let note = r.replies[0].judgments[0].1.note.clone().unwrap();
    assert!(!note.chars().any(crate::sanitize::is_unsafe), "{note:?}");
    assert_eq!(r.replies.len(), 1);
    assert_eq!(r.replies[0].prompt.as_deref(), Some("q"));
}

#[test]
fn only_each_reviewers_latest_rating_counts() {
    let dir = tempfile::tempdir().unwrap();
    let old = line("ann", "m1", "negative", "").replace("\"latest\":true", "\"latest\":false");
    let earlier = line("ann", "m2", "positive", "").replace("10:00", "09:00");
    let a = write(
        dir.path(),
        "a.jsonl",
        &[
            old,
            line("ann", "m1", "positive", ""),
            line("ann", "m2", "negative", ""),
            earlier,
        ],
    );
    let b = write(dir.path(), "b.jsonl", &[line("bob", "m1", "positive", "")]);
    let r = read_files(&[a, b]).unwrap();
    assert_eq!(r.files[0].skipped, 0, "a superseded row is not unreadable");
    let m1 = &r.replies[0];
    assert_eq!(m1.judgments.len(), 2);
    assert!(
        m1.judgments
            .iter()
            .all(|(_, j)| j.rating == Rating::Positive)
    );
    let m2 = &r.replies[1];
    assert_eq!(
        m2.judgments[0].1.rating,
        Rating::Negative,
        "the later made_at wins"
    );
}

#[test]
fn the_same_name_in_two_files_is_two_reviewers() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jsonl", &[line("ann", "m1", "positive", "")]);
    let b = write(dir.path(), "b.jsonl", &[line("ann", "m1", "negative", "")]);
    let r = read_files(&[a, b]).unwrap();
    let labels: Vec<_> = r.reviewers.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["ann (a.jsonl)", "ann (b.jsonl)"]);
    assert!(
        r.notes[0].contains("\"ann\" is in 2 files"),
        "{:?}",
        r.notes
    );
    let analysis = analyse(&r);
    assert_eq!(analysis.shared, 1);
    assert_eq!(analysis.disagreements, [0]);
}

#[test]
fn tags_are_analysed_when_present_and_absent_means_none() {
    let dir = tempfile::tempdir().unwrap();
    let tags = |t: &str| format!(r#","tags":[{t}]"#);
    let a = write(
        dir.path(),
        "a.jsonl",
        &[
            line(
                "ann",
                "m1",
                "negative",
                &tags(r#""hallucination"," rude ","hallucination""#),
            ),
            line("ann", "m2", "positive", ""),
            line("ann", "m3", "negative", &tags(r#""hallucination""#)),
        ],
    );
    let b = write(
        dir.path(),
        "b.jsonl",
        &[
            line("bob", "m1", "negative", &tags(r#""hallucination""#)),
            line("bob", "m2", "positive", ""),
            line("bob", "m3", "negative", ""),
        ],
    );
    let r = read_files(&[a, b]).unwrap();
    assert_eq!(r.replies[0].judgments[0].1.tags, ["hallucination", "rude"]);
    let analysis = analyse(&r);
    let labels: Vec<_> = analysis.labels.iter().map(|l| l.label.clone()).collect();
    assert_eq!(
        labels,
        [
            Label::Rating,
            Label::Tag("hallucination".into()),
            Label::Tag("rude".into())
        ]
    );
    // The ratings agree everywhere, but both ratings are used: κ = 1.
    assert_eq!(analysis.labels[0].pairs[0].cohen.value, Value::Defined(1.0));
    // hallucination: ann yes, yes on m1, m3; bob yes on m1 only: 2 of 3 agree.
    let h = &analysis.labels[1].pairs[0].cohen;
    assert_eq!(h.units, 3);
    assert!((h.agreement.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    // m1 (rude) and m3 (hallucination) differ in tags; m2 does not.
    assert_eq!(analysis.disagreements, [0, 2]);
}

#[test]
fn no_overlap_and_one_category_read_as_words() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jsonl", &[line("ann", "m1", "positive", "")]);
    let b = write(dir.path(), "b.jsonl", &[line("bob", "m2", "positive", "")]);
    let analysis = analyse(&read_files(&[a, b]).unwrap());
    assert_eq!(analysis.shared, 0);
    assert_eq!(
        value_text(analysis.labels[0].krippendorff.value),
        "no reply was rated by two reviewers"
    );
    assert_eq!(
        value_text(Value::SameEverywhere),
        "undefined (every rating is the same)"
    );
    assert_eq!(percent_text(None), "-");
    assert_eq!(percent_text(Some(0.7)), "70.0%");
}

#[test]
fn a_missing_file_a_csv_and_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let e = read_files(&[dir.path().join("none.jsonl")]).unwrap_err();
    assert!(e.to_string().contains("none.jsonl"), "{e}");
    let csv = write(
        dir.path(),
        "x.csv",
        &["session_id,message_id,ratings".into()],
    );
    let e = read_files(&[csv]).unwrap_err().to_string();
    assert!(e.contains("CSV without the columns"), "{e}");

    let db = dir.path().join("journal.db");
    let mut journal = crate::journal::Journal::open(&db).unwrap();
    let target = crate::journal::Target {
        base_url: "http://127.0.0.1:1".into(),
        namespace: "ns".into(),
        session_id: "ses_1".into(),
        message_id: "m1".into(),
    };
    journal
        .record(&target, Rating::Negative, Some("no"), "cy")
        .unwrap();
    journal
        .record(&target, Rating::Positive, Some("yes"), "cy")
        .unwrap();
    drop(journal);
    let a = write(dir.path(), "a.jsonl", &[line("ann", "m1", "negative", "")]);
    let r = read_files(&[a, db]).unwrap();
    assert_eq!(r.reviewers[1].name, "cy");
    let j = &r.replies[0].judgments[1].1;
    assert_eq!(
        (j.rating, j.note.as_deref()),
        (Rating::Positive, Some("yes"))
    );
    assert_eq!(analyse(&r).disagreements, [0]);
}

#[test]
fn a_csv_export_reads_like_the_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let header = "session_id,message_id,rating,label,feedback_text,reviewer,made_at,recorded_at,stored,state,latest,prompt,completion,namespace,base_url";
    let csv = dir.path().join("bob.csv");
    std::fs::write(
        &csv,
        format!(
            "{header}\r\n\
             ses_1,m1,negative,false,\"bad, \"\"very\"\"\r\nbad\",bob,2026-11-30T10:00:00.000000Z,,,sent,true,q,a,ns,http://127.0.0.1:1\r\n\
             ses_1,m2,negative,false,,bob,2026-11-30T09:00:00.000000Z,,,superseded,false,,,ns,http://127.0.0.1:1\r\n\
             ses_1,m3,sideways\r\n"
        ),
    )
    .unwrap();
    let a = write(dir.path(), "a.jsonl", &[line("ann", "m1", "positive", "")]);
    let r = read_files(&[a, csv]).unwrap();
    assert_eq!((r.files[1].rows, r.files[1].skipped), (1, 1));
    let (who, j) = &r.replies[0].judgments[1];
    assert_eq!(r.reviewers[*who].name, "bob");
    assert_eq!(j.rating, Rating::Negative);
    assert_eq!(j.note.as_deref(), Some("bad, \"very\"\nbad"));
    assert_eq!(analyse(&r).disagreements, [0]);
}
