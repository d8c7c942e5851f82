//! The families layer: one folder per Feishu API family (`auth`, `drive`, `okr`, `task`,
//! `project`).
//!
//! What lives here: each family's route table (`ROUTES`), one file per documented operation
//! (`drive/upload_all.rs`, `okr/progress_record.rs`, …), the family's own objects (its
//! `…State`) and its section of the world file (`<family>/world.rs`); the interface every
//! family is called through ([`Ctx`], [`Input`], [`Reply`], [`RouteDef`]); the whole world file
//! format ([`world::World`]) and every family's state ([`Families`]).
//!
//! May import: [`crate::contract`], [`crate::state`], and this module's own items. A family
//! never imports another family or anything above this layer. Endpoint functions receive
//! typed input and never touch hyper types; they answer a [`Reply`] or a documented
//! [`ApiError`].

pub mod auth;
pub mod drive;
pub mod okr;
pub mod project;
pub mod task;
pub mod world;

use crate::contract::error::ApiError;
use crate::contract::spec::EndpointSpec;
use crate::state::store::Store;
use crate::state::upload::{FilePart, Form};
use bytes::Bytes;
use serde_json::Value;

/// Who is calling, as established by authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A tenant (or, for self-built apps, the identical app) access token of `app_id`.
    Tenant {
        /// The app.
        app_id: String,
    },
    /// A user access token issued through `app_id` for the user `open_id`.
    User {
        /// The app.
        app_id: String,
        /// The user.
        open_id: String,
    },
    /// A Feishu Project plugin token (`p-…`, `v-…`, `u-…`), acting as `user_key` when given.
    Plugin {
        /// The plugin.
        plugin_id: String,
        /// `X-USER-KEY`.
        user_key: Option<String>,
    },
    /// No credentials (routes with [`RouteAuth::None`]).
    Anonymous,
}

impl Caller {
    /// `app:<app_id>`, `user:<open_id>`, `plugin:<plugin_id>`, or `None` (for the journal).
    pub fn describe(&self) -> Option<String> {
        match self {
            Caller::Tenant { app_id } => Some(format!("app:{app_id}")),
            Caller::User { open_id, .. } => Some(format!("user:{open_id}")),
            Caller::Plugin { plugin_id, .. } => Some(format!("plugin:{plugin_id}")),
            Caller::Anonymous => None,
        }
    }

    /// The open-platform app behind the call, if any.
    pub fn app_id(&self) -> Option<&str> {
        match self {
            Caller::Tenant { app_id } | Caller::User { app_id, .. } => Some(app_id),
            Caller::Plugin { .. } | Caller::Anonymous => None,
        }
    }
}

/// The request body, read as the endpoint's spec says.
#[derive(Debug)]
pub enum Input {
    /// A multipart form.
    Form(Form),
    /// A JSON body as received, at most `MAX_JSON_BODY_BYTES`; parsed by the handler
    /// ([`expect_json`]), so that a handler may read it in one pass of its own.
    Json(Bytes),
    /// No body.
    Empty,
}

/// What an endpoint answers on success.
#[derive(Debug)]
pub enum Reply {
    /// JSON `data`, wrapped in the platform's envelope.
    Json(Value),
    /// JSON `data` already serialized (one compact JSON object), wrapped in the platform's
    /// envelope as it is: for a handler that writes its answer in one pass.
    JsonText(String),
    /// A whole success body, written by the handler in one pass: the endpoint platform's
    /// success envelope ([`crate::contract::spec::Platform::success_envelope`]) around one
    /// compact JSON `data`; answered as it is, with HTTP 200 and code 0.
    Enveloped(String),
    /// Success without `data`: the platform's envelope alone, as some pages document it —
    /// `{"code":0,"msg":"success"}` (OKR progress record delete) or
    /// `{"err":{},"err_msg":"","err_code":0}` (Feishu Project work-item upload, seed 003).
    NoData,
    /// A whole body emitted as it is with HTTP 200, outside the envelope (token endpoints with
    /// envelopes of their own, such as Project's `plugin_token`).
    Raw(Value),
    /// Raw bytes (downloads).
    Bytes {
        /// Content-Type.
        content_type: String,
        /// File name for `Content-Disposition`, if any.
        filename: Option<String>,
        /// The bytes.
        bytes: Bytes,
    },
    /// Part of a file's bytes, answered `206 Partial Content` with
    /// `Content-Range: bytes <start>-<start + len - 1>/<total>` (a download's `Range`).
    Partial {
        /// Content-Type.
        content_type: String,
        /// File name for `Content-Disposition`, if any.
        filename: Option<String>,
        /// The bytes of the range (never empty).
        bytes: Bytes,
        /// Offset of the first byte of `bytes` in the file.
        start: u64,
        /// Size of the whole file.
        total: u64,
    },
}

