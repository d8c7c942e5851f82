//! OKR (seeds 000 and 001): progress-record image upload and progress record create.
//!
//! - `POST /open-apis/okr/v1/images/upload` ([`image::image_upload`], seed 000): multipart `data` (an
//!   image of at most 20971520 bytes, assumed), `target_id`, `target_type` ∈ {2, 3}. Answers
//!   `{"file_token":"boxbc…","url":"{public_url}/stream/api/downloadFile/?file_token=…&ticket=…"}`.
//! - `GET /stream/api/downloadFile/?file_token=…&ticket=…` ([`image::image_download`], no auth): the
//!   bytes of an uploaded image with the Content-Type of its format, like Feishu's ticketed link.
//! - `POST /open-apis/okr/v1/progress_records` ([`progress_record::progress_record_create`],
//!   seed 001): a JSON body of rich text validated by the one JSON body validator
//!   ([`crate::contract::json_body`]) against `specs/okr.progress_record.create.json`,
//!   snake_case keys accepted inside `content`, answered in camelCase.
//!
//! - `GET`, `PUT`, `DELETE /open-apis/okr/v1/progress_records/:progress_id`
//!   ([`progress_record_get`], [`progress_record_update`], [`progress_record_delete`],
//!   FOLLOWUP_APIS §3): the record's whole life. PUT reads its body with create's own field
//!   rules (`fields_from` in `specs/okr.progress_record.update.json`) through the same validator.
//!   Only the creating app or the objective's owner may change or delete a record (assumed).
//!
//! Codes (every endpoint, HTTP 400): 1001001 invalid parameters, 1001002 no permission (not a
//! self-built app), 1001003 user not found, 1001004 okr data not found. 1009998 system exception
//! (HTTP 500) answers an image or record that would pass `--max-stored-bytes` (assumed); 1009999
//! is only forced. The order of the checks is written in each spec's `assumed` list.

pub mod image;
pub mod progress_record;
pub mod progress_record_delete;
pub mod progress_record_get;
pub mod progress_record_update;
pub mod world;

use crate::contract::error::ApiError;
use crate::contract::spec::BodyKind;
use crate::families::{Caller, Ctx, RouteAuth, RouteDef};
use dashmap::DashMap;
use image::{image_download, image_upload};
use progress_record::progress_record_create;
use serde_json::Value;
use world::OkrWorld;

/// The routes of this family: the two seeded endpoints, the record's get, update and delete
/// (FOLLOWUP_APIS §3), and the image download link.
pub const ROUTES: &[RouteDef] = &[
    RouteDef {
        method: None,
        pattern: None,
        spec: "okr.image.upload",
        auth: RouteAuth::Bearer,
        body: None,
        handler: image_upload,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "okr.progress_record.create",
        auth: RouteAuth::Bearer,
        body: None,
        handler: progress_record_create,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "okr.progress_record.get",
        auth: RouteAuth::Bearer,
        body: None,
        handler: progress_record_get::progress_record_get,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "okr.progress_record.update",
        auth: RouteAuth::Bearer,
        body: None,
        handler: progress_record_update::progress_record_update,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "okr.progress_record.delete",
        auth: RouteAuth::Bearer,
        body: None,
        handler: progress_record_delete::progress_record_delete,
    },
    RouteDef {
        method: Some("GET"),
        pattern: Some(IMAGE_DOWNLOAD_PATH),
        spec: "okr.image.upload",
        auth: RouteAuth::None,
        body: Some(BodyKind::None),
        handler: image_download,
    },
];

/// 1001002 `no permission`: the calling app is not a self-built app (seeds 000, 001).
pub const NO_PERMISSION: i64 = 1001002;
/// 1001003 `user not found` (seeds 000, 001).
pub const USER_NOT_FOUND: i64 = 1001003;
/// 1001004 `okr data not found` (seeds 000, 001).
pub const OKR_DATA_NOT_FOUND: i64 = 1001004;

/// `target_type` of an objective (okr的O).
pub const TARGET_OBJECTIVE: i64 = 2;
/// `target_type` of a key result (okr的KR).
pub const TARGET_KEY_RESULT: i64 = 3;

/// Prefix of OKR image tokens (seed 000's example `boxbcc6DmPfgi4rNXIaGfptc9HX`).
pub const IMAGE_TOKEN_PREFIX: &str = "boxbc";
/// Base62 chars after the prefix.
pub const IMAGE_TOKEN_LEN: usize = 22;
/// Base62 chars of a download ticket.
pub const TICKET_LEN: usize = 43;
/// Path of the download link handed out as `url`, shaped like Feishu's
/// `https://internal-….cn/stream/api/downloadFile/?file_token=…&ticket=…`.
pub const IMAGE_DOWNLOAD_PATH: &str = "/stream/api/downloadFile/";
/// Digits of a `progress_id` (seed 001's example `7046317985098760212`).
pub const PROGRESS_ID_DIGITS: usize = 19;

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// An image that may appear in a gallery: uploaded here or pre-held by the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OkrImageRecord {
    /// `boxbc…`.
    pub file_token: String,
    /// The objective or key result it was uploaded for.
    pub target_id: String,
    /// 2 objective, 3 key result.
    pub target_type: i64,
    /// The download ticket; `None` for the world's images, which have no bytes.
    pub ticket: Option<String>,
}

