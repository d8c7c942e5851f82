//! Feishu Project (seed 003): work-item attachment upload, on its own auth and envelope
//! (FEISHU_FACTS §4). Implemented by the Project issue; until then every token is refused with
//! 10022.

use super::{Caller, Ctx, Input, Reply, RouteAuth, RouteDef};
use crate::error::ApiError;
use crate::spec::EndpointSpec;
use crate::store::Store;
use hyper::HeaderMap;

/// The routes of this family: the documented endpoint(s) and their natural next calls.
pub const ROUTES: &[RouteDef] = &[RouteDef {
    method: None,
    pattern: None,
    spec: "project.work_item.file.upload",
    auth: RouteAuth::Plugin,
    body: None,
    handler: file_upload,
}];

/// `err_code` for an unknown or expired `X-PLUGIN-TOKEN` (FEISHU_FACTS §4, 3p).
pub const CHECK_TOKEN_FAILED: i64 = 10022;

/// Authenticates a Project request by `X-PLUGIN-TOKEN` / `X-USER-KEY`.
pub fn authenticate(
    _store: &Store,
    _headers: &HeaderMap,
    _spec: &EndpointSpec,
) -> Result<Caller, ApiError> {
    Err(ApiError::new(CHECK_TOKEN_FAILED))
}

/// `POST /open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/upload`
/// (seed 003).
pub fn file_upload(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    Err(ApiError::new(ctx.spec.internal_error))
}

/// In-memory state of the project family, built from the world and kept in [`crate::store::Store`].
#[derive(Debug, Default)]
pub struct ProjectState {}

impl ProjectState {
    /// The state a fresh world starts with.
    pub fn load(_world: &crate::world::World) -> ProjectState {
        ProjectState::default()
    }

    /// Adds the family's objects of `world` to the running state (`POST /__mock/world`).
    pub fn add_world(&self, _world: &crate::world::World) {}
}
