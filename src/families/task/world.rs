//! The `task` section of a world file (`specs/world.json`): what this family starts with.

use serde::{Deserialize, Serialize};

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
