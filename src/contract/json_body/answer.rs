//! What both readers share: a place in the body (`content.blocks[2].paragraph.…`), the
//! kind-only look at a value, and numbers written in answer form.

use super::compile::Node;
use crate::contract::spec::{JsonView, Kind};

/// One step of the current place: a member key or an array index.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step {
    Key(&'static str),
    Index(usize),
}

/// The concrete place `path` names, e.g. `content.blocks[2].paragraph.style.list.indentLevel`.
pub(super) fn place(path: &[Step]) -> String {
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

/// Whether `view` is a value of `kind` that needs no further look: an `int` still needs its
/// value checked for a fraction, so it never does.
pub(super) fn kind_matches(kind: Kind, view: JsonView<'_>) -> bool {
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
pub(super) fn integer_as_text(n: &Node) -> bool {
    n.field.is_some_and(|f| f.integer_as_text)
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
