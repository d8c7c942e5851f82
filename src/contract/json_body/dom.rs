//! The document reader: a body parsed by sonic-rs into a document, then walked along the
//! compiled spec. It reads every body (the fast reader's rare cases included: duplicate keys,
//! nulls, broken rules, bodies that are not JSON or nest too deep) and is the truth where the
//! two readers could disagree.

use super::answer::{answered_number, integer_as_text, kind_matches, place, Step};
use super::compile::{JsonBody, Node};
use super::reading::{Reading, Refusal, Scalar};
use super::MAX_NESTING;
use crate::contract::spec::{JsonView, Kind, Violation};
use sonic_rs::{JsonContainerTrait, JsonNumberTrait, JsonValueTrait, ValueRef};

/// Brackets (`[` and `{`) a body may hold and still be read with no look at the stack: it
/// cannot nest deeper than that. sonic-rs parses recursively, without a depth limit of its own,
/// and a debug build spends some 35 KB of stack a level (a tokio worker has 2 MiB).
const SHALLOW_NESTING: usize = 16;

/// Stack a read of a body nested [`MAX_NESTING`] deep may need (bytes): measured under 256 KiB
/// for 127 levels of arrays or objects in a release build (parse, then the answer written by
/// serde_json), taken four times; 127 levels of a debug build at ~35 KB, with a margin.
const STACK_FOR_MAX_NESTING: usize = if cfg!(debug_assertions) {
    8 * 1024 * 1024
} else {
    1024 * 1024
};

/// Stack a read moves to when less than [`STACK_FOR_MAX_NESTING`] is left on the caller's
/// (bytes).
const DEEP_STACK_BYTES: usize = 32 * 1024 * 1024;

impl JsonBody {
    /// Reads `body` as a document (every body, the fast reader's rare cases included), on a
    /// stack of its own when the caller's is short of what its nesting may need.
    pub(super) fn read_document(&self, body: &[u8]) -> Result<Reading, Refusal> {
        let brackets = memchr::memchr2_iter(b'[', b'{', body).count();
        if brackets <= SHALLOW_NESTING {
            return self.read_here(body);
        }
        if brackets > MAX_NESTING && !nesting_within(body, MAX_NESTING) {
            return Err(Refusal::NotJson);
        }
        // Every usual body (a progress record holds some sixty brackets) is read where it is:
        // a tokio worker has far more stack left than the deepest allowed body needs in a
        // release build. Only a thread short of it moves to a stack of its own.
        stacker::maybe_grow(STACK_FOR_MAX_NESTING, DEEP_STACK_BYTES, || {
            self.read_here(body)
        })
    }

    /// Reads `body` as a document: every body, the fast reader's rare cases included.
    fn read_here(&self, body: &[u8]) -> Result<Reading, Refusal> {
        let doc: sonic_rs::Value = sonic_rs::from_slice(body).map_err(|_| Refusal::NotJson)?;
        let empty = sonic_rs::Object::new();
        let root = doc.as_object().unwrap_or(&empty);
        let mut walk = Walk::default();
        let mut reading = Reading::default();
        let mut out = Vec::with_capacity(body.len());
        let mut slots = Slots::new(self.nodes[0].members.len());
        self.slots(0, root, &mut slots);
        for (i, member) in self.nodes[0].members.iter().enumerate() {
            walk.path.clear();
            let Some(value) = slots[i] else {
                self.absent(member.node, member.key, &mut walk);
                continue;
            };
            // A null member is read as absent: `walk` checks its `missing` rule, and a null is
            // no top-level scalar below.
            out.clear();
            walk.path.push(Step::Key(member.key));
            self.walk(member.node, value, &mut out, &mut walk);
            if walk.broken.is_some() {
                continue;
            }
            let node = &self.nodes[member.node];
            let scalar = match value.as_ref() {
                ValueRef::String(s) => Scalar::Text(s.to_string()),
                ValueRef::Number(n) if integer_as_text(node) && n.as_u64().is_some() => {
                    Scalar::Text(n.as_u64().unwrap_or_default().to_string())
                }
                ValueRef::Number(_) if node.kind == Kind::Int => match whole(value) {
                    Some(n) => Scalar::Int(n),
                    None => continue,
                },
                ValueRef::Object(_) | ValueRef::Array(_) => {
                    // serde_json writes UTF-8 only.
                    Scalar::Answer(
                        String::from_utf8(std::mem::take(&mut out))
                            .map_err(|_| Refusal::NotJson)?,
                    )
                }
                _ => continue,
            };
            reading.top.push((member.key, scalar));
        }
        if let Some((_, v)) = walk.broken {
            return Err(Refusal::Rule(v));
        }
        reading.collected = walk.collected;
        Ok(reading)
    }

