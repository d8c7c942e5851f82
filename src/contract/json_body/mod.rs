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

mod stream;

/// Deepest nesting of objects and arrays a body may have, in levels (assumed: serde_json's
/// limit, one bracket short of 128; Feishu's gateway documents none). Deeper is not JSON to it.
pub const MAX_NESTING: usize = 127;

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
    /// Whether the field may be absent: no `missing` rule, and its default (if any) keeps every
    /// rule. Decided once at compile time, since it depends on the field alone.
    absent_ok: bool,
    /// Whether the field's only rule is its kind (no chars, pattern, range, count or enum): a
    /// value of the right kind then passes without the rule machinery.
    kind_only: bool,
}

/// A documented member of an object node.
#[derive(Debug)]
struct Member {
    /// camelCase key, as answered (`textRun`).
    key: &'static str,
    /// snake_case key, also accepted (`text_run`), when it differs from `key` (a key with
    /// capitals).
    snake: Option<Box<str>>,
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
            absent_ok: true,
            kind_only: true,
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
                absent_ok: field.validate_json(None, spec.param_error).is_ok(),
                kind_only: kind_only(field),
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
                let snake = snake_case(last);
                nodes[parent_node].members.push(Member {
                    key: last,
                    snake: (snake != last).then(|| snake.into_boxed_str()),
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
        // The usual body is read by the fast reader, which follows no more than a few dozen
        // levels (and so needs no look at the stack); every other body by the document reader.
        match stream::read(self, body) {
            Some(reading) => Ok(reading),
            None => self.read_document(body),
        }
    }

    /// Reads `body` as a document (every body, the fast reader's rare cases included), on a
    /// stack of its own when the caller's is short of what its nesting may need.
    fn read_document(&self, body: &[u8]) -> Result<Reading, Refusal> {
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
const FEW_MEMBERS: usize = 16;

/// The value of each documented member of an object, in the order of its node's members: in a
/// fixed array for up to [`FEW_MEMBERS`], else in a `Vec`.
struct Slots<'v> {
    few: [Option<&'v sonic_rs::Value>; FEW_MEMBERS],
    many: Vec<Option<&'v sonic_rs::Value>>,
}

impl<'v> Slots<'v> {
    fn new(len: usize) -> Slots<'v> {
        Slots {
            few: [None; FEW_MEMBERS],
            many: if len > FEW_MEMBERS {
                vec![None; len]
            } else {
                Vec::new()
            },
        }
    }

    fn set(&mut self, i: usize, value: Option<&'v sonic_rs::Value>) {
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
        place(&self.path)
    }
}

/// The concrete place `path` names, e.g. `content.blocks[2].paragraph.style.list.indentLevel`.
fn place(path: &[Step]) -> String {
    {
        let mut at = String::new();
        for step in path {
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

/// Whether `field`'s only rule is its kind: no chars, pattern, range, count or enum.
fn kind_only(field: &FieldSpec) -> bool {
    field.min_chars.is_none()
        && field.max_chars.is_none()
        && field.pattern.is_none()
        && field.min.is_none()
        && field.max.is_none()
        && field.max_count.is_none()
        && field.allowed.is_empty()
}

/// Whether `view` is a value of `kind` that needs no further look: an `int` still needs its
/// value checked for a fraction, so it never does.
fn kind_matches(kind: Kind, view: JsonView<'_>) -> bool {
    matches!(
        (kind, view),
        (Kind::String, JsonView::Str(_))
            | (Kind::Number, JsonView::Number(_))
            | (Kind::Bool, JsonView::Bool(_))
            | (Kind::Object, JsonView::Object)
            | (Kind::Array, JsonView::Array(_))
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Catalogue;
    use serde_json::{json, Value};

    fn validator() -> Arc<JsonBody> {
        JsonBody::of(Catalogue::get().endpoint("okr.progress_record.create"))
    }

    /// Seed 001's smallest valid body, with `edit` applied.
    fn body(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut b = json!({
            "source_title": "周报系统",
            "source_url": "https://www.zhoubao.com",
            "target_id": "7039328796851748883",
            "target_type": 2,
            "content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
                {"type": "textRun", "textRun": {"text": "周报内容"}}
            ]}}]}
        });
        edit(&mut b);
        serde_json::to_vec(&b).unwrap()
    }

    fn broken(bytes: &[u8]) -> Violation {
        match validator().read(bytes) {
            Err(Refusal::Rule(v)) => v,
            other => panic!("expected a broken rule, got {other:?}"),
        }
    }

    #[test]
    fn every_embedded_spec_with_json_fields_compiles_into_a_tree() {
        for spec in Catalogue::get().endpoints.iter() {
            JsonBody::compile(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        }
    }

    #[test]
    fn a_valid_body_is_answered_in_camel_case_with_sorted_keys_and_documented_members_only() {
        let bytes = body(|b| {
            b["content"]["blocks"][0]["paragraph"]["elements"][0] = json!(
                {"type": "textRun", "text_run": {"text": "x", "style": {"bold": true}}, "extra": 1}
            );
            b["progress_rate"] = json!({"status": 1, "percent": 33.335});
        });
        let mut r = validator().read(&bytes).expect("valid");
        assert_eq!(
            r.take_answer("content").unwrap(),
            r#"{"blocks":[{"paragraph":{"elements":[{"textRun":{"style":{"bold":true},"text":"x"},"type":"textRun"}]},"type":"paragraph"}]}"#
        );
        assert_eq!(
            r.answer("progress_rate"),
            Some(r#"{"percent":33.34,"status":1}"#)
        );
        assert_eq!(r.text("target_id"), Some("7039328796851748883"));
        assert_eq!(r.int("target_type"), Some(2));
    }

    #[test]
    fn the_first_broken_rule_in_spec_order_answers_whatever_the_document_order() {
        // source_url (spec field 2) comes after content in the document, and content's
        // indentLevel (a later spec field) is broken too: source_url answers.
        let bytes = br#"{"content":{"blocks":[{"type":"paragraph","paragraph":{"style":{"list":{"type":"number","indentLevel":99}},"elements":[]}}]},"source_title":"t","target_id":"1","target_type":2,"source_url":"ftp://x"}"#;
        let v = broken(bytes);
        assert_eq!(
            (v.field.as_str(), v.value.as_str()),
            ("source_url", "ftp://x")
        );
        // With source_url fixed, the nested rule answers with its concrete place.
        let fixed = String::from_utf8_lossy(bytes).replace("ftp://x", "http://x");
        let v = broken(fixed.as_bytes());
        assert_eq!(
            v.field,
            "content.blocks[0].paragraph.style.list.indentLevel"
        );
    }

    #[test]
    fn among_the_places_of_one_field_the_first_in_document_order_answers() {
        let bytes = body(|b| {
            b["content"]["blocks"] = json!([
                {"type": "paragraph", "paragraph": {"elements": [{"type": "textRun"}, {"type": "bogus1"}]}},
                {"type": "paragraph", "paragraph": {"elements": [{"type": "bogus2"}]}}
            ]);
        });
        let v = broken(&bytes);
        assert_eq!(v.field, "content.blocks[0].paragraph.elements[1].type");
        assert_eq!(v.value, "bogus1");
    }

    #[test]
    fn a_key_given_twice_counts_with_its_last_value_and_camel_case_wins_over_snake_case() {
        let twice = br#"{"source_title":"t","source_url":"ftp://x","source_url":"http://ok","target_id":"1","target_type":2,"content":{}}"#;
        assert!(validator().read(twice).is_ok());
        let last_broken = br#"{"source_title":"t","source_url":"http://ok","source_url":"ftp://x","target_id":"1","target_type":2,"content":{}}"#;
        assert_eq!(broken(last_broken).field, "source_url");
        let both = body(|b| {
            b["content"]["blocks"][0]["paragraph"]["elements"][0]["text_run"] = json!({"text": 5});
        });
        assert!(
            validator().read(&both).is_ok(),
            "textRun is read, text_run ignored"
        );
        let camel_null = body(|b| {
            let element = &mut b["content"]["blocks"][0]["paragraph"]["elements"][0];
            element["textRun"] = Value::Null;
            element["text_run"] = json!({"text": 5});
        });
        assert_eq!(
            broken(&camel_null).field,
            "content.blocks[0].paragraph.elements[0].textRun.text",
            "a null textRun is absent, so text_run is read"
        );
    }

    #[test]
    fn null_is_absent_for_members_and_array_items_alike() {
        let null_required = body(|b| b["source_title"] = Value::Null);
        let v = broken(&null_required);
        assert_eq!(
            (v.field.as_str(), v.description.as_str()),
            ("source_title", "required")
        );
        let null_item = body(|b| b["content"]["blocks"] = json!([null]));
        let mut r = validator()
            .read(&null_item)
            .expect("an optional item may be null");
        assert_eq!(r.take_answer("content").unwrap(), r#"{"blocks":[null]}"#);
    }

    #[test]
    fn a_null_optional_member_is_left_out_of_the_answer_wherever_it_sorts() {
        let nulls = body(|b| {
            let element = &mut b["content"]["blocks"][0]["paragraph"]["elements"][0];
            // docsLink sorts first among the element's members, style last in textRun's.
            element["docsLink"] = Value::Null;
            element["textRun"]["style"] = Value::Null;
        });
        let mut r = validator()
            .read(&nulls)
            .expect("optional members may be null");
        assert_eq!(
            r.take_answer("content").unwrap(),
            r#"{"blocks":[{"paragraph":{"elements":[{"textRun":{"text":"周报内容"},"type":"textRun"}]},"type":"paragraph"}]}"#
        );
    }

    #[test]
    fn an_integer_target_id_is_read_as_its_decimal_text_and_a_negative_one_is_refused() {
        let int_id = body(|b| b["target_id"] = json!(7039328796851748883u64));
        let r = validator().read(&int_id).expect("valid");
        assert_eq!(r.text("target_id"), Some("7039328796851748883"));
        let v = broken(&body(|b| b["target_id"] = json!(-1)));
        assert_eq!((v.field.as_str(), v.value.as_str()), ("target_id", "-1"));
    }

    #[test]
    fn a_refused_container_is_shown_as_serde_json_writes_it() {
        let v = broken(&body(|b| b["content"]["blocks"] = json!({"a": [1, 2.5]})));
        assert_eq!(
            (v.field.as_str(), v.value.as_str()),
            ("content.blocks", r#"{"a":[1,2.5]}"#)
        );
    }

    /// `levels` nested arrays under an undocumented member of a valid body.
    fn nested(levels: usize) -> Vec<u8> {
        let deep = format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        let valid = String::from_utf8(body(|_| {})).unwrap();
        format!("{{\"deep\":{deep},{}", &valid[1..]).into_bytes()
    }

    #[test]
    fn nesting_up_to_127_levels_is_json_and_128_is_not_as_serde_json_reads_it() {
        // The body object is one level, so 126 arrays make 127.
        let at_limit = nested(MAX_NESTING - 1);
        assert!(serde_json::from_slice::<Value>(&at_limit).is_ok());
        assert!(
            validator().read(&at_limit).is_ok(),
            "127 levels read (on a grown stack)"
        );
        let over = nested(MAX_NESTING);
        assert!(serde_json::from_slice::<Value>(&over).is_err());
        assert_eq!(validator().read(&over).unwrap_err(), Refusal::NotJson);
    }

    #[test]
    fn slots_hold_an_object_of_more_than_16_members_as_well_as_a_small_one() {
        let v: sonic_rs::Value = sonic_rs::from_str("[1,2]").expect("json");
        let items = v.as_array().expect("array");
        for len in [FEW_MEMBERS, FEW_MEMBERS + 4] {
            let mut slots = Slots::new(len);
            assert!(
                (0..len).all(|i| slots[i].is_none()),
                "{len}: empty at first"
            );
            slots.set(len - 1, items.get(1));
            slots.set(0, items.first());
            assert_eq!(slots[0].and_then(|v| v.as_u64()), Some(1), "{len}");
            assert_eq!(slots[len - 1].and_then(|v| v.as_u64()), Some(2), "{len}");
            assert!(
                (1..len - 1).all(|i| slots[i].is_none()),
                "{len}: the rest untouched"
            );
        }
    }

    #[test]
    fn the_deepest_body_is_read_on_a_thread_with_little_stack_left() {
        // 64 KiB is less than 127 levels need in any build (release: 128–256 KiB measured):
        // the read must move to a stack of its own instead of overflowing this one.
        let read = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                (
                    validator().read(&nested(MAX_NESTING - 1)).is_ok(),
                    validator().read(&nested(MAX_NESTING)).unwrap_err(),
                )
            })
            .expect("thread")
            .join()
            .expect("no overflow");
        assert_eq!(read, (true, Refusal::NotJson));
    }

    #[test]
    fn a_body_that_is_not_json_is_refused_as_such_and_a_non_object_reads_as_empty() {
        assert_eq!(validator().read(b"{").unwrap_err(), Refusal::NotJson);
        assert_eq!(
            validator().read(b"\"\\ud800\"").unwrap_err(),
            Refusal::NotJson
        );
        let v = broken(b"[1]");
        assert_eq!(
            (v.field.as_str(), v.description.as_str()),
            ("source_title", "required")
        );
    }

    #[test]
    fn strings_of_fields_with_an_exists_rule_are_collected_with_their_places() {
        let bytes = body(|b| {
            b["content"]["blocks"][0]["paragraph"]["elements"] = json!([
                {"type": "person", "person": {"openId": "ou_a"}},
                {"type": "person", "person": {"open_id": "ou_b"}}
            ]);
        });
        let r = validator().read(&bytes).expect("valid");
        let path = "content.blocks[].paragraph.elements[].person.openId";
        let got: Vec<(&str, &str)> = r.strings_at(path).collect();
        assert_eq!(
            got,
            vec![
                (
                    "content.blocks[0].paragraph.elements[0].person.openId",
                    "ou_a"
                ),
                (
                    "content.blocks[0].paragraph.elements[1].person.openId",
                    "ou_b"
                ),
            ]
        );
    }

    /// The fast reader either gives up or reads exactly what the document reader reads.
    fn same_reading(bytes: &[u8]) -> bool {
        let v = validator();
        // The handler looks top-level members up by key, and collected strings by spec path:
        // only the order of the strings of one path is part of a reading.
        let sorted = |mut r: Reading| {
            r.top.sort_by_key(|(k, _)| *k);
            r.collected.sort_by_key(|(path, _, _)| *path);
            r
        };
        let fast = stream::read(&v, bytes).map(sorted);
        let document = v.read_document(bytes).map(sorted);
        match (&fast, &document) {
            (None, _) => false,
            (Some(f), Ok(d)) => {
                assert_eq!(
                    format!("{f:?}"),
                    format!("{d:?}"),
                    "{}",
                    String::from_utf8_lossy(bytes)
                );
                true
            }
            (Some(f), Err(e)) => panic!(
                "fast reader accepted what the document reader refuses ({e:?}): {f:?} for {}",
                String::from_utf8_lossy(bytes)
            ),
        }
    }

    #[test]
    fn the_fast_reader_reads_the_usual_body_exactly_as_the_document_reader_does() {
        let fixture = include_bytes!("../../../bench/fixtures/progress_record.json");
        assert!(same_reading(fixture), "the benchmark body is read fast");
        let usual = [
            body(|_| {}),
            body(|b| b["target_id"] = json!(7039328796851748883u64)),
            body(|b| b["progress_rate"] = json!({"status": 1, "percent": 33.335})),
            body(|b| b["progress_rate"] = json!({"status": 2.0, "percent": 1e2})),
            body(|b| b["progress_rate"] = json!({"percent": -0.5})),
            body(|b| b["source_title"] = json!("quote \" backslash \\ tab \t é 😀 \u{7f}")),
            body(|b| b["extra"] = json!({"deep": [[[1, "x", null, true]]], "n": null})),
            body(|b| {
                b["content"]["blocks"][0]["paragraph"]["elements"] = json!([
                    {"type": "person", "person": {"open_id": "ou_b"}},
                    {"type": "textRun", "text_run": {"text": "t", "style": {"back_color":
                        {"red": 1, "green": 2, "blue": 3, "alpha": 0.5}}}},
                    {"type": "docsLink", "docsLink": {"url": "https://x", "title": "t"}}
                ]);
                let gallery = json!({"type": "gallery", "gallery":
                    {"image_list": [{"fileToken": "f", "src": "s", "width": 1.5, "height": 2}]}});
                b["content"]["blocks"]
                    .as_array_mut()
                    .map(|a| a.push(gallery));
            }),
        ];
        for bytes in &usual {
            assert!(same_reading(bytes), "{}", String::from_utf8_lossy(bytes));
        }
        // Escaped text, written back as serde_json writes it.
        let escaped = br#"{"source_title":"a\u00e9\n\"","source_url":"http:\/\/x","target_id":"1","target_type":2,"content":{"blocks":[]}}"#;
        assert!(same_reading(escaped));
    }

    #[test]
    fn the_fast_reader_leaves_every_rare_body_to_the_document_reader() {
        let rare: Vec<Vec<u8>> = vec![
            // A broken rule, a missing member, a null member, a null item.
            body(|b| b["source_url"] = json!("ftp://x")),
            body(|b| {
                b.as_object_mut().map(|m| m.remove("content"));
            }),
            body(|b| b["source_url_pc"] = Value::Null),
            body(|b| b["content"]["blocks"] = json!([null])),
            // A key twice, camelCase beside snake_case.
            br#"{"source_title":"t","source_url":"ftp://x","source_url":"http://ok","target_id":"1","target_type":2,"content":{}}"#.to_vec(),
            body(|b| b["content"]["blocks"][0]["paragraph"]["elements"][0]["text_run"] = json!({"text": 5})),
            // Not JSON, not UTF-8, a lone surrogate in an undocumented member, -0, too deep.
            b"{".to_vec(),
            b"{\"source_title\":\"\xff\"}".to_vec(),
            br#"{"extra":"\ud800","source_title":"t","source_url":"http://x","target_id":"1","target_type":2,"content":{}}"#.to_vec(),
            br#"{"source_title":"t","source_url":"http://x","target_id":-0,"target_type":2,"content":{}}"#.to_vec(),
            nested(MAX_NESTING),
            b"[1]".to_vec(),
        ];
        for bytes in &rare {
            assert!(!same_reading(bytes), "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn snake_case_of_rich_text_keys_is_what_the_python_sdk_sends() {
        assert_eq!(snake_case("textRun"), "text_run");
        assert_eq!(snake_case("indentLevel"), "indent_level");
        assert_eq!(snake_case("openId"), "open_id");
        assert_eq!(snake_case("type"), "type");
    }
}
