//! The Feishu Project family's in-memory state: plugins and their tokens, users' grants
//! (authorization codes and refresh tokens, assumed), the spaces of the world, the attachments
//! of each field (at most [`MAX_ATTACHMENTS_PER_FIELD`] per field or compound element) and the
//! `X-IDEM-UUID` claims (FOLLOWUP_APIS §4.4). Built from the world (seed 003's objects) and kept
//! in [`crate::state::store::Store`]; the attachments' bytes live in the store's files.

use super::world::{ProjectWorld, Space, WorkItem};
use super::{
    AUTH_CODE_LIFETIME_SECS, IDEM_WINDOW_MS, MAX_ATTACHMENTS_PER_FIELD, PLUGIN_TOKEN_LIFETIME_SECS,
    REFRESH_TOKEN_LIFETIME_SECS,
};
use crate::state::store::{Store, StoredFile};
use dashmap::DashMap;
use std::sync::RwLock;

/// The two token kinds `plugin_token` issues (`type` 0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginTokenKind {
    /// `type` 0: `p-<uuid>`; calls must name the acting user in `X-USER-KEY`.
    Plugin,
    /// `type` 1: `v-<uuid>`, for development; `X-USER-KEY` optional.
    Virtual,
    /// A user plugin token, `u-<uuid>` (`user_plugin_token`, assumed): acts as the user it was
    /// issued for; `X-USER-KEY`, when sent, must name that user.
    User,
}

/// An issued plugin or virtual token.
#[derive(Debug, Clone)]
pub struct PluginToken {
    /// The plugin (`MII_…`).
    pub plugin_id: String,
    /// Plugin, virtual or user.
    pub kind: PluginTokenKind,
    /// The user a [`PluginTokenKind::User`] token acts as.
    pub user_key: Option<String>,
    /// Expiry, ms since the epoch (emulator clock).
    pub expires_at_ms: i64,
}

/// A user's grant to a plugin: an authorization code or a refresh token (assumed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    /// The plugin the grant is for.
    pub plugin_id: String,
    /// The user who granted it.
    pub user_key: String,
    /// Expiry, ms since the epoch (emulator clock).
    pub expires_at_ms: i64,
}

/// Where attachments are kept: one attachment field of one work item, and for fields inside a
/// compound field, one element of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldSlot {
    /// The space's `project_key` (never its simple_name).
    pub project_key: String,
    /// The work item.
    pub work_item_id: String,
    /// The attachment field's `field_key`.
    pub field_key: String,
    /// The compound element, for fields inside compound fields.
    pub index: Option<u32>,
}

/// In-memory state of the Project family, built from the world and kept in
/// [`crate::state::store::Store`]. The bytes of each attachment live in the store's files under the
/// attachment's uuid.
#[derive(Debug, Default)]
pub struct ProjectState {
    plugins: DashMap<String, String>,
    /// The spaces each plugin is bound to (empty: every space).
    plugin_spaces: DashMap<String, Vec<String>>,
    users: DashMap<String, ()>,
    spaces: RwLock<Vec<Space>>,
    tokens: DashMap<String, PluginToken>,
    /// Unused authorization codes (`POST /__mock/project/auth_code`), single use.
    codes: DashMap<String, UserGrant>,
    /// Unused refresh tokens of user plugin tokens, single use.
    refresh_tokens: DashMap<String, UserGrant>,
    /// uuids of the attachments of each field, in upload order; the entry guard makes the cap
    /// check and the insert one step.
    slots: DashMap<FieldSlot, Vec<String>>,
    /// The slot of each attachment, by uuid.
    attachments: DashMap<String, FieldSlot>,
    /// Successful writes by (X-PLUGIN-TOKEN, endpoint, X-IDEM-UUID) → when they were made (ms).
    idem: DashMap<(String, String, String), i64>,
}

/// A claimed `X-IDEM-UUID`: released when the write it guards fails.
#[derive(Debug)]
pub struct IdemClaim(pub(super) Option<(String, String, String)>);

/// Why [`ProjectState::attach`] refuses a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachRefused {
    /// The field already holds [`MAX_ATTACHMENTS_PER_FIELD`] attachments.
    FieldFull,
    /// The store would pass `--max-stored-bytes`.
    StoreFull,
}

impl ProjectState {
    /// The state a fresh world starts with.
    pub fn load(world: &ProjectWorld) -> ProjectState {
        let state = ProjectState::default();
        state.add_world(world);
        state
    }

