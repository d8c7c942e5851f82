//! What the proxy learns of a body while streaming it: size, SHA-256, the first `keep_bytes`
//! bytes and, for a JSON or text body up to [`MAX_TEXT_BYTES`], the whole text; a multipart
//! form is read part by part by `multer` as it passes, never held whole.

use crate::recording::{encode_kept, Body, Part, MAX_TEXT_BYTES};

use bytes::Bytes;
use sha2::Digest;

/// A body seen chunk by chunk.
#[derive(Debug)]
pub struct BodyAcc {
    /// Whether the whole text is worth keeping (JSON or text content type, or none).
    textual: bool,
    keep_bytes: usize,
    size: u64,
    sha: sha2::Sha256,
    text: Vec<u8>,
    kept: Vec<u8>,
    content_type: Option<String>,
}

impl BodyAcc {
    /// An accumulator for a body of `content_type` keeping `keep_bytes` bytes.
    pub fn new(content_type: Option<&str>, keep_bytes: u64) -> BodyAcc {
        let textual = content_type.is_none_or(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.contains("json") || ct.starts_with("text/")
        });
        BodyAcc {
            textual,
            keep_bytes: keep_bytes.min(usize::MAX as u64) as usize,
            size: 0,
            sha: sha2::Sha256::new(),
            text: Vec::new(),
            kept: Vec::new(),
            content_type: content_type.map(str::to_string),
        }
    }

    /// An accumulator for a request body that is not a multipart form: its text is kept (up to
    /// [`MAX_TEXT_BYTES`], as UTF-8) whatever its content type says, so that a token request
    /// sent as `application/x-www-form-urlencoded` or without a fitting type (the token
    /// endpoints read any body, FEISHU_FACTS §1) is recorded as JSON or text, where its secrets
    /// are found and replaced, never as kept bytes.
    pub fn for_request(content_type: Option<&str>, keep_bytes: u64) -> BodyAcc {
        BodyAcc {
            textual: true,
            ..BodyAcc::new(content_type, keep_bytes)
        }
    }

    /// Takes in the next chunk.
    pub fn push(&mut self, chunk: &[u8]) {
        self.size += chunk.len() as u64;
        self.sha.update(chunk);
        if self.textual && self.text.len() + chunk.len() <= MAX_TEXT_BYTES {
            self.text.extend_from_slice(chunk);
        } else {
            self.textual = false;
            self.text = Vec::new();
        }
        if self.kept.len() < self.keep_bytes {
            let room = self.keep_bytes - self.kept.len();
            self.kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
    }

    /// The body as recorded (secrets not yet replaced).
    pub fn finish(&mut self) -> Body {
        if self.size == 0 {
            return Body::Empty;
        }
        if self.textual {
            if let Ok(json) = serde_json::from_slice(&self.text) {
                return Body::Json { json };
            }
            if let Ok(text) = std::str::from_utf8(&self.text) {
                return Body::Text {
                    text: text.to_string(),
                };
            }
        }
        Body::Bytes {
            content_type: self.content_type.clone(),
            size: self.size,
            sha256: format!("{:x}", self.sha.clone().finalize()),
            kept: encode_kept(&self.kept),
        }
    }
}

/// Longest text part recorded by value, in bytes; a longer one is described like a file.
pub const MAX_TEXT_PART_BYTES: usize = 64 * 1024;

