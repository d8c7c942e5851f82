//! The `project` section of a world file (`specs/world.json`): what this family starts with.

use serde::{Deserialize, Serialize};

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
    /// The spaces (project_key or simple_name) whose work items it may upload to and download
    /// from; another space answers 10001 No Permission. Empty or absent: every space (assumed,
    /// so that world files written before the binding keep working).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spaces: Vec<String>,
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
