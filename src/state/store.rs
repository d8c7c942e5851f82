//! In-memory state every family shares: the tenant's directory (apps, users), issued tokens,
//! stored files, and the emulator's clock and random source.
//!
//! Methods are synchronous and return owned values, so no lock or DashMap guard is ever held
//! across an `.await` (the wiremock-rs habit).

use crate::state::ids::Ids;
pub use crate::state::options::{
    Options, Retain, StoreFull, DEFAULT_JOURNAL_LIMIT, DEFAULT_MAX_ISSUED_TOKENS,
    DEFAULT_MAX_STORED_BYTES, DEFAULT_MAX_STORED_OBJECTS,
};
pub use crate::state::tokens::{
    bound_issued_tokens, IssuedToken, TokenKind, TOKEN_LIFETIME_SECS,
    TOKEN_REUSE_MIN_REMAINING_SECS, TOKEN_SWEEP_EVERY,
};
use crate::state::world::{App, PreissuedToken, PreissuedUserToken, User};
use bytes::Bytes;
use dashmap::DashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Prefix of Drive media and Task attachment file tokens (seed 004's example
/// `boxcnrHpsg1QDqXAAAyachabcef`).
pub const FILE_TOKEN_PREFIX: &str = "boxcn";
/// Base62 chars after [`FILE_TOKEN_PREFIX`].
pub const FILE_TOKEN_LEN: usize = 22;

/// Latest emulator time, in ms since the epoch: 9999-12-31T23:59:59.999Z, the last instant
/// a log id (`YYYYMMDDhhmmss…`) and an ISO date can spell.
pub const MAX_CLOCK_MS: i64 = 253_402_300_799_999;

/// A clock advance that would pass [`MAX_CLOCK_MS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockOutOfRange;

/// Adds `n` to `counter` unless that would pass `cap`: then [`StoreFull`] and nothing counted.
fn reserve(counter: &AtomicU64, n: u64, cap: Option<u64>) -> Result<(), StoreFull> {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
            held.checked_add(n).filter(|t| cap.is_none_or(|c| *t <= c))
        })
        .map(|_| ())
        .map_err(|_| StoreFull)
}

/// A file kept by any endpoint, with its bytes (or, under `--retain metadata`, only its size and
/// sha256).
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// The token the endpoint answered with.
    pub file_token: String,
    /// Name given by the client (Drive `file_name`, a part's filename, …).
    pub name: String,
    /// Content type given by the client or recognised from the bytes.
    pub content_type: String,
    /// The bytes; empty under `--retain metadata`.
    pub bytes: Bytes,
    /// Size of the file as uploaded, in bytes (given by the endpoint: the part's length, which
    /// under `--retain metadata` the empty `bytes` no longer tell).
    pub size: u64,
    /// SHA-256 of the file as uploaded, lower-case hex; always set when the bytes are not kept
    /// (`--retain metadata`: computed while the part streamed, or by [`Store::put_files`]),
    /// otherwise when already computed (the journal) or later on demand.
    pub sha256: Option<String>,
    /// The endpoint that stored it (`drive.media.upload_all`, …).
    pub endpoint: String,
    /// Where it was attached: Drive `parent_node`, task guid, OKR target id, work item id.
    pub parent: String,
    /// Upload time, ms since the epoch (emulator clock).
    pub uploaded_at_ms: i64,
}

/// The emulator's state. One per server; shared behind an `Arc`, and replaced whole by
/// `POST /__mock/reset`.
#[derive(Debug)]
pub struct Store {
    clock_offset_ms: AtomicI64,
    ids: Mutex<Ids>,
    apps: DashMap<String, App>,
    users: DashMap<String, User>,
    tokens: DashMap<String, IssuedToken>,
    /// Latest minted token per (app_id, kind), for reuse while ≥ 30 min remain.
    latest_token: DashMap<(String, TokenKind), String>,
    files: DashMap<String, StoredFile>,
    /// Bytes kept: files' bytes (none under `--retain metadata`) and progress record contents.
    stored_bytes: AtomicU64,
    /// Bytes counted against the byte cap ([`Options::byte_cap`]): stored files' sizes as
    /// uploaded (under `--retain bytes` the bytes kept; under `--retain metadata` what an
    /// explicit cap counts) and kept progress record contents.
    counted_bytes: AtomicU64,
    /// Objects kept (stored files and progress records), against `--max-stored-objects`.
    stored_objects: AtomicU64,
    /// Behaviour switches.
    pub options: Options,
}

