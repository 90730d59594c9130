//! `verdict agree FILE...`: agreement between reviewers, from their exports or journals,
//! and the replies they disagree on, printed and optionally written as an adjudication
//! queue.

use crate::agreement::{self, Analysis, Coefficient, Label, Ratings, Reply, read_files};
use crate::cli::AgreeArgs;
use crate::queue::{self, Queue, QueueItem};
use anyhow::Context;
use serde_json::json;

/// The exit status for input that cannot be used (a missing or unreadable file).
pub const EXIT_BAD_INPUT: i32 = 2;
/// The longest note shown on a disagreement's line.
const NOTE_CHARS: usize = 60;

pub fn agree(args: AgreeArgs) -> anyhow::Result<()> {
    let ratings = match read_files(&args.files) {
        Ok(r) => r,
        Err(e) => {
            crate::say_err!("verdict: {e}");
            std::process::exit(EXIT_BAD_INPUT);
        }
    };
    let analysis = agreement::analyse(&ratings);
    if let Some(path) = &args.queue {
        let queue = queue_of(&ratings, &analysis);
        queue::write(path, &queue)
            .with_context(|| format!("Cannot write the queue to {}", path.display()))?;
        crate::say_err!(
            "verdict: wrote {} to adjudicate to {}; open it with: verdict --queue {}",
            replies(queue.items.len()),
            path.display(),
            path.display()
        );
    }
    if args.json {
        let doc = json_of(&ratings, &analysis);
        let text = serde_json::to_string(&doc)?;
        crate::output::write_stdout_raw(crate::sanitize::json(&text).as_bytes())?;
        crate::output::write_stdout_raw(b"\n")?;
    } else {
        print_text(&ratings, &analysis)?;
    }
    Ok(())
}

fn label_title(label: &Label) -> String {
    match label {
        Label::Rating => "Rating (positive or negative)".to_string(),
        Label::Tag(t) => format!("Tag {t:?} (present or absent)"),
    }
}

fn coefficient_line(name: &str, width: usize, c: &Coefficient) -> String {
    match c.value {
        agreement::Value::NoOverlap => {
            format!("{name:<width$}  {}", agreement::value_text(c.value))
        }
        _ => format!(
            "{name:<width$}  {:<7}  over {:<12}  agreement {}",
            agreement::value_text(c.value),
            replies(c.units),
            agreement::percent_text(c.agreement)
        ),
    }
}

