//! OKR image upload (seed 000) and the ticketed download link it hands out.

use super::{
    check_caller, check_target, OkrImageRecord, IMAGE_DOWNLOAD_PATH, IMAGE_TOKEN_LEN,
    IMAGE_TOKEN_PREFIX, NO_PERMISSION, OKR_DATA_NOT_FOUND, TICKET_LEN,
};
use crate::contract::error::ApiError;
use crate::families::{expect_form, kept_bytes, Ctx, Input, Reply};
use crate::state::store::StoredFile;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Image upload
// ---------------------------------------------------------------------------------------------

/// An image format the upload accepts (seed 000: JPG, JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF,
/// HEIC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPG / JPEG: `FF D8 FF`.
    Jpeg,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
    /// `RIFF` + 4 bytes + `WEBP`.
    Webp,
    /// `GIF87a` / `GIF89a`.
    Gif,
    /// `BM`.
    Bmp,
    /// `00 00 01 00`.
    Ico,
    /// `II*\0` / `MM\0*`.
    Tiff,
    /// ISO-BMFF `ftyp` of a HEIC brand.
    Heic,
}

impl ImageFormat {
    /// Recognises the format from the first bytes; `None` for anything else (empty included).
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        const HEIC_BRANDS: [&[u8]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];
        let starts = |m: &[u8]| bytes.starts_with(m);
        if starts(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ImageFormat::Png)
        } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Some(ImageFormat::Gif)
        } else if starts(b"BM") && bytes.len() >= 14 {
            Some(ImageFormat::Bmp)
        } else if starts(&[0, 0, 1, 0]) && bytes.len() >= 6 {
            Some(ImageFormat::Ico)
        } else if starts(b"II*\0") || starts(b"MM\0*") {
            Some(ImageFormat::Tiff)
        } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
            let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
            let major = &bytes[8..12];
            if HEIC_BRANDS.contains(&major) {
                return Some(ImageFormat::Heic);
            }
            // A generic HEIF major brand must list a HEIC brand among its compatible brands.
            if major == b"mif1" || major == b"msf1" {
                let end = size.min(bytes.len());
                let compatible = bytes.get(16..end).unwrap_or_default();
                if compatible.chunks_exact(4).any(|b| HEIC_BRANDS.contains(&b)) {
                    return Some(ImageFormat::Heic);
                }
            }
            None
        } else {
            None
        }
    }

    /// The Content-Type served by the download link.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Bmp => "image/bmp",
            ImageFormat::Ico => "image/x-icon",
            ImageFormat::Tiff => "image/tiff",
            ImageFormat::Heic => "image/heic",
        }
    }
}

