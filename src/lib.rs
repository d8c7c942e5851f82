//! feishu-mock: an in-memory emulator of Feishu (Lark) upload APIs.
//!
//! It stands in for open.feishu.cn and project.feishu.cn so that code written against the real
//! platform and its official SDKs runs on a laptop or in CI, error paths included.
//!
//! # Layout
//! - [`spec`]: the documented contract as data (`specs/*.json`, embedded) and the rule checker.
//! - [`error`]: the error catalogue and the single error → response mapping.
//! - [`app`]: the pipeline from request to response (route, auth, extract, endpoint, envelope).
//! - [`multipart`]: streaming form reader with limits; bounded JSON reader; draining bodies.
//! - [`endpoints`]: one module per API family (`auth`, `drive`, `okr`, `task`, `project`).
//! - [`store`]: in-memory world, tokens and files; [`world`]: the world file format.
//! - [`ids`]: tokens, file tokens, log ids and GUIDs in Feishu's shapes, seedable.
//! - [`server`]: listener, graceful shutdown, and [`MockServer`] for Rust test suites.
//! - [`cli`]: the command line.

pub mod admin;
pub mod app;
pub mod cli;
pub mod endpoints;
pub mod error;
pub mod faults;
pub mod ids;
pub mod journal;
pub mod multipart;
pub mod quota;
pub mod server;
pub mod spec;
pub mod store;
pub mod world;

pub use server::{Config, MockServer};
pub use world::World;