/// A created progress record, as kept in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRecord {
    /// Unique 19-digit decimal id.
    pub progress_id: String,
    /// Creation time, ms since the epoch (emulator clock).
    pub modify_time_ms: i64,
    /// The objective or key result.
    pub target_id: String,
    /// 2 objective, 3 key result.
    pub target_type: i64,
    /// `source_title`.
    pub source_title: String,
    /// `source_url`.
    pub source_url: String,
    /// `source_url_pc`, if given.
    pub source_url_pc: Option<String>,
    /// `source_url_mobile`, if given.
    pub source_url_mobile: Option<String>,
    /// The content in Feishu's camelCase form, as answered, kept as its JSON text: a parsed
    /// tree of a 2 KB rich text takes some 30 KB, and every record is kept until a reset.
    /// [`ProgressRecord::content`] parses it back. `None` under `--retain metadata`.
    pub content_json: Option<String>,
    /// Size of the answered content's JSON text, in bytes (kept under every retention).
    pub content_bytes: u64,
    /// `{"percent","status"}` as answered, if given.
    pub progress_rate: Option<Value>,
    /// The app that created it.
    pub app_id: String,
}

impl ProgressRecord {
    /// The content in Feishu's camelCase form, as answered; `None` when it was not kept
    /// (`--retain metadata`).
    pub fn content(&self) -> Option<Value> {
        serde_json::from_str(self.content_json.as_deref()?).ok()
    }
}

/// In-memory state of the okr family, built from the world and kept in [`crate::state::store::Store`].
#[derive(Debug, Default)]
pub struct OkrState {
    /// target id → target_type (2 objective, 3 key result), from the world.
    targets: DashMap<String, i64>,
    /// Gallery-usable images by file token.
    images: DashMap<String, OkrImageRecord>,
    /// Progress records by progress_id, boxed: the table rehashes as it grows, and moving a
    /// pointer is cheaper than moving a record.
    records: DashMap<String, Box<ProgressRecord>>,
    /// Objective id → its owner's open_id, from the world.
    owners: DashMap<String, String>,
    /// Key result id → the objective it belongs to, from the world.
    objective_of: DashMap<String, String>,
}

impl OkrState {
    /// The state a fresh world starts with: its objectives, key results and pre-held images.
    pub fn load(world: &OkrWorld) -> OkrState {
        let state = OkrState::default();
        state.add_world(world);
        state
    }

    /// Adds the objectives, key results and images of `world` to the running state
    /// (`POST /__mock/world`).
    pub fn add_world(&self, okr: &OkrWorld) {
        for o in &okr.objectives {
            self.targets.insert(o.id.clone(), TARGET_OBJECTIVE);
            if !o.owner_open_id.is_empty() {
                self.owners.insert(o.id.clone(), o.owner_open_id.clone());
            }
        }
        for kr in &okr.key_results {
            self.targets.insert(kr.id.clone(), TARGET_KEY_RESULT);
            if !kr.objective_id.is_empty() {
                self.objective_of
                    .insert(kr.id.clone(), kr.objective_id.clone());
            }
        }
        for img in &okr.images {
            self.images.insert(
                img.file_token.clone(),
                OkrImageRecord {
                    file_token: img.file_token.clone(),
                    target_id: img.target_id.clone(),
                    target_type: img.target_type,
                    ticket: None,
                },
            );
        }
    }

    /// Adds a target (`--loose` creates unknown targets on first use).
    pub fn add_target(&self, target_id: &str, target_type: i64) {
        self.targets.insert(target_id.to_string(), target_type);
    }

    /// Whether `target_id` is an objective (`target_type` 2) or key result (3) of the world.
    pub fn target_exists(&self, target_id: &str, target_type: i64) -> bool {
        self.targets.get(target_id).map(|t| *t) == Some(target_type)
    }

    /// The gallery-usable image `file_token`.
    pub fn image(&self, file_token: &str) -> Option<OkrImageRecord> {
        self.images.get(file_token).map(|i| i.clone())
    }

    /// Number of gallery-usable images (world ones included).
    pub fn image_count(&self) -> usize {
        self.images.len()
    }

    /// The progress record `progress_id`.
    pub fn progress_record(&self, progress_id: &str) -> Option<ProgressRecord> {
        self.records.get(progress_id).map(|r| (**r).clone())
    }

    /// Number of progress records.
    pub fn progress_record_count(&self) -> usize {
        self.records.len()
    }

    /// Every progress record, oldest first (by `modify_time`, then id): for the inspector.
    pub fn progress_records(&self) -> Vec<ProgressRecord> {
        let mut all: Vec<ProgressRecord> = self.records.iter().map(|r| (**r).clone()).collect();
        all.sort_by(|a, b| {
            (a.modify_time_ms, &a.progress_id).cmp(&(b.modify_time_ms, &b.progress_id))
        });
        all
    }

