//! feishu-mock: an in-memory emulator of Feishu (Lark) upload APIs.
//!
//! It stands in for open.feishu.cn and project.feishu.cn so that code written against the real
//! platform and its official SDKs runs on a laptop or in CI, error paths included.
//!
//! # Layout
//! Six layers; a module imports only from its own layer and the layers listed before it
//! (`tests/layers.rs` holds every `use crate::` line to this).
//! - [`contract`]: the documented contract as data (`specs/*.json`, embedded): field rules, the
//!   JSON body validator, the error catalogue and the one error → response renderer. No I/O.
//! - [`recording`]: recordings of the real Feishu as data: the versioned exchange format, its
//!   reader and writer, and the recorded answers `serve --replay` looks up.
//! - [`state`]: clock, ids, the tenant's directory and issued tokens, stored files (retention,
//!   cap), the typed form of an upload. Knows no family.
//! - [`families`]: one folder per Feishu API family (`auth`, `drive`, `okr`, `task`,
//!   `project`): its routes, one file per documented operation, its own objects and its section
//!   of the world file. A family never imports another.
//! - [`control`]: the `/__mock/` control plane (journal, faults, quotas, clock, world) and
//!   [`control::Emulator`], the whole state that a reset replaces.
//! - [`http`]: multipart and JSON readers, routing, the request flow, the server and
//!   [`MockServer`].
//! - [`cli`]: the command line (above every layer, like `main.rs`).
//! - [`proxy`]: `feishu-mock record`, the recording reverse proxy (above every layer).
//! - [`parity`]: `feishu-mock parity`, which replays a recording against the whole emulator
//!   and compares (above every layer).

pub mod cli;
pub mod contract;
pub mod control;
pub mod families;
pub mod http;
pub mod parity;
pub mod proxy;
pub mod recording;
pub mod state;

pub use families::world::World;
pub use http::server::{Config, MockServer};
