//! The world a parity replay needs, taken from the recording itself: what the real Feishu
//! accepted exists in the replay's world.
//!
//! Starting from `--world FILE` (or the embedded default world), for every exchange the
//! upstream accepted (HTTP 200 and code 0; a plugin token answered with one):
//! - a token request's `app_id` is an app whose secret is the recording's placeholder for the
//!   secret it sent (so the replay sends the placeholder and the emulator accepts it), holding
//!   every scope the world's apps hold;
//! - a plugin token request's `plugin_id` is a plugin with the placeholder as its secret;
//! - a bearer token the recording never saw issued is a token issued before start-up (`u-…`: a
//!   user token of the world's first user; any other: a tenant token), of the first app;
//! - a Drive `parent_node` is a node of the kind its `parent_type` names;
//! - an OKR `target_id` is an objective (`target_type` 2) or a key result (3);
//! - a Task `resource_id` is a task every app and user of the world may edit;
//! - a Feishu Project `project_key`, work item type, work item and field (`field_key` or
//!   `field_alias`, a `multi_file` field) exist, the space open to every plugin, and the
//!   `X-USER-KEY` is a Project user.

use super::route::{bind_route, patterns};
use crate::families::world::World;
use crate::recording::{Body, Exchange, Part, Recording};
use serde_json::{json, Value};

/// The world for replaying `recording`, on top of `base`.
pub fn derive(recording: &Recording, base: &World) -> Result<World, String> {
    let mut w = serde_json::to_value(base).map_err(|e| e.to_string())?;
    let all_scopes: Vec<Value> = {
        let mut s: Vec<String> = base.apps.iter().flat_map(|a| a.scopes.clone()).collect();
        s.sort();
        s.dedup();
        s.into_iter().map(Value::String).collect()
    };
    let issued = issued_tokens(recording);
    for ex in recording.exchanges.iter().filter(|e| accepted(e)) {
        let req = &ex.request;
        let route = req.route.as_str();
        let body = req.body.json();
        if route.starts_with("/open-apis/auth/v3/") {
            if let (Some(app_id), Some(secret)) = (text(body, "app_id"), text(body, "app_secret")) {
                upsert(
                    &mut w["apps"],
                    "app_id",
                    &app_id,
                    json!({"app_id": app_id, "app_secret": secret, "scopes": all_scopes}),
                    |app| app["app_secret"] = json!(secret),
                );
            }
            continue;
        }
        if route == crate::families::project::PLUGIN_TOKEN_PATH {
            if let (Some(id), Some(secret)) = (text(body, "plugin_id"), text(body, "plugin_secret"))
            {
                upsert(
                    &mut w["project"]["plugins"],
                    "plugin_id",
                    &id,
                    json!({"plugin_id": id, "plugin_secret": secret, "spaces": []}),
                    |p| p["plugin_secret"] = json!(secret),
                );
            }
            continue;
        }
        if let Some(token) = req
            .headers
            .get("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            if !issued.iter().any(|t| t == token) {
                preissue(&mut w, token);
            }
        }
        let form = |name: &str| form_text(&req.body, name);
        let field = |name: &str| form(name).or_else(|| text(body, name));
        match route {
            "/open-apis/drive/v1/medias/upload_all"
            | "/open-apis/drive/v1/medias/upload_prepare" => {
                if let (Some(node), Some(kind)) = (field("parent_node"), field("parent_type")) {
                    let kind = kind.split('_').next().unwrap_or(&kind).to_string();
                    upsert(
                        &mut w["drive"]["nodes"],
                        "token",
                        &node,
                        json!({"token": node, "type": kind, "title": "from the recording"}),
                        |_| {},
                    );
                }
            }
            "/open-apis/okr/v1/images/upload" | "/open-apis/okr/v1/progress_records" => {
                let target_type = field("target_type").or_else(|| {
                    body.and_then(|b| b.get("target_type"))
                        .and_then(Value::as_i64)
                        .map(|n| n.to_string())
                });
                if let (Some(id), Some(kind)) = (field("target_id"), target_type) {
                    add_okr_target(&mut w, &id, &kind);
                }
            }
            "/open-apis/task/v2/attachments/upload" => {
                if let Some(guid) = field("resource_id") {
                    let mut editors: Vec<Value> = Vec::new();
                    for list in ["apps", "users"] {
                        let key = if list == "apps" { "app_id" } else { "open_id" };
                        for item in w[list].as_array().cloned().unwrap_or_default() {
                            editors.push(item[key].clone());
                        }
                    }
                    upsert(
                        &mut w["task"]["tasks"],
                        "guid",
                        &guid,
                        json!({"guid": guid, "summary": "from the recording", "editors": editors}),
                        |_| {},
                    );
                }
            }
            _ => {}
        }
        if route.starts_with("/open_api/") {
            add_project(&mut w, ex);
        }
    }
    serde_json::from_value(w).map_err(|e| format!("the derived world does not load: {e}"))
}

/// Whether the upstream accepted the exchange: HTTP 200 with code (or err_code) 0, or a plugin
/// token in its answer.
pub fn accepted(ex: &Exchange) -> bool {
    if ex.upstream_error.is_some() || ex.response.status != 200 {
        return false;
    }
    match ex.response.body.json() {
        Some(j) => match j.get("code").or_else(|| j.get("err_code")) {
            Some(code) => code.as_i64() == Some(0),
            None => j.pointer("/data/token").is_some() || j.get("error").is_none(),
        },
        None => true,
    }
}

