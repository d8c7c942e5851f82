//! The fast reader: a body scanned once (`scan.rs`) along the compiled spec, each value checked
//! and written in answer form as it passes, with no document built.
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

use super::answer::{answered_number, integer_as_text, kind_matches, place, Step};
use super::compile::{Fast, JsonBody, Node};
use super::reading::{Reading, Scalar};
use super::scan::{Num, Scanner, Str, DEEPEST};
use crate::contract::spec::{JsonView, Kind};

/// Most bytes set aside up front for rewriting unsorted objects (bytes).
const SCRATCH_BYTES: usize = 64 * 1024;

/// Documented members of one object the fast reader keeps track of; an object node with more
/// is left to the document reader.
const FEW_MEMBERS: usize = 16;

/// Reads `bytes` along `body`: `Some` when the body is a usual one that breaks no rule, `None`
/// when the document reader must decide.
pub(super) fn read(body: &JsonBody, bytes: &[u8]) -> Option<Reading> {
    // Checked once here (many bytes an instruction), so a string's bytes between its quotes
    // are text.
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    let mut reader = Reader {
        scan: Scanner {
            text,
            b: bytes,
            i: 0,
        },
        body,
        out: String::with_capacity(bytes.len()),
        // Room for the usual body's unsorted objects at once, instead of growing through
        // every size on the way (a large body's grows past it as needed).
        scratch: String::with_capacity(bytes.len().min(SCRATCH_BYTES)),
        path: Vec::with_capacity(16),
        reading: Reading {
            top: Vec::with_capacity(body.nodes[0].members.len()),
            collected: Vec::new(),
        },
    };
    reader.root()?;
    reader.scan.ws();
    (reader.scan.i == bytes.len()).then_some(reader.reading)
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

/// The state of one read.
struct Reader<'a> {
    /// The body and where in it.
    scan: Scanner<'a>,
    body: &'a JsonBody,
    /// The answer form of the top-level member being read.
    out: String,
    /// An object's members in document order, while they are written again sorted.
    scratch: String,
    /// The current place.
    path: Vec<Step>,
    reading: Reading,
}

