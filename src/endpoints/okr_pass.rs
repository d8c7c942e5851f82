//! One pass over a progress record body (seed 001): the spec's JSON field rules checked while
//! the body is parsed, and the camelCase answer form built in the same pass, without a
//! `serde_json::Value` tree.
//!
//! This is the fast way through `POST /open-apis/okr/v1/progress_records` for a body that breaks
//! no rule. It decides only "every rule holds"; for anything else (a broken rule, a JSON `null`,
//! a member given twice or in both spellings, a spec it cannot compile) it answers `None`, and the
//! handler runs the spec-driven checker of `okr.rs`, which finds the first broken rule in spec
//! order and names its place. Both read the same `FieldSpec` rules ([`FieldSpec::validate_view`]
//! is [`FieldSpec::validate_json`] without the tree), and a differential test holds them to the
//! same verdict and the same answer.

use crate::spec::{EndpointSpec, FieldSpec, JsonView, Kind, Location};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

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
    /// `progress_rate.percent`: answered rounded to 2 decimals.
    round_2: bool,
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
    /// a path given twice, more than 64 members in one object); the handler then always takes
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
            round_2: false,
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
                round_2: path == "progress_rate.percent",
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
                    if nodes[parent].kind != Kind::Object || nodes[parent].members.len() >= 64 {
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
    /// rule of the spec holds; `None` otherwise (including a JSON `null` anywhere, and a member
    /// given twice or in both its camelCase and snake_case spelling), leaving the verdict to the
    /// spec-driven checker.
    pub fn read<'de>(&self, body: &'de [u8]) -> Option<Pass<'de>> {
        let mut found = Found::default();
        let mut de = serde_json::Deserializer::from_slice(body);
        let answer = At {
            schema: self,
            node: 0,
            found: &mut found,
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        let Out::Object(members) = answer else {
            return None;
        };
        Some(Pass {
            root: members,
            person_open_ids: found.person_open_ids,
            gallery_file_tokens: found.gallery_file_tokens,
        })
    }
}

/// What one pass found in a body that breaks no rule.
#[derive(Debug)]
pub struct Pass<'de> {
    /// The body's documented members in answer form, in key order.
    root: Vec<(&'static str, Out<'de>)>,
    /// Every person element's open_id, in document order.
    pub person_open_ids: Vec<Cow<'de, str>>,
    /// Every gallery image's file token, in document order.
    pub gallery_file_tokens: Vec<Cow<'de, str>>,
}

impl<'de> Pass<'de> {
    fn member(&self, key: &str) -> Option<&Out<'de>> {
        self.root.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The text of top-level string member `key` (`target_id` given as an integer included).
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.member(key) {
            Some(Out::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The whole number of top-level member `key`.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.member(key) {
            Some(Out::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// Top-level member `key` in answer form as compact JSON text.
    pub fn answer_json(&self, key: &str) -> Option<String> {
        self.member(key)
            .map(|v| serde_json::to_string(v).unwrap_or_default())
    }

    /// Top-level member `key` in answer form as a JSON value.
    pub fn answer_value(&self, key: &str) -> Option<serde_json::Value> {
        self.member(key)
            .map(|v| serde_json::to_value(v).unwrap_or_default())
    }
}

/// A value in answer form: documented members only, in key order; whole numbers of `int` and
/// `number` fields without a fraction.
#[derive(Debug)]
enum Out<'de> {
    Object(Vec<(&'static str, Out<'de>)>),
    Array(Vec<Out<'de>>),
    Str(Cow<'de, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Out::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Out::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Out::Str(v) => s.serialize_str(v),
            Out::Int(v) => s.serialize_i64(*v),
            Out::Float(v) => s.serialize_f64(*v),
            Out::Bool(v) => s.serialize_bool(*v),
        }
    }
}

/// Values collected for the checks against the world.
#[derive(Debug, Default)]
struct Found<'de> {
    person_open_ids: Vec<Cow<'de, str>>,
    gallery_file_tokens: Vec<Cow<'de, str>>,
}

/// Reads the value at one node.
struct At<'s, 'f, 'de> {
    schema: &'s Schema,
    node: usize,
    found: &'f mut Found<'de>,
}

/// Ends the pass: the spec-driven checker takes over.
fn give_up<E: de::Error>() -> E {
    E::custom("not for the one-pass reader")
}

impl<'s, 'f, 'de> At<'s, 'f, 'de> {
    fn node(&self) -> &'s Node {
        &self.schema.nodes[self.node]
    }

