//! The contract's numeric limits: one home, read by the client, the server and the reviewer.

/// The longest `feedback_text` the contract accepts, in characters.
pub const FEEDBACK_TEXT_MAX: usize = 10_000;
/// The largest page the contract allows for the session list (`limit`).
pub const LIST_LIMIT_MAX: u32 = 1000;
/// The session list's page when the request names none.
pub const LIST_LIMIT_DEFAULT: u32 = 20;
/// The largest offset the contract accepts for the session list.
pub const LIST_OFFSET_MAX: u64 = 10_000;
/// The largest page the contract allows for history.
pub const HISTORY_LIMIT_MAX: u32 = 200;
/// The history page when the request names none.
pub const HISTORY_LIMIT_DEFAULT: u32 = 50;
/// The largest request body the local server reads (bytes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

// What the client reads, whatever a server sends: bounds of its own, not the contract's.

/// The largest successful answer the client reads (a page of sessions or of history).
pub const ANSWER_BYTES_MAX: usize = 64 * 1024 * 1024;
/// The largest error answer the client reads; the rest is not read.
pub const ERROR_BYTES_MAX: usize = 64 * 1024;
/// The longest error message kept from a server, in characters.
pub const ERROR_MESSAGE_CHARS: usize = 300;
/// The most entries the client reads of one local listing (feedback, memory), whatever
/// the server says remains.
pub const LISTING_ENTRIES_MAX: usize = 100_000;
