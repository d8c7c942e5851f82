//! The fast reader's scanner: JSON tokens read off the body's bytes as RFC 8259 and serde_json
//! read them (whitespace, literals, strings, numbers, member keys), and undocumented values read
//! through. It knows nothing of rules or answers; every `None` means "leave this body to the
//! document reader".
//!
//! A string without a backslash or a control character is handed over raw (it is its own answer
//! form: serde_json escapes nothing else when writing); a string with an escape, and a number
//! with a fraction, an exponent or more than 18 digits, are handed to serde_json whole, so
//! escapes, lone surrogates and float rounding are decided as serde_json decides them.

use super::compile::{head, Member};

/// Deepest nesting the fast reader follows (levels, the body being the first); a deeper body is
/// left to the document reader, which guards its stack.
pub(super) const DEEPEST: usize = 32;

/// A JSON number as read: its value as serde_json holds it, its text, and whether that text is a
/// plain integer of at most 18 digits (then it is its own answer form below 9e15).
pub(super) struct Num<'a> {
    pub(super) value: serde_json::Number,
    pub(super) text: &'a str,
    pub(super) plain: bool,
}

/// The body being scanned, and where.
pub(super) struct Scanner<'a> {
    /// The body, as text (its UTF-8 checked) and as bytes.
    pub(super) text: &'a str,
    pub(super) b: &'a [u8],
    /// The next byte to read.
    pub(super) i: usize,
}

