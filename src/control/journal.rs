//! The request journal behind `GET /__mock/requests`: one entry per request, oldest first,
//! capped at `--journal-limit` entries (default 1000) so memory stays bounded. Uploads are
//! described part by part (name, filename, size, sha256, content type) — never their bytes.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

pub use crate::state::store::DEFAULT_JOURNAL_LIMIT;

/// One multipart part as it arrived.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PartRecord {
    /// Field name.
    pub name: String,
    /// Filename, if the part had one.
    pub filename: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Content-Type, if the part had one.
    pub content_type: Option<String>,
}

/// One request.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JournalEntry {
    /// Emulator time when the request arrived, ms since the epoch.
    pub time_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Endpoint spec name (`drive.media.upload_all`, …), `auth.*`, `admin` or `not_found`;
    /// `http_refusal` for a head refused at the HTTP layer whose route is no endpoint's.
    pub endpoint: String,
    /// `app:<app_id>`, `user:<open_id>`, `plugin:<plugin_id>` or none.
    pub caller: Option<String>,
    /// HTTP status answered.
    pub status: u16,
    /// Feishu code answered (0 on success; none for downloads and 404s).
    pub code: Option<i64>,
    /// The response's `X-Tt-Logid`.
    pub log_id: String,
    /// File parts of an upload, in arrival order.
    pub parts: Vec<PartRecord>,
    /// The `X-Mock-*` headers the answer carried (e.g. `X-Mock-Attachment-Uuid`, the uuid of a
    /// Feishu Project attachment, which the platform's own answer does not name).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub mock_headers: std::collections::BTreeMap<String, String>,
}

/// A capped journal.
#[derive(Debug)]
pub struct Journal {
    limit: usize,
    /// Entries with their sequence number (1, 2, … in push order; the page cursor).
    entries: Mutex<(u64, VecDeque<(u64, JournalEntry)>)>,
}

impl Journal {
    /// A journal keeping at most `limit` entries (0 keeps none).
    pub fn new(limit: usize) -> Journal {
        Journal {
            limit,
            entries: Mutex::new((0, VecDeque::new())),
        }
    }

    /// Whether entries are kept at all (file parts are hashed only then).
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    /// Appends `entry`, dropping the oldest beyond the limit. The inspector's own page loads
    /// (`/__mock/ui…`) are not kept: watching the journal must not push out what it shows.
    pub fn push(&self, entry: JournalEntry) {
        if self.limit == 0 || crate::control::routes::is_ui_path(&entry.path) {
            return;
        }
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (seq, entries) = &mut *guard;
        while entries.len() >= self.limit {
            entries.pop_front();
        }
        *seq += 1;
        entries.push_back((*seq, entry));
    }

    /// Entries oldest first, filtered by endpoint name and code when given.
    pub fn list(&self, endpoint: Option<&str>, code: Option<i64>) -> Vec<JournalEntry> {
        self.page(endpoint, code, 0, usize::MAX).0
    }

    /// At most `limit` entries matching `endpoint` and `code`, oldest first, among those pushed
    /// after sequence number `after` (0: from the oldest kept); with the sequence number of the
    /// last one returned when more match (the next page's cursor).
    pub fn page(
        &self,
        endpoint: Option<&str>,
        code: Option<i64>,
        after: u64,
        limit: usize,
    ) -> (Vec<JournalEntry>, Option<u64>) {
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entries = &guard.1;
        let start = entries.partition_point(|(seq, _)| *seq <= after);
        let mut matching = entries
            .range(start..)
            .filter(|(_, e)| endpoint.is_none_or(|want| e.endpoint == want))
            .filter(|(_, e)| code.is_none_or(|want| e.code == Some(want)));
        let mut page = Vec::new();
        let mut last = after;
        for (seq, e) in matching.by_ref().take(limit) {
            page.push(e.clone());
            last = *seq;
        }
        let more = matching.next().is_some();
        (page, more.then_some(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: i64) -> JournalEntry {
        JournalEntry {
            time_ms: n,
            method: "POST".into(),
            path: "/".into(),
            endpoint: "x".into(),
            caller: None,
            status: 200,
            code: Some(n),
            log_id: String::new(),
            parts: vec![],
            mock_headers: Default::default(),
        }
    }

    #[test]
    fn journal_keeps_only_the_newest_limit_entries_oldest_first() {
        let j = Journal::new(3);
        for n in 0..5 {
            j.push(entry(n));
        }
        let codes: Vec<_> = j.list(None, None).iter().map(|e| e.time_ms).collect();
        assert_eq!(codes, [2, 3, 4]);
        assert_eq!(j.list(None, Some(3)).len(), 1);
    }
}