    /// The open_id of the owner of the objective `target_id` is (or, for a key result,
    /// belongs to), if the world names one.
    pub fn owner_of(&self, target_id: &str) -> Option<String> {
        let objective = match self.objective_of.get(target_id) {
            Some(o) => o.clone(),
            None => target_id.to_string(),
        };
        self.owners.get(&objective).map(|o| o.clone())
    }
}

// ---------------------------------------------------------------------------------------------
// Checks shared by get, update and delete
// ---------------------------------------------------------------------------------------------

/// The record the `:progress_id` path segment names: 1001001 when it is not 1–19 decimal
/// digits (assumed), 1001004 when no record (or a deleted one) has it.
pub(crate) fn record_in_path(ctx: &Ctx<'_>) -> Result<ProgressRecord, ApiError> {
    let spec = ctx.spec;
    let field = spec.field("progress_id");
    let id = ctx.path("progress_id").unwrap_or_default();
    field.check_text(Some(id), spec.param_error)?;
    ctx.families.okr.progress_record(id).ok_or_else(|| {
        field
            .violation(
                "exists",
                spec.param_error,
                id,
                "a progress record of the tenant".into(),
            )
            .into()
    })
}

/// Whether the caller may change or delete `record` (assumed, FOLLOWUP_APIS §3.4): the app
/// that created it, with any of its tokens, or a user token whose user owns the record's
/// objective. Anyone else: 1001002.
pub(crate) fn check_may_change(ctx: &Ctx<'_>, record: &ProgressRecord) -> Result<(), ApiError> {
    if ctx.caller.app_id() == Some(record.app_id.as_str()) {
        return Ok(());
    }
    if let Caller::User { open_id, .. } = &ctx.caller {
        if ctx.families.okr.owner_of(&record.target_id).as_deref() == Some(open_id.as_str()) {
            return Ok(());
        }
    }
    Err(ApiError::new(NO_PERMISSION))
}

// ---------------------------------------------------------------------------------------------
// Checks shared by both endpoints
// ---------------------------------------------------------------------------------------------

/// The app must be of a kind the spec allows (`auth.app_types`: self-built only), else 1001002;
/// a user token's user must be in the world, else 1001003.
pub(crate) fn check_caller(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    let app_id = ctx.caller.app_id().unwrap_or_default().to_string();
    let allowed = ctx
        .store
        .with_app(&app_id, |a| ctx.spec.auth.app_types.contains(&a.app_type))
        .unwrap_or(false);
    if !allowed {
        return Err(ApiError::new(NO_PERMISSION));
    }
    if let Caller::User { open_id, .. } = &ctx.caller {
        if ctx.store.user(open_id).is_none() {
            return Err(ApiError::new(USER_NOT_FOUND));
        }
    }
    Ok(app_id)
}

/// 1001004 unless `target_id` is a target of `target_type` in the world, named by the spec's
/// field `field` (looked up only then). With `--loose` an unknown target is created on first
/// use with the requested type (a known one keeps its type).
pub(crate) fn check_target(
    ctx: &Ctx<'_>,
    field: &str,
    target_id: &str,
    target_type: i64,
) -> Result<(), ApiError> {
    if ctx.families.okr.target_exists(target_id, target_type) {
        return Ok(());
    }
    if ctx.store.options.loose
        && !ctx.families.okr.target_exists(target_id, TARGET_OBJECTIVE)
        && !ctx.families.okr.target_exists(target_id, TARGET_KEY_RESULT)
    {
        ctx.families.okr.add_target(target_id, target_type);
        return Ok(());
    }
    Err(ctx
        .spec
        .field(field)
        .violation(
            "exists",
            ctx.spec.param_error,
            target_id,
            format!("an OKR target of target_type {target_type}"),
        )
        .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Catalogue;

    #[test]
    fn every_field_the_okr_endpoints_name_is_in_their_specs() {
        let c = Catalogue::get();
        let upload = c.endpoint("okr.image.upload");
        for name in ["data", "target_id", "target_type"] {
            upload.field(name);
        }
        let create = c.endpoint("okr.progress_record.create");
        for name in [
            "user_id_type",
            "source_title",
            "source_url",
            "source_url_pc",
            "source_url_mobile",
            "target_id",
            "target_type",
            "content.blocks[].paragraph.elements[].person.openId",
            "content.blocks[].gallery.imageList[].fileToken",
            "progress_rate.percent",
        ] {
            create.field(name);
        }
    }

    #[test]
    fn every_code_the_okr_module_answers_is_in_both_error_tables() {
        let c = Catalogue::get();
        for spec in [
            "okr.image.upload",
            "okr.progress_record.create",
            "okr.progress_record.get",
            "okr.progress_record.update",
            "okr.progress_record.delete",
        ] {
            let spec = c.endpoint(spec);
            for code in [
                spec.param_error,
                NO_PERMISSION,
                USER_NOT_FOUND,
                OKR_DATA_NOT_FOUND,
            ] {
                assert!(spec.error(code).is_some(), "{} lacks {code}", spec.name);
            }
        }
    }
}
