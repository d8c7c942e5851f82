//! The fast reader: a body streamed once through serde_json's tokenizer along the compiled spec
//! (a [`DeserializeSeed`] per node), each value checked and written in answer form as it
//! passes, with no document built.
//!
//! It reads the usual body only: every documented member given at most once (under its
//! camelCase or its snake_case key, not both), no `null` where a documented value goes, no rule
//! broken, every documented array of one item kind, objects of at most [`FEW_MEMBERS`]
//! documented members, nesting at most [`DEEPEST`] levels. On anything else it gives up
//! (`None`) and the document reader ([`super::dom`]) reads the body from the start: it alone
//! decides the rare cases (duplicate keys, nulls, which broken rule answers, bodies that are
//! not JSON), so for every body the fast reader accepts, both readers give the same
//! [`Reading`] byte for byte (the tests compare them).
//!
//! Undocumented members are skipped, but their strings are still decoded, so a body the
//! document reader would refuse as not JSON (a lone surrogate, a bad escape) is never accepted
//! here; the UTF-8 of the whole body is checked once before.

use super::answer::{answered_number, integer_as_text, kind_matches, place, Step};
use super::compile::{JsonBody, Member, Node};
use super::reading::{Reading, Scalar};
use crate::contract::spec::{JsonView, Kind};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Documented members of one object the fast reader keeps track of; an object node with more
/// is left to the document reader.
const FEW_MEMBERS: usize = 16;

/// Deepest nesting the fast reader follows (levels, the body being the first); a deeper body is
/// left to the document reader, which guards its stack.
const DEEPEST: usize = 32;

/// Reads `bytes` along `body`: `Some` when the body is a usual one that breaks no rule, `None`
/// when the document reader must decide.
pub(super) fn read(body: &JsonBody, bytes: &[u8]) -> Option<Reading> {
    // Checked once here (as the document reader does), so the tokenizer need not check each
    // string.
    let text = std::str::from_utf8(bytes).ok()?;
    let mut state = State {
        body,
        out: String::new(),
        scratch: String::new(),
        path: Vec::with_capacity(16),
        reading: Reading::default(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    Root { st: &mut state }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(state.reading)
}

/// The state of one read.
struct State<'b> {
    body: &'b JsonBody,
    /// The answer form of the top-level member being read.
    out: String,
    /// An object's members in document order, while they are written again sorted.
    scratch: String,
    /// The current place.
    path: Vec<Step>,
    reading: Reading,
}

/// Why the fast reader gives up: the document reader decides.
fn give_up<E: de::Error>() -> E {
    E::custom("left to the document reader")
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

/// A member key: the index of the documented member it names, as the document reader matches
/// keys (the camelCase key, else the snake_case one), or `None` for an undocumented one.
struct KeySeed<'a>(&'a [Member]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        let key = key.as_bytes();
        let Some(&first) = key.first() else {
            return Ok(None);
        };
        Ok(self.0.iter().position(|m| {
            let k = m.key.as_bytes();
            (k.len() == key.len() && k[0] == first && k == key)
                || m.snake.as_deref().is_some_and(|s| s.as_bytes() == key)
        }))
    }
}

/// An undocumented value `.0` levels down: read through (strings decoded and checked),
/// nothing kept.
struct Skip(usize);

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.0 >= DEEPEST {
            return Err(give_up());
        }
        while seq.next_element_seed(Skip(self.0 + 1))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.0 >= DEEPEST {
            return Err(give_up());
        }
        while map.next_key_seed(Skip(self.0 + 1))?.is_some() {
            map.next_value_seed(Skip(self.0 + 1))?;
        }
        Ok(())
    }
}

/// `Ok` when every documented member not `seen` may be absent.
fn all_given<E: de::Error>(body: &JsonBody, members: &[Member], seen: u64) -> Result<(), E> {
    let missing = members
        .iter()
        .enumerate()
        .any(|(i, m)| seen & (1 << i) == 0 && !body.nodes[m.node].absent_ok);
    if missing {
        Err(give_up())
    } else {
        Ok(())
    }
}

/// The body itself: each documented member read on its own, its answer form handed to the
/// handler when it is a container.
struct Root<'s, 'b> {
    st: &'s mut State<'b>,
}

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.st;
        let body = st.body;
        let members = &body.nodes[0].members;
        if members.len() > 64 {
            return Err(give_up());
        }
        let mut seen = 0u64;
        while let Some(key) = map.next_key_seed(KeySeed(members))? {
            let Some(i) = key else {
                map.next_value_seed(Skip(1))?;
                continue;
            };
            if seen & (1 << i) != 0 {
                return Err(give_up());
            }
            seen |= 1 << i;
            let member = &members[i];
            st.out.clear();
            st.path.clear();
            st.path.push(Step::Key(member.key));
            let got = map.next_value_seed(Value {
                st: &mut *st,
                node: member.node,
                depth: 1,
            })?;
            let scalar = match got {
                Got::Text(s) => Scalar::Text(s),
                Got::Int(n) => Scalar::Int(n),
                Got::Container => Scalar::Answer(std::mem::take(&mut st.out)),
                Got::Other => continue,
            };
            st.reading.top.push((member.key, scalar));
        }
        all_given(body, members, seen)
    }
}

/// A value at node `node`, `depth` levels down: checked, and written in answer form to
/// `st.out`.
struct Value<'s, 'b> {
    st: &'s mut State<'b>,
    node: usize,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Value<'_, '_> {
    type Value = Got;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Got, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'b> Value<'_, 'b> {
    fn node(&self) -> &'b Node {
        let body: &'b JsonBody = self.st.body;
        &body.nodes[self.node]
    }

    fn top(&self) -> bool {
        self.depth == 1
    }

