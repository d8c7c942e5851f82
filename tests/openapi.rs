//! The OpenAPI document (`feishu-mock openapi`, `GET /__mock/openapi.json`) is generated from
//! `specs/` and the route table. These tests hold it to both, and let two tools nobody here
//! wrote judge it: `openapi-spec-validator` accepts the document, and Schemathesis drives a
//! live emulator with it (bounded: 10 examples per operation, a fixed seed) and finds no answer
//! outside it — every status declared for its operation, every JSON body matching its schema, no
//! undocumented 5xx. The tools are installed into `target/openapi-venv` from
//! `tests/openapi/requirements.txt` on first run.

mod common;

use common::*;
use feishu_mock::contract::spec::{Catalogue, Location};
use feishu_mock::control::openapi::{document, route_of};
use feishu_mock::families;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// The default world's Feishu Project user key.
const USER_KEY: &str = "7000000000000000001";

fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the document");
    op
}

#[test]
fn every_route_of_the_route_table_and_both_token_endpoints_are_operations() {
    let doc = document();
    let catalogue = Catalogue::get();
    let mut n = 0;
    for def in families::routes() {
        let spec = catalogue.endpoint(def.spec);
        let (path, method) = route_of(def, spec);
        operation(&doc, &path, &method);
        n += 1;
    }
    assert!(n >= 10, "only {n} family routes");
    for path in [
        families::auth::TENANT_ACCESS_TOKEN_PATH,
        families::auth::APP_ACCESS_TOKEN_PATH,
    ] {
        operation(&doc, path, "post");
    }
    let health = operation(&doc, "/__mock/health", "get");
    assert_eq!(health["tags"][0], "control");
}

#[test]
fn every_error_row_of_every_spec_is_a_response_under_its_status_with_its_body() {
    let doc = document();
    for spec in Catalogue::get().endpoints.iter() {
        let path = feishu_mock::control::openapi::openapi_path(&spec.route);
        let op = operation(&doc, &path, &spec.method.to_ascii_lowercase());
        for row in &spec.errors {
            let example = &op["responses"][row.http.to_string()]["content"]["application/json"]
                ["examples"][row.code.to_string()]["value"];
            let code = example
                .get("code")
                .or_else(|| example.get("err_code"))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: no example of {} under {}",
                        spec.name, row.code, row.http
                    )
                });
            assert_eq!(code, row.code, "{} {}", spec.name, row.code);
        }
    }
}

#[test]
fn field_rules_become_schema_keywords() {
    let doc = document();
    let drive = operation(&doc, "/open-apis/drive/v1/medias/upload_all", "post");
    let form = &drive["requestBody"]["content"]["multipart/form-data"];
    assert_eq!(form["schema"]["properties"]["file_name"]["maxLength"], 250);
    assert_eq!(
        form["schema"]["properties"]["file"]["x-max-bytes"],
        20971520
    );
    assert_eq!(
        form["encoding"]["file"]["contentType"],
        "application/octet-stream"
    );
    let required = form["schema"]["required"].as_array().unwrap();
    assert!(required.contains(&Value::from("parent_node")));
    let okr = operation(&doc, "/open-apis/okr/v1/progress_records", "post");
    let schema = &okr["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(
        schema["properties"]["target_type"]["enum"],
        serde_json::json!([2, 3])
    );
    let indent = &schema["properties"]["content"]["properties"]["blocks"]["items"]["properties"]
        ["paragraph"]["properties"]["style"]["properties"]["list"]["properties"]["indentLevel"];
    let spec = Catalogue::get().endpoint("okr.progress_record.create");
    let f = spec.field("content.blocks[].paragraph.style.list.indentLevel");
    assert_eq!(indent["maximum"].as_f64(), f.max);
    assert!(spec.fields.iter().any(|f| f.location == Location::Json));
    let task = operation(&doc, "/open-apis/task/v2/attachments/upload", "post");
    assert_eq!(
        task["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["file"]
            ["maxItems"],
        5
    );
}

#[tokio::test]
async fn the_served_document_is_the_printed_one() {
    let server = server().await;
    let resp = read(
        client()
            .get(format!("{}/__mock/openapi.json", server.url()))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(resp.status, 200);
    let printed = Command::new(env!("CARGO_BIN_EXE_feishu-mock"))
        .arg("openapi")
        .output()
        .expect("feishu-mock openapi runs");
    assert!(printed.status.success());
    let printed: Value = serde_json::from_slice(&printed.stdout).expect("JSON");
    assert_eq!(resp.json(), printed);
    assert_eq!(printed, document());
}

#[tokio::test]
async fn openapi_spec_validator_accepts_and_schemathesis_finds_no_answer_outside_the_document() {
    let bin = common::venv::ensure("openapi-venv", Path::new("tests/openapi/requirements.txt"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&document()).unwrap()).unwrap();
    common::venv::run_ok(Command::new(bin.join("openapi-spec-validator")).arg(&file));

    let server = server().await;
    let plugin_token = plugin_token(&server).await;
    let out = tokio::task::spawn_blocking({
        let url = server.url();
        let file = file.clone();
        let bin = bin.clone();
        move || {
            Command::new(bin.join("schemathesis"))
                .arg("run")
                .arg(&file)
                .args(["-u", &url, "--exclude-tag", "control"])
                .args(["-n", "10", "--seed", "1", "--no-color"])
                .args(["--generation-database", "none", "--workers", "1"])
                .args([
                    "-c",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                ])
                .args(["-H", &format!("Authorization: Bearer {TENANT_TOKEN}")])
                .args(["-H", &format!("X-PLUGIN-TOKEN: {plugin_token}")])
                .args(["-H", &format!("X-USER-KEY: {USER_KEY}")])
                .current_dir(file.parent().unwrap())
                .output()
                .expect("schemathesis runs")
        }
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found answers outside the document:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Tested:"), "{text}");
}

/// Project's token routes answer every refusal in their own envelope with HTTP 200
/// (`plugin_token` 10001, 20006; `user_plugin_token` and `refresh_token` also 10022): the
/// document lists those codes under 200 and no other status — not the upload's table.
#[test]
fn project_token_routes_document_their_own_codes_under_200_only() {
    let doc = document();
    for (path, codes) in [
        ("/open_api/authen/plugin_token", json!([10001, 20006])),
        (
            "/open_api/authen/user_plugin_token",
            json!([10022, 10001, 20006]),
        ),
        (
            "/open_api/authen/refresh_token",
            json!([10022, 10001, 20006]),
        ),
    ] {
        let responses = &doc["paths"][path]["post"]["responses"];
        let statuses: Vec<&String> = responses.as_object().expect(path).keys().collect();
        assert_eq!(statuses, ["200"], "{path}: {responses}");
        assert_eq!(responses["200"]["x-codes"], codes, "{path}");
        let examples = &responses["200"]["content"]["application/json"]["examples"];
        for code in codes.as_array().unwrap() {
            let body = &examples[code.to_string()]["value"];
            assert_eq!(body["error"]["code"], *code, "{path}: {examples}");
            assert_eq!(body["data"], json!({}), "{path}");
        }
    }
}
