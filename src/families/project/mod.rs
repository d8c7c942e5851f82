//! Feishu Project (飞书项目, seed 003): plugin tokens, and work-item attachment upload with its
//! natural next call, download — on Project's own auth and envelope (FEISHU_FACTS §4).
//!
//! Routes:
//! - `POST /open_api/authen/plugin_token`, JSON `{"plugin_id","plugin_secret","type":0|1}` →
//!   HTTP 200 `{"error":{"code":0,"msg":""},"data":{"token":"p-<uuid>","expire_time":7200}}`
//!   (`v-<uuid>` for `type` 1, a virtual plugin token). Errors come in the same envelope with
//!   HTTP 200 and `data` `{}`: 20006 (malformed body, `type` not 0/1), 10001 (unknown plugin or
//!   wrong secret) — both assumed.
//! - `POST /open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/upload`,
//!   multipart: `file` (one part, ≤ 104857600 bytes), `field_key` or `field_alias`, `index` for
//!   attachment fields inside compound fields. Answers exactly seed 003's
//!   `{"err":{},"err_msg":"","err_code":0}`, without `data`; the stored attachment's uuid is in
//!   the `X-Mock-Attachment-Uuid` response header (and so in the journal) and in
//!   `/__mock/files`. At most [`MAX_ATTACHMENTS_PER_FIELD`] attachments per field (per element
//!   for compound fields).
//! - `POST /open_api/:project_key/file/upload` ([`project_file_upload`], FOLLOWUP_APIS §4.1):
//!   one `file` part for rich text → `data` `["<url>"]`, as the Go SDK's `[]string`.
//! - `POST /open_api/file/delete` ([`file_delete`], §4.3): JSON, deletes attachments of one
//!   field all or nothing → `data {}`; 30019 for a uuid the field does not hold.
//! - Every write honours `X-IDEM-UUID` (§4.4): a repeat of a successful write with the same
//!   key, token and API answers HTTP 429 10430 and stores nothing (assumed).
//! - `POST /open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/download`,
//!   JSON `{"uuid"}` → HTTP 200 with the bytes, the stored Content-Type and the file name in
//!   `Content-Disposition`.
//!
//! Both work-item routes take `X-PLUGIN-TOKEN` (a `p-` token also needs `X-USER-KEY` naming a
//! user of the world). Codes: 10022 (token absent, unknown or expired), 10001 (user key missing
//! or unknown), 1000050255 (project), 20003 (type), 30005 (work item), 1000050190 (form or
//! field), 1000050174 (size, second file), 1000050262 (51st attachment), 20006 (download of an
//! unknown uuid). Statuses, messages and the order of checks are in
//! `specs/project.work_item.file.upload.json` and `specs/platform.json`.

pub mod file_delete;
pub mod file_download;
pub mod file_upload;
pub mod plugin_token;
pub mod project_file_upload;
pub mod state;
pub mod user_token;
pub mod world;

use crate::contract::error::{lookup, ApiError, ErrorScope};
use crate::contract::spec::BodyKind;
use crate::families::{expect_form, expect_json, Caller, Ctx, RouteAuth, RouteDef};
use crate::state::store::StoredFile;
use hyper::HeaderMap;
use serde_json::{json, Value};
pub use state::{
    AttachRefused, FieldSlot, IdemClaim, PluginToken, PluginTokenKind, ProjectState, UserGrant,
};
use world::{Space, WorkItem, WorkItemField};

/// The routes of this family: token issuing, the documented upload, and its download.
pub const ROUTES: &[RouteDef] = &[
    RouteDef {
        method: None,
        pattern: None,
        spec: UPLOAD_SPEC,
        auth: RouteAuth::Plugin,
        body: None,
        handler: file_upload::file_upload,
    },
    RouteDef {
        method: Some("POST"),
        pattern: Some(
            "/open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/download",
        ),
        spec: UPLOAD_SPEC,
        auth: RouteAuth::Plugin,
        body: Some(BodyKind::Json),
        handler: file_download::file_download,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "project.file.upload",
        auth: RouteAuth::Plugin,
        body: None,
        handler: project_file_upload::project_file_upload,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "project.file.delete",
        auth: RouteAuth::Plugin,
        body: None,
        handler: file_delete::file_delete,
    },
    RouteDef {
        method: Some("POST"),
        pattern: Some(PLUGIN_TOKEN_PATH),
        spec: UPLOAD_SPEC,
        auth: RouteAuth::None,
        body: Some(BodyKind::Json),
        handler: plugin_token::plugin_token,
    },
    RouteDef {
        method: Some("POST"),
        pattern: Some(USER_PLUGIN_TOKEN_PATH),
        spec: UPLOAD_SPEC,
        auth: RouteAuth::None,
        body: Some(BodyKind::Json),
        handler: user_token::user_plugin_token,
    },
    RouteDef {
        method: Some("POST"),
        pattern: Some(REFRESH_TOKEN_PATH),
        spec: UPLOAD_SPEC,
        auth: RouteAuth::None,
        body: Some(BodyKind::Json),
        handler: user_token::refresh_token,
    },
];

