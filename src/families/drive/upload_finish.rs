//! Drive media `upload_finish` (FOLLOWUP_APIS §1.3):
//! `POST /open-apis/drive/v1/medias/upload_finish`, the last call of a chunked upload.
//!
//! JSON body: `upload_id`, `block_num` (the number prepare answered). Answers
//! `{"file_token":"boxcn…"}`; the file is then stored like an upload_all file (journal,
//! `/__mock/files`, retention, `--max-stored-bytes`, download) and the upload is consumed.
//!
//! Codes: 1061002 (missing or ill-typed field, block_num not prepare's), 1061021 (upload_id
//! unknown, expired or finished), 1062007 (another caller), 1062010 (a block never uploaded),
//! 1061101 (`--max-stored-bytes` reached). A refused finish leaves the upload as it was.

use super::session::Upload;
use crate::contract::error::ApiError;
use crate::contract::json_body::JsonBody;
use crate::contract::spec::Violation;
use crate::families::{expect_json_bytes, Ctx, Input, Reply};
use crate::state::store::{StoredFile, FILE_TOKEN_LEN, FILE_TOKEN_PREFIX};

/// Content-Type of a file assembled from blocks (assumed: block parts carry none that names the
/// file's type).
const CHUNKED_CONTENT_TYPE: &str = "application/octet-stream";

/// Handles `upload_finish`; see the module doc for fields and codes.
pub fn upload_finish(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let bytes = expect_json_bytes(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let reading = JsonBody::of(spec)
        .read(&bytes)
        .map_err(|r| r.into_error(pe))?;
    let upload_id = reading.text("upload_id").unwrap_or_default();
    let block_num = reading.int("block_num").unwrap_or_default();

    let drive = &ctx.families.drive;
    let now = ctx.store.now_ms();
    let outcome = drive.with_upload(upload_id, now, |upload| -> Result<String, ApiError> {
        check(ctx, upload, upload_id, block_num)?;
        let (bytes, sha256) = upload.assemble();
        let file_token = ctx.store.new_file_token(FILE_TOKEN_PREFIX, FILE_TOKEN_LEN);
        ctx.store
            .put_file(StoredFile {
                file_token: file_token.clone(),
                name: upload.file_name.clone(),
                content_type: CHUNKED_CONTENT_TYPE.to_string(),
                bytes,
                size: upload.size,
                sha256,
                endpoint: spec.name.clone(),
                parent: upload.parent_node.clone(),
                uploaded_at_ms: now,
            })
            .map_err(|_| ApiError::new(spec.field("upload_id").code_for("store_full", pe)))?;
        upload.finished = true;
        Ok(file_token)
    });
    match outcome {
        None => Err(spec
            .field("upload_id")
            .violation("exists", pe, upload_id, "a live upload_id".into())
            .into()),
        Some(Err(e)) => Err(e),
        Some(Ok(file_token)) => {
            drive.remove_upload(upload_id);
            Ok(Reply::JsonText(format!(
                r#"{{"file_token":"{file_token}"}}"#
            )))
        }
    }
}

/// The finish rules after the upload is found: owner, block_num, every block present.
fn check(ctx: &Ctx<'_>, upload: &Upload, upload_id: &str, block_num: i64) -> Result<(), Violation> {
    let spec = ctx.spec;
    let pe = spec.param_error;
    if upload.owner != ctx.caller {
        return Err(spec.field("upload_id").violation(
            "owner",
            pe,
            upload_id,
            "an upload prepared by this caller".into(),
        ));
    }
    if block_num != upload.block_num as i64 {
        return Err(spec.field("block_num").violation(
            "planned",
            pe,
            &block_num.to_string(),
            format!("{}, the block_num of upload_prepare", upload.block_num),
        ));
    }
    if let Some(seq) = upload.missing_block() {
        return Err(spec.field("block_num").violation(
            "missing_block",
            pe,
            &block_num.to_string(),
            format!("every block uploaded; block {seq} is missing"),
        ));
    }
    Ok(())
}
