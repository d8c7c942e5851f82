//! The store's behaviour switches ([`Options`], from the command line), what it keeps of an
//! accepted file ([`Retain`]), its default caps, and the refusal when a cap is reached
//! ([`StoreFull`]).

/// Entries the request journal keeps by default (`--journal-limit`).
pub const DEFAULT_JOURNAL_LIMIT: usize = 1000;

/// Behaviour switches that live as long as the store.
#[derive(Debug, Clone)]
pub struct Options {
    /// Enforce the documented frequency limits (`--no-rate-limits` turns them off).
    pub rate_limits: bool,
    /// Entries kept by the request journal (`--journal-limit`, 0 keeps none).
    pub journal_limit: usize,
    /// Create unknown OKR targets, tasks, Drive nodes and work items on first use (`--loose`).
    pub loose: bool,
    /// What is kept of an accepted file (`--retain`).
    pub retain: Retain,
    /// A byte cap given explicitly (`--max-stored-bytes`); `None` takes the retention mode's
    /// default ([`Options::byte_cap`]). An upload or record that would pass the cap is refused
    /// with the platform's quota code and stores nothing.
    pub max_stored_bytes: Option<u64>,
    /// Most objects kept at once — stored files of every endpoint and OKR progress records —
    /// in every retention mode (`--max-stored-objects`): an upload or record past it is
    /// refused like one past `max_stored_bytes`, with the platform's quota code, and stores
    /// nothing. This is what bounds memory under `--retain metadata`.
    pub max_stored_objects: usize,
    /// Most tokens issued at runtime kept at once, per kind of token table (open-platform
    /// tokens; Feishu Project plugin tokens) (`--max-issued-tokens`): past it the tokens
    /// closest to expiry are forgotten first. Expired tokens are reclaimed whatever the cap.
    pub max_issued_tokens: usize,
}

/// Bytes counted against `--max-stored-bytes` by default: 4 GiB.
pub const DEFAULT_MAX_STORED_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Objects kept at once by default (`--max-stored-objects`): ~0.9 KB of metadata each at most
/// under `--retain metadata`, so about 450 MiB.
pub const DEFAULT_MAX_STORED_OBJECTS: usize = 500_000;

/// Tokens issued at runtime kept at once by default (`--max-issued-tokens`).
pub const DEFAULT_MAX_ISSUED_TOKENS: usize = 100_000;

/// An issued token table is swept of expired tokens each time its size reaches a multiple of
/// What the store keeps of an accepted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Retain {
    /// The bytes and the metadata: downloads serve the bytes back.
    #[default]
    Bytes,
    /// Name, size, sha256 and content type only: memory stays flat under sustained load;
    /// downloads answer an empty body. A progress record keeps everything but its content
    /// (whose size it keeps).
    Metadata,
}

/// An upload refused because it would pass `--max-stored-bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFull;

impl Options {
    /// The cap on bytes counted by the store, in bytes, and what it counts:
    /// - `--retain bytes`: the bytes kept — files' bytes and progress record contents — capped
    ///   at `max_stored_bytes`, else [`DEFAULT_MAX_STORED_BYTES`] (4 GiB);
    /// - `--retain metadata`: no file bytes and no record content are kept, so by default
    ///   there is no byte cap (`None`): `max_stored_objects` alone bounds memory. A cap given
    ///   explicitly counts files' sizes as uploaded, so a test can still provoke the quota
    ///   code (Drive `1061101`) without keeping the bytes.
    pub fn byte_cap(&self) -> Option<u64> {
        match (self.max_stored_bytes, self.retain) {
            (Some(cap), _) => Some(cap),
            (None, Retain::Bytes) => Some(DEFAULT_MAX_STORED_BYTES),
            (None, Retain::Metadata) => None,
        }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rate_limits: true,
            journal_limit: DEFAULT_JOURNAL_LIMIT,
            loose: false,
            retain: Retain::Bytes,
            max_stored_bytes: None,
            max_stored_objects: DEFAULT_MAX_STORED_OBJECTS,
            max_issued_tokens: DEFAULT_MAX_ISSUED_TOKENS,
        }
    }
}
