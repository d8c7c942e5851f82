//! The Drive family (seed 004 and its follow-ups, FOLLOWUP_APIS §1–2): media in Drive documents,
//! from the first byte to the download.
//!
//! Operations, one file each:
//! - [`upload_all`] `POST /open-apis/drive/v1/medias/upload_all` (seed 004, ≤ 20 MB in one go);
//! - [`upload_prepare`], [`upload_part`], [`upload_finish`] — the chunked upload
//!   (`POST …/medias/upload_prepare`, `…/upload_part`, `…/upload_finish`), blocks of 4194304
//!   bytes, the uploads in progress in [`session`];
//! - [`download`] `GET /open-apis/drive/v1/medias/:file_token/download` (with `Range`), and the
//!   temporary links it also serves (`GET /__mock/drive/tmp_download/:code`, no token);
//! - [`tmp_download_url`] `GET /open-apis/drive/v1/medias/batch_get_tmp_download_url`.
//!
//! State ([`DriveState`]): the Drive nodes media can be uploaded into, from the world file's
//! `drive` section ([`world`]), the uploads in progress and the temporary links handed out.
//! The files themselves live in the shared store, like every family's.

pub mod download;
pub mod session;
pub mod tmp_download_url;
pub mod upload_all;
pub mod upload_finish;
pub mod upload_part;
pub mod upload_prepare;
pub mod world;

use crate::contract::spec::BodyKind;
use crate::families::{RouteAuth, RouteDef};
use dashmap::DashMap;
use session::Upload;
use world::{DriveNode, DriveWorld};

/// Path of the temporary download links handed out by `batch_get_tmp_download_url` (no token).
pub const TMP_DOWNLOAD_ROUTE: &str = "/__mock/drive/tmp_download/:code";

/// The routes of this family: the documented endpoints and the temporary links' route.
pub const ROUTES: &[RouteDef] = &[
    RouteDef {
        method: None,
        pattern: None,
        spec: "drive.media.upload_all",
        auth: RouteAuth::Bearer,
        body: None,
        handler: upload_all::upload_all,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "drive.media.upload_prepare",
        auth: RouteAuth::Bearer,
        body: None,
        handler: upload_prepare::upload_prepare,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "drive.media.upload_part",
        auth: RouteAuth::Bearer,
        body: None,
        handler: upload_part::upload_part,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "drive.media.upload_finish",
        auth: RouteAuth::Bearer,
        body: None,
        handler: upload_finish::upload_finish,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "drive.media.download",
        auth: RouteAuth::Bearer,
        body: None,
        handler: download::download,
    },
    RouteDef {
        method: None,
        pattern: None,
        spec: "drive.media.batch_get_tmp_download_url",
        auth: RouteAuth::Bearer,
        body: None,
        handler: tmp_download_url::batch_get_tmp_download_url,
    },
    RouteDef {
        method: Some("GET"),
        pattern: Some(TMP_DOWNLOAD_ROUTE),
        spec: "drive.media.download",
        auth: RouteAuth::None,
        body: Some(BodyKind::None),
        handler: download::tmp_download,
    },
];

/// Endpoints whose files are Drive media (download, temporary links).
const MEDIA_ENDPOINTS: &[&str] = &["drive.media.upload_all", "drive.media.upload_finish"];

/// Whether a stored file's `endpoint` makes it Drive media.
pub fn is_media(endpoint: &str) -> bool {
    MEDIA_ENDPOINTS.contains(&endpoint)
}

/// Whether `file_token` names a stored Drive media file.
pub fn is_media_token(store: &crate::state::store::Store, file_token: &str) -> bool {
    store
        .file(file_token)
        .is_some_and(|f| is_media(&f.endpoint))
}

/// A temporary download link.
#[derive(Debug, Clone)]
pub struct TmpLink {
    /// The media file it serves.
    pub file_token: String,
    /// When it stops working, ms since the epoch (emulator clock).
    pub expires_at_ms: i64,
}

/// The Drive family's objects: documents (upload points) by token, uploads in progress by
/// `upload_id`, temporary links by code.
#[derive(Debug, Default)]
pub struct DriveState {
    nodes: DashMap<String, DriveNode>,
    uploads: DashMap<String, Upload>,
    links: DashMap<String, TmpLink>,
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

    /// Forgets the uploads and links that expired by `now_ms`, freeing their blocks.
    pub fn purge_expired(&self, now_ms: i64) {
        self.uploads.retain(|_, u| u.expires_at_ms > now_ms);
        self.links.retain(|_, l| l.expires_at_ms > now_ms);
    }

    /// Keeps a new upload under `upload_id`.
    pub fn add_upload(&self, upload_id: String, upload: Upload) {
        self.uploads.insert(upload_id, upload);
    }

    /// Runs `f` on the live upload `upload_id` (not expired by `now_ms`, not finished), alone:
    /// concurrent calls on one upload take turns. `None` when there is no such upload; an
    /// expired one is forgotten on the way.
    pub fn with_upload<T>(
        &self,
        upload_id: &str,
        now_ms: i64,
        f: impl FnOnce(&mut Upload) -> T,
    ) -> Option<T> {
        let expired = {
            let mut upload = self.uploads.get_mut(upload_id)?;
            if upload.expires_at_ms > now_ms && !upload.finished {
                return Some(f(&mut upload));
            }
            upload.expires_at_ms <= now_ms
        };
        if expired {
            self.uploads.remove(upload_id);
        }
        None
    }

    /// Forgets the upload `upload_id` (finished).
    pub fn remove_upload(&self, upload_id: &str) {
        self.uploads.remove(upload_id);
    }

    /// Number of uploads in progress (expired ones not yet forgotten included).
    pub fn upload_count(&self) -> usize {
        self.uploads.len()
    }

    /// Bytes held by the blocks of uploads in progress.
    pub fn upload_bytes_held(&self) -> u64 {
        self.uploads.iter().map(|u| u.held_bytes()).sum()
    }

    /// Keeps a temporary link under `code`.
    pub fn add_link(&self, code: String, link: TmpLink) {
        self.links.insert(code, link);
    }

    /// The link `code` if it still works at `now_ms`.
    pub fn link(&self, code: &str, now_ms: i64) -> Option<TmpLink> {
        self.links
            .get(code)
            .map(|l| l.clone())
            .filter(|l| l.expires_at_ms > now_ms)
    }
}
