//! Drive media `upload_prepare` (FOLLOWUP_APIS §1.1):
//! `POST /open-apis/drive/v1/medias/upload_prepare`, the first call of a chunked upload.
//!
//! JSON body: `file_name` (1–250 chars), `parent_type` (the 11 keys of upload_all), `parent_node`
//! (a Drive node of the world), `size` (bytes, 0–21474836480: the largest size is assumed),
//! optional `extra` (a JSON object as a string). Read by the one JSON body validator; the first
//! broken rule in spec order answers. Answers
//! `{"upload_id":"<19 digits>","block_size":4194304,"block_num":ceil(size/4194304)}`.
//!
//! Codes: 1061002 (missing, ill-typed or not-in-enum field; `extra` not a JSON object; a body
//! that is not JSON), 1061008 (file name empty or too long), 1061043 (size beyond the maximum),
//! 1061044 (parent node not exist). Every rule is in `specs/drive.media.upload_prepare.json`.

use super::session::{Upload, BLOCK_SIZE, UPLOAD_ID_DIGITS, UPLOAD_LIFETIME_MS};
use super::world::DriveNode;
use crate::contract::error::ApiError;
use crate::contract::json_body::JsonBody;
use crate::families::{expect_json_bytes, Ctx, Input, Reply};
use crate::state::store::Retain;

/// Handles `upload_prepare`; see the module doc for fields and codes.
pub fn upload_prepare(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let bytes = expect_json_bytes(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let reading = JsonBody::of(spec)
        .read(&bytes)
        .map_err(|r| r.into_error(pe))?;
    if let Some(extra) = reading.text("extra") {
        if !serde_json::from_str::<serde_json::Value>(extra).is_ok_and(|v| v.is_object()) {
            return Err(spec
                .field("extra")
                .violation("type", pe, extra, "a JSON object string".into())
                .into());
        }
    }
    let file_name = reading.text("file_name").unwrap_or_default();
    let parent_type = reading.text("parent_type").unwrap_or_default();
    let parent_node = reading.text("parent_node").unwrap_or_default();
    let size = reading.int("size").unwrap_or_default().max(0) as u64;

    let drive = &ctx.families.drive;
    let now = ctx.store.now_ms();
    drive.purge_expired(now);
    if drive.node(parent_node).is_none() && ctx.store.options.loose {
        // --loose: an unknown upload point is created on first use, of the kind its
        // parent_type names (doc, docx, sheet, bitable, …).
        drive.add_node(DriveNode {
            token: parent_node.to_string(),
            node_type: parent_type
                .split('_')
                .next()
                .unwrap_or(parent_type)
                .to_string(),
            title: String::new(),
        });
    }
    if drive.node(parent_node).is_none() {
        return Err(spec
            .field("parent_node")
            .violation("exists", pe, parent_node, "an existing Drive node".into())
            .into());
    }

    let upload = Upload::new(
        ctx.caller.clone(),
        file_name.to_string(),
        parent_node.to_string(),
        size,
        now + UPLOAD_LIFETIME_MS,
        ctx.store.options.retain == Retain::Bytes,
    );
    let block_num = upload.block_num;
    let upload_id = ctx.store.with_ids(|ids| ids.numeric_id(UPLOAD_ID_DIGITS));
    drive.add_upload(upload_id.clone(), upload);
    // Written in the documented member order (FOLLOWUP_APIS §1.1 example).
    Ok(Reply::JsonText(format!(
        r#"{{"upload_id":"{upload_id}","block_size":{BLOCK_SIZE},"block_num":{block_num}}}"#
    )))
}