    /// Adds the plugins, users and spaces of `world` to the running state
    /// (`POST /__mock/world`); a space with a known `project_key` is replaced.
    pub fn add_world(&self, p: &ProjectWorld) {
        for pl in &p.plugins {
            self.plugins
                .insert(pl.plugin_id.clone(), pl.plugin_secret.clone());
            self.plugin_spaces
                .insert(pl.plugin_id.clone(), pl.spaces.clone());
        }
        for u in &p.users {
            self.users.insert(u.user_key.clone(), ());
        }
        let mut spaces = self.spaces.write().unwrap_or_else(|e| e.into_inner());
        for space in &p.spaces {
            spaces.retain(|s| s.project_key != space.project_key);
            spaces.push(space.clone());
        }
    }

    /// Adds a work item to the space `project_key` (`--loose` creates unknown work items).
    pub fn add_work_item(&self, project_key: &str, item: WorkItem) {
        let mut spaces = self.spaces.write().unwrap_or_else(|e| e.into_inner());
        if let Some(space) = spaces.iter_mut().find(|s| s.project_key == project_key) {
            space.work_items.push(item);
        }
    }

    /// The space whose `project_key` or `simple_name` is `key`.
    pub fn space(&self, key: &str) -> Option<Space> {
        let spaces = self.spaces.read().unwrap_or_else(|e| e.into_inner());
        spaces
            .iter()
            .find(|s| s.project_key == key)
            .or_else(|| {
                spaces
                    .iter()
                    .find(|s| !s.simple_name.is_empty() && s.simple_name == key)
            })
            .cloned()
    }

    /// Whether any space of the world holds a work item `id`.
    pub fn work_item_anywhere(&self, id: &str) -> bool {
        let spaces = self.spaces.read().unwrap_or_else(|e| e.into_inner());
        spaces
            .iter()
            .any(|s| s.work_items.iter().any(|w| w.id == id))
    }

    /// The secret of plugin `plugin_id`.
    pub fn plugin_secret(&self, plugin_id: &str) -> Option<String> {
        self.plugins.get(plugin_id).map(|s| s.clone())
    }

    /// Whether `plugin_id` may use `space` (bound to it by project_key or simple_name, or bound
    /// to no space in particular).
    pub fn plugin_may_use(&self, plugin_id: &str, space: &Space) -> bool {
        self.plugin_spaces.get(plugin_id).is_none_or(|bound| {
            bound.is_empty()
                || bound.iter().any(|k| {
                    *k == space.project_key
                        || (!space.simple_name.is_empty() && *k == space.simple_name)
                })
        })
    }

    /// Whether `user_key` is a user of the world.
    pub fn has_user(&self, user_key: &str) -> bool {
        self.users.contains_key(user_key)
    }

    /// Issues a fresh plugin or virtual token for `plugin_id`, valid for
    /// [`PLUGIN_TOKEN_LIFETIME_SECS`] from `now_ms`.
    pub fn issue_token(&self, store: &Store, plugin_id: &str, kind: PluginTokenKind) -> String {
        self.issue(store, plugin_id, kind, None)
    }

    fn issue(
        &self,
        store: &Store,
        plugin_id: &str,
        kind: PluginTokenKind,
        user_key: Option<&str>,
    ) -> String {
        let prefix = match kind {
            PluginTokenKind::Plugin => "p-",
            PluginTokenKind::Virtual => "v-",
            PluginTokenKind::User => "u-",
        };
        let token = format!("{prefix}{}", store.with_ids(|ids| ids.uuid()));
        self.tokens.insert(
            token.clone(),
            PluginToken {
                plugin_id: plugin_id.to_string(),
                kind,
                user_key: user_key.map(str::to_string),
                expires_at_ms: store.now_ms() + PLUGIN_TOKEN_LIFETIME_SECS * 1000,
            },
        );
        // Expired tokens reclaimed, at most `--max-issued-tokens` kept (issue 12).
        crate::state::store::bound_issued_tokens(
            &self.tokens,
            store.now_ms(),
            store.options.max_issued_tokens,
            |t| Some(t.expires_at_ms),
        );
        token
    }