/// The spec whose error table, envelope and limits all Project routes use.
/// Route of the plugin token endpoint (`POST`, FEISHU_FACTS §4), answered in its own envelope
/// (`{"data":{"token","expire_time"}}`, or `{"error":{"code","msg"},"data":{}}`).
pub const PLUGIN_TOKEN_PATH: &str = "/open_api/authen/plugin_token";
/// Route that exchanges a user's authorization code for a user plugin token (`POST`; emulated
/// from project-oapi-sdk-golang v1.0.25 `service/plugin/api.go` `GetUserPluginToken`, assumed).
pub const USER_PLUGIN_TOKEN_PATH: &str = "/open_api/authen/user_plugin_token";
/// Route that trades a refresh token for a new user plugin token (`POST`; emulated from the
/// same SDK's `RefreshToken`, assumed).
pub const REFRESH_TOKEN_PATH: &str = "/open_api/authen/refresh_token";
/// The routes answered in the token envelope (`{"error":{"code","msg"},"data":{…}}`).
pub const TOKEN_PATHS: &[&str] = &[
    PLUGIN_TOKEN_PATH,
    USER_PLUGIN_TOKEN_PATH,
    REFRESH_TOKEN_PATH,
];

const UPLOAD_SPEC: &str = "project.work_item.file.upload";

/// `err_code` for an absent, unknown or expired `X-PLUGIN-TOKEN` (FEISHU_FACTS §4, 3p; absent is
/// assumed).
pub const CHECK_TOKEN_FAILED: i64 = 10022;
/// A plugin token without `X-USER-KEY`, an unknown `X-USER-KEY`, or wrong plugin credentials
/// (assumed).
pub const NO_PERMISSION: i64 = 10001;
/// A malformed `plugin_token` body, or a download of a uuid the work item does not hold
/// (assumed).
pub const INVALID_PARAM: i64 = 20006;
/// The 51st attachment of a field (seed 003 note 3; the code is assumed).
pub const UPLOAD_FAIL: i64 = 1000050262;

/// HTTP 429 `API Request Idempotent Limit`: a write repeated with the same `X-IDEM-UUID`
/// (FOLLOWUP_APIS §4.4; what a repeat answers is assumed).
pub const IDEMPOTENT_LIMIT: i64 = 10430;
/// How long a successful write's `X-IDEM-UUID` is remembered, in ms (assumed: 24 hours).
pub const IDEM_WINDOW_MS: i64 = 24 * 3600 * 1000;
/// The response header that names a work-item attachment's uuid, which seed 003's answer
/// does not carry.
pub const ATTACHMENT_UUID_HEADER: &str = "X-Mock-Attachment-Uuid";

/// Lifetime of a plugin or virtual token, in seconds (`expire_time`, FEISHU_FACTS §4); user
/// plugin tokens get the same (assumed).
pub const PLUGIN_TOKEN_LIFETIME_SECS: i64 = 7200;
/// Lifetime of a refresh token, in seconds (`refresh_token_expire_time`; assumed: 14 days).
pub const REFRESH_TOKEN_LIFETIME_SECS: i64 = 14 * 24 * 3600;
/// Lifetime of an authorization code minted by `POST /__mock/project/auth_code`, in seconds
/// (assumed: 5 minutes; on Feishu Project the plugin's front end gets codes from its JSSDK).
pub const AUTH_CODE_LIFETIME_SECS: i64 = 300;
/// `saas_tenant_key` answered with a user plugin token (the world has no Project tenants;
/// assumed).
pub const SAAS_TENANT_KEY: &str = "saas_mock_tenant";
/// Attachments an attachment field holds at most (seed 003 note 3: 附件数量限制为50个).
pub const MAX_ATTACHMENTS_PER_FIELD: usize = 50;
/// `field_type_key` of attachment fields.
pub const ATTACHMENT_FIELD_TYPE: &str = "multi_file";
/// Name kept for a file part sent without a filename (the Java SDK's own default, assumed).
pub const UNNAMED_FILE: &str = "unknown";
/// Content type kept for a file part sent without one (assumed).
pub const DEFAULT_MIME_TYPE: &str = "application/octet-stream";

/// Claims the request's `X-IDEM-UUID` for the endpoint (no header: nothing to claim), or
/// answers 10430 for a repeat (FOLLOWUP_APIS §4.4; assumed). Called after every other check,
/// just before the write; a write that then fails gives the claim back with
/// [`ProjectState::release_idem`].
fn claim_idempotency(ctx: &Ctx<'_>) -> Result<IdemClaim, ApiError> {
    let key = ctx.header("x-idem-uuid").map(str::trim).unwrap_or("");
    if key.is_empty() {
        return Ok(IdemClaim(None));
    }
    let token = ctx.header("x-plugin-token").map(str::trim).unwrap_or("");
    ctx.families
        .project
        .claim_idem(token, &ctx.spec.name, key, ctx.store.now_ms())
        .ok_or_else(|| ApiError::new(IDEMPOTENT_LIMIT))
}

