//! One pass over a progress record body (seed 001): the spec's JSON field rules checked and the
//! camelCase answer form written in a single walk, without a `serde_json::Value` tree.
//!
//! This is the fast way through `POST /open-apis/okr/v1/progress_records` for a body that breaks
//! no rule. The body is parsed by sonic-rs (a SIMD JSON parser whose arena-backed document costs
//! a fraction of a `serde_json::Value` tree), then walked along the compiled spec: each
//! documented value is checked with the same `FieldSpec` rules as the spec-driven checker
//! ([`FieldSpec::validate_view`] is [`FieldSpec::validate_json`] without the tree) and written
//! in answer form (documented members only, keys in order, whole numbers without a fraction,
//! `progress_rate.percent` rounded to 2 decimals) with serde_json's own string and number
//! formatting.
//!
//! It decides only "every rule holds". For anything else it answers `None` and the handler runs
//! the spec-driven checker of `okr.rs`, which finds the first broken rule in spec order and names
//! its place: a broken rule, a JSON `null`, a member given twice or in both spellings, a body
//! nested more than 100 deep (16 in a debug build: sonic-rs has no depth limit of its own), a spec it
//! cannot compile. The two parsers accept the same JSON otherwise (both refuse lone surrogates,
//! invalid UTF-8, control characters, trailing data, non-finite numbers; both round floats
//! correctly, serde_json with its `float_roundtrip` feature). A differential test holds the two
//! paths to the same verdict and the same answer text.

