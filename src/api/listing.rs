//! Reading a paged local listing (feedback, memory) to its end, and stopping on a server
//! that sends its first page again.

use super::error::ApiError;
use super::limits::LISTING_ENTRIES_MAX;
use super::model::{FeedbackPage, FeedbackRecord, MemoryEntry, MemoryPage};

/// A page of a local listing, as [`every_page`] reads it.
pub(super) trait ListingPage {
    type Item;
    /// The session it is of, its entries, whether more follow, and the entries in all.
    fn into_parts(self) -> (String, Vec<Self::Item>, bool, u64);
    /// The entry's own id, to notice a server sending its first page again.
    fn id(item: &Self::Item) -> &str;
}

impl ListingPage for FeedbackPage {
    type Item = FeedbackRecord;
    fn into_parts(self) -> (String, Vec<FeedbackRecord>, bool, u64) {
        (self.session_id, self.feedback, self.has_more, self.total)
    }
    fn id(item: &FeedbackRecord) -> &str {
        &item.feedback_id
    }
}

impl ListingPage for MemoryPage {
    type Item = MemoryEntry;
    fn into_parts(self) -> (String, Vec<MemoryEntry>, bool, u64) {
        (self.session_id, self.memories, self.has_more, self.total)
    }
    fn id(item: &MemoryEntry) -> &str {
        &item.memory_id
    }
}

/// Every entry of a local listing, page after page from offset 0, until the server says
/// there is no more; `Ok(None)` when the server does not offer the listing.
pub(super) async fn every_page<P, F, Fut>(
    session_id: &str,
    listing: &str,
    mut page_at: F,
) -> Result<Option<(String, Vec<P::Item>)>, ApiError>
where
    P: ListingPage,
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = Result<Option<P>, ApiError>>,
{
    let mut entries: Vec<P::Item> = Vec::new();
    loop {
        let offset = entries.len() as u64;
        let Some(page) = page_at(offset).await? else {
            return Ok(None);
        };
        let (session, items, has_more, total) = page.into_parts();
        stalled(
            session_id,
            listing,
            offset,
            entries.first().map(|e| P::id(e).to_string()),
            items.first().map(|e| P::id(e).to_string()),
        )?;
        let n = items.len();
        entries.extend(items);
        // A server whose listing never ends must not fill memory.
        if entries.len() > LISTING_ENTRIES_MAX {
            return Err(ApiError::Decode(format!(
                "the {listing} listing of {session_id} went on past {LISTING_ENTRIES_MAX} entries; verdict stopped reading it"
            )));
        }
        if !has_more || n == 0 || entries.len() as u64 >= total {
            return Ok(Some((session, entries)));
        }
    }
}

/// A server that ignores `offset` sends the first page again: stop rather than fetch forever.
fn stalled(
    session_id: &str,
    listing: &str,
    offset: u64,
    first_seen: Option<String>,
    first_on_page: Option<String>,
) -> Result<(), ApiError> {
    if offset > 0 && first_seen.is_some() && first_seen == first_on_page {
        return Err(ApiError::Decode(format!(
            "the {listing} listing of {session_id} came back from its start when asked for entry {offset}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::Rating;

    fn page(offset: u64, n: u64) -> FeedbackPage {
        FeedbackPage {
            session_id: "ses_a".into(),
            feedback: (offset..offset + n)
                .map(|i| FeedbackRecord {
                    feedback_id: format!("fb_{i}"),
                    session_id: "ses_a".into(),
                    message_id: format!("msg_{i}"),
                    rating: Rating::Positive,
                    feedback_text: None,
                    stored: false,
                    recorded_at: String::new(),
                })
                .collect(),
            total: u64::MAX,
            limit: n,
            offset,
            has_more: true,
        }
    }

    #[tokio::test]
    async fn a_listing_that_never_ends_is_cut_with_a_sentence() {
        let mut calls = 0;
        let result = every_page("ses_a", "feedback", |offset| {
            calls += 1;
            async move { Ok(Some(page(offset, 1000))) }
        })
        .await;
        let Err(ApiError::Decode(said)) = result else {
            panic!("an endless listing was read to the end")
        };
        assert!(said.contains("went on past 100000 entries"), "{said}");
        assert_eq!(calls, LISTING_ENTRIES_MAX / 1000 + 1);
    }

    #[tokio::test]
    async fn a_listing_sent_again_from_its_start_is_stopped() {
        let result = every_page("ses_a", "feedback", |_| async { Ok(Some(page(0, 10))) }).await;
        let Err(ApiError::Decode(said)) = result else {
            panic!("a repeating listing was read")
        };
        assert!(said.contains("came back from its start"), "{said}");
    }
}