/// Tokens some token endpoint of the recording answered (placeholders).
fn issued_tokens(recording: &Recording) -> Vec<String> {
    let mut out = Vec::new();
    for ex in &recording.exchanges {
        if let Some(j) = ex.response.body.json() {
            for key in ["tenant_access_token", "app_access_token"] {
                if let Some(t) = j.get(key).and_then(Value::as_str) {
                    out.push(t.to_string());
                }
            }
            if let Some(t) = j.pointer("/data/token").and_then(Value::as_str) {
                out.push(t.to_string());
            }
        }
    }
    out
}

/// A token used but never seen issued: issued before start-up.
fn preissue(w: &mut Value, token: &str) {
    let app = w["apps"][0]["app_id"].clone();
    if token.starts_with("u-") {
        let open_id = w["users"][0]["open_id"].clone();
        upsert(
            &mut w["user_access_tokens"],
            "token",
            token,
            json!({"token": token, "app_id": app, "open_id": open_id}),
            |_| {},
        );
    } else {
        upsert(
            &mut w["tenant_access_tokens"],
            "token",
            token,
            json!({"token": token, "app_id": app}),
            |_| {},
        );
    }
}

fn add_okr_target(w: &mut Value, id: &str, kind: &str) {
    let owner = w["users"][0]["open_id"].clone();
    match kind {
        "3" => upsert(
            &mut w["okr"]["key_results"],
            "id",
            id,
            json!({"id": id, "objective_id": ""}),
            |_| {},
        ),
        _ => upsert(
            &mut w["okr"]["objectives"],
            "id",
            id,
            json!({"id": id, "owner_open_id": owner}),
            |_| {},
        ),
    }
}

/// The Project space, work item type, work item, field and user an accepted exchange names.
fn add_project(w: &mut Value, ex: &Exchange) {
    let req = &ex.request;
    let Some((pattern, params)) = patterns()
        .iter()
        .filter(|(m, _)| m.eq_ignore_ascii_case(&req.method))
        .find_map(|(_, p)| bind_route(p, &req.route).map(|params| (p, params)))
    else {
        return;
    };
    let param = |n: &str| {
        params
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .or_else(|| form_text(&req.body, n))
            .or_else(|| text(req.body.json(), n))
    };
    if let Some(user) = req.headers.get("x-user-key") {
        upsert(
            &mut w["project"]["users"],
            "user_key",
            user,
            json!({"user_key": user, "name": "from the recording"}),
            |_| {},
        );
    }
    let Some(project_key) = param("project_key") else {
        return;
    };
    upsert(
        &mut w["project"]["spaces"],
        "project_key",
        &project_key,
        json!({"project_key": project_key, "simple_name": project_key, "name": "from the recording",
               "work_item_types": [], "work_items": []}),
        |_| {},
    );
    for plugin in w["project"]["plugins"].as_array_mut().into_iter().flatten() {
        let spaces = &mut plugin["spaces"];
        if !spaces
            .as_array()
            .is_some_and(|s| s.iter().any(|k| k == &json!(project_key)))
        {
            if let Some(list) = spaces.as_array_mut() {
                list.push(json!(project_key));
            }
        }
    }
    if !pattern.contains(":work_item_id") {
        return;
    }
    let (Some(type_key), Some(item)) = (param("work_item_type_key"), param("work_item_id")) else {
        return;
    };
    let Some(space) = w["project"]["spaces"].as_array_mut().and_then(|s| {
        s.iter_mut()
            .find(|s| s["project_key"] == json!(project_key))
    }) else {
        return;
    };
    upsert(
        &mut space["work_items"],
        "id",
        &item,
        json!({"id": item, "work_item_type_key": type_key, "name": "from the recording"}),
        |_| {},
    );
    upsert(
        &mut space["work_item_types"],
        "type_key",
        &type_key,
        json!({"type_key": type_key, "name": type_key, "fields": []}),
        |_| {},
    );
    let key = param("field_key");
    let alias = param("field_alias");
    let Some(name) = key.clone().or(alias.clone()) else {
        return;
    };
    let Some(wit) = space["work_item_types"]
        .as_array_mut()
        .and_then(|t| t.iter_mut().find(|t| t["type_key"] == json!(type_key)))
    else {
        return;
    };
    let known = wit["fields"].as_array().is_some_and(|fields| {
        fields.iter().any(|f| {
            key.as_ref().is_some_and(|k| f["field_key"] == json!(k))
                || alias.as_ref().is_some_and(|a| f["field_alias"] == json!(a))
        })
    });
    if !known {
        if let Some(fields) = wit["fields"].as_array_mut() {
            fields.push(json!({
                "field_key": key.clone().unwrap_or_else(|| name.clone()),
                "field_alias": alias.clone().unwrap_or_else(|| name.clone()),
                "field_type_key": crate::families::project::ATTACHMENT_FIELD_TYPE,
                "name": name,
            }));
        }
    }
}

/// Adds `item` to the array `list` unless an element has `key` = `value`; else applies
/// `update` to that element.
fn upsert(list: &mut Value, key: &str, value: &str, item: Value, update: impl FnOnce(&mut Value)) {
    if !list.is_array() {
        *list = json!([]);
    }
    let Some(items) = list.as_array_mut() else {
        return;
    };
    match items.iter_mut().find(|i| i[key] == json!(value)) {
        Some(existing) => update(existing),
        None => items.push(item),
    }
}

/// A string member of a JSON body (numbers as their text).
fn text(body: Option<&Value>, key: &str) -> Option<String> {
    match body?.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The value of a text part of a form body.
fn form_text(body: &Body, name: &str) -> Option<String> {
    match body {
        Body::Form { parts } => parts.iter().find_map(|p| match p {
            Part::Text { name: n, value } if n == name => Some(value.clone()),
            _ => None,
        }),
        _ => None,
    }
}
