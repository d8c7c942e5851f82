//! OKR progress record create (seed 001): `POST /open-apis/okr/v1/progress_records`.

use super::{check_caller, check_target, ProgressRecord, PROGRESS_ID_DIGITS};
use crate::contract::error::ApiError;
use crate::contract::json_body::{JsonBody, Reading, Refusal};
use crate::contract::spec::Platform;
use crate::families::{expect_json_bytes, Ctx, Input, Reply};
use crate::state::store::Retain;
use serde_json::{json, Value};

/// Spec path of a person element's open_id: must be a user of the world (1001003).
pub const PERSON_OPEN_ID: &str = "content.blocks[].paragraph.elements[].person.openId";
/// Spec path of a gallery image's file token: must be an issued OKR image (1001001).
pub const GALLERY_FILE_TOKEN: &str = "content.blocks[].gallery.imageList[].fileToken";

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
    let spec = ctx.spec;
    let pe = spec.param_error;
    let reading = JsonBody::of(spec).read(&bytes);
    if let Err(Refusal::NotJson) = reading {
        return Err(ApiError::new(pe));
    }
    let app_id = check_caller(ctx)?;
    spec.field("user_id_type")
        .validate_text(ctx.query("user_id_type"), pe)?;
    let mut reading = reading.map_err(|r| r.into_error(pe))?;

    let target_id = reading.text("target_id").unwrap_or_default().to_string();
    let target_type = reading.int("target_type").unwrap_or_default();
    check_target(ctx, "target_id", &target_id, target_type)?;

    check_references(ctx, &reading)?;
    let progress_rate = progress_rate(ctx, &reading)?;
    let text = |name: &str| reading.text(name).map(str::to_string);
    let new = NewRecord {
        source_title: text("source_title").unwrap_or_default(),
        source_url: text("source_url").unwrap_or_default(),
        source_url_pc: text("source_url_pc"),
        source_url_mobile: text("source_url_mobile"),
        target_id,
        target_type,
        progress_rate,
        content_json: String::new(),
        app_id,
    };
    let content_json = reading
        .take_answer("content")
        .unwrap_or_else(|| "{}".into());
    keep_record(
        ctx,
        NewRecord {
            content_json,
            ..new
        },
    )
    .map(Reply::Enveloped)
}

/// The world references inside a checked `content` (create and update alike): every person
/// element's openId must be a user of the world (1001003), every gallery fileToken an image
/// issued by the upload or held by the world (1001001); the first one missing answers, named
/// by its concrete place.
pub(super) fn check_references(ctx: &Ctx<'_>, reading: &Reading) -> Result<(), ApiError> {
    let spec = ctx.spec;
    let pe = spec.param_error;
    // The fields are looked up only to name a missing reference.
    for (at, open_id) in reading.strings_at(PERSON_OPEN_ID) {
        if ctx.store.user(open_id).is_none() {
            let mut v = spec.field(PERSON_OPEN_ID).violation(
                "exists",
                pe,
                open_id,
                "a user of the tenant".into(),
            );
            v.field = at.to_string();
            return Err(v.into());
        }
    }
    for (at, token) in reading.strings_at(GALLERY_FILE_TOKEN) {
        if ctx.families.okr.image(token).is_none() {
            let mut v = spec.field(GALLERY_FILE_TOKEN).violation(
                "exists",
                pe,
                token,
                "a file_token issued by /open-apis/okr/v1/images/upload".into(),
            );
            v.field = at.to_string();
            return Err(v.into());
        }
    }
    Ok(())
}

/// The checked body's `progress_rate` in answer form, if it carries one.
pub(super) fn progress_rate(ctx: &Ctx<'_>, reading: &Reading) -> Result<Option<Value>, ApiError> {
    match reading.answer("progress_rate") {
        Some(rate) => Ok(Some(rate_answer(
            serde_json::from_str(rate).map_err(|_| ApiError::new(ctx.spec.param_error))?,
        ))),
        None => Ok(None),
    }
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
/// answers its whole body ([`answer_body`]). Under `--retain metadata` the content itself is not
/// kept; otherwise its bytes count against `--max-stored-bytes`, and a record that would pass
/// the cap is refused with 1009998 system exception (assumed: the seed documents no quota
/// code) and kept nowhere.
fn keep_record(ctx: &Ctx<'_>, new: NewRecord) -> Result<String, ApiError> {
    let okr = &ctx.families.okr;
    let content_bytes = new.content_json.len() as u64;
    let keep_content = ctx.store.options.retain == Retain::Bytes;
    let store_full = || {
        ApiError::new(
            ctx.spec
                .field("content")
                .code_for("store_full", ctx.spec.param_error),
        )
    };
    // A record is one of the objects `--max-stored-objects` caps, in every retention mode.
    ctx.store
        .reserve_stored_objects(1)
        .map_err(|_| store_full())?;
    if keep_content && ctx.store.reserve_stored_bytes(content_bytes).is_err() {
        ctx.store.release_stored_objects(1);
        return Err(store_full());
    }
    let modify_time_ms = ctx.store.now_ms();
    let mut record = ProgressRecord {
        progress_id: String::new(),
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
    // A fresh id is drawn until one is free; the table's entry is held from the check to the
    // insert (one lookup).
    loop {
        let id = ctx.store.with_ids(|ids| ids.numeric_id(PROGRESS_ID_DIGITS));
        if let dashmap::Entry::Vacant(vacant) = okr.records.entry(id) {
            record.progress_id = vacant.key().clone();
            let answer = answer_body(&record, ctx.spec.platform);
            if !keep_content {
                record.content_json = None;
            }
            vacant.insert(Box::new(record));
            return Ok(answer);
        }
    }
}

/// The whole success body of a record's answer (create, get, update): `platform`'s success
/// envelope around the record's `data` as compact JSON,
/// `{"content":…,"modify_time":"<ms>","progress_id":"<19 digits>"}` plus `progress_rate` when
/// given; written in one buffer of exactly its size (which the response then owns as it is).
pub(super) fn answer_body(record: &ProgressRecord, platform: Platform) -> String {
    let (head, tail) = platform.success_envelope();
    let content_json = record.content_json.as_deref().unwrap_or("{}");
    let mut time = itoa::Buffer::new();
    let time = time.format(record.modify_time_ms);
    let rate = record.progress_rate.as_ref().map(Value::to_string);
    let parts = [
        head,
        r#"{"content":"#,
        content_json,
        r#","modify_time":""#,
        time,
        r#"","progress_id":""#,
        &record.progress_id,
        "\"",
        if rate.is_some() {
            r#","progress_rate":"#
        } else {
            ""
        },
        rate.as_deref().unwrap_or(""),
        "}",
        tail,
    ];
    let mut body = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        body.push_str(part);
    }
    body
}