/// Whether `b` is JSON whitespace.
#[inline(always)]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Scanner<'a> {
    #[inline(always)]
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace.
    #[inline(always)]
    pub(super) fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|&b| is_ws(b)) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, taken.
    #[inline(always)]
    pub(super) fn next(&mut self) -> Option<u8> {
        self.ws();
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    /// `lit` (`true`, `false`, `null`) at the current byte, taken.
    pub(super) fn literal(&mut self, lit: &[u8]) -> Option<()> {
        if self.b.get(self.i..)?.starts_with(lit) {
            self.i += lit.len();
            Some(())
        } else {
            None
        }
    }

    /// The string whose opening quote is the current byte: its raw text (between the quotes)
    /// when it holds no escape, for then it is its own answer form; else as serde_json decodes
    /// it.
    #[inline(always)]
    pub(super) fn string(&mut self) -> Option<Str<'a>> {
        let start = self.i + 1;
        let end = string_stop(self.b, start)?;
        match self.b[end] {
            b'"' => {
                self.i = end + 1;
                Some(Str::Raw(&self.b[start..end], start))
            }
            // An escape: serde_json decodes the string.
            b'\\' => self.escaped(start, end),
            // A raw control character: serde_json refuses it.
            _ => None,
        }
    }

    /// The rest of a string from its first backslash at `end` (its text starts at `start`):
    /// the closing quote found, and the string decoded (or refused) by serde_json.
    #[cold]
    #[inline(never)]
    fn escaped(&mut self, start: usize, mut end: usize) -> Option<Str<'a>> {
        while self.b[end] == b'\\' {
            end = string_stop(self.b, end + 2)?;
        }
        if self.b[end] != b'"' {
            return None;
        }
        let decoded: String = serde_json::from_str(self.text.get(start - 1..end + 1)?).ok()?;
        self.i = end + 1;
        Some(Str::Decoded(decoded))
    }

    /// The number starting at the current byte, as RFC 8259 spells one.
    pub(super) fn number(&mut self) -> Option<Num<'a>> {
        let b = self.b;
        let start = self.i;
        let mut j = start;
        let negative = b[j] == b'-';
        if negative {
            j += 1;
        }
        let digits_from = j;
        match b.get(j)? {
            b'0' => j += 1,
            b'1'..=b'9' => {
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
            }
            _ => return None,
        }
        let digits_to = j;
        let mut plain = true;
        if b.get(j) == Some(&b'.') {
            j += 1;
            j = Self::digits(b, j)?;
            plain = false;
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            j = Self::digits(b, j)?;
            plain = false;
        }
        self.i = j;
        let text = self.text.get(start..j)?;
        let plain = plain && digits_to - digits_from <= 18;
        let value = if plain {
            let magnitude = b[digits_from..digits_to]
                .iter()
                .fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
            match (negative, magnitude) {
                (false, m) => serde_json::Number::from(m),
                // serde_json reads `-0` as a float: left to the document reader.
                (true, 0) => return None,
                // At most 18 digits: below i64::MAX.
                (true, m) => serde_json::Number::from(-(m as i64)),
            }
        } else {
            serde_json::from_str(text).ok()?
        };
        Some(Num { value, text, plain })
    }

    /// The end of one or more digits from `j`.
    fn digits(b: &[u8], mut j: usize) -> Option<usize> {
        let from = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        (j > from).then_some(j)
    }

    /// A member key: the index of the documented member it names (its camelCase key, else its
    /// snake_case one, as the document reader matches keys) and whether it was the camelCase
    /// key, or `None` for an undocumented one.
    pub(super) fn key(&mut self, members: &[Member]) -> Option<Option<(usize, bool)>> {
        self.ws();
        if self.peek()? != b'"' {
            return None;
        }
        let key = self.string()?;
        let bytes = key.bytes();
        let len = bytes.len();
        // The first eight bytes as one word turn every other member away in one comparison.
        let word = match key {
            Str::Raw(_, at) => match self.b.get(at..at + 8) {
                Some(eight) => {
                    let all = u64::from_le_bytes(eight.try_into().ok()?);
                    all & if len >= 8 {
                        u64::MAX
                    } else {
                        (1 << (8 * len)) - 1
                    }
                }
                None => head(bytes),
            },
            Str::Decoded(_) => head(bytes),
        };
        let same = |k: &[u8], k_word: u64| {
            k.len() == len && k_word == word && (len <= 8 || k[8..] == bytes[8..])
        };
        let found = match members.iter().position(|m| same(m.key.as_bytes(), m.head)) {
            Some(i) => Some((i, true)),
            None => members
                .iter()
                .position(|m| {
                    m.snake
                        .as_deref()
                        .is_some_and(|s| same(s.as_bytes(), m.snake_head))
                })
                .map(|i| (i, false)),
        };
        (self.next()? == b':').then_some(found)
    }

    /// The camelCase key of a documented member, written plainly (no escape) and followed by
    /// its `:`: the member's index, with the key and the `:` taken. `None` (nothing taken) for
    /// any other key, which [`Scanner::key`] then reads. A key is matched by its first eight
    /// bytes as one word and the closing quote after its length, with no look for the string's
    /// end first.
    #[inline(always)]
    pub(super) fn camel_key(&mut self, members: &[Member]) -> Option<usize> {
        let b = self.b;
        let at = self.i + 1;
        if b.get(self.i) != Some(&b'"') {
            return None;
        }
        let word = u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?);
        let mut found = None;
        for (i, m) in members.iter().enumerate() {
            if word & m.head_mask != m.head {
                continue;
            }
            let len = m.key.len();
            if b.get(at + len) == Some(&b'"')
                && (len <= 8 || b.get(at + 8..at + len) == Some(&m.key.as_bytes()[8..]))
            {
                found = Some((i, len));
                break;
            }
        }
        let (i, len) = found?;
        let mut j = at + len + 1;
        while b.get(j).is_some_and(|&c| is_ws(c)) {
            j += 1;
        }
        if b.get(j) != Some(&b':') {
            return None;
        }
        self.i = j + 1;
        Some(i)
    }

    /// After a member or an item: `true` when another follows (`,`), `false` at `close`.
    #[inline(always)]
    pub(super) fn more(&mut self, close: u8) -> Option<bool> {
        match self.next()? {
            b',' => Some(true),
            c if c == close => Some(false),
            _ => None,
        }
    }

    /// Whether a container opened just before is empty (its `close` taken if so).
    #[inline(always)]
    pub(super) fn empty(&mut self, close: u8) -> bool {
        self.ws();
        let empty = self.peek() == Some(close);
        if empty {
            self.i += 1;
        }
        empty
    }

    /// An undocumented value `depth` levels down: read through (strings decoded and checked),
    /// nothing kept.
    pub(super) fn skip(&mut self, depth: usize) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' => {
                if depth >= DEEPEST {
                    return None;
                }
                self.i += 1;
                if !self.empty(b'}') {
                    loop {
                        self.key(&[])?;
                        self.skip(depth + 1)?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
            }
            b'[' => {
                if depth >= DEEPEST {
                    return None;
                }
                self.i += 1;
                if !self.empty(b']') {
                    loop {
                        self.skip(depth + 1)?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            // Only a plain integer: any other number is left to the document reader, so no
            // number the two parsers might read apart is passed over unseen.
            b'-' | b'0'..=b'9' => {
                if !self.number()?.plain {
                    return None;
                }
            }
            _ => return None,
        }
        Some(())
    }
}

/// A string as read.
pub(super) enum Str<'a> {
    /// No escape: the bytes between the quotes (and where they start in the body), their own
    /// answer form (serde_json escapes nothing but `"`, `\` and control characters when
    /// writing).
    Raw(&'a [u8], usize),
    /// Decoded by serde_json.
    Decoded(String),
}

impl<'a> Str<'a> {
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Str::Raw(raw, _) => raw,
            Str::Decoded(s) => s.as_bytes(),
        }
    }

    /// The string as text; `body` is the whole body, which a raw string is a slice of (cut at
    /// two quotes, so at char boundaries).
    pub(super) fn text<'s>(&'s self, body: &'a str) -> Option<&'s str> {
        match self {
            Str::Raw(raw, at) => body.get(*at..*at + raw.len()),
            Str::Decoded(s) => Some(s),
        }
    }
}

/// Eight `0x01` bytes.
const ONES: u64 = 0x0101_0101_0101_0101;
/// Eight `0x80` bytes.
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The first byte of `b` from `from` on that ends a string's plain run: `"`, `\` or a control
/// character (below 0x20); `None` at the end of `b`. Eight bytes at a time: a byte-wise
/// zero test (`x - 0x01… & !x & 0x80…`) whose lowest set bit is exact, so the first hit is.
#[inline]
fn string_stop(b: &[u8], from: usize) -> Option<usize> {
    let mut j = from;
    while let Some(chunk) = b.get(j..j + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let hits = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let hits = hits & HIGHS;
        if hits != 0 {
            return Some(j + (hits.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    b.get(j..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| j + p)
}
