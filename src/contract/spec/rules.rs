//! The generic rule checker every endpoint validates its fields with: a field's value (form
//! text, JSON value, or a [`JsonView`] of one) checked against its spec rules (kind, chars,
//! pattern, range, count, enum, `missing`), and the [`Violation`] a broken rule answers with the
//! code the spec names for it (`codes`), or the endpoint's `param_error` code.

use super::{FieldSpec, Kind};
use serde_json::Value;

/// A broken rule: which field, what value, why, and the code to answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The code the spec names for the rule.
    pub code: i64,
    /// Field name as Feishu spells it.
    pub field: String,
    /// The offending value as text (truncated to 64 chars), empty when absent.
    pub value: String,
    /// The rule in words (e.g. `max_chars 250`).
    pub description: String,
}

/// A field value that passed its rules, in its typed form.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// Absent and optional, with no default.
    Absent,
    /// Text.
    Str(String),
    /// Whole number.
    Int(i64),
    /// Number.
    Num(f64),
    /// Bool.
    Bool(bool),
    /// JSON (objects, arrays, parsed `json_object_string`).
    Json(Value),
}

impl Checked {
    /// The text, when the value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Checked::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The number, when the value is an int.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Checked::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl FieldSpec {
    /// The code for breaking `rule`, or `param_error` when the spec names none.
    pub fn code_for(&self, rule: &str, param_error: i64) -> i64 {
        self.codes.get(rule).copied().unwrap_or(param_error)
    }

    /// A violation of `rule` by `value`.
    pub fn violation(
        &self,
        rule: &str,
        param_error: i64,
        value: &str,
        description: String,
    ) -> Violation {
        Violation {
            code: self.code_for(rule, param_error),
            field: self.name.clone(),
            value: value.chars().take(64).collect(),
            description,
        }
    }

    /// Checks a text value (multipart text part, query parameter, path segment).
    ///
    /// `raw` is `None` when the field is absent. An empty string counts as absent for optional
    /// fields (FEISHU_FACTS §5: Python sends unset optional fields as empty parts), and as present
    /// for required ones, so that `min_chars` can answer it. Numbers are parsed from their decimal
    /// text (FEISHU_FACTS §5: numbers travel as text).
    pub fn check_text(&self, raw: Option<&str>, param_error: i64) -> Result<Checked, Violation> {
        let raw = match raw {
            Some("") if !self.required => None,
            other => other,
        };
        let Some(raw) = raw else {
            return self.absent(param_error);
        };
        let value = match self.kind {
            Kind::String => Value::String(raw.to_string()),
            Kind::Int => match parse_decimal_int(raw) {
                Some(n) => Value::from(n),
                None => return Err(self.violation("type", param_error, raw, "an integer".into())),
            },
            Kind::Number => match raw.parse::<f64>().ok().filter(|n| n.is_finite()) {
                Some(n) => Value::from(n),
                None => return Err(self.violation("type", param_error, raw, "a number".into())),
            },
            Kind::Bool => match raw {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(self.violation("type", param_error, raw, "a boolean".into())),
            },
            Kind::JsonObjectString => match serde_json::from_str::<Value>(raw) {
                Ok(v @ Value::Object(_)) => {
                    return Ok(Checked::Json(v));
                }
                _ => {
                    return Err(self.violation(
                        "type",
                        param_error,
                        raw,
                        "a JSON object string".into(),
                    ))
                }
            },
            Kind::Object | Kind::Array | Kind::File => {
                return Err(self.violation("type", param_error, raw, format!("{:?}", self.kind)))
            }
        };
        self.check_value(&value, param_error)
    }

    /// Checks a JSON value (`None` when the member is absent; JSON `null` counts as absent).
    pub fn check_json(
        &self,
        value: Option<&Value>,
        param_error: i64,
    ) -> Result<Checked, Violation> {
        match value {
            None | Some(Value::Null) => self.absent(param_error),
            Some(v) => self.check_value(v, param_error),
        }
    }

    /// The `missing` rule: an absent field breaks it when it is required.
    fn may_be_absent(&self, param_error: i64) -> Result<(), Violation> {
        if self.required {
            return Err(self.violation("missing", param_error, "", "required".into()));
        }
        Ok(())
    }

    /// Checks a text value like [`FieldSpec::check_text`], with the same violations, without
    /// building its typed value: for a parameter that is only checked (e.g. a `user_id_type`
    /// the endpoint answers the same for any allowed value).
    pub fn validate_text(&self, raw: Option<&str>, param_error: i64) -> Result<(), Violation> {
        let raw = match raw {
            Some("") if !self.required => None,
            other => other,
        };
        match (raw, self.kind) {
            (None, _) => self.validate_json(None, param_error),
            (Some(text), Kind::String) => self.validate_view(JsonView::Str(text), param_error),
            (Some(_), _) => self.check_text(raw, param_error).map(drop),
        }
    }

    fn absent(&self, param_error: i64) -> Result<Checked, Violation> {
        self.may_be_absent(param_error)?;
        match &self.default {
            Some(d) => self.check_value(d, param_error),
            None => Ok(Checked::Absent),
        }
    }

