//! The compiled spec: an endpoint's `in: json` fields as a tree of nodes (one per spec path),
//! built once per spec name, with what each node's readers need decided ahead (members sorted
//! in answer order, snake_case twins, `missing` and kind-only rules).

use crate::contract::spec::{EndpointSpec, FieldSpec, Kind, Location};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The JSON fields of an endpoint spec compiled into a tree: one node per spec path.
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
    /// Whether the string values found here are collected
    /// ([`Reading::strings_at`](super::Reading::strings_at)): fields with an `exists` rule,
    /// which the handler checks against the world.
    pub(super) collect: bool,
    /// Whether the field may be absent: no `missing` rule, and its default (if any) keeps every
    /// rule. Decided once at compile time, since it depends on the field alone.
    pub(super) absent_ok: bool,
    /// Whether the field's only rule is its kind (no chars, pattern, range, count or enum): a
    /// value of the right kind then passes without the rule machinery.
    pub(super) kind_only: bool,
    /// How the fast reader checks a value here without the rule machinery, when it can.
    pub(super) fast: Fast,
    /// Whether a string is collected here or anywhere below: the fast reader keeps track of
    /// the place only there.
    pub(super) collects: bool,
    /// The members that may not be absent, one bit per member (in `members` order; an object
    /// of more than 64 members is left to the document reader).
    pub(super) required: u64,
}

/// A field's rules as the fast reader checks them: a value that passes here keeps every rule
/// of the field (exactly as [`FieldSpec::validate_view`] decides); a value that does not pass is
/// left to the document reader, which names the broken rule.
#[derive(Debug)]
pub(super) enum Fast {
    /// Only the kind ([`Node::kind_only`]).
    Kind,
    /// A string field whose only rule is its `enum` of strings.
    Texts(Box<[&'static str]>),
    /// An `int` or `number` field whose rules are `min`, `max` and an `enum` of numbers (any of
    /// them), for a value that is a whole number below 2^53 (then its f64 is exact, as the rule
    /// checker compares it).
    Whole {
        min: Option<f64>,
        max: Option<f64>,
        allowed: Box<[f64]>,
    },
    /// Anything else: the rule checker.
    Rules,
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
    /// `"key":`, as the answer writes the member before its value.
    pub(super) prefix: Box<str>,
    /// The first eight bytes of `key` ([`head`]), and of `snake`.
    pub(super) head: u64,
    /// Which bytes of an eight-byte word `head` covers (all of them for a key of eight bytes
    /// or more).
    pub(super) head_mask: u64,
    pub(super) snake_head: u64,
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
        // Every request asks: the usual answer is found without a key built.
        if let Some(compiled) = cache.get(spec.name.as_str()) {
            return compiled.clone();
        }
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
            fast: Fast::Kind,
            collects: false,
            required: 0,
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
                fast: fast(field),
                collects: false,
                required: 0,
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
                    head: head(last.as_bytes()),
                    head_mask: if last.len() >= 8 {
                        u64::MAX
                    } else {
                        (1 << (8 * last.len())) - 1
                    },
                    snake_head: head(snake.as_bytes()),
                    snake: (snake != last).then(|| snake.into_boxed_str()),
                    node,
                    prefix: format!("\"{last}\":").into_boxed_str(),
                });
            }
            at.insert(path, node);
        }
        for i in 0..nodes.len() {
            nodes[i].members.sort_unstable_by(|a, b| a.key.cmp(b.key));
            let required = nodes[i]
                .members
                .iter()
                .take(64)
                .enumerate()
                .filter(|(_, m)| !nodes[m.node].absent_ok)
                .fold(0u64, |bits, (i, _)| bits | 1 << i);
            nodes[i].required = required;
        }
        // A node's children come after it: from the last node back, each passes on whether a
        // string is collected at or below it.
        for i in (0..nodes.len()).rev() {
            let below = nodes[i].collect
                || nodes[i].item.is_some_and(|item| nodes[item].collects)
                || nodes[i].members.iter().any(|m| nodes[m.node].collects);
            nodes[i].collects = below;
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

/// The first eight bytes of `key` as one little-endian word, zero past its end.
pub(super) fn head(key: &[u8]) -> u64 {
    key.iter()
        .take(8)
        .enumerate()
        .fold(0, |word, (i, &b)| word | u64::from(b) << (8 * i))
}

/// How the fast reader may check `field` ([`Fast`]).
fn fast(field: &'static FieldSpec) -> Fast {
    if kind_only(field) {
        return Fast::Kind;
    }
    let no_text_rules =
        field.min_chars.is_none() && field.max_chars.is_none() && field.pattern.is_none();
    match field.kind {
        Kind::String
            if no_text_rules
                && field.min.is_none()
                && field.max.is_none()
                && field.max_count.is_none() =>
        {
            let texts: Option<Vec<&'static str>> =
                field.allowed.iter().map(|a| a.as_str()).collect();
            texts.map_or(Fast::Rules, |t| Fast::Texts(t.into_boxed_slice()))
        }
        Kind::Int | Kind::Number if no_text_rules && field.max_count.is_none() => {
            let allowed: Option<Vec<f64>> = field.allowed.iter().map(|a| a.as_f64()).collect();
            allowed.map_or(Fast::Rules, |allowed| Fast::Whole {
                min: field.min,
                max: field.max,
                allowed: allowed.into_boxed_slice(),
            })
        }
        _ => Fast::Rules,
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
