//! What a client's code can see of an answer, compared: HTTP status, `code`/`err_code`,
//! `msg`/`err_msg`, and the answer's shape — every key path with its JSON type, ids, tokens,
//! URLs and times compared by form rather than value.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// What one side answered, as parity compares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    /// HTTP status.
    pub status: u16,
    /// The JSON body, when the answer was JSON.
    pub json: Option<Value>,
    /// The content type's media type (`application/json`, `image/png`), lower case.
    pub media: Option<String>,
    /// `x-mock-*` headers (lower-case names): values learned like the body's, never compared.
    pub mock_headers: BTreeMap<String, String>,
}

/// Differences between the recorded answer and the emulator's, each one line
/// (`status 200 → 400`, `msg "success" → "ok"`, `extra member data.x`, …).
pub fn differences(recorded: &Seen, emulated: &Seen) -> Vec<String> {
    let mut out = Vec::new();
    if recorded.status != emulated.status {
        out.push(format!("status {} → {}", recorded.status, emulated.status));
    }
    match (&recorded.json, &emulated.json) {
        (Some(r), Some(e)) => {
            for (key, alt) in [("code", "err_code"), ("msg", "err_msg")] {
                let rv = r.get(key).or_else(|| r.get(alt));
                let ev = e.get(key).or_else(|| e.get(alt));
                if rv != ev {
                    out.push(format!("{key} {} → {}", show(rv), show(ev)));
                }
            }
            let rs = shape(r);
            let es = shape(e);
            for (path, kind) in &rs {
                match es.get(path) {
                    None => out.push(format!("missing member {path} ({kind})")),
                    Some(other) if other != kind => {
                        out.push(format!("member {path}: {kind} → {other}"))
                    }
                    Some(_) => {}
                }
            }
            for (path, kind) in &es {
                if !rs.contains_key(path) {
                    out.push(format!("extra member {path} ({kind})"));
                }
            }
        }
        (Some(_), None) => out.push(format!(
            "body JSON → {}",
            emulated.media.as_deref().unwrap_or("not JSON")
        )),
        (None, Some(_)) => out.push(format!(
            "body {} → JSON",
            recorded.media.as_deref().unwrap_or("not JSON")
        )),
        (None, None) => {
            if recorded.media != emulated.media {
                out.push(format!(
                    "content type {} → {}",
                    recorded.media.as_deref().unwrap_or("none"),
                    emulated.media.as_deref().unwrap_or("none")
                ));
            }
        }
    }
    out
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".to_string(), Value::to_string)
}

/// Every key path of `value` with its type (`object`, `array`, `string`, `number`, `bool`,
/// `null`; a string under an id-, token-, URL- or time-like key as `string:<form>`). Array
/// elements share the path `a[]`.
pub fn shape(value: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(value, "", "", &mut out);
    out
}

fn walk(value: &Value, path: &str, key: &str, out: &mut BTreeMap<String, String>) {
    let kind = match value {
        Value::Null => "null".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Number(_) => "number".to_string(),
        Value::String(s) if id_like(key) => format!("string:{}", form(s)),
        Value::String(_) => "string".to_string(),
        Value::Array(items) => {
            for item in items {
                walk(item, &format!("{path}[]"), key, out);
            }
            "array".to_string()
        }
        Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, &p, k, out);
            }
            "object".to_string()
        }
    };
    if !path.is_empty() {
        out.entry(path.to_string()).or_insert(kind);
    }
}

/// Whether a member named `key` holds an id, a token, a URL or a time.
fn id_like(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "id"
        || k.ends_with("_id")
        || key.ends_with("Id")
        || k.contains("token")
        || k.ends_with("guid")
        || k.ends_with("uuid")
        || k.contains("url")
        || k.ends_with("time")
        || k.ends_with("_at")
        || k == "src"
}

/// The form of an id-like string: `empty`, `digits`, `uuid`, `url`, `token` (letters, digits,
/// `-_.`) with its `x-` prefix when it has one (`t-`, `u-`, `p-`), or `text`.
pub fn form(s: &str) -> String {
    if s.is_empty() {
        return "empty".into();
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return "digits".into();
    }
    if s.starts_with("http://") || s.starts_with("https://") {
        return "url".into();
    }
    let b = s.as_bytes();
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if uuid {
        return "uuid".into();
    }
    if b.iter()
        .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    {
        return match b {
            [c, b'-', ..] if c.is_ascii_lowercase() => format!("token({})", &s[..2]),
            _ => "token".into(),
        };
    }
    "text".into()
}

/// Learns, from two answers to the same request, which recorded value the emulator answered
/// differently at the same place (a file token, a GUID, a token): `recorded → emulated`, for
/// the replay of later requests. Values already mapped keep their first mapping.
///
/// Only strings under id-, token-, URL- or time-like keys are learned: a `mime_type` that
/// differs is a difference, not an alias.
pub fn learn(recorded: &Value, emulated: &Value, map: &mut HashMap<String, String>) {
    learn_at(recorded, emulated, "", map)
}

fn learn_at(recorded: &Value, emulated: &Value, key: &str, map: &mut HashMap<String, String>) {
    match (recorded, emulated) {
        (Value::String(r), Value::String(e)) if r != e && !r.is_empty() && id_like(key) => {
            map.entry(r.clone()).or_insert_with(|| e.clone());
        }
        (Value::Array(r), Value::Array(e)) => {
            for (r, e) in r.iter().zip(e) {
                learn_at(r, e, key, map);
            }
        }
        (Value::Object(r), Value::Object(e)) => {
            for (k, rv) in r {
                if let Some(ev) = e.get(k) {
                    learn_at(rv, ev, k, map);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seen(status: u16, json: Value) -> Seen {
        Seen {
            status,
            json: Some(json),
            media: Some("application/json".into()),
            mock_headers: BTreeMap::new(),
        }
    }

    #[test]
    fn ids_compare_by_form_and_every_deviation_is_named() {
        let r = seen(
            200,
            json!({"code": 0, "msg": "success", "data": {"file_token": "boxbcAAA", "n": 1}}),
        );
        let same = seen(
            200,
            json!({"code": 0, "msg": "success", "data": {"file_token": "boxbcBBB", "n": 2}}),
        );
        assert!(differences(&r, &same).is_empty());
        let other = seen(
            400,
            json!({"code": 0, "msg": "ok", "data": {"file_token": "12345", "extra": true}}),
        );
        let d = differences(&r, &other);
        assert!(d.contains(&"status 200 → 400".to_string()), "{d:?}");
        assert!(d.contains(&r#"msg "success" → "ok""#.to_string()), "{d:?}");
        assert!(
            d.contains(&"member data.file_token: string:token → string:digits".to_string()),
            "{d:?}"
        );
        assert!(
            d.contains(&"extra member data.extra (bool)".to_string()),
            "{d:?}"
        );
        assert!(
            d.contains(&"missing member data.n (number)".to_string()),
            "{d:?}"
        );
    }

    #[test]
    fn answered_values_are_learned_at_the_same_place() {
        let mut map = HashMap::new();
        learn(
            &json!({"code": 0, "data": {"file_token": "rec", "list": [{"guid": "g1"}]}}),
            &json!({"code": 0, "data": {"file_token": "emu", "list": [{"guid": "g2"}]}}),
            &mut map,
        );
        assert_eq!(map.get("rec").map(String::as_str), Some("emu"));
        assert_eq!(map.get("g1").map(String::as_str), Some("g2"));
    }
}
