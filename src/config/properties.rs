//! The `.properties` format, read exactly as Java's `java.util.Properties.load(Reader)` reads
//! it (JDK 17's `LineReader` and `loadConvert`), so a file that configures a Java Kafka client
//! (or kcat, whose `-F` follows Java) configures rkafka the same way. The differences, each
//! because rkafka hands the result to librdkafka as UTF-8 text:
//!
//! - a byte-order mark at the start is dropped (it marks the encoding; Java's `Reader` would
//!   keep it as part of the first key);
//! - a `\uXXXX` escape that leaves half a UTF-16 surrogate pair alone is refused (a Rust string
//!   cannot hold it; Java keeps it);
//! - an empty key (`=value`) is refused naming its line (librdkafka has no such property;
//!   Java loads it).
//!
//! `tests/java/PropertiesTable.java` prints what Java gives for a table of tricky inputs, and
//! `tests/mock/bad_input.rs` checks this parser against that table.
//!
//! Java's rules: lines end at `\n`, `\r` or `\r\n`; leading whitespace (space, tab, form feed)
//! is skipped; a line whose first other character is `#` or `!` is a comment; a line ending in
//! an odd number of backslashes continues on the next (whose leading whitespace is skipped);
//! the key ends at the first unescaped `=`, `:` or whitespace, after which whitespace and one
//! `=` or `:` are skipped; `\t`, `\n`, `\r`, `\f` and `\uXXXX` (exactly four hex digits) are
//! escapes, and a backslash before any other character stands for that character.

use std::iter::Peekable;
use std::str::Chars;

/// Java's whitespace in `.properties` files.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// The `(key, value)` pairs of `text` in order (a repeated key appears again; the caller lets
/// the last one win, as Java does), or an error naming the line.
pub(crate) fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = LineReader {
        chars: text.chars().peekable(),
        line: 1,
        skip_lf: false,
    };
    let mut out = Vec::new();
    while let Some((lineno, logical)) = lines.next_logical() {
        let (key, value) = split_key_value(&logical);
        let key = unescape(key).map_err(|e| format!("line {lineno}: {e}"))?;
        let value = unescape(value).map_err(|e| format!("line {lineno}: {e}"))?;
        if key.is_empty() {
            return Err(format!("line {lineno}: missing property name"));
        }
        out.push((key, value));
    }
    Ok(out)
}

/// Java's `Properties.LineReader`: yields logical lines (comments and blank lines dropped,
/// continuations joined, escapes still in place) with the number of the line each starts on.
struct LineReader<'a> {
    chars: Peekable<Chars<'a>>,
    /// The natural line the next character is on (1-based).
    line: usize,
    /// A `\r` ended a continued line: a `\n` right after it belongs to that line end.
    skip_lf: bool,
}

impl LineReader<'_> {
    fn next_char(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' || c == '\r' && self.chars.peek() != Some(&'\n') {
            self.line += 1;
        }
        Some(c)
    }

    fn next_logical(&mut self) -> Option<(usize, Vec<char>)> {
        let mut buf: Vec<char> = Vec::new();
        // The line the logical line's first character is on.
        let mut start = None;
        let mut skip_space = true;
        let mut continued = false;
        let mut backslash = false;
        loop {
            let Some(c) = self.next_char() else {
                // At the end of the text a trailing backslash continues nothing.
                if buf.is_empty() {
                    return None;
                }
                if backslash {
                    buf.pop();
                }
                return Some((start.unwrap_or(self.line), buf));
            };
            if std::mem::take(&mut self.skip_lf) && c == '\n' {
                continue;
            }
            if skip_space {
                if is_space(c) || !continued && (c == '\n' || c == '\r') {
                    continue;
                }
                skip_space = false;
                continued = false;
            }
            if buf.is_empty() && (c == '#' || c == '!') {
                // A comment (also, as in Java, where a continued line has left nothing yet).
                loop {
                    match self.next_char() {
                        None => return None,
                        Some('\n' | '\r') => break,
                        Some(_) => {}
                    }
                }
                skip_space = true;
                start = None;
                continue;
            }
            if c != '\n' && c != '\r' {
                start.get_or_insert(self.line);
                buf.push(c);
                backslash = c == '\\' && !backslash;
                continue;
            }
            if buf.is_empty() {
                skip_space = true;
                continue;
            }
            let start = start.unwrap_or(self.line);
            if self.chars.peek().is_none() {
                if backslash {
                    buf.pop();
                }
                return Some((start, buf));
            }
            if !backslash {
                return Some((start, buf));
            }
            // The line continues: drop the backslash and the next line's leading whitespace.
            buf.pop();
            backslash = false;
            skip_space = true;
            continued = true;
            self.skip_lf = c == '\r';
        }
    }
}

