//! Task v2 (seed 002): attachment upload. Implemented by the Task issue; until then it answers
//! the endpoint's internal error.

use super::{Ctx, Reply};
use crate::error::ApiError;
use crate::multipart::Form;

/// `POST /open-apis/task/v2/attachments/upload` (seed 002).
pub fn attachment_upload(ctx: &Ctx<'_>, _form: Form) -> Result<Reply, ApiError> {
    Err(ApiError::new(ctx.spec.internal_error))
}
