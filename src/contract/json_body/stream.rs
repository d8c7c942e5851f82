//! The fast reader: a body scanned once, byte by byte, along the compiled spec, each value
//! checked and written in answer form as it passes, with no document built.
//!
//! It reads the usual body only: every documented member given at most once (under its
//! camelCase or its snake_case key, not both), no `null` where a documented value goes, no rule
//! broken, every documented array of one item kind, objects of at most [`FEW_MEMBERS`]
//! documented members, nesting at most [`DEEPEST`] levels, and in undocumented members only
//! plain integers among the numbers. On anything else it gives up (`None`) and the document
//! reader (`dom.rs`) reads the body from the start: it alone decides the rare cases (duplicate
//! keys, nulls, which broken rule answers, bodies that are not JSON), so for every body the
//! fast reader accepts, both readers give the same [`Reading`] byte for byte (the tests compare
//! them, on fixed bodies and on random ones).
//!
//! JSON is read as RFC 8259 and serde_json read it: the UTF-8 of the whole body is checked once;
//! a string without a backslash or a control character is its own answer form (serde_json
//! escapes nothing else when writing); a string with an escape, and a number with a fraction, an
//! exponent or more than 18 digits, are handed to serde_json whole, so escapes, lone surrogates
//! and float rounding are decided exactly as before.

use super::answer::{answered_number, integer_as_text, kind_matches, place, Step};
use super::compile::{head, Fast, JsonBody, Member, Node};
use super::reading::{Reading, Scalar};
use crate::contract::spec::{JsonView, Kind};

/// Documented members of one object the fast reader keeps track of; an object node with more
/// is left to the document reader.
const FEW_MEMBERS: usize = 16;

/// Deepest nesting the fast reader follows (levels, the body being the first); a deeper body is
/// left to the document reader, which guards its stack.
const DEEPEST: usize = 32;

/// Reads `bytes` along `body`: `Some` when the body is a usual one that breaks no rule, `None`
/// when the document reader must decide.
pub(super) fn read(body: &JsonBody, bytes: &[u8]) -> Option<Reading> {
    // Checked once here (many bytes an instruction), so a string's bytes between its quotes
    // are text.
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    let mut reader = Reader {
        text,
        b: bytes,
        i: 0,
        body,
        out: String::with_capacity(bytes.len()),
        scratch: String::new(),
        path: Vec::with_capacity(16),
        reading: Reading::default(),
    };
    reader.root()?;
    reader.ws();
    (reader.i == bytes.len()).then_some(reader.reading)
}

/// What a value read at the top level gives the handler.
enum Got {
    /// A string (or an `integer_as_text` integer) as text.
    Text(String),
    /// A whole number of an `int` field.
    Int(i64),
    /// An object or array (its answer form is in `out`).
    Container,
    /// Nothing the handler reads.
    Other,
}

/// A JSON number as read: its value as serde_json holds it, its text, and whether that text is a
/// plain integer of at most 18 digits (then it is its own answer form below 9e15).
struct Num<'a> {
    value: serde_json::Number,
    text: &'a str,
    plain: bool,
}

/// The state of one read.
struct Reader<'a> {
    /// The body, as text and as bytes.
    text: &'a str,
    b: &'a [u8],
    /// The next byte to read.
    i: usize,
    body: &'a JsonBody,
    /// The answer form of the top-level member being read.
    out: String,
    /// An object's members in document order, while they are written again sorted.
    scratch: String,
    /// The current place.
    path: Vec<Step>,
    reading: Reading,
}

