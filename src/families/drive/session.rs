//! Chunked uploads in progress (`upload_prepare` → `upload_part` × N → `upload_finish`): what
//! Drive holds of an upload until it is finished, expires or the emulator is reset.
//!
//! An upload belongs to the identity that prepared it and lives 24 hours from prepare on the
//! emulator clock (FOLLOWUP_APIS §1.0). Blocks are kept by `seq`:
//! - under `--retain bytes` each block's bytes, joined into the file at finish;
//! - under `--retain metadata` a running SHA-256 of the blocks received so far in order (the
//!   *digested prefix*): a block is hashed and dropped as soon as every block before it is
//!   there; a block that arrives early is held whole until then. The finished file's SHA-256 is
//!   that of the whole file.
//!
//! Nothing here is visible outside Drive's own routes: an unfinished upload is not a stored file
//! and is not counted against `--max-stored-bytes`.

use crate::families::Caller;
use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};

/// The fixed block size of the chunked upload (FOLLOWUP_APIS §1.0: 4 MB = 4194304 bytes).
pub const BLOCK_SIZE: u64 = 4_194_304;

/// How long an upload stays valid after prepare, in ms (FOLLOWUP_APIS §1.0: 24 h).
pub const UPLOAD_LIFETIME_MS: i64 = 24 * 3600 * 1000;

/// Digits of an `upload_id` (the docs' example `7111211691345512356`).
pub const UPLOAD_ID_DIGITS: usize = 19;

/// The number of blocks of a file of `size` bytes: `ceil(size / 4194304)` (0 for an empty file).
pub fn block_count(size: u64) -> u64 {
    size.div_ceil(BLOCK_SIZE)
}

/// An upload in progress.
#[derive(Debug)]
pub struct Upload {
    /// Who prepared it; only the same caller may continue it.
    pub owner: Caller,
    /// `file_name` given to prepare.
    pub file_name: String,
    /// `parent_node` given to prepare.
    pub parent_node: String,
    /// `size` given to prepare.
    pub size: u64,
    /// `block_num` answered by prepare.
    pub block_num: u64,
    /// When it stops being valid, ms since the epoch (emulator clock).
    pub expires_at_ms: i64,
    /// Set by the finish that consumed it (a concurrent second finish sees it).
    pub finished: bool,
    blocks: Blocks,
}

/// The blocks received so far.
#[derive(Debug)]
enum Blocks {
    /// `--retain bytes`: each block's bytes by seq.
    Kept(Vec<Option<Bytes>>),
    /// `--retain metadata`: the digested prefix and the blocks waiting for it.
    Digested(Box<Digested>),
}

/// The digest state of an upload under `--retain metadata`.
#[derive(Debug)]
struct Digested {
    /// SHA-256 of blocks `0..prefix`.
    hasher: Sha256,
    /// The hasher state before each digested block (`states[i]` before block `i`), to digest a
    /// block again when it is replaced.
    states: Vec<Sha256>,
    /// SHA-256 of each digested block, to recognise a re-sent block with the same bytes.
    digests: Vec<[u8; 32]>,
    /// Blocks received ahead of the prefix, by seq.
    waiting: Vec<Option<Bytes>>,
}

impl Digested {
    fn prefix(&self) -> usize {
        self.digests.len()
    }
}

impl Upload {
    /// A new upload of `size` bytes in `block_num` blocks, keeping the blocks' bytes when
    /// `keep_bytes` (`--retain bytes`).
    pub fn new(
        owner: Caller,
        file_name: String,
        parent_node: String,
        size: u64,
        expires_at_ms: i64,
        keep_bytes: bool,
    ) -> Upload {
        let block_num = block_count(size);
        let slots = vec![None; block_num as usize];
        let blocks = if keep_bytes {
            Blocks::Kept(slots)
        } else {
            Blocks::Digested(Box::new(Digested {
                hasher: Sha256::new(),
                states: Vec::new(),
                digests: Vec::new(),
                waiting: slots,
            }))
        };
        Upload {
            owner,
            file_name,
            parent_node,
            size,
            block_num,
            expires_at_ms,
            finished: false,
            blocks,
        }
    }

    /// The byte count block `seq` must have: 4194304, or the remainder for the last block.
    pub fn expected_block_size(&self, seq: u64) -> u64 {
        if seq + 1 < self.block_num {
            BLOCK_SIZE
        } else {
            self.size - BLOCK_SIZE * (self.block_num.saturating_sub(1))
        }
    }

    /// Stores block `seq` (already checked: `seq < block_num`, the right size), replacing a
    /// block sent before with the same seq.
    pub fn put_block(&mut self, seq: u64, bytes: Bytes) {
        let seq = seq as usize;
        match &mut self.blocks {
            Blocks::Kept(slots) => slots[seq] = Some(bytes),
            Blocks::Digested(d) => {
                if seq < d.prefix() {
                    let digest: [u8; 32] = Sha256::digest(&bytes).into();
                    if d.digests[seq] == digest {
                        return;
                    }
                    // Different bytes for a digested block: digest again from before it; the
                    // digested blocks after it were not kept, so they are missing again.
                    d.hasher = d.states[seq].clone();
                    d.states.truncate(seq);
                    d.digests.truncate(seq);
                }
                d.waiting[seq] = Some(bytes);
                loop {
                    let next = d.prefix();
                    let Some(block) = d.waiting.get_mut(next).and_then(Option::take) else {
                        break;
                    };
                    d.states.push(d.hasher.clone());
                    d.hasher.update(&block);
                    d.digests.push(Sha256::digest(&block).into());
                }
            }
        }
    }

    /// The first seq never received, if any.
    pub fn missing_block(&self) -> Option<u64> {
        match &self.blocks {
            Blocks::Kept(slots) => slots.iter().position(Option::is_none).map(|i| i as u64),
            Blocks::Digested(d) => {
                (d.prefix() < self.block_num as usize).then_some(d.prefix() as u64)
            }
        }
    }

    /// The whole file (all blocks received): its bytes under `--retain bytes` (with no SHA-256
    /// yet), or no bytes and the SHA-256 of the whole file under `--retain metadata`.
    pub fn assemble(&self) -> (Bytes, Option<String>) {
        match &self.blocks {
            Blocks::Kept(slots) => {
                let mut out = BytesMut::with_capacity(self.size as usize);
                for block in slots.iter().flatten() {
                    out.extend_from_slice(block);
                }
                (out.freeze(), None)
            }
            Blocks::Digested(d) => (
                Bytes::new(),
                Some(format!("{:x}", d.hasher.clone().finalize())),
            ),
        }
    }

    /// Bytes held by this upload's blocks.
    pub fn held_bytes(&self) -> u64 {
        let slots = match &self.blocks {
            Blocks::Kept(slots) => slots,
            Blocks::Digested(d) => &d.waiting,
        };
        slots.iter().flatten().map(|b| b.len() as u64).sum()
    }
}
