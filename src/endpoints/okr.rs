//! OKR (seeds 000 and 001): progress-record image upload and progress record create.
//!
//! - `POST /open-apis/okr/v1/images/upload` ([`image_upload`], seed 000): multipart `data` (an
//!   image of at most 20971520 bytes, assumed), `target_id`, `target_type` ∈ {2, 3}. Answers
//!   `{"file_token":"boxbc…","url":"{public_url}/stream/api/downloadFile/?file_token=…&ticket=…"}`.
//! - `GET /stream/api/downloadFile/?file_token=…&ticket=…` ([`image_download`], no auth): the
//!   bytes of an uploaded image with the Content-Type of its format, like Feishu's ticketed link.
//! - `POST /open-apis/okr/v1/progress_records` ([`progress_record_create`], seed 001): a JSON
//!   body of rich text validated field by field against `specs/okr.progress_record.create.json`,
//!   snake_case keys accepted inside `content`, answered in camelCase. A body that breaks no
//!   rule is read in one pass ([`super::okr_pass`]); any other goes to the spec-driven checker
//!   (dotted paths walked by [`json_values_at`]), which names the first broken rule.
//!
//! Codes (both endpoints, HTTP 400): 1001001 invalid parameters, 1001002 no permission (not a
//! self-built app), 1001003 user not found, 1001004 okr data not found. 1009998 system exception
//! (HTTP 500) answers an image or record that would pass `--max-stored-bytes` (assumed); 1009999
//! is only forced. The order of the checks is written in each spec's `assumed` list.

use super::okr_pass;
use super::{expect_form, expect_json_bytes, Caller, Ctx, Input, Reply, RouteAuth, RouteDef};
use crate::error::ApiError;
use crate::spec::{BodyKind, Checked, EndpointSpec, FieldSpec, Kind, Location};
use crate::store::{Retain, StoredFile};
use dashmap::DashMap;
use serde_json::{json, Map, Value};

/// The routes of this family: the two documented endpoints and the image download link.
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

/// In-memory state of the okr family, built from the world and kept in [`crate::store::Store`].
#[derive(Debug, Default)]
pub struct OkrState {
    /// target id → target_type (2 objective, 3 key result), from the world.
    targets: DashMap<String, i64>,
    /// Gallery-usable images by file token.
    images: DashMap<String, OkrImageRecord>,
    /// Progress records by progress_id, boxed: the table rehashes as it grows, and moving a
    /// pointer is cheaper than moving a record.
    records: DashMap<String, Box<ProgressRecord>>,
}

impl OkrState {
    /// The state a fresh world starts with: its objectives, key results and pre-held images.
    pub fn load(world: &crate::world::World) -> OkrState {
        let state = OkrState::default();
        state.add_world(world);
        state
    }

    /// Adds the objectives, key results and images of `world` to the running state
    /// (`POST /__mock/world`).
    pub fn add_world(&self, world: &crate::world::World) {
        let okr = &world.okr;
        for o in &okr.objectives {
            self.targets.insert(o.id.clone(), TARGET_OBJECTIVE);
        }
        for kr in &okr.key_results {
            self.targets.insert(kr.id.clone(), TARGET_KEY_RESULT);
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
}

// ---------------------------------------------------------------------------------------------
// Checks shared by both endpoints
// ---------------------------------------------------------------------------------------------

/// The app must be of a kind the spec allows (`auth.app_types`: self-built only), else 1001002;
/// a user token's user must be in the world, else 1001003.
fn check_caller(ctx: &Ctx<'_>) -> Result<String, ApiError> {
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

/// 1001004 unless `target_id` is a target of `target_type` in the world. With `--loose` an
/// unknown target is created on first use with the requested type (a known one keeps its type).
fn check_target(
    ctx: &Ctx<'_>,
    field: &FieldSpec,
    target_id: &str,
    target_type: i64,
) -> Result<(), ApiError> {
    if ctx.store.okr.target_exists(target_id, target_type) {
        return Ok(());
    }
    if ctx.store.options.loose
        && !ctx.store.okr.target_exists(target_id, TARGET_OBJECTIVE)
        && !ctx.store.okr.target_exists(target_id, TARGET_KEY_RESULT)
    {
        ctx.store.okr.add_target(target_id, target_type);
        return Ok(());
    }
    Err(field
        .violation(
            "exists",
            ctx.spec.param_error,
            target_id,
            format!("an OKR target of target_type {target_type}"),
        )
        .into())
}

// ---------------------------------------------------------------------------------------------
// Image upload
// ---------------------------------------------------------------------------------------------

/// An image format the upload accepts (seed 000: JPG, JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF,
/// HEIC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPG / JPEG: `FF D8 FF`.
    Jpeg,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
    /// `RIFF` + 4 bytes + `WEBP`.
    Webp,
    /// `GIF87a` / `GIF89a`.
    Gif,
    /// `BM`.
    Bmp,
    /// `00 00 01 00`.
    Ico,
    /// `II*\0` / `MM\0*`.
    Tiff,
    /// ISO-BMFF `ftyp` of a HEIC brand.
    Heic,
}

impl ImageFormat {
    /// Recognises the format from the first bytes; `None` for anything else (empty included).
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        const HEIC_BRANDS: [&[u8]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];
        let starts = |m: &[u8]| bytes.starts_with(m);
        if starts(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ImageFormat::Png)
        } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Some(ImageFormat::Gif)
        } else if starts(b"BM") && bytes.len() >= 14 {
            Some(ImageFormat::Bmp)
        } else if starts(&[0, 0, 1, 0]) && bytes.len() >= 6 {
            Some(ImageFormat::Ico)
        } else if starts(b"II*\0") || starts(b"MM\0*") {
            Some(ImageFormat::Tiff)
        } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
            let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
            let major = &bytes[8..12];
            if HEIC_BRANDS.contains(&major) {
                return Some(ImageFormat::Heic);
            }
            // A generic HEIF major brand must list a HEIC brand among its compatible brands.
            if major == b"mif1" || major == b"msf1" {
                let end = size.min(bytes.len());
                let compatible = bytes.get(16..end).unwrap_or_default();
                if compatible.chunks_exact(4).any(|b| HEIC_BRANDS.contains(&b)) {
                    return Some(ImageFormat::Heic);
                }
            }
            None
        } else {
            None
        }
    }

    /// The Content-Type served by the download link.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Bmp => "image/bmp",
            ImageFormat::Ico => "image/x-icon",
            ImageFormat::Tiff => "image/tiff",
            ImageFormat::Heic => "image/heic",
        }
    }
}

