//! Feishu Project work-item upload (`project.work_item.file.upload`): a valid form mutated part
//! by part, with path parameters drawn from the world and beyond, through the multipart reader
//! with the endpoint's limits, validation and the store.
#![no_main]

mod common;

use common::*;
use feishu_mock::families::Caller;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const PROJECT_KEY: &str = "68382b399de4b0ec6c5a0001";

fn path(project: &str, type_key: &str, item: &str) -> Vec<(String, String)> {
    pairs(&[
        ("project_key", project),
        ("work_item_type_key", type_key),
        ("work_item_id", item),
    ])
}

fn profile() -> &'static FormProfile {
    static P: OnceLock<FormProfile> = OnceLock::new();
    P.get_or_init(|| FormProfile {
        endpoint: "project.work_item.file.upload",
        baseline: vec![
            Part::text("field_key", "field_attachment"),
            Part::file("file", "a.txt", "text/plain", b"hello"),
        ],
        names: &["file", "field_key", "field_alias", "index", "file[]", ""],
        values: [
            &b"field_attachment"[..],
            b"attachment",
            b"field_deliverable_files",
            b"field_deliverables",
            b"field_description",
            b"description",
            b"field_issue_attachment",
            b"0",
            b"2",
            b"-1",
            b"4294967296",
            b"hello",
        ]
        .iter()
        .map(|v| v.to_vec())
        .collect(),
        queries: vec![vec![]],
        paths: vec![
            path(PROJECT_KEY, "story", "6437110001"),
            path("doc", "story", "6437110001"),
            path(PROJECT_KEY, "issue", "6437110101"),
            path(PROJECT_KEY, "story", "6437110101"),
            path(PROJECT_KEY, "nope", "6437110001"),
            path("nope", "story", "6437110001"),
            path(PROJECT_KEY, "story", "1"),
        ],
        callers: vec![
            Caller::Plugin {
                plugin_id: "MII_MOCK_PLUGIN".into(),
                user_key: Some("7000000000000000001".into()),
            },
            Caller::Plugin {
                plugin_id: "MII_MOCK_PLUGIN".into(),
                user_key: None,
            },
        ],
        never: &[],
    })
}

fuzz_target!(|case: FormCase| {
    profile().run(case);
});
