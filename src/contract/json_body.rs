//! The one JSON body validator: an endpoint spec's `in: json` fields compiled once into a tree,
//! and a body checked against it in one pass.
//!
//! A body is parsed by sonic-rs (a SIMD JSON parser whose arena-backed document costs a fraction
//! of a `serde_json::Value` tree) and walked along the compiled spec. Every documented value is
//! checked with its field's rules ([`FieldSpec::validate_view`]) and written in answer form:
//! documented members only, object keys sorted (as in seed 001's response example), whole
//! numbers of `int`/`number` fields without a fraction, a field with `answer_decimals` rounded.
//!
//! For a body that breaks rules, the answer names the first broken rule **in spec order** (the
//! field listed first in the spec; among its places, the first in document order), with the
//! concrete place (`content.blocks[2].paragraph.style.list.indentLevel`). The walk visits the
//! places of one field in document order, and a subtree whose fields all come after an already
//! broken rule is skipped, so a refusal costs no more than an acceptance.
//!
//! How members are read (FEISHU_FACTS §5: the Python SDK sends snake_case keys): a member is
//! found under its camelCase key, else under its snake_case key; a JSON `null` counts as absent
//! (a member, and an array item alike: a null item breaks only a `missing` rule);
//! a key given twice counts once, with its last value (as serde_json and Go's `encoding/json`
//! read it); undocumented members are ignored. A body that is JSON but not an object is read
//! as `{}`. A body that is not JSON, or nests deeper than [`MAX_NESTING`], is [`Refusal::NotJson`].

use crate::contract::error::ApiError;
use crate::contract::spec::{EndpointSpec, FieldSpec, JsonView, Kind, Location, Violation};
use sonic_rs::{JsonContainerTrait, JsonNumberTrait, JsonValueTrait, ValueRef};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Deepest nesting of objects and arrays a body may have, in levels (assumed: serde_json's
/// limit, one bracket short of 128; Feishu's gateway documents none). Deeper is not JSON to it.
pub const MAX_NESTING: usize = 127;

/// Nesting read on the caller's stack. sonic-rs parses recursively, without a depth limit of
/// its own: a debug build spends some 35 KB of stack a level (a tokio worker has 2 MiB), so a
/// body nested deeper than this is read on a stack of [`DEEP_STACK_BYTES`] instead.
const SHALLOW_NESTING: usize = 16;

/// Stack for reading a body nested deeper than `SHALLOW_NESTING` (bytes): 127 levels of a
/// debug build with a wide margin.
const DEEP_STACK_BYTES: usize = 32 * 1024 * 1024;

/// The JSON fields of an endpoint spec compiled into a tree: one node per spec path.
#[derive(Debug)]
pub struct JsonBody {
    /// Node 0 is the body itself.
    nodes: Vec<Node>,
    /// The endpoint's parameter error code, for rules without a code of their own.
    param_error: i64,
}

/// One spec path.
#[derive(Debug)]
struct Node {
    /// The spec field at this path (`None` for the body).
    field: Option<&'static FieldSpec>,
    /// Position of the field among the spec's JSON fields: the order in which rules answer.
    order: usize,
    /// The value's kind (`Object` for the body).
    kind: Kind,
    /// The documented members of an object, sorted by their camelCase key (the answer order).
    members: Vec<Member>,
    /// The node of `path[]`, for an array.
    item: Option<usize>,
    /// Whether the string values found here are collected ([`Reading::strings_at`]): fields with
    /// an `exists` rule, which the handler checks against the world.
    collect: bool,
}

/// A documented member of an object node.
#[derive(Debug)]
struct Member {
    /// camelCase key, as answered (`textRun`).
    key: &'static str,
    /// snake_case key, also accepted (`text_run`; the same as `key` without capitals).
    snake: String,
    /// Its node.
    node: usize,
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not JSON text, or nested deeper than [`MAX_NESTING`]: the endpoint's parameter error.
    NotJson,
    /// The first broken rule in spec order, with its concrete place in `field`.
    Rule(Violation),
}

impl Refusal {
    /// The documented error: the broken rule's code with its `field_violations`, or
    /// `param_error` for a body that is not JSON.
    pub fn into_error(self, param_error: i64) -> ApiError {
        match self {
            Refusal::NotJson => ApiError::new(param_error),
            Refusal::Rule(v) => v.into(),
        }
    }
}

/// What a body that breaks no rule holds, as the handler needs it.
#[derive(Debug, Default)]
pub struct Reading {
    /// Top-level members by camelCase key: scalars as their text (strings unquoted, an
    /// `integer_as_text` integer as its decimal text), containers as compact answer JSON.
    top: Vec<(&'static str, Scalar)>,
    /// (spec path, concrete place, text) of every string of a collected field, in document
    /// order per field.
    collected: Vec<(&'static str, String, String)>,
}

/// A top-level member as read.
#[derive(Debug)]
enum Scalar {
    Text(String),
    Int(i64),
    Answer(String),
}

impl Reading {
    /// The text of top-level string member `key` (an `integer_as_text` integer included).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.top
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| match v {
                Scalar::Text(s) => Some(s.as_str()),
                _ => None,
            })
    }

    /// Top-level member `key` as a whole number (`2` and `2.0`).
    pub fn int(&self, key: &str) -> Option<i64> {
        self.top
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| match v {
                Scalar::Int(n) => Some(*n),
                _ => None,
            })
    }

    /// Top-level container member `key` (object or array) in answer form, compact JSON.
    pub fn answer(&self, key: &str) -> Option<&str> {
        self.top
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| match v {
                Scalar::Answer(s) => Some(s.as_str()),
                _ => None,
            })
    }

    /// Takes top-level container member `key` in answer form (see [`Reading::answer`]).
    pub fn take_answer(&mut self, key: &str) -> Option<String> {
        let i = self
            .top
            .iter()
            .position(|(k, v)| *k == key && matches!(v, Scalar::Answer(_)))?;
        match self.top.swap_remove(i).1 {
            Scalar::Answer(s) => Some(s),
            _ => None,
        }
    }

    /// (concrete place, text) of every string found at spec path `path` (a field with an
    /// `exists` rule), in document order.
    pub fn strings_at<'a>(&'a self, path: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.collected
            .iter()
            .filter(move |(p, _, _)| *p == path)
            .map(|(_, at, s)| (at.as_str(), s.as_str()))
    }
}