    /// Checks `view` against the node's rules: a field whose only rule is its kind needs no
    /// more than a look at the kind.
    fn check<E: de::Error>(&self, view: JsonView<'_>) -> Result<(), E> {
        let n = self.node();
        if n.kind_only && kind_matches(n.kind, view) {
            return Ok(());
        }
        match n.field {
            Some(f) if f.validate_view(view, self.st.body.param_error).is_ok() => Ok(()),
            _ => Err(give_up()),
        }
    }

    /// A string, `raw` when it held no escape (then its text is its own JSON form).
    fn string<E: de::Error>(self, s: &str, raw: bool) -> Result<Got, E> {
        self.check(JsonView::Str(s))?;
        let n = self.node();
        if n.collect {
            let path = n.field.map_or("", |f| f.name.as_str());
            let place = place(&self.st.path);
            self.st.reading.collected.push((path, place, s.to_string()));
        }
        let out = &mut self.st.out;
        if raw {
            out.push('"');
            out.push_str(s);
            out.push('"');
        } else {
            out.push_str(&serde_json::to_string(s).map_err(|_| give_up::<E>())?);
        }
        Ok(if self.top() {
            Got::Text(s.to_string())
        } else {
            Got::Other
        })
    }

    fn number<E: de::Error>(self, number: serde_json::Number) -> Result<Got, E> {
        let n = self.node();
        if integer_as_text(n) {
            if let Some(id) = number.as_u64() {
                // An integer where text is documented is read as its decimal text.
                let mut digits = itoa::Buffer::new();
                let text = digits.format(id);
                self.check(JsonView::Str(text))?;
                let out = &mut self.st.out;
                out.push('"');
                out.push_str(text);
                out.push('"');
                return Ok(if self.top() {
                    Got::Text(text.to_string())
                } else {
                    Got::Other
                });
            }
        }
        self.check(JsonView::Number(&number))?;
        let decimals = n.field.and_then(|f| f.answer_decimals);
        let answered = answered_number(&number, n.kind, decimals);
        match answered.as_i64() {
            // serde_json writes an integer as itoa does.
            Some(i) => self.st.out.push_str(itoa::Buffer::new().format(i)),
            None => self.st.out.push_str(&answered.to_string()),
        }
        Ok(match whole(&number) {
            Some(i) if n.kind == Kind::Int && self.top() => Got::Int(i),
            _ => Got::Other,
        })
    }
}

impl<'de> Visitor<'de> for Value<'_, '_> {
    type Value = Got;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a documented JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Got, E> {
        self.check(JsonView::Bool(b))?;
        self.st.out.push_str(if b { "true" } else { "false" });
        Ok(Got::Other)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Got, E> {
        self.number(v.into())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Got, E> {
        self.number(v.into())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Got, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.number(n),
            None => Err(give_up()),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Got, E> {
        // serde_json lends a string only when it held no escape: then it has no `"`, `\` or
        // control character, the only characters serde_json escapes when writing.
        self.string(s, true)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Got, E> {
        self.string(s, false)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Got, E> {
        // null: absent, or a null item; the document reader decides.
        Err(give_up())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got, A::Error> {
        let n = self.node();
        let item = match n.item {
            Some(item) if n.kind == Kind::Array && self.depth < DEEPEST => item,
            _ => return Err(give_up()),
        };
        let (node, depth) = (self.node, self.depth);
        let st = self.st;
        st.out.push('[');
        let mut len = 0;
        loop {
            if len > 0 {
                st.out.push(',');
            }
            st.path.push(Step::Index(len));
            let next = seq.next_element_seed(Value {
                st: &mut *st,
                node: item,
                depth: depth + 1,
            })?;
            st.path.pop();
            if next.is_none() {
                if len > 0 {
                    st.out.pop();
                }
                break;
            }
            len += 1;
        }
        st.out.push(']');
        Value { st, node, depth }.check(JsonView::Array(len))?;
        Ok(Got::Container)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Got, A::Error> {
        let n = self.node();
        if n.kind != Kind::Object || n.members.len() > FEW_MEMBERS || self.depth >= DEEPEST {
            return Err(give_up());
        }
        self.check(JsonView::Object)?;
        let depth = self.depth;
        let st = self.st;
        let members = &n.members;
        // Each member's answer form is written in document order, then the whole object is
        // written again with its members sorted.
        let start = st.out.len();
        let mut spans = [(0usize, 0usize); FEW_MEMBERS];
        let mut seen = 0u64;
        while let Some(key) = map.next_key_seed(KeySeed(members))? {
            let Some(i) = key else {
                map.next_value_seed(Skip(depth + 1))?;
                continue;
            };
            if seen & (1 << i) != 0 {
                return Err(give_up());
            }
            seen |= 1 << i;
            let member = &members[i];
            let from = st.out.len() - start;
            st.path.push(Step::Key(member.key));
            map.next_value_seed(Value {
                st: &mut *st,
                node: member.node,
                depth: depth + 1,
            })?;
            st.path.pop();
            spans[i] = (from, st.out.len() - start);
        }
        all_given(st.body, members, seen)?;
        st.scratch.clear();
        st.scratch.push_str(&st.out[start..]);
        st.out.truncate(start);
        st.out.push('{');
        let mut first = true;
        for (i, m) in members.iter().enumerate() {
            if seen & (1 << i) == 0 {
                continue;
            }
            if !first {
                st.out.push(',');
            }
            first = false;
            st.out.push('"');
            st.out.push_str(m.key);
            st.out.push_str("\":");
            let (from, to) = spans[i];
            st.out.push_str(&st.scratch[from..to]);
        }
        st.out.push('}');
        Ok(Got::Container)
    }
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