/// Everything an endpoint may read about its request.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The state every family shares (clock, ids, directory, stored files).
    pub store: &'a Store,
    /// Every family's objects; a handler reads its own family's only.
    pub families: &'a Families,
    /// The endpoint's contract.
    pub spec: &'static EndpointSpec,
    /// The authenticated caller.
    pub caller: Caller,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// Path parameters (`:name` segments of the route).
    pub path_params: Vec<(String, String)>,
    /// Base URL of this server for links handed to clients (no trailing slash), written where
    /// a link is formatted.
    pub public_url: PublicUrl<'a>,
    /// This request's log id.
    pub log_id: &'a str,
    /// The request's headers, for the few a family reads (`range`, `x-idem-uuid`), looked up
    /// only when read ([`Ctx::header`]).
    pub headers: &'a dyn RequestHeaders,
    /// Headers the handler adds to its response, success or error: only emulator-side
    /// `X-Mock-*` headers (what only the emulator knows never goes into a Feishu body).
    pub response_headers: std::cell::RefCell<Vec<(String, String)>>,
}

impl Ctx<'_> {
    /// The request header `name` (case-insensitive), if present and visible ASCII: the first
    /// of its values that is.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.header(name)
    }

    /// Adds `name: value` to the response (an `X-Mock-*` header).
    pub fn add_response_header(&self, name: &str, value: impl Into<String>) {
        self.response_headers
            .borrow_mut()
            .push((name.to_string(), value.into()));
    }

    /// The first query parameter named `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path parameter named `name`.
    pub fn path(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request's headers as a handler reads them, without the HTTP layer's types.
pub trait RequestHeaders: std::fmt::Debug + Sync {
    /// The first value of the header `name` (case-insensitive) that is visible ASCII.
    fn header(&self, name: &str) -> Option<&str>;
}

/// No headers (a request made in memory).
#[derive(Debug)]
pub struct NoHeaders;

impl RequestHeaders for NoHeaders {
    fn header(&self, _: &str) -> Option<&str> {
        None
    }
}

/// The base URL of the links a handler hands out (no trailing slash), as it is formatted
/// (`{}`): `http://` + a request's `Host` when it is a plain `host[:port]` (letters, digits,
/// `.-:[]_`, at most 255 bytes), else a URL given whole. Nothing is built or checked for a
/// request that hands out no link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicUrl<'a> {
    /// The request's `Host`, when links are derived from it.
    host: Option<&'a str>,
    /// The URL given whole, or the fallback for an unusable `Host`.
    whole: &'a str,
}

impl<'a> PublicUrl<'a> {
    /// The whole URL `url` (e.g. `--public-url`).
    pub fn whole(url: &'a str) -> PublicUrl<'a> {
        PublicUrl {
            host: None,
            whole: url,
        }
    }

    /// `http://` + `host` (a request's `Host`) when it is a plain `host[:port]`, else
    /// `fallback`.
    pub fn from_host(host: Option<&'a str>, fallback: &'a str) -> PublicUrl<'a> {
        PublicUrl {
            host,
            whole: fallback,
        }
    }
}

impl std::fmt::Display for PublicUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plain = |h: &&str| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
        };
        match self.host.filter(plain) {
            Some(host) => {
                f.write_str("http://")?;
                f.write_str(host)
            }
            None => f.write_str(self.whole),
        }
    }
}

/// How a route authenticates its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteAuth {
    /// `Authorization: Bearer` with the spec's scopes (FEISHU_FACTS §2).
    Bearer,
    /// `X-PLUGIN-TOKEN` / `X-USER-KEY` (FEISHU_FACTS §4).
    Plugin,
    /// No credentials (e.g. the ticketed download links handed out in responses).
    None,
}

/// One route of a family module: the documented endpoint itself, or a natural next call that
/// serves back what it stored (FEISHU_FACTS §6).
#[derive(Debug, Clone, Copy)]
pub struct RouteDef {
    /// HTTP method; `None` takes the spec's.
    pub method: Option<&'static str>,
    /// Path pattern with `:name` segments; `None` takes the spec's route.
    pub pattern: Option<&'static str>,
    /// The endpoint spec whose error table, envelope, scopes and limits the route uses.
    pub spec: &'static str,
    /// How callers authenticate.
    pub auth: RouteAuth,
    /// How the body is read; `None` takes the spec's.
    pub body: Option<crate::contract::spec::BodyKind>,
    /// The handler.
    pub handler: Handler,
}

