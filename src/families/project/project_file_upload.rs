//! Feishu Project project-level upload (FOLLOWUP_APIS §4.1): `POST /open_api/:project_key/file/upload`,
//! for images in rich text.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{kept_bytes, Ctx, Input, Reply};

/// Name kept for a file part sent without a filename: the Go SDK's own default
/// (`SpecialUploadAttachmentReqBuilder`).
pub const UNNAMED_RESOURCE: &str = "unknown-file";

/// Handles the project-level upload: multipart, one `file` part (≤ 104857600 bytes), bound to no
/// work item. Answers `data` as an array of one string, the resource's URL (this server's
/// `/__mock/files/<uuid>`), as the Go SDK's `Data []string` expects. Errors: 30016 (no such
/// space), 1000050190 (not multipart, no file part), 1000050174 (size, a second file), 10430
/// (a repeated `X-IDEM-UUID`), 1000050262 (`--max-stored-bytes`).
pub fn project_file_upload(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let form = expect_form(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let project_key = ctx.path("project_key").unwrap_or_default();
    let space = ctx.families.project.space(project_key).ok_or_else(|| {
        spec.field("project_key").violation(
            "exists",
            pe,
            project_key,
            "a space id or simple_name".into(),
        )
    })?;
    let file = form.files.first().ok_or_else(|| {
        spec.field("file")
            .violation("missing", pe, "", "required".into())
    })?;
    let claim = claim_idempotency(ctx)?;
    let uuid = loop {
        let u = ctx.store.with_ids(|ids| ids.uuid());
        if !ctx.store.has_file(&u) {
            break u;
        }
    };
    let bytes = match kept_bytes(ctx, file) {
        Ok(bytes) => bytes,
        Err(e) => {
            ctx.families.project.release_idem(claim);
            return Err(e);
        }
    };
    let stored = StoredFile {
        file_token: uuid.clone(),
        name: file
            .filename
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| UNNAMED_RESOURCE.to_string()),
        content_type: file
            .content_type
            .clone()
            .unwrap_or_else(|| DEFAULT_MIME_TYPE.to_string()),
        bytes,
        size: file.len(),
        sha256: file.known_sha256(),
        endpoint: spec.name.clone(),
        parent: space.project_key.clone(),
        uploaded_at_ms: ctx.store.now_ms(),
    };
    if ctx.store.put_file(stored).is_err() {
        ctx.families.project.release_idem(claim);
        return Err(ApiError::new(spec.field("file").code_for("store_full", pe)));
    }
    Ok(Reply::Json(json!([format!(
        "{}/__mock/files/{uuid}",
        ctx.public_url
    )])))
}
