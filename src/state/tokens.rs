//! Issued tokens: their kinds, their lifetime (FEISHU_FACTS §1), and the bound every table of
//! issued tokens keeps (expired ones swept, the nearest to expiry forgotten past the cap).

use dashmap::DashMap;

/// Lifetime of a freshly minted tenant or app token, in seconds (FEISHU_FACTS §1: `expire` 7200).
pub const TOKEN_LIFETIME_SECS: i64 = 7200;
/// A token is handed out again while at least this many seconds remain (FEISHU_FACTS §1: 30 min).
pub const TOKEN_REUSE_MIN_REMAINING_SECS: i64 = 1800;

/// What kind of credential a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `tenant_access_token` (for self-built apps also the `app_access_token`).
    Tenant,
    /// `user_access_token`.
    User,
}

/// An issued open-platform token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The token text.
    pub token: String,
    /// Tenant, app or user token.
    pub kind: TokenKind,
    /// The app it belongs to.
    pub app_id: String,
    /// For user tokens, the user's open_id.
    pub open_id: Option<String>,
    /// Expiry in ms since the epoch (emulator clock); `None` never expires.
    pub expires_at_ms: Option<i64>,
}

/// An issued token table is swept of expired tokens each time its size reaches a multiple of
/// this (and whenever it passes its cap), so that a sweep costs O(1) per issue on average.
pub const TOKEN_SWEEP_EVERY: usize = 1024;

/// Keeps a table of issued tokens bounded after an insert: drops every token expired at
/// `now_ms` when the table's size reaches a multiple of [`TOKEN_SWEEP_EVERY`] or passes `cap`;
/// if it is still past `cap`, forgets the tokens closest to expiry until it holds 90 % of `cap`
/// (eviction in bulk keeps the cost per issue low under a flood). Entries whose `expiry` is
/// `None` (the world's pre-issued tokens) are never dropped. Returns how many were forgotten
/// before their expiry.
pub fn bound_issued_tokens<V>(
    table: &DashMap<String, V>,
    now_ms: i64,
    cap: usize,
    expiry: impl Fn(&V) -> Option<i64>,
) -> usize {
    let cap = cap.max(1);
    let len = table.len();
    if !len.is_multiple_of(TOKEN_SWEEP_EVERY) && len <= cap {
        return 0;
    }
    table.retain(|_, v| expiry(v).is_none_or(|e| e > now_ms));
    if table.len() <= cap {
        return 0;
    }
    let mut expiring: Vec<(i64, String)> = table
        .iter()
        .filter_map(|e| expiry(e.value()).map(|x| (x, e.key().clone())))
        .collect();
    let excess = (table.len() - (cap - cap / 10)).min(expiring.len());
    if excess == 0 {
        return 0;
    }
    expiring.select_nth_unstable(excess - 1);
    for (_, token) in &expiring[..excess] {
        table.remove(token);
    }
    excess
}
