//! The world: the apps, users, tokens and business objects the emulator starts with.
//!
//! The default world is `specs/world.json`, embedded in the binary; `--world FILE` loads a file
//! of the same format instead. Unknown keys are refused, so a typo in a world file is an error at
//! start-up rather than a silently missing object.

use serde::{Deserialize, Serialize};

/// The embedded default world (`specs/world.json`).
pub const DEFAULT_WORLD_JSON: &str = include_str!("../specs/world.json");

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

/// An open-platform app.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// `cli_…`.
    pub app_id: String,
    /// The secret that token requests must present.
    pub app_secret: String,
    /// `custom` (self-built, 自建应用) or `isv` (store app, 商店应用).
    #[serde(default = "custom")]
    pub app_type: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Scopes granted to the app (e.g. `drive:drive`).
    #[serde(default)]
    pub scopes: Vec<String>,
}

fn custom() -> String {
    "custom".to_string()
}

/// A tenant access token that exists from start-up and never expires.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PreissuedToken {
    /// The token text (`t-…`).
    pub token: String,
    /// The app it belongs to.
    pub app_id: String,
}

/// A user access token that exists from start-up and never expires.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PreissuedUserToken {
    /// The token text (`u-…`).
    pub token: String,
    /// The app it was issued through.
    pub app_id: String,
    /// The user (`ou_…`).
    pub open_id: String,
}

/// A user, under each of Feishu's three ids.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// `ou_…`, per app.
    pub open_id: String,
    /// `on_…`, per developer.
    #[serde(default)]
    pub union_id: String,
    /// Tenant-wide id.
    #[serde(default)]
    pub user_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// Drive documents.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DriveWorld {
    /// Upload points (`parent_node` values).
    #[serde(default)]
    pub nodes: Vec<DriveNode>,
}

/// A Drive document that media can be uploaded into.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DriveNode {
    /// The document token (`doccn…`, `doxcn…`, `shtcn…`, `bascn…`).
    pub token: String,
    /// `doc`, `docx`, `sheet`, `bitable`, …
    #[serde(rename = "type")]
    pub node_type: String,
    /// Title.
    #[serde(default)]
    pub title: String,
}

/// OKR data.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OkrWorld {
    /// Objectives (`target_type` 2).
    #[serde(default)]
    pub objectives: Vec<Objective>,
    /// Key results (`target_type` 3).
    #[serde(default)]
    pub key_results: Vec<KeyResult>,
    /// Images uploaded before start-up (file tokens usable in galleries).
    #[serde(default)]
    pub images: Vec<OkrImage>,
}

/// An OKR objective.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    /// Numeric id as a string.
    pub id: String,
    /// Owner's open_id.
    #[serde(default)]
    pub owner_open_id: String,
}

/// An OKR key result.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyResult {
    /// Numeric id as a string.
    pub id: String,
    /// The objective it belongs to.
    #[serde(default)]
    pub objective_id: String,
}

/// An OKR progress image known from start-up.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OkrImage {
    /// `boxbc…`.
    pub file_token: String,
    /// The objective or key result it was uploaded for.
    pub target_id: String,
    /// 2 objective, 3 key result.
    pub target_type: i64,
}

/// Task v2 data.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskWorld {
    /// Tasks.
    #[serde(default)]
    pub tasks: Vec<Task>,
}

/// A task.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Task GUID.
    pub guid: String,
    /// Title.
    #[serde(default)]
    pub summary: String,
    /// Who may edit it (and so upload attachments): users by open_id (`ou_…`) and apps by
    /// app_id (`cli_…`), the latter for tenant tokens (Task v2 members are users or apps).
    #[serde(default)]
    pub editors: Vec<String>,
}

/// Feishu Project data.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectWorld {
    /// Plugins (`plugin_id` / `plugin_secret`).
    #[serde(default)]
    pub plugins: Vec<Plugin>,
    /// Users by `user_key`.
    #[serde(default)]
    pub users: Vec<ProjectUser>,
    /// Spaces.
    #[serde(default)]
    pub spaces: Vec<Space>,
}

/// A Feishu Project plugin.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plugin {
    /// `MII_…`.
    pub plugin_id: String,
    /// Its secret.
    pub plugin_secret: String,
}

/// A Feishu Project user.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectUser {
    /// Numeric user key as a string.
    pub user_key: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// A Feishu Project space.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    /// Space id.
    pub project_key: String,
    /// Domain name used in URLs (e.g. `doc`).
    #[serde(default)]
    pub simple_name: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Work item types.
    #[serde(default)]
    pub work_item_types: Vec<WorkItemType>,
    /// Work items.
    #[serde(default)]
    pub work_items: Vec<WorkItem>,
}

/// A work item type and its fields.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkItemType {
    /// `story`, `issue`, …
    pub type_key: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Fields of the type.
    #[serde(default)]
    pub fields: Vec<WorkItemField>,
}

/// A field of a work item type.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkItemField {
    /// Unique key (`field_…`).
    pub field_key: String,
    /// Alias (对接标识).
    #[serde(default)]
    pub field_alias: String,
    /// `multi_file` for attachment fields; `compound_field` for compound fields.
    pub field_type_key: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The sub-fields of a `compound_field` (复合字段), whose value is a list of elements
    /// addressed by `index`; empty for any other field type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<WorkItemField>,
}

/// A work item.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkItem {
    /// Numeric id as a string.
    pub id: String,
    /// Its type.
    pub work_item_type_key: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
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
