//! The emulator's routes as parity sees them: which recorded route is emulated, and under
//! which endpoint (method and route pattern) its exchanges are counted.

use crate::contract::spec::Catalogue;
use crate::families;

/// Every emulated route as (method, pattern with `:name` segments), from the families' route
/// tables and the open-platform token endpoints.
pub fn patterns() -> &'static [(String, String)] {
    static PATTERNS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        let catalogue = Catalogue::get();
        let mut all = vec![
            (
                "POST".to_string(),
                families::auth::TENANT_ACCESS_TOKEN_PATH.to_string(),
            ),
            (
                "POST".to_string(),
                families::auth::APP_ACCESS_TOKEN_PATH.to_string(),
            ),
        ];
        for def in families::routes() {
            let spec = catalogue.endpoint(def.spec);
            all.push((
                def.method.unwrap_or(spec.method.as_str()).to_string(),
                def.pattern.unwrap_or(spec.route.as_str()).to_string(),
            ));
        }
        all
    })
}

/// The path parameters of `path` under `pattern`, when it matches (`:name` binds one non-empty
/// segment, kept as sent).
pub fn bind_route(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let p: Vec<&str> = pattern.split('/').collect();
    let g: Vec<&str> = path.split('/').collect();
    if p.len() != g.len() {
        return None;
    }
    let mut params = Vec::new();
    for (p, g) in p.iter().zip(&g) {
        match p.strip_prefix(':') {
            Some(name) if !g.is_empty() => params.push((name.to_string(), g.to_string())),
            Some(_) => return None,
            None if p != g => return None,
            None => {}
        }
    }
    Some(params)
}

/// Field names that are always file parts in a form, whatever the part's headers say: the
/// file fields of the emulated route's spec (`file`, `data`…), else Feishu's usual ones. The
/// official Python SDK sends a file part with neither a file name nor a content type.
pub fn file_fields(method: &str, path: &str) -> Vec<String> {
    let catalogue = Catalogue::get();
    let own: Vec<String> = families::routes()
        .filter_map(|def| {
            let spec = catalogue.endpoint(def.spec);
            let pattern = def.pattern.unwrap_or(spec.route.as_str());
            let m = def.method.unwrap_or(spec.method.as_str());
            (m.eq_ignore_ascii_case(method) && bind_route(pattern, path).is_some())
                .then(|| spec.file_field_names())
        })
        .flatten()
        .collect();
    match own.is_empty() {
        true => ["file", "image", "media"].map(String::from).to_vec(),
        false => own,
    }
}

/// `METHOD pattern` of the emulated route `method path` matches, or `None` when the emulator
/// does not emulate it. Literal routes win over patterns (`upload_all` is not a `:file_token`).
pub fn endpoint_of(method: &str, path: &str) -> Option<String> {
    let candidates = patterns()
        .iter()
        .filter(|(m, _)| m.eq_ignore_ascii_case(method))
        .filter(|(_, p)| bind_route(p, path).is_some());
    candidates
        .min_by_key(|(_, p)| p.matches(':').count())
        .map(|(m, p)| format!("{m} {p}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emulated_routes_name_their_pattern_and_others_none() {
        assert_eq!(
            endpoint_of("GET", "/open-apis/drive/v1/medias/boxabc/download").as_deref(),
            Some("GET /open-apis/drive/v1/medias/:file_token/download")
        );
        assert_eq!(
            endpoint_of("POST", "/open-apis/drive/v1/medias/upload_all").as_deref(),
            Some("POST /open-apis/drive/v1/medias/upload_all")
        );
        assert_eq!(endpoint_of("POST", "/open-apis/im/v1/messages"), None);
        assert_eq!(
            endpoint_of("GET", "/open-apis/drive/v1/medias/upload_all"),
            None
        );
    }
}