impl Store {
    /// An empty store (no apps, users or tokens yet) with identifiers seeded by `seed` when
    /// given, and default options.
    pub fn new(seed: Option<u64>) -> Store {
        Store::with_options(seed, Options::default())
    }

    /// An empty store with `options`.
    pub fn with_options(seed: Option<u64>, options: Options) -> Store {
        Store {
            options,
            clock_offset_ms: AtomicI64::new(0),
            ids: Mutex::new(Ids::new(seed)),
            apps: DashMap::new(),
            users: DashMap::new(),
            tokens: DashMap::new(),
            latest_token: DashMap::new(),
            files: DashMap::new(),
            stored_bytes: AtomicU64::new(0),
            counted_bytes: AtomicU64::new(0),
            stored_objects: AtomicU64::new(0),
        }
    }

    /// Adds a world file's directory: `apps`, `tenant_access_tokens` and `user_access_tokens`
    /// (issued before start-up: they never expire), and `users`. Objects with the same ids are
    /// replaced.
    pub fn add_directory(
        &self,
        apps: &[App],
        tenant_access_tokens: &[PreissuedToken],
        users: &[User],
        user_access_tokens: &[PreissuedUserToken],
    ) {
        for app in apps {
            self.apps.insert(app.app_id.clone(), app.clone());
        }
        for user in users {
            self.users.insert(user.open_id.clone(), user.clone());
        }
        for t in tenant_access_tokens {
            self.tokens.insert(
                t.token.clone(),
                IssuedToken {
                    token: t.token.clone(),
                    kind: TokenKind::Tenant,
                    app_id: t.app_id.clone(),
                    open_id: None,
                    expires_at_ms: None,
                },
            );
        }
        for t in user_access_tokens {
            self.tokens.insert(
                t.token.clone(),
                IssuedToken {
                    token: t.token.clone(),
                    kind: TokenKind::User,
                    app_id: t.app_id.clone(),
                    open_id: Some(t.open_id.clone()),
                    expires_at_ms: None,
                },
            );
        }
    }

