//! What an upload hands a family: a multipart form's text parts and file parts, each file part
//! held whole or as a digest as the store's retention asks (`--retain`). The streaming reader
//! that fills them is `crate::http::multipart`.

use bytes::Bytes;
use std::sync::OnceLock;

/// Leading bytes of a file part kept by [`FilePart::head`] in either retention mode: enough to
/// recognise an image format from its magic bytes (`okr::ImageFormat::sniff` reads at most 14
/// at fixed offsets, plus an ISO-BMFF `ftyp` box's compatible brands, which are looked for only
/// within these bytes: up to 60 brands).
pub const HEAD_BYTES: usize = 256;

/// One file part, read either whole or as a digest, as the store's retention asks
/// ([`FormLimits::retain`]). Handlers read it through the accessors ([`FilePart::len`],
/// [`FilePart::sha256`], [`FilePart::adler32`], [`FilePart::head`]), which answer the same in
/// both modes; only [`FilePart::bytes`] tells them apart.
#[derive(Debug, Clone)]
pub struct FilePart {
    /// The part's field name as sent (`file`, `file[]`, `data`).
    pub field: String,
    /// The part's filename, if the client gave one.
    pub filename: Option<String>,
    /// The part's Content-Type, if the client gave one.
    pub content_type: Option<String>,
    content: PartContent,
}

/// What a [`FilePart`] holds of its bytes.
#[derive(Debug, Clone)]
pub enum PartContent {
    /// The bytes themselves (`--retain bytes`).
    Bytes {
        /// The bytes.
        bytes: Bytes,
        /// Their SHA-256 (lower-case hex), once something asked for it (the journal).
        sha256: OnceLock<String>,
    },
    /// What was computed while the bytes streamed past, the bytes themselves dropped (`--retain
    /// metadata`).
    Digest {
        /// Size in bytes.
        len: u64,
        /// SHA-256 of the bytes, lower-case hex.
        sha256: String,
        /// Adler-32 of the bytes.
        adler32: u32,
        /// The first [`HEAD_BYTES`] bytes (fewer when the part is shorter).
        head: Bytes,
    },
}

impl FilePart {
    /// A part named `field` (its filename and Content-Type as the client gave them) holding
    /// `content`.
    pub fn new(
        field: String,
        filename: Option<String>,
        content_type: Option<String>,
        content: PartContent,
    ) -> FilePart {
        FilePart {
            field,
            filename,
            content_type,
            content,
        }
    }

    /// Size of the part in bytes (at most its endpoint's `max_file_bytes`).
    pub fn len(&self) -> u64 {
        match &self.content {
            PartContent::Bytes { bytes, .. } => bytes.len() as u64,
            PartContent::Digest { len, .. } => *len,
        }
    }

    /// Whether the part has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SHA-256 of the bytes, lower-case hex (64 chars); computed at most once per part.
    pub fn sha256(&self) -> &str {
        match &self.content {
            PartContent::Bytes { bytes, sha256 } => {
                sha256.get_or_init(|| crate::state::sha256_hex(bytes))
            }
            PartContent::Digest { sha256, .. } => sha256,
        }
    }

    /// The SHA-256 if it was already computed (always for a digest), without computing it:
    /// what a stored file carries so that `--retain bytes` never hashes what nothing asked for.
    pub fn known_sha256(&self) -> Option<String> {
        match &self.content {
            PartContent::Bytes { sha256, .. } => sha256.get().cloned(),
            PartContent::Digest { sha256, .. } => Some(sha256.clone()),
        }
    }

    /// Adler-32 of the bytes (Drive's `checksum`).
    pub fn adler32(&self) -> u32 {
        match &self.content {
            PartContent::Bytes { bytes, .. } => simd_adler32::adler32(&bytes.as_ref()),
            PartContent::Digest { adler32, .. } => *adler32,
        }
    }

    /// The first [`HEAD_BYTES`] bytes, or all of them when the part is shorter (image sniffing).
    pub fn head(&self) -> &[u8] {
        match &self.content {
            PartContent::Bytes { bytes, .. } => &bytes[..bytes.len().min(HEAD_BYTES)],
            PartContent::Digest { head, .. } => head,
        }
    }

    /// The bytes when they were kept (`--retain bytes`); `None` for a digest (`--retain
    /// metadata`).
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.content {
            PartContent::Bytes { bytes, .. } => Some(bytes),
            PartContent::Digest { .. } => None,
        }
    }
}

/// A parsed form: text parts in arrival order, and file parts in arrival order.
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// (name, value) of every text part, empty ones included.
    pub texts: Vec<(String, String)>,
    /// File parts.
    pub files: Vec<FilePart>,
}

impl Form {
    /// The value of the first text part named `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