    /// Mints a single-use authorization code of `user_key` for `plugin_id`, valid for
    /// [`AUTH_CODE_LIFETIME_SECS`]. `Err` names what the world lacks.
    pub fn mint_auth_code(
        &self,
        store: &Store,
        plugin_id: &str,
        user_key: &str,
    ) -> Result<String, String> {
        if !self.plugins.contains_key(plugin_id) {
            return Err(format!(
                "plugin_id {plugin_id} is not a plugin of the world"
            ));
        }
        if !self.has_user(user_key) {
            return Err(format!("user_key {user_key} is not a user of the world"));
        }
        let code = store.with_ids(|ids| ids.uuid()).replace('-', "");
        self.codes.insert(
            code.clone(),
            UserGrant {
                plugin_id: plugin_id.to_string(),
                user_key: user_key.to_string(),
                expires_at_ms: store.now_ms() + AUTH_CODE_LIFETIME_SECS * 1000,
            },
        );
        crate::state::store::bound_issued_tokens(
            &self.codes,
            store.now_ms(),
            store.options.max_issued_tokens,
            |g| Some(g.expires_at_ms),
        );
        Ok(code)
    }

    /// Uses up authorization code `code` if it is live and was minted for `plugin_id`.
    pub fn take_auth_code(&self, code: &str, plugin_id: &str, now_ms: i64) -> Option<UserGrant> {
        take_grant(&self.codes, code, plugin_id, now_ms)
    }

    /// Uses up refresh token `refresh` if it is live and belongs to `plugin_id`.
    pub fn take_refresh_token(
        &self,
        refresh: &str,
        plugin_id: &str,
        now_ms: i64,
    ) -> Option<UserGrant> {
        take_grant(&self.refresh_tokens, refresh, plugin_id, now_ms)
    }

    /// Issues a user plugin token and its refresh token for `grant`'s user and plugin:
    /// `(token, refresh_token)`.
    pub fn issue_user_token(&self, store: &Store, grant: &UserGrant) -> (String, String) {
        let token = self.issue(
            store,
            &grant.plugin_id,
            PluginTokenKind::User,
            Some(&grant.user_key),
        );
        let refresh = format!("r-{}", store.with_ids(|ids| ids.uuid()));
        self.refresh_tokens.insert(
            refresh.clone(),
            UserGrant {
                expires_at_ms: store.now_ms() + REFRESH_TOKEN_LIFETIME_SECS * 1000,
                ..grant.clone()
            },
        );
        crate::state::store::bound_issued_tokens(
            &self.refresh_tokens,
            store.now_ms(),
            store.options.max_issued_tokens,
            |g| Some(g.expires_at_ms),
        );
        (token, refresh)
    }

    /// Plugin and virtual tokens held (issued and not yet reclaimed).
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// The token record if `token` was issued and has not expired at `now_ms`.
    pub fn live_token(&self, token: &str, now_ms: i64) -> Option<PluginToken> {
        self.tokens
            .get(token)
            .map(|t| t.clone())
            .filter(|t| t.expires_at_ms > now_ms)
    }

    /// Adds `file` (keyed by its `file_token`, the attachment's uuid) to `slot` unless the slot
    /// already holds [`MAX_ATTACHMENTS_PER_FIELD`]. The count check and the insert happen under
    /// one DashMap entry guard, held by no await, so concurrent uploads cannot pass the cap; a
    /// refused file is not stored. A file the store refuses (`--max-stored-bytes`) is
    /// [`AttachRefused::StoreFull`] and leaves the slot as it was.
    pub fn attach(
        &self,
        store: &Store,
        slot: FieldSlot,
        file: StoredFile,
    ) -> Result<(), AttachRefused> {
        let mut held = self.slots.entry(slot.clone()).or_default();
        if held.len() >= MAX_ATTACHMENTS_PER_FIELD {
            return Err(AttachRefused::FieldFull);
        }
        let token = file.file_token.clone();
        store.put_file(file).map_err(|_| AttachRefused::StoreFull)?;
        held.push(token.clone());
        self.attachments.insert(token, slot);
        Ok(())
    }

    /// How many attachments `slot` holds.
    pub fn attachment_count(&self, slot: &FieldSlot) -> usize {
        self.slots.get(slot).map(|v| v.len()).unwrap_or(0)
    }

    /// Every attachment field that has held an attachment, with the uuids it holds now (upload
    /// order; empty once all were deleted), sorted by project_key, work item id, field_key and
    /// compound index. The files themselves are the store's, under each uuid.
    pub fn fields(&self) -> Vec<(FieldSlot, Vec<String>)> {
        let mut fields: Vec<(FieldSlot, Vec<String>)> = self
            .slots
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect();
        fields.sort_by(|(a, _), (b, _)| {
            (&a.project_key, &a.work_item_id, &a.field_key, a.index).cmp(&(
                &b.project_key,
                &b.work_item_id,
                &b.field_key,
                b.index,
            ))
        });
        fields
    }

