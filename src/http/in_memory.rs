//! The library's in-memory entry point: one documented endpoint answered on a request held in
//! memory, without a socket ([`answer_in_memory`], for fuzzing and property tests).

use crate::contract::spec::Catalogue;
use crate::control::Emulator;
use crate::families::{self, Caller, Ctx, PublicUrl};
use crate::http::extract::{extract, retain_for};
use crate::http::json::JSON_BUDGET_WAIT;
use crate::http::respond::finish;
use bytes::Bytes;

/// One request to a documented endpoint, held in memory, for [`answer_in_memory`].
#[derive(Debug, Clone)]
pub struct InMemoryRequest {
    /// The endpoint spec's name (`drive.media.upload_all`, `okr.image.upload`,
    /// `okr.progress_record.create`, `task.attachment.upload`,
    /// `project.work_item.file.upload`).
    pub endpoint: String,
    /// The caller, as authentication would have established it.
    pub caller: Caller,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// Path parameters (`:name` segments of the route), e.g. Project's `project_key`.
    pub path_params: Vec<(String, String)>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body in the chunks it arrives in; where a chunk ends exercises the streaming reader.
    pub chunks: Vec<Bytes>,
    /// How the body ends after `chunks`.
    pub end: BodyEnd,
}

/// How an in-memory request's body ends, as hyper hands it to the readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyEnd {
    /// Where HTTP framed it: the chunks are the whole body.
    #[default]
    Whole,
    /// The client announced `declared` bytes in its `Content-Length`, sent only the chunks
    /// (fewer) and half-closed: hyper ends the body with an incomplete-message error.
    HalfClosed {
        /// The `Content-Length` the client sent, in bytes.
        declared: u64,
    },
    /// The connection was reset after the chunks (a chunked body without its final `0`
    /// chunk, or any body): hyper ends the body with an error.
    Reset,
}

/// What [`answer_in_memory`] answers.
#[derive(Debug, Clone)]
pub struct InMemoryAnswer {
    /// HTTP status.
    pub status: u16,
    /// The Feishu code of the body (`code` or `err_code`); `None` for answers without one.
    pub code: Option<i64>,
    /// The body as sent.
    pub body: Bytes,
}

/// Runs one documented endpoint on an in-memory request against `store`, without a socket:
/// body extraction with the endpoint's limits, validation, the endpoint itself and its
/// envelope — the same functions a request over HTTP goes through after authentication,
/// quotas and faults (which are skipped: the caller is given). For fuzzing and property tests.
///
/// Panics when `endpoint` names no spec.
pub async fn answer_in_memory(emulator: &Emulator, req: InMemoryRequest) -> InMemoryAnswer {
    let store = &emulator.store;
    use http_body_util::BodyExt;
    let spec = Catalogue::get().endpoint(&req.endpoint);
    let def = families::routes()
        .find(|d| d.spec == spec.name && d.pattern.is_none())
        .unwrap_or_else(|| panic!("no documented route for {}", spec.name));
    let log_id = "in-memory";
    let (content_length, failure) = match req.end {
        BodyEnd::Whole => (None, None),
        BodyEnd::HalfClosed { declared } => (
            Some(declared),
            Some(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
        ),
        BodyEnd::Reset => (
            None,
            Some(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        ),
    };
    let body = futures_util::stream::iter(
        req.chunks
            .into_iter()
            .map(Ok::<Bytes, std::io::Error>)
            .chain(failure.map(Err)),
    );
    let kind = def.body.unwrap_or(spec.body);
    let retain = retain_for(spec, store.options.retain);
    let content_type = req.content_type.as_deref();
    let wait = JSON_BUDGET_WAIT;
    let result = match extract(spec, kind, content_type, content_length, retain, body, wait).await {
        Ok((input, _held)) => {
            let ctx = Ctx {
                store,
                families: &emulator.families,
                spec,
                caller: req.caller,
                query: req.query,
                path_params: req.path_params,
                public_url: PublicUrl::whole("http://in-memory"),
                log_id,
                headers: &families::NoHeaders,
                response_headers: Default::default(),
            };
            (def.handler)(&ctx, input)
        }
        Err(e) => Err(e),
    };
    let (response, code) = finish(spec, result, log_id);
    let status = response.status().as_u16();
    let body = match response.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    InMemoryAnswer { status, code, body }
}
