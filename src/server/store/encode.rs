//! Ids, times, and rows written straight out as JSON: the store's encodings, byte for byte what serde would give.

use super::StoreError;

/// A random id such as `ses_3k9x...`: 20 characters of [0-9a-z] (about 103 bits).
pub(crate) fn new_id(prefix: &str) -> Result<String, StoreError> {
    random_string(prefix, 20, b"0123456789abcdefghijklmnopqrstuvwxyz")
}

/// An id in the same shape as [`new_id`] whose first 10 characters count microseconds,
/// so ids made later sort later and land at the end of their unique index: a commit
/// then rewrites one index page instead of one random page per new row.
pub(crate) fn new_ordered_id(prefix: &str) -> Result<String, StoreError> {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut id = new_id(prefix)?.into_bytes();
    let mut t = now_us().max(0) as u64;
    let start = prefix.len() + 1;
    // 36^10 microseconds is about 114 years: ids stay ordered until 2084.
    for slot in id[start..start + 10].iter_mut().rev() {
        *slot = ALPHABET[(t % 36) as usize];
        t /= 36;
    }
    String::from_utf8(id).map_err(|e| StoreError::Task(e.to_string()))
}

/// An API key: `sk_` and 43 characters of [0-9A-Za-z] (about 256 bits).
pub(crate) fn new_api_key() -> Result<String, StoreError> {
    random_string(
        "sk",
        43,
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    )
}

fn random_string(prefix: &str, len: usize, alphabet: &[u8]) -> Result<String, StoreError> {
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(prefix.len() + 1 + len);
    out.push_str(prefix);
    out.push('_');
    let mut buf = [0u8; 64];
    let mut have = 0;
    while have < len {
        getrandom::fill(&mut buf).map_err(|e| StoreError::Random(e.to_string()))?;
        for &b in &buf {
            if have == len {
                break;
            }
            if (b as usize) < limit {
                out.push(alphabet[b as usize % alphabet.len()] as char);
                have += 1;
            }
        }
    }
    Ok(out)
}

/// Now, in microseconds since the Unix epoch (how every time is stored).
pub(crate) fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// RFC 3339 in UTC with only the fraction digits needed: `2026-11-20T09:00:00Z`.
pub(crate) fn format_time(us: i64) -> String {
    let mut out = Vec::with_capacity(27);
    write_time(&mut out, us);
    String::from_utf8(out).unwrap_or_default()
}

/// [`format_time`] into a buffer, digit by digit: history pages format hundreds of these.
/// Matches chrono's `to_rfc3339_opts(SecondsFormat::AutoSi, true)`.
pub(super) fn write_time(out: &mut Vec<u8>, us: i64) {
    use chrono::{Datelike, Timelike};
    if let Some((year, month, day)) = civil_date(us) {
        let secs = us / 1_000_000 % 86_400;
        let parts = [
            (b'-', month),
            (b'-', day),
            (b'T', (secs / 3600) as u32),
            (b':', (secs / 60 % 60) as u32),
            (b':', (secs % 60) as u32),
        ];
        push_digits(out, year, 4);
        for (sep, n) in parts {
            out.push(sep);
            push_digits(out, n, 2);
        }
        push_fraction(out, us);
        return;
    }
    let Some(t) = chrono::DateTime::from_timestamp_micros(us) else {
        out.extend_from_slice(b"1970-01-01T00:00:00Z");
        return;
    };
    let year = t.year();
    if !(0..=9999).contains(&year) {
        out.extend_from_slice(
            t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                .as_bytes(),
        );
        return;
    }
    push_digits(out, year as u32, 4);
    let parts = [
        (b'-', t.month()),
        (b'-', t.day()),
        (b'T', t.hour()),
        (b':', t.minute()),
        (b':', t.second()),
    ];
    for (sep, n) in parts {
        out.push(sep);
        push_digits(out, n, 2);
    }
    push_fraction(out, us);
}

