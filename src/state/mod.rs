//! The state layer: what every family shares and no family owns.
//!
//! What lives here: the emulator clock, identifiers in Feishu's shapes ([`ids`]), the tenant's
//! directory of apps, users and issued tokens ([`world`], [`store`], [`tokens`]), stored files
//! ([`store`]) with their retention and caps ([`options`]), and the typed form of an upload
//! ([`upload`]).
//!
//! May import: [`crate::contract`]. It knows no family: each family keeps its own objects in
//! its own folder under `crate::families`.

pub mod ids;
pub mod options;
pub mod store;
pub mod tokens;
pub mod upload;
pub mod world;

/// SHA-256 of `bytes`, lower-case hex (64 chars).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}
