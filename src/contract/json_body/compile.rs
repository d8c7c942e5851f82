//! The compiled spec: an endpoint's `in: json` fields as a tree of nodes (one per spec path),
//! built once per spec name, with what each node's readers need decided ahead (members sorted
//! in answer order, snake_case twins, `missing` and kind-only rules).

use crate::contract::spec::{EndpointSpec, FieldSpec, Kind, Location};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug)]
pub struct JsonBody {
    /// Node 0 is the body itself.
    pub(super) nodes: Vec<Node>,
    /// The endpoint's parameter error code, for rules without a code of their own.
    pub(super) param_error: i64,
}

/// One spec path.
#[derive(Debug)]
pub(super) struct Node {
    /// The spec field at this path (`None` for the body).
    pub(super) field: Option<&'static FieldSpec>,
    /// Position of the field among the spec's JSON fields: the order in which rules answer.
    pub(super) order: usize,
    /// The value's kind (`Object` for the body).
    pub(super) kind: Kind,
    /// The documented members of an object, sorted by their camelCase key (the answer order).
    pub(super) members: Vec<Member>,
    /// The node of `path[]`, for an array.
    pub(super) item: Option<usize>,
    /// Whether the string values found here are collected ([`Reading::strings_at`]): fields with
    /// an `exists` rule, which the handler checks against the world.
    pub(super) collect: bool,
    /// Whether the field may be absent: no `missing` rule, and its default (if any) keeps every
    /// rule. Decided once at compile time, since it depends on the field alone.
    pub(super) absent_ok: bool,
    /// Whether the field's only rule is its kind (no chars, pattern, range, count or enum): a
    /// value of the right kind then passes without the rule machinery.
    pub(super) kind_only: bool,
}

/// A documented member of an object node.
#[derive(Debug)]
pub(super) struct Member {
    /// camelCase key, as answered (`textRun`).
    pub(super) key: &'static str,
    /// snake_case key, also accepted (`text_run`), when it differs from `key` (a key with
    /// capitals).
    pub(super) snake: Option<Box<str>>,
    /// Its node.
    pub(super) node: usize,
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
