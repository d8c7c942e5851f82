//! The contract as data: every code of every seed's error table is in `specs/` with the seed's
//! HTTP status and message, and every code the specs route a rule to is documented.

use feishu_mock::contract::spec::{Catalogue, Location};
use regex::Regex;
use std::collections::BTreeMap;

/// (HTTP status if the seed gives one, code, message) rows of a seed's error table.
fn seed_error_rows(seed: &str) -> Vec<(Option<u16>, i64, String)> {
    let path = format!("{}/specs/seeds/{seed}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut rows = Vec::new();
    // Seed 004: HTML md-table rows.
    let html = Regex::new(r"<md-td>(\d{3})</md-td>\s*<md-td>(\d+)</md-td>\s*<md-td>(.*?)</md-td>")
        .unwrap();
    for c in html.captures_iter(&text) {
        rows.push((
            Some(c[1].parse().unwrap()),
            c[2].parse().unwrap(),
            c[3].to_string(),
        ));
    }
    // Seeds 000, 001, 002: markdown pipe tables `HTTP | code | msg | advice`.
    let pipes = Regex::new(r"(?m)^\|?\s*(\d{3})\s*\|\s*(\d{7,})\s*\|\s*([^|]*?)\s*\|").unwrap();
    for c in pipes.captures_iter(&text) {
        rows.push((
            Some(c[1].parse().unwrap()),
            c[2].parse().unwrap(),
            c[3].to_string(),
        ));
    }
    // Seed 003: `err_code| err_msg| err.code| err.msg| 说明` without an HTTP status.
    let project = Regex::new(r"(?m)^(\d{7,})\|\s*(\w+)\|\s*(\d{7,})\|\s*([^|]*?)\|").unwrap();
    for c in project.captures_iter(&text) {
        rows.push((None, c[1].parse().unwrap(), c[4].trim().to_string()));
    }
    rows
}

/// Whether a spec's `seed` names a section of `FOLLOWUP_APIS.md` (a follow-up API whose table
/// is its own) rather than a document in `specs/seeds/`.
fn is_followup(seed: &str) -> bool {
    seed.starts_with("FOLLOWUP_APIS.md §")
}

#[test]
fn every_seed_error_code_is_in_specs_with_the_seed_http_status_and_msg() {
    let catalogue = Catalogue::get();
    let mut seen = BTreeMap::new();
    for spec in &catalogue.endpoints {
        if is_followup(&spec.seed) {
            continue;
        }
        let rows = seed_error_rows(&spec.seed);
        assert!(!rows.is_empty(), "no error table parsed from {}", spec.seed);
        for (http, code, msg) in rows {
            let row = spec
                .error(code)
                .unwrap_or_else(|| panic!("{}: code {code} of {} missing", spec.name, spec.seed));
            if let Some(http) = http {
                assert_eq!(row.http, http, "{}: HTTP status of {code}", spec.name);
            }
            assert_eq!(row.msg, msg, "{}: msg of {code}", spec.name);
            *seen.entry(spec.name.clone()).or_insert(0) += 1;
        }
    }
    assert_eq!(seen.get("drive.media.upload_all"), Some(&35));
    assert_eq!(seen.get("okr.image.upload"), Some(&6));
    assert_eq!(seen.get("okr.progress_record.create"), Some(&6));
    assert_eq!(seen.get("task.attachment.upload"), Some(&4));
    assert_eq!(seen.get("project.work_item.file.upload"), Some(&4));
}

#[test]
fn every_code_a_rule_or_endpoint_can_answer_is_documented() {
    let catalogue = Catalogue::get();
    for spec in &catalogue.endpoints {
        let documented = |code: i64| {
            spec.error(code).is_some() || catalogue.platform_error(spec.platform, code).is_some()
        };
        assert!(documented(spec.param_error), "{} param_error", spec.name);
        assert!(
            documented(spec.internal_error),
            "{} internal_error",
            spec.name
        );
        for field in &spec.fields {
            for (rule, code) in &field.codes {
                assert!(
                    documented(*code),
                    "{}: field {} rule {rule} answers undocumented {code}",
                    spec.name,
                    field.name
                );
            }
        }
    }
}

#[test]
fn every_endpoint_spec_names_its_route_auth_scopes_and_quota() {
    let catalogue = Catalogue::get();
    let routes: Vec<(&str, &str)> = catalogue
        .endpoints
        .iter()
        .map(|s| (s.method.as_str(), s.route.as_str()))
        .collect();
    assert_eq!(
        routes,
        [
            ("POST", "/open-apis/okr/v1/images/upload"),
            ("POST", "/open-apis/okr/v1/progress_records"),
            ("POST", "/open-apis/task/v2/attachments/upload"),
            (
                "POST",
                "/open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/upload"
            ),
            ("POST", "/open-apis/drive/v1/medias/upload_all"),
            ("POST", "/open-apis/drive/v1/medias/upload_prepare"),
            ("POST", "/open-apis/drive/v1/medias/upload_part"),
            ("POST", "/open-apis/drive/v1/medias/upload_finish"),
            ("GET", "/open-apis/drive/v1/medias/:file_token/download"),
            (
                "GET",
                "/open-apis/drive/v1/medias/batch_get_tmp_download_url"
            ),
            ("GET", "/open-apis/okr/v1/progress_records/:progress_id"),
            ("PUT", "/open-apis/okr/v1/progress_records/:progress_id"),
            ("DELETE", "/open-apis/okr/v1/progress_records/:progress_id"),
            ("POST", "/open_api/:project_key/file/upload"),
            ("POST", "/open_api/file/delete"),
            ("GET", "/open-apis/task/v2/attachments"),
            ("GET", "/open-apis/task/v2/attachments/:attachment_guid"),
            ("DELETE", "/open-apis/task/v2/attachments/:attachment_guid"),
        ]
    );
    for spec in &catalogue.endpoints {
        assert!(!spec.auth.tokens.is_empty(), "{}", spec.name);
        if spec.platform == feishu_mock::contract::spec::Platform::Open {
            assert!(!spec.scopes.is_empty(), "{} scopes", spec.name);
            let q = &spec.quota;
            assert!(
                q.per_second.or(q.per_minute).or(q.per_day).is_some(),
                "{} quota",
                spec.name
            );
        }
        if is_followup(&spec.seed) {
            continue;
        }
        let seed = format!("{}/specs/seeds/{}", env!("CARGO_MANIFEST_DIR"), spec.seed);
        assert!(std::path::Path::new(&seed).exists(), "{seed}");
    }
}

#[test]
fn generic_platform_errors_are_in_specs_with_their_http_status() {
    let catalogue = Catalogue::get();
    let open = feishu_mock::contract::spec::Platform::Open;
    for (code, http) in [
        (99991661, 400),
        (99991663, 400),
        (99991668, 400),
        (99991672, 400),
        (99991400, 429),
    ] {
        let row = catalogue
            .platform_error(open, code)
            .unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(row.http, http, "{code}");
    }
    assert_eq!(catalogue.auth_error(10003).map(|r| r.http), Some(200));
    assert_eq!(catalogue.platform.not_found.http, 404);
    assert_eq!(catalogue.platform.not_found.body, "404 page not found");
}

#[test]
fn every_file_field_has_a_byte_limit_so_uploads_are_bounded_while_streaming() {
    for spec in &Catalogue::get().endpoints {
        for field in spec.fields.iter().filter(|f| f.location == Location::File) {
            assert!(
                field.max_bytes.is_some(),
                "{}: {} has no max_bytes",
                spec.name,
                field.name
            );
        }
    }
}
