//! Task attachment upload (`task.attachment.upload`): a valid form mutated part by part
//! (several file parts, `file[]`, query `user_id_type`), through the multipart reader with the
//! endpoint's limits, validation and the store (all or nothing).
#![no_main]

mod common;

use common::*;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn profile() -> &'static FormProfile {
    static P: OnceLock<FormProfile> = OnceLock::new();
    P.get_or_init(|| FormProfile {
        endpoint: "task.attachment.upload",
        baseline: vec![
            Part::text("resource_type", "task"),
            Part::text("resource_id", "fe96108d-b004-4a47-b2f8-6886e758b3a5"),
            Part::file("file", "a.txt", "text/plain", b"hello"),
            Part::file("file[]", "b.txt", "text/plain", b"world"),
        ],
        names: &[
            "resource_type",
            "resource_id",
            "file",
            "file[]",
            "files",
            "",
        ],
        values: [
            &b"task"[..],
            b"TASK",
            b"fe96108d-b004-4a47-b2f8-6886e758b3a5",
            b"e6e37dcc-f75a-5936-f589-12fb4b5c80c2",
            b"9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d",
            b"00000000-0000-0000-0000-000000000000",
            b"hello",
        ]
        .iter()
        .map(|v| v.to_vec())
        .collect(),
        queries: vec![
            vec![],
            pairs(&[("user_id_type", "open_id")]),
            pairs(&[("user_id_type", "union_id")]),
            pairs(&[("user_id_type", "user_id")]),
            pairs(&[("user_id_type", "")]),
            pairs(&[("user_id_type", "email")]),
        ],
        paths: vec![vec![]],
        callers: vec![tenant(), user(), ghost_user()],
        never: &[1470500],
    })
}

fuzz_target!(|case: FormCase| {
    profile().run(case);
});
