//! `verdict export --format csv` read back: RFC 4180 records (quoted fields may hold
//! commas, quotes and line breaks), each bounded in size, mapped by the header's names.

use super::read::ExportLine;
use std::borrow::Cow;
use std::io::BufRead;

/// One record of at most `max` bytes: `Some(Some(fields))`, `Some(None)` when it is too
/// long or not UTF-8 (read to its end and dropped), `None` at the end of input.
pub fn read_record(
    r: &mut impl BufRead,
    max: usize,
) -> std::io::Result<Option<Option<Vec<String>>>> {
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut field = Vec::new();
    let mut quoted = false;
    let mut quote_seen = false;
    let mut size = 0usize;
    let mut any = false;
    let mut byte = [0u8; 1];
    loop {
        if r.read(&mut byte)? == 0 {
            if !any {
                return Ok(None);
            }
            break;
        }
        any = true;
        let b = byte[0];
        size += 1;
        if size > max {
            // Keep reading to the record's end; keep nothing.
            field.clear();
            fields.clear();
        }
        let push = |field: &mut Vec<u8>, b: u8| {
            if size <= max {
                field.push(b);
            }
        };
        if quoted {
            if quote_seen {
                quote_seen = false;
                if b == b'"' {
                    push(&mut field, b'"');
                    continue;
                }
                quoted = false;
            } else if b == b'"' {
                quote_seen = true;
                continue;
            } else {
                push(&mut field, b);
                continue;
            }
        }
        match b {
            b'"' if field.is_empty() => quoted = true,
            b',' => fields.push(std::mem::take(&mut field)),
            b'\n' => break,
            b'\r' => {}
            _ => push(&mut field, b),
        }
    }
    if size > max {
        return Ok(Some(None));
    }
    fields.push(field);
    Ok(Some(
        fields
            .into_iter()
            .map(String::from_utf8)
            .collect::<Result<Vec<_>, _>>()
            .ok(),
    ))
}

/// Where each column the reading needs is in the header.
pub struct Header {
    at: Vec<(&'static str, usize)>,
}

const COLUMNS: [&str; 11] = [
    "rating",
    "session_id",
    "message_id",
    "reviewer",
    "made_at",
    "latest",
    "namespace",
    "base_url",
    "feedback_text",
    "prompt",
    "completion",
];

impl Header {
    /// `None` unless the header names a rating, a session and a message.
    pub fn of(names: &[String]) -> Option<Header> {
        let at: Vec<(&'static str, usize)> = COLUMNS
            .iter()
            .filter_map(|c| names.iter().position(|n| n == c).map(|i| (*c, i)))
            .collect();
        let has = |c: &str| at.iter().any(|(n, _)| *n == c);
        (has("rating") && has("session_id") && has("message_id")).then_some(Header { at })
    }

    /// A record as an export line, or `None` when it lacks a column the header has.
    pub fn line(&self, fields: &[String]) -> Option<ExportLine<'static>> {
        let get = |name: &str| -> Option<Option<Cow<'static, str>>> {
            match self.at.iter().find(|(n, _)| *n == name) {
                Some((_, i)) => fields.get(*i).map(|f| Some(Cow::Owned(f.clone()))),
                None => Some(None),
            }
        };
        let some = |v: Option<Cow<'static, str>>| v.filter(|s| !s.is_empty());
        Some(ExportLine {
            rating: get("rating")??,
            session_id: get("session_id")??,
            message_id: get("message_id")??,
            reviewer: get("reviewer")?,
            made_at: get("made_at")?,
            latest: get("latest")?.map(|l| l != "false"),
            namespace: get("namespace")?,
            base_url: get("base_url")?,
            feedback_text: some(get("feedback_text")?),
            prompt: some(get("prompt")?),
            completion: some(get("completion")?),
            tags: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_with_quotes_commas_and_line_breaks() {
        let input = "a,b,c\r\n\"x, \"\"y\"\"\",\"two\r\nlines\",\r\n";
        let mut r = std::io::BufReader::new(input.as_bytes());
        assert_eq!(
            read_record(&mut r, 100).unwrap(),
            Some(Some(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(
            read_record(&mut r, 100).unwrap(),
            Some(Some(vec![
                "x, \"y\"".into(),
                "two\r\nlines".into(),
                String::new()
            ]))
        );
        assert_eq!(read_record(&mut r, 100).unwrap(), None);
    }

    #[test]
    fn a_record_over_the_bound_is_dropped_and_the_next_read() {
        let input = format!("\"{}\nstill\",x\nok\n", "z".repeat(50));
        let mut r = std::io::BufReader::new(input.as_bytes());
        assert_eq!(read_record(&mut r, 20).unwrap(), Some(None));
        assert_eq!(
            read_record(&mut r, 20).unwrap(),
            Some(Some(vec!["ok".into()]))
        );
    }
}