use super::okr::answered_number;
use crate::spec::{EndpointSpec, FieldSpec, JsonView, Kind, Location};
use sonic_rs::{JsonContainerTrait, JsonNumberTrait, JsonValueTrait, ValueRef};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Most documented members one object node may have (this spec's widest has 8).
const MAX_MEMBERS: usize = 16;

/// Deepest nesting the pass parses (this spec's deepest documented value is 10 levels down);
/// deeper bodies go to the checker, whose serde_json refuses 128 levels. sonic-rs parses
/// recursively without a limit of its own. Measured on a 2 MiB stack (a tokio worker's), a
/// release build overflows at some 10 000 levels (about 200 B a level), so 100 leaves a wide
/// margin; a debug build (the test suite) overflows at some 55 (about 35 KB a level), so it
/// reads at most 16.
#[cfg(not(debug_assertions))]
const MAX_DEPTH: usize = 100;
/// See the release build's `MAX_DEPTH`.
#[cfg(debug_assertions)]
const MAX_DEPTH: usize = 16;

/// The JSON fields of an endpoint spec compiled into a tree: one node per spec path.
#[derive(Debug)]
pub struct Schema {
    /// Node 0 is the body itself.
    nodes: Vec<Node>,
    /// The endpoint's parameter error code, for the rule checks (the code itself is not used:
    /// a broken rule ends the pass).
    param_error: i64,
}

/// One spec path.
#[derive(Debug)]
struct Node {
    /// The spec field at this path (`None` for the body).
    field: Option<&'static FieldSpec>,
    /// The value's kind (`Object` for the body).
    kind: Kind,
    /// The documented members of an object, sorted by their camelCase key (the order of the
    /// answer, as in seed 001's response example).
    members: Vec<Member>,
    /// The node of `path[]`, for an array.
    item: Option<usize>,
    /// What the handler needs of this value besides its answer.
    role: Role,
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

/// Values the handler checks against the world after the pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Nothing more.
    Plain,
    /// `target_id`: a JSON integer is read as its decimal text (assumed; the Python SDK types it
    /// as int).
    TargetId,
    /// `content.blocks[].paragraph.elements[].person.openId`: must be a user of the world.
    PersonOpenId,
    /// `content.blocks[].gallery.imageList[].fileToken`: must be an issued OKR image.
    GalleryFileToken,
}

/// Spec path of the person element's open_id.
pub const PERSON_OPEN_ID: &str = "content.blocks[].paragraph.elements[].person.openId";
/// Spec path of a gallery image's file token.
pub const GALLERY_FILE_TOKEN: &str = "content.blocks[].gallery.imageList[].fileToken";

impl Schema {
    /// The compiled schema of `spec`, built once per spec name. `None` when the spec's JSON
    /// fields do not form a tree this pass can follow (a parent path missing or after its child,
    /// a path given twice, more than 16 members in one object); the handler then always takes
    /// the spec-driven checker.
    pub fn of(spec: &'static EndpointSpec) -> Option<Arc<Schema>> {
        type Cache = Mutex<HashMap<String, Option<Arc<Schema>>>>;
        static SCHEMAS: OnceLock<Cache> = OnceLock::new();
        let mut cache = SCHEMAS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(&spec.name) {
            return found.clone();
        }
        let compiled = Schema::compile(spec).map(Arc::new);
        cache.insert(spec.name.clone(), compiled.clone());
        compiled
    }

    fn compile(spec: &'static EndpointSpec) -> Option<Schema> {
        let mut nodes = vec![Node {
            field: None,
            kind: Kind::Object,
            members: Vec::new(),
            item: None,
            role: Role::Plain,
        }];
        let mut at: HashMap<&str, usize> = HashMap::new();
        at.insert("", 0);
        for field in spec.fields.iter().filter(|f| f.location == Location::Json) {
            let path = field.name.as_str();
            if at.contains_key(path) {
                return None;
            }
            let (parent, last) = path.rsplit_once('.').unwrap_or(("", path));
            let role = match path {
                "target_id" => Role::TargetId,
                PERSON_OPEN_ID => Role::PersonOpenId,
                GALLERY_FILE_TOKEN => Role::GalleryFileToken,
                _ => Role::Plain,
            };
            let node = nodes.len();
            nodes.push(Node {
                field: Some(field),
                kind: field.kind,
                members: Vec::new(),
                item: None,
                role,
            });
            match last.strip_suffix("[]") {
                Some(key) => {
                    let array_path = &path[..path.len() - 2];
                    let array = *at.get(array_path)?;
                    if nodes[array].kind != Kind::Array || nodes[array].item.is_some() {
                        return None;
                    }
                    debug_assert!(array_path.ends_with(key));
                    nodes[array].item = Some(node);
                }
                None => {
                    let parent = *at.get(parent)?;
                    if nodes[parent].kind != Kind::Object
                        || nodes[parent].members.len() >= MAX_MEMBERS
                    {
                        return None;
                    }
                    nodes[parent].members.push(Member {
                        key: last,
                        snake: crate::endpoints::okr::snake_case(last),
                        node,
                    });
                }
            }
            at.insert(path, node);
        }
        for node in &mut nodes {
            node.members.sort_unstable_by(|a, b| a.key.cmp(b.key));
        }
        Some(Schema {
            nodes,
            param_error: spec.param_error,
        })
    }

    /// Reads `body` in one pass. `Some` when the body is one JSON object and every JSON field
    /// rule of the spec holds; `None` otherwise (including a JSON `null` anywhere, a member given
    /// twice or in both its camelCase and snake_case spelling, nesting deeper than `MAX_DEPTH`:
    /// 100 levels, 16 in a debug build), leaving the verdict to the spec-driven checker.
    pub fn read(&self, body: &[u8]) -> Option<Pass> {
        if !nesting_within(body, MAX_DEPTH) {
            return None;
        }
        let doc: sonic_rs::Value = sonic_rs::from_slice(body).ok()?;
        let root = doc.as_object()?;
        let slots = self.slots(0, root)?;
        let mut pass = Pass::default();
        let mut found = Found::default();
        let (mut content, mut rate, mut scratch) = (None, None, Vec::new());
        for (i, member) in self.nodes[0].members.iter().enumerate() {
            let Some(value) = slots[i] else {
                self.absent(member.node)?;
                continue;
            };
            let out = match member.key {
                "content" => content.insert(Vec::with_capacity(body.len())),
                "progress_rate" => rate.insert(Vec::new()),
                _ => {
                    scratch.clear();
                    &mut scratch
                }
            };
            self.walk(member.node, value, out, &mut found, 1)?;
            match member.key {
                "target_type" => pass.target_type = whole(value),
                "content" | "progress_rate" => {}
                _ => {
                    let text = match value.as_ref() {
                        ValueRef::String(s) => s.to_string(),
                        // target_id given as an integer (checked by the walk).
                        ValueRef::Number(n) => n.as_u64()?.to_string(),
                        _ => continue,
                    };
                    pass.texts.push((member.key, text));
                }
            }
        }
        // serde_json writes UTF-8 only.
        pass.content_json = content.map(String::from_utf8).transpose().ok()?;
        pass.progress_rate = match rate {
            Some(r) => Some(serde_json::from_slice(&r).ok()?),
            None => None,
        };
        pass.person_open_ids = found.person_open_ids;
        pass.gallery_file_tokens = found.gallery_file_tokens;
        Some(pass)
    }

    /// The value of each documented member of `obj` (object node `node`), found under either
    /// spelling; `None` for a member given twice or in both spellings.
    fn slots<'v>(
        &self,
        node: usize,
        obj: &'v sonic_rs::Object,
    ) -> Option<[Option<&'v sonic_rs::Value>; MAX_MEMBERS]> {
        let members = &self.nodes[node].members;
        let mut slots = [None; MAX_MEMBERS];
        for (key, value) in obj.iter() {
            if let Some(i) = members.iter().position(|m| m.key == key || m.snake == key) {
                if slots[i].replace(value).is_some() {
                    return None;
                }
            }
        }
        Some(slots)
    }

    /// An absent member: its field's `missing` rule (and default) must hold.
    fn absent(&self, node: usize) -> Option<()> {
        match self.nodes[node].field {
            Some(f) => f.validate_json(None, self.param_error).ok(),
            None => Some(()),
        }
    }

    /// Checks `value` against node `node` and everything documented below it, writing its
    /// answer form to `out`.
    fn walk(
        &self,
        node: usize,
        value: &sonic_rs::Value,
        out: &mut Vec<u8>,
        found: &mut Found,
        depth: usize,
    ) -> Option<()> {
        let n = &self.nodes[node];
        let check = |view: JsonView<'_>| match n.field {
            Some(f) => f.validate_view(view, self.param_error).ok(),
            None => Some(()),
        };
        match value.as_ref() {
            ValueRef::Null => None,
            ValueRef::Bool(b) => {
                check(JsonView::Bool(b))?;
                out.extend_from_slice(if b { b"true" } else { b"false" });
                Some(())
            }
            ValueRef::String(s) => {
                check(JsonView::Str(s))?;
                match n.role {
                    Role::PersonOpenId => found.person_open_ids.push(s.to_string()),
                    Role::GalleryFileToken => found.gallery_file_tokens.push(s.to_string()),
                    Role::Plain | Role::TargetId => {}
                }
                serde_json::to_writer(&mut *out, s).ok()
            }
            ValueRef::Number(num) => {
                let number = if let Some(u) = num.as_u64() {
                    serde_json::Number::from(u)
                } else if let Some(i) = num.as_i64() {
                    serde_json::Number::from(i)
                } else {
                    serde_json::Number::from_f64(num.as_f64()?)?
                };
                if n.role == Role::TargetId {
                    if let Some(id) = number.as_u64() {
                        // A JSON integer target_id is read as its decimal text (assumed).
                        let text = id.to_string();
                        check(JsonView::Str(&text))?;
                        return serde_json::to_writer(&mut *out, &text).ok();
                    }
                }
                check(JsonView::Number(&number))?;
                let path = n.field.map_or("", |f| f.name.as_str());
                let answered = answered_number(&number, Some(n.kind), path);
                serde_json::to_writer(&mut *out, &answered).ok()
            }
            ValueRef::Array(items) => {
                check(JsonView::Array(items.len()))?;
                let item = n.item.filter(|_| depth < MAX_DEPTH)?;
                out.push(b'[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.walk(item, v, out, found, depth + 1)?;
                }
                out.push(b']');
                Some(())
            }
            ValueRef::Object(obj) => {
                check(JsonView::Object)?;
                if n.kind != Kind::Object || depth >= MAX_DEPTH {
                    return None;
                }
                let slots = self.slots(node, obj)?;
                out.push(b'{');
                let mut first = true;
                for (i, m) in n.members.iter().enumerate() {
                    let Some(v) = slots[i] else {
                        self.absent(m.node)?;
                        continue;
                    };
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.push(b'"');
                    out.extend_from_slice(m.key.as_bytes());
                    out.extend_from_slice(b"\":");
                    self.walk(m.node, v, out, found, depth + 1)?;
                }
                out.push(b'}');
                Some(())
            }
        }
    }
}

