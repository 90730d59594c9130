//! Reading a paged local listing (feedback, memory) to its end, and stopping on a server
//! that sends its first page again.

use super::error::ApiError;
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