/// An endpoint function.
pub type Handler = fn(&Ctx<'_>, Input) -> Result<Reply, ApiError>;

/// Every family's objects, loaded from the world file's sections.
#[derive(Debug)]
pub struct Families {
    /// Drive nodes.
    pub drive: drive::DriveState,
    /// OKR objectives, key results, images and progress records.
    pub okr: okr::OkrState,
    /// Tasks and their attachments.
    pub task: task::TaskState,
    /// Feishu Project plugins, tokens, spaces and attachments.
    pub project: project::ProjectState,
}

impl Families {
    /// Each family's objects of `world`.
    pub fn load(world: &world::World) -> Families {
        Families {
            drive: drive::DriveState::load(&world.drive),
            okr: okr::OkrState::load(&world.okr),
            task: task::TaskState::load(&world.task),
            project: project::ProjectState::load(&world.project),
        }
    }

    /// Adds each section of `w` to its family (`POST /__mock/world`); objects with the same ids
    /// are replaced.
    pub fn add_world(&self, w: &world::World) {
        self.drive.add_world(&w.drive);
        self.okr.add_world(&w.okr);
        self.task.add_world(&w.task);
        self.project.add_world(&w.project);
    }
}

/// Every route of every family, documented endpoints first.
pub fn routes() -> impl Iterator<Item = &'static RouteDef> {
    drive::ROUTES
        .iter()
        .chain(okr::ROUTES)
        .chain(task::ROUTES)
        .chain(project::ROUTES)
}

/// The form of a multipart endpoint's input, or the endpoint's parameter error.
pub fn expect_form(ctx: &Ctx<'_>, input: Input) -> Result<Form, ApiError> {
    match input {
        Input::Form(f) => Ok(f),
        _ => Err(ApiError::new(ctx.spec.param_error)),
    }
}

/// The bytes the store keeps of an accepted file part: the part's bytes under `--retain bytes`
/// (a spooled part is read back from its temporary file here, so call it only once every check
/// has passed), empty under `--retain metadata`. A temporary file that cannot be read back is
/// the endpoint's `internal_error` (Drive 1061001, OKR 1009999, Task 1470500, Project
/// 1000050262 … as the spec names it).
pub fn kept_bytes(ctx: &Ctx<'_>, part: &FilePart) -> Result<Bytes, ApiError> {
    match part.bytes() {
        Ok(bytes) => Ok(bytes.unwrap_or_default()),
        Err(_) => Err(ApiError::new(ctx.spec.internal_error)),
    }
}

/// The JSON body of a JSON endpoint's input, or the endpoint's parameter error (also for a
/// body that is not JSON).
pub fn expect_json(ctx: &Ctx<'_>, input: Input) -> Result<Value, ApiError> {
    let bytes = expect_json_bytes(ctx, input)?;
    serde_json::from_slice(&bytes).map_err(|_| ApiError::new(ctx.spec.param_error))
}

/// The unparsed body of a JSON endpoint's input, or the endpoint's parameter error.
pub fn expect_json_bytes(ctx: &Ctx<'_>, input: Input) -> Result<Bytes, ApiError> {
    match input {
        Input::Json(bytes) => Ok(bytes),
        _ => Err(ApiError::new(ctx.spec.param_error)),
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn a_link_base_is_the_plain_host_of_the_request_else_the_url_given_whole() {
        let fallback = "http://127.0.0.1:8080";
        let long = "a".repeat(256);
        for (host, want) in [
            (Some("127.0.0.1:9000"), "http://127.0.0.1:9000"),
            (Some("[::1]:9000"), "http://[::1]:9000"),
            (Some("mock_host.example-1"), "http://mock_host.example-1"),
            (Some(&long[..255]), &*format!("http://{}", &long[..255])),
            (Some(&long[..]), fallback),
            (Some(""), fallback),
            (Some("evil.example/x"), fallback),
            (Some("a b"), fallback),
            (Some("a@b"), fallback),
            (None, fallback),
        ] {
            assert_eq!(
                PublicUrl::from_host(host, fallback).to_string(),
                want,
                "{host:?}"
            );
        }
        assert_eq!(
            PublicUrl::whole("https://x.example").to_string(),
            "https://x.example"
        );
    }
}
