//! Task v2 attachment get (FOLLOWUP_APIS §5): `GET /open-apis/task/v2/attachments/:attachment_guid`.

use super::*;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `GET /open-apis/task/v2/attachments/:attachment_guid`: `data.attachment`, with `url`.
pub fn attachment_get(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let user_id_type = user_id_type(ctx)?;
    let record = visible_attachment(ctx)?;
    Ok(Reply::Json(
        json!({ "attachment": attachment_json(ctx, &record, &user_id_type, true) }),
    ))
}
