//! What an upload hands a family: a multipart form's text parts and file parts, each file part
//! held whole or as a digest as the store's retention asks (`--retain`). The streaming reader
//! that fills them is `crate::http::multipart`.

use bytes::Bytes;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Bytes read back whole from spooled parts since the process started.
static READ_BACK_BYTES: AtomicU64 = AtomicU64::new(0);

/// Bytes read back whole from spool files since the process started, across every server in
/// it: file parts a handler accepted ([`FilePart::bytes`]) and text parts spooled when the
/// in-flight budget ran out. What the memory tests rest on: a request refused by its handler
/// adds nothing.
pub fn spooled_bytes_read_back() -> u64 {
    READ_BACK_BYTES.load(Ordering::Relaxed)
}

/// Leading bytes of a file part kept by [`FilePart::head`] in either retention mode: enough to
/// recognise an image format from its magic bytes (`okr::ImageFormat::sniff` reads at most 14
/// at fixed offsets, plus an ISO-BMFF `ftyp` box's compatible brands, which are looked for only
/// within these bytes: up to 60 brands).
pub const HEAD_BYTES: usize = 256;

/// One file part, read either whole or as a digest, as the store's retention asks
/// ([`FormLimits::retain`]). Handlers read it through the accessors ([`FilePart::len`],
/// [`FilePart::sha256`], [`FilePart::adler32`], [`FilePart::head`]), which answer the same in
/// both modes and whether the part is in memory or spooled; only [`FilePart::bytes`] tells the
/// modes apart, and only it reads a spooled part back.
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
    /// The bytes in an anonymous temporary file (`--retain bytes`, a part past the memory a
    /// request may hold: `http::budget::PART_MEMORY_BYTES` of a part, the in-flight budget
    /// across requests), with what the handlers check computed while they streamed to it. Read
    /// back whole only by [`FilePart::bytes`], which a handler calls once it accepts the part:
    /// a request refused by its handler never brings its spooled parts back into memory.
    Spooled(Arc<SpooledPart>),
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
            PartContent::Spooled(part) => part.len,
            PartContent::Digest { len, .. } => *len,
        }
    }

    /// Whether the part has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SHA-256 of the bytes, lower-case hex (64 chars); computed at most once per part (a
    /// spooled part is hashed as it streams from its file, never read back whole; the one
    /// file that cannot be read answers an empty string).
    pub fn sha256(&self) -> &str {
        match &self.content {
            PartContent::Bytes { bytes, sha256 } => {
                sha256.get_or_init(|| crate::state::sha256_hex(bytes))
            }
            PartContent::Spooled(part) => {
                part.sha256.get_or_init(|| part.hash().unwrap_or_default())
            }
            PartContent::Digest { sha256, .. } => sha256,
        }
    }

    /// The SHA-256 if it was already computed (always for a digest), without computing it:
    /// what a stored file carries so that `--retain bytes` never hashes what nothing asked for.
    pub fn known_sha256(&self) -> Option<String> {
        match &self.content {
            PartContent::Bytes { sha256, .. } => sha256.get().cloned(),
            PartContent::Spooled(part) => part.sha256.get().filter(|s| !s.is_empty()).cloned(),
            PartContent::Digest { sha256, .. } => Some(sha256.clone()),
        }
    }

    /// Adler-32 of the bytes (Drive's `checksum`).
    pub fn adler32(&self) -> u32 {
        match &self.content {
            PartContent::Bytes { bytes, .. } => simd_adler32::adler32(&bytes.as_ref()),
            PartContent::Spooled(part) => part.adler32,
            PartContent::Digest { adler32, .. } => *adler32,
        }
    }

    /// The first [`HEAD_BYTES`] bytes, or all of them when the part is shorter (image sniffing).
    pub fn head(&self) -> &[u8] {
        match &self.content {
            PartContent::Bytes { bytes, .. } => &bytes[..bytes.len().min(HEAD_BYTES)],
            PartContent::Spooled(part) => &part.head,
            PartContent::Digest { head, .. } => head,
        }
    }

    /// The bytes when they are kept (`--retain bytes`); `None` for a digest (`--retain
    /// metadata`). Call it once the part is accepted: a spooled part is read back whole from
    /// its temporary file here, on each call (up to the endpoint's `max_file_bytes`, a blocking
    /// read of a file the OS has just written). An `Err` is a temporary file that could not be
    /// read back, which handlers answer with their endpoint's internal error.
    pub fn bytes(&self) -> std::io::Result<Option<Bytes>> {
        match &self.content {
            PartContent::Bytes { bytes, .. } => Ok(Some(bytes.clone())),
            PartContent::Spooled(part) => part.read_back().map(Some),
            PartContent::Digest { .. } => Ok(None),
        }
    }
}

/// A file part held in an anonymous temporary file (deleted by the OS when the last clone of
/// its part is dropped), with its size, Adler-32 and first [`HEAD_BYTES`] bytes computed while
/// it was written; see [`PartContent::Spooled`].
#[derive(Debug)]
pub struct SpooledPart {
    file: Mutex<std::fs::File>,
    len: u64,
    adler32: u32,
    head: Bytes,
    sha256: OnceLock<String>,
}

impl SpooledPart {
    /// A part of `len` bytes written whole to `file`, whose Adler-32 is `adler32` and whose
    /// first bytes are `head` (at most [`HEAD_BYTES`]).
    pub fn new(file: std::fs::File, len: u64, adler32: u32, head: Bytes) -> SpooledPart {
        SpooledPart {
            file: Mutex::new(file),
            len,
            adler32,
            head,
            sha256: OnceLock::new(),
        }
    }

    /// Runs `f` on the file rewound to its start.
    fn rewound<T>(
        &self,
        f: impl FnOnce(&mut std::fs::File) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        let mut file = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("spool file lock poisoned"))?;
        file.seek(SeekFrom::Start(0))?;
        f(&mut file)
    }

    /// The whole part, read into one buffer of exactly `len` bytes (a blocking read).
    pub fn read_back(&self) -> std::io::Result<Bytes> {
        let len = usize::try_from(self.len).map_err(std::io::Error::other)?;
        self.rewound(|file| {
            let mut whole = vec![0u8; len];
            file.read_exact(&mut whole)?;
            READ_BACK_BYTES.fetch_add(self.len, Ordering::Relaxed);
            Ok(Bytes::from(whole))
        })
    }

    /// SHA-256 of the part, lower-case hex, streamed from the file (never held whole).
    fn hash(&self) -> std::io::Result<String> {
        use sha2::Digest;
        self.rewound(|file| {
            let mut sha256 = sha2::Sha256::new();
            std::io::copy(&mut file.take(self.len), &mut sha256)?;
            Ok(format!("{:x}", sha256.finalize()))
        })
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
