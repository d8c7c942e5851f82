//! The download link handed out in an attachment's `url` (FOLLOWUP_APIS §5.3).

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `GET /__mock/task/attachments/:attachment_guid/download?code=…` (no token): the attachment's
/// bytes with its Content-Type and file name, for [`URL_LIFETIME_MS`] after list or get handed
/// the link out and for [`URL_MAX_DOWNLOADS`] downloads. Answers with the get page's rows:
/// 1470404 when the attachment does not exist or was deleted; 1470403 when the code expired,
/// was used up, or was not handed out for this attachment (assumed).
pub fn attachment_download(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let (record, field) = attachment_in_path(ctx)?;
    let code = ctx.query("code").unwrap_or_default();
    ctx.families
        .task
        .use_ticket(code, &record.guid, ctx.store.now_ms())
        .map_err(|_| ApiError::new(field.code_for("url", ctx.spec.param_error)))?;
    let file = ctx
        .store
        .file(&record.file_token)
        .ok_or_else(|| ApiError::new(ctx.spec.internal_error))?;
    Ok(Reply::Bytes {
        content_type: file.content_type,
        filename: Some(record.name),
        bytes: Bytes::clone(&file.bytes),
    })
}
