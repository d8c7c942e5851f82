//! Secrets out of a recording: every secret the proxy sees is given a stable placeholder
//! ([`crate::recording::placeholder`]) and replaced wherever it appears in an exchange before
//! the exchange is written.
//!
//! A secret is the value of a member named in [`SECRET_KEYS`] (request and answer bodies, form
//! text parts, query pairs), the token of an `Authorization: Bearer …` header and the value of
//! `X-PLUGIN-TOKEN`. Once known, a secret is replaced in every string of every later exchange
//! (a token that a client echoed into a URL, say), not only where it was first seen.

use crate::recording::{is_placeholder, placeholder, Body, Exchange, Part, SECRET_KEYS};
use serde_json::Value;
use std::collections::HashMap;

/// Shortest value treated as a secret, in bytes: shorter values (an empty secret, `0`) would
/// replace innocent text.
pub const MIN_SECRET_LEN: usize = 4;

/// The secrets of one recording and their placeholders.
#[derive(Debug, Default)]
pub struct Redactor {
    placeholders: HashMap<String, String>,
}

impl Redactor {
    /// The placeholder of `secret`, given one now if it is new.
    pub fn placeholder(&mut self, secret: &str) -> String {
        if let Some(p) = self.placeholders.get(secret) {
            return p.clone();
        }
        let p = placeholder(secret, self.placeholders.len() + 1);
        self.placeholders.insert(secret.to_string(), p.clone());
        p
    }

    /// Replaces every secret of `exchange` by its placeholder.
    pub fn redact(&mut self, exchange: &mut Exchange) {
        // Learn first: the secrets this exchange names.
        let headers = &mut exchange.request.headers;
        if let Some(auth) = headers.get("authorization").cloned() {
            let redacted = match auth.strip_prefix("Bearer ") {
                Some(token) if !token.trim().is_empty() => {
                    format!("Bearer {}", self.learn(token.trim()))
                }
                _ => auth.clone(),
            };
            headers.insert("authorization".into(), redacted);
        }
        if let Some(token) = headers.get("x-plugin-token").cloned() {
            let redacted = self.learn(token.trim());
            headers.insert("x-plugin-token".into(), redacted);
        }
        for (k, v) in exchange.request.query.iter_mut() {
            if SECRET_KEYS.contains(&k.as_str()) {
                *v = self.learn(v);
            }
        }
        self.learn_body(&mut exchange.request.body);
        self.learn_body(&mut exchange.response.body);
        // Then replace every known secret wherever it appears.
        let mut all = serde_json::to_value(&*exchange).unwrap_or(Value::Null);
        self.replace_known(&mut all);
        if let Ok(clean) = serde_json::from_value(all) {
            *exchange = clean;
        }
    }

    /// The placeholder for a secret of at least [`MIN_SECRET_LEN`] bytes; a shorter value, or
    /// one that is already a placeholder, is kept as it is.
    fn learn(&mut self, value: &str) -> String {
        if value.len() < MIN_SECRET_LEN || is_placeholder(value) {
            return value.to_string();
        }
        self.placeholder(value)
    }

    fn learn_body(&mut self, body: &mut Body) {
        match body {
            Body::Json { json } => self.learn_json(json),
            Body::Form { parts } => {
                for part in parts {
                    if let Part::Text { name, value } = part {
                        if SECRET_KEYS.contains(&name.as_str()) {
                            *value = self.learn(value);
                        }
                    }
                }
            }
            Body::Text { text } => {
                // A body of `key=value&…` pairs (a form-urlencoded token request): its secret
                // values are learnt, and replaced below wherever they stand.
                for pair in text.split('&') {
                    let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
                    let decoded = |raw: &str| {
                        form_urlencoded::parse(format!("x={raw}").as_bytes())
                            .next()
                            .map(|(_, v)| v.into_owned())
                            .unwrap_or_default()
                    };
                    if SECRET_KEYS.contains(&decoded(raw_key).as_str()) {
                        // Both as sent and decoded, whichever the text holds.
                        self.learn(raw_value);
                        self.learn(&decoded(raw_value));
                    }
                }
            }
            _ => {}
        }
    }

    fn learn_json(&mut self, json: &mut Value) {
        match json {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    match v {
                        Value::String(s) if SECRET_KEYS.contains(&k.as_str()) => {
                            *s = self.learn(s);
                        }
                        _ => self.learn_json(v),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.learn_json(v)),
            _ => {}
        }
    }

    /// Replaces every known secret inside every string (and object key) of `value`.
    fn replace_known(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                for (secret, p) in &self.placeholders {
                    if s.contains(secret.as_str()) {
                        *s = s.replace(secret.as_str(), p);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.replace_known(v)),
            Value::Object(map) => {
                // Rebuilt in order: members keep the place they had.
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    let mut clean_key = k;
                    for (secret, p) in &self.placeholders {
                        if clean_key.contains(secret.as_str()) {
                            clean_key = clean_key.replace(secret.as_str(), p);
                        }
                    }
                    self.replace_known(&mut v);
                    map.insert(clean_key, v);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::{RecordedRequest, RecordedResponse};
    use serde_json::json;

    #[test]
    fn a_token_answered_then_used_gets_one_placeholder_and_never_appears() {
        let mut r = Redactor::default();
        let mut token_call = Exchange {
            version: 1,
            seq: 1,
            started_at: String::new(),
            duration_ms: 0,
            upstream: String::new(),
            request: RecordedRequest {
                method: "POST".into(),
                route: "/open-apis/auth/v3/tenant_access_token/internal".into(),
                query: vec![],
                headers: Default::default(),
                body: Body::Json {
                    json: json!({"app_id": "cli_x", "app_secret": "s3cr3t-value"}),
                },
            },
            response: RecordedResponse {
                status: 200,
                headers: Default::default(),
                body: Body::Json {
                    json: json!({"code": 0, "tenant_access_token": "t-abcdef", "expire": 7200}),
                },
            },
            upstream_error: None,
        };
        r.redact(&mut token_call);
        let mut use_call = token_call.clone();
        use_call
            .request
            .headers
            .insert("authorization".into(), "Bearer t-abcdef".into());
        use_call.request.route = "/open-apis/x/t-abcdef".into();
        r.redact(&mut use_call);
        let text = serde_json::to_string(&(token_call, &use_call)).unwrap();
        assert!(
            !text.contains("s3cr3t-value") && !text.contains("t-abcdef"),
            "{text}"
        );
        assert_eq!(
            use_call.request.headers["authorization"],
            "Bearer t-REDACTED-0002"
        );
        assert_eq!(use_call.request.route, "/open-apis/x/t-REDACTED-0002");
    }
}
