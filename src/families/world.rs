//! The world file: what the emulator knows before the first request, as one JSON document.
//!
//! The default world is `specs/world.json`, embedded in the binary; `--world FILE` loads a file
//! of the same format instead. Unknown keys are refused, so a typo in a world file is an error at
//! start-up rather than a silently missing object. The directory part (apps, users, tokens) is
//! [`crate::state::world`]'s; each family owns the types of its own section
//! (`families/<family>/world.rs`).

use crate::families::drive::world::DriveWorld;
use crate::families::okr::world::OkrWorld;
use crate::families::project::world::ProjectWorld;
use crate::families::task::world::TaskWorld;
use crate::state::world::{App, PreissuedToken, PreissuedUserToken, User};
use serde::{Deserialize, Serialize};

/// The embedded default world (`specs/world.json`).
pub const DEFAULT_WORLD_JSON: &str = include_str!("../../specs/world.json");

/// Everything the emulator knows before the first request.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// Open-platform apps (`app_id` / `app_secret`).
    #[serde(default)]
    pub apps: Vec<App>,
    /// Tenant access tokens issued before start-up; they never expire.
    #[serde(default)]
    pub tenant_access_tokens: Vec<PreissuedToken>,
    /// Users of the tenant.
    #[serde(default)]
    pub users: Vec<User>,
    /// User access tokens issued before start-up; they never expire.
    #[serde(default)]
    pub user_access_tokens: Vec<PreissuedUserToken>,
    /// Drive documents that media can be uploaded into.
    #[serde(default)]
    pub drive: DriveWorld,
    /// OKR objectives, key results and images.
    #[serde(default)]
    pub okr: OkrWorld,
    /// Task v2 tasks.
    #[serde(default)]
    pub task: TaskWorld,
    /// Feishu Project plugins, users and spaces.
    #[serde(default)]
    pub project: ProjectWorld,
}

impl World {
    /// The embedded default world.
    pub fn default_world() -> World {
        // The embedded file is checked by the test suite; a parse error is a build defect.
        serde_json::from_str(DEFAULT_WORLD_JSON).expect("specs/world.json parses")
    }

    /// Parses a world file (the `--world` format, same as `specs/world.json`).
    pub fn from_json(text: &str) -> Result<World, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_world_parses_and_holds_the_seed_examples() {
        let w = World::default_world();
        assert!(w.apps.iter().any(|a| a.app_id == "cli_mock"));
        assert!(w
            .tenant_access_tokens
            .iter()
            .any(|t| t.token == "t-43b270c035ddffdcf79c9eb548d06318ca4abcef"));
        assert!(w
            .drive
            .nodes
            .iter()
            .any(|n| n.token == "doccnFivLCfJfblZjGZtxgabcef"));
    }

    #[test]
    fn world_files_with_unknown_keys_are_refused() {
        assert!(World::from_json(r#"{"appz":[]}"#).is_err());
    }
}