/// The whole number a JSON number stands for (`2` and `2.0`), as the checker reads an `int`.
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

/// Values collected on the way for the checks against the world.
#[derive(Debug, Default)]
struct Found {
    person_open_ids: Vec<String>,
    gallery_file_tokens: Vec<String>,
}

/// What one pass found in a body that breaks no rule.
#[derive(Debug, Default)]
pub struct Pass {
    /// The top-level string members (`target_id` given as an integer included, as its decimal
    /// text), by camelCase key.
    texts: Vec<(&'static str, String)>,
    /// `target_type` as a whole number.
    target_type: Option<i64>,
    /// `content` in answer form, compact JSON.
    content_json: Option<String>,
    /// `progress_rate` in answer form.
    progress_rate: Option<serde_json::Value>,
    /// Every person element's open_id, in document order.
    pub person_open_ids: Vec<String>,
    /// Every gallery image's file token, in document order.
    pub gallery_file_tokens: Vec<String>,
}

impl Pass {
    /// The text of top-level string member `key` (`target_id` given as an integer included).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `target_type`, when given as a whole number.
    pub fn target_type(&self) -> Option<i64> {
        self.target_type
    }

    /// `content` in answer form as compact JSON text.
    pub fn content_json(&self) -> Option<&str> {
        self.content_json.as_deref()
    }

    /// Takes `content` in answer form as compact JSON text.
    pub fn take_content_json(&mut self) -> Option<String> {
        self.content_json.take()
    }

    /// `progress_rate` in answer form.
    pub fn progress_rate(&self) -> Option<&serde_json::Value> {
        self.progress_rate.as_ref()
    }
}
