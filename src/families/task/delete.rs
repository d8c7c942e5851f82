//! Task v2 attachment delete (FOLLOWUP_APIS §5): `DELETE /open-apis/task/v2/attachments/:attachment_guid`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `DELETE /open-apis/task/v2/attachments/:attachment_guid`: `data {}`; the attachment is gone
/// from list, get and its download link.
pub fn attachment_delete(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let record = visible_attachment(ctx)?;
    ctx.families.task.delete_attachment(&record.guid);
    ctx.store.remove_file(&record.file_token);
    Ok(Reply::Json(json!({})))
}
