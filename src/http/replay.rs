//! The not-found path under `serve --replay DIR`: a route the emulator does not emulate is
//! answered from the recording when it holds an answer ([`crate::control::replay`]), else with
//! the plain 404. The JSON body is read only where several recorded exchanges share the
//! method, route and query.

use crate::control::replay::{answer, ReplayRequest, REPLAYED_ENDPOINT};
use crate::control::response::HttpResponse;
use crate::control::Emulator;
use crate::http::app::AppState;
use crate::http::body::RequestBody;
use crate::http::extract::MAX_JSON_BODY_BYTES;
use crate::http::json::read_json;
use crate::http::log::Trace;
use crate::http::respond::not_found;
use hyper::{HeaderMap, Method};

/// The recorded answer to a request on no emulated route, or the 404; the journal's trace says
/// which (`replayed` with the exchange's number in `X-Mock-Replayed`, or `not_found`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn replayed_or_not_found(
    state: &AppState,
    emulator: &Emulator,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: RequestBody,
    log_id: &str,
    trace: &mut Trace,
) -> HttpResponse {
    trace.endpoint = "not_found".into();
    let Some(store) = state.replay.as_deref() else {
        return not_found();
    };
    let json = match store.needs_body(method.as_str(), path, query) {
        true => read_json(body, MAX_JSON_BODY_BYTES).await.ok(),
        false => None,
    };
    let req = ReplayRequest {
        method: method.as_str(),
        path,
        query,
        headers,
        body: json.as_ref(),
    };
    match answer(emulator, store, &req, log_id) {
        None => not_found(),
        Some(r) => {
            trace.endpoint = REPLAYED_ENDPOINT.into();
            trace.code = r.code;
            trace.caller = r.caller;
            trace.mock_headers = r.mock_headers;
            r.response
        }
    }
}