impl JsonBody {
    /// The compiled validator of `spec`, built once per spec name.
    ///
    /// Panics when the spec's JSON fields do not form a tree (a parent path missing or listed
    /// after its child, a path given twice, a member under a field that is not an object):
    /// the embedded specs are checked by the test suite, so that is a build defect.
    pub fn of(spec: &'static EndpointSpec) -> Arc<JsonBody> {
        type Cache = Mutex<HashMap<String, Arc<JsonBody>>>;
        static COMPILED: OnceLock<Cache> = OnceLock::new();
        let mut cache = COMPILED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache
            .entry(spec.name.clone())
            .or_insert_with(|| {
                Arc::new(
                    JsonBody::compile(spec)
                        .unwrap_or_else(|e| panic!("spec {}: JSON fields {e}", spec.name)),
                )
            })
            .clone()
    }

    /// Compiles `spec`'s JSON fields; `Err` says why they do not form a tree.
    pub fn compile(spec: &'static EndpointSpec) -> Result<JsonBody, String> {
        let mut nodes = vec![Node {
            field: None,
            order: 0,
            kind: Kind::Object,
            members: Vec::new(),
            item: None,
            collect: false,
        }];
        let mut at: HashMap<&str, usize> = HashMap::new();
        at.insert("", 0);
        let json_fields = spec.fields.iter().filter(|f| f.location == Location::Json);
        for (order, field) in json_fields.enumerate() {
            let path = field.name.as_str();
            if at.contains_key(path) {
                return Err(format!("{path} is given twice"));
            }
            let (parent, last) = path.rsplit_once('.').unwrap_or(("", path));
            let node = nodes.len();
            nodes.push(Node {
                field: Some(field),
                order,
                kind: field.kind,
                members: Vec::new(),
                item: None,
                collect: field.codes.contains_key("exists") && field.kind == Kind::String,
            });
            if let Some(key) = last.strip_suffix("[]") {
                let array_path = &path[..path.len() - 2];
                let array = *at
                    .get(array_path)
                    .ok_or_else(|| format!("{path} comes before {array_path}"))?;
                if nodes[array].kind != Kind::Array || nodes[array].item.is_some() {
                    return Err(format!("{array_path} is not an array of one item kind"));
                }
                debug_assert!(array_path.ends_with(key));
                nodes[array].item = Some(node);
            } else {
                let parent_node = *at
                    .get(parent)
                    .ok_or_else(|| format!("{path} comes before {parent}"))?;
                if nodes[parent_node].kind != Kind::Object {
                    return Err(format!("{parent} has members but is not an object"));
                }
                nodes[parent_node].members.push(Member {
                    key: last,
                    snake: snake_case(last),
                    node,
                });
            }
            at.insert(path, node);
        }
        for node in &mut nodes {
            node.members.sort_unstable_by(|a, b| a.key.cmp(b.key));
        }
        Ok(JsonBody {
            nodes,
            param_error: spec.param_error,
        })
    }

    /// Reads `body`: [`Reading`] when it is JSON and every JSON field rule of the spec holds,
    /// else the [`Refusal`] (the first broken rule in spec order).
    pub fn read(&self, body: &[u8]) -> Result<Reading, Refusal> {
        if nesting_within(body, SHALLOW_NESTING) {
            return self.read_here(body);
        }
        if !nesting_within(body, MAX_NESTING) {
            return Err(Refusal::NotJson);
        }
        stacker::grow(DEEP_STACK_BYTES, || self.read_here(body))
    }