/// `POST /open-apis/okr/v1/images/upload` (seed 000).
///
/// Multipart: `data` (file, ≤ 20971520 bytes, assumed), `target_id` (text), `target_type` (`2`
/// or `3` as text). Answers `{"file_token":"boxbc"+22 base62,"url":…}` and keeps the bytes.
/// Errors: 1001002 (not a self-built app), 1001003 (a user token's user is not in the world),
/// 1001001 (a field missing or ill-typed, target_type not 2/3, bytes not one of the nine image
/// formats), 1001004 (no such target of that type).
pub fn image_upload(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let form = expect_form(ctx, input)?;
    check_caller(ctx)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let data_spec = spec.field("data");
    let file = form
        .files
        .first()
        .ok_or_else(|| data_spec.violation("missing", pe, "", "required".into()))?;
    let text = |name: &str| spec.field(name).check_text(form.text(name), pe);
    let target_id = text("target_id")?;
    let target_type = text("target_type")?;
    let format = ImageFormat::sniff(file.head()).ok_or_else(|| {
        let head: String = file
            .head()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        data_spec.violation(
            "format",
            pe,
            &head,
            "a JPG, JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF or HEIC image".into(),
        )
    })?;
    let target_id = target_id.as_str().unwrap_or_default().to_string();
    let target_type = target_type.as_i64().unwrap_or_default();
    check_target(ctx, spec.field("target_id"), &target_id, target_type)?;

    let okr = &ctx.store.okr;
    let file_token = loop {
        let t = ctx
            .store
            .new_file_token(IMAGE_TOKEN_PREFIX, IMAGE_TOKEN_LEN);
        if !okr.images.contains_key(&t) {
            break t;
        }
    };
    let ticket = ctx.store.with_ids(|ids| ids.base62_token("", TICKET_LEN));
    ctx.store
        .put_file(StoredFile {
            file_token: file_token.clone(),
            name: file.filename.clone().unwrap_or_default(),
            content_type: format.content_type().to_string(),
            bytes: file.bytes().cloned().unwrap_or_default(),
            size: file.len(),
            sha256: file.known_sha256(),
            endpoint: spec.name.clone(),
            parent: target_id.clone(),
            uploaded_at_ms: ctx.store.now_ms(),
        })
        .map_err(|_| ApiError::new(spec.field("data").code_for("store_full", spec.param_error)))?;
    okr.images.insert(
        file_token.clone(),
        OkrImageRecord {
            file_token: file_token.clone(),
            target_id,
            target_type,
            ticket: Some(ticket.clone()),
        },
    );
    let url = format!(
        "{}{IMAGE_DOWNLOAD_PATH}?file_token={file_token}&ticket={ticket}",
        ctx.public_url
    );
    Ok(Reply::Json(json!({ "file_token": file_token, "url": url })))
}

/// `GET /stream/api/downloadFile/?file_token=…&ticket=…`: the `url` answered by
/// [`image_upload`]. No Authorization. Answers the bytes with the Content-Type of the recognised
/// format. Errors (assumed, the upload's table): 1001004 unknown `file_token` or an image without
/// bytes (the world's), 1001002 missing or wrong `ticket`.
pub fn image_download(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let token = ctx.query("file_token").unwrap_or_default();
    let image = ctx.store.okr.image(token);
    let file = ctx.store.file(token);
    let (Some(image), Some(file)) = (image, file) else {
        return Err(ApiError::new(OKR_DATA_NOT_FOUND));
    };
    if image.ticket.as_deref() != ctx.query("ticket") {
        return Err(ApiError::new(NO_PERMISSION));
    }
    Ok(Reply::Bytes {
        content_type: file.content_type,
        filename: None,
        bytes: file.bytes,
    })
}

// ---------------------------------------------------------------------------------------------
// Progress record create
// ---------------------------------------------------------------------------------------------

