//! Task v2 attachment list (FOLLOWUP_APIS §5): `GET /open-apis/task/v2/attachments`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `GET /open-apis/task/v2/attachments?resource_type=task&resource_id=…&page_size=…&page_token=…`:
/// the task's attachments in upload order, `page_size` (1–100, default 50) at a time;
/// `page_token` is answered only while `has_more`; each item carries a fresh `url`. 1470400 for
/// a bad parameter (the msg names it), 1470404 for an unknown task, 1470403 when the caller may
/// not read it (`specs/task.attachment.list.json`).
pub fn attachment_list(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let spec = ctx.spec;
    let pe = spec.param_error;
    let user_id_type = user_id_type(ctx)?;
    let q = |f: &FieldSpec| f.check_text(ctx.query(&f.name), pe);
    q(spec.field("resource_type"))?;
    let resource_id = q(spec.field("resource_id"))?;
    let resource_id = resource_id.as_str().unwrap_or_default().to_string();
    let page_size = q(spec.field("page_size"))?.as_i64().unwrap_or(50) as usize;
    let page_token = q(spec.field("page_token"))?;
    q(spec.field("updated_mesc"))?;
    let from: u64 = match page_token.as_str() {
        Some(t) => t.parse().map_err(|_| {
            ApiError::from(spec.field("page_token").violation(
                "pattern",
                pe,
                t,
                "a page_token of this list".into(),
            ))
        })?,
        None => 0,
    };
    editable_task(ctx, &resource_id)?;
    let rest: Vec<AttachmentRecord> = ctx
        .families
        .task
        .attachments_of(&resource_id)
        .into_iter()
        .filter(|r| r.seq >= from)
        .collect();
    let has_more = rest.len() > page_size;
    let items: Vec<Value> = rest
        .iter()
        .take(page_size)
        .map(|r| attachment_json(ctx, r, &user_id_type, true))
        .collect();
    let mut data = json!({ "items": items, "has_more": has_more });
    if has_more {
        data["page_token"] = json!(rest[page_size].seq.to_string());
    }
    Ok(Reply::Json(data))
}