    /// Checks the node's rules against `view`.
    fn check<E: de::Error>(&self, view: JsonView<'_>) -> Result<(), E> {
        match self.node().field {
            Some(f) => f
                .validate_view(view, self.schema.param_error)
                .map_err(|_| give_up()),
            None => Ok(()),
        }
    }

    fn string<E: de::Error>(self, s: Cow<'de, str>) -> Result<Out<'de>, E> {
        self.check(JsonView::Str(&s))?;
        match self.node().role {
            Role::PersonOpenId => self.found.person_open_ids.push(s.clone()),
            Role::GalleryFileToken => self.found.gallery_file_tokens.push(s.clone()),
            Role::Plain | Role::TargetId => {}
        }
        Ok(Out::Str(s))
    }

    fn number<E: de::Error>(self, n: serde_json::Number) -> Result<Out<'de>, E> {
        if self.node().role == Role::TargetId {
            if let Some(id) = n.as_u64() {
                return self.string(Cow::Owned(id.to_string()));
            }
        }
        self.check(JsonView::Number(&n))?;
        let node = self.node();
        let f = n.as_f64().unwrap_or_default();
        let f = if node.round_2 {
            (f * 100.0).round() / 100.0
        } else {
            f
        };
        Ok(match node.kind {
            Kind::Int | Kind::Number if f.fract() == 0.0 && f.abs() < 9.0e15 => Out::Int(f as i64),
            _ => Out::Float(f),
        })
    }
}

impl<'de> DeserializeSeed<'de> for At<'_, '_, 'de> {
    type Value = Out<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Out<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for At<'_, '_, 'de> {
    type Value = Out<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a progress record body")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Out<'de>, E> {
        self.check(JsonView::Bool(v))?;
        Ok(Out::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Out<'de>, E> {
        self.number(v.into())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Out<'de>, E> {
        self.number(v.into())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Out<'de>, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.number(n),
            None => Err(give_up()),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Out<'de>, E> {
        self.string(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Out<'de>, E> {
        self.string(Cow::Owned(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Out<'de>, E> {
        self.string(Cow::Owned(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Out<'de>, E> {
        // JSON null: absent to the checker, echoed inside arrays; left to it.
        Err(give_up())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Out<'de>, A::Error> {
        let node = self.node();
        let Some(item) = node.item.filter(|_| node.kind == Kind::Array) else {
            return Err(give_up());
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(v) = seq.next_element_seed(At {
            schema: self.schema,
            node: item,
            found: &mut *self.found,
        })? {
            items.push(v);
        }
        self.check(JsonView::Array(items.len()))?;
        Ok(Out::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Out<'de>, A::Error> {
        let node = self.node();
        if node.kind != Kind::Object {
            return Err(give_up());
        }
        self.check(JsonView::Object)?;
        let mut seen = 0u64;
        let mut members: Vec<(usize, Out<'de>)> = Vec::with_capacity(node.members.len());
        while let Some(found) = map.next_key_seed(MemberOf(node))? {
            let Some(i) = found else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if seen & (1 << i) != 0 {
                return Err(give_up());
            }
            seen |= 1 << i;
            let value = map.next_value_seed(At {
                schema: self.schema,
                node: node.members[i].node,
                found: &mut *self.found,
            })?;
            members.push((i, value));
        }
        for (i, m) in node.members.iter().enumerate() {
            if seen & (1 << i) == 0 {
                if let Some(f) = self.schema.nodes[m.node].field {
                    f.validate_json(None, self.schema.param_error)
                        .map_err(|_| give_up())?;
                }
            }
        }
        members.sort_unstable_by_key(|(i, _)| *i);
        Ok(Out::Object(
            members
                .into_iter()
                .map(|(i, v)| (node.members[i].key, v))
                .collect(),
        ))
    }
}

/// Reads an object key as the index of the documented member it names, in either spelling
/// (`None` for an undocumented key), without copying it.
struct MemberOf<'s>(&'s Node);

impl<'de> DeserializeSeed<'de> for MemberOf<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for MemberOf<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self
            .0
            .members
            .iter()
            .position(|m| m.key == key || m.snake == key))
    }
}
