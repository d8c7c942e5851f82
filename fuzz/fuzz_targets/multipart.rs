//! The streaming multipart reader (`feishu_mock::http::multipart::read_form`) on its own: arbitrary
//! framing (boundary lines, headers, CRLFs, bytes) or well-formed forms, any boundary, cut into
//! arbitrary chunks, under each endpoint's limits or tiny ones. It must never panic, and
//! - what it accepts respects the limits (parts, files, file and text sizes, file field names);
//! - a well-formed form is read back exactly, part for part: the bytes under `--retain bytes`,
//!   size, SHA-256, Adler-32 and head under either retention;
//! - a body cut short ([`Truncation`]: half-closed before its `Content-Length`, or reset) is
//!   never accepted, wherever the cut falls (issue 12).
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::*;
use feishu_mock::http::multipart::{read_form, FormLimits, HEAD_BYTES, MAX_PARTS, MAX_TEXT_PART_BYTES};
use feishu_mock::contract::spec::Catalogue;
use feishu_mock::http::in_memory::BodyEnd;
use feishu_mock::state::store::Retain;
use libfuzzer_sys::fuzz_target;

/// A piece of a hand-framed body.
#[derive(Arbitrary, Debug)]
enum Piece {
    Boundary,
    CloseBoundary,
    Crlf,
    Disposition(String, Option<String>),
    ContentType(String),
    Header(String, String),
    Bytes(Vec<u8>),
}