/// The snake_case spelling of a camelCase key (`textRun` → `text_run`), the form the Python SDK
/// sends (FEISHU_FACTS §5).
pub fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Member `key` of `obj` in its camelCase spelling, else its snake_case one; JSON `null` counts
/// as absent.
fn member<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let found = obj.get(key).filter(|v| !v.is_null());
    if found.is_some() || !key.bytes().any(|b| b.is_ascii_uppercase()) {
        // A key without capitals is its own snake_case spelling.
        return found;
    }
    // The snake_case spelling on the stack: this runs for every absent member of every body.
    let mut buf = [0u8; 64];
    let mut len = 0;
    for b in key.bytes() {
        let (under, c) = if b.is_ascii_uppercase() {
            (true, b.to_ascii_lowercase())
        } else {
            (false, b)
        };
        if len + 2 > buf.len() {
            return obj.get(&snake_case(key)).filter(|v| !v.is_null());
        }
        if under {
            buf[len] = b'_';
            len += 1;
        }
        buf[len] = c;
        len += 1;
    }
    let snake = std::str::from_utf8(&buf[..len]).ok()?;
    obj.get(snake).filter(|v| !v.is_null())
}

/// Every place a spec path reaches in `root`, as (concrete path, value or `None` when absent).
///
/// `path` is a field name of the specs: dotted members, `name[]` for the elements of an array
/// (`content.blocks[].paragraph.style.list.indentLevel`). A member is reported absent only when
/// its parent object exists; an absent or ill-typed parent reports nothing (the parent's own
/// field answers for it, being checked first). Members are found under their camelCase or
/// snake_case key.
pub fn json_values_at<'a>(root: &'a Value, path: &str) -> Vec<(String, Option<&'a Value>)> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    let _ = visit_values_at::<()>(root, &segments, &mut Vec::new(), &mut |indices, value| {
        out.push((concrete_path(&segments, indices), value));
        Ok(())
    });
    out
}

/// The concrete path of a place [`visit_values_at`] reached: `segments` with each `[]` filled
/// by its index (`content.blocks[2].paragraph.elements[0].textRun`).
fn concrete_path(segments: &[&str], indices: &[usize]) -> String {
    let mut at = String::new();
    let mut indices = indices.iter();
    for seg in segments {
        if !at.is_empty() {
            at.push('.');
        }
        match seg.strip_suffix("[]") {
            Some(key) => {
                at.push_str(key);
                if let Some(i) = indices.next() {
                    at.push('[');
                    at.push_str(&i.to_string());
                    at.push(']');
                }
            }
            None => at.push_str(seg),
        }
    }
    at
}

/// Calls `f` with (array indices on the way, value or `None` when absent) for every place the
/// spec path `segments` reaches in `value`, in document order, as [`json_values_at`] describes;
/// stops at the first `Err`. Allocates nothing per member: the concrete path is built by
/// [`concrete_path`] only when a caller needs it.
fn visit_values_at<'a, E>(
    value: &'a Value,
    segments: &[&str],
    indices: &mut Vec<usize>,
    f: &mut impl FnMut(&[usize], Option<&'a Value>) -> Result<(), E>,
) -> Result<(), E> {
    let Some((seg, rest)) = segments.split_first() else {
        return Ok(());
    };
    let Value::Object(obj) = value else {
        return Ok(());
    };
    let (key, each) = match seg.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (*seg, false),
    };
    let child = member(obj, key);
    if !each {
        if rest.is_empty() {
            return f(indices, child);
        } else if let Some(c) = child {
            return visit_values_at(c, rest, indices, f);
        }
        return Ok(());
    }
    let Some(Value::Array(items)) = child else {
        return Ok(());
    };
    for (i, item) in items.iter().enumerate() {
        indices.push(i);
        let r = if rest.is_empty() {
            f(indices, Some(item))
        } else {
            visit_values_at(item, rest, indices, f)
        };
        indices.pop();
        r?;
    }
    Ok(())
}

/// Checks every `in: json` field of `spec` against `body`, in spec order; the first broken rule
/// answers, with the concrete path (e.g. `content.blocks[2].paragraph.style.list.indentLevel`)
/// in `field_violations`.
fn check_json_fields(spec: &EndpointSpec, body: &Value) -> Result<(), ApiError> {
    let empty = Value::Object(Map::new());
    let root = if body.is_object() { body } else { &empty };
    let mut places = Places::new(root);
    for field in spec.fields.iter().filter(|f| f.location == Location::Json) {
        places.visit(&field.name, &mut |at, value| {
            field
                .validate_json(value, spec.param_error)
                .map_err(|mut v| {
                    v.field = at();
                    v
                })
        })?;
    }
    Ok(())
}

/// Values present at one spec path, in document order, with the array indices on the way.
type Present<'a> = std::rc::Rc<Vec<(Vec<usize>, &'a Value)>>;

/// The values one body holds at each spec path, found once per path prefix and shared by every
/// field below it (`content.blocks[].paragraph.elements[]` is walked once, not once for each of
/// the 30-odd fields under it). Visits the same places in the same order as
/// [`json_values_at`].
struct Places<'a> {
    root: &'a Value,
    /// Spec path prefix → the values present there, in document order, with the array indices
    /// on the way.
    present: std::collections::HashMap<String, Present<'a>>,
}

impl<'a> Places<'a> {
    fn new(root: &'a Value) -> Places<'a> {
        Places {
            root,
            present: std::collections::HashMap::new(),
        }
    }

    /// The values present at spec path `path` ("" is the root).
    fn present(&mut self, path: &str) -> Present<'a> {
        if path.is_empty() {
            return std::rc::Rc::new(vec![(Vec::new(), self.root)]);
        }
        if let Some(found) = self.present.get(path) {
            return found.clone();
        }
        let (parent, seg) = path.rsplit_once('.').unwrap_or(("", path));
        let parents = self.present(parent);
        let mut here = Vec::new();
        let _ = step::<()>(&parents, seg, &mut |indices, value| {
            if let Some(v) = value {
                here.push((indices.to_vec(), v));
            }
            Ok(())
        });
        let here = std::rc::Rc::new(here);
        self.present.insert(path.to_string(), here.clone());
        here
    }