/// Reads a multipart body from `chunks` as it streams past and describes its parts: text parts
/// (no file name, no content type or a `text/` one, a name not in `file_fields`, at most
/// [`MAX_TEXT_PART_BYTES`]) by value, file parts by size, SHA-256, Adler-32 and the first
/// `keep_bytes` bytes. A form that breaks off (a client or upstream that stopped) is described
/// up to where it broke.
pub async fn read_form(
    chunks: tokio::sync::mpsc::Receiver<Bytes>,
    boundary: String,
    keep_bytes: u64,
    file_fields: Vec<String>,
) -> Vec<Part> {
    let stream = futures_util::stream::unfold(chunks, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<Bytes, std::io::Error>(b), rx))
    });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    let keep = keep_bytes.min(usize::MAX as u64) as usize;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                // Said on stderr, so that a recording whose form is described only in part can
                // be told apart from a form that had no more parts.
                eprintln!(
                    "feishu-mock record: the form was read up to part {}: {e}",
                    parts.len()
                );
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(|m| m.to_string());
        let mut is_text = filename.is_none()
            && !file_fields.contains(&name)
            && content_type
                .as_deref()
                .is_none_or(|c| c.starts_with("text/"));
        let mut size = 0u64;
        let mut sha = sha2::Sha256::new();
        let mut adler = simd_adler32::Adler32::new();
        let mut kept = Vec::new();
        let mut text = Vec::new();
        while let Ok(Some(chunk)) = field.chunk().await {
            size += chunk.len() as u64;
            if is_text && text.len() + chunk.len() <= MAX_TEXT_PART_BYTES {
                text.extend_from_slice(&chunk);
            } else if is_text {
                // Too long for a value: described like a file from here on.
                is_text = false;
                sha.update(&text);
                adler.write(&text);
                kept.extend_from_slice(&text[..text.len().min(keep)]);
                text = Vec::new();
            }
            if is_text {
                continue;
            }
            sha.update(&chunk);
            adler.write(&chunk);
            if kept.len() < keep {
                let room = keep - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
        }
        parts.push(if is_text {
            Part::Text {
                name,
                value: String::from_utf8_lossy(&text).into_owned(),
            }
        } else {
            Part::File {
                name,
                filename,
                content_type,
                size,
                sha256: format!("{:x}", sha.finalize()),
                adler32: adler.finish().to_string(),
                kept: encode_kept(&kept),
            }
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parts_of(body: Vec<u8>, file_fields: &[&str]) -> Vec<Part> {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let reader = tokio::spawn(read_form(
            rx,
            "B".into(),
            0,
            file_fields.iter().map(|s| s.to_string()).collect(),
        ));
        for chunk in body.chunks(1000) {
            tx.send(Bytes::copy_from_slice(chunk)).await.unwrap();
        }
        drop(tx);
        reader.await.unwrap()
    }

    fn form(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in parts {
            out.extend_from_slice(
                format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                    .as_bytes(),
            );
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--B--\r\n");
        out
    }

    #[tokio::test]
    async fn a_file_field_without_file_name_and_a_long_text_part_are_described_not_kept() {
        let long = vec![b'a'; MAX_TEXT_PART_BYTES + 1];
        let short = vec![b'a'; MAX_TEXT_PART_BYTES];
        let body = form(&[("file", b"secret bytes"), ("note", &long), ("size", &short)]);
        let parts = parts_of(body, &["file"]).await;
        assert!(
            matches!(&parts[0], Part::File { size: 12, .. }),
            "{:?}",
            parts[0]
        );
        assert!(
            matches!(&parts[1], Part::File { size, .. } if *size == long.len() as u64),
            "{:?}",
            parts[1]
        );
        assert!(matches!(&parts[2], Part::Text { value, .. } if value.len() == short.len()));
    }

    #[test]
    fn a_json_body_is_kept_whole_and_a_binary_one_only_described() {
        let mut acc = BodyAcc::new(Some("application/json; charset=utf-8"), 0);
        acc.push(br#"{"a":"#);
        acc.push(b"1}");
        assert_eq!(
            acc.finish(),
            Body::Json {
                json: serde_json::json!({"a": 1})
            }
        );
        let mut acc = BodyAcc::new(Some("image/png"), 2);
        acc.push(b"\x89PNG");
        match acc.finish() {
            Body::Bytes { size, kept, .. } => {
                assert_eq!(size, 4);
                assert_eq!(
                    crate::recording::decode_kept(kept.as_deref()),
                    Some(vec![0x89, b'P'])
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
