//! Drive media `upload_all` (seed 004): `POST /open-apis/drive/v1/medias/upload_all`.
//!
//! Multipart fields: `file_name` (1–250 chars), `parent_type` (one of 11 keys), `parent_node` (a
//! Drive node of the world), `size` (bytes, ≤ 20971520), optional `checksum` (Adler-32 as a
//! decimal string) and `extra` (a JSON object string), and `file` (≤ 20971520 bytes). Answers
//! `{"file_token":"boxcn…"}` and keeps the bytes (or only their digest under `--retain metadata`).
//!
//! Codes: 1061002 (missing or ill-typed field), 1061008 (file name empty or too long), 1061043
//! (size beyond 20971520), 1061044 (parent node not exist), 1062009 (bytes ≠ size), 1062008
//! (checksum), 1061101 (`--max-stored-bytes` reached). The order of the checks is written in
//! `specs/drive.media.upload_all.json`.

use super::world::DriveNode;
use crate::contract::error::ApiError;
use crate::contract::spec::Checked;
use crate::families::{expect_form, kept_bytes, Ctx, Input, Reply};
use crate::state::store::{StoredFile, FILE_TOKEN_LEN, FILE_TOKEN_PREFIX};
use serde_json::json;

/// Handles `upload_all`; see the module doc for fields and codes.
pub fn upload_all(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let form = expect_form(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let text = |name: &str| spec.field(name).check_text(form.text(name), pe);
    let file_name = text("file_name")?;
    let parent_type = text("parent_type")?;
    let parent_node = text("parent_node")?;
    let size = text("size")?;
    let checksum = text("checksum")?;
    let _extra = text("extra")?;
    let file_spec = spec.field("file");
    let file = form
        .files
        .first()
        .ok_or_else(|| file_spec.violation("missing", pe, "", "required".into()))?;

    let parent_node = parent_node.as_str().unwrap_or_default();
    if ctx.families.drive.node(parent_node).is_none() && ctx.store.options.loose {
        // --loose: an unknown upload point is created on first use, of the kind its
        // parent_type names (doc, docx, sheet, bitable, …).
        let kind = parent_type.as_str().unwrap_or_default();
        ctx.families.drive.add_node(DriveNode {
            token: parent_node.to_string(),
            node_type: kind.split('_').next().unwrap_or(kind).to_string(),
            title: String::new(),
        });
    }
    if ctx.families.drive.node(parent_node).is_none() {
        return Err(spec
            .field("parent_node")
            .violation("exists", pe, parent_node, "an existing Drive node".into())
            .into());
    }
    let declared = size.as_i64().unwrap_or(-1);
    let actual = file.len() as i64;
    if declared != actual {
        return Err(file_spec
            .violation(
                "size_mismatch",
                pe,
                &actual.to_string(),
                format!("{declared} bytes as declared by size"),
            )
            .into());
    }
    if let Checked::Str(sum) = &checksum {
        let computed = file.adler32();
        if sum.parse::<u64>().ok() != Some(u64::from(computed)) {
            return Err(spec
                .field("checksum")
                .violation("mismatch", pe, sum, format!("Adler-32 {computed}"))
                .into());
        }
    }

    let file_token = ctx.store.new_file_token(FILE_TOKEN_PREFIX, FILE_TOKEN_LEN);
    ctx.store
        .put_file(StoredFile {
            file_token: file_token.clone(),
            name: file_name.as_str().unwrap_or_default().to_string(),
            content_type: file
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_string()),
            bytes: kept_bytes(ctx, file)?,
            size: file.len(),
            sha256: file.known_sha256(),
            endpoint: spec.name.clone(),
            parent: parent_node.to_string(),
            uploaded_at_ms: ctx.store.now_ms(),
        })
        .map_err(|_| ApiError::new(file_spec.code_for("store_full", pe)))?;
    Ok(Reply::Json(json!({ "file_token": file_token })))
}
