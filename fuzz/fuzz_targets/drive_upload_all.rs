//! Drive `upload_all` (`drive.media.upload_all`): a valid form mutated part by part, through
//! the multipart reader with the endpoint's limits, validation and the store.
#![no_main]

mod common;

use common::*;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn profile() -> &'static FormProfile {
    static P: OnceLock<FormProfile> = OnceLock::new();
    P.get_or_init(|| FormProfile {
        endpoint: "drive.media.upload_all",
        baseline: vec![
            Part::text("file_name", "demo.txt"),
            Part::text("parent_type", "doc_file"),
            Part::text("parent_node", "doccnFivLCfJfblZjGZtxgabcef"),
            Part::text("size", "5"),
            Part::text("checksum", "103547413"),
            Part::text("extra", "{\"drive_route_token\":\"x\"}"),
            Part::file("file", "demo.txt", "text/plain", b"hello"),
        ],
        names: &[
            "file_name",
            "parent_type",
            "parent_node",
            "size",
            "checksum",
            "extra",
            "file",
            "file[]",
            "data",
            "",
        ],
        values: [
            &b"hello"[..],
            b"5",
            b"0",
            b"-1",
            b"20971520",
            b"20971521",
            b"9223372036854775808",
            b"103547413",
            b"doc_image",
            b"ccm_import_open",
            b"doccnMissing",
            b"doxcnXgNGAtaAraIRVeCfmabcef",
            b"{}",
            b"[]",
            b"{\"a\":",
            "图片.png".as_bytes(),
            b"\xff\xfe",
        ]
        .iter()
        .map(|v| v.to_vec())
        .collect(),
        queries: vec![vec![]],
        paths: vec![vec![]],
        callers: vec![tenant(), user(), ghost_user()],
        never: &[1061001],
    })
}

fuzz_target!(|case: FormCase| {
    profile().run(case);
});
