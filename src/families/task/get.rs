//! Task v2 attachment get (FOLLOWUP_APIS §5): `GET /open-apis/task/v2/attachments/:attachment_guid`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `GET /open-apis/task/v2/attachments/:attachment_guid`: `data.attachment`, with a fresh `url`.
/// 1470400 (`user_id_type`, a GUID over 100 chars), 1470404 (no such attachment, or a deleted
/// one), 1470403 (the caller may not read its task) — `specs/task.attachment.get.json`.
pub fn attachment_get(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let user_id_type = user_id_type(ctx)?;
    let (record, field) = attachment_in_path(ctx)?;
    editor_of(ctx, &task_of(ctx, &record), field)?;
    Ok(Reply::Json(
        json!({ "attachment": attachment_json(ctx, &record, &user_id_type, true) }),
    ))
}
