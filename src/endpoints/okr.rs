//! OKR (seeds 000 and 001): progress-record image upload and progress record create.
//! Implemented by the OKR issue; until then both answer the endpoint's internal error.

use super::{Ctx, Reply};
use crate::error::ApiError;
use crate::multipart::Form;
use serde_json::Value;

/// `POST /open-apis/okr/v1/images/upload` (seed 000).
pub fn image_upload(ctx: &Ctx<'_>, _form: Form) -> Result<Reply, ApiError> {
    Err(ApiError::new(ctx.spec.internal_error))
}

/// `POST /open-apis/okr/v1/progress_records` (seed 001).
pub fn progress_record_create(ctx: &Ctx<'_>, _body: Value) -> Result<Reply, ApiError> {
    Err(ApiError::new(ctx.spec.internal_error))
}