/// `POST /open-apis/okr/v1/images/upload` (seed 000).
///
/// Multipart: `data` (file, ≤ 20971520 bytes, assumed), `target_id` (text), `target_type` (`2`
/// or `3` as text). Answers `{"file_token":"boxbc"+22 base62,"url":…}` and keeps the bytes.
/// Errors: 1001002 (not a self-built app), 1001003 (a user token's user is not in the world),
/// 1001001 (a field missing or ill-typed, target_type not 2/3, bytes not one of the nine image
/// formats), 1001004 (no such target of that type).
pub fn image_upload(ctx: &Ctx<'_>, input: Input) -> Result<Reply, ApiError> {
    let form = expect_form(ctx, input)?;
    check_caller(ctx)?;
    let spec = ctx.spec;
    let pe = spec.param_error;
    let data_spec = spec.field("data");
    let file = form
        .files
        .first()
        .ok_or_else(|| data_spec.violation("missing", pe, "", "required".into()))?;
    let text = |name: &str| spec.field(name).check_text(form.text(name), pe);
    let target_id = text("target_id")?;
    let target_type = text("target_type")?;
    let format = ImageFormat::sniff(file.head()).ok_or_else(|| {
        let head: String = file
            .head()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        data_spec.violation(
            "format",
            pe,
            &head,
            "a JPG, JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF or HEIC image".into(),
        )
    })?;
    let target_id = target_id.as_str().unwrap_or_default().to_string();
    let target_type = target_type.as_i64().unwrap_or_default();
    check_target(ctx, "target_id", &target_id, target_type)?;

    let okr = &ctx.families.okr;
    let file_token = loop {
        let t = ctx
            .store
            .new_file_token(IMAGE_TOKEN_PREFIX, IMAGE_TOKEN_LEN);
        if !okr.images.contains_key(&t) {
            break t;
        }
    };
    let ticket = ctx.store.with_ids(|ids| ids.base62_token("", TICKET_LEN));
    ctx.store
        .put_file(StoredFile {
            file_token: file_token.clone(),
            name: file.filename.clone().unwrap_or_default(),
            content_type: format.content_type().to_string(),
            bytes: kept_bytes(ctx, file)?,
            size: file.len(),
            sha256: file.known_sha256(),
            endpoint: spec.name.clone(),
            parent: target_id.clone(),
            uploaded_at_ms: ctx.store.now_ms(),
        })
        .map_err(|_| ApiError::new(spec.field("data").code_for("store_full", spec.param_error)))?;
    okr.images.insert(
        file_token.clone(),
        OkrImageRecord {
            file_token: file_token.clone(),
            target_id,
            target_type,
            ticket: Some(ticket.clone()),
        },
    );
    let url = format!(
        "{}{IMAGE_DOWNLOAD_PATH}?file_token={file_token}&ticket={ticket}",
        ctx.public_url
    );
    Ok(Reply::Json(json!({ "file_token": file_token, "url": url })))
}

/// `GET /stream/api/downloadFile/?file_token=…&ticket=…`: the `url` answered by
/// [`image_upload`]. No Authorization. Answers the bytes with the Content-Type of the recognised
/// format. Errors (assumed, the upload's table): 1001004 unknown `file_token` or an image without
/// bytes (the world's), 1001002 missing or wrong `ticket`.
pub fn image_download(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    let token = ctx.query("file_token").unwrap_or_default();
    let image = ctx.families.okr.image(token);
    let file = ctx.store.file(token);
    let (Some(image), Some(file)) = (image, file) else {
        return Err(ApiError::new(OKR_DATA_NOT_FOUND));
    };
    if image.ticket.as_deref() != ctx.query("ticket") {
        return Err(ApiError::new(NO_PERMISSION));
    }
    Ok(Reply::Bytes {
        content_type: file.content_type,
        filename: None,
        bytes: file.bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_of_the_nine_formats_is_recognised_from_its_magic_bytes() {
        let cases: [(&[u8], ImageFormat); 9] = [
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", ImageFormat::Jpeg),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ImageFormat::Png),
            (b"RIFF\x24\0\0\0WEBPVP8 ", ImageFormat::Webp),
            (b"GIF89a\x01\0\x01\0", ImageFormat::Gif),
            (b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0", ImageFormat::Bmp),
            (b"\0\0\x01\0\x01\0\x10\x10", ImageFormat::Ico),
            (b"II*\0\x08\0\0\0", ImageFormat::Tiff),
            (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", ImageFormat::Heic),
            (b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic", ImageFormat::Heic),
        ];
        for (bytes, want) in cases {
            assert_eq!(ImageFormat::sniff(bytes), Some(want), "{bytes:?}");
        }
    }

    #[test]
    fn non_images_and_look_alikes_are_not_recognised() {
        for bytes in [
            &b""[..],
            b"%PDF-1.7",
            b"GIF90a",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"\0\0\0\x1cftypavif\0\0\0\0mif1avif",
            b"\0\0\0\x18ftypmif1\0\0\0\0mif1avif",
            b"\0\0\x02\0\x01\0",
            b"hello world",
        ] {
            assert_eq!(ImageFormat::sniff(bytes), None, "{bytes:?}");
        }
    }
}