/// The sub-second digits chrono's AutoSi shows (none, milliseconds or microseconds), and `Z`.
fn push_fraction(out: &mut Vec<u8>, us: i64) {
    let micros = us.rem_euclid(1_000_000) as u32;
    if micros != 0 {
        out.push(b'.');
        if micros.is_multiple_of(1000) {
            push_digits(out, micros / 1000, 3);
        } else {
            push_digits(out, micros, 6);
        }
    }
    out.push(b'Z');
}

/// (year, month, day) of a time from 1970 to 9999 by arithmetic alone (Howard Hinnant's
/// days-to-civil), which is several times cheaper than going through chrono's types.
fn civil_date(us: i64) -> Option<(u32, u32, u32)> {
    const END_OF_9999_US: i64 = 253_402_300_800_000_000;
    if !(0..END_OF_9999_US).contains(&us) {
        return None;
    }
    let z = us / 86_400_000_000 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some((year as u32, month as u32, day as u32))
}

/// `s` as a JSON string, escaped exactly as serde_json does. Eight bytes are checked at a
/// time and runs that need no escape are copied whole: message text is mostly such runs.
pub(super) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `w` below 0x20 or equal to '"' or '\\'. Only bytes above
    // a flagged one can be flagged wrongly, so the lowest flag is always a byte to escape.
    let flags = |w: u64| {
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
            | zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
    };
    let escaped = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes.get(i..i + 8).map(<[u8; 8]>::try_from) {
            Some(Ok(word)) => {
                let f = flags(u64::from_le_bytes(word));
                if f == 0 {
                    i += 8;
                    continue;
                }
                i += (f.trailing_zeros() / 8) as usize;
            }
            _ if !escaped(bytes[i]) => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let b = bytes[i];
        out.extend_from_slice(&bytes[start..i]);
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            _ => 0,
        };
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn push_digits(out: &mut Vec<u8>, n: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(b'0' + (n / 10u32.pow(i) % 10) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_alphabet() {
        let a = new_id("ses").unwrap();
        let b = new_id("ses").unwrap();
        assert!(a.starts_with("ses_") && a.len() == 24, "{a}");
        assert_ne!(a, b);
        assert!(
            a[4..]
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
        let k = new_api_key().unwrap();
        assert!(k.starts_with("sk_") && k.len() == 46);
    }

    #[test]
    fn fast_time_format_matches_chrono() {
        let base = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
            .unwrap()
            .timestamp_micros();
        for us in [
            0,
            -1,
            -1_500_000,
            base,
            base + 1,
            base + 1_000,
            base + 120_000,
            base + 999_999,
            253_402_300_799_999_999,
        ] {
            let t = chrono::DateTime::from_timestamp_micros(us).unwrap();
            assert_eq!(
                format_time(us),
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                "{us}"
            );
        }
    }

    #[test]
    fn fast_json_strings_match_serde() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain ascii text that is long enough for several words".into(),
            "caf\u{e9} \u{6771}\u{4eac} \u{1F680} \"quoted\" back\\slash".into(),
            (0u8..0x80).map(char::from).collect(),
            "\u{7f}\u{80}\u{2028}\u{2029}".into(),
        ];
        let alphabet: Vec<char> = "ab \"\\\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{e9}\u{1F680}xyz"
            .chars()
            .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..300 {
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            cases.push(s);
        }
        for s in cases {
            let mut out = Vec::new();
            push_json_str(&mut out, &s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
        }
    }

    #[test]
    fn arithmetic_dates_match_chrono() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let us = (x % 253_402_300_800_000_000) as i64;
            for us in [us, us - us % 1000, us - us % 1_000_000] {
                let t = chrono::DateTime::from_timestamp_micros(us).unwrap();
                assert_eq!(
                    format_time(us),
                    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    "{us}"
                );
            }
        }
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+01:00")
            .unwrap()
            .timestamp_micros();
        assert_eq!(format_time(t), "2026-11-20T09:00:00Z");
        assert_eq!(format_time(t + 500), "2026-11-20T09:00:00.000500Z");
    }
}
