//! The `okr` section of a world file (`specs/world.json`): what this family starts with.

use serde::{Deserialize, Serialize};

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