    fn read_here(&self, body: &[u8]) -> Result<Reading, Refusal> {
        let doc: sonic_rs::Value = sonic_rs::from_slice(body).map_err(|_| Refusal::NotJson)?;
        let empty = sonic_rs::Object::new();
        let root = doc.as_object().unwrap_or(&empty);
        let mut walk = Walk::default();
        let mut reading = Reading::default();
        let mut out = Vec::new();
        let slots = self.slots(0, root);
        for (i, member) in self.nodes[0].members.iter().enumerate() {
            walk.path.clear();
            let Some(value) = slots[i] else {
                self.absent(member.node, member.key, &mut walk);
                continue;
            };
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
                    Scalar::Answer(String::from_utf8(out.clone()).map_err(|_| Refusal::NotJson)?)
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
    fn slots<'v>(
        &self,
        node: usize,
        obj: &'v sonic_rs::Object,
    ) -> Vec<Option<&'v sonic_rs::Value>> {
        let members = &self.nodes[node].members;
        let mut camel: Vec<Option<&sonic_rs::Value>> = vec![None; members.len()];
        let mut snake: Vec<Option<&sonic_rs::Value>> = vec![None; members.len()];
        for (key, value) in obj.iter() {
            for (i, m) in members.iter().enumerate() {
                if m.key == key {
                    camel[i] = Some(value);
                } else if m.snake == key {
                    snake[i] = Some(value);
                }
            }
        }
        camel
            .into_iter()
            .zip(snake)
            .map(|(c, s)| c.filter(|v| !v.is_null()).or(s.filter(|v| !v.is_null())))
            .collect()
    }

