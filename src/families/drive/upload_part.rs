//! Drive media `upload_part` (FOLLOWUP_APIS §1.2): `POST /open-apis/drive/v1/medias/upload_part`,
//! one block of a chunked upload.
//!
//! Multipart fields: `upload_id` (from prepare), `seq` (block number from 0), `size` (the
//! block's bytes), optional `checksum` (Adler-32 of the block, decimal), `file` (the block,
//! ≤ 4194304 bytes, refused while streaming). Answers `{"code":0,"msg":"success","data":{}}`.
//!
//! Codes: 1061002 (missing or ill-typed field), 1061021 (upload_id unknown, expired or
//! finished), 1062007 (another caller than the one that prepared), 1062011 (seq ≥ block_num),
//! 1062009 (size is not this seq's size, or the bytes are not `size`, or the block passes
//! 4194304 bytes), 1062008 (checksum). A refused block changes nothing in the upload; a block
//! sent again with the same seq replaces the earlier one. The order of the checks is written
//! in `specs/drive.media.upload_part.json`.

use crate::contract::error::ApiError;
use crate::contract::spec::Checked;
use crate::families::{expect_form, kept_bytes, Ctx, Input, Reply};
use serde_json::json;

/// Handles `upload_part`; see the module doc for fields and codes.
pub fn upload_part(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let form = expect_form(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let text = |name: &str| spec.field(name).check_text(form.text(name), pe);
    let upload_id = text("upload_id")?;
    let seq = text("seq")?;
    let size = text("size")?;
    let checksum = text("checksum")?;
    let file_spec = spec.field("file");
    let file = form
        .files
        .first()
        .ok_or_else(|| file_spec.violation("missing", pe, "", "required".into()))?;
    let upload_id = upload_id.as_str().unwrap_or_default();
    let seq = seq.as_i64().unwrap_or_default() as u64;
    let size = size.as_i64().unwrap_or_default() as u64;
    let drive = &ctx.families.drive;
    let now = ctx.store.now_ms();
    let outcome = drive.with_upload(upload_id, now, |upload| {
        if upload.owner != ctx.caller {
            return Err(spec
                .field("upload_id")
                .violation(
                    "owner",
                    pe,
                    upload_id,
                    "an upload prepared by this caller".into(),
                )
                .into());
        }
        if seq >= upload.block_num {
            return Err(spec
                .field("seq")
                .violation(
                    "bounds",
                    pe,
                    &seq.to_string(),
                    format!("less than block_num {}", upload.block_num),
                )
                .into());
        }
        let expected = upload.expected_block_size(seq);
        if size != expected {
            return Err(spec
                .field("size")
                .violation(
                    "expected",
                    pe,
                    &size.to_string(),
                    format!("{expected} bytes, the size of block {seq}"),
                )
                .into());
        }
        if file.len() != size {
            return Err(file_spec
                .violation(
                    "size_mismatch",
                    pe,
                    &file.len().to_string(),
                    format!("{size} bytes as declared by size"),
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
        // Read whole even under --retain metadata (the spec's `read_files_whole`): the upload
        // digests it itself. A spooled block is read back only now that it is accepted.
        let bytes = kept_bytes(ctx, file)?;
        upload.put_block(seq, bytes);
        Ok(())
    });
    match outcome {
        None => Err(spec
            .field("upload_id")
            .violation("exists", pe, upload_id, "a live upload_id".into())
            .into()),
        Some(Err(e)) => Err(e),
        // `data` stays, empty: the Node SDK reads a missing `data` as a failure.
        Some(Ok(())) => Ok(Reply::Json(json!({}))),
    }
}
