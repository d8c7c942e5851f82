//! Feishu Project work-item attachment upload (seed 003):
//! `POST /open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/upload`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{kept_bytes, Ctx, Input, Reply};

/// Handles file/upload; see the module doc for fields and codes and the spec for their order.
/// Answers exactly seed 003's success body, `{"err":{},"err_msg":"","err_code":0}` without
/// `data`, and names the stored attachment's uuid in `X-Mock-Attachment-Uuid`.
pub fn file_upload(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let form = expect_form(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let (space, type_key, item_id) = work_item(ctx)?;
    let file = form.files.first().ok_or_else(|| {
        spec.field("file")
            .violation("missing", pe, "", "required".into())
    })?;

    let field_key = spec
        .field("field_key")
        .check_text(form.text("field_key"), pe)?;
    let field_alias = spec
        .field("field_alias")
        .check_text(form.text("field_alias"), pe)?;
    let index = spec.field("index").check_text(form.text("index"), pe)?;
    let (name, by_alias) = match (field_key.as_str(), field_alias.as_str()) {
        (Some(k), _) => ("field_key", Some((k, false))),
        (None, Some(a)) => ("field_alias", Some((a, true))),
        (None, None) => ("field_key", None),
    };
    let Some((wanted, by_alias)) = by_alias else {
        return Err(spec
            .field("field_key")
            .violation("missing", pe, "", "field_key or field_alias".into())
            .into());
    };
    let fields = space
        .work_item_types
        .iter()
        .find(|t| t.type_key == type_key)
        .map(|t| t.fields.as_slice())
        .unwrap_or_default();
    let (field, in_compound) = find_field(fields, wanted, by_alias)
        .filter(|(f, _)| f.field_type_key == ATTACHMENT_FIELD_TYPE)
        .ok_or_else(|| {
            spec.field(name).violation(
                "exists",
                pe,
                wanted,
                "an attachment (multi_file) field of the work item type".into(),
            )
        })?;
    let index = match (in_compound, index.as_str()) {
        (true, Some(i)) => Some(i.parse::<u32>().map_err(|_| {
            spec.field("index")
                .violation("pattern", pe, i, "a decimal index".into())
        })?),
        (true, None) => {
            return Err(spec
                .field("index")
                .violation("missing", pe, "", "required inside a compound field".into())
                .into())
        }
        (false, Some(i)) => {
            return Err(spec
                .field("index")
                .violation("compound", pe, i, "only for compound fields".into())
                .into())
        }
        (false, None) => None,
    };

    let claim = claim_idempotency(ctx)?;
    // Seed 003 note 1: an empty file is not refused, and nothing shows up on the work item.
    if file.is_empty() {
        return Ok(Reply::NoData);
    }

    let uuid = loop {
        let u = ctx.store.with_ids(|ids| ids.uuid());
        if !ctx.store.has_file(&u) {
            break u;
        }
    };
    let name = file
        .filename
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| UNNAMED_FILE.to_string());
    let mime_type = file
        .content_type
        .clone()
        .unwrap_or_else(|| DEFAULT_MIME_TYPE.to_string());
    let slot = FieldSlot {
        project_key: space.project_key.clone(),
        work_item_id: item_id.clone(),
        field_key: field.field_key.clone(),
        index,
    };
    // A field already full is refused before a spooled part is read back; `attach` checks
    // again under the slot's lock, for uploads racing to the 50th place.
    if ctx.families.project.attachment_count(&slot) >= MAX_ATTACHMENTS_PER_FIELD {
        ctx.families.project.release_idem(claim);
        return Err(ApiError::new(UPLOAD_FAIL));
    }
    let bytes = match kept_bytes(ctx, file) {
        Ok(bytes) => bytes,
        Err(e) => {
            ctx.families.project.release_idem(claim);
            return Err(e);
        }
    };
    let stored = StoredFile {
        file_token: uuid.clone(),
        name: name.clone(),
        content_type: mime_type.clone(),
        bytes,
        size: file.len(),
        sha256: file.known_sha256(),
        endpoint: spec.name.clone(),
        parent: item_id,
        uploaded_at_ms: ctx.store.now_ms(),
    };
    if let Err(refused) = ctx.families.project.attach(ctx.store, slot, stored) {
        ctx.families.project.release_idem(claim);
        return Err(match refused {
            AttachRefused::FieldFull => ApiError::new(UPLOAD_FAIL),
            AttachRefused::StoreFull => {
                ApiError::new(spec.field("file").code_for("store_full", pe))
            }
        });
    }
    // Seed 003's answer names nothing: the uuid travels in an emulator header (and so in the
    // journal), and /__mock/files lists the file under it.
    ctx.add_response_header(ATTACHMENT_UUID_HEADER, uuid);
    Ok(Reply::NoData)
}