/// Java's `load0`: the key ends at the first unescaped `=`, `:` or whitespace; then whitespace
/// and at most one `=` or `:` are skipped before the value.
fn split_key_value(line: &[char]) -> (&[char], &[char]) {
    let mut key_len = 0;
    let mut value_start = line.len();
    let mut has_sep = false;
    let mut backslash = false;
    while key_len < line.len() {
        let c = line[key_len];
        if !backslash && (c == '=' || c == ':') {
            value_start = key_len + 1;
            has_sep = true;
            break;
        }
        if !backslash && is_space(c) {
            value_start = key_len + 1;
            break;
        }
        backslash = c == '\\' && !backslash;
        key_len += 1;
    }
    while value_start < line.len() {
        let c = line[value_start];
        if !is_space(c) {
            if !has_sep && (c == '=' || c == ':') {
                has_sep = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (&line[..key_len], &line[value_start..])
}

/// Java's `loadConvert`: resolves escapes; `\uXXXX` needs exactly four hex digits, and
/// surrogate pairs written as two escapes make one character.
fn unescape(s: &[char]) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut high: Option<u16> = None;
    let mut it = s.iter().copied();
    while let Some(c) = it.next() {
        let unit = if c == '\\' {
            match it.next() {
                Some('u') => Some(hex4(&mut it)?),
                Some(e) => {
                    out_char(&mut out, &mut high, unescaped(e))?;
                    None
                }
                // LineReader never leaves a lone trailing backslash.
                None => None,
            }
        } else {
            out_char(&mut out, &mut high, c)?;
            None
        };
        if let Some(u) = unit {
            match (high.take(), u) {
                (None, 0xD800..=0xDBFF) => high = Some(u),
                (Some(h), 0xDC00..=0xDFFF) => out.push(
                    char::decode_utf16([h, u])
                        .next()
                        .and_then(|r| r.ok())
                        .expect("a high and a low surrogate make a character"),
                ),
                (Some(h), _) => return Err(lone_surrogate(h)),
                (None, _) => {
                    out.push(char::from_u32(u32::from(u)).ok_or_else(|| lone_surrogate(u))?)
                }
            }
        }
    }
    match high {
        Some(h) => Err(lone_surrogate(h)),
        None => Ok(out),
    }
}

/// Appends a plain character, after checking no high surrogate is waiting for its other half.
fn out_char(out: &mut String, high: &mut Option<u16>, c: char) -> Result<(), String> {
    match high.take() {
        Some(h) => Err(lone_surrogate(h)),
        None => {
            out.push(c);
            Ok(())
        }
    }
}

fn unescaped(e: char) -> char {
    match e {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'f' => '\u{c}',
        other => other,
    }
}

fn hex4(it: &mut impl Iterator<Item = char>) -> Result<u16, String> {
    let digits: String = it.take(4).collect();
    let malformed =
        || format!("malformed \\uxxxx escape `\\u{digits}` (exactly four hex digits are needed)");
    if digits.chars().count() != 4 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(malformed());
    }
    u16::from_str_radix(&digits, 16).map_err(|_| malformed())
}

fn lone_surrogate(unit: u16) -> String {
    format!(
        "`\\u{unit:04X}` is half of a UTF-16 surrogate pair without its other half (a \
         character UTF-8 text cannot hold)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap()
    }

    #[test]
    fn line_ends_comments_and_continuations() {
        assert_eq!(
            kv("a=1\rb=2\r\nc=3\n# x\n! y\n  d = 4\\\n   5\\\r\n6"),
            [("a", "1"), ("b", "2"), ("c", "3"), ("d", "456")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(kv("\u{feff}a=b"), kv("a=b"));
        assert_eq!(kv("a=b\\"), kv("a=b"));
    }

    #[test]
    fn escapes_and_surrogates() {
        assert_eq!(kv("k\\ e\\=y=\\u0041\\uD83D\\uDE00\\t\\x")[0].1, "A😀\tx");
        assert_eq!(kv("k\\ e\\=y=v")[0].0, "k e=y");
        for bad in [
            "a=\\u41",
            "a=\\u41zz",
            "a=\\u+041",
            "a=\\uD83D",
            "a=\\uDE00",
            "a=\\uD83Dx",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let e = parse("a=1\nb=\\u12").unwrap_err();
        assert!(
            e.starts_with("line 2: malformed \\uxxxx escape `\\u12`"),
            "{e}"
        );
    }

    #[test]
    fn error_lines_count_every_line_end() {
        let e = parse("a=1\r\n\r\nb=2\rc=\\uD800").unwrap_err();
        assert!(e.starts_with("line 4: "), "{e}");
        let e = parse("a=1\n\\\n  \\u00").unwrap_err();
        assert!(e.starts_with("line 2: "), "{e}");
    }
}