    /// Checks a JSON value like [`FieldSpec::check_json`] without building the typed value:
    /// for validating every member of a body (objects and arrays are not copied, and the
    /// offending value is rendered only when a rule is broken).
    pub fn validate_json(&self, value: Option<&Value>, param_error: i64) -> Result<(), Violation> {
        match value {
            // As `absent`, without building the typed default.
            None | Some(Value::Null) => {
                self.may_be_absent(param_error)?;
                match &self.default {
                    Some(d) => self.validate(d, param_error),
                    None => Ok(()),
                }
            }
            Some(v) => self.validate(v, param_error),
        }
    }

    fn check_value(&self, value: &Value, param_error: i64) -> Result<Checked, Violation> {
        self.validate(value, param_error)?;
        Ok(match (self.kind, value) {
            (Kind::String, Value::String(s)) => Checked::Str(s.clone()),
            (Kind::Int, Value::Number(n)) => Checked::Int(whole_number(n).unwrap_or_default()),
            (Kind::Number, Value::Number(n)) => Checked::Num(n.as_f64().unwrap_or(f64::NAN)),
            (Kind::Bool, Value::Bool(b)) => Checked::Bool(*b),
            _ => Checked::Json(value.clone()),
        })
    }

    /// Every rule of this field against `value`: type, chars, pattern, range, count, enum.
    fn validate(&self, value: &Value, param_error: i64) -> Result<(), Violation> {
        let view = match value {
            Value::String(s) => JsonView::Str(s),
            Value::Number(n) => JsonView::Number(n),
            Value::Bool(b) => JsonView::Bool(*b),
            Value::Object(_) => JsonView::Object,
            Value::Array(items) => JsonView::Array(items.len()),
            // A null reaches here only inside arrays; no kind accepts it.
            Value::Null => JsonView::Null,
        };
        let shown = || match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.validate_with(view, &shown, &|a| json_eq(a, value), param_error)
    }

    /// Every rule of this field against a value seen without its contents (a streaming reader
    /// checks each value as it passes): the same rules as [`FieldSpec::validate_json`] for a
    /// present value, except that an object or array never equals an `enum` entry (no spec
    /// documents an enum of containers). Errors: the field's `type`, `min_chars`, `max_chars`,
    /// `pattern`, `min`, `max`, `max_count` or `enum` code, else `param_error`.
    pub fn validate_view(&self, view: JsonView<'_>, param_error: i64) -> Result<(), Violation> {
        let shown = || match view {
            JsonView::Str(s) => s.to_string(),
            JsonView::Number(n) => n.to_string(),
            JsonView::Bool(b) => b.to_string(),
            JsonView::Null => "null".to_string(),
            JsonView::Object => "{…}".to_string(),
            JsonView::Array(n) => format!("[{n} items]"),
        };
        let equals = |a: &Value| match (a, view) {
            (Value::Number(x), JsonView::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::String(x), JsonView::Str(y)) => x == y,
            (Value::Bool(x), JsonView::Bool(y)) => *x == y,
            (Value::Null, JsonView::Null) => true,
            _ => false,
        };
        self.validate_with(view, &shown, &equals, param_error)
    }

    /// The rules themselves, for [`FieldSpec::validate`] and [`FieldSpec::validate_view`]:
    /// `shown` renders the offending value for a violation, `equals` compares it with an `enum`
    /// entry.
    fn validate_with(
        &self,
        value: JsonView<'_>,
        shown: &dyn Fn() -> String,
        equals: &dyn Fn(&Value) -> bool,
        param_error: i64,
    ) -> Result<(), Violation> {
        let number = match (self.kind, value) {
            (Kind::String, JsonView::Str(_))
            | (Kind::Bool, JsonView::Bool(_))
            | (Kind::Object, JsonView::Object)
            | (Kind::Array, JsonView::Array(_)) => None,
            // 2.0 is an int to Feishu's JSON decoders; 2.5 is not.
            (Kind::Int, JsonView::Number(n)) => match whole_number(n) {
                Some(i) => Some(i as f64),
                None => {
                    return Err(self.violation("type", param_error, &shown(), "an integer".into()))
                }
            },
            (Kind::Number, JsonView::Number(n)) => Some(n.as_f64().unwrap_or(f64::NAN)),
            _ => {
                return Err(self.violation(
                    "type",
                    param_error,
                    &shown(),
                    format!("of type {:?}", self.kind).to_lowercase(),
                ))
            }
        };
        if let (Kind::String, JsonView::Str(s)) = (self.kind, value) {
            if self.min_chars.is_some() || self.max_chars.is_some() {
                let chars = s.chars().count();
                if let Some(min) = self.min_chars {
                    if chars < min {
                        return Err(self.violation(
                            "min_chars",
                            param_error,
                            s,
                            format!("at least {min} chars"),
                        ));
                    }
                }
                if let Some(max) = self.max_chars {
                    if chars > max {
                        return Err(self.violation(
                            "max_chars",
                            param_error,
                            s,
                            format!("at most {max} chars"),
                        ));
                    }
                }
            }
            if let Some(p) = &self.pattern {
                let compiled = self.compiled_pattern.get_or_init(|| compile_pattern(p));
                if !compiled.is_match(s) {
                    return Err(self.violation("pattern", param_error, s, format!("matching {p}")));
                }
            }
        }
        if let Some(n) = number {
            if let Some(min) = self.min {
                if n < min {
                    return Err(self.violation("min", param_error, &shown(), format!("≥ {min}")));
                }
            }
            if let Some(max) = self.max {
                if n > max {
                    return Err(self.violation("max", param_error, &shown(), format!("≤ {max}")));
                }
            }
        }
        if let (Kind::Array, JsonView::Array(len)) = (self.kind, value) {
            if let Some(max) = self.max_count {
                if len > max {
                    return Err(self.violation(
                        "max_count",
                        param_error,
                        &shown(),
                        format!("at most {max} items"),
                    ));
                }
            }
        }
        if !self.allowed.is_empty() && !self.allowed.iter().any(equals) {
            return Err(self.violation(
                "enum",
                param_error,
                &shown(),
                format!(
                    "one of {}",
                    Value::Array(self.allowed.clone())
                        .to_string()
                        .replace('"', "")
                ),
            ));
        }
        Ok(())
    }
}

