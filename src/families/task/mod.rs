//! Task v2 (seed 002): `POST /open-apis/task/v2/attachments/upload`, and the natural next calls
//! that show what landed (FEISHU_FACTS §6).
//!
//! # Upload
//! Query `user_id_type` ∈ {`open_id`, `union_id`, `user_id`} (default `open_id`). Multipart:
//! `resource_type` (optional, default and only value `task`), `resource_id` (the task GUID,
//! 1–100 chars), and 1–5 `file` parts (Node's `file[]` too), each at most 52428800 bytes (50 MB).
//! Answers `data.items[]` in the order of the file parts, each
//! `{guid, file_token, name, size, resource{type,id}, uploader{id,type,role}, is_cover, uploaded_at}`
//! ([`attachment_json`]). All or nothing: every check passes before anything is stored.
//!
//! Codes (HTTP status as the seed's table gives them): 1470400 (400, any parameter error,
//! including a 6th file or a part past 52428800 bytes, refused while streaming), 1470403 (403,
//! the task does not exist), 1470404 (404, the caller may not edit the task), 1470500 (500,
//! forced only).
//!
//! # Who may edit
//! A task's `editors` (world file) hold open_ids and app_ids: a user token may edit when its
//! user's open_id is listed, a tenant token when its app_id is listed (assumed; Task v2 members
//! are users or apps).
//!
//! # Follow-up calls (FOLLOWUP_APIS §5), each with its own spec and its page's codes
//! - `GET /open-apis/task/v2/attachments?resource_type=task&resource_id=…` — `page_size` 1–100
//!   (default 50), `page_token`, `user_id_type`; `data{items,page_token,has_more}` in upload order.
//! - `GET /open-apis/task/v2/attachments/:attachment_guid` — `data.attachment`.
//! - `DELETE /open-apis/task/v2/attachments/:attachment_guid` — `data {}`; editors of the task and
//!   the attachment's uploader may delete.
//! - `GET /__mock/task/attachments/:attachment_guid/download?code=…` — the `url` that list and
//!   get items carry: no token, 3 minutes and 3 downloads, then 1470403.
//!
//! Their codes follow their own pages: 1470403 (HTTP 403) no permission, 1470404 (HTTP 404)
//! missing — the other way round from seed 002's upload table, which stays as it is for upload.
//! Every 1470400 answer's `msg` names its cause after the documented text.

pub mod delete;
pub mod download;
pub mod get;
pub mod list;
pub mod upload;
pub mod world;

use crate::contract::error::ApiError;
use crate::contract::spec::{BodyKind, FieldSpec};
use crate::families::{expect_form, Caller, Ctx, RouteAuth, RouteDef};
use crate::state::store::StoredFile;
use crate::state::store::{FILE_TOKEN_LEN, FILE_TOKEN_PREFIX};
use bytes::Bytes;
use dashmap::DashMap;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use world::{Task, TaskWorld};

/// Name of the spec every Task route answers with.
const SPEC: &str = "task.attachment.upload";

/// Path of the download link handed out as `url` (no token needed).
pub const DOWNLOAD_ROUTE: &str = "/__mock/task/attachments/:attachment_guid/download";

/// The routes of this family: the seeded upload, its follow-ups with specs of their own
/// (FOLLOWUP_APIS §5), and the `url` link.
pub const ROUTES: &[RouteDef] = &[
    RouteDef {
        method: None,
        pattern: None,
        spec: SPEC,
        auth: RouteAuth::Bearer,
        body: None,
        handler: upload::attachment_upload,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: LIST_SPEC,
        auth: RouteAuth::Bearer,
        body: None,
        handler: list::attachment_list,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: GET_SPEC,
        auth: RouteAuth::Bearer,
        body: None,
        handler: get::attachment_get,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "task.attachment.delete",
        auth: RouteAuth::Bearer,
        body: None,
        handler: delete::attachment_delete,
    },
    RouteDef {
        method: Some("GET"),
        pattern: Some(DOWNLOAD_ROUTE),
        spec: GET_SPEC,
        auth: RouteAuth::None,
        body: Some(BodyKind::None),
        handler: download::attachment_download,
    },
];