    /// Emulator time in ms since the epoch: the system clock plus any advance.
    pub fn now_ms(&self) -> i64 {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        sys + self.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// Moves emulator time forward by `ms` milliseconds (tests; saturates at [`MAX_CLOCK_MS`]).
    pub fn advance_clock_ms(&self, ms: i64) {
        let _ = self.try_advance_clock_ms(ms.max(0) as u64).or_else(|_| {
            let room = MAX_CLOCK_MS - self.now_ms();
            self.try_advance_clock_ms(room.max(0) as u64)
        });
    }

    /// Moves emulator time forward by `ms` milliseconds, unless the clock would then pass
    /// [`MAX_CLOCK_MS`]: then [`ClockOutOfRange`] and the clock is left as it was. Returns the
    /// new time.
    pub fn try_advance_clock_ms(&self, ms: u64) -> Result<i64, ClockOutOfRange> {
        let ms = i64::try_from(ms).map_err(|_| ClockOutOfRange)?;
        let sys = self.now_ms() - self.clock_offset_ms.load(Ordering::Relaxed);
        self.clock_offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                offset
                    .checked_add(ms)
                    .filter(|o| sys.checked_add(*o).is_some_and(|t| t <= MAX_CLOCK_MS))
            })
            .map_err(|_| ClockOutOfRange)?;
        Ok(self.now_ms())
    }

    /// Runs `f` with the random source (seeded by `--seed`).
    pub fn with_ids<T>(&self, f: impl FnOnce(&mut Ids) -> T) -> T {
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut ids)
    }

    /// A fresh log id (`YYYYMMDDhhmmss` + 20 hex chars).
    pub fn log_id(&self) -> String {
        self.log_id_at(self.now_ms())
    }

    /// A fresh log id stamped with `now_ms` (emulator clock), for a caller that has read the
    /// clock already.
    pub fn log_id_at(&self, now_ms: i64) -> String {
        self.with_ids(|ids| ids.log_id(now_ms))
    }

    /// The app `app_id`, if the world has it.
    pub fn app(&self, app_id: &str) -> Option<App> {
        self.apps.get(app_id).map(|a| a.clone())
    }

    /// `f` of the app `app_id`, if the world has it, without copying the app (the per-request
    /// scope and app-type checks).
    pub fn with_app<T>(&self, app_id: &str, f: impl FnOnce(&App) -> T) -> Option<T> {
        self.apps.get(app_id).map(|a| f(&a))
    }

    /// The user with `open_id`, if the world has it.
    pub fn user(&self, open_id: &str) -> Option<User> {
        self.users.get(open_id).map(|u| u.clone())
    }

    /// The token record for `token` if it exists and has not expired.
    pub fn live_token(&self, token: &str) -> Option<IssuedToken> {
        self.with_live_token(token, IssuedToken::clone)
    }

    /// `f` of the token record for `token` if it exists and has not expired, without copying
    /// the record (the per-request Bearer check).
    pub fn with_live_token<T>(&self, token: &str, f: impl FnOnce(&IssuedToken) -> T) -> Option<T> {
        let now = self.now_ms();
        self.tokens
            .get(token)
            .filter(|t| t.expires_at_ms.is_none_or(|exp| exp > now))
            .map(|t| f(&t))
    }

    /// Issues (or re-issues) a `kind` token for `app_id` and returns it with its remaining
    /// lifetime in seconds. The latest token is handed out again while at least
    /// [`TOKEN_REUSE_MIN_REMAINING_SECS`] remain; below that a new one is minted and the old one
    /// stays valid until its own expiry (FEISHU_FACTS §1).
    pub fn issue_token(&self, app_id: &str, kind: TokenKind) -> (String, i64) {
        let now = self.now_ms();
        let key = (app_id.to_string(), kind);
        let mut latest = self.latest_token.entry(key).or_default();
        if let Some(existing) = self.tokens.get(latest.as_str()) {
            if let Some(exp) = existing.expires_at_ms {
                let remaining = (exp - now) / 1000;
                if remaining >= TOKEN_REUSE_MIN_REMAINING_SECS {
                    return (existing.token.clone(), remaining);
                }
            }
        }
        let token = self.with_ids(|ids| ids.tenant_access_token());
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                token: token.clone(),
                kind,
                app_id: app_id.to_string(),
                open_id: None,
                expires_at_ms: Some(now + TOKEN_LIFETIME_SECS * 1000),
            },
        );
        *latest = token.clone();
        drop(latest);
        bound_issued_tokens(&self.tokens, now, self.options.max_issued_tokens, |t| {
            t.expires_at_ms
        });
        (token, TOKEN_LIFETIME_SECS)
    }

    /// Every app of the world, sorted by `app_id` (secrets included: callers showing them
    /// must leave `app_secret` out).
    pub fn apps(&self) -> Vec<App> {
        let mut apps: Vec<App> = self.apps.iter().map(|a| a.clone()).collect();
        apps.sort_by(|a, b| a.app_id.cmp(&b.app_id));
        apps
    }

    /// Every user of the world, sorted by `open_id`, with the ids and name the world gives.
    pub fn users(&self) -> Vec<User> {
        let mut users: Vec<User> = self.users.iter().map(|u| u.clone()).collect();
        users.sort_by(|a, b| a.open_id.cmp(&b.open_id));
        users
    }

    /// Open-platform tokens live at `now_ms` (emulator clock, ms since the epoch): the world's
    /// pre-issued ones (`expires_at_ms` `None`) first, then issued ones by expiry (ms since the
    /// epoch, soonest first), ties by token text. Expired tokens not yet reclaimed are left out.
    pub fn live_tokens(&self, now_ms: i64) -> Vec<IssuedToken> {
        let mut live: Vec<IssuedToken> = self
            .tokens
            .iter()
            .filter(|t| t.expires_at_ms.is_none_or(|exp| exp > now_ms))
            .map(|t| t.clone())
            .collect();
        live.sort_by(|a, b| {
            (a.expires_at_ms.is_some(), a.expires_at_ms, &a.token).cmp(&(
                b.expires_at_ms.is_some(),
                b.expires_at_ms,
                &b.token,
            ))
        });
        live
    }

    /// Open-platform tokens held: the world's and those issued and not yet reclaimed.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Every stored file, oldest upload first.
    pub fn files(&self) -> Vec<StoredFile> {
        let mut files: Vec<StoredFile> = self.files.iter().map(|f| f.clone()).collect();
        files.sort_by(|a, b| {
            (a.uploaded_at_ms, &a.file_token).cmp(&(b.uploaded_at_ms, &b.file_token))
        });
        files
    }

    /// At most `limit` stored files in upload order (as [`Store::files`]) that come after
    /// `after` (the `(uploaded_at_ms, file_token)` of the last file of the previous page), and
    /// whether more follow. One pass over the files keeping the `limit + 1` first keys: memory
    /// O(`limit`) whatever the number of files.
    pub fn files_page(&self, after: Option<(i64, &str)>, limit: usize) -> (Vec<StoredFile>, bool) {
        use std::collections::BinaryHeap;
        let mut first: BinaryHeap<(i64, String)> = BinaryHeap::with_capacity(limit + 2);
        for f in self.files.iter() {
            let key = (f.uploaded_at_ms, f.file_token.as_str());
            if after.is_some_and(|a| key <= a) {
                continue;
            }
            if first.len() > limit {
                match first.peek() {
                    Some(top) if (top.0, top.1.as_str()) > key => {
                        first.pop();
                    }
                    _ => continue,
                }
            }
            first.push((key.0, key.1.to_string()));
        }
        let has_more = first.len() > limit;
        let mut keys = first.into_sorted_vec();
        keys.truncate(limit);
        let page = keys.iter().filter_map(|(_, t)| self.file(t)).collect();
        (page, has_more)
    }

    /// Keeps `file` under its token; see [`Store::put_files`].
    pub fn put_file(&self, file: StoredFile) -> Result<(), StoreFull> {
        self.put_files(vec![file])
    }

    /// Keeps all of `files` or none: under `--retain metadata` only their metadata (size and
    /// sha256 included; bytes given anyway are hashed if need be, then dropped); under
    /// `--max-stored-bytes` the batch is refused whole with [`StoreFull`] when the bytes kept
    /// would pass the cap. Each file's `size` is taken as given.
    pub fn put_files(&self, files: Vec<StoredFile>) -> Result<(), StoreFull> {
        let mut files = files;
        for f in files.iter_mut() {
            if self.options.retain == Retain::Metadata {
                if f.sha256.is_none() {
                    f.sha256 = Some(crate::state::sha256_hex(&f.bytes));
                }
                f.bytes = Bytes::new();
            }
        }
        let kept: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
        let counted: u64 = files.iter().map(|f| f.size.max(f.bytes.len() as u64)).sum();
        self.reserve_stored_objects(files.len())?;
        if let Err(full) = reserve(&self.counted_bytes, counted, self.options.byte_cap()) {
            self.release(0, 0, files.len());
            return Err(full);
        }
        self.stored_bytes.fetch_add(kept, Ordering::SeqCst);
        for f in files {
            self.files.insert(f.file_token.clone(), f);
        }
        Ok(())
    }

    /// Bytes currently kept across all stored files and progress record contents (none of a
    /// file's under `--retain metadata`).
    pub fn stored_bytes(&self) -> u64 {
        self.stored_bytes.load(Ordering::SeqCst)
    }

    /// Bytes counted against `--max-stored-bytes`: files' sizes as uploaded, kept or not, and
    /// kept progress record contents.
    pub fn counted_bytes(&self) -> u64 {
        self.counted_bytes.load(Ordering::SeqCst)
    }

    /// Objects kept: stored files and progress records.
    pub fn stored_objects(&self) -> u64 {
        self.stored_objects.load(Ordering::SeqCst)
    }

    /// Counts `bytes` more as kept (a progress record's content) against `--max-stored-bytes`:
    /// [`StoreFull`], counting nothing, when they would pass the cap.
    pub fn reserve_stored_bytes(&self, bytes: u64) -> Result<(), StoreFull> {
        reserve(&self.counted_bytes, bytes, self.options.byte_cap())?;
        self.stored_bytes.fetch_add(bytes, Ordering::SeqCst);
        Ok(())
    }

    /// Counts `n` more objects (a progress record; files count through [`Store::put_files`])
    /// against `--max-stored-objects`: [`StoreFull`], counting nothing, when they would pass
    /// it.
    pub fn reserve_stored_objects(&self, n: usize) -> Result<(), StoreFull> {
        reserve(
            &self.stored_objects,
            n as u64,
            Some(self.options.max_stored_objects as u64),
        )
    }

    /// Gives back `n` objects counted by [`Store::reserve_stored_objects`] for an object that
    /// was not kept after all.
    pub fn release_stored_objects(&self, n: usize) {
        self.release(0, 0, n);
    }

    /// Gives back what a kept object counted (`kept` bytes, `counted` bytes, `objects`).
    fn release(&self, kept: u64, counted: u64, objects: usize) {
        self.stored_bytes.fetch_sub(kept, Ordering::SeqCst);
        self.counted_bytes.fetch_sub(counted, Ordering::SeqCst);
        self.stored_objects
            .fetch_sub(objects as u64, Ordering::SeqCst);
    }

    /// Counts `bytes` as no longer kept (e.g. the content of a deleted or replaced progress
    /// record), never below zero, in what is kept and what counts against the cap.
    pub fn release_stored_bytes(&self, bytes: u64) {
        for counter in [&self.stored_bytes, &self.counted_bytes] {
            let _ = counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
                Some(held.saturating_sub(bytes))
            });
        }
    }

    /// Forgets the stored file `file_token` (e.g. a deleted Task attachment), giving back what
    /// it counted.
    pub fn remove_file(&self, file_token: &str) {
        if let Some((_, f)) = self.files.remove(file_token) {
            let kept = f.bytes.len() as u64;
            self.release(kept, f.size.max(kept), 1);
        }
    }

    /// The stored file `file_token`.
    pub fn file(&self, file_token: &str) -> Option<StoredFile> {
        self.files.get(file_token).map(|f| f.clone())
    }

    /// Whether `file_token` is taken.
    pub fn has_file(&self, file_token: &str) -> bool {
        self.files.contains_key(file_token)
    }

    /// Number of stored files.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// A new unique token of `prefix` + `n` base62 chars, not yet used by any stored file.
    pub fn new_file_token(&self, prefix: &str, n: usize) -> String {
        loop {
            let t = self.with_ids(|ids| ids.base62_token(prefix, n));
            if !self.has_file(&t) {
                return t;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_tokens_lists_preissued_first_then_by_expiry_and_drops_expired_ones() {
        let store = Store::new(Some(7));
        store.add_directory(
            &[],
            &[PreissuedToken {
                token: "t-world".into(),
                app_id: "cli_a".into(),
            }],
            &[],
            &[],
        );
        let (minted, secs) = store.issue_token("cli_a", TokenKind::Tenant);
        assert_eq!(secs, TOKEN_LIFETIME_SECS);
        let now = store.now_ms();
        let live = store.live_tokens(now);
        let texts: Vec<&str> = live.iter().map(|t| t.token.as_str()).collect();
        assert_eq!(texts, ["t-world", minted.as_str()]);
        assert_eq!(live[0].expires_at_ms, None);
        let exp = live[1].expires_at_ms.expect("issued tokens expire");
        assert!(exp > now && exp <= now + TOKEN_LIFETIME_SECS * 1000);
        let later: Vec<String> = store
            .live_tokens(exp)
            .into_iter()
            .map(|t| t.token)
            .collect();
        assert_eq!(later, ["t-world"], "expired at its expiry instant");
    }

    fn sized(token: &str, size: u64) -> StoredFile {
        StoredFile {
            file_token: token.into(),
            name: "a.bin".into(),
            content_type: "application/octet-stream".into(),
            bytes: Bytes::new(),
            size,
            sha256: Some(String::new()),
            endpoint: "drive.media.upload_all".into(),
            parent: "node".into(),
            uploaded_at_ms: 0,
        }
    }

    #[test]
    fn retain_bytes_caps_at_4_gib_by_default_both_sides_of_the_cap() {
        let store = Store::with_options(None, Options::default());
        assert_eq!(store.options.byte_cap(), Some(4 * 1024 * 1024 * 1024));
        store
            .put_file(sized("a", DEFAULT_MAX_STORED_BYTES))
            .expect("exactly the cap fits");
        assert!(store.put_file(sized("b", 1)).is_err(), "one byte past it");
        assert_eq!(store.stored_objects(), 1);
    }

    #[test]
    fn retain_metadata_has_no_byte_cap_unless_one_is_given() {
        let metadata = Options {
            retain: Retain::Metadata,
            ..Options::default()
        };
        let store = Store::with_options(None, metadata.clone());
        assert_eq!(store.options.byte_cap(), None);
        for (i, size) in [DEFAULT_MAX_STORED_BYTES, DEFAULT_MAX_STORED_BYTES, 1]
            .iter()
            .enumerate()
        {
            store
                .put_file(sized(&i.to_string(), *size))
                .expect("bounded by objects alone");
        }
        assert_eq!(store.stored_bytes(), 0, "no bytes kept");
        let capped = Store::with_options(
            None,
            Options {
                max_stored_bytes: Some(10),
                ..metadata
            },
        );
        capped.put_file(sized("a", 10)).expect("at the given cap");
        assert!(
            capped.put_file(sized("b", 1)).is_err(),
            "past the given cap"
        );
    }
}
