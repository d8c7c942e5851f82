//! OKR (seeds 000 and 001): progress-record image upload and progress record create.
//! Implemented by the OKR issue; until then both answer the endpoint's internal error.

use super::{Ctx, Input, Reply, RouteAuth, RouteDef};
use crate::error::ApiError;

/// The routes of this family: the documented endpoint(s) and their natural next calls.
pub const ROUTES: &[RouteDef] = &[
    RouteDef {
        method: None,
        pattern: None,
        spec: "okr.image.upload",
        auth: RouteAuth::Bearer,
        body: None,
        handler: image_upload,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "okr.progress_record.create",
        auth: RouteAuth::Bearer,
        body: None,
        handler: progress_record_create,
    },
];

/// `POST /open-apis/okr/v1/images/upload` (seed 000).
pub fn image_upload(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    Err(ApiError::new(ctx.spec.internal_error))
}

/// `POST /open-apis/okr/v1/progress_records` (seed 001).
pub fn progress_record_create(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    Err(ApiError::new(ctx.spec.internal_error))
}

/// In-memory state of the okr family, built from the world and kept in [`crate::store::Store`].
#[derive(Debug, Default)]
pub struct OkrState {}

impl OkrState {
    /// The state a fresh world starts with.
    pub fn load(_world: &crate::world::World) -> OkrState {
        OkrState::default()
    }

    /// Adds the family's objects of `world` to the running state (`POST /__mock/world`).
    pub fn add_world(&self, _world: &crate::world::World) {}
}
