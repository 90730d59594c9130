//! What an import accepts: the character set and length of ids, the range of times, and the size caps.

use crate::sanitize;
use sha2::{Digest, Sha256};

/// Session and message ids: at most this many characters.
pub const MAX_ID_CHARS: usize = 128;
/// Names (session name, user id, model, tool names): at most this many bytes.
pub const MAX_NAME_BYTES: usize = 1_000;
/// Default cap on one message's text (content, tool inputs, tool output, system prompt).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// Default cap on one file; a history page of one session stays under the client's
/// 64 MiB cap on an answer.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The earliest time accepted: 1970-01-01T00:00:00Z.
pub const MIN_TIME_US: i64 = 0;
/// The latest time accepted: 9989-12-31T23:59:59Z, ten years below the last time that
/// prints with a four-digit year, so a session's expiry (a week later) and times laid
/// out 30 s apart after it still print as `9…`, never `+10000-…`.
pub const MAX_TIME_US: i64 = 253_086_767_999_000_000;

/// Checks a session or message id: 1 to 128 ASCII letters, digits, `_` or `-`, so an id
/// is never a path, never an escape, and always fits in a URL path segment as it is.
pub fn check_id(what: &str, id: &str) -> Result<(), String> {
    let chars_ok = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !id.is_empty() && id.len() <= MAX_ID_CHARS && chars_ok {
        return Ok(());
    }
    let why = if id.is_empty() {
        "is empty".to_string()
    } else if id.len() > MAX_ID_CHARS {
        format!("is {} bytes long", id.len())
    } else {
        "holds other characters".to_string()
    };
    Err(format!(
        "{what} {:?} {why}; an id is 1 to {MAX_ID_CHARS} ASCII letters, digits, '_' or '-'",
        sanitize::message(id, 40)
    ))
}

/// 9999-12-31T23:59:59Z, the last time that prints with a four-digit year: times laid out
/// after a given one may run up to it (the margin below [`MAX_TIME_US`] is for them).
pub const LAST_PRINTABLE_US: i64 = 253_402_300_799_000_000;

/// Checks that a time is in the accepted range.
pub fn check_time(what: &str, us: i64) -> Result<(), String> {
    if (MIN_TIME_US..=MAX_TIME_US).contains(&us) {
        return Ok(());
    }
    Err(format!(
        "{what} is outside the accepted range, 1970-01-01T00:00:00Z to 9989-12-31T23:59:59Z; fix the time or leave it out"
    ))
}

/// Checks one message's text against the cap.
pub fn check_text(what: &str, text: &str, max: usize) -> Result<(), String> {
    if text.len() <= max {
        return Ok(());
    }
    Err(format!(
        "{what} is {} bytes, over the limit of {max} bytes for one message; shorten it, or raise the limit with --max-message-bytes",
        text.len()
    ))
}

/// Checks a name (session name, user id, model, tool name) against [`MAX_NAME_BYTES`].
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.len() <= MAX_NAME_BYTES {
        return Ok(());
    }
    Err(format!(
        "{what} is {} bytes, over the limit of {MAX_NAME_BYTES} bytes for a name; shorten it",
        name.len()
    ))
}

/// An id made from a digest of `parts`: `prefix_` and 20 characters of [0-9a-z], the shape
/// of the ids the server makes, so the same content always gets the same id.
pub fn derived_id(prefix: &str, parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut head = [0u8; 16];
    head.copy_from_slice(&digest[..16]);
    let mut n = u128::from_le_bytes(head);
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut id = String::with_capacity(prefix.len() + 21);
    id.push_str(prefix);
    id.push('_');
    for _ in 0..20 {
        id.push(char::from(ALPHABET[(n % 36) as usize]));
        n /= 36;
    }
    id
}

/// A session's title when the file gives none: the first line of its first user message,
/// made safe and at most 80 characters.
pub fn title_from(first_user_message: &str) -> Option<String> {
    let first = first_user_message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())?;
    let title = sanitize::message(first, 80);
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_range_ends_in_four_digit_years() {
        let last = chrono::DateTime::from_timestamp_micros(MAX_TIME_US).unwrap();
        assert_eq!(last.to_rfc3339(), "9989-12-31T23:59:59+00:00");
        assert!(check_time("t", MAX_TIME_US + 1).is_err());
        assert!(check_time("t", -1).is_err());
        assert!(check_time("t", 0).is_ok());
    }

    #[test]
    fn ids_keep_to_their_character_set_and_length() {
        for good in ["ses_abc", "msg-1_A", &"a".repeat(MAX_ID_CHARS)] {
            assert!(check_id("id", good).is_ok(), "{good}");
        }
        let long = "a".repeat(100_000);
        for bad in [
            "",
            "../etc",
            "a/b",
            "a\\b",
            "a.b",
            "x\u{1b}[2J",
            "sp ace",
            "é",
            &long,
        ] {
            let err = check_id("session_id", bad).unwrap_err();
            assert!(err.len() < 200, "{err}");
            assert!(!err.contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn derived_ids_are_stable_and_shaped_like_the_servers() {
        let a = derived_id("ses", &[b"team", b"{}"]);
        assert_eq!(a, derived_id("ses", &[b"team", b"{}"]));
        assert_ne!(a, derived_id("ses", &[b"other", b"{}"]));
        assert_ne!(a, derived_id("ses", &[b"team{", b"}"]));
        assert_eq!(a.len(), 24);
        assert!(check_id("id", &a).is_ok());
    }

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(
            title_from("\n  How many?\nmore").as_deref(),
            Some("How many?")
        );
        assert_eq!(title_from("  \n "), None);
        assert_eq!(
            title_from(&"x".repeat(500)).map(|t| t.chars().count()),
            Some(80)
        );
    }
}