    /// The `work_item_type_key` of work item `work_item_id` in the space whose `project_key`
    /// is `project_key`, if the space holds it.
    pub fn work_item_type(&self, project_key: &str, work_item_id: &str) -> Option<String> {
        let spaces = self.spaces.read().unwrap_or_else(|e| e.into_inner());
        spaces
            .iter()
            .find(|s| s.project_key == project_key)
            .and_then(|s| s.work_items.iter().find(|w| w.id == work_item_id))
            .map(|w| w.work_item_type_key.clone())
    }

    /// Plugins of the world: `(plugin_id, spaces it is bound to)` sorted by plugin_id, an
    /// empty list meaning every space. Secrets are not handed out.
    pub fn plugins(&self) -> Vec<(String, Vec<String>)> {
        let mut plugins: Vec<(String, Vec<String>)> = self
            .plugins
            .iter()
            .map(|p| {
                let spaces = self
                    .plugin_spaces
                    .get(p.key())
                    .map(|s| s.clone())
                    .unwrap_or_default();
                (p.key().clone(), spaces)
            })
            .collect();
        plugins.sort();
        plugins
    }

    /// Plugin and virtual tokens live at `now_ms` (emulator clock, ms since the epoch) as
    /// `(token, record)`, soonest expiry first, ties by token text.
    pub fn live_tokens(&self, now_ms: i64) -> Vec<(String, PluginToken)> {
        let mut live: Vec<(String, PluginToken)> = self
            .tokens
            .iter()
            .filter(|t| t.expires_at_ms > now_ms)
            .map(|t| (t.key().clone(), t.value().clone()))
            .collect();
        live.sort_by(|(a, ta), (b, tb)| (ta.expires_at_ms, a).cmp(&(tb.expires_at_ms, b)));
        live
    }

    /// The slot that holds attachment `uuid`.
    pub fn slot_of(&self, uuid: &str) -> Option<FieldSlot> {
        self.attachments.get(uuid).map(|s| s.clone())
    }

    /// Deletes the attachments `uuids` of the field `field_key` of work item `work_item_id` in
    /// space `project_key` (any compound element), all or nothing: `Err` names the first uuid
    /// that field does not hold, and then nothing is deleted. Their bytes leave the store.
    pub fn detach(
        &self,
        store: &Store,
        project_key: &str,
        work_item_id: &str,
        field_key: &str,
        uuids: &[String],
    ) -> Result<(), String> {
        let held = |slot: &FieldSlot| {
            slot.project_key == project_key
                && slot.work_item_id == work_item_id
                && slot.field_key == field_key
        };
        if let Some(missing) = uuids
            .iter()
            .find(|u| !self.slot_of(u).is_some_and(|s| held(&s)))
        {
            return Err(missing.clone());
        }
        for uuid in uuids {
            if let Some((_, slot)) = self.attachments.remove(uuid) {
                if let Some(mut list) = self.slots.get_mut(&slot) {
                    list.retain(|u| u != uuid);
                }
                store.remove_file(uuid);
            }
        }
        Ok(())
    }

    /// Claims the `X-IDEM-UUID` of a write: `None` when the same token already made a
    /// successful call of `endpoint` with `key` in the last [`IDEM_WINDOW_MS`].
    pub fn claim_idem(
        &self,
        token: &str,
        endpoint: &str,
        key: &str,
        now_ms: i64,
    ) -> Option<IdemClaim> {
        let k = (token.to_string(), endpoint.to_string(), key.to_string());
        match self.idem.entry(k.clone()) {
            dashmap::mapref::entry::Entry::Occupied(mut e) => {
                if now_ms - *e.get() < IDEM_WINDOW_MS {
                    return None;
                }
                e.insert(now_ms);
            }
            dashmap::mapref::entry::Entry::Vacant(e) => {
                e.insert(now_ms);
            }
        }
        Some(IdemClaim(Some(k)))
    }

    /// Forgets a claim whose write failed, so that a retry with the same key runs.
    pub fn release_idem(&self, claim: IdemClaim) {
        if let Some(k) = claim.0 {
            self.idem.remove(&k);
        }
    }
}

/// Removes and returns the grant `key` of `table` when it is live at `now_ms` and belongs to
/// `plugin_id`; a grant of another plugin stays.
fn take_grant(
    table: &DashMap<String, UserGrant>,
    key: &str,
    plugin_id: &str,
    now_ms: i64,
) -> Option<UserGrant> {
    table
        .remove_if(key, |_, g| g.plugin_id == plugin_id)
        .map(|(_, g)| g)
        .filter(|g| g.expires_at_ms > now_ms)
}
