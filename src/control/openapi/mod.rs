//! The emulated contract as an OpenAPI 3.1 document, generated from `specs/` and the route
//! table — never written by hand (`feishu-mock openapi`, `GET /__mock/openapi.json`).
//!
//! Per route of every family (and the two token endpoints, and the control plane under the tag
//! `control`): path and query parameters, the request body (a JSON schema with `maxLength`,
//! `pattern`, `minimum`/`maximum`, `enum`, `maxItems` and `required` members; a multipart
//! schema with binary file parts and their `encoding`), the security requirement (Bearer tenant
//! or user token with the spec's scopes, or `X-PLUGIN-TOKEN` + `X-USER-KEY`), and every
//! documented code as a response under its HTTP status, with an example body rendered by the
//! one error renderer ([`crate::contract::error::render`]). Rules chosen where the docs are
//! silent carry `x-assumed`; each operation names its seed or facts source in `x-source`.
//! Limits JSON Schema cannot say are written as descriptions plus `x-` extensions:
//! `x-max-bytes` (a file part, bytes), `x-max-count` (file parts or array items),
//! `x-chars` (lengths count Unicode scalar values). The request body schemas are built in
//! [`schema`].

mod schema;

use crate::contract::error::{render, ApiError, ErrorScope};
use crate::contract::spec::{BodyKind, Catalogue, EndpointSpec, ErrorSpec, Location, Platform};
use crate::control::routes::CONTROL_ROUTES;
use crate::families::{self, RouteAuth, RouteDef};
use schema::{field_schema, json_body, multipart_body};
use serde_json::{json, Map, Value};

/// Log id shown in example bodies.
const EXAMPLE_LOG_ID: &str = "20260101000000ABCDEF0123456789ABCDEF";

/// The whole document, as JSON.
pub fn document() -> Value {
    let mut paths = Map::new();
    let catalogue = Catalogue::get();
    for (path, method, op) in token_operations() {
        insert(&mut paths, &path, &method, op);
    }
    for def in families::routes() {
        let spec = catalogue.endpoint(def.spec);
        let (path, method) = route_of(def, spec);
        let op = family_operation(def, spec, &path, &method);
        insert(&mut paths, &path, &method, op);
    }
    for (method, path, summary) in CONTROL_ROUTES {
        insert(
            &mut paths,
            &openapi_path(path),
            &method.to_ascii_lowercase(),
            control_operation(method, path, summary),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "feishu-mock: the emulated Feishu upload APIs",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Generated from specs/ and the route table of feishu-mock. Every documented code is a response under its HTTP status. Rules chosen where Feishu's docs are silent carry x-assumed.",
            "license": {"name": "MIT", "identifier": "MIT"}
        },
        "servers": [{"url": "http://127.0.0.1:8080", "description": "feishu-mock serve (default port)"}],
        "tags": [
            {"name": "auth", "description": "Open-platform tokens (FEISHU_FACTS §1)"},
            {"name": "okr", "description": "OKR (seeds 000, 001)"},
            {"name": "task", "description": "Task v2 (seed 002)"},
            {"name": "project", "description": "Feishu Project (seed 003)"},
            {"name": "drive", "description": "Drive media (seed 004)"},
            {"name": "control", "description": "The emulator's own control plane under /__mock/ (not Feishu's)"}
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "tenantAccessToken": {"type": "http", "scheme": "bearer", "description": "tenant_access_token (t-…), FEISHU_FACTS §2"},
                "userAccessToken": {"type": "http", "scheme": "bearer", "description": "user_access_token (u-… or eyJ…), FEISHU_FACTS §2"},
                "pluginToken": {"type": "apiKey", "in": "header", "name": "X-PLUGIN-TOKEN", "description": "Feishu Project plugin or virtual token, FEISHU_FACTS §4"},
                "userKey": {"type": "apiKey", "in": "header", "name": "X-USER-KEY", "description": "Feishu Project user key, FEISHU_FACTS §4"}
            },
            "schemas": {
                "OpenEnvelope": {
                    "type": "object",
                    "required": ["code", "msg"],
                    "properties": {
                        "code": {"type": "integer"},
                        "msg": {"type": "string"},
                        "data": {},
                        "error": {"type": "object"}
                    }
                },
                "ProjectEnvelope": {
                    "type": "object",
                    "required": ["err_code", "err_msg", "err"],
                    "properties": {
                        "err_code": {"type": "integer"},
                        "err_msg": {"type": "string"},
                        "err": {"type": "object"},
                        "data": {}
                    }
                },
                "TokenAnswer": {
                    "type": "object",
                    "required": ["code", "msg"],
                    "properties": {
                        "code": {"type": "integer"},
                        "msg": {"type": "string"},
                        "tenant_access_token": {"type": "string"},
                        "app_access_token": {"type": "string"},
                        "expire": {"type": "integer"},
                        "data": {"type": "object"},
                        "error": {"type": "object"}
                    }
                },
                "PluginTokenAnswer": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": {"type": "object"},
                        "error": {
                            "type": "object",
                            "required": ["code", "msg"],
                            "properties": {"code": {"type": "integer"}, "msg": {"type": "string"}}
                        }
                    }
                },
                "ControlAnswer": {"type": "object"}
            }
        }
    })
}

