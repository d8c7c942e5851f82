//! The `drive` section of a world file (`specs/world.json`): what this family starts with.

use serde::{Deserialize, Serialize};

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