    /// Calls `f` with (the concrete path, made on demand; value or `None` when absent) for every
    /// place spec path `path` reaches, as [`json_values_at`] describes; stops at the first `Err`.
    fn visit<E>(
        &mut self,
        path: &str,
        f: &mut impl FnMut(&dyn Fn() -> String, Option<&'a Value>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (parent, seg) = path.rsplit_once('.').unwrap_or(("", path));
        let parents = self.present(parent);
        step(&parents, seg, &mut |indices, value| {
            let at = || {
                let segments: Vec<&str> = path.split('.').collect();
                concrete_path(&segments, indices)
            };
            f(&at, value)
        })
    }
}

/// One path segment (`key` or `key[]`) from each of `parents`: a member is reported (possibly
/// absent) only under an object parent; `key[]` reports the elements of an array member.
fn step<'a, E>(
    parents: &[(Vec<usize>, &'a Value)],
    seg: &str,
    f: &mut impl FnMut(&[usize], Option<&'a Value>) -> Result<(), E>,
) -> Result<(), E> {
    let (key, each) = match seg.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (seg, false),
    };
    let mut indices = Vec::new();
    for (at, value) in parents {
        let Value::Object(obj) = value else {
            continue;
        };
        let child = member(obj, key);
        if !each {
            f(at, child)?;
            continue;
        }
        let Some(Value::Array(items)) = child else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            indices.clear();
            indices.extend_from_slice(at);
            indices.push(i);
            f(&indices, Some(item))?;
        }
    }
    Ok(())
}

/// The camelCase answer form of `value` found at spec path `path`: only members the spec
/// documents, object keys in alphabetical order (as in seed 001's response example), whole
/// numbers of `number` fields without a fraction, `progress_rate.percent` rounded to 2 decimals.
fn answer_form(spec: &EndpointSpec, value: &Value, path: &str) -> Value {
    answer_form_in(&AnswerShape::of(spec), value, path)
}

/// What [`answer_form`] needs of a spec, derived once per endpoint rather than by scanning every
/// field at every node: the documented member names under each path, sorted, and the type of
/// each field.
#[derive(Debug, Default)]
struct AnswerShape {
    /// Spec path of an object → the names of its documented members (no `[]`), sorted.
    members: std::collections::HashMap<String, Vec<String>>,
    /// Spec path → the field's type.
    kinds: std::collections::HashMap<String, Kind>,
}

impl AnswerShape {
    fn of(spec: &EndpointSpec) -> std::sync::Arc<AnswerShape> {
        use std::sync::{Arc, Mutex, OnceLock};
        static SHAPES: OnceLock<Mutex<std::collections::HashMap<String, Arc<AnswerShape>>>> =
            OnceLock::new();
        let shapes = SHAPES.get_or_init(Default::default);
        let mut shapes = shapes.lock().unwrap_or_else(|p| p.into_inner());
        shapes
            .entry(spec.name.clone())
            .or_insert_with(|| {
                let mut shape = AnswerShape::default();
                for f in spec.fields.iter().filter(|f| f.location == Location::Json) {
                    shape.kinds.entry(f.name.clone()).or_insert(f.kind);
                    if let Some((parent, key)) = f.name.rsplit_once('.') {
                        if !key.contains('[') {
                            shape
                                .members
                                .entry(parent.to_string())
                                .or_default()
                                .push(key.to_string());
                        }
                    }
                }
                for keys in shape.members.values_mut() {
                    keys.sort_unstable();
                    keys.dedup();
                }
                Arc::new(shape)
            })
            .clone()
    }
}

fn answer_form_in(shape: &AnswerShape, value: &Value, path: &str) -> Value {
    match value {
        Value::Object(obj) => {
            let mut out = Map::new();
            for key in shape.members.get(path).into_iter().flatten() {
                if let Some(child) = member(obj, key) {
                    let mut child_path = String::with_capacity(path.len() + 1 + key.len());
                    child_path.push_str(path);
                    child_path.push('.');
                    child_path.push_str(key);
                    out.insert(key.clone(), answer_form_in(shape, child, &child_path));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let item_path = format!("{path}[]");
            Value::Array(
                items
                    .iter()
                    .map(|i| answer_form_in(shape, i, &item_path))
                    .collect(),
            )
        }
        Value::Number(n) => answered_number(n, shape.kinds.get(path).copied(), path),
        other => other.clone(),
    }
}

/// The one field answered rounded to 2 decimals (保留两位小数; the rounding is assumed).
pub const ROUNDED_TO_2_DECIMALS: &str = "progress_rate.percent";

/// Number `n` found at spec path `path` (a field of type `kind`) as answered, for both the
/// spec-driven checker and the one-pass reader: [`ROUNDED_TO_2_DECIMALS`] rounded to 2
/// decimals, a whole value of an `int` or `number` field written without a fraction (below
/// 9e15, where an f64 still holds every integer), anything else as a float.
pub fn answered_number(n: &serde_json::Number, kind: Option<Kind>, path: &str) -> Value {
    let f = n.as_f64().unwrap_or_default();
    let f = if path == ROUNDED_TO_2_DECIMALS {
        (f * 100.0).round() / 100.0
    } else {
        f
    };
    match kind {
        Some(Kind::Int | Kind::Number) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            json!(f as i64)
        }
        _ => json!(f),
    }
}

/// Replaces a JSON integer `target_id` by its decimal text: the Python SDK types it as int
/// (assumed). The one-pass reader does the same in its walk.
fn target_id_as_text(body: &mut Value) {
    if let Some(obj) = body.as_object_mut() {
        if let Some(Value::Number(n)) = obj.get("target_id") {
            if let Some(id) = n.as_u64() {
                obj.insert("target_id".into(), Value::String(id.to_string()));
            }
        }
    }
}

/// The text of a checked string field (empty when absent).
fn text_of(c: Checked) -> Option<String> {
    c.as_str().map(str::to_string)
}

/// `POST /open-apis/okr/v1/progress_records` (seed 001).
///
/// Query `user_id_type` ∈ {open_id, union_id, user_id} (default open_id). JSON body: required
/// `source_title`, `source_url` (`^https?://.*$`), `target_id`, `target_type` ∈ {2,3},
/// `content` (rich text: blocks of paragraphs and galleries, snake_case keys accepted);
/// optional `source_url_pc`, `source_url_mobile` (same pattern), `progress_rate` {`percent` in
/// [-99999999999, 99999999999], `status` ∈ {-1,0,1,2}}. Every rule is in
/// `specs/okr.progress_record.create.json`.
///
/// Answers `{"content":…,"modify_time":"<ms>","progress_id":"<19 digits>"}` plus
/// `progress_rate` when given, and keeps the record (its content only under `--retain bytes`,
/// counted against `--max-stored-bytes`: 1009998 at the cap, assumed). Errors: 1001002 (not a self-built app),
/// 1001003 (a user token's user, or a person element's openId, is not in the world), 1001001
/// (any broken field rule; a gallery fileToken not issued by the image upload), 1001004 (no such
/// target of that type).
pub fn progress_record_create(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let bytes = expect_json_bytes(ctx, input)?;
    if let Some(reply) = create_in_one_pass(ctx, &bytes) {
        return Ok(reply);
    }
    // Something is refused (or the body has what only this path reads: a JSON null, a member
    // given twice): the spec-driven checker finds the first broken rule in spec order.
    let mut body: Value =
        serde_json::from_slice(&bytes).map_err(|_| ApiError::new(ctx.spec.param_error))?;
    let app_id = check_caller(ctx)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    spec.field("user_id_type")
        .check_text(ctx.query("user_id_type"), pe)?;

    target_id_as_text(&mut body);
    check_json_fields(spec, &body)?;

    let get = |name: &str| {
        spec.field(name)
            .check_json(body.get(name).filter(|v| !v.is_null()), pe)
    };
    let source_title = text_of(get("source_title")?).unwrap_or_default();
    let source_url = text_of(get("source_url")?).unwrap_or_default();
    let source_url_pc = text_of(get("source_url_pc")?);
    let source_url_mobile = text_of(get("source_url_mobile")?);
    let target_id = text_of(get("target_id")?).unwrap_or_default();
    let target_type = get("target_type")?.as_i64().unwrap_or_default();
    check_target(ctx, spec.field("target_id"), &target_id, target_type)?;

    let person_field = spec.field("content.blocks[].paragraph.elements[].person.openId");
    for (at, value) in json_values_at(&body, &person_field.name) {
        let Some(open_id) = value.and_then(Value::as_str) else {
            continue;
        };
        if ctx.store.user(open_id).is_none() {
            let mut v =
                person_field.violation("exists", pe, open_id, "a user of the tenant".into());
            v.field = at;
            return Err(v.into());
        }
    }
    let image_field = spec.field("content.blocks[].gallery.imageList[].fileToken");
    for (at, value) in json_values_at(&body, &image_field.name) {
        let Some(token) = value.and_then(Value::as_str) else {
            continue;
        };
        if ctx.store.okr.image(token).is_none() {
            let mut v = image_field.violation(
                "exists",
                pe,
                token,
                "a file_token issued by /open-apis/okr/v1/images/upload".into(),
            );
            v.field = at;
            return Err(v.into());
        }
    }

    let content = body
        .get("content")
        .map(|c| answer_form(spec, c, "content"))
        .unwrap_or_else(|| json!({}));
    let progress_rate = body
        .get("progress_rate")
        .filter(|v| v.is_object())
        .map(|rate| rate_answer(answer_form(spec, rate, "progress_rate")));
    let content_json = content.to_string();
    keep_record(
        ctx,
        NewRecord {
            target_id,
            target_type,
            source_title,
            source_url,
            source_url_pc,
            source_url_mobile,
            content_json,
            progress_rate,
            app_id,
        },
    )
    .map(Reply::JsonText)
}

/// [`progress_record_create`] for a body that breaks no rule, read in one pass without a JSON
/// tree ([`okr_pass`]): the same checks in the same order of precedence, the same record and
/// answer. `None` when anything would be refused (nothing is kept then), for the spec-driven
/// path to answer with the first broken rule.
fn create_in_one_pass(ctx: &Ctx<'_>, body: &[u8]) -> Option<Reply> {
    let spec = ctx.spec;
    let mut pass = okr_pass::Schema::of(spec)?.read(body)?;
    let app_id = check_caller(ctx).ok()?;
    spec.field("user_id_type")
        .check_text(ctx.query("user_id_type"), spec.param_error)
        .ok()?;
    let target_id = pass.text("target_id")?.to_string();
    let target_type = pass.target_type()?;
    if pass
        .person_open_ids
        .iter()
        .any(|id| ctx.store.user(id).is_none())
        || pass
            .gallery_file_tokens
            .iter()
            .any(|token| ctx.store.okr.image(token).is_none())
    {
        return None;
    }
    // Last, because with --loose it creates the target.
    check_target(ctx, spec.field("target_id"), &target_id, target_type).ok()?;
    // At --max-stored-bytes the spec-driven path answers the same refusal.
    let answer = keep_record(
        ctx,
        NewRecord {
            target_id,
            target_type,
            source_title: pass.text("source_title").unwrap_or_default().to_string(),
            source_url: pass.text("source_url").unwrap_or_default().to_string(),
            source_url_pc: pass.text("source_url_pc").map(str::to_string),
            source_url_mobile: pass.text("source_url_mobile").map(str::to_string),
            progress_rate: pass.progress_rate().cloned().map(rate_answer),
            content_json: pass.take_content_json().unwrap_or_else(|| "{}".into()),
            app_id,
        },
    )
    .ok()?;
    Some(Reply::JsonText(answer))
}

/// `progress_rate` as answered: its documented members in answer form, with `percent` 0 when
/// it was not given (its spec default).
fn rate_answer(mut answered: Value) -> Value {
    if let Value::Object(m) = &mut answered {
        if !m.contains_key("percent") {
            m.insert("percent".into(), json!(0));
            m.sort_keys();
        }
    }
    answered
}

/// A checked progress record before it has an id and a time.
struct NewRecord {
    target_id: String,
    target_type: i64,
    source_title: String,
    source_url: String,
    source_url_pc: Option<String>,
    source_url_mobile: Option<String>,
    content_json: String,
    progress_rate: Option<Value>,
    app_id: String,
}

/// Keeps `new` under a fresh 19-digit `progress_id`, stamped with the emulator clock (ms), and
/// answers its `data` ([`answer_text`]). Under `--retain metadata` the content itself is not
/// kept; otherwise its bytes count against `--max-stored-bytes`, and a record that would pass
/// the cap is refused with 1009998 system exception (assumed: the seed documents no quota
/// code) and kept nowhere.
fn keep_record(ctx: &Ctx<'_>, new: NewRecord) -> Result<String, ApiError> {
    let okr = &ctx.store.okr;
    let content_bytes = new.content_json.len() as u64;
    let keep_content = ctx.store.options.retain == Retain::Bytes;
    if keep_content {
        ctx.store.reserve_stored_bytes(content_bytes).map_err(|_| {
            ApiError::new(
                ctx.spec
                    .field("content")
                    .code_for("store_full", ctx.spec.param_error),
            )
        })?;
    }
    let modify_time_ms = ctx.store.now_ms();
    let progress_id = loop {
        let id = ctx.store.with_ids(|ids| ids.numeric_id(PROGRESS_ID_DIGITS));
        if !okr.records.contains_key(&id) {
            break id;
        }
    };
    let mut record = ProgressRecord {
        progress_id: progress_id.clone(),
        modify_time_ms,
        target_id: new.target_id,
        target_type: new.target_type,
        source_title: new.source_title,
        source_url: new.source_url,
        source_url_pc: new.source_url_pc,
        source_url_mobile: new.source_url_mobile,
        content_json: Some(new.content_json),
        content_bytes,
        progress_rate: new.progress_rate,
        app_id: new.app_id,
    };
    let answer = answer_text(&record);
    if !keep_content {
        record.content_json = None;
    }
    okr.records.insert(progress_id, Box::new(record));
    Ok(answer)
}

/// The answered `data` of a created record as compact JSON:
/// `{"content":…,"modify_time":"<ms>","progress_id":"<19 digits>"}` plus `progress_rate` when
/// given.
fn answer_text(record: &ProgressRecord) -> String {
    let content_json = record.content_json.as_deref().unwrap_or("{}");
    let mut data = String::with_capacity(content_json.len() + 128);
    data.push_str(r#"{"content":"#);
    data.push_str(content_json);
    data.push_str(r#","modify_time":""#);
    data.push_str(&record.modify_time_ms.to_string());
    data.push_str(r#"","progress_id":""#);
    data.push_str(&record.progress_id);
    data.push('"');
    if let Some(rate) = &record.progress_rate {
        data.push_str(r#","progress_rate":"#);
        data.push_str(&rate.to_string());
    }
    data.push('}');
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Catalogue;

    /// Random progress record bodies shaped by the spec: each member valid, broken (wrong type,
    /// out of range, not in the enum, not matching the pattern, empty), absent, `null`, in its
    /// snake_case spelling, given twice, or next to undocumented members.
    struct BodyGen {
        rng: rand::rngs::SmallRng,
        spec: &'static EndpointSpec,
        /// Whether this body may break rules; a clean body holds only valid values.
        noisy: bool,
    }

    impl BodyGen {
        fn chance(&mut self, percent: u32) -> bool {
            use rand::Rng;
            self.rng.gen_range(0..100) < percent
        }

        /// A broken or unusual choice, only in a noisy body.
        fn odd(&mut self, percent: u32) -> bool {
            self.noisy && self.chance(percent)
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            use rand::Rng;
            &items[self.rng.gen_range(0..items.len())]
        }

        /// JSON text for the field at spec path `path` ("" is the body).
        fn value(&mut self, path: &str, depth: usize) -> String {
            use rand::Rng;
            let field = self.spec.fields.iter().find(|f| f.name == path);
            let kind = field.map_or(Kind::Object, |f| f.kind);
            if depth > 0 && self.odd(3) {
                // A value of some other type.
                return self
                    .pick(&["\"x\"", "7", "2.5", "true", "{}", "[]", "null"])
                    .to_string();
            }
            match kind {
                Kind::Object => {
                    let prefix = if path.is_empty() {
                        String::new()
                    } else {
                        format!("{path}.")
                    };
                    let members: Vec<&'static FieldSpec> = self
                        .spec
                        .fields
                        .iter()
                        .filter(|f| f.location == Location::Json)
                        .filter(|f| {
                            f.name
                                .strip_prefix(&prefix)
                                .is_some_and(|rest| !rest.contains('.') && !rest.ends_with("[]"))
                        })
                        .collect();
                    let mut parts = Vec::new();
                    for f in members {
                        let key = &f.name[prefix.len()..];
                        if !f.required && self.chance(35) || f.required && self.odd(2) {
                            continue;
                        }
                        let spelled = if self.chance(25) {
                            snake_case(key)
                        } else {
                            key.to_string()
                        };
                        let v = self.value(&f.name, depth + 1);
                        parts.push(format!("{}:{v}", serde_json::to_string(&spelled).unwrap()));
                        if self.odd(2) {
                            let again = if self.chance(50) {
                                snake_case(key)
                            } else {
                                key.to_string()
                            };
                            let v = self.value(&f.name, depth + 1);
                            parts.push(format!("{}:{v}", serde_json::to_string(&again).unwrap()));
                        }
                    }
                    if self.chance(10) {
                        parts.push(r#""undocumented":{"deep":[1,"x",null]}"#.to_string());
                    }
                    if self.odd(1) {
                        // Deeper than serde_json's recursion limit of 128, or just within it.
                        let n = *self.pick(&[90, 126, 140]);
                        parts.push(format!(r#""nested":{}1{}"#, "[".repeat(n), "]".repeat(n)));
                    }
                    if parts.len() > 1 && self.chance(50) {
                        let i = self.rng.gen_range(0..parts.len());
                        let j = self.rng.gen_range(0..parts.len());
                        parts.swap(i, j);
                    }
                    format!("{{{}}}", parts.join(","))
                }
                Kind::Array => {
                    let n = if depth > 6 {
                        0
                    } else {
                        self.rng.gen_range(0..4)
                    };
                    let items: Vec<String> = (0..n)
                        .map(|_| self.value(&format!("{path}[]"), depth + 1))
                        .collect();
                    format!("[{}]", items.join(","))
                }
                Kind::String => {
                    let f = field.expect("string fields are spec fields");
                    if !f.allowed.is_empty() {
                        if !self.odd(10) {
                            return self.pick(&f.allowed).to_string();
                        }
                        return "\"bogus\"".into();
                    }
                    if f.pattern.is_some() {
                        if self.odd(20) {
                            return self.pick(&["\"ftp://c\"", "\"\""]).to_string();
                        }
                        return self
                            .pick(&["\"https://a.example/x\"", "\"http://b\""])
                            .to_string();
                    }
                    if path == "target_id" && self.chance(30) {
                        return self.pick(&["7043693679567028244", "-3", "1.0"]).to_string();
                    }
                    if f.min_chars.is_some() && self.odd(20) {
                        return "\"\"".into();
                    }
                    if self.odd(3) {
                        // A lone surrogate: not JSON text to either parser.
                        return "\"\\ud800\"".into();
                    }
                    self.pick(&[
                        "\"粗体\"",
                        "\"plain\"",
                        "\"esc\\\"aped\\n\"",
                        "\"ou_3bbe8a09c20e89cce9bff989ed840674\"",
                    ])
                    .to_string()
                }
                Kind::Int | Kind::Number => {
                    let f = field.expect("number fields are spec fields");
                    if !f.allowed.is_empty() && !self.odd(15) {
                        return self.pick(&f.allowed).to_string();
                    }
                    if self.odd(30) {
                        return self
                            .pick(&[
                                "17",
                                "-1",
                                "256",
                                "0.5",
                                "100000000000",
                                "12345678901234567890",
                            ])
                            .to_string();
                    }
                    let n = self.pick(&[
                        "0",
                        "1",
                        "16",
                        "2.0",
                        "1e1",
                        "-0",
                        "33.335",
                        "99999999999",
                        "0.30000000000000004",
                        "2.2250738585072011e-308",
                        "1.5e-7",
                    ]);
                    match (f.min, f.max, n.parse::<f64>()) {
                        (Some(min), _, Ok(v)) if v < min => min.to_string(),
                        (_, Some(max), Ok(v)) if v > max => max.to_string(),
                        _ => n.to_string(),
                    }
                }
                Kind::Bool => self.pick(&["true", "false"]).to_string(),
                other => panic!("no JSON field of kind {other:?}"),
            }
        }
    }

    /// The spec-driven verdict and answer for `bytes`: `Some((content, progress_rate))` when
    /// every JSON field rule holds.
    fn checker_answer(spec: &EndpointSpec, bytes: &[u8]) -> Option<(Value, Option<Value>)> {
        let mut body: Value = serde_json::from_slice(bytes).ok()?;
        target_id_as_text(&mut body);
        check_json_fields(spec, &body).ok()?;
        let content = body
            .get("content")
            .map(|c| answer_form(spec, c, "content"))?;
        let rate = body
            .get("progress_rate")
            .filter(|v| v.is_object())
            .map(|r| answer_form(spec, r, "progress_rate"));
        Some((content, rate))
    }

    /// Whether `text` holds a JSON null or an object with a key given twice or in both its
    /// camelCase and snake_case spelling: what the one-pass reader leaves to the checker.
    fn has_null_or_repeated_member(text: &str) -> bool {
        use serde::de::{Deserializer as _, MapAccess, SeqAccess, Visitor};
        struct Scan;
        impl<'de> Visitor<'de> for Scan {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_str<E>(self, _: &str) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_unit<E>(self) -> Result<bool, E> {
                Ok(true)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
                let mut found = false;
                while let Some(f) = seq.next_element_seed(Seed)? {
                    found |= f;
                }
                Ok(found)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
                let mut found = false;
                let mut keys: Vec<String> = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    found |= keys
                        .iter()
                        .any(|seen| *seen == k || snake_case(seen) == k || snake_case(&k) == *seen);
                    found |= map.next_value_seed(Seed)?;
                    keys.push(k);
                }
                Ok(found)
            }
        }
        struct Seed;
        impl<'de> serde::de::DeserializeSeed<'de> for Seed {
            type Value = bool;
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
                d.deserialize_any(Scan)
            }
        }
        serde_json::Deserializer::from_str(text)
            .deserialize_any(Scan)
            .unwrap_or(false)
    }

    /// How deep `v` nests objects and arrays (a scalar is 0).
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
            Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    #[test]
    fn the_one_pass_reader_and_the_spec_checker_agree_on_every_verdict_and_answer() {
        use rand::SeedableRng;
        let spec = Catalogue::get().endpoint("okr.progress_record.create");
        let schema = okr_pass::Schema::of(spec).expect("the progress record spec compiles");
        let mut gen = BodyGen {
            rng: rand::rngs::SmallRng::seed_from_u64(1),
            spec,
            noisy: false,
        };
        let (mut accepted, mut refused) = (0, 0);
        for i in 0..4000 {
            gen.noisy = i % 2 == 1;
            let text = gen.value("", 0);
            let pass = schema.read(text.as_bytes());
            let checker = checker_answer(spec, text.as_bytes());
            match (&pass, &checker) {
                (Some(pass), Some((content, rate))) => {
                    accepted += 1;
                    assert_eq!(
                        pass.content_json().unwrap(),
                        content.to_string(),
                        "content text of body {i}: {text}"
                    );
                    assert_eq!(pass.progress_rate(), rate.as_ref(), "body {i}: {text}");
                }
                (Some(_), None) => panic!("one pass accepted what the checker refuses: {text}"),
                (None, Some(_)) => assert!(
                    has_null_or_repeated_member(&text)
                        || depth(&serde_json::from_str(&text).unwrap()) > 16,
                    "one pass refused what the checker accepts: {text}"
                ),
                (None, None) => refused += 1,
            }
        }
        assert!(
            accepted > 1000 && refused > 1000,
            "{accepted} accepted, {refused} refused"
        );
    }

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
        for spec in ["okr.image.upload", "okr.progress_record.create"] {
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

    #[test]
    fn each_of_the_nine_formats_is_recognised_from_its_magic_bytes() {
        let cases: [(&[u8], ImageFormat); 9] = [
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", ImageFormat::Jpeg),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ImageFormat::Png),
            (b"RIFF\x24\0\0\0WEBPVP8 ", ImageFormat::Webp),
            (b"GIF89a\x01\0\x01\0", ImageFormat::Gif),
            (b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0", ImageFormat::Bmp),
            (b"\0\0\x01\0\x01\0\x10\x10", ImageFormat::Ico),
            (b"II*\0\x08\0\0\0", ImageFormat::Tiff),
            (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", ImageFormat::Heic),
            (b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic", ImageFormat::Heic),
        ];
        for (bytes, want) in cases {
            assert_eq!(ImageFormat::sniff(bytes), Some(want), "{bytes:?}");
        }
    }

    #[test]
    fn non_images_and_look_alikes_are_not_recognised() {
        for bytes in [
            &b""[..],
            b"%PDF-1.7",
            b"GIF90a",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"\0\0\0\x1cftypavif\0\0\0\0mif1avif",
            b"\0\0\0\x18ftypmif1\0\0\0\0mif1avif",
            b"\0\0\x02\0\x01\0",
            b"hello world",
        ] {
            assert_eq!(ImageFormat::sniff(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn snake_case_of_rich_text_keys_is_what_the_python_sdk_sends() {
        assert_eq!(snake_case("textRun"), "text_run");
        assert_eq!(snake_case("indentLevel"), "indent_level");
        assert_eq!(snake_case("openId"), "open_id");
        assert_eq!(snake_case("type"), "type");
    }

    #[test]
    fn paths_reach_every_array_element_and_report_absent_members_of_present_parents() {
        let body = json!({"content": {"blocks": [
            {"paragraph": {"style": {"list": {"indent_level": 3}}}},
            {"paragraph": {"style": {"list": {}}}},
            {"gallery": {}}
        ]}});
        let got = json_values_at(&body, "content.blocks[].paragraph.style.list.indentLevel");
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].0,
            "content.blocks[0].paragraph.style.list.indentLevel"
        );
        assert_eq!(got[0].1, Some(&json!(3)));
        assert_eq!(got[1].1, None);
    }
}