    /// Records an absent member's `missing` rule (and checks its default), at `key` below the
    /// current place.
    fn absent(&self, node: usize, key: &'static str, walk: &mut Walk) {
        let n = &self.nodes[node];
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
    fn walk(&self, node: usize, value: &sonic_rs::Value, out: &mut Vec<u8>, walk: &mut Walk) {
        let n = &self.nodes[node];
        if walk.settled(n.order) {
            // This field and every field below it come after a rule already broken.
            return;
        }
        let writing = walk.broken.is_none();
        let param_error = self.param_error;
        let check = |view: JsonView<'_>, walk: &mut Walk| -> bool {
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
        match value.as_ref() {
            ValueRef::Null => {
                // Only inside an array (a null member is absent): a null item counts as absent
                // too, and is answered as it is.
                match n.field.map(|f| f.validate_json(None, param_error)) {
                    Some(Err(v)) => walk.break_rule(n.order, v),
                    _ if writing => out.extend_from_slice(b"null"),
                    _ => {}
                }
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
                    return;
                };
                if integer_as_text(n) {
                    if let Some(id) = number.as_u64() {
                        // An integer where text is documented is read as its decimal text.
                        let text = id.to_string();
                        if check(JsonView::Str(&text), walk) && writing {
                            let _ = serde_json::to_writer(&mut *out, &text);
                        }
                        return;
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
                    return;
                }
                let Some(item) = n.item else {
                    // An undocumented array: answered as it is.
                    if writing {
                        let _ = serde_json::to_writer(&mut *out, value);
                    }
                    return;
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
                    return;
                }
                let slots = self.slots(node, obj);
                out.push(b'{');
                let mut first = true;
                for (i, m) in n.members.iter().enumerate() {
                    let Some(v) = slots[i] else {
                        self.absent(m.node, m.key, walk);
                        continue;
                    };
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.push(b'"');
                    out.extend_from_slice(m.key.as_bytes());
                    out.extend_from_slice(b"\":");
                    walk.path.push(Step::Key(m.key));
                    self.walk(m.node, v, out, walk);
                    walk.path.pop();
                }
                out.push(b'}');
            }
        }
    }
}

/// One step of the current place: a member key or an array index.
#[derive(Debug, Clone, Copy)]
enum Step {
    Key(&'static str),
    Index(usize),
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
        let mut at = String::new();
        for step in &self.path {
            match step {
                Step::Key(k) => {
                    if !at.is_empty() {
                        at.push('.');
                    }
                    at.push_str(k);
                }
                Step::Index(i) => {
                    at.push('[');
                    at.push_str(&i.to_string());
                    at.push(']');
                }
            }
        }
        at
    }
}

/// Whether the field reads a JSON integer as its decimal text (`integer_as_text`).
fn integer_as_text(n: &Node) -> bool {
    n.field.is_some_and(|f| f.integer_as_text)
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

/// Number `n` of a field of type `kind` as answered: rounded to `decimals` when the spec says
/// so (`answer_decimals`), a whole value of an `int` or `number` field written without a
/// fraction (below 9e15, where an f64 still holds every integer), anything else as a float.
pub fn answered_number(
    n: &serde_json::Number,
    kind: Kind,
    decimals: Option<u32>,
) -> serde_json::Value {
    let f = n.as_f64().unwrap_or_default();
    let f = match decimals {
        Some(d) => {
            let scale = 10f64.powi(d as i32);
            (f * scale).round() / scale
        }
        None => f,
    };
    match kind {
        Kind::Int | Kind::Number if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            serde_json::json!(f as i64)
        }
        _ => serde_json::json!(f),
    }
}

/// The snake_case spelling of a camelCase key (`textRun` → `text_run`), the form the Python SDK
/// sends (FEISHU_FACTS §5).
pub fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
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

/// Whether `body` nests objects and arrays at most `limit` deep. Counting every `[` and `{`
/// byte bounds the depth from above and settles almost every body at memory speed; only a body
/// with more brackets than `limit` is scanned with strings skipped.
fn nesting_within(body: &[u8], limit: usize) -> bool {
    let brackets = memchr::memchr2_iter(b'[', b'{', body).count();
    if brackets <= limit {
        return true;
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Catalogue;
    use serde_json::{json, Value};

    /// Random progress record bodies shaped by the spec: each member valid, broken (wrong type,
    /// out of range, not in the enum, not matching the pattern, empty), absent, `null`, in its
    /// snake_case spelling, given twice, or next to undocumented members.
    struct BodyGen {
        rng: rand::rngs::SmallRng,
        spec: &'static EndpointSpec,
        /// Whether this body may break rules; a clean body holds only valid values.
        noisy: bool,
    }

    impl BodyGen {
        fn chance(&mut self, percent: u32) -> bool {
            use rand::Rng;
            self.rng.gen_range(0..100) < percent
        }

        /// A broken or unusual choice, only in a noisy body.
        fn odd(&mut self, percent: u32) -> bool {
            self.noisy && self.chance(percent)
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            use rand::Rng;
            &items[self.rng.gen_range(0..items.len())]
        }

        /// JSON text for the field at spec path `path` ("" is the body).
        fn value(&mut self, path: &str, depth: usize) -> String {
            use rand::Rng;
            let field = self.spec.fields.iter().find(|f| f.name == path);
            let kind = field.map_or(Kind::Object, |f| f.kind);
            if depth > 0 && self.odd(3) {
                // A value of some other type.
                return self
                    .pick(&["\"x\"", "7", "2.5", "true", "{}", "[]", "null"])
                    .to_string();
            }
            match kind {
                Kind::Object => {
                    let prefix = if path.is_empty() {
                        String::new()
                    } else {
                        format!("{path}.")
                    };
                    let members: Vec<&'static FieldSpec> = self
                        .spec
                        .fields
                        .iter()
                        .filter(|f| f.location == Location::Json)
                        .filter(|f| {
                            f.name
                                .strip_prefix(&prefix)
                                .is_some_and(|rest| !rest.contains('.') && !rest.ends_with("[]"))
                        })
                        .collect();
                    let mut parts = Vec::new();
                    for f in members {
                        let key = &f.name[prefix.len()..];
                        if !f.required && self.chance(35) || f.required && self.odd(2) {
                            continue;
                        }
                        let spelled = if self.chance(25) {
                            snake_case(key)
                        } else {
                            key.to_string()
                        };
                        let v = self.value(&f.name, depth + 1);
                        parts.push(format!("{}:{v}", serde_json::to_string(&spelled).unwrap()));
                        if self.odd(2) {
                            let again = if self.chance(50) {
                                snake_case(key)
                            } else {
                                key.to_string()
                            };
                            let v = self.value(&f.name, depth + 1);
                            parts.push(format!("{}:{v}", serde_json::to_string(&again).unwrap()));
                        }
                    }
                    if self.chance(10) {
                        parts.push(r#""undocumented":{"deep":[1,"x",null]}"#.to_string());
                    }
                    if self.odd(1) {
                        // Deeper than serde_json's recursion limit of 128, or just within it.
                        let n = *self.pick(&[90, 126, 140]);
                        parts.push(format!(r#""nested":{}1{}"#, "[".repeat(n), "]".repeat(n)));
                    }
                    if parts.len() > 1 && self.chance(50) {
                        let i = self.rng.gen_range(0..parts.len());
                        let j = self.rng.gen_range(0..parts.len());
                        parts.swap(i, j);
                    }
                    format!("{{{}}}", parts.join(","))
                }
                Kind::Array => {
                    let n = if depth > 6 {
                        0
                    } else {
                        self.rng.gen_range(0..4)
                    };
                    let items: Vec<String> = (0..n)
                        .map(|_| self.value(&format!("{path}[]"), depth + 1))
                        .collect();
                    format!("[{}]", items.join(","))
                }
                Kind::String => {
                    let f = field.expect("string fields are spec fields");
                    if !f.allowed.is_empty() {
                        if !self.odd(10) {
                            return self.pick(&f.allowed).to_string();
                        }
                        return "\"bogus\"".into();
                    }
                    if f.pattern.is_some() {
                        if self.odd(20) {
                            return self.pick(&["\"ftp://c\"", "\"\""]).to_string();
                        }
                        return self
                            .pick(&["\"https://a.example/x\"", "\"http://b\""])
                            .to_string();
                    }
                    if path == "target_id" && self.chance(30) {
                        return self.pick(&["7043693679567028244", "-3", "1.0"]).to_string();
                    }
                    if f.min_chars.is_some() && self.odd(20) {
                        return "\"\"".into();
                    }
                    if self.odd(3) {
                        // A lone surrogate: not JSON text to either parser.
                        return "\"\\ud800\"".into();
                    }
                    self.pick(&[
                        "\"粗体\"",
                        "\"plain\"",
                        "\"esc\\\"aped\\n\"",
                        "\"ou_3bbe8a09c20e89cce9bff989ed840674\"",
                    ])
                    .to_string()
                }
                Kind::Int | Kind::Number => {
                    let f = field.expect("number fields are spec fields");
                    if !f.allowed.is_empty() && !self.odd(15) {
                        return self.pick(&f.allowed).to_string();
                    }
                    if self.odd(30) {
                        return self
                            .pick(&[
                                "17",
                                "-1",
                                "256",
                                "0.5",
                                "100000000000",
                                "12345678901234567890",
                            ])
                            .to_string();
                    }
                    let n = self.pick(&[
                        "0",
                        "1",
                        "16",
                        "2.0",
                        "1e1",
                        "-0",
                        "33.335",
                        "99999999999",
                        "0.30000000000000004",
                        "2.2250738585072011e-308",
                        "1.5e-7",
                    ]);
                    match (f.min, f.max, n.parse::<f64>()) {
                        (Some(min), _, Ok(v)) if v < min => min.to_string(),
                        (_, Some(max), Ok(v)) if v > max => max.to_string(),
                        _ => n.to_string(),
                    }
                }
                Kind::Bool => self.pick(&["true", "false"]).to_string(),
                other => panic!("no JSON field of kind {other:?}"),
            }
        }
    }

    /// The spec-driven checker this validator replaced (a `serde_json::Value` tree walked once
    /// per spec path), kept as a reference while the code moves.
    mod reference {
        use crate::contract::error::ApiError;
        use crate::contract::spec::{EndpointSpec, Kind, Location};
        use serde_json::{json, Map, Value};

        /// The snake_case spelling of a camelCase key (`textRun` → `text_run`), the form the Python SDK
        /// sends (FEISHU_FACTS §5).
        fn snake_case(key: &str) -> String {
            let mut out = String::with_capacity(key.len() + 4);
            for c in key.chars() {
                if c.is_ascii_uppercase() {
                    out.push('_');
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.push(c);
                }
            }
            out
        }

        /// Member `key` of `obj` in its camelCase spelling, else its snake_case one; JSON `null` counts
        /// as absent.
        fn member<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
            let found = obj.get(key).filter(|v| !v.is_null());
            if found.is_some() || !key.bytes().any(|b| b.is_ascii_uppercase()) {
                // A key without capitals is its own snake_case spelling.
                return found;
            }
            // The snake_case spelling on the stack: this runs for every absent member of every body.
            let mut buf = [0u8; 64];
            let mut len = 0;
            for b in key.bytes() {
                let (under, c) = if b.is_ascii_uppercase() {
                    (true, b.to_ascii_lowercase())
                } else {
                    (false, b)
                };
                if len + 2 > buf.len() {
                    return obj.get(&snake_case(key)).filter(|v| !v.is_null());
                }
                if under {
                    buf[len] = b'_';
                    len += 1;
                }
                buf[len] = c;
                len += 1;
            }
            let snake = std::str::from_utf8(&buf[..len]).ok()?;
            obj.get(snake).filter(|v| !v.is_null())
        }

        /// Every place a spec path reaches in `root`, as (concrete path, value or `None` when absent).
        ///
        /// `path` is a field name of the specs: dotted members, `name[]` for the elements of an array
        /// (`content.blocks[].paragraph.style.list.indentLevel`). A member is reported absent only when
        /// its parent object exists; an absent or ill-typed parent reports nothing (the parent's own
        /// field answers for it, being checked first). Members are found under their camelCase or
        /// snake_case key.
        pub fn json_values_at<'a>(root: &'a Value, path: &str) -> Vec<(String, Option<&'a Value>)> {
            let segments: Vec<&str> = path.split('.').collect();
            let mut out = Vec::new();
            let _ =
                visit_values_at::<()>(root, &segments, &mut Vec::new(), &mut |indices, value| {
                    out.push((concrete_path(&segments, indices), value));
                    Ok(())
                });
            out
        }

        /// The concrete path of a place [`visit_values_at`] reached: `segments` with each `[]` filled
        /// by its index (`content.blocks[2].paragraph.elements[0].textRun`).
        fn concrete_path(segments: &[&str], indices: &[usize]) -> String {
            let mut at = String::new();
            let mut indices = indices.iter();
            for seg in segments {
                if !at.is_empty() {
                    at.push('.');
                }
                match seg.strip_suffix("[]") {
                    Some(key) => {
                        at.push_str(key);
                        if let Some(i) = indices.next() {
                            at.push('[');
                            at.push_str(&i.to_string());
                            at.push(']');
                        }
                    }
                    None => at.push_str(seg),
                }
            }
            at
        }

        /// Calls `f` with (array indices on the way, value or `None` when absent) for every place the
        /// spec path `segments` reaches in `value`, in document order, as [`json_values_at`] describes;
        /// stops at the first `Err`. Allocates nothing per member: the concrete path is built by
        /// [`concrete_path`] only when a caller needs it.
        fn visit_values_at<'a, E>(
            value: &'a Value,
            segments: &[&str],
            indices: &mut Vec<usize>,
            f: &mut impl FnMut(&[usize], Option<&'a Value>) -> Result<(), E>,
        ) -> Result<(), E> {
            let Some((seg, rest)) = segments.split_first() else {
                return Ok(());
            };
            let Value::Object(obj) = value else {
                return Ok(());
            };
            let (key, each) = match seg.strip_suffix("[]") {
                Some(k) => (k, true),
                None => (*seg, false),
            };
            let child = member(obj, key);
            if !each {
                if rest.is_empty() {
                    return f(indices, child);
                } else if let Some(c) = child {
                    return visit_values_at(c, rest, indices, f);
                }
                return Ok(());
            }
            let Some(Value::Array(items)) = child else {
                return Ok(());
            };
            for (i, item) in items.iter().enumerate() {
                indices.push(i);
                let r = if rest.is_empty() {
                    f(indices, Some(item))
                } else {
                    visit_values_at(item, rest, indices, f)
                };
                indices.pop();
                r?;
            }
            Ok(())
        }

        /// Checks every `in: json` field of `spec` against `body`, in spec order; the first broken rule
        /// answers, with the concrete path (e.g. `content.blocks[2].paragraph.style.list.indentLevel`)
        /// in `field_violations`.
        fn check_json_fields(spec: &EndpointSpec, body: &Value) -> Result<(), ApiError> {
            let empty = Value::Object(Map::new());
            let root = if body.is_object() { body } else { &empty };
            let mut places = Places::new(root);
            for field in spec.fields.iter().filter(|f| f.location == Location::Json) {
                places.visit(&field.name, &mut |at, value| {
                    field
                        .validate_json(value, spec.param_error)
                        .map_err(|mut v| {
                            v.field = at();
                            v
                        })
                })?;
            }
            Ok(())
        }

        /// Values present at one spec path, in document order, with the array indices on the way.
        type Present<'a> = std::rc::Rc<Vec<(Vec<usize>, &'a Value)>>;

        /// The values one body holds at each spec path, found once per path prefix and shared by every
        /// field below it (`content.blocks[].paragraph.elements[]` is walked once, not once for each of
        /// the 30-odd fields under it). Visits the same places in the same order as
        /// [`json_values_at`].
        struct Places<'a> {
            root: &'a Value,
            /// Spec path prefix → the values present there, in document order, with the array indices
            /// on the way.
            present: std::collections::HashMap<String, Present<'a>>,
        }

        impl<'a> Places<'a> {
            fn new(root: &'a Value) -> Places<'a> {
                Places {
                    root,
                    present: std::collections::HashMap::new(),
                }
            }

            /// The values present at spec path `path` ("" is the root).
            fn present(&mut self, path: &str) -> Present<'a> {
                if path.is_empty() {
                    return std::rc::Rc::new(vec![(Vec::new(), self.root)]);
                }
                if let Some(found) = self.present.get(path) {
                    return found.clone();
                }
                let (parent, seg) = path.rsplit_once('.').unwrap_or(("", path));
                let parents = self.present(parent);
                let mut here = Vec::new();
                let _ = step::<()>(&parents, seg, &mut |indices, value| {
                    if let Some(v) = value {
                        here.push((indices.to_vec(), v));
                    }
                    Ok(())
                });
                let here = std::rc::Rc::new(here);
                self.present.insert(path.to_string(), here.clone());
                here
            }

            /// Calls `f` with (the concrete path, made on demand; value or `None` when absent) for every
            /// place spec path `path` reaches, as [`json_values_at`] describes; stops at the first `Err`.
            fn visit<E>(
                &mut self,
                path: &str,
                f: &mut impl FnMut(&dyn Fn() -> String, Option<&'a Value>) -> Result<(), E>,
            ) -> Result<(), E> {
                let (parent, seg) = path.rsplit_once('.').unwrap_or(("", path));
                let parents = self.present(parent);
                step(&parents, seg, &mut |indices, value| {
                    let at = || {
                        let segments: Vec<&str> = path.split('.').collect();
                        concrete_path(&segments, indices)
                    };
                    f(&at, value)
                })
            }
        }

        /// One path segment (`key` or `key[]`) from each of `parents`: a member is reported (possibly
        /// absent) only under an object parent; `key[]` reports the elements of an array member.
        fn step<'a, E>(
            parents: &[(Vec<usize>, &'a Value)],
            seg: &str,
            f: &mut impl FnMut(&[usize], Option<&'a Value>) -> Result<(), E>,
        ) -> Result<(), E> {
            let (key, each) = match seg.strip_suffix("[]") {
                Some(k) => (k, true),
                None => (seg, false),
            };
            let mut indices = Vec::new();
            for (at, value) in parents {
                let Value::Object(obj) = value else {
                    continue;
                };
                let child = member(obj, key);
                if !each {
                    f(at, child)?;
                    continue;
                }
                let Some(Value::Array(items)) = child else {
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    indices.clear();
                    indices.extend_from_slice(at);
                    indices.push(i);
                    f(&indices, Some(item))?;
                }
            }
            Ok(())
        }

        /// The camelCase answer form of `value` found at spec path `path`: only members the spec
        /// documents, object keys in alphabetical order (as in seed 001's response example), whole
        /// numbers of `number` fields without a fraction, `progress_rate.percent` rounded to 2 decimals.
        fn answer_form(spec: &EndpointSpec, value: &Value, path: &str) -> Value {
            answer_form_in(&AnswerShape::of(spec), value, path)
        }

        /// What [`answer_form`] needs of a spec, derived once per endpoint rather than by scanning every
        /// field at every node: the documented member names under each path, sorted, and the type of
        /// each field.
        #[derive(Debug, Default)]
        struct AnswerShape {
            /// Spec path of an object → the names of its documented members (no `[]`), sorted.
            members: std::collections::HashMap<String, Vec<String>>,
            /// Spec path → the field's type.
            kinds: std::collections::HashMap<String, Kind>,
        }

        impl AnswerShape {
            fn of(spec: &EndpointSpec) -> std::sync::Arc<AnswerShape> {
                use std::sync::{Arc, Mutex, OnceLock};
                static SHAPES: OnceLock<
                    Mutex<std::collections::HashMap<String, Arc<AnswerShape>>>,
                > = OnceLock::new();
                let shapes = SHAPES.get_or_init(Default::default);
                let mut shapes = shapes.lock().unwrap_or_else(|p| p.into_inner());
                shapes
                    .entry(spec.name.clone())
                    .or_insert_with(|| {
                        let mut shape = AnswerShape::default();
                        for f in spec.fields.iter().filter(|f| f.location == Location::Json) {
                            shape.kinds.entry(f.name.clone()).or_insert(f.kind);
                            if let Some((parent, key)) = f.name.rsplit_once('.') {
                                if !key.contains('[') {
                                    shape
                                        .members
                                        .entry(parent.to_string())
                                        .or_default()
                                        .push(key.to_string());
                                }
                            }
                        }
                        for keys in shape.members.values_mut() {
                            keys.sort_unstable();
                            keys.dedup();
                        }
                        Arc::new(shape)
                    })
                    .clone()
            }
        }

        fn answer_form_in(shape: &AnswerShape, value: &Value, path: &str) -> Value {
            match value {
                Value::Object(obj) => {
                    let mut out = Map::new();
                    for key in shape.members.get(path).into_iter().flatten() {
                        if let Some(child) = member(obj, key) {
                            let mut child_path = String::with_capacity(path.len() + 1 + key.len());
                            child_path.push_str(path);
                            child_path.push('.');
                            child_path.push_str(key);
                            out.insert(key.clone(), answer_form_in(shape, child, &child_path));
                        }
                    }
                    Value::Object(out)
                }
                Value::Array(items) => {
                    let item_path = format!("{path}[]");
                    Value::Array(
                        items
                            .iter()
                            .map(|i| answer_form_in(shape, i, &item_path))
                            .collect(),
                    )
                }
                Value::Number(n) => answered_number(n, shape.kinds.get(path).copied(), path),
                other => other.clone(),
            }
        }

        /// The one field answered rounded to 2 decimals (保留两位小数; the rounding is assumed).
        const ROUNDED_TO_2_DECIMALS: &str = "progress_rate.percent";

        /// Number `n` found at spec path `path` (a field of type `kind`) as answered, for both the
        /// spec-driven checker and the one-pass reader: [`ROUNDED_TO_2_DECIMALS`] rounded to 2
        /// decimals, a whole value of an `int` or `number` field written without a fraction (below
        /// 9e15, where an f64 still holds every integer), anything else as a float.
        fn answered_number(n: &serde_json::Number, kind: Option<Kind>, path: &str) -> Value {
            let f = n.as_f64().unwrap_or_default();
            let f = if path == ROUNDED_TO_2_DECIMALS {
                (f * 100.0).round() / 100.0
            } else {
                f
            };
            match kind {
                Some(Kind::Int | Kind::Number) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    json!(f as i64)
                }
                _ => json!(f),
            }
        }

        /// Replaces a JSON integer `target_id` by its decimal text: the Python SDK types it as int
        /// (assumed). The one-pass reader does the same in its walk.
        fn target_id_as_text(body: &mut Value) {
            if let Some(obj) = body.as_object_mut() {
                if let Some(Value::Number(n)) = obj.get("target_id") {
                    if let Some(id) = n.as_u64() {
                        obj.insert("target_id".into(), Value::String(id.to_string()));
                    }
                }
            }
        }

        /// Verdict and answer of the reference for `bytes`: `Ok((content, progress_rate))`,
        /// or the error (`None` when not JSON).
        pub fn answer(
            spec: &EndpointSpec,
            bytes: &[u8],
        ) -> Result<(String, Option<Value>), Option<ApiError>> {
            let mut body: Value = serde_json::from_slice(bytes).map_err(|_| None)?;
            target_id_as_text(&mut body);
            check_json_fields(spec, &body).map_err(Some)?;
            let content = body
                .get("content")
                .map(|c| answer_form(spec, c, "content"))
                .unwrap_or_else(|| json!({}));
            let rate = body
                .get("progress_rate")
                .filter(|v| v.is_object())
                .map(|r| answer_form(spec, r, "progress_rate"));
            Ok((content.to_string(), rate))
        }
    }

    #[test]
    fn the_one_validator_answers_every_body_as_the_spec_checker_did() {
        use rand::SeedableRng;
        let spec = Catalogue::get().endpoint("okr.progress_record.create");
        let body = JsonBody::of(spec);
        let mut gen = BodyGen {
            rng: rand::rngs::SmallRng::seed_from_u64(1),
            spec,
            noisy: false,
        };
        let (mut accepted, mut refused) = (0, 0);
        for i in 0..4000 {
            gen.noisy = i % 2 == 1;
            let text = gen.value("", 0);
            let got = body.read(text.as_bytes());
            let want = reference::answer(spec, text.as_bytes());
            match (got, want) {
                (Ok(mut r), Ok((content, rate))) => {
                    accepted += 1;
                    assert_eq!(
                        r.take_answer("content").unwrap_or_else(|| "{}".into()),
                        content,
                        "content of body {i}: {text}"
                    );
                    let got_rate: Option<Value> = r
                        .answer("progress_rate")
                        .map(|t| serde_json::from_str(t).unwrap());
                    assert_eq!(got_rate, rate, "body {i}: {text}");
                }
                (Err(Refusal::NotJson), Err(None)) => refused += 1,
                (Err(Refusal::Rule(v)), Err(Some(e))) => {
                    refused += 1;
                    // sonic-rs reads `-0` as 0.0: a refusal shows it without its sign.
                    assert_eq!(
                        format!("{:?}", ApiError::from(v)),
                        format!("{e:?}").replace("\"-0.0\"", "\"0.0\""),
                        "body {i}: {text}"
                    );
                }
                (got, want) => panic!("body {i}: {text}\n got {got:?}\n want {want:?}"),
            }
        }
        assert!(
            accepted > 1000 && refused > 1000,
            "{accepted} accepted, {refused} refused"
        );
    }
    #[test]
    fn snake_case_of_rich_text_keys_is_what_the_python_sdk_sends() {
        assert_eq!(snake_case("textRun"), "text_run");
        assert_eq!(snake_case("indentLevel"), "indent_level");
        assert_eq!(snake_case("openId"), "open_id");
        assert_eq!(snake_case("type"), "type");
    }

    #[test]
    fn paths_reach_every_array_element_and_report_absent_members_of_present_parents() {
        let body = json!({"content": {"blocks": [
            {"paragraph": {"style": {"list": {"indent_level": 3}}}},
            {"paragraph": {"style": {"list": {}}}},
            {"gallery": {}}
        ]}});
        let got =
            reference::json_values_at(&body, "content.blocks[].paragraph.style.list.indentLevel");
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].0,
            "content.blocks[0].paragraph.style.list.indentLevel"
        );
        assert_eq!(got[0].1, Some(&json!(3)));
        assert_eq!(got[1].1, None);
    }
}
