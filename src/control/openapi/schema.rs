//! Request body schemas of the OpenAPI document: a JSON body from the spec's `in: json` fields
//! (nested objects and arrays, `required` members, every rule JSON Schema can say) and a
//! multipart body from its form and file fields.

use crate::contract::spec::{EndpointSpec, FieldSpec, Kind, Location};
use serde_json::{json, Map, Value};

/// The rules of one field as a JSON schema (no `required`: that belongs to its parent).
pub(super) fn field_schema(f: &FieldSpec) -> Value {
    let mut s = Map::new();
    let ty = match f.kind {
        Kind::String | Kind::JsonObjectString => "string",
        Kind::Int => "integer",
        Kind::Number => "number",
        Kind::Bool => "boolean",
        Kind::Object => "object",
        Kind::Array => "array",
        Kind::File => "string",
    };
    if f.integer_as_text {
        s.insert("type".into(), json!([ty, "integer"]));
    } else {
        s.insert("type".into(), json!(ty));
    }
    if f.kind == Kind::File {
        s.insert("contentMediaType".into(), json!("application/octet-stream"));
    }
    if let Some(n) = f.min_chars {
        s.insert("minLength".into(), json!(n));
        s.insert("x-chars".into(), json!(true));
    }
    if let Some(n) = f.max_chars {
        s.insert("maxLength".into(), json!(n));
        s.insert("x-chars".into(), json!(true));
    }
    if let Some(p) = &f.pattern {
        s.insert("pattern".into(), json!(p));
    }
    if let Some(n) = f.min {
        s.insert("minimum".into(), number(n));
    }
    if let Some(n) = f.max {
        s.insert("maximum".into(), number(n));
    }
    if !f.allowed.is_empty() {
        s.insert("enum".into(), Value::Array(f.allowed.clone()));
    }
    if let Some(n) = f.max_count {
        if f.kind == Kind::Array {
            s.insert("maxItems".into(), json!(n));
        }
        s.insert("x-max-count".into(), json!(n));
    }
    if let Some(n) = f.max_bytes {
        s.insert("x-max-bytes".into(), json!(n));
    }
    if let Some(d) = &f.default {
        s.insert("default".into(), d.clone());
    }
    let mut description = f.note.clone();
    if let Some(n) = f.max_bytes {
        description = format!("at most {n} bytes. {description}");
    }
    if !description.trim().is_empty() {
        s.insert("description".into(), json!(description.trim()));
    }
    if f.grade == "assumed" {
        s.insert("x-assumed".into(), json!(true));
    }
    Value::Object(s)
}

/// A whole number as an integer, else as a float.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// The JSON body of `spec` as one nested schema: dotted paths become `properties`, `name[]`
/// becomes `items`.
pub(super) fn json_body(spec: &EndpointSpec) -> Value {
    let mut root = json!({"type": "object", "properties": {}});
    for f in spec.fields.iter().filter(|f| f.location == Location::Json) {
        let mut node = &mut root;
        let segments: Vec<&str> = f.name.split('.').collect();
        for (i, seg) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let (key, each) = match seg.strip_suffix("[]") {
                Some(k) => (k, true),
                None => (*seg, false),
            };
            if each {
                // `key[]`: the array member `key`, then its items.
                let props = node
                    .as_object_mut()
                    .expect("an object node")
                    .entry("properties")
                    .or_insert_with(|| json!({}));
                let array = props
                    .as_object_mut()
                    .expect("properties")
                    .entry(key)
                    .or_insert_with(|| json!({"type": "array"}));
                if last {
                    let merged = merge(array.get("items").cloned(), field_schema(f));
                    array["items"] = merged;
                    break;
                }
                node = array
                    .as_object_mut()
                    .expect("an array node")
                    .entry("items")
                    .or_insert_with(|| json!({"type": "object", "properties": {}}));
                continue;
            }
            if last {
                let schema = field_schema(f);
                let props = node
                    .as_object_mut()
                    .expect("an object node")
                    .entry("properties")
                    .or_insert_with(|| json!({}));
                let merged = merge(props.get(key).cloned(), schema);
                props[key] = merged;
                if f.required {
                    let req = node
                        .as_object_mut()
                        .expect("an object node")
                        .entry("required")
                        .or_insert_with(|| json!([]));
                    if let Value::Array(r) = req {
                        r.push(json!(key));
                    }
                }
            } else {
                let props = node
                    .as_object_mut()
                    .expect("an object node")
                    .entry("properties")
                    .or_insert_with(|| json!({}));
                node = props
                    .as_object_mut()
                    .expect("properties")
                    .entry(key)
                    .or_insert_with(|| json!({"type": "object", "properties": {}}));
            }
        }
    }
    json!({
        "required": true,
        "description": "JSON; snake_case keys are accepted for the camelCase members (FEISHU_FACTS §5), a member given twice counts with its last value, null counts as absent.",
        "content": {"application/json": {"schema": root}}
    })
}

/// `existing` (the children already placed) with `own`'s rules laid over it.
fn merge(existing: Option<Value>, own: Value) -> Value {
    match (existing, own) {
        (Some(Value::Object(mut e)), Value::Object(o)) => {
            for (k, v) in o {
                e.insert(k, v);
            }
            Value::Object(e)
        }
        (_, own) => own,
    }
}

/// The multipart body of `spec`: text parts and file parts.
pub(super) fn multipart_body(spec: &EndpointSpec) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    let mut encoding = Map::new();
    for f in spec
        .fields
        .iter()
        .filter(|f| matches!(f.location, Location::Form | Location::File))
    {
        let mut schema = field_schema(f);
        if f.location == Location::File {
            let count = f.max_count.unwrap_or(1);
            if count > 1 {
                schema = json!({
                    "type": "array",
                    "items": schema,
                    "maxItems": count,
                    "x-max-count": count,
                });
            }
            encoding.insert(
                f.name.clone(),
                json!({"contentType": "application/octet-stream"}),
            );
        }
        props.insert(f.name.clone(), schema);
        if f.required {
            required.push(json!(f.name));
        }
    }
    json!({
        "required": true,
        "description": format!(
            "multipart/form-data; a file part of at most {} bytes, at most {} file part(s); limits are enforced while the body streams",
            spec.max_file_bytes(),
            spec.max_files()
        ),
        "content": {"multipart/form-data": {
            "schema": {"type": "object", "properties": props, "required": required},
            "encoding": encoding,
        }},
        "x-max-bytes": spec.max_file_bytes(),
        "x-max-count": spec.max_files(),
    })
}
