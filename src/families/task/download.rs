//! The download link handed out in an attachment's `url`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `GET /__mock/task/attachments/:attachment_guid/download` (no token): the attachment's bytes
/// with its Content-Type and file name; 1470403 when it does not exist or was deleted.
pub fn attachment_download(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let record = attachment_in_path(ctx)?;
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