/// Each reviewer's judgment of a reply on one line: `ann: negative [tag] "note"`.
fn judgments_line(ratings: &Ratings, reply: &Reply) -> String {
    reply
        .judgments
        .iter()
        .map(|(r, j)| {
            let mut s = format!("{}: {}", ratings.reviewers[*r].label, j.rating);
            if !j.tags.is_empty() {
                s.push_str(&format!(" [{}]", j.tags.join(", ")));
            }
            if let Some(note) = &j.note {
                s.push_str(&format!(
                    " \"{}\"",
                    crate::sanitize::message(note, NOTE_CHARS)
                ));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn print_text(ratings: &Ratings, analysis: &Analysis) -> anyhow::Result<()> {
    let rows: u64 = ratings.files.iter().map(|f| f.rows).sum();
    let skipped: u64 = ratings.files.iter().map(|f| f.skipped).sum();
    crate::outln!(
        "Read {} from {}: {}, {}.",
        plural_ratings(rows),
        super::plural(ratings.files.len(), "file"),
        super::plural(ratings.reviewers.len(), "reviewer"),
        if skipped == 0 {
            "no unreadable lines".to_string()
        } else {
            format!("{skipped} unreadable line(s) skipped")
        }
    )?;
    for f in ratings.files.iter().filter(|f| f.skipped > 0) {
        crate::outln!(
            "  {}: {} unreadable line(s) skipped",
            f.path.display(),
            f.skipped
        )?;
    }
    for note in &ratings.notes {
        crate::outln!("{note}")?;
    }
    crate::outln!(
        "Replies rated by two or more reviewers: {}",
        analysis.shared
    )?;
    if analysis.shared == 0 {
        crate::outln!("No reply was rated by two reviewers, so there is no agreement to measure.")?;
        return Ok(());
    }
    let width = ratings
        .reviewers
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    let name_width = (width * 2 + 3).max("everyone".len());
    for label in &analysis.labels {
        crate::outln!("")?;
        crate::outln!("{}", label_title(&label.label))?;
        for p in &label.pairs {
            let name = format!(
                "{} / {}",
                ratings.reviewers[p.a].label, ratings.reviewers[p.b].label
            );
            let line = match p.cohen.value {
                agreement::Value::NoOverlap => {
                    format!("{name:<name_width$}  no reply was rated by both")
                }
                _ => coefficient_line(&name, name_width, &p.cohen),
            };
            crate::outln!("  {:<16}  {line}", "Cohen's κ")?;
        }
        for (kind, c) in [
            ("Fleiss' κ", &label.fleiss),
            ("Krippendorff's α", &label.krippendorff),
        ] {
            crate::outln!(
                "  {kind:<16}  {}",
                coefficient_line("everyone", name_width, c)
            )?;
        }
    }
    if analysis.tags_left_out > 0 {
        crate::outln!(
            "({} less used tag(s) left out of the coefficients.)",
            analysis.tags_left_out
        )?;
    }
    crate::outln!("")?;
    crate::outln!("Disagreements: {}", analysis.disagreements.len())?;
    for &i in &analysis.disagreements {
        let reply = &ratings.replies[i];
        crate::outln!(
            "  {} {}: {}",
            reply.key.session_id,
            reply.key.message_id,
            judgments_line(ratings, reply)
        )?;
    }
    Ok(())
}

fn replies(n: usize) -> String {
    if n == 1 {
        "1 reply".to_string()
    } else {
        format!("{n} replies")
    }
}

fn plural_ratings(n: u64) -> String {
    if n == 1 {
        "1 rating".to_string()
    } else {
        format!("{n} ratings")
    }
}

fn coefficient_json(c: &Coefficient) -> serde_json::Value {
    let status = match c.value {
        agreement::Value::Defined(_) => "defined",
        agreement::Value::SameEverywhere => "every_rating_the_same",
        agreement::Value::NoOverlap => "no_overlap",
    };
    json!({
        "value": c.value.defined(),
        "status": status,
        "agreement": c.agreement,
        "replies": c.units,
    })
}

/// The `--json` document (its shape is in docs/agreement.md).
fn json_of(ratings: &Ratings, analysis: &Analysis) -> serde_json::Value {
    let reviewers: Vec<_> = ratings
        .reviewers
        .iter()
        .map(|r| json!({"name": r.name, "label": r.label, "file": r.file.display().to_string()}))
        .collect();
    let files: Vec<_> = ratings
        .files
        .iter()
        .map(
            |f| json!({"path": f.path.display().to_string(), "rows": f.rows, "skipped": f.skipped}),
        )
        .collect();
    let labels: Vec<_> = analysis
        .labels
        .iter()
        .map(|l| {
            let (kind, tag) = match &l.label {
                Label::Rating => ("rating", None),
                Label::Tag(t) => ("tag", Some(t.as_str())),
            };
            json!({
                "label": kind,
                "tag": tag,
                "cohen": l.pairs.iter().map(|p| json!({
                    "a": ratings.reviewers[p.a].label,
                    "b": ratings.reviewers[p.b].label,
                    "kappa": coefficient_json(&p.cohen),
                })).collect::<Vec<_>>(),
                "fleiss": coefficient_json(&l.fleiss),
                "krippendorff": coefficient_json(&l.krippendorff),
            })
        })
        .collect();
    let disagreements: Vec<_> = analysis
        .disagreements
        .iter()
        .map(|&i| {
            let reply = &ratings.replies[i];
            json!({
                "base_url": reply.key.base_url,
                "namespace": reply.key.namespace,
                "session_id": reply.key.session_id,
                "message_id": reply.key.message_id,
                "judgments": reply.judgments.iter().map(|(r, j)| json!({
                    "reviewer": ratings.reviewers[*r].label,
                    "rating": j.rating.as_str(),
                    "tags": j.tags,
                    "note": j.note,
                    "made_at": j.made_at,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "files": files,
        "reviewers": reviewers,
        "notes": ratings.notes,
        "shared_replies": analysis.shared,
        "labels": labels,
        "tags_left_out": analysis.tags_left_out,
        "disagreements": disagreements,
    })
}

/// The disagreements as an adjudication queue (at most `queue::MAX_ITEMS`).
pub fn queue_of(ratings: &Ratings, analysis: &Analysis) -> Queue {
    let items = analysis
        .disagreements
        .iter()
        .take(queue::MAX_ITEMS)
        .map(|&i| {
            let reply = &ratings.replies[i];
            QueueItem {
                base_url: reply.key.base_url.clone(),
                namespace: reply.key.namespace.clone(),
                session_id: reply.key.session_id.clone(),
                message_id: reply.key.message_id.clone(),
                prompt: reply.prompt.clone(),
                completion: reply.completion.clone(),
                judgments: reply
                    .judgments
                    .iter()
                    .take(queue::MAX_JUDGMENTS)
                    .map(|(r, j)| queue::Judgment {
                        reviewer: ratings.reviewers[*r].label.clone(),
                        rating: j.rating,
                        tags: j.tags.clone(),
                        note: j.note.clone(),
                        made_at: Some(j.made_at.clone()).filter(|m| !m.is_empty()),
                    })
                    .collect(),
            }
        })
        .collect();
    Queue::new(crate::journal::now_rfc3339(), items)
}
