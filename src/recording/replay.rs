//! The recorded answers `serve --replay DIR` gives to routes the emulator does not emulate.
//!
//! A request is matched on method, route and query (pairs compared as a sorted list). Where
//! several recorded exchanges share them, the request's JSON body picks those recorded with
//! the same body when there are any; among the candidates, answers are taken in recorded order,
//! the last one repeating once all have been given. Exchanges the upstream never answered
//! (`upstream_error`) and answers whose bytes the recording does not hold whole are never
//! replayed.

use super::{Exchange, Recording};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// One answer to give again.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayAnswer {
    /// The recorded HTTP status.
    pub status: u16,
    /// The recorded `Content-Type`, when there was one.
    pub content_type: Option<String>,
    /// The recorded `Content-Disposition`, when there was one.
    pub content_disposition: Option<String>,
    /// The recorded body.
    pub body: Vec<u8>,
    /// `seq` of the exchange answered from.
    pub seq: u64,
    /// The Feishu code of the body (`code` or `err_code`), when it has one.
    pub code: Option<i64>,
}

/// A candidate: the recorded request body (JSON) and the answer.
#[derive(Debug)]
struct Candidate {
    body: Option<Value>,
    answer: ReplayAnswer,
}

/// Recorded answers by (method, route, sorted query), with a cursor per key.
#[derive(Debug, Default)]
pub struct ReplayStore {
    by_key: HashMap<Key, Vec<Candidate>>,
    /// Per key and per body group: answers given so far.
    given: Mutex<HashMap<(Key, Option<String>), usize>>,
    /// Exchanges kept.
    len: usize,
}

type Key = (String, String, Vec<(String, String)>);

fn key(method: &str, route: &str, query: &[(String, String)]) -> Key {
    let mut query = query.to_vec();
    query.sort();
    (method.to_ascii_uppercase(), route.to_string(), query)
}

impl ReplayStore {
    /// The answers of `recording` that `keep` accepts (the caller passes "is this a route the
    /// emulator does not emulate?": emulated routes are never answered from a recording).
    pub fn new(recording: &Recording, keep: impl Fn(&Exchange) -> bool) -> ReplayStore {
        let mut store = ReplayStore::default();
        for ex in &recording.exchanges {
            if ex.upstream_error.is_some() || !keep(ex) {
                continue;
            }
            let Some(body) = ex.response.body.replayable_bytes() else {
                continue;
            };
            let code = ex.response.body.json().and_then(|j| {
                j.get("code")
                    .or_else(|| j.get("err_code"))
                    .and_then(Value::as_i64)
            });
            let answer = ReplayAnswer {
                status: ex.response.status,
                content_type: ex.response.headers.get("content-type").cloned(),
                content_disposition: ex.response.headers.get("content-disposition").cloned(),
                body,
                seq: ex.seq,
                code,
            };
            let k = key(&ex.request.method, &ex.request.route, &ex.request.query);
            store.by_key.entry(k).or_default().push(Candidate {
                body: ex.request.body.json().cloned(),
                answer,
            });
            store.len += 1;
        }
        store
    }

    /// How many recorded answers the store holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the store holds no answer.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Starts over: every key answers from its first recorded exchange again
    /// (`POST /__mock/reset`).
    pub fn rewind(&self) {
        self.given.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Whether the store holds an answer for this method, route and query.
    pub fn has(&self, method: &str, route: &str, query: &[(String, String)]) -> bool {
        self.by_key.contains_key(&key(method, route, query))
    }

    /// Whether several recorded answers share this method, route and query, so that the
    /// request's JSON body takes part in the match (read it only then).
    pub fn needs_body(&self, method: &str, route: &str, query: &[(String, String)]) -> bool {
        self.by_key
            .get(&key(method, route, query))
            .is_some_and(|c| c.len() > 1)
    }

    /// The recorded answer for this request, if any (see the module's rules).
    pub fn lookup(
        &self,
        method: &str,
        route: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Option<ReplayAnswer> {
        let k = key(method, route, query);
        let candidates = self.by_key.get(&k)?;
        let same_body: Vec<&Candidate> = match body {
            Some(b) if candidates.len() > 1 => candidates
                .iter()
                .filter(|c| c.body.as_ref() == Some(b))
                .collect(),
            _ => Vec::new(),
        };
        let (group, pool): (Option<String>, Vec<&Candidate>) = if same_body.is_empty() {
            (None, candidates.iter().collect())
        } else {
            (body.map(Value::to_string), same_body)
        };
        let mut given = self.given.lock().unwrap_or_else(|p| p.into_inner());
        let n = given.entry((k, group)).or_insert(0);
        let pick = pool.get(*n).or_else(|| pool.last())?;
        *n += 1;
        Some(pick.answer.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::{Body, Manifest, RecordedRequest, RecordedResponse};
    use serde_json::json;

    fn exchange(seq: u64, body: Value, answer: Value) -> Exchange {
        Exchange {
            version: 1,
            seq,
            started_at: String::new(),
            duration_ms: 0,
            upstream: String::new(),
            request: RecordedRequest {
                method: "POST".into(),
                route: "/open-apis/im/v1/messages".into(),
                query: vec![("receive_id_type".into(), "open_id".into())],
                headers: Default::default(),
                body: Body::Json { json: body },
            },
            response: RecordedResponse {
                status: 200,
                headers: Default::default(),
                body: Body::Json { json: answer },
            },
            upstream_error: None,
        }
    }

    fn recording(exchanges: Vec<Exchange>) -> Recording {
        Recording {
            manifest: Manifest {
                format: super::super::FORMAT.into(),
                version: 1,
                created_at: String::new(),
                open_upstream: String::new(),
                project_upstream: String::new(),
                keep_bytes: 0,
            },
            files: vec![],
            exchanges,
        }
    }

    #[test]
    fn answers_share_a_key_by_body_then_in_order_the_last_repeating() {
        let rec = recording(vec![
            exchange(1, json!({"a": 1}), json!({"code": 0, "n": 1})),
            exchange(2, json!({"a": 2}), json!({"code": 0, "n": 2})),
            exchange(3, json!({"a": 1}), json!({"code": 0, "n": 3})),
        ]);
        let store = ReplayStore::new(&rec, |_| true);
        let q = vec![("receive_id_type".to_string(), "open_id".to_string())];
        let route = "/open-apis/im/v1/messages";
        assert!(store.needs_body("POST", route, &q));
        let seq = |b: Value| store.lookup("POST", route, &q, Some(&b)).map(|a| a.seq);
        assert_eq!(seq(json!({"a": 1})), Some(1));
        assert_eq!(seq(json!({"a": 1})), Some(3));
        assert_eq!(seq(json!({"a": 1})), Some(3));
        assert_eq!(seq(json!({"a": 2})), Some(2));
        // No recorded body matches: all candidates, in order.
        assert_eq!(seq(json!({"a": 9})), Some(1));
        store.rewind();
        assert_eq!(seq(json!({"a": 1})), Some(1));
        assert_eq!(store.lookup("GET", route, &q, None), None);
        assert_eq!(store.lookup("POST", route, &[], None), None);
    }

    #[test]
    fn unanswered_and_unkept_exchanges_are_never_replayed() {
        let mut failed = exchange(1, json!({}), json!({}));
        failed.upstream_error = Some("refused".into());
        let store = ReplayStore::new(&recording(vec![failed]), |_| true);
        assert!(store.is_empty());
        let kept = exchange(2, json!({}), json!({}));
        assert!(ReplayStore::new(&recording(vec![kept]), |_| false).is_empty());
    }
}
