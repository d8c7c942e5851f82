//! Frequency limits per app and endpoint (FEISHU_FACTS §2: OKR 100/min, Task 10/s, Drive
//! upload_all 5/s and 10 000/day), in fixed windows of the emulator clock. A request over the
//! limit gets HTTP 429, code 99991400, `x-ogw-ratelimit-limit` (the quota) and
//! `x-ogw-ratelimit-reset` (seconds until the window ends). Refused requests do not count.
//! `--no-rate-limits` turns them off.

use crate::contract::error::ApiError;
use crate::contract::spec::QuotaSpec;
use dashmap::DashMap;

/// Code for a request over the frequency limit.
pub const FREQUENCY_LIMIT: i64 = 99991400;

/// Counters per (app, endpoint): for each window length, the window index and its count.
#[derive(Debug, Default)]
pub struct Quota {
    counters: DashMap<(String, String), Vec<Window>>,
}

/// What one app has used of one endpoint's quota at an instant: for each window the endpoint
/// limits, the requests counted in the window holding that instant (0 when the window counted
/// none yet); `None` for a window the endpoint has no limit for. Windows are fixed: the
/// current second, minute and UTC day of the emulator clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaUse {
    /// The app the requests were counted for (`cli_…`).
    pub app_id: String,
    /// The endpoint spec name (`drive.media.upload_all`).
    pub endpoint: String,
    /// Requests counted this second, against `QuotaSpec::per_second`.
    pub this_second: Option<u32>,
    /// Requests counted this minute, against `QuotaSpec::per_minute`.
    pub this_minute: Option<u32>,
    /// Requests counted this UTC day, against `QuotaSpec::per_day`.
    pub today: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    length_ms: i64,
    index: i64,
    count: u32,
}

impl Quota {
    /// Counts a request of `app_id` to `endpoint` at `now_ms` against `quota`, or refuses it
    /// with 99991400 when any window is full. All windows are checked before any is counted, so
    /// a refused request counts nowhere.
    pub fn check(
        &self,
        app_id: &str,
        endpoint: &str,
        quota: &QuotaSpec,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let limits: Vec<(i64, u32)> = [
            (1_000, quota.per_second),
            (60_000, quota.per_minute),
            (86_400_000, quota.per_day),
        ]
        .into_iter()
        .filter_map(|(ms, limit)| limit.map(|l| (ms, l)))
        .collect();
        if limits.is_empty() {
            return Ok(());
        }
        // One guard for all windows of this (app, endpoint): never two guards at once.
        let mut windows = self
            .counters
            .entry((app_id.to_string(), endpoint.to_string()))
            .or_insert_with(|| {
                limits
                    .iter()
                    .map(|(ms, _)| Window {
                        length_ms: *ms,
                        index: i64::MIN,
                        count: 0,
                    })
                    .collect()
            });
        for (w, (_, limit)) in windows.iter_mut().zip(&limits) {
            let index = now_ms.div_euclid(w.length_ms);
            if w.index != index {
                *w = Window {
                    length_ms: w.length_ms,
                    index,
                    count: 0,
                };
            }
            if w.count >= *limit {
                let reset_secs = ((index + 1) * w.length_ms - now_ms + 999) / 1000;
                let mut err = ApiError::new(FREQUENCY_LIMIT);
                err.headers = vec![
                    ("x-ogw-ratelimit-limit".into(), limit.to_string()),
                    (
                        "x-ogw-ratelimit-reset".into(),
                        reset_secs.max(1).to_string(),
                    ),
                ];
                return Err(err);
            }
        }
        for w in windows.iter_mut() {
            w.count += 1;
        }
        Ok(())
    }

    /// What each (app, endpoint) that has been counted uses at `now_ms` (emulator clock, ms
    /// since the epoch), sorted by app then endpoint. Read-only: no window is moved on.
    pub fn usage(&self, now_ms: i64) -> Vec<QuotaUse> {
        let mut out: Vec<QuotaUse> = self
            .counters
            .iter()
            .map(|e| {
                let (app_id, endpoint) = e.key();
                let count_of = |length_ms: i64| {
                    e.value()
                        .iter()
                        .find(|w| w.length_ms == length_ms)
                        .map(|w| {
                            if w.index == now_ms.div_euclid(length_ms) {
                                w.count
                            } else {
                                0
                            }
                        })
                };
                QuotaUse {
                    app_id: app_id.clone(),
                    endpoint: endpoint.clone(),
                    this_second: count_of(1_000),
                    this_minute: count_of(60_000),
                    today: count_of(86_400_000),
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.app_id, &a.endpoint).cmp(&(&b.app_id, &b.endpoint)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn five_a_second_and_10_000_a_day() -> QuotaSpec {
        QuotaSpec {
            per_second: Some(5),
            per_minute: None,
            per_day: Some(10_000),
        }
    }

    #[test]
    fn the_sixth_request_in_one_second_is_refused_and_the_next_second_is_fresh() {
        let q = Quota::default();
        let spec = five_a_second_and_10_000_a_day();
        for _ in 0..5 {
            assert!(q.check("a", "e", &spec, 10_000).is_ok());
        }
        let err = q.check("a", "e", &spec, 10_999).unwrap_err();
        assert_eq!(err.code, FREQUENCY_LIMIT);
        assert!(q.check("b", "e", &spec, 10_999).is_ok(), "per app");
        assert!(q.check("a", "e", &spec, 11_000).is_ok());
    }

    #[test]
    fn usage_counts_the_windows_holding_the_instant_and_nothing_refused() {
        let q = Quota::default();
        let spec = five_a_second_and_10_000_a_day();
        assert_eq!(q.usage(0), []);
        for _ in 0..5 {
            assert!(q.check("a", "e", &spec, 10_000).is_ok());
        }
        assert!(
            q.check("a", "e", &spec, 10_500).is_err(),
            "refused: not counted"
        );
        let at = |now| {
            let u = q.usage(now);
            assert_eq!(u.len(), 1);
            assert_eq!((u[0].app_id.as_str(), u[0].endpoint.as_str()), ("a", "e"));
            assert_eq!(u[0].this_minute, None, "no per-minute limit");
            (u[0].this_second, u[0].today)
        };
        assert_eq!(at(10_999), (Some(5), Some(5)));
        assert_eq!(at(11_000), (Some(0), Some(5)), "a fresh second");
        assert_eq!(at(86_400_000), (Some(0), Some(0)), "a fresh UTC day");
        assert!(q.check("a", "e", &spec, 11_000).is_ok());
        assert_eq!(at(11_000), (Some(1), Some(6)));
    }
}
