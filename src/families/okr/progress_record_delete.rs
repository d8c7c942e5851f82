//! OKR progress record delete (FOLLOWUP_APIS §3):
//! `DELETE /open-apis/okr/v1/progress_records/:progress_id`.

use super::{check_caller, check_may_change, record_in_path};
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};

/// `DELETE /open-apis/okr/v1/progress_records/:progress_id`: answers `{"code":0,"msg":"success"}`
/// without `data`, as the page's example (doc D); the record is gone for get, update and delete
/// (1001004) and its content no longer counts against `--max-stored-bytes`. Errors: 1001002
/// (store app; neither the creating app nor the objective's owner — assumed), 1001003, 1001001
/// (`progress_id` not 1–19 digits), 1001004 (no such record).
pub fn progress_record_delete(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    check_caller(ctx)?;
    let record = record_in_path(ctx)?;
    check_may_change(ctx, &record)?;
    // Two deletes at once: only the one that removes the record releases its bytes; the other
    // finds it gone (1001004), as a delete after a delete does.
    match ctx.families.okr.records.remove(&record.progress_id) {
        Some((_, removed)) => {
            if removed.content_json.is_some() {
                ctx.store.release_stored_bytes(removed.content_bytes);
            }
            // The record no longer counts against --max-stored-objects (issue 12).
            ctx.store.release_stored_objects(1);
            Ok(Reply::NoData)
        }
        None => Err(ApiError::new(super::OKR_DATA_NOT_FOUND)),
    }
}