    /// The value of each documented member of `obj` (object node `node`): under its camelCase
    /// key, else its snake_case key; a key given twice counts with its last value; `null` is
    /// absent.
    ///
    /// A null camelCase member stays in its slot unless its snake_case twin is given (the
    /// walk reads a null member as absent).
    fn slots<'v>(&self, node: usize, obj: &'v sonic_rs::Object, camel: &mut Slots<'v>) {
        let members = &self.nodes[node].members;
        let mut snake = Slots::new(members.len());
        // Only a snake_case key needs the merge below; a usual camelCase body has none.
        let mut merge = false;
        for (key, value) in obj.iter() {
            let key = key.as_bytes();
            let Some(&first) = key.first() else { continue };
            for (i, m) in members.iter().enumerate() {
                let k = m.key.as_bytes();
                // The length and the first byte turn most members away without a memcmp.
                if k.len() == key.len() && k[0] == first && k == key {
                    camel.set(i, Some(value));
                    break;
                }
                if m.snake.as_deref().is_some_and(|s| s.as_bytes() == key) {
                    snake.set(i, Some(value));
                    merge = true;
                    break;
                }
            }
        }
        if merge {
            for i in 0..members.len() {
                if camel[i].is_none_or(|v| v.is_null()) {
                    camel.set(i, snake[i].filter(|v| !v.is_null()));
                }
            }
        }
    }

    /// Records an absent member's `missing` rule (and checks its default), at `key` below the
    /// current place.
    #[inline]
    fn absent(&self, node: usize, key: &'static str, walk: &mut Walk) {
        let n = &self.nodes[node];
        if n.absent_ok {
            return;
        }
        self.absent_rule(n, key, walk);
    }

    /// [`JsonBody::absent`] for a member that may not be absent (kept out of line).
    #[inline(never)]
    fn absent_rule(&self, n: &Node, key: &'static str, walk: &mut Walk) {
        let Some(f) = n.field else { return };
        if walk.settled(n.order) {
            return;
        }
        if let Err(v) = f.validate_json(None, self.param_error) {
            walk.path.push(Step::Key(key));
            walk.break_rule(n.order, v);
            walk.path.pop();
        }
    }

    /// Checks `value` against node `node` and everything documented below it, at the place
    /// `walk.path`, writing its answer form to `out` while no rule is broken.
    ///
    /// Returns whether `value` is `null`, which an object member reads as absent: its
    /// `missing` rule is checked here (as [`JsonBody::absent`] would), and the caller drops
    /// the `null` written for it.
    fn walk(
        &self,
        node: usize,
        value: &sonic_rs::Value,
        out: &mut Vec<u8>,
        walk: &mut Walk,
    ) -> bool {
        let n = &self.nodes[node];
        if walk.settled(n.order) {
            // This field and every field below it come after a rule already broken.
            return false;
        }
        let writing = walk.broken.is_none();
        let param_error = self.param_error;
        let slow_check = |view: JsonView<'_>, walk: &mut Walk| -> bool {
            match n.field.map(|f| f.validate_view(view, param_error)) {
                Some(Err(mut v)) => {
                    if matches!(view, JsonView::Object | JsonView::Array(_)) {
                        // Shown as serde_json writes the whole value.
                        v.value = shown_whole(value);
                    }
                    walk.break_rule(n.order, v);
                    false
                }
                _ => true,
            }
        };
        // A field whose only rule is its kind needs no more than a look at the kind.
        let check = |view: JsonView<'_>, walk: &mut Walk| -> bool {
            (n.kind_only && kind_matches(n.kind, view)) || slow_check(view, walk)
        };
        match value.as_ref() {
            ValueRef::Null => {
                // A null item of an array counts as absent, and is answered as it is; a null
                // member is absent (the caller drops it from the answer).
                match n.field.map(|f| f.validate_json(None, param_error)) {
                    Some(Err(v)) => walk.break_rule(n.order, v),
                    _ if writing => out.extend_from_slice(b"null"),
                    _ => {}
                }
                return true;
            }
            ValueRef::Bool(b) => {
                if check(JsonView::Bool(b), walk) && writing {
                    out.extend_from_slice(if b { b"true" } else { b"false" });
                }
            }
            ValueRef::String(s) => {
                if check(JsonView::Str(s), walk) {
                    if n.collect {
                        let path = n.field.map_or("", |f| f.name.as_str());
                        walk.collected.push((path, walk.place(), s.to_string()));
                    }
                    if writing {
                        let _ = serde_json::to_writer(&mut *out, s);
                    }
                }
            }
            ValueRef::Number(num) => {
                let Some(number) = serde_number(&num) else {
                    return false;
                };
                if integer_as_text(n) {
                    if let Some(id) = number.as_u64() {
                        // An integer where text is documented is read as its decimal text.
                        let text = id.to_string();
                        if check(JsonView::Str(&text), walk) && writing {
                            let _ = serde_json::to_writer(&mut *out, &text);
                        }
                        return false;
                    }
                }
                if check(JsonView::Number(&number), walk) && writing {
                    let decimals = n.field.and_then(|f| f.answer_decimals);
                    let answered = answered_number(&number, n.kind, decimals);
                    let _ = serde_json::to_writer(&mut *out, &answered);
                }
            }
            ValueRef::Array(items) => {
                if !check(JsonView::Array(items.len()), walk) {
                    return false;
                }
                let Some(item) = n.item else {
                    // An undocumented array: answered as it is.
                    if writing {
                        let _ = serde_json::to_writer(&mut *out, value);
                    }
                    return false;
                };
                out.push(b'[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    walk.path.push(Step::Index(i));
                    self.walk(item, v, out, walk);
                    walk.path.pop();
                }
                out.push(b']');
            }
            ValueRef::Object(obj) => {
                if !check(JsonView::Object, walk) || n.kind != Kind::Object {
                    return false;
                }
                let mut slots = Slots::new(n.members.len());
                self.slots(node, obj, &mut slots);
                out.push(b'{');
                let mut first = true;
                for (i, m) in n.members.iter().enumerate() {
                    let Some(v) = slots[i] else {
                        self.absent(m.node, m.key, walk);
                        continue;
                    };
                    let mark = out.len();
                    if !first {
                        out.push(b',');
                    }
                    out.push(b'"');
                    out.extend_from_slice(m.key.as_bytes());
                    out.extend_from_slice(b"\":");
                    walk.path.push(Step::Key(m.key));
                    let null = self.walk(m.node, v, out, walk);
                    walk.path.pop();
                    if null {
                        // Absent: its rule is checked; nothing of it is answered.
                        out.truncate(mark);
                    } else {
                        first = false;
                    }
                }
                out.push(b'}');
            }
        }
        false
    }
}