/// Spec of the list route.
const LIST_SPEC: &str = "task.attachment.list";
/// Spec of the get route, whose error table the `url` link answers with.
const GET_SPEC: &str = "task.attachment.get";

/// How long a `url` works, in ms of emulator time (doc: 3 minutes).
pub const URL_LIFETIME_MS: i64 = 3 * 60 * 1000;
/// How many downloads a `url` serves (doc: at most 3).
pub const URL_MAX_DOWNLOADS: u32 = 3;
/// Base62 chars of a `url`'s code.
pub const URL_CODE_LEN: usize = 43;

/// Name of an attachment whose file part carried no filename (Python sync and Node `Buffer`
/// uploads), or an empty one: the name the Go SDK gives every file (assumed; FEISHU_FACTS §5).
pub const FALLBACK_FILE_NAME: &str = "unknown-file";

/// The only `resource_type` (seed 002: 目前资源类型仅支持 task).
pub const RESOURCE_TYPE_TASK: &str = "task";

/// `uploader.role` of every attachment, as in the seed's example (assumed).
pub const UPLOADER_ROLE: &str = "creator";

/// Scope without which `uploader.id` is left out under `user_id_type=user_id` (seed 002,
/// 字段权限要求).
pub const USER_ID_SCOPE: &str = "contact:user.employee_id:readonly";

/// Who uploaded an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uploader {
    /// A user token's user, by open_id.
    User(String),
    /// A tenant token's app, by app_id.
    App(String),
}

/// One stored attachment (its bytes live in the store under `file_token`).
#[derive(Debug, Clone)]
pub struct AttachmentRecord {
    /// Upload sequence number, increasing; orders lists and backs `page_token`.
    pub seq: u64,
    /// Attachment GUID (UUID).
    pub guid: String,
    /// `boxcn…` token of the bytes in the store.
    pub file_token: String,
    /// The part's filename, or [`FALLBACK_FILE_NAME`].
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// The task GUID.
    pub resource_id: String,
    /// Who uploaded it.
    pub uploader: Uploader,
    /// Upload time, ms since the epoch (emulator clock).
    pub uploaded_at_ms: i64,
}

/// In-memory state of the task family: the world's tasks and the uploaded attachments.
#[derive(Debug, Default)]
pub struct TaskState {
    tasks: DashMap<String, Task>,
    attachments: Mutex<Vec<AttachmentRecord>>,
    next_seq: AtomicU64,
    /// `url` codes handed out by list and get.
    tickets: DashMap<String, Ticket>,
}

/// A `url` handed out by list or get (FOLLOWUP_APIS §5.3).
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The attachment it downloads.
    pub guid: String,
    /// When it stops working, ms since the epoch (emulator clock).
    pub expires_at_ms: i64,
    /// Downloads it still serves.
    pub uses_left: u32,
}

/// Why a `url` serves nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketRefused {
    /// Not a code handed out for that attachment.
    Unknown,
    /// Past its 3 minutes.
    Expired,
    /// Used 3 times already.
    UsedUp,
}

impl TaskState {
    /// The state a fresh world starts with: its tasks, no attachments.
    pub fn load(world: &TaskWorld) -> TaskState {
        let state = TaskState::default();
        state.add_world(world);
        state
    }

    /// Adds the tasks of `world` to the running state (`POST /__mock/world`); a task with a
    /// known guid is replaced.
    pub fn add_world(&self, world: &TaskWorld) {
        for t in &world.tasks {
            self.tasks.insert(t.guid.clone(), t.clone());
        }
    }

    /// Adds (or replaces) a task.
    pub fn add_task(&self, task: Task) {
        self.tasks.insert(task.guid.clone(), task);
    }

