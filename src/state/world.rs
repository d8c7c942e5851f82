//! The tenant's directory as a world file declares it: open-platform apps, users, and the
//! tokens issued before start-up (the top-level `apps`, `users`, `tenant_access_tokens` and
//! `user_access_tokens` of `specs/world.json`). Knows no family.

use serde::{Deserialize, Serialize};

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