/// Members of an object kept on the stack: a walk visits some sixty objects, each with up to a
/// dozen documented members.
pub(super) const FEW_MEMBERS: usize = 16;

/// The value of each documented member of an object, in the order of its node's members: in a
/// fixed array for up to [`FEW_MEMBERS`], else in a `Vec`.
pub(super) struct Slots<'v> {
    few: [Option<&'v sonic_rs::Value>; FEW_MEMBERS],
    many: Vec<Option<&'v sonic_rs::Value>>,
}

impl<'v> Slots<'v> {
    pub(super) fn new(len: usize) -> Slots<'v> {
        Slots {
            few: [None; FEW_MEMBERS],
            many: if len > FEW_MEMBERS {
                vec![None; len]
            } else {
                Vec::new()
            },
        }
    }

    pub(super) fn set(&mut self, i: usize, value: Option<&'v sonic_rs::Value>) {
        if self.many.is_empty() {
            self.few[i] = value;
        } else {
            self.many[i] = value;
        }
    }
}

impl<'v> std::ops::Index<usize> for Slots<'v> {
    type Output = Option<&'v sonic_rs::Value>;

    fn index(&self, i: usize) -> &Self::Output {
        if self.many.is_empty() {
            &self.few[i]
        } else {
            &self.many[i]
        }
    }
}

/// The state of one pass: where it is, the first broken rule in spec order so far, and the
/// strings collected.
#[derive(Debug, Default)]
struct Walk {
    path: Vec<Step>,
    /// (order of the field, violation with its concrete place).
    broken: Option<(usize, Violation)>,
    collected: Vec<(&'static str, String, String)>,
}

impl Walk {
    /// Whether a rule of a field at `order` or before is already broken: then nothing at
    /// `order` or below it can answer first.
    fn settled(&self, order: usize) -> bool {
        self.broken.as_ref().is_some_and(|(o, _)| *o <= order)
    }

    fn break_rule(&mut self, order: usize, mut v: Violation) {
        if self.settled(order) {
            return;
        }
        v.field = self.place();
        self.broken = Some((order, v));
    }

    /// The concrete place, e.g. `content.blocks[2].paragraph.style.list.indentLevel`.
    fn place(&self) -> String {
        place(&self.path)
    }
}

/// A sonic-rs number as serde_json holds it: u64, else i64, else a finite f64.
fn serde_number(num: &sonic_rs::Number) -> Option<serde_json::Number> {
    if let Some(u) = num.as_u64() {
        Some(serde_json::Number::from(u))
    } else if let Some(i) = num.as_i64() {
        Some(serde_json::Number::from(i))
    } else {
        serde_json::Number::from_f64(num.as_f64()?)
    }
}

/// A container shown in a violation as serde_json writes it (at most 64 chars are kept).
fn shown_whole(value: &sonic_rs::Value) -> String {
    serde_json::to_value(value)
        .map(|v| v.to_string())
        .unwrap_or_default()
        .chars()
        .take(64)
        .collect()
}

/// The whole number a JSON number stands for (`2` and `2.0`), as an `int` field reads it.
fn whole(value: &sonic_rs::Value) -> Option<i64> {
    let n = value.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    if n.as_u64().is_some() {
        return None;
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// Whether `body` nests objects and arrays at most `limit` deep, strings skipped (a byte at a
/// time: only for a body holding more brackets than `limit`).
fn nesting_within(body: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}
