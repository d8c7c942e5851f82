//! Task v2 attachment upload (seed 002): `POST /open-apis/task/v2/attachments/upload`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{kept_bytes, Ctx, Input, Reply};

/// `POST /open-apis/task/v2/attachments/upload` (seed 002); see the module doc for fields and
/// codes. Checks everything before storing anything.
pub fn attachment_upload(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let form = expect_form(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let user_id_type = user_id_type(ctx)?;
    let text = |name: &str| spec.field(name).check_text(form.text(name), pe);
    text("resource_type")?;
    let resource_id = text("resource_id")?;
    let resource_id = resource_id.as_str().unwrap_or_default().to_string();
    if form.files.is_empty() {
        return Err(spec
            .field("file")
            .violation("missing", pe, "", "1 to 5 file parts".into())
            .into());
    }
    let uploader = editable_task(ctx, &resource_id)?;

    let now = ctx.store.now_ms();
    let mut records = Vec::with_capacity(form.files.len());
    let mut files = Vec::with_capacity(form.files.len());
    for part in &form.files {
        let name = part
            .filename
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| FALLBACK_FILE_NAME.to_string());
        let file_token = ctx.store.new_file_token(FILE_TOKEN_PREFIX, FILE_TOKEN_LEN);
        files.push(StoredFile {
            file_token: file_token.clone(),
            name: name.clone(),
            content_type: part
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_string()),
            bytes: kept_bytes(ctx, part)?,
            size: part.len(),
            sha256: part.known_sha256(),
            endpoint: spec.name.clone(),
            parent: resource_id.clone(),
            uploaded_at_ms: now,
        });
        records.push(AttachmentRecord {
            seq: 0,
            guid: ctx.store.with_ids(|ids| ids.uuid()),
            file_token,
            name,
            size: part.len(),
            resource_id: resource_id.clone(),
            uploader: uploader.clone(),
            uploaded_at_ms: now,
        });
    }
    // All or nothing: the bytes of every part are kept together, or none is.
    ctx.store
        .put_files(files)
        .map_err(|_| ApiError::new(spec.field("file").code_for("store_full", spec.param_error)))?;
    let stored = ctx.families.task.add_attachments(records);
    let items: Vec<Value> = stored
        .iter()
        .map(|r| attachment_json(ctx, r, &user_id_type, false))
        .collect();
    Ok(Reply::Json(json!({ "items": items })))
}
