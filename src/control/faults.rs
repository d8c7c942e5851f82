//! Errors on demand: the `X-Mock-Error-Code` header and fault rules (`/__mock/faults`).
//!
//! A fault rule matches requests by endpoint spec name (and optionally `app_id`) and then
//! answers one of the endpoint's documented errors (`error_code`), adds a delay (`delay_ms`,
//! combinable with the others), or resets the connection (`reset_connection`). It fires on a
//! matching request with probability `probability` (default 1, drawn from a generator seeded by
//! `--seed`) and at most `times` times (default: no limit).

use crate::contract::spec::Catalogue;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Request header that forces one documented error code.
pub const FORCE_ERROR_HEADER: &str = "x-mock-error-code";

/// A fault rule as posted to and listed by `/__mock/faults`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Assigned by the emulator.
    #[serde(default)]
    pub id: u64,
    /// Endpoint spec name, e.g. `drive.media.upload_all`.
    pub endpoint: String,
    /// Only requests of this app (open-platform endpoints).
    #[serde(default)]
    pub app_id: Option<String>,
    /// Answer this documented code of the endpoint.
    #[serde(default)]
    pub error_code: Option<i64>,
    /// Wait this many ms first.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Close the connection without an answer.
    #[serde(default)]
    pub reset_connection: bool,
    /// Fire at most this many times.
    #[serde(default)]
    pub times: Option<u64>,
    /// Fire on a matching request with this probability, in [0, 1].
    #[serde(default)]
    pub probability: Option<f64>,
    /// How many times it has fired.
    #[serde(default)]
    pub fired: u64,
}

/// What a fired rule asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultAction {
    /// Answer this code.
    pub error_code: Option<i64>,
    /// Wait first, in ms.
    pub delay_ms: Option<u64>,
    /// Close the connection.
    pub reset_connection: bool,
}

/// Why a forced code or a rule is refused by the control plane.
#[derive(Debug, Clone, PartialEq)]
pub struct NotDocumented {
    /// What is wrong.
    pub message: String,
    /// The codes the endpoint documents, when the endpoint is known.
    pub documented_codes: Vec<i64>,
}

/// The codes `endpoint` documents, or `None` for an unknown endpoint.
pub fn documented_codes(endpoint: &str) -> Option<Vec<i64>> {
    Catalogue::get()
        .endpoints
        .iter()
        .find(|e| e.name == endpoint)
        .map(|e| e.errors.iter().map(|r| r.code).collect())
}

/// Checks that `code` is documented by `endpoint`.
pub fn check_documented(endpoint: &str, code: i64) -> Result<(), NotDocumented> {
    let codes = documented_codes(endpoint).ok_or_else(|| NotDocumented {
        message: format!("unknown endpoint {endpoint}"),
        documented_codes: vec![],
    })?;
    if codes.contains(&code) {
        Ok(())
    } else {
        Err(NotDocumented {
            message: format!("{endpoint} does not document code {code}"),
            documented_codes: codes,
        })
    }
}

/// The rule set.
#[derive(Debug)]
pub struct Faults {
    rules: Mutex<(u64, Vec<FaultRule>)>,
    rng: Mutex<StdRng>,
}

impl Faults {
    /// An empty rule set whose probabilities draw from `seed` (or the OS).
    pub fn new(seed: Option<u64>) -> Faults {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s ^ 0xFA17_5EED),
            None => StdRng::from_entropy(),
        };
        Faults {
            rules: Mutex::new((0, Vec::new())),
            rng: Mutex::new(rng),
        }
    }

    /// Adds `rule` after checking it names a known endpoint, a documented code, a probability in
    /// [0, 1] and at least one action.
    pub fn add(&self, mut rule: FaultRule) -> Result<FaultRule, NotDocumented> {
        if let Some(code) = rule.error_code {
            check_documented(&rule.endpoint, code)?;
        } else if documented_codes(&rule.endpoint).is_none() {
            return Err(NotDocumented {
                message: format!("unknown endpoint {}", rule.endpoint),
                documented_codes: vec![],
            });
        }
        if rule.error_code.is_none() && rule.delay_ms.is_none() && !rule.reset_connection {
            return Err(NotDocumented {
                message: "a rule needs error_code, delay_ms or reset_connection".into(),
                documented_codes: vec![],
            });
        }
        if let Some(p) = rule.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(NotDocumented {
                    message: "probability must be within [0, 1]".into(),
                    documented_codes: vec![],
                });
            }
        }
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.0 += 1;
        rule.id = rules.0;
        rule.fired = 0;
        rules.1.push(rule.clone());
        Ok(rule)
    }

    /// The rules, in the order they were added.
    pub fn list(&self) -> Vec<FaultRule> {
        self.rules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clear();
    }

    /// The action of the first rule that matches and fires for this request, if any.
    pub fn fire(&self, endpoint: &str, app_id: Option<&str>) -> Option<FaultAction> {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        for rule in rules.1.iter_mut() {
            if rule.endpoint != endpoint {
                continue;
            }
            if rule.app_id.is_some() && rule.app_id.as_deref() != app_id {
                continue;
            }
            if rule.times.is_some_and(|t| rule.fired >= t) {
                continue;
            }
            if let Some(p) = rule.probability {
                let roll: f64 = self.rng.lock().unwrap_or_else(|p| p.into_inner()).gen();
                if roll >= p {
                    continue;
                }
            }
            rule.fired += 1;
            return Some(FaultAction {
                error_code: rule.error_code,
                delay_ms: rule.delay_ms,
                reset_connection: rule.reset_connection,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(times: Option<u64>, probability: Option<f64>) -> FaultRule {
        FaultRule {
            id: 0,
            endpoint: "drive.media.upload_all".into(),
            app_id: None,
            error_code: Some(1061045),
            delay_ms: None,
            reset_connection: false,
            times,
            probability,
            fired: 0,
        }
    }

    #[test]
    fn a_rule_with_times_n_fires_exactly_n_times() {
        let f = Faults::new(Some(1));
        f.add(rule(Some(2), None)).unwrap();
        let fired = (0..5)
            .filter(|_| f.fire("drive.media.upload_all", None).is_some())
            .count();
        assert_eq!(fired, 2);
    }

    #[test]
    fn probability_draws_repeat_under_the_same_seed() {
        let run = || {
            let f = Faults::new(Some(9));
            f.add(rule(None, Some(0.5))).unwrap();
            (0..32)
                .map(|_| f.fire("drive.media.upload_all", None).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }

    #[test]
    fn an_undocumented_code_is_refused_with_the_documented_list() {
        let f = Faults::new(None);
        let mut r = rule(None, None);
        r.error_code = Some(1470400);
        let err = f.add(r).unwrap_err();
        assert!(err.documented_codes.contains(&1061045));
    }
}
