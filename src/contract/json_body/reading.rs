//! What a read gives: a [`Reading`] of a body that breaks no rule (the top-level members and
//! the collected strings the handler needs), or the [`Refusal`] of one that does.

use crate::contract::error::ApiError;
use crate::contract::spec::Violation;

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not JSON text, or nested deeper than [`MAX_NESTING`](super::MAX_NESTING): the
    /// endpoint's parameter error.
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
    pub(super) top: Vec<(&'static str, Scalar)>,
    /// (spec path, concrete place, text) of every string of a collected field, in document
    /// order per field.
    pub(super) collected: Vec<(&'static str, String, String)>,
}

/// A top-level member as read.
#[derive(Debug)]
pub(super) enum Scalar {
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
