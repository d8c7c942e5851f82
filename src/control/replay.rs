//! `serve --replay DIR`: the answer a recording gives to a route the emulator does not emulate
//! (issue 26), after the emulator's own token check.
//!
//! Only a request the recording holds an answer for is checked and answered; any other keeps
//! the plain 404. The token check is the platform's: under `/open-apis/` a live bearer token of
//! the emulator (99991661 without one, 99991668 for an unknown user token, 99991663 for any
//! other unknown token), under `/open_api/` a live `X-PLUGIN-TOKEN` with a known `X-USER-KEY`
//! (10022, 10001), each in its platform's envelope. Scopes are not checked: the recording does
//! not say which the route needs. The answer is the recorded status, `Content-Type`,
//! `Content-Disposition` and body; the caller adds a fresh `X-Tt-Logid`, and
//! [`REPLAYED_HEADER`] names the exchange answered from.

use crate::contract::error::{render, ApiError, ErrorScope};
use crate::control::response::{json_response, HttpResponse};
use crate::control::Emulator;
use crate::families::{self, Caller};
use crate::recording::replay::ReplayStore;
use crate::state::store::TokenKind;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_DISPOSITION, CONTENT_TYPE};
use hyper::{HeaderMap, Response, StatusCode};
use serde_json::Value;

/// Header of a replayed answer: the `seq` of the recorded exchange it repeats. Also kept in the
/// journal entry's `mock_headers`, which marks the entry as replayed.
pub const REPLAYED_HEADER: &str = "X-Mock-Replayed";

/// The journal's endpoint name of a replayed request.
pub const REPLAYED_ENDPOINT: &str = "replayed";

/// A request as the replay needs it.
#[derive(Debug)]
pub struct ReplayRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path without the query.
    pub path: &'a str,
    /// Query pairs, decoded.
    pub query: &'a [(String, String)],
    /// The request's headers (tokens).
    pub headers: &'a HeaderMap,
    /// The JSON body, when it was read (only where several exchanges share the route).
    pub body: Option<&'a Value>,
}

/// What the recording answered.
#[derive(Debug)]
pub struct Replayed {
    /// The answer (a token error, or the recorded one).
    pub response: HttpResponse,
    /// Its Feishu code, when it has one.
    pub code: Option<i64>,
    /// `app:…`, `user:…`, `plugin:…` when the token check passed.
    pub caller: Option<String>,
    /// The `X-Mock-*` headers added (the journal keeps them).
    pub mock_headers: Vec<(String, String)>,
}

/// The recording's answer to `req`, or `None` when it holds none (the caller answers 404).
pub fn answer(
    emulator: &Emulator,
    store: &ReplayStore,
    req: &ReplayRequest<'_>,
    log_id: &str,
) -> Option<Replayed> {
    if !store.has(req.method, req.path, req.query) {
        return None;
    }
    let checked = if req.path.starts_with("/open_api/") {
        families::project::authenticate(
            &emulator.families.project,
            emulator.store.now_ms(),
            req.headers,
        )
        .map_err(|e| (e, ErrorScope::Project))
    } else if req.path.starts_with("/open-apis/") {
        bearer(emulator, req.headers).map_err(|e| (e, ErrorScope::Open))
    } else {
        Ok(Caller::Anonymous)
    };
    let caller = match checked {
        Ok(caller) => caller,
        Err((err, scope)) => {
            let r = render(scope, &err, log_id);
            return Some(Replayed {
                response: json_response(r.status, &r.body, &r.headers),
                code: Some(r.code),
                caller: None,
                mock_headers: Vec::new(),
            });
        }
    };
    let recorded = store.lookup(req.method, req.path, req.query, req.body)?;
    let mut response: HttpResponse = Response::new(Full::new(Bytes::from(recorded.body)));
    *response.status_mut() = StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::OK);
    for (name, value) in [
        (CONTENT_TYPE, recorded.content_type),
        (CONTENT_DISPOSITION, recorded.content_disposition),
    ] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response.headers_mut().insert(name, v);
        }
    }
    let seq = recorded.seq.to_string();
    if let Ok(v) = HeaderValue::from_str(&seq) {
        response.headers_mut().insert(REPLAYED_HEADER, v);
    }
    Some(Replayed {
        response,
        code: recorded.code,
        caller: caller.describe(),
        mock_headers: vec![(REPLAYED_HEADER.to_string(), seq)],
    })
}

/// The open platform's token check without scopes: a live bearer token of the emulator.
fn bearer(emulator: &Emulator, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(families::auth::MISSING_ACCESS_TOKEN))?;
    let looks_like_user = token.starts_with("u-") || token.starts_with("eyJ");
    let issued = emulator.store.live_token(token).ok_or_else(|| {
        ApiError::new(if looks_like_user {
            families::auth::INVALID_USER_TOKEN
        } else {
            families::auth::INVALID_TENANT_TOKEN
        })
    })?;
    Ok(match (issued.kind, issued.open_id) {
        (TokenKind::User, Some(open_id)) => Caller::User {
            app_id: issued.app_id,
            open_id,
        },
        _ => Caller::Tenant {
            app_id: issued.app_id,
        },
    })
}