    /// The task `guid`, if the world has it.
    pub fn task(&self, guid: &str) -> Option<Task> {
        self.tasks.get(guid).map(|t| t.clone())
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Vec<AttachmentRecord>> {
        self.attachments.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `records` together (one upload request), numbering them in order with sequence
    /// numbers never used before (deleted attachments keep theirs).
    pub fn add_attachments(&self, records: Vec<AttachmentRecord>) -> Vec<AttachmentRecord> {
        let mut all = self.records();
        let mut out = Vec::with_capacity(records.len());
        for mut r in records {
            r.seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            all.push(r.clone());
            out.push(r);
        }
        out
    }

    /// The attachment `guid`, unless it does not exist or was deleted.
    pub fn attachment(&self, guid: &str) -> Option<AttachmentRecord> {
        self.records().iter().find(|r| r.guid == guid).cloned()
    }

    /// The attachments of the task `resource_id` in upload order.
    pub fn attachments_of(&self, resource_id: &str) -> Vec<AttachmentRecord> {
        self.records()
            .iter()
            .filter(|r| r.resource_id == resource_id)
            .cloned()
            .collect()
    }

    /// Every attachment held (deleted ones left out), in upload order (`seq` increasing).
    pub fn attachments(&self) -> Vec<AttachmentRecord> {
        self.records().clone()
    }

    /// Deletes the attachment `guid`; false when there was none.
    pub fn delete_attachment(&self, guid: &str) -> bool {
        let mut all = self.records();
        let before = all.len();
        all.retain(|r| r.guid != guid);
        all.len() != before
    }

    /// Number of attachments stored.
    pub fn attachment_count(&self) -> usize {
        self.records().len()
    }

    /// Records a fresh `url` code for attachment `guid`, valid [`URL_LIFETIME_MS`] from
    /// `now_ms` for [`URL_MAX_DOWNLOADS`] downloads; expired codes are dropped as the table
    /// grows.
    pub fn add_ticket(&self, code: String, guid: &str, now_ms: i64) {
        if self.tickets.len() >= 1024 {
            self.tickets.retain(|_, t| t.expires_at_ms > now_ms);
        }
        self.tickets.insert(
            code,
            Ticket {
                guid: guid.to_string(),
                expires_at_ms: now_ms + URL_LIFETIME_MS,
                uses_left: URL_MAX_DOWNLOADS,
            },
        );
    }

    /// Spends one download of `code` for attachment `guid` at `now_ms`.
    pub fn use_ticket(&self, code: &str, guid: &str, now_ms: i64) -> Result<(), TicketRefused> {
        let mut ticket = self
            .tickets
            .get_mut(code)
            .filter(|t| t.guid == guid)
            .ok_or(TicketRefused::Unknown)?;
        if now_ms >= ticket.expires_at_ms {
            return Err(TicketRefused::Expired);
        }
        if ticket.uses_left == 0 {
            return Err(TicketRefused::UsedUp);
        }
        ticket.uses_left -= 1;
        Ok(())
    }
}

/// The caller as an uploader (a user token's user, a tenant token's app).
fn caller_as_uploader(ctx: &Ctx<'_>) -> Result<Uploader, ApiError> {
    match &ctx.caller {
        Caller::User { open_id, .. } => Ok(Uploader::User(open_id.clone())),
        Caller::Tenant { app_id } => Ok(Uploader::App(app_id.clone())),
        Caller::Plugin { .. } | Caller::Anonymous => Err(ApiError::new(ctx.spec.internal_error)),
    }
}

/// Whether `who` is among the editors of `task` (its open_id or app_id).
fn is_editor(task: &Task, who: &Uploader) -> bool {
    let id = match who {
        Uploader::User(id) | Uploader::App(id) => id,
    };
    task.editors.iter().any(|e| e == id)
}

/// The caller as an uploader, and whether it may edit `task`: else the code the spec names for
/// `field`'s `editable` rule (upload 1470404, list 1470403).
fn editor_of(ctx: &Ctx<'_>, task: &Task, field: &FieldSpec) -> Result<Uploader, ApiError> {
    let uploader = caller_as_uploader(ctx)?;
    if is_editor(task, &uploader) {
        Ok(uploader)
    } else {
        // A missing right, not a malformed field: no field_violations.
        Err(ApiError::new(
            field.code_for("editable", ctx.spec.param_error),
        ))
    }
}

/// The task `guid` and the caller as one of its editors: the `resource_id` field's `exists`
/// code when the task does not exist (upload 1470403, list 1470404), its `editable` code when
/// the caller may not edit it (upload 1470404, list 1470403). With `--loose` an unknown task is created on first
/// use with the caller (its open_id, or its app_id for a tenant token) as editor.
fn editable_task(ctx: &Ctx<'_>, guid: &str) -> Result<Uploader, ApiError> {
    let spec = ctx.spec;
    if ctx.store.options.loose && ctx.families.task.task(guid).is_none() {
        let editor = match &ctx.caller {
            Caller::User { open_id, .. } => open_id.clone(),
            other => other.app_id().unwrap_or_default().to_string(),
        };
        ctx.families.task.add_task(Task {
            guid: guid.to_string(),
            summary: String::new(),
            editors: vec![editor],
        });
    }
    let field = spec.field("resource_id");
    let task = ctx.families.task.task(guid).ok_or_else(|| {
        ApiError::from(field.violation(
            "exists",
            spec.param_error,
            guid,
            "an existing task GUID".into(),
        ))
    })?;
    editor_of(ctx, &task, field)
}

/// The checked `user_id_type` query parameter (default `open_id`), or 1470400.
fn user_id_type(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    let spec = ctx.spec;
    let checked = spec
        .field("user_id_type")
        .check_text(ctx.query("user_id_type"), spec.param_error)?;
    Ok(checked.as_str().unwrap_or("open_id").to_string())
}

/// `uploader` as JSON: a user's id in `user_id_type` with type `user`, or the app with type
/// `app`; `id` is left out for `user_id` when the app lacks [`USER_ID_SCOPE`].
fn uploader_json(ctx: &Ctx<'_>, uploader: &Uploader, user_id_type: &str) -> Value {
    match uploader {
        Uploader::App(app_id) => json!({"id": app_id, "type": "app", "role": UPLOADER_ROLE}),
        Uploader::User(open_id) => {
            let user = ctx.store.user(open_id);
            let id = match user_id_type {
                "union_id" => user.map(|u| u.union_id),
                "user_id" => {
                    let allowed = ctx
                        .caller
                        .app_id()
                        .and_then(|a| ctx.store.app(a))
                        .is_some_and(|a| a.scopes.iter().any(|s| s == USER_ID_SCOPE));
                    if allowed {
                        user.map(|u| u.user_id)
                    } else {
                        None
                    }
                }
                _ => Some(open_id.clone()),
            };
            match id {
                Some(id) => json!({"id": id, "type": "user", "role": UPLOADER_ROLE}),
                None => json!({"type": "user", "role": UPLOADER_ROLE}),
            }
        }
    }
}

/// One attachment in Feishu's shape:
/// `{guid, file_token, name, size (bytes), resource{type,id}, uploader{id,type,role}, is_cover,
/// uploaded_at (ms, string)}`, plus `url` when `with_url`: a fresh link to this server that
/// serves the bytes for [`URL_LIFETIME_MS`] and [`URL_MAX_DOWNLOADS`] downloads.
pub fn attachment_json(
    ctx: &Ctx<'_>,
    r: &AttachmentRecord,
    user_id_type: &str,
    with_url: bool,
) -> Value {
    let mut v = json!({
        "guid": r.guid,
        "file_token": r.file_token,
        "name": r.name,
        "size": r.size,
        "resource": {"type": RESOURCE_TYPE_TASK, "id": r.resource_id},
        "uploader": uploader_json(ctx, &r.uploader, user_id_type),
        "is_cover": false,
        "uploaded_at": r.uploaded_at_ms.to_string(),
    });
    if with_url {
        let code = ctx.store.with_ids(|ids| ids.base62_token("", URL_CODE_LEN));
        ctx.families
            .task
            .add_ticket(code.clone(), &r.guid, ctx.store.now_ms());
        v["url"] = json!(format!(
            "{}{}?code={code}",
            ctx.public_url,
            DOWNLOAD_ROUTE.replace(":attachment_guid", &r.guid)
        ));
    }
    v
}

/// The attachment named by the `:attachment_guid` path segment, after the field's rules
/// (delete: at most 100 chars, 1470400): the field's `exists` code (1470404) when it does not
/// exist or was deleted.
fn attachment_in_path(ctx: &Ctx<'_>) -> Result<(AttachmentRecord, &'static FieldSpec), ApiError> {
    let spec = ctx.spec;
    let field = spec.field("attachment_guid");
    let guid = ctx.path("attachment_guid").unwrap_or_default();
    field.check_text(Some(guid), spec.param_error)?;
    let record = ctx.families.task.attachment(guid).ok_or_else(|| {
        ApiError::from(field.violation(
            "exists",
            spec.param_error,
            guid,
            "an existing attachment GUID".into(),
        ))
    })?;
    Ok((record, field))
}

/// The task an attachment belongs to (the world's tasks are never removed, so it exists).
fn task_of(ctx: &Ctx<'_>, record: &AttachmentRecord) -> Task {
    ctx.families
        .task
        .task(&record.resource_id)
        .unwrap_or_else(|| Task {
            guid: record.resource_id.clone(),
            summary: String::new(),
            editors: Vec::new(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_page_size_is_1_to_100_with_default_50() {
        let f = crate::contract::spec::Catalogue::get()
            .endpoint(LIST_SPEC)
            .field("page_size");
        assert_eq!(f.check_text(None, 1).unwrap().as_i64(), Some(50));
        assert_eq!(f.check_text(Some("100"), 1).unwrap().as_i64(), Some(100));
        assert_eq!(f.check_text(Some("1"), 1).unwrap().as_i64(), Some(1));
        assert!(f.check_text(Some("0"), 1).is_err());
        assert!(f.check_text(Some("101"), 1).is_err());
    }

    #[test]
    fn a_url_serves_3_downloads_within_3_minutes() {
        let state = TaskState::default();
        state.add_ticket("c".into(), "g", 0);
        assert_eq!(
            state.use_ticket("c", "other", 1),
            Err(TicketRefused::Unknown)
        );
        for _ in 0..URL_MAX_DOWNLOADS {
            assert_eq!(state.use_ticket("c", "g", 1), Ok(()));
        }
        assert_eq!(state.use_ticket("c", "g", 1), Err(TicketRefused::UsedUp));
        state.add_ticket("d".into(), "g", 0);
        assert_eq!(state.use_ticket("d", "g", URL_LIFETIME_MS - 1), Ok(()));
        assert_eq!(
            state.use_ticket("d", "g", URL_LIFETIME_MS),
            Err(TicketRefused::Expired)
        );
    }

    #[test]
    fn sequence_numbers_are_not_reused_after_a_delete() {
        let state = TaskState::default();
        let rec = |guid: &str| AttachmentRecord {
            seq: 0,
            guid: guid.into(),
            file_token: String::new(),
            name: String::new(),
            size: 0,
            resource_id: "t".into(),
            uploader: Uploader::App("cli".into()),
            uploaded_at_ms: 0,
        };
        state.add_attachments(vec![rec("a"), rec("b")]);
        assert!(state.delete_attachment("b"));
        let c = state.add_attachments(vec![rec("c")]);
        assert_eq!(c[0].seq, 2);
    }
}
