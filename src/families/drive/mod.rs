//! The Drive family (seed 004 and its follow-ups): media uploads into Drive documents.
//!
//! Operations: [`upload_all`] (`POST /open-apis/drive/v1/medias/upload_all`). State: the Drive
//! nodes that media can be uploaded into ([`DriveState`]), from the world file's `drive`
//! section ([`world`]).

pub mod upload_all;
pub mod world;

use crate::families::{RouteAuth, RouteDef};
use dashmap::DashMap;
use world::{DriveNode, DriveWorld};

/// The routes of this family: the documented endpoint(s) and their natural next calls.
pub const ROUTES: &[RouteDef] = &[RouteDef {
    method: None,
    pattern: None,
    spec: "drive.media.upload_all",
    auth: RouteAuth::Bearer,
    body: None,
    handler: upload_all::upload_all,
}];

/// The Drive family's objects: documents (upload points) by token.
#[derive(Debug, Default)]
pub struct DriveState {
    nodes: DashMap<String, DriveNode>,
}

impl DriveState {
    /// The nodes of a world file's `drive` section.
    pub fn load(world: &DriveWorld) -> DriveState {
        let state = DriveState::default();
        state.add_world(world);
        state
    }

    /// Adds (or replaces) the nodes of `world` (`POST /__mock/world`).
    pub fn add_world(&self, world: &DriveWorld) {
        for node in &world.nodes {
            self.add_node(node.clone());
        }
    }

    /// Adds a Drive node (`--loose` creates unknown nodes on first use).
    pub fn add_node(&self, node: DriveNode) {
        self.nodes.insert(node.token.clone(), node);
    }

    /// The Drive node `token` (`parent_node`), if the world has it.
    pub fn node(&self, token: &str) -> Option<DriveNode> {
        self.nodes.get(token).map(|n| n.clone())
    }
}