/// Whether `b` is JSON whitespace.
#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Reader<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace.
    #[inline]
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|&b| is_ws(b)) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, taken.
    #[inline]
    fn next(&mut self) -> Option<u8> {
        self.ws();
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    /// `lit` (`true`, `false`, `null`) at the current byte, taken.
    fn literal(&mut self, lit: &[u8]) -> Option<()> {
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
    #[inline]
    fn string(&mut self) -> Option<Str<'a>> {
        let start = self.i + 1;
        let mut end = string_stop(self.b, start)?;
        match self.b[end] {
            b'"' => {
                self.i = end + 1;
                return Some(Str::Raw(&self.b[start..end], start));
            }
            // A raw control character: serde_json refuses it.
            b'\\' => {}
            _ => return None,
        }
        // An escape: find the closing quote, and let serde_json decode (or refuse) the string.
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
    fn number(&mut self) -> Option<Num<'a>> {
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
    /// snake_case one, as the document reader matches keys), or `None` for an undocumented
    /// one.
    fn key(&mut self, members: &[Member]) -> Option<Option<usize>> {
        if self.next()? != b'"' {
            return None;
        }
        self.i -= 1;
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
        let found = members
            .iter()
            .position(|m| same(m.key.as_bytes(), m.head))
            .or_else(|| {
                members.iter().position(|m| {
                    m.snake
                        .as_deref()
                        .is_some_and(|s| same(s.as_bytes(), m.snake_head))
                })
            });
        (self.next()? == b':').then_some(found)
    }

    /// After a member or an item: `true` when another follows (`,`), `false` at `close`.
    #[inline]
    fn more(&mut self, close: u8) -> Option<bool> {
        match self.next()? {
            b',' => Some(true),
            c if c == close => Some(false),
            _ => None,
        }
    }

    /// Whether a container opened just before is empty (its `close` taken if so).
    #[inline]
    fn empty(&mut self, close: u8) -> bool {
        self.ws();
        let empty = self.peek() == Some(close);
        if empty {
            self.i += 1;
        }
        empty
    }

    /// An undocumented value `depth` levels down: read through (strings decoded and checked),
    /// nothing kept.
    fn skip(&mut self, depth: usize) -> Option<()> {
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

    /// The body itself: each documented member read on its own, its answer form handed to the
    /// handler when it is a container.
    fn root(&mut self) -> Option<()> {
        if self.next()? != b'{' {
            return None;
        }
        let body = self.body;
        let members = &body.nodes[0].members;
        if members.len() > 64 {
            return None;
        }
        let mut seen = 0u64;
        if !self.empty(b'}') {
            loop {
                match self.key(members)? {
                    None => self.skip(1)?,
                    Some(i) => {
                        if seen & (1 << i) != 0 {
                            return None;
                        }
                        seen |= 1 << i;
                        let member = &members[i];
                        self.out.clear();
                        self.path.clear();
                        self.path.push(Step::Key(member.key));
                        let scalar = match self.value(member.node, 1)? {
                            Got::Text(s) => Some(Scalar::Text(s)),
                            Got::Int(n) => Some(Scalar::Int(n)),
                            Got::Container => Some(Scalar::Answer(std::mem::take(&mut self.out))),
                            Got::Other => None,
                        };
                        if let Some(scalar) = scalar {
                            self.reading.top.push((member.key, scalar));
                        }
                    }
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        all_given(&body.nodes[0], seen).then_some(())
    }

    /// Checks `view` against node `n`'s rules: a field whose only rule is its kind needs no
    /// more than a look at the kind.
    #[inline]
    fn check(&self, n: &Node, view: JsonView<'_>) -> Option<()> {
        if n.kind_only && kind_matches(n.kind, view) {
            return Some(());
        }
        n.field?
            .validate_view(view, self.body.param_error)
            .ok()
            .map(|_| ())
    }

    /// A value at node `node`, `depth` levels down: checked, and written in answer form to
    /// `out`.
    fn value(&mut self, node: usize, depth: usize) -> Option<Got> {
        let body: &'a JsonBody = self.body;
        let n = &body.nodes[node];
        self.ws();
        match self.peek()? {
            b'"' => {
                let s = self.string()?;
                self.text_value(n, s, depth)
            }
            b'{' => self.object(n, depth),
            b'[' => self.array(n, depth),
            b't' => {
                self.literal(b"true")?;
                self.check(n, JsonView::Bool(true))?;
                self.out.push_str("true");
                Some(Got::Other)
            }
            b'f' => {
                self.literal(b"false")?;
                self.check(n, JsonView::Bool(false))?;
                self.out.push_str("false");
                Some(Got::Other)
            }
            b'-' | b'0'..=b'9' => {
                let num = self.number()?;
                self.number_value(n, num, depth)
            }
            // null (absent, or a null item: the document reader decides) or not JSON.
            _ => None,
        }
    }

    /// A string value: checked, collected when its field has an `exists` rule, and written.
    fn text_value(&mut self, n: &Node, s: Str<'a>, depth: usize) -> Option<Got> {
        let bytes = s.bytes();
        match &n.fast {
            Fast::Kind if n.kind == Kind::String => {}
            Fast::Texts(allowed) if allowed.iter().any(|a| a.as_bytes() == bytes) => {}
            _ => self.check(n, JsonView::Str(s.text(self.text)?))?,
        }
        if n.collect {
            let path = n.field.map_or("", |f| f.name.as_str());
            let at = place(&self.path);
            let text = s.text(self.text)?.to_string();
            self.reading.collected.push((path, at, text));
        }
        match &s {
            Str::Raw(..) => {
                self.out.push('"');
                self.out.push_str(s.text(self.text)?);
                self.out.push('"');
            }
            Str::Decoded(decoded) => self.out.push_str(&serde_json::to_string(decoded).ok()?),
        }
        Some(if depth == 1 {
            Got::Text(match s {
                Str::Raw(..) => s.text(self.text)?.to_string(),
                Str::Decoded(decoded) => decoded,
            })
        } else {
            Got::Other
        })
    }

    /// A number value: checked and written as answered (an `integer_as_text` integer as its
    /// decimal text).
    fn number_value(&mut self, n: &Node, num: Num<'_>, depth: usize) -> Option<Got> {
        let top = depth == 1;
        if integer_as_text(n) {
            if let Some(id) = num.value.as_u64() {
                // An integer where text is documented is read as its decimal text.
                let mut digits = itoa::Buffer::new();
                let text = digits.format(id);
                self.check(n, JsonView::Str(text))?;
                self.out.push('"');
                self.out.push_str(text);
                self.out.push('"');
                return Some(if top {
                    Got::Text(text.to_string())
                } else {
                    Got::Other
                });
            }
        }
        let whole = whole(&num.value);
        match (&n.fast, whole) {
            // A whole number below 2^53: its f64 is exact, as the rule checker compares it.
            (Fast::Kind, Some(i))
                if matches!(n.kind, Kind::Int | Kind::Number) && i.unsigned_abs() < 1 << 53 => {}
            (Fast::Whole { min, max, allowed }, Some(i)) if i.unsigned_abs() < 1 << 53 => {
                let f = i as f64;
                let within = min.is_none_or(|m| f >= m)
                    && max.is_none_or(|m| f <= m)
                    && (allowed.is_empty() || allowed.contains(&f));
                if !within {
                    return None;
                }
            }
            _ => self.check(n, JsonView::Number(&num.value))?,
        }
        let decimals = n.field.and_then(|f| f.answer_decimals);
        match whole {
            // A plain integer of an `int` or `number` field below 9e15 is answered as written.
            Some(i)
                if num.plain
                    && decimals.is_none()
                    && matches!(n.kind, Kind::Int | Kind::Number)
                    && i.unsigned_abs() < 9_000_000_000_000_000 =>
            {
                self.out.push_str(num.text);
            }
            _ => {
                let answered = answered_number(&num.value, n.kind, decimals);
                match answered.as_i64() {
                    // serde_json writes an integer as itoa does.
                    Some(i) => self.out.push_str(itoa::Buffer::new().format(i)),
                    None => self.out.push_str(&serde_json::to_string(&answered).ok()?),
                }
            }
        }
        Some(match whole {
            Some(i) if n.kind == Kind::Int && top => Got::Int(i),
            _ => Got::Other,
        })
    }

    /// An array of a documented item kind, its items read in turn.
    fn array(&mut self, n: &Node, depth: usize) -> Option<Got> {
        let item = match n.item {
            Some(item) if n.kind == Kind::Array && depth < DEEPEST => item,
            _ => return None,
        };
        self.i += 1;
        self.out.push('[');
        let mut len = 0;
        if !self.empty(b']') {
            loop {
                if len > 0 {
                    self.out.push(',');
                }
                // The place is kept only where a string is collected below.
                let track = self.body.nodes[item].collects;
                if track {
                    self.path.push(Step::Index(len));
                }
                self.value(item, depth + 1)?;
                if track {
                    self.path.pop();
                }
                len += 1;
                if !self.more(b']')? {
                    break;
                }
            }
        }
        self.out.push(']');
        self.check(n, JsonView::Array(len))?;
        Some(Got::Container)
    }

    /// An object: its documented members read and written `"key":value` in document order,
    /// then, unless they came sorted, written again in answer order.
    fn object(&mut self, n: &Node, depth: usize) -> Option<Got> {
        if n.kind != Kind::Object || n.members.len() > FEW_MEMBERS || depth >= DEEPEST {
            return None;
        }
        self.check(n, JsonView::Object)?;
        self.i += 1;
        let members = &n.members;
        self.out.push('{');
        let start = self.out.len();
        // Each member's `"key":value` in `out`, from `start`.
        let mut spans = [(0u32, 0u32); FEW_MEMBERS];
        let mut seen = 0u64;
        let mut sorted = true;
        let mut last = None;
        if !self.empty(b'}') {
            loop {
                match self.key(members)? {
                    None => self.skip(depth + 1)?,
                    Some(i) => {
                        if seen & (1 << i) != 0 {
                            return None;
                        }
                        seen |= 1 << i;
                        sorted &= last.is_none_or(|l| l < i);
                        if last.is_some() {
                            self.out.push(',');
                        }
                        last = Some(i);
                        let member = &members[i];
                        let from = self.out.len() - start;
                        self.out.push_str(&member.prefix);
                        let track = self.body.nodes[member.node].collects;
                        if track {
                            self.path.push(Step::Key(member.key));
                        }
                        self.value(member.node, depth + 1)?;
                        if track {
                            self.path.pop();
                        }
                        spans[i] = (from as u32, (self.out.len() - start) as u32);
                    }
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        if !all_given(n, seen) {
            return None;
        }
        if !sorted {
            self.scratch.clear();
            self.scratch.push_str(&self.out[start..]);
            self.out.truncate(start);
            // The members given, lowest bit (first in answer order) first.
            let mut given = seen;
            while given != 0 {
                let (from, to) = spans[given.trailing_zeros() as usize];
                given &= given - 1;
                self.out.push_str(&self.scratch[from as usize..to as usize]);
                if given != 0 {
                    self.out.push(',');
                }
            }
        }
        self.out.push('}');
        Some(Got::Container)
    }
}

/// Whether every member of object node `n` that may not be absent is among those `seen`.
#[inline]
fn all_given(n: &Node, seen: u64) -> bool {
    seen & n.required == n.required
}

/// A string as read.
enum Str<'a> {
    /// No escape: the bytes between the quotes (and where they start in the body), their own
    /// answer form (serde_json escapes nothing but `"`, `\` and control characters when
    /// writing).
    Raw(&'a [u8], usize),
    /// Decoded by serde_json.
    Decoded(String),
}

impl<'a> Str<'a> {
    fn bytes(&self) -> &[u8] {
        match self {
            Str::Raw(raw, _) => raw,
            Str::Decoded(s) => s.as_bytes(),
        }
    }

    /// The string as text; `body` is the whole body, which a raw string is a slice of (cut at
    /// two quotes, so at char boundaries).
    fn text<'s>(&'s self, body: &'a str) -> Option<&'s str> {
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

/// The whole number a JSON number stands for (`2` and `2.0`), as the document reader's `whole`
/// reads it.
fn whole(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    if n.is_u64() {
        return None;
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}
