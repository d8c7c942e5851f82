//! Body extraction: a request's body read as its endpoint's spec says (none, JSON within
//! [`MAX_JSON_BODY_BYTES`] and the in-flight budget, or a streaming multipart form with the
//! spec's file limits), and every reading failure mapped to the endpoint's documented code.

use crate::contract::error::ApiError;
use crate::contract::spec::{BodyKind, EndpointSpec, Location};
use crate::families::Input;
use crate::http::budget::Reservation;
use crate::http::json::{read_json_bytes, JsonBodyError};
use crate::http::multipart::{read_form, FormError, FormLimits};
use crate::state::store::Retain;
use bytes::Bytes;

/// Largest JSON body read, in bytes; a larger one is the endpoint's parameter error (assumed).
pub const MAX_JSON_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Whether `content_type` is `application/json`, with any parameters (`charset=utf-8` as the
/// SDKs send it).
pub(crate) fn is_json_media(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// How the file parts of a request to `spec` are read: whole when the spec says so
/// (`read_files_whole`), else as the store's retention asks.
pub(crate) fn retain_for(spec: &EndpointSpec, retain: Retain) -> Retain {
    if spec.read_files_whole {
        Retain::Bytes
    } else {
        retain
    }
}

/// Reads the body as the spec says, enforcing its limits while streaming; a JSON body comes
/// with its share of the in-flight memory budget, to be dropped when the request ends. A JSON
/// body refused by the budget ([`JsonBodyError::Busy`]) is the endpoint's internal error
/// (assumed: no busy code is documented); any other unreadable one its parameter error.
/// `json_wait` is how long a JSON body waits for the budget ([`JSON_BUDGET_WAIT`]).
pub(crate) async fn extract<S, E>(
    spec: &'static EndpointSpec,
    kind: BodyKind,
    content_type: Option<&str>,
    content_length: Option<u64>,
    retain: Retain,
    body: S,
    json_wait: std::time::Duration,
) -> Result<(Input, Reservation), ApiError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    match kind {
        BodyKind::None => Ok((Input::Empty, Reservation::default())),
        // Parsed by the handler (`expect_json`), which answers the same param_error for a body
        // that is not JSON.
        BodyKind::Json => match read_json_bytes(body, MAX_JSON_BODY_BYTES, json_wait).await {
            Ok(read) => Ok((Input::Json(read.bytes), read.reserved)),
            Err(JsonBodyError::Busy) => Err(ApiError::new(spec.internal_error)),
            Err(JsonBodyError::TooLarge | JsonBodyError::Io | JsonBodyError::NotJson) => {
                Err(ApiError::new(spec.param_error))
            }
        },
        BodyKind::Multipart => {
            let limits = FormLimits {
                file_fields: spec.file_field_names(),
                max_file_bytes: spec.max_file_bytes(),
                max_files: spec.max_files(),
                body_bytes: content_length,
                retain,
            };
            read_form(body, content_type, &limits)
                .await
                .map(|form| (Input::Form(form), Reservation::default()))
                .map_err(|e| form_error(spec, e))
        }
    }
}

/// Maps a form-reading failure to the endpoint's documented code: a file past `max_bytes` or one
/// file too many answers the code the spec names for that rule; a part that could not be spooled
/// to disk is the endpoint's internal error; anything else is the endpoint's parameter error.
fn form_error(spec: &EndpointSpec, e: FormError) -> ApiError {
    if let FormError::Spool(_) = e {
        return ApiError::new(spec.internal_error);
    }
    if let FormError::Nul { field } = &e {
        // Named by its own field when the spec has one (a file part's filename: the file field).
        let named = spec.fields.iter().find(|f| &f.name == field);
        return match named {
            Some(f) => f
                .violation(
                    "no_nul",
                    spec.param_error,
                    "",
                    "must not contain NUL".into(),
                )
                .into(),
            None => ApiError::new(spec.param_error),
        };
    }
    let file_field = spec.fields.iter().find(|f| f.location == Location::File);
    let rule = match &e {
        FormError::FileTooLarge { .. } => "max_bytes",
        FormError::TooManyFiles { .. } => "max_count",
        _ => "",
    };
    match (file_field, rule) {
        (Some(f), "max_bytes" | "max_count") => {
            let limit = match &e {
                FormError::FileTooLarge { limit, .. } => format!("at most {limit} bytes"),
                FormError::TooManyFiles { limit } => format!("at most {limit} files"),
                _ => String::new(),
            };
            f.violation(rule, spec.param_error, "", limit).into()
        }
        _ => ApiError::new(spec.param_error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::spec::Catalogue;

    /// A progress record's JSON body with the in-flight budget exhausted for the whole wait is
    /// the endpoint's internal error (1009999, assumed); with the budget free, the body is read
    /// and handed to the handler with its share of the budget.
    #[tokio::test]
    async fn a_json_body_refused_by_the_budget_is_the_endpoints_internal_error() {
        use crate::http::json::budget_tests;
        let spec = Catalogue::get().endpoint("okr.progress_record.create");
        let body = || futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("{}"))]);
        let wait = std::time::Duration::from_millis(50);
        let _one = budget_tests::EXHAUSTING.lock().await;
        let free = extract(
            spec,
            BodyKind::Json,
            None,
            None,
            Retain::Bytes,
            body(),
            wait,
        )
        .await;
        let (input, held) = free.expect("read with the budget free");
        assert!(matches!(input, Input::Json(b) if &b[..] == b"{}"));
        assert_eq!(held.held(), 2);
        let hold: Reservation = budget_tests::exhaust();
        let busy = extract(
            spec,
            BodyKind::Json,
            None,
            None,
            Retain::Bytes,
            body(),
            wait,
        )
        .await;
        assert_eq!(busy.err().map(|e| e.code), Some(spec.internal_error));
        assert_eq!(spec.internal_error, 1009999);
        drop(hold);
    }
}
