//! OKR progress record update (FOLLOWUP_APIS §3):
//! `PUT /open-apis/okr/v1/progress_records/:progress_id`.

use super::{check_caller, check_may_change, record_in_path, OKR_DATA_NOT_FOUND};
use crate::contract::error::ApiError;
use crate::contract::json_body::{JsonBody, Refusal};
use crate::families::okr::progress_record::{answer_body, check_references, progress_rate};
use crate::families::{expect_json_bytes, Ctx, Input, Reply};
use crate::state::store::Retain;

/// `PUT /open-apis/okr/v1/progress_records/:progress_id?user_id_type=…` with
/// `{"content", "progress_rate"?}`.
///
/// The body is read by the one JSON body validator compiled from
/// `specs/okr.progress_record.update.json`, whose `content`, `progress_rate` and `user_id_type`
/// fields are create's own (`fields_from`): exactly create's rules, snake_case keys included.
/// `content` is required. Replaces the content; replaces `progress_rate` when given and keeps
/// it when omitted (assumed); `modify_time` becomes the emulator clock's now. Answers the
/// updated record in create's shape.
///
/// Errors, in order: 1001001 (not JSON), 1001002 (store app), 1001003 (a user token's user),
/// 1001001 (`user_id_type`, `progress_id` form), 1001004 (no such record), 1001002 (neither the
/// creating app nor the objective's owner — assumed), 1001001 (the first broken rule of the
/// body), 1001003 (a person's openId), 1001001 (a gallery fileToken), 1009998 (new content
/// past `--max-stored-bytes`; the record stays as it was).
pub fn progress_record_update(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let bytes = expect_json_bytes(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let reading = JsonBody::of(spec).read(&bytes);
    if let Err(Refusal::NotJson) = reading {
        return Err(ApiError::new(pe));
    }
    check_caller(ctx)?;
    spec.field("user_id_type")
        .check_text(ctx.query("user_id_type"), pe)?;
    let record = record_in_path(ctx)?;
    check_may_change(ctx, &record)?;
    let mut reading = reading.map_err(|r| r.into_error(pe))?;
    check_references(ctx, &reading)?;
    let new_rate = progress_rate(ctx, &reading)?;
    let content_json = reading
        .take_answer("content")
        .unwrap_or_else(|| "{}".into());
    let content_bytes = content_json.len() as u64;
    let keep_content = ctx.store.options.retain == Retain::Bytes;
    if keep_content {
        ctx.store
            .reserve_stored_bytes(content_bytes)
            .map_err(|_| ApiError::new(spec.field("content").code_for("store_full", pe)))?;
    }
    let now = ctx.store.now_ms();
    let updated = ctx
        .families
        .okr
        .records
        .get_mut(&record.progress_id)
        .map(|mut kept| {
            if kept.content_json.is_some() {
                ctx.store.release_stored_bytes(kept.content_bytes);
            }
            kept.content_bytes = content_bytes;
            kept.modify_time_ms = now;
            if new_rate.is_some() {
                kept.progress_rate = new_rate;
            }
            kept.content_json = Some(content_json);
            let answer = answer_body(&kept, spec.platform);
            if !keep_content {
                kept.content_json = None;
            }
            answer
        });
    match updated {
        Some(answer) => Ok(Reply::Enveloped(answer)),
        None => {
            // Deleted between the check and the write: nothing kept, nothing counted.
            if keep_content {
                ctx.store.release_stored_bytes(content_bytes);
            }
            Err(ApiError::new(OKR_DATA_NOT_FOUND))
        }
    }
}