fn insert(paths: &mut Map<String, Value>, path: &str, method: &str, op: Value) {
    let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
    if let Value::Object(m) = item {
        m.insert(method.to_string(), op);
    }
}

/// `/a/:b/c` → `/a/{b}/c`.
pub fn openapi_path(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| match seg.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// (OpenAPI path, lower-case method) of a family route.
pub fn route_of(def: &RouteDef, spec: &EndpointSpec) -> (String, String) {
    let method = def.method.unwrap_or(spec.method.as_str());
    let pattern = def.pattern.unwrap_or(spec.route.as_str());
    (openapi_path(pattern), method.to_ascii_lowercase())
}

/// A stable operation id from method and path (`post_open-apis_okr_v1_images_upload`).
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for c in path.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => id.push(c),
            _ => {
                if !id.ends_with('_') {
                    id.push('_');
                }
            }
        }
    }
    id.trim_end_matches('_').to_string()
}

/// Whether a route answers a file's bytes on success rather than JSON: the download routes
/// (`…/download`, `/stream/api/downloadFile/`, the temporary download links).
fn answers_file(path: &str) -> bool {
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    (last.contains("download") || last.contains("downloadFile")) && !last.starts_with("batch_get")
}

fn family_operation(
    def: &RouteDef,
    spec: &'static EndpointSpec,
    path: &str,
    method: &str,
) -> Value {
    let documented = def.pattern.is_none() && def.method.is_none();
    let body = def.body.unwrap_or(spec.body);
    let mut op = Map::new();
    op.insert("operationId".into(), json!(operation_id(method, path)));
    op.insert("tags".into(), json!([spec.family]));
    let summary = if documented {
        format!("{} ({})", spec.name, spec.seed)
    } else {
        format!("follow-up of {}", spec.name)
    };
    op.insert("summary".into(), json!(summary));
    op.insert(
        "x-source".into(),
        json!(format!("specs/seeds/{}", spec.seed)),
    );
    op.insert("x-spec".into(), json!(spec.name));
    if !spec.assumed.is_empty() && documented {
        op.insert("x-assumed".into(), json!(spec.assumed));
    }
    let mut params: Vec<Value> = path_params(path)
        .into_iter()
        .map(|name| {
            let field = spec
                .fields
                .iter()
                .find(|f| f.location == Location::Path && f.name == name);
            let mut schema = field
                .map(field_schema)
                .unwrap_or_else(|| json!({"type": "string"}));
            schema
                .as_object_mut()
                .map(|m| m.entry("minLength").or_insert(json!(1)));
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect();
    if documented {
        for f in spec.fields.iter().filter(|f| f.location == Location::Query) {
            params.push(json!({
                "name": f.name,
                "in": "query",
                "required": f.required,
                "schema": field_schema(f),
                "description": f.note,
            }));
        }
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    match (documented, body) {
        (_, BodyKind::None) => {}
        (true, BodyKind::Json) => {
            op.insert("requestBody".into(), json_body(spec));
        }
        (true, BodyKind::Multipart) => {
            op.insert("requestBody".into(), multipart_body(spec));
        }
        (false, BodyKind::Json) => {
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}}),
            );
        }
        (false, BodyKind::Multipart) => {
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object"}}}}),
            );
        }
    }
    match def.auth {
        RouteAuth::Bearer => {
            let mut security = Vec::new();
            for token in &spec.auth.tokens {
                let scheme = match token.as_str() {
                    "tenant" => "tenantAccessToken",
                    "user" => "userAccessToken",
                    _ => continue,
                };
                security.push(json!({ scheme: spec.scopes }));
            }
            op.insert("security".into(), Value::Array(security));
            op.insert("x-scopes".into(), json!(spec.scopes));
        }
        RouteAuth::Plugin => {
            op.insert(
                "security".into(),
                json!([{"pluginToken": [], "userKey": []}, {"pluginToken": []}]),
            );
        }
        RouteAuth::None => {
            op.insert("security".into(), json!([]));
        }
    }
    op.insert("responses".into(), responses(def, spec, path));
    Value::Object(op)
}

/// The `{name}` segments of an OpenAPI path.
fn path_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

