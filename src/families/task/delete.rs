//! Task v2 attachment delete (FOLLOWUP_APIS §5): `DELETE /open-apis/task/v2/attachments/:attachment_guid`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `DELETE /open-apis/task/v2/attachments/:attachment_guid`: `data {}`; the attachment is gone
/// from list, get, its `url` links and `/__mock/files`. Allowed to the task's editors and to the
/// attachment's uploader (doc). 1470400 (a GUID over 100 chars), 1470404 (no such attachment,
/// or a deleted one), 1470403 (neither an editor nor the uploader) —
/// `specs/task.attachment.delete.json`.
pub fn attachment_delete(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let (record, field) = attachment_in_path(ctx)?;
    let caller = caller_as_uploader(ctx)?;
    if caller != record.uploader && !is_editor(&task_of(ctx, &record), &caller) {
        return Err(ApiError::new(
            field.code_for("deletable", ctx.spec.param_error),
        ));
    }
    if !ctx.families.task.delete_attachment(&record.guid) {
        // Deleted by a concurrent call in between.
        return Err(ApiError::new(
            field.code_for("exists", ctx.spec.param_error),
        ));
    }
    ctx.store.remove_file(&record.file_token);
    Ok(Reply::Json(json!({})))
}
