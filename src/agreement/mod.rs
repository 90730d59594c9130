//! Agreement between reviewers: how far several reviewers' ratings of the same replies
//! agree, beyond chance, and which replies they disagree on.
//!
//! `read` turns export files and journals into one table of judgments, `stats` holds
//! the coefficients (pure functions), and [`analyse`] puts them together: Cohen's κ per
//! pair, Fleiss' κ and Krippendorff's α over everyone, for the rating and for each tag.

mod csv;
pub mod read;
pub mod stats;

pub use read::{Judgment, Ratings, Reply, ReplyKey, Reviewer, Row, read_files};
pub use stats::{Coefficient, Table, Value};

use crate::api::model::Rating;
use std::collections::BTreeMap;

/// The most tags analysed (the most used ones); a tag beyond is still shown in
/// disagreements.
pub const MAX_TAGS_ANALYSED: usize = 50;

/// What a coefficient is about: the rating, or one tag's presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    Rating,
    Tag(String),
}

/// Cohen's κ of one pair of reviewers (indexes into the reviewers).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    pub cohen: Coefficient,
}

/// The coefficients of one label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelAgreement {
    pub label: Label,
    pub pairs: Vec<Pair>,
    pub fleiss: Coefficient,
    pub krippendorff: Coefficient,
}

/// The whole result.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Replies rated by two or more reviewers.
    pub shared: usize,
    /// The rating first, then each tag, most used first.
    pub labels: Vec<LabelAgreement>,
    /// Indexes into the replies of those rated by two or more reviewers who differ in
    /// rating or tags, ordered by server, namespace, session and message.
    pub disagreements: Vec<usize>,
    /// Tags left out of the coefficients (past [`MAX_TAGS_ANALYSED`]).
    pub tags_left_out: usize,
}

/// Whether the reviewers of a reply differ in rating or tags.
pub fn disagree(reply: &Reply) -> bool {
    let mut judgments = reply.judgments.iter().map(|(_, j)| j);
    let Some(first) = judgments.next() else {
        return false;
    };
    judgments.any(|j| j.rating != first.rating || j.tags != first.tags)
}

/// The coefficients of one table.
fn label_agreement(label: Label, table: &Table) -> LabelAgreement {
    let n = table.raters();
    let mut pairs = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for a in 0..n {
        for b in a + 1..n {
            pairs.push(Pair {
                a,
                b,
                cohen: stats::cohen(table, a, b),
            });
        }
    }
    LabelAgreement {
        label,
        pairs,
        fleiss: stats::fleiss(table),
        krippendorff: stats::krippendorff(table),
    }
}

/// Every coefficient and disagreement of what was read.
pub fn analyse(ratings: &Ratings) -> Analysis {
    let raters = ratings.reviewers.len();
    // Only replies with two or more judgments count for any coefficient.
    let shared: Vec<&Reply> = ratings
        .replies
        .iter()
        .filter(|r| r.judgments.len() >= 2)
        .collect();
    let mut row = vec![None; raters];
    let mut rating_table = Table::new(raters);
    let mut tag_use: BTreeMap<&str, usize> = BTreeMap::new();
    for reply in &shared {
        row.fill(None);
        for (r, j) in &reply.judgments {
            row[*r] = Some(u8::from(j.rating == Rating::Positive));
            for t in &j.tags {
                *tag_use.entry(t.as_str()).or_default() += 1;
            }
        }
        rating_table.push_unit(&row);
    }
    let mut labels = vec![label_agreement(Label::Rating, &rating_table)];
    let mut tags: Vec<(&str, usize)> = tag_use.into_iter().collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let tags_left_out = tags.len().saturating_sub(MAX_TAGS_ANALYSED);
    tags.truncate(MAX_TAGS_ANALYSED);
    for (tag, _) in tags {
        let mut table = Table::new(raters);
        for reply in &shared {
            row.fill(None);
            for (r, j) in &reply.judgments {
                row[*r] = Some(u8::from(j.tags.iter().any(|t| t == tag)));
            }
            table.push_unit(&row);
        }
        labels.push(label_agreement(Label::Tag(tag.to_string()), &table));
    }
    let mut disagreements: Vec<usize> = ratings
        .replies
        .iter()
        .enumerate()
        .filter(|(_, r)| r.judgments.len() >= 2 && disagree(r))
        .map(|(i, _)| i)
        .collect();
    disagreements.sort_by(|&a, &b| ratings.replies[a].key.cmp(&ratings.replies[b].key));
    Analysis {
        shared: shared.len(),
        labels,
        disagreements,
        tags_left_out,
    }
}

/// A coefficient's value in words: the number to three decimals, or why there is none.
pub fn value_text(value: Value) -> String {
    match value {
        Value::Defined(v) => format!("{v:.3}"),
        Value::SameEverywhere => "undefined (every rating is the same)".to_string(),
        Value::NoOverlap => "no reply was rated by two reviewers".to_string(),
    }
}

/// A share as a percentage with one decimal, or a dash.
pub fn percent_text(share: Option<f64>) -> String {
    match share {
        Some(s) => format!("{:.1}%", s * 100.0),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests;
