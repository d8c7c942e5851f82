//! Drive media `batch_get_tmp_download_url` (FOLLOWUP_APIS §2.2):
//! `GET /open-apis/drive/v1/medias/batch_get_tmp_download_url?file_tokens=a&file_tokens=b`.
//!
//! 1 to 5 `file_tokens` (the parameter repeated), each a Drive media file. Answers
//! `{"tmp_download_urls":[{"file_token","tmp_download_url"}]}` in the order given; each link is
//! served by this emulator without a token (`GET /__mock/drive/tmp_download/:code`) for 24 hours
//! on the emulator clock. Codes: 1061002 (no token, more than 5, an empty one, or one that is
//! not Drive media — the whole call, assumed).

use super::{is_media_token, TmpLink, TMP_DOWNLOAD_ROUTE};
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};
use serde_json::json;

/// Most tokens per call (doc).
pub const MAX_TOKENS: usize = 5;

/// How long a link works, in ms (doc: 24 hours).
pub const LINK_LIFETIME_MS: i64 = 24 * 3600 * 1000;

/// Base62 chars of a link's code.
const CODE_LEN: usize = 32;

/// Handles `batch_get_tmp_download_url`; see the module doc.
pub fn batch_get_tmp_download_url(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let spec = ctx.spec;
    let pe = spec.param_error;
    let field = spec.field("file_tokens");
    let tokens: Vec<&str> = ctx
        .query
        .iter()
        .filter(|(k, _)| k == "file_tokens")
        .map(|(_, v)| v.as_str())
        .collect();
    if tokens.is_empty() {
        return Err(field.violation("missing", pe, "", "required".into()).into());
    }
    if tokens.len() > MAX_TOKENS {
        return Err(field
            .violation(
                "max_count",
                pe,
                &tokens.len().to_string(),
                format!("at most {MAX_TOKENS} tokens"),
            )
            .into());
    }
    for token in &tokens {
        if !is_media_token(ctx.store, token) {
            return Err(field
                .violation("exists", pe, token, "a Drive media file".into())
                .into());
        }
    }
    let drive = &ctx.families.drive;
    let now = ctx.store.now_ms();
    drive.purge_expired(now);
    let route = TMP_DOWNLOAD_ROUTE.trim_end_matches(":code");
    let items: Vec<_> = tokens
        .iter()
        .map(|token| {
            let code = ctx.store.with_ids(|ids| ids.base62_token("", CODE_LEN));
            drive.add_link(
                code.clone(),
                TmpLink {
                    file_token: token.to_string(),
                    expires_at_ms: now + LINK_LIFETIME_MS,
                },
            );
            json!({
                "file_token": token,
                "tmp_download_url": format!("{}{route}{code}", ctx.public_url),
            })
        })
        .collect();
    Ok(Reply::Json(json!({ "tmp_download_urls": items })))
}
