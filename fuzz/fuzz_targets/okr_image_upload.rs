//! OKR image upload (`okr.image.upload`): a valid form mutated part by part, through the
//! multipart reader with the endpoint's limits, validation (image sniffing included) and the
//! store.
#![no_main]

mod common;

use common::*;
use feishu_mock::families::Caller;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn profile() -> &'static FormProfile {
    static P: OnceLock<FormProfile> = OnceLock::new();
    P.get_or_init(|| FormProfile {
        endpoint: "okr.image.upload",
        baseline: vec![
            Part::file("data", "a.png", "image/png", PNG),
            Part::text("target_id", "6974586812998174252"),
            Part::text("target_type", "2"),
        ],
        names: &["data", "target_id", "target_type", "file", "image", ""],
        values: [
            PNG,
            b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01",
            b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0",
            b"GIF89a\x01\0\x01\0\x80\0\0",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0",
            b"\0\0\0\x18ftypmif1",
            b"RIFF",
            b"6974586812998174252",
            b"7041430377642082323",
            b"2",
            b"3",
            b"4",
            b"2.0",
            b" 2",
        ]
        .iter()
        .map(|v| v.to_vec())
        .collect(),
        queries: vec![vec![]],
        paths: vec![vec![]],
        callers: vec![
            tenant(),
            user(),
            ghost_user(),
            Caller::Tenant {
                app_id: "cli_unknown".into(),
            },
            Caller::Anonymous,
        ],
        never: &[1009999, 1009998],
    })
}

fuzz_target!(|case: FormCase| {
    profile().run(case);
});