impl<'a> Reader<'a> {
    /// The body itself: each documented member read on its own, its answer form handed to the
    /// handler when it is a container.
    fn root(&mut self) -> Option<()> {
        if self.scan.next()? != b'{' {
            return None;
        }
        let body = self.body;
        let members = &body.nodes[0].members;
        if members.len() > 64 {
            return None;
        }
        let mut seen = 0u64;
        if !self.scan.empty(b'}') {
            loop {
                match self.scan.key(members)? {
                    None => self.scan.skip(1)?,
                    Some((i, _)) => {
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
                if !self.scan.more(b'}')? {
                    break;
                }
            }
        }
        all_given(&body.nodes[0], seen).then_some(())
    }

    /// Checks `view` against node `n`'s rules: a field whose only rule is its kind needs no
    /// more than a look at the kind.
    #[inline(always)]
    fn check(&self, n: &Node, view: JsonView<'_>) -> Option<()> {
        if n.kind_only && kind_matches(n.kind, view) {
            return Some(());
        }
        self.check_rules(n, view)
    }

    /// Checks `view` against every rule of node `n`'s field.
    #[inline(never)]
    fn check_rules(&self, n: &Node, view: JsonView<'_>) -> Option<()> {
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
        self.scan.ws();
        match self.scan.peek()? {
            b'"' => {
                let s = self.scan.string()?;
                self.text_value(n, s, depth)
            }
            b'{' => self.object(n, depth),
            b'[' => self.array(n, depth),
            b't' => {
                self.scan.literal(b"true")?;
                self.check(n, JsonView::Bool(true))?;
                self.out.push_str("true");
                Some(Got::Other)
            }
            b'f' => {
                self.scan.literal(b"false")?;
                self.check(n, JsonView::Bool(false))?;
                self.out.push_str("false");
                Some(Got::Other)
            }
            b'-' | b'0'..=b'9' => {
                let num = self.scan.number()?;
                self.number_value(n, num, depth)
            }
            // null (absent, or a null item: the document reader decides) or not JSON.
            _ => None,
        }
    }

    /// A string member of an object, camelCase key and value written with nothing between
    /// them (`"key":"value"`, starting at `key_at`): checked and collected as
    /// [`Reader::text_value`] does, and written with its key in one piece when it needs no
    /// decoding (then the body's own bytes are its answer form).
    fn string_member(&mut self, n: &Node, prefix: &str, key_at: usize) -> Option<()> {
        let s = self.scan.string()?;
        self.text_checked(n, &s)?;
        match &s {
            Str::Raw(raw, at) => self
                .out
                .push_str(self.scan.text.get(key_at..at + raw.len() + 1)?),
            Str::Decoded(decoded) => {
                self.out.push_str(prefix);
                self.out.push_str(&serde_json::to_string(decoded).ok()?);
            }
        }
        Some(())
    }

    /// A string value: checked, collected when its field has an `exists` rule, and written.
    fn text_value(&mut self, n: &Node, s: Str<'a>, depth: usize) -> Option<Got> {
        self.text_checked(n, &s)?;
        match &s {
            Str::Raw(raw, at) => self
                .out
                .push_str(self.scan.text.get(at - 1..at + raw.len() + 1)?),
            Str::Decoded(decoded) => self.out.push_str(&serde_json::to_string(decoded).ok()?),
        }
        Some(if depth == 1 {
            Got::Text(match s {
                Str::Raw(..) => s.text(self.scan.text)?.to_string(),
                Str::Decoded(decoded) => decoded,
            })
        } else {
            Got::Other
        })
    }

    /// A string checked against node `n`'s rules, and collected when its field has an
    /// `exists` rule.
    #[inline(always)]
    fn text_checked(&mut self, n: &Node, s: &Str<'a>) -> Option<()> {
        let bytes = s.bytes();
        match &n.fast {
            Fast::Kind if n.kind == Kind::String => {}
            Fast::Texts(allowed) if allowed.iter().any(|a| a.as_bytes() == bytes) => {}
            _ => self.check(n, JsonView::Str(s.text(self.scan.text)?))?,
        }
        if n.collect {
            let path = n.field.map_or("", |f| f.name.as_str());
            let at = place(&self.path);
            let text = s.text(self.scan.text)?.to_string();
            self.reading.collected.push((path, at, text));
        }
        Some(())
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
        self.scan.i += 1;
        self.out.push('[');
        let mut len = 0;
        // The place is kept only where a string is collected below.
        let track = self.body.nodes[item].collects;
        if !self.scan.empty(b']') {
            loop {
                if len > 0 {
                    self.out.push(',');
                }
                if track {
                    self.path.push(Step::Index(len));
                }
                self.value(item, depth + 1)?;
                if track {
                    self.path.pop();
                }
                len += 1;
                if !self.scan.more(b']')? {
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
        self.scan.i += 1;
        let members = &n.members;
        self.out.push('{');
        let start = self.out.len();
        // Each member's `"key":value` in `out`, from `start`.
        let mut spans = [(0u32, 0u32); FEW_MEMBERS];
        let mut seen = 0u64;
        let mut sorted = true;
        let mut last = None;
        if !self.scan.empty(b'}') {
            loop {
                self.scan.ws();
                let key_at = self.scan.i;
                let key = match self.scan.camel_key(members) {
                    Some(i) => Some((i, true)),
                    None => self.scan.key(members)?,
                };
                match key {
                    None => self.scan.skip(depth + 1)?,
                    Some((i, camel)) => {
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
                        let node = &self.body.nodes[member.node];
                        let track = node.collects;
                        if track {
                            self.path.push(Step::Key(member.key));
                        }
                        if camel
                            && self.scan.i == key_at + member.prefix.len()
                            && self.scan.peek() == Some(b'"')
                        {
                            self.string_member(node, &member.prefix, key_at)?;
                        } else {
                            self.out.push_str(&member.prefix);
                            self.value(member.node, depth + 1)?;
                        }
                        if track {
                            self.path.pop();
                        }
                        spans[i] = (from as u32, (self.out.len() - start) as u32);
                    }
                }
                if !self.scan.more(b'}')? {
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
