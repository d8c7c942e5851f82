//! OKR progress record get (FOLLOWUP_APIS §3): `GET /open-apis/okr/v1/progress_records/:progress_id`.

use super::{check_caller, record_in_path};
use crate::contract::error::ApiError;
use crate::families::okr::progress_record::answer_body;
use crate::families::{Ctx, Input, Reply};

/// `GET /open-apis/okr/v1/progress_records/:progress_id?user_id_type=…`: the record as kept,
/// `{"content","modify_time","progress_id"[,"progress_rate"]}`. Self-built and store apps alike
/// (doc G). Errors: 1001003 (a user token's user is not in the world), 1001001 (`user_id_type`,
/// or a `progress_id` that is not 1–19 digits), 1001004 (no such record, or a deleted one).
pub fn progress_record_get(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let spec = ctx.spec;
    check_caller(ctx)?;
    spec.field("user_id_type")
        .check_text(ctx.query("user_id_type"), spec.param_error)?;
    let record = record_in_path(ctx)?;
    Ok(Reply::Enveloped(answer_body(&record, spec.platform)))
}
