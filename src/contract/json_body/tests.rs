//! The readers' rules proved on seed 001's progress record body, and the fast reader proved to
//! read every usual body exactly as the document reader does.

use super::dom::{Slots, FEW_MEMBERS};
use super::*;
use crate::contract::spec::Catalogue;
use crate::contract::spec::Violation;
use serde_json::{json, Value};
use sonic_rs::{JsonContainerTrait, JsonValueTrait};
use std::sync::Arc;

fn validator() -> Arc<JsonBody> {
    JsonBody::of(Catalogue::get().endpoint("okr.progress_record.create"))
}

/// Seed 001's smallest valid body, with `edit` applied.
fn body(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut b = json!({
        "source_title": "周报系统",
        "source_url": "https://www.zhoubao.com",
        "target_id": "7039328796851748883",
        "target_type": 2,
        "content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
            {"type": "textRun", "textRun": {"text": "周报内容"}}
        ]}}]}
    });
    edit(&mut b);
    serde_json::to_vec(&b).unwrap()
}

fn broken(bytes: &[u8]) -> Violation {
    match validator().read(bytes) {
        Err(Refusal::Rule(v)) => v,
        other => panic!("expected a broken rule, got {other:?}"),
    }
}

#[test]
fn every_embedded_spec_with_json_fields_compiles_into_a_tree() {
    for spec in Catalogue::get().endpoints.iter() {
        JsonBody::compile(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
    }
}

#[test]
fn a_valid_body_is_answered_in_camel_case_with_sorted_keys_and_documented_members_only() {
    let bytes = body(|b| {
        b["content"]["blocks"][0]["paragraph"]["elements"][0] = json!(
            {"type": "textRun", "text_run": {"text": "x", "style": {"bold": true}}, "extra": 1}
        );
        b["progress_rate"] = json!({"status": 1, "percent": 33.335});
    });
    let mut r = validator().read(&bytes).expect("valid");
    assert_eq!(
        r.take_answer("content").unwrap(),
        r#"{"blocks":[{"paragraph":{"elements":[{"textRun":{"style":{"bold":true},"text":"x"},"type":"textRun"}]},"type":"paragraph"}]}"#
    );
    assert_eq!(
        r.answer("progress_rate"),
        Some(r#"{"percent":33.34,"status":1}"#)
    );
    assert_eq!(r.text("target_id"), Some("7039328796851748883"));
    assert_eq!(r.int("target_type"), Some(2));
}

#[test]
fn the_first_broken_rule_in_spec_order_answers_whatever_the_document_order() {
    // source_url (spec field 2) comes after content in the document, and content's
    // indentLevel (a later spec field) is broken too: source_url answers.
    let bytes = br#"{"content":{"blocks":[{"type":"paragraph","paragraph":{"style":{"list":{"type":"number","indentLevel":99}},"elements":[]}}]},"source_title":"t","target_id":"1","target_type":2,"source_url":"ftp://x"}"#;
    let v = broken(bytes);
    assert_eq!(
        (v.field.as_str(), v.value.as_str()),
        ("source_url", "ftp://x")
    );
    // With source_url fixed, the nested rule answers with its concrete place.
    let fixed = String::from_utf8_lossy(bytes).replace("ftp://x", "http://x");
    let v = broken(fixed.as_bytes());
    assert_eq!(
        v.field,
        "content.blocks[0].paragraph.style.list.indentLevel"
    );
}

#[test]
fn among_the_places_of_one_field_the_first_in_document_order_answers() {
    let bytes = body(|b| {
        b["content"]["blocks"] = json!([
            {"type": "paragraph", "paragraph": {"elements": [{"type": "textRun"}, {"type": "bogus1"}]}},
            {"type": "paragraph", "paragraph": {"elements": [{"type": "bogus2"}]}}
        ]);
    });
    let v = broken(&bytes);
    assert_eq!(v.field, "content.blocks[0].paragraph.elements[1].type");
    assert_eq!(v.value, "bogus1");
}

#[test]
fn a_key_given_twice_counts_with_its_last_value_and_camel_case_wins_over_snake_case() {
    let twice = br#"{"source_title":"t","source_url":"ftp://x","source_url":"http://ok","target_id":"1","target_type":2,"content":{}}"#;
    assert!(validator().read(twice).is_ok());
    let last_broken = br#"{"source_title":"t","source_url":"http://ok","source_url":"ftp://x","target_id":"1","target_type":2,"content":{}}"#;
    assert_eq!(broken(last_broken).field, "source_url");
    let both = body(|b| {
        b["content"]["blocks"][0]["paragraph"]["elements"][0]["text_run"] = json!({"text": 5});
    });
    assert!(
        validator().read(&both).is_ok(),
        "textRun is read, text_run ignored"
    );
    let camel_null = body(|b| {
        let element = &mut b["content"]["blocks"][0]["paragraph"]["elements"][0];
        element["textRun"] = Value::Null;
        element["text_run"] = json!({"text": 5});
    });
    assert_eq!(
        broken(&camel_null).field,
        "content.blocks[0].paragraph.elements[0].textRun.text",
        "a null textRun is absent, so text_run is read"
    );
}

#[test]
fn null_is_absent_for_members_and_array_items_alike() {
    let null_required = body(|b| b["source_title"] = Value::Null);
    let v = broken(&null_required);
    assert_eq!(
        (v.field.as_str(), v.description.as_str()),
        ("source_title", "required")
    );
    let null_item = body(|b| b["content"]["blocks"] = json!([null]));
    let mut r = validator()
        .read(&null_item)
        .expect("an optional item may be null");
    assert_eq!(r.take_answer("content").unwrap(), r#"{"blocks":[null]}"#);
}

#[test]
fn a_null_optional_member_is_left_out_of_the_answer_wherever_it_sorts() {
    let nulls = body(|b| {
        let element = &mut b["content"]["blocks"][0]["paragraph"]["elements"][0];
        // docsLink sorts first among the element's members, style last in textRun's.
        element["docsLink"] = Value::Null;
        element["textRun"]["style"] = Value::Null;
    });
    let mut r = validator()
        .read(&nulls)
        .expect("optional members may be null");
    assert_eq!(
        r.take_answer("content").unwrap(),
        r#"{"blocks":[{"paragraph":{"elements":[{"textRun":{"text":"周报内容"},"type":"textRun"}]},"type":"paragraph"}]}"#
    );
}

#[test]
fn an_integer_target_id_is_read_as_its_decimal_text_and_a_negative_one_is_refused() {
    let int_id = body(|b| b["target_id"] = json!(7039328796851748883u64));
    let r = validator().read(&int_id).expect("valid");
    assert_eq!(r.text("target_id"), Some("7039328796851748883"));
    let v = broken(&body(|b| b["target_id"] = json!(-1)));
    assert_eq!((v.field.as_str(), v.value.as_str()), ("target_id", "-1"));
}

#[test]
fn a_refused_container_is_shown_as_serde_json_writes_it() {
    let v = broken(&body(|b| b["content"]["blocks"] = json!({"a": [1, 2.5]})));
    assert_eq!(
        (v.field.as_str(), v.value.as_str()),
        ("content.blocks", r#"{"a":[1,2.5]}"#)
    );
}

/// `levels` nested arrays under an undocumented member of a valid body.
fn nested(levels: usize) -> Vec<u8> {
    let deep = format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let valid = String::from_utf8(body(|_| {})).unwrap();
    format!("{{\"deep\":{deep},{}", &valid[1..]).into_bytes()
}

#[test]
fn nesting_up_to_127_levels_is_json_and_128_is_not_as_serde_json_reads_it() {
    // The body object is one level, so 126 arrays make 127.
    let at_limit = nested(MAX_NESTING - 1);
    assert!(serde_json::from_slice::<Value>(&at_limit).is_ok());
    assert!(
        validator().read(&at_limit).is_ok(),
        "127 levels read (on a grown stack)"
    );
    let over = nested(MAX_NESTING);
    assert!(serde_json::from_slice::<Value>(&over).is_err());
    assert_eq!(validator().read(&over).unwrap_err(), Refusal::NotJson);
}

#[test]
fn slots_hold_an_object_of_more_than_16_members_as_well_as_a_small_one() {
    let v: sonic_rs::Value = sonic_rs::from_str("[1,2]").expect("json");
    let items = v.as_array().expect("array");
    for len in [FEW_MEMBERS, FEW_MEMBERS + 4] {
        let mut slots = Slots::new(len);
        assert!(
            (0..len).all(|i| slots[i].is_none()),
            "{len}: empty at first"
        );
        slots.set(len - 1, items.get(1));
        slots.set(0, items.first());
        assert_eq!(slots[0].and_then(|v| v.as_u64()), Some(1), "{len}");
        assert_eq!(slots[len - 1].and_then(|v| v.as_u64()), Some(2), "{len}");
        assert!(
            (1..len - 1).all(|i| slots[i].is_none()),
            "{len}: the rest untouched"
        );
    }
}

#[test]
fn the_deepest_body_is_read_on_a_thread_with_little_stack_left() {
    // 64 KiB is less than 127 levels need in any build (release: 128–256 KiB measured):
    // the read must move to a stack of its own instead of overflowing this one.
    let read = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(|| {
            (
                validator().read(&nested(MAX_NESTING - 1)).is_ok(),
                validator().read(&nested(MAX_NESTING)).unwrap_err(),
            )
        })
        .expect("thread")
        .join()
        .expect("no overflow");
    assert_eq!(read, (true, Refusal::NotJson));
}

#[test]
fn a_body_that_is_not_json_is_refused_as_such_and_a_non_object_reads_as_empty() {
    assert_eq!(validator().read(b"{").unwrap_err(), Refusal::NotJson);
    assert_eq!(
        validator().read(b"\"\\ud800\"").unwrap_err(),
        Refusal::NotJson
    );
    let v = broken(b"[1]");
    assert_eq!(
        (v.field.as_str(), v.description.as_str()),
        ("source_title", "required")
    );
}

#[test]
fn strings_of_fields_with_an_exists_rule_are_collected_with_their_places() {
    let bytes = body(|b| {
        b["content"]["blocks"][0]["paragraph"]["elements"] = json!([
            {"type": "person", "person": {"openId": "ou_a"}},
            {"type": "person", "person": {"open_id": "ou_b"}}
        ]);
    });
    let r = validator().read(&bytes).expect("valid");
    let path = "content.blocks[].paragraph.elements[].person.openId";
    let got: Vec<(&str, &str)> = r.strings_at(path).collect();
    assert_eq!(
        got,
        vec![
            (
                "content.blocks[0].paragraph.elements[0].person.openId",
                "ou_a"
            ),
            (
                "content.blocks[0].paragraph.elements[1].person.openId",
                "ou_b"
            ),
        ]
    );
}

/// The fast reader either gives up or reads exactly what the document reader reads.
fn same_reading(bytes: &[u8]) -> bool {
    let v = validator();
    // The handler looks top-level members up by key, and collected strings by spec path:
    // only the order of the strings of one path is part of a reading.
    let sorted = |mut r: Reading| {
        r.top.sort_by_key(|(k, _)| *k);
        r.collected.sort_by_key(|(path, _, _)| *path);
        r
    };
    let fast = stream::read(&v, bytes).map(sorted);
    let document = v.read_document(bytes).map(sorted);
    match (&fast, &document) {
        (None, _) => false,
        (Some(f), Ok(d)) => {
            assert_eq!(
                format!("{f:?}"),
                format!("{d:?}"),
                "{}",
                String::from_utf8_lossy(bytes)
            );
            true
        }
        (Some(f), Err(e)) => panic!(
            "fast reader accepted what the document reader refuses ({e:?}): {f:?} for {}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

#[test]
fn the_fast_reader_reads_the_usual_body_exactly_as_the_document_reader_does() {
    let fixture = include_bytes!("../../../specs/examples/progress_record.json");
    assert!(same_reading(fixture), "the benchmark body is read fast");
    let usual = [
        body(|_| {}),
        body(|b| b["target_id"] = json!(7039328796851748883u64)),
        body(|b| b["progress_rate"] = json!({"status": 1, "percent": 33.335})),
        body(|b| b["progress_rate"] = json!({"status": 2.0, "percent": 1e2})),
        body(|b| b["progress_rate"] = json!({"percent": -0.5})),
        body(|b| b["source_title"] = json!("quote \" backslash \\ tab \t é 😀 \u{7f}")),
        body(|b| b["extra"] = json!({"deep": [[[1, "x", null, true]]], "n": null})),
        body(|b| {
            b["content"]["blocks"][0]["paragraph"]["elements"] = json!([
                {"type": "person", "person": {"open_id": "ou_b"}},
                {"type": "textRun", "text_run": {"text": "t", "style": {"back_color":
                    {"red": 1, "green": 2, "blue": 3, "alpha": 0.5}}}},
                {"type": "docsLink", "docsLink": {"url": "https://x", "title": "t"}}
            ]);
            let gallery = json!({"type": "gallery", "gallery":
                {"image_list": [{"fileToken": "f", "src": "s", "width": 1.5, "height": 2}]}});
            if let Some(blocks) = b["content"]["blocks"].as_array_mut() {
                blocks.push(gallery);
            }
        }),
    ];
    for bytes in &usual {
        assert!(same_reading(bytes), "{}", String::from_utf8_lossy(bytes));
    }
    // Escaped text, written back as serde_json writes it.
    let escaped = br#"{"source_title":"a\u00e9\n\"","source_url":"http:\/\/x","target_id":"1","target_type":2,"content":{"blocks":[]}}"#;
    assert!(same_reading(escaped));
}

#[test]
fn the_fast_reader_leaves_every_rare_body_to_the_document_reader() {
    let rare: Vec<Vec<u8>> = vec![
        // A broken rule, a missing member, a null member, a null item.
        body(|b| b["source_url"] = json!("ftp://x")),
        body(|b| {
            b.as_object_mut().map(|m| m.remove("content"));
        }),
        body(|b| b["source_url_pc"] = Value::Null),
        body(|b| b["content"]["blocks"] = json!([null])),
        // A key twice, camelCase beside snake_case.
        br#"{"source_title":"t","source_url":"ftp://x","source_url":"http://ok","target_id":"1","target_type":2,"content":{}}"#.to_vec(),
        body(|b| b["content"]["blocks"][0]["paragraph"]["elements"][0]["text_run"] = json!({"text": 5})),
        // Not JSON, not UTF-8, a lone surrogate in an undocumented member, -0, too deep.
        b"{".to_vec(),
        b"{\"source_title\":\"\xff\"}".to_vec(),
        br#"{"extra":"\ud800","source_title":"t","source_url":"http://x","target_id":"1","target_type":2,"content":{}}"#.to_vec(),
        br#"{"source_title":"t","source_url":"http://x","target_id":-0,"target_type":2,"content":{}}"#.to_vec(),
        nested(MAX_NESTING),
        b"[1]".to_vec(),
    ];
    for bytes in &rare {
        assert!(!same_reading(bytes), "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn snake_case_of_rich_text_keys_is_what_the_python_sdk_sends() {
    assert_eq!(snake_case("textRun"), "text_run");
    assert_eq!(snake_case("indentLevel"), "indent_level");
    assert_eq!(snake_case("openId"), "open_id");
    assert_eq!(snake_case("type"), "type");
}

/// Raw JSON texts (and a few that are not JSON) where the two parsers could part: numbers at
/// and past the edges of u64, i64, f64 and 2^53, escapes, surrogates, control characters.
const TRICKY: &[&str] = &[
    "0",
    "-0",
    "2",
    "2.0",
    "-1",
    "255",
    "256",
    "1",
    "16",
    "17",
    "1.5",
    "0.5",
    "33.335",
    "1e2",
    "1E5",
    "0.1e1",
    "1e400",
    "-1e400",
    "1e-400",
    "4.9e-324",
    "9007199254740993",
    "9999999999999999",
    "999999999999999999",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "01",
    "1.",
    ".5",
    "-",
    "+1",
    "true",
    "false",
    "null",
    "tru",
    "[]",
    "{}",
    "[null]",
    "[1,]",
    "{\"a\":1,}",
    "\"\"",
    "\"x\"",
    "\"paragraph\"",
    "\"textRun\"",
    "\"number\"",
    "\"http://x\"",
    "\"ftp://x\"",
    "\"a\\\"b\"",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "\"\\ud83d\\ude00\"",
    "\"\\/\"",
    "\"\\x\"",
    "\"\t\"",
    "\"\u{7f}\"",
    "\"😀\"",
    "\"\\\\\"",
    "\"a\\nb\"",
    " 1 ",
    "[[[[1]]]]",
    "{\"red\":1}",
];

/// Member keys to splice into objects: documented ones, their snake_case twins, and others.
const KEYS: &[&str] = &[
    "type",
    "textRun",
    "text_run",
    "text",
    "style",
    "bold",
    "backColor",
    "back_color",
    "red",
    "alpha",
    "indentLevel",
    "indent_level",
    "list",
    "number",
    "elements",
    "paragraph",
    "blocks",
    "percent",
    "status",
    "progress_rate",
    "source_title",
    "target_id",
    "extra",
    "",
];

/// Every JSON pointer below `v`.
fn pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    out.push(at.to_string());
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, c)| pointers(c, &format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| pointers(c, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// The benchmark body with one value replaced by a raw text of [`TRICKY`] (`pick.0`), or a
/// member `KEYS[pick.2]` with that text added to an object, at the `pick.1`-th pointer.
fn spliced(pick: (usize, usize, usize, bool)) -> Vec<u8> {
    let fixture = include_bytes!("../../../specs/examples/progress_record.json");
    let mut doc: Value = serde_json::from_slice(fixture).expect("fixture");
    let mut all = Vec::new();
    pointers(&doc, "", &mut all);
    let at = &all[pick.1 % all.len()];
    let raw = TRICKY[pick.0 % TRICKY.len()];
    let mark = "\u{1}mark";
    let target = doc.pointer_mut(at).expect("pointer");
    match target {
        Value::Object(m) if pick.3 => {
            m.insert(KEYS[pick.2 % KEYS.len()].to_string(), json!(mark));
        }
        other => *other = json!(mark),
    }
    serde_json::to_string(&doc)
        .expect("text")
        .replacen(&serde_json::to_string(mark).expect("mark"), raw, 1)
        .into_bytes()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..Default::default()
    })]

    /// Whatever value or member a usual body carries, the fast reader either leaves it to the
    /// document reader or reads exactly what that reads (and never accepts what it refuses).
    #[test]
    fn the_fast_reader_never_reads_a_spliced_body_apart_from_the_document_reader(
        pick in (0..1000usize, 0..1000usize, 0..1000usize, proptest::bool::ANY)
    ) {
        same_reading(&spliced(pick));
    }
}

#[test]
fn spliced_bodies_are_read_fast_and_left_to_the_document_reader_alike() {
    // The property above proves something only if both outcomes happen among its bodies.
    let outcomes: Vec<bool> = (0..TRICKY.len())
        .map(|t| same_reading(&spliced((t, 7, 0, false))))
        .collect();
    assert!(outcomes.iter().any(|fast| *fast) && outcomes.iter().any(|fast| !*fast));
}

#[test]
fn no_camel_case_key_of_a_spec_is_another_members_snake_case_key() {
    // The fast reader looks a key up among the camelCase keys first, the document reader among
    // both in member order: they agree only while no key can be both.
    for spec in Catalogue::get().endpoints.iter() {
        let body = JsonBody::compile(spec).expect("a tree");
        for node in &body.nodes {
            for m in &node.members {
                let clash = node
                    .members
                    .iter()
                    .any(|other| other.snake.as_deref() == Some(m.key));
                assert!(!clash, "{}: {} is also a snake_case key", spec.name, m.key);
            }
        }
    }
}
