//! Feishu Project attachment download (FOLLOWUP_APIS §4).

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// Handles file/download: JSON `{"uuid"}` of an attachment of the work item in the path →
/// its bytes with the stored Content-Type and file name. Errors: the path's (1000050255,
/// 20003, 30005), 1000050190 (no `uuid` string), 20006 (not an attachment of this work item).
pub fn file_download(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let body = expect_json(ctx, input)?;
    let (space, _type_key, item_id) = work_item(ctx)?;
    let uuid = body
        .get("uuid")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::new(ctx.spec.param_error))?;
    ctx.families
        .project
        .slot_of(uuid)
        .filter(|s| s.project_key == space.project_key && s.work_item_id == item_id)
        .ok_or_else(|| ApiError::new(INVALID_PARAM))?;
    let file = ctx
        .store
        .file(uuid)
        .ok_or_else(|| ApiError::new(INVALID_PARAM))?;
    Ok(Reply::Bytes {
        content_type: file.content_type,
        filename: Some(file.name),
        bytes: file.bytes,
    })
}