/// Every documented answer of a family route: success, the spec's error table, the platform's
/// errors for its kind of auth, and the gateway's 404 for a route with path parameters.
fn responses(def: &RouteDef, spec: &'static EndpointSpec, path: &str) -> Value {
    let envelope = match spec.platform {
        _ if def
            .pattern
            .is_some_and(|p| families::project::TOKEN_PATHS.contains(&p)) =>
        {
            "#/components/schemas/PluginTokenAnswer"
        }
        Platform::Open => "#/components/schemas/OpenEnvelope",
        Platform::Project => "#/components/schemas/ProjectEnvelope",
    };
    let mut rows: Vec<&ErrorSpec> = spec.errors.iter().collect();
    let platform = &Catalogue::get().platform;
    match def.auth {
        RouteAuth::Bearer => rows.extend(platform.open.iter()),
        RouteAuth::Plugin => rows.extend(platform.project.iter()),
        RouteAuth::None => {}
    }
    let mut by_status: std::collections::BTreeMap<u16, Vec<&ErrorSpec>> = Default::default();
    for row in rows {
        by_status.entry(row.http).or_default().push(row);
    }
    let mut out = Map::new();
    let success = if answers_file(path) {
        json!({"description": "the file's bytes, with its Content-Type", "content": {
            "*/*": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
        }})
    } else {
        json!({"description": "success (code 0)", "content": {"application/json": {"schema": {"$ref": envelope}}}})
    };
    out.insert("200".into(), success);
    for (status, rows) in by_status {
        let mut examples = Map::new();
        let mut codes = Vec::new();
        for row in &rows {
            let rendered = render(
                ErrorScope::Endpoint(spec),
                &ApiError::new(row.code),
                EXAMPLE_LOG_ID,
            );
            let mut example = json!({"summary": row.msg, "value": rendered.body});
            if row.grade == "assumed" {
                example["x-assumed"] = json!(row.when);
            }
            examples.insert(row.code.to_string(), example);
            codes.push(row.code);
        }
        let description = format!(
            "codes {}",
            codes
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let entry = out
            .entry(status.to_string())
            .or_insert_with(|| json!({"description": description, "content": {}}));
        if status == 200 && answers_file(path) {
            // Errors of a download route come as JSON next to the bytes.
            entry["description"] = json!(format!("the file's bytes; or JSON {description}"));
        }
        entry["content"]["application/json"] = json!({
            "schema": {"$ref": envelope},
            "examples": examples,
        });
        entry["x-codes"] = json!(codes);
    }
    if path.contains('{') {
        out.entry("404".to_string()).or_insert_with(|| {
            json!({"description": "an empty path segment matches no route: the gateway's plain 404", "content": {}})
        });
        out["404"]["content"]["text/plain"] = json!({"schema": {"type": "string", "const": Catalogue::get().platform.not_found.body}});
    }
    Value::Object(out)
}

/// The two open-platform token endpoints.
fn token_operations() -> Vec<(String, String, Value)> {
    let platform = &Catalogue::get().platform;
    let mut examples = Map::new();
    for row in &platform.auth {
        let rendered = render(ErrorScope::Auth, &ApiError::new(row.code), EXAMPLE_LOG_ID);
        examples.insert(
            row.code.to_string(),
            json!({"summary": row.msg, "value": rendered.body}),
        );
    }
    let mut out = Vec::new();
    for (path, name) in [
        (
            families::auth::TENANT_ACCESS_TOKEN_PATH,
            "tenant_access_token",
        ),
        (families::auth::APP_ACCESS_TOKEN_PATH, "app_access_token"),
    ] {
        let op = json!({
            "operationId": operation_id("post", path),
            "tags": ["auth"],
            "summary": format!("{name} of a self-built app (FEISHU_FACTS §1)"),
            "x-source": "FEISHU_FACTS §1",
            "security": [],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object",
                "required": ["app_id", "app_secret"],
                "properties": {"app_id": {"type": "string"}, "app_secret": {"type": "string"}}
            }}}},
            "responses": {"200": {
                "description": format!("the token at top level with expire in seconds; or an error ({})",
                    platform.auth.iter().map(|r| r.code.to_string()).collect::<Vec<_>>().join(", ")),
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TokenAnswer"},
                    "examples": examples.clone(),
                }}
            }}
        });
        out.push((path.to_string(), "post".to_string(), op));
    }
    out
}

fn control_operation(method: &str, path: &str, summary: &str) -> Value {
    let mut op = json!({
        "operationId": operation_id(method, path),
        "tags": ["control"],
        "summary": summary,
        "security": [],
        "responses": {
            "200": {"description": "done", "content": {"*/*": {"schema": {}}}},
            "400": {"description": "bad input: {\"error\": …}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ControlAnswer"}}}},
            "404": {"description": "unknown control route or object: {\"error\": …}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ControlAnswer"}}}}
        }
    });
    let params = path_params(&openapi_path(path));
    if !params.is_empty() {
        op["parameters"] = Value::Array(
            params
                .into_iter()
                .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
                .collect(),
        );
    }
    if method == "POST" {
        op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {"type": "object"}}}});
    }
    op
}
