//! Drive media download (FOLLOWUP_APIS §2.1): `GET /open-apis/drive/v1/medias/:file_token/download`,
//! and the temporary links of `batch_get_tmp_download_url` (`GET /__mock/drive/tmp_download/:code`,
//! no token), which answer the same way.
//!
//! The bytes with the stored `Content-Type` and `Content-Disposition` (the file name), HTTP 200;
//! with `Range: bytes=a-b` (also `a-` and `-n`) HTTP 206 and `Content-Range`. Errors are JSON:
//! 1061003 (HTTP 404) for a token that is not Drive media or a link unknown or expired, 1061002
//! (HTTP 400) for a Range that is malformed, multiple, or starts at or past the end (assumed).

use super::is_media;
use crate::contract::error::ApiError;
use crate::families::{Ctx, Input, Reply};
use crate::state::store::{Retain, StoredFile};

/// `GET /open-apis/drive/v1/medias/:file_token/download`.
pub fn download(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let token = ctx.path("file_token").unwrap_or_default();
    let file = media_file(ctx, token)?;
    answer(ctx, file)
}

/// `GET /__mock/drive/tmp_download/:code`: the file a temporary link names, while it works.
pub fn tmp_download(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let code = ctx.path("code").unwrap_or_default();
    let link = ctx
        .families
        .drive
        .link(code, ctx.store.now_ms())
        .ok_or_else(|| not_found(ctx, code))?;
    let file = media_file(ctx, &link.file_token)?;
    answer(ctx, file)
}

/// The stored Drive media file `token`, or 1061003.
fn media_file(ctx: &Ctx<'_>, token: &str) -> Result<StoredFile, ApiError> {
    ctx.store
        .file(token)
        .filter(|f| is_media(&f.endpoint))
        .ok_or_else(|| not_found(ctx, token))
}

fn not_found(ctx: &Ctx<'_>, token: &str) -> ApiError {
    ctx.spec
        .field("file_token")
        .violation(
            "exists",
            ctx.spec.param_error,
            token,
            "a Drive media file".into(),
        )
        .into()
}

/// The whole file, or the part its `Range` header asks for.
fn answer(ctx: &Ctx<'_>, file: StoredFile) -> Result<Reply, ApiError> {
    let range = match ctx.header("range") {
        // Under --retain metadata there are no bytes to take a range of.
        Some(r) if ctx.store.options.retain == Retain::Bytes => Some(r),
        _ => None,
    };
    let Some(raw) = range else {
        return Ok(Reply::Bytes {
            content_type: file.content_type,
            filename: Some(file.name),
            bytes: file.bytes,
        });
    };
    let total = file.bytes.len() as u64;
    let (start, end) =
        parse_range(raw, total).ok_or_else(|| ApiError::new(ctx.spec.param_error))?;
    Ok(Reply::Partial {
        content_type: file.content_type,
        filename: Some(file.name),
        bytes: file.bytes.slice(start as usize..=end as usize),
        start,
        total,
    })
}

/// The inclusive byte range `(start, end)` that a `Range` header asks of a file of `total`
/// bytes: one range of `bytes=a-b`, `bytes=a-` or `bytes=-n`, its end clamped to the file
/// (RFC 7233). `None` for anything else: malformed, several ranges, `b < a`, or a range that
/// starts at or past the end (an empty file has none).
pub fn parse_range(raw: &str, total: u64) -> Option<(u64, u64)> {
    let spec = raw.trim().strip_prefix("bytes=")?.trim();
    let (first, last) = spec.split_once('-')?;
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    if total == 0 {
        return None;
    }
    let (start, end) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n = number(suffix)?;
            if n == 0 {
                return None;
            }
            (total.saturating_sub(n), total - 1)
        }
        (a, "") => (number(a)?, total - 1),
        (a, b) => {
            let (a, b) = (number(a)?, number(b)?);
            if b < a {
                return None;
            }
            (a, b.min(total - 1))
        }
    };
    (start < total).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_are_inclusive_and_clamped_to_the_file() {
        assert_eq!(parse_range("bytes=0-1024", 100), Some((0, 99)));
        assert_eq!(parse_range("bytes=0-0", 100), Some((0, 0)));
        assert_eq!(parse_range("bytes=10-", 100), Some((10, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-1000", 100), Some((0, 99)));
        assert_eq!(parse_range("bytes=99-99", 100), Some((99, 99)));
    }

    #[test]
    fn unsatisfiable_malformed_and_multiple_ranges_are_refused() {
        for bad in [
            "bytes=100-",
            "bytes=100-200",
            "bytes=5-4",
            "bytes=-0",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=+1-2",
        ] {
            assert_eq!(parse_range(bad, 100), None, "{bad}");
        }
        assert_eq!(parse_range("bytes=0-0", 0), None);
    }
}