/// Authenticates a Project request by `X-PLUGIN-TOKEN` / `X-USER-KEY` (header names are
/// case-insensitive), before any parameter is read.
///
/// Errors: 10022 (token absent or empty — assumed —, unknown, or expired), 10001 (a `p-` token
/// without `X-USER-KEY`, an `X-USER-KEY` naming no user of the world, or a user plugin token
/// (`u-`) sent with another user's `X-USER-KEY` — assumed). A user plugin token acts as its
/// own user.
pub fn authenticate(
    project: &ProjectState,
    now_ms: i64,
    headers: &HeaderMap,
) -> Result<Caller, ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let token = header("x-plugin-token").ok_or_else(|| ApiError::new(CHECK_TOKEN_FAILED))?;
    let record = project
        .live_token(token, now_ms)
        .ok_or_else(|| ApiError::new(CHECK_TOKEN_FAILED))?;
    let user_key = header("x-user-key");
    match (record.kind, user_key) {
        (PluginTokenKind::Plugin, None) => return Err(ApiError::new(NO_PERMISSION)),
        (_, Some(u)) if !project.has_user(u) => return Err(ApiError::new(NO_PERMISSION)),
        (PluginTokenKind::User, Some(u)) if record.user_key.as_deref() != Some(u) => {
            return Err(ApiError::new(NO_PERMISSION))
        }
        _ => {}
    }
    let user_key = match record.kind {
        PluginTokenKind::User => record.user_key,
        _ => user_key.map(str::to_string),
    };
    Ok(Caller::Plugin {
        plugin_id: record.plugin_id,
        user_key,
    })
}

/// The work item the path names: its space's `project_key` and the item id.
/// Errors: 1000050255 (project), 20003 (type), 30005 (work item).
fn work_item(ctx: &Ctx<'_>) -> Result<(Space, String, String), ApiError> {
    let spec = ctx.spec;
    let pe = spec.param_error;
    let project_key = ctx.path("project_key").unwrap_or_default();
    let type_key = ctx.path("work_item_type_key").unwrap_or_default();
    let item_id = ctx.path("work_item_id").unwrap_or_default();
    let space = ctx.families.project.space(project_key).ok_or_else(|| {
        spec.field("project_key").violation(
            "exists",
            pe,
            project_key,
            "a space id or simple_name".into(),
        )
    })?;
    // Isolation (issue 12): a plugin reads and writes only the spaces it is bound to.
    if let Caller::Plugin { plugin_id, .. } = &ctx.caller {
        if !ctx.families.project.plugin_may_use(plugin_id, &space) {
            return Err(ApiError::new(NO_PERMISSION));
        }
    }
    let wit = space
        .work_item_types
        .iter()
        .find(|t| t.type_key == type_key)
        .ok_or_else(|| {
            spec.field("work_item_type_key").violation(
                "exists",
                pe,
                type_key,
                "a work item type of the space".into(),
            )
        })?;
    let known = |space: &Space| {
        space
            .work_items
            .iter()
            .any(|w| w.id == item_id && w.work_item_type_key == wit.type_key)
    };
    let unknown_anywhere = !space.work_items.iter().any(|w| w.id == item_id);
    if !known(&space) && ctx.store.options.loose && unknown_anywhere {
        // --loose: an unknown work item is created on first use with the requested type.
        ctx.families.project.add_work_item(
            &space.project_key,
            WorkItem {
                id: item_id.to_string(),
                work_item_type_key: wit.type_key.clone(),
                name: String::new(),
            },
        );
    } else if !known(&space) {
        return Err(spec
            .field("work_item_id")
            .violation("exists", pe, item_id, "a work item of that type".into())
            .into());
    }
    let type_key = wit.type_key.clone();
    Ok((space, type_key, item_id.to_string()))
}

/// Finds the field whose `field_key` (or, with `by_alias`, `field_alias`) is `name` among the
/// type's fields and the sub-fields of its compound fields; `true` when it is a sub-field.
fn find_field<'w>(
    fields: &'w [WorkItemField],
    name: &str,
    by_alias: bool,
) -> Option<(&'w WorkItemField, bool)> {
    let hit = |f: &WorkItemField| {
        if by_alias {
            !f.field_alias.is_empty() && f.field_alias == name
        } else {
            f.field_key == name
        }
    };
    fields
        .iter()
        .find(|f| hit(f))
        .map(|f| (f, false))
        .or_else(|| {
            fields
                .iter()
                .flat_map(|f| f.fields.iter())
                .find(|f| hit(f))
                .map(|f| (f, true))
        })
}