/// A JSON value as the field rules see it: scalars whole, containers by kind and length only
/// (for [`FieldSpec::validate_view`]).
#[derive(Debug, Clone, Copy)]
pub enum JsonView<'a> {
    /// A string.
    Str(&'a str),
    /// A number.
    Number(&'a serde_json::Number),
    /// `true` / `false`.
    Bool(bool),
    /// `null` (inside an array; a null member counts as absent instead).
    Null,
    /// An object.
    Object,
    /// An array of this many items.
    Array(usize),
}

/// The value of a JSON number that is whole: an i64, or a float without a fraction below 9e15.
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    match n.as_i64() {
        Some(i) => Some(i),
        None => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        },
    }
}

/// Equality that treats `2` and `2.0` as the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Parses `-?[0-9]+` into an i64; anything else (spaces, `+`, decimals) is not an int.
fn parse_decimal_int(raw: &str) -> Option<i64> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// The regular expression `pattern` of an embedded spec (a pattern that does not compile is a
/// defect of the specs: it panics).
fn compile_pattern(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::{Catalogue, ENDPOINT_FILES};

    fn field(json: &str) -> FieldSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_embedded_spec_parses() {
        let c = Catalogue::get();
        assert_eq!(c.endpoints.len(), ENDPOINT_FILES.len());
    }

    #[test]
    fn empty_optional_text_counts_as_absent_but_empty_required_text_is_checked() {
        let opt = field(r#"{"name":"checksum","in":"form","type":"string"}"#);
        assert_eq!(opt.check_text(Some(""), 1), Ok(Checked::Absent));
        let req = field(
            r#"{"name":"file_name","in":"form","type":"string","required":true,"min_chars":1,"codes":{"min_chars":7}}"#,
        );
        assert_eq!(req.check_text(Some(""), 1).unwrap_err().code, 7);
        assert_eq!(req.check_text(None, 1).unwrap_err().code, 1);
    }

    #[test]
    fn int_text_must_be_plain_decimal_digits() {
        let f = field(r#"{"name":"size","in":"form","type":"int","required":true}"#);
        assert_eq!(f.check_text(Some("1024"), 1), Ok(Checked::Int(1024)));
        for bad in ["1.5", " 1", "+1", "abc", "1e3", "99999999999999999999"] {
            assert!(f.check_text(Some(bad), 1).is_err(), "{bad}");
        }
    }

    #[test]
    fn chars_are_counted_as_unicode_scalar_values_not_bytes() {
        let f = field(r#"{"name":"n","in":"form","type":"string","max_chars":2}"#);
        assert!(f.check_text(Some("图片"), 1).is_ok());
        assert!(f.check_text(Some("图片x"), 1).is_err());
    }

    #[test]
    fn every_pattern_of_the_embedded_specs_compiles() {
        // Patterns are compiled on a field's first check, inside a request: a bad one must
        // fail here, not there.
        let mut patterns = 0;
        for spec in &Catalogue::get().endpoints {
            for field in &spec.fields {
                if let Some(p) = &field.pattern {
                    assert!(
                        regex::Regex::new(p).is_ok(),
                        "{} {}: {p}",
                        spec.name,
                        field.name
                    );
                    patterns += 1;
                }
            }
        }
        assert!(patterns > 0, "no field of the embedded specs has a pattern");
    }

    #[test]
    fn a_text_value_validated_breaks_the_rules_it_breaks_when_checked() {
        let c = Catalogue::get();
        let values = [
            None,
            Some(""),
            Some("open_id"),
            Some("x"),
            Some("12"),
            Some("-1.5"),
        ];
        let mut seen = 0;
        for spec in &c.endpoints {
            for field in &spec.fields {
                for v in values {
                    assert_eq!(
                        field.validate_text(v, 1),
                        field.check_text(v, 1).map(drop),
                        "{} {} {v:?}",
                        spec.name,
                        field.name
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 100);
    }
}
