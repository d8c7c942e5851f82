//! Feishu Project attachment delete (FOLLOWUP_APIS §4.3): `POST /open_api/file/delete`.

use super::*;
use crate::contract::error::ApiError;
use crate::contract::json_body::{JsonBody, Refusal};
use crate::families::{expect_json_bytes, Ctx, Input, Reply};

/// Handles file/delete: JSON `{"project_key", "work_item_id" (number or string), exactly one of
/// "field_key" / "field_alias", "uuids": [...]}`, read by the one JSON body validator against
/// `specs/project.file.delete.json`. Deletes the attachments all or nothing and answers
/// `data {}`; they are gone from file/download, `/__mock/files` and the field's 50-attachment
/// count. The order of checks and every code are in the spec.
pub fn file_delete(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let bytes = expect_json_bytes(ctx, input)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let reading = JsonBody::of(spec).read(&bytes).map_err(|r| match r {
        Refusal::NotJson => ApiError::new(pe),
        rule => rule.into_error(pe),
    })?;
    let project_key = reading.text("project_key").unwrap_or_default();
    let item_id = reading.text("work_item_id").unwrap_or_default();
    let field_key = reading.text("field_key").filter(|k| !k.is_empty());
    let field_alias = reading.text("field_alias").filter(|a| !a.is_empty());
    let (wanted, by_alias, name) = match (field_key, field_alias) {
        (Some(k), None) => (k, false, "field_key"),
        (None, Some(a)) => (a, true, "field_alias"),
        (None, None) => {
            return Err(spec
                .field("field_key")
                .violation("missing", pe, "", "field_key or field_alias".into())
                .into())
        }
        (Some(k), Some(_)) => {
            return Err(spec
                .field("field_alias")
                .violation("both", pe, k, "not with field_key".into())
                .into())
        }
    };
    let mut uuids: Vec<String> = Vec::new();
    for (_, u) in reading.strings_at("uuids[]") {
        if !uuids.iter().any(|have| have == u) {
            uuids.push(u.to_string());
        }
    }
    if uuids.is_empty() {
        return Err(spec
            .field("uuids")
            .violation("min_count", pe, "[]", "at least 1 uuid".into())
            .into());
    }
    let space = ctx.families.project.space(project_key).ok_or_else(|| {
        spec.field("project_key").violation(
            "exists",
            pe,
            project_key,
            "a space id or simple_name".into(),
        )
    })?;
    let item_field = spec.field("work_item_id");
    let Some(item) = space.work_items.iter().find(|w| w.id == item_id) else {
        let elsewhere = ctx.families.project.work_item_anywhere(item_id);
        let rule = if elsewhere { "project_match" } else { "exists" };
        return Err(item_field
            .violation(rule, pe, item_id, "a work item of the space".into())
            .into());
    };
    let fields = space
        .work_item_types
        .iter()
        .find(|t| t.type_key == item.work_item_type_key)
        .map(|t| t.fields.as_slice())
        .unwrap_or_default();
    let (field, _) = find_field(fields, wanted, by_alias)
        .filter(|(f, _)| f.field_type_key == ATTACHMENT_FIELD_TYPE)
        .ok_or_else(|| {
            spec.field(name).violation(
                "exists",
                pe,
                wanted,
                "an attachment (multi_file) field of the work item's type".into(),
            )
        })?;
    if let Some(missing) = uuids
        .iter()
        .find(|u| {
            !ctx.families.project.slot_of(u).is_some_and(|s| {
                s.project_key == space.project_key
                    && s.work_item_id == item.id
                    && s.field_key == field.field_key
            })
        })
        .cloned()
    {
        return Err(spec
            .field("uuids[]")
            .violation("exists", pe, &missing, "an attachment of the field".into())
            .into());
    }
    let claim = claim_idempotency(ctx)?;
    if let Err(missing) = ctx.families.project.detach(
        ctx.store,
        &space.project_key,
        &item.id,
        &field.field_key,
        &uuids,
    ) {
        // Deleted by a concurrent call between the check and the delete.
        ctx.families.project.release_idem(claim);
        return Err(spec
            .field("uuids[]")
            .violation("exists", pe, &missing, "an attachment of the field".into())
            .into());
    }
    Ok(Reply::Json(json!({})))
}
