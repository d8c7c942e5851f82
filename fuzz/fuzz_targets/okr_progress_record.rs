//! OKR progress record create (`okr.progress_record.create`): a rich valid JSON body mutated
//! node by node (removed, replaced by any JSON leaf, an empty or long array, a snake_case or any
//! key), or raw bytes, through the bounded JSON reader, the one-pass reader (sonic-rs and the
//! compiled spec), the dotted-path rule walker and the store.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::*;
use feishu_mock::http::in_memory::InMemoryRequest;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn baseline() -> Value {
    json!({
        "source_title": "周报系统",
        "source_url": "https://www.zhoubao.com",
        "source_url_pc": "https://www.zhoubao.com/pc",
        "source_url_mobile": "https://www.zhoubao.com/m",
        "target_id": "6974586812998174252",
        "target_type": 2,
        "content": {"blocks": [
            {"type": "paragraph", "paragraph": {
                "style": {"list": {"type": "number", "indentLevel": 1, "number": 1}},
                "elements": [
                    {"type": "textRun", "textRun": {"text": "周报", "style": {
                        "bold": true, "strikeThrough": false,
                        "backColor": {"red": 255, "green": 0, "blue": 0, "alpha": 1},
                        "textColor": {"red": 0, "green": 0, "blue": 0, "alpha": 0.5},
                        "link": {"url": "https://example.com"}}}},
                    {"type": "docsLink", "docsLink": {"url": "https://example.feishu.cn/docx/x", "title": "doc"}},
                    {"type": "person", "person": {"openId": "ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f"}}
                ]}},
            {"type": "gallery", "gallery": {"imageList": [
                {"fileToken": "boxbcMTBQO9ofLjWkDuPxkxOA2c", "src": "https://x/y.png", "width": 100, "height": 100}
            ]}}
        ]},
        "progress_rate": {"percent": 50, "status": 0}
    })
}

/// Every JSON pointer of `v`, the root excluded.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// A JSON leaf.
#[derive(Arbitrary, Debug)]
enum Leaf {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    EmptyObject,
    EmptyArray,
}

impl Leaf {
    fn value(&self) -> Value {
        match self {
            Leaf::Null => Value::Null,
            Leaf::Bool(b) => json!(b),
            Leaf::Int(n) => json!(n),
            Leaf::Float(f) => json!(f),
            Leaf::Str(s) => json!(s),
            Leaf::EmptyObject => json!({}),
            Leaf::EmptyArray => json!([]),
        }
    }
}

/// One mutation of the node at `pointers[i % len]`.
#[derive(Arbitrary, Debug)]
enum Op {
    Remove(u8),
    Set(u8, Leaf),
    /// Replace by an array of `n` copies of the node (past `max_count`).
    Repeat(u8, u8),
    /// Rename the node's key to its snake_case form (the Python SDK's spelling).
    SnakeCase(u8),
    /// Rename the node's key to any text.
    Rename(u8, String),
}

#[derive(Arbitrary, Debug)]
enum Case {
    Mutated {
        ops: Vec<Op>,
        user_id_type: Option<String>,
        cuts: Vec<u16>,
    },
    Raw {
        body: Vec<u8>,
        cuts: Vec<u16>,
    },
}

fn split(p: &str) -> (&str, &str) {
    p.rsplit_once('/').unwrap_or(("", p))
}

fn mutate(body: &mut Value, op: &Op) {
    let mut all = Vec::new();
    pointers(body, String::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let pick = |i: &u8| all[*i as usize % all.len()].clone();
    if matches!(op, Op::Repeat(..)) && all.len() > 512 {
        // Bodies stay small enough to run thousands of inputs a second.
        return;
    }
    match op {
        Op::Remove(i) => {
            let p = pick(i);
            let (parent, key) = split(&p);
            match body.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(key);
                }
                Some(Value::Array(a)) => {
                    if let Ok(n) = key.parse::<usize>() {
                        if n < a.len() {
                            a.remove(n);
                        }
                    }
                }
                _ => {}
            }
        }
        Op::Set(i, leaf) => {
            if let Some(v) = body.pointer_mut(&pick(i)) {
                *v = leaf.value();
            }
        }
        Op::Repeat(i, n) => {
            if let Some(v) = body.pointer_mut(&pick(i)) {
                let copies = vec![v.clone(); (*n as usize).min(16)];
                *v = Value::Array(copies);
            }
        }
        Op::SnakeCase(i) | Op::Rename(i, _) => {
            let p = pick(i);
            let (parent, key) = split(&p);
            let new_key = match op {
                Op::Rename(_, k) => k.clone(),
                _ => feishu_mock::contract::json_body::snake_case(key),
            };
            if let Some(Value::Object(m)) = body.pointer_mut(parent) {
                if let Some(v) = m.remove(key) {
                    m.insert(new_key, v);
                }
            }
        }
    }
}

fuzz_target!(|input: (Case, Option<Truncation>)| {
    let (case, truncation) = input;
    let (body, query, cuts) = match case {
        Case::Mutated {
            ops,
            user_id_type,
            cuts,
        } => {
            let mut body = baseline();
            for op in ops.iter().take(16) {
                mutate(&mut body, op);
            }
            let query = user_id_type
                .map(|u| vec![("user_id_type".to_string(), u)])
                .unwrap_or_default();
            (serde_json::to_vec(&body).expect("JSON"), query, cuts)
        }
        Case::Raw { body, cuts } => (body, vec![], cuts),
    };
    let (chunks, end) = cut_body(body, &cuts, truncation);
    let req = InMemoryRequest {
        endpoint: "okr.progress_record.create".into(),
        caller: tenant(),
        query,
        path_params: vec![],
        content_type: Some("application/json; charset=utf-8".into()),
        chunks,
        end,
    };
    run_and_check(req, &[1009999, 1009998]);
});
