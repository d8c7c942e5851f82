//! Task v2 (seed 002): attachment upload. Implemented by the Task issue; until then it answers
//! the endpoint's internal error.

use super::{Ctx, Input, Reply, RouteAuth, RouteDef};
use crate::error::ApiError;

/// The routes of this family: the documented endpoint(s) and their natural next calls.
pub const ROUTES: &[RouteDef] = &[RouteDef {
    method: None,
    pattern: None,
    spec: "task.attachment.upload",
    auth: RouteAuth::Bearer,
    body: None,
    handler: attachment_upload,
}];

/// `POST /open-apis/task/v2/attachments/upload` (seed 002).
pub fn attachment_upload(ctx: &Ctx<'_>, _input: Input) -> Result<Reply, ApiError> {
    Err(ApiError::new(ctx.spec.internal_error))
}

/// In-memory state of the task family, built from the world and kept in [`crate::store::Store`].
#[derive(Debug, Default)]
pub struct TaskState {}

impl TaskState {
    /// The state a fresh world starts with.
    pub fn load(_world: &crate::world::World) -> TaskState {
        TaskState::default()
    }

    /// Adds the family's objects of `world` to the running state (`POST /__mock/world`).
    pub fn add_world(&self, _world: &crate::world::World) {}
}