/// A part of a well-formed form.
#[derive(Arbitrary, Debug)]
struct WellFormed {
    name: u8,
    filename: Option<String>,
    content_type: bool,
    body: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
enum Body {
    Framed(Vec<Piece>),
    WellFormed(Vec<WellFormed>),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Case {
    endpoint: u8,
    /// `None` takes the endpoint's own limits; `Some((bytes, files))` tiny ones.
    tiny: Option<(u8, u8)>,
    /// Read file parts as digests (`--retain metadata`) instead of bytes.
    metadata: bool,
    boundary: String,
    header: u8,
    body: Body,
    cuts: Vec<u16>,
    /// Cut the body short.
    truncation: Option<Truncation>,
}

const NAMES: &[&str] = &[
    "file",
    "file[]",
    "data",
    "file_name",
    "size",
    "target_id",
    "x",
];

/// Only characters that survive a quoted header value unchanged.
fn plain(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect()
}

fuzz_target!(|case: Case| {
    let catalogue = Catalogue::get();
    let multipart: Vec<_> = catalogue
        .endpoints
        .iter()
        .filter(|e| e.body == feishu_mock::contract::spec::BodyKind::Multipart)
        .collect();
    let spec = multipart[case.endpoint as usize % multipart.len()];
    let mut limits = FormLimits {
        file_fields: spec.file_field_names(),
        max_file_bytes: case
            .tiny
            .map(|(b, _)| u64::from(b))
            .unwrap_or(spec.max_file_bytes()),
        max_files: case
            .tiny
            .map(|(_, f)| usize::from(f % 8))
            .unwrap_or(spec.max_files()),
        // Unknown length: every part goes through the memory budget and spool path.
        body_bytes: None,
        retain: if case.metadata {
            Retain::Metadata
        } else {
            Retain::Bytes
        },
    };
    let boundary = if case.boundary.is_empty() {
        BOUNDARY.to_string()
    } else {
        case.boundary.clone()
    };
    let mut expected: Option<Vec<Part>> = None;
    let body = match &case.body {
        Body::Raw(b) => b.clone(),
        Body::Framed(pieces) => {
            let mut out = Vec::new();
            for p in pieces.iter().take(256) {
                match p {
                    Piece::Boundary => {
                        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes())
                    }
                    Piece::CloseBoundary => {
                        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes())
                    }
                    Piece::Crlf => out.extend_from_slice(b"\r\n"),
                    Piece::Disposition(name, file) => {
                        let f = file
                            .as_ref()
                            .map(|f| format!("; filename=\"{f}\""))
                            .unwrap_or_default();
                        out.extend_from_slice(
                            format!("Content-Disposition: form-data; name=\"{name}\"{f}\r\n")
                                .as_bytes(),
                        );
                    }
                    Piece::ContentType(ct) => {
                        out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes())
                    }
                    Piece::Header(k, v) => {
                        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes())
                    }
                    Piece::Bytes(b) => out.extend_from_slice(b),
                }
            }
            out
        }
        Body::WellFormed(parts) => {
            // RFC 2046 bchars that are also RFC 2045 token chars, so that the boundary reads the
            // same quoted or not.
            let boundary_ok = !boundary.is_empty()
                && boundary.len() <= 70
                && boundary
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"'+_-.".contains(&b));
            let parts: Vec<Part> = parts
                .iter()
                .take(MAX_PARTS)
                .map(|p| Part {
                    name: NAMES[p.name as usize % NAMES.len()].to_string(),
                    filename: p.filename.as_deref().map(plain).filter(|f| !f.is_empty()),
                    content_type: p.content_type.then(|| "application/octet-stream".into()),
                    body: p.body.clone(),
                })
                .collect();
            let needle = format!("\r\n--{boundary}");
            let clean = parts.iter().all(|p| {
                !p.body.windows(needle.len()).any(|w| w == needle.as_bytes())
                    && !p.body.ends_with(b"\r")
                    && !p.body.starts_with(format!("--{boundary}").as_bytes())
            });
            if boundary_ok && clean {
                expected = Some(parts.clone());
            }
            encode(&parts, &boundary)
        }
    };
    let content_type = match case.header % 4 {
        0 => format!("multipart/form-data; boundary=\"{boundary}\""),
        1 => format!("Multipart/Form-Data; charset=utf-8; boundary={boundary}"),
        _ => format!("multipart/form-data; boundary={boundary}"),
    };
    let (chunks, end) = cut_body(body, &case.cuts, case.truncation);
    let cut_short = end != BodyEnd::Whole;
    if let BodyEnd::HalfClosed { declared } = end {
        limits.body_bytes = Some(declared);
    }
    let stream = futures_util_stream(chunks, cut_short);
    let got = runtime().block_on(read_form(stream, Some(&content_type), &limits));
    if cut_short {
        assert!(got.is_err(), "a body cut short was accepted: {got:?}");
        return;
    }
    if let Ok(form) = &got {
        assert!(form.texts.len() + form.files.len() <= MAX_PARTS);
        assert!(form.files.len() <= limits.max_files);
        for f in &form.files {
            assert!(f.len() <= limits.max_file_bytes);
            assert_eq!(f.bytes().expect("spool readable").is_none(), case.metadata);
            assert!(limits.file_fields.contains(&f.field));
        }
        for (name, value) in &form.texts {
            assert!(value.len() <= MAX_TEXT_PART_BYTES);
            assert!(!limits.file_fields.contains(name));
        }
    }
    if let Some(parts) = expected {
        let files: Vec<&Part> = parts
            .iter()
            .filter(|p| limits.file_fields.contains(&p.name))
            .collect();
        let texts: Vec<&Part> = parts
            .iter()
            .filter(|p| !limits.file_fields.contains(&p.name))
            .collect();
        let within = files.len() <= limits.max_files
            && files
                .iter()
                .all(|f| f.body.len() as u64 <= limits.max_file_bytes)
            && texts
                .iter()
                .all(|t| std::str::from_utf8(&t.body).is_ok() && !t.body.contains(&0))
            && parts
                .iter()
                .all(|p| !p.filename.as_deref().is_some_and(|f| f.contains('\0')));
        if within {
            let form = got.unwrap_or_else(|e| panic!("well-formed form refused: {e:?}"));
            assert_eq!(form.files.len(), files.len());
            for (f, p) in form.files.iter().zip(&files) {
                assert_eq!(f.field, p.name);
                if let Some(bytes) = f.bytes().expect("spool readable") {
                    assert_eq!(&bytes[..], &p.body[..]);
                }
                assert_eq!(f.len(), p.body.len() as u64);
                assert_eq!(f.sha256(), feishu_mock::state::sha256_hex(&p.body));
                assert_eq!(f.adler32(), adler32(&p.body));
                assert_eq!(f.head(), &p.body[..p.body.len().min(HEAD_BYTES)]);
                assert_eq!(f.filename, p.filename);
            }
            assert_eq!(form.texts.len(), texts.len());
            for ((name, value), p) in form.texts.iter().zip(&texts) {
                assert_eq!(name, &p.name);
                assert_eq!(value.as_bytes(), &p.body[..]);
            }
        }
    }
});

/// Adler-32 by its definition (RFC 1950), to check the reader's.
fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// The chunks as the stream `read_form` reads.
/// `chunks` as a body stream, ending with a transport error (as hyper ends a body half-closed
/// before its `Content-Length`, or reset) when `fail`.
fn futures_util_stream(
    chunks: Vec<bytes::Bytes>,
    fail: bool,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    let failure = fail.then(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
    futures_util::stream::iter(chunks.into_iter().map(Ok).chain(failure.map(Err)))
}
