//! The one JSON body validator: an endpoint spec's `in: json` fields compiled once into a tree,
//! and a body checked against it in one pass.
//!
//! Two readers share the compiled spec. The fast reader (`stream.rs`) scans the usual body once,
//! byte by byte, checking and writing each value as it passes; on anything unusual (a null, a
//! key twice, a broken rule, an escape it leaves to serde_json that fails, deep nesting) it
//! gives up, and the document reader (`dom.rs`: the body parsed by sonic-rs, then walked) reads
//! the body from the start and decides. Where the two could disagree the document reader is the
//! truth: the fast reader only ever accepts a body the document reader reads the same, byte for
//! byte (proved on fixed bodies and on random splices in `tests.rs`). A B2 progress record (2 KB)
//! costs some 70 k instructions to read, against 141 k for the document reader alone and 34 k
//! for serde_json merely to tokenize it (`bash bench/json-floor.sh`).
//!
//! Both check every documented value with its field's rules ([`FieldSpec::validate_view`]) and
//! write it in answer form: documented members only, object keys sorted (as in seed 001's
//! response example), whole numbers of `int`/`number` fields without a fraction, a field with
//! `answer_decimals` rounded.
//!
//! For a body that breaks rules, the answer names the first broken rule **in spec order** (the
//! field listed first in the spec; among its places, the first in document order), with the
//! concrete place (`content.blocks[2].paragraph.style.list.indentLevel`). The walk visits the
//! places of one field in document order, and a subtree whose fields all come after an already
//! broken rule is skipped, so a refusal costs no more than an acceptance.
//!
//! How members are read (FEISHU_FACTS §5: the Python SDK sends snake_case keys): a member is
//! found under its camelCase key, else under its snake_case key; a JSON `null` counts as absent
//! (a member, and an array item alike: a null item breaks only a `missing` rule);
//! a key given twice counts once, with its last value (as serde_json and Go's `encoding/json`
//! read it); undocumented members are ignored. A body that is JSON but not an object is read
//! as `{}`. A body that is not JSON, or nests deeper than [`MAX_NESTING`], is [`Refusal::NotJson`].
//!
//! The files of this folder: `compile.rs` (the spec compiled into a tree of nodes),
//! `reading.rs` (what a read gives: [`Reading`] or [`Refusal`]), `stream.rs` and `scan.rs` (the
//! fast reader for the usual body, and its scanner of JSON tokens), `dom.rs` (the document reader: every body, and the truth where the two
//! could disagree), `answer.rs` (the answer form and the place names both readers share).
//!
//! [`FieldSpec::validate_view`]: crate::contract::spec::FieldSpec::validate_view

mod answer;
mod compile;
mod dom;
mod reading;
mod scan;
mod stream;
#[cfg(test)]
mod tests;

pub use answer::answered_number;
pub use compile::{snake_case, JsonBody};
pub use reading::{Reading, Refusal};

/// Deepest nesting of objects and arrays a body may have, in levels (assumed: serde_json's
/// limit, one bracket short of 128; Feishu's gateway documents none). Deeper is not JSON to it.
pub const MAX_NESTING: usize = 127;

impl JsonBody {
    /// Reads `body`: [`Reading`] when it is JSON and every JSON field rule of the spec holds,
    /// else the [`Refusal`] (the first broken rule in spec order).
    pub fn read(&self, body: &[u8]) -> Result<Reading, Refusal> {
        // The usual body is read by the fast reader, which follows no more than a few dozen
        // levels (and so needs no look at the stack); every other body by the document reader.
        match stream::read(self, body) {
            Some(reading) => Ok(reading),
            None => self.read_document(body),
        }
    }
}
