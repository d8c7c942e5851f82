//! Parses the B2 body (`specs/examples/progress_record.json`, 2,000 bytes, ~280 JSON tokens)
//! `N` times with one parser: `json-floor PARSER N`. `bench/json-floor.sh` runs it under
//! callgrind with N = 0 and N = 500 and prints the instructions of one parse.
//!
//! Parsers:
//! - `serde_json-ignored`: serde_json reading the body into `IgnoredAny` (every token read and
//!   checked, nothing built: its floor);
//! - `serde_json-value`: serde_json into a `Value` (feishu-mock's features: `preserve_order`);
//! - `sonic-rs-value`: sonic-rs into its `Value` (the document reader's parser);
//! - `sonic-rs-ignored`: sonic-rs into `IgnoredAny`;
//! - `simd-json-tape`: simd-json's tape (runtime detection of AVX2/SSE4.2), the body copied first
//!   as simd-json parses in place;
//! - `minimal-scan`: a lower bound, not a parser: the smallest scanner that finds every token
//!   of the body (UTF-8 checked by simdutf8, strings eight bytes at a time, brackets matched),
//!   with no escape decoded, no number's grammar checked and nothing written;
//! - `feishu-mock-skip`: feishu-mock's fast reader along a spec with no JSON fields, so every
//!   member is read through and nothing written (its own floor);
//! - `feishu-mock-read`: feishu-mock's `JsonBody::read` along `okr.progress_record.create`:
//!   parse, every rule checked, the answer written (what B2 pays).

use feishu_mock::contract::json_body::JsonBody;
use feishu_mock::contract::spec::Catalogue;
use std::hint::black_box;

mod minimal;

fn main() {
    let mut args = std::env::args().skip(1);
    let parser = args.next().expect("json-floor PARSER N");
    let n: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .expect("json-floor PARSER N");
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../specs/examples/progress_record.json"
    );
    let body = std::fs::read(root).expect("the B2 body");
    let catalogue = Catalogue::get();
    let read = JsonBody::compile(catalogue.endpoint("okr.progress_record.create")).expect("spec");
    let skip = JsonBody::compile(catalogue.endpoint("drive.media.download")).expect("spec");
    let mut kept = 0usize;
    for _ in 0..n {
        let b = black_box(&body[..]);
        kept += match parser.as_str() {
            "serde_json-ignored" => {
                serde_json::from_slice::<serde::de::IgnoredAny>(b).expect("JSON");
                1
            }
            "serde_json-value" => serde_json::from_slice::<serde_json::Value>(b)
                .expect("JSON")
                .as_object()
                .map_or(0, |o| o.len()),
            "sonic-rs-value" => {
                let v: sonic_rs::Value = sonic_rs::from_slice(b).expect("JSON");
                sonic_rs::JsonValueTrait::is_object(&v) as usize
            }
            "sonic-rs-ignored" => {
                sonic_rs::from_slice::<serde::de::IgnoredAny>(b).expect("JSON");
                1
            }
            "simd-json-tape" => {
                let mut copy = b.to_vec();
                simd_json::to_tape(&mut copy).expect("JSON").0.len()
            }
            "minimal-scan" => {
                simdutf8::basic::from_utf8(b).expect("UTF-8");
                minimal::scan(b).expect("JSON")
            }
            "feishu-mock-skip" => skip.read(b).map(|_| 1).expect("read through"),
            "feishu-mock-read" => read
                .read(b)
                .expect("a valid body")
                .answer("content")
                .map_or(0, str::len),
            other => panic!("no parser {other}"),
        };
    }
    println!("{kept}");
}
