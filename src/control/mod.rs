//! The control layer: the test control plane under `/__mock/` and what it steers.
//!
//! What lives here: the request journal ([`journal`]), fault rules and forced errors
//! ([`faults`]), the documented frequency limits ([`quota`]), the `/__mock/` paths ([`routes`]) and their answers ([`plane`]),
//! and [`Emulator`], the whole in-memory emulator that `POST /__mock/reset` replaces.
//!
//! May import: [`crate::contract`], [`crate::state`], [`crate::families`]. Never
//! [`crate::http`]: the plane answers with [`response::HttpResponse`] values of its own.

pub mod faults;
pub mod journal;
pub mod openapi;
pub mod plane;
pub mod quota;
pub mod replay;
pub mod response;
pub mod routes;
pub mod ui;
pub mod world_check;

use crate::families::world::World;
use crate::families::Families;
use crate::state::store::{Options, Store};

/// The whole emulator: shared state, each family's objects, and the control plane's own
/// records. One per server, behind an `Arc`; `POST /__mock/reset` replaces it whole.
#[derive(Debug)]
pub struct Emulator {
    /// Clock, ids, directory, stored files.
    pub store: Store,
    /// Each family's objects (Drive nodes, OKR records, tasks, Project attachments).
    pub families: Families,
    /// The request journal (`GET /__mock/requests`).
    pub journal: journal::Journal,
    /// Fault rules (`/__mock/faults`).
    pub faults: faults::Faults,
    /// Frequency-limit counters.
    pub quota: quota::Quota,
}

impl Emulator {
    /// An emulator holding `world`, with identifiers seeded by `seed` when given.
    pub fn new(world: &World, seed: Option<u64>, options: Options) -> Emulator {
        let emulator = Emulator {
            journal: journal::Journal::new(options.journal_limit),
            faults: faults::Faults::new(seed),
            quota: quota::Quota::default(),
            store: Store::with_options(seed, options),
            families: Families::load(world),
        };
        emulator.add_world(world);
        emulator
    }

    /// Adds the objects of `w` to the running emulator (`POST /__mock/world`): the directory
    /// to the store, each section to its family. Existing objects with the same ids are
    /// replaced.
    pub fn add_world(&self, w: &World) {
        self.store.add_directory(
            &w.apps,
            &w.tenant_access_tokens,
            &w.users,
            &w.user_access_tokens,
        );
        self.families.add_world(w);
    }
}
