//! Routing: a request's method and path to the route it takes — the token endpoints, or a family
//! route from the families' route tables (compiled once) with its path parameters.

use crate::contract::spec::{Catalogue, EndpointSpec};
use crate::families::{self, RouteDef};
use hyper::Method;

/// What a route leads to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Route {
    /// `POST /open-apis/auth/v3/tenant_access_token/internal`.
    TenantToken,
    /// `POST /open-apis/auth/v3/app_access_token/internal`.
    AppToken,
    /// A route of a family module: a documented endpoint or a natural next call.
    Family(&'static RouteDef, &'static EndpointSpec),
}

/// Matches `path` against a route pattern with `:name` segments, returning the path parameters.
#[cfg(test)]
fn match_route(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let pattern: Vec<&str> = pattern.split('/').collect();
    if pattern.len() != path.split('/').count() {
        return None;
    }
    bind_segments(&pattern, path.split('/'))
}

/// Matches the `/`-separated segments of a path, split as they are compared, against those of
/// a route pattern of as many segments (the caller counted them): `:name` binds a non-empty
/// segment, percent-decoded. Literal segments are compared first, since they turn nearly
/// every route away before anything is decoded; nothing is allocated for a pattern without
/// parameters.
fn bind_segments<'p>(
    pattern: &[&str],
    path: impl Iterator<Item = &'p str> + Clone,
) -> Option<Vec<(String, String)>> {
    let literal_differs = pattern
        .iter()
        .zip(path.clone())
        .any(|(p, g)| !p.starts_with(':') && *p != g);
    if literal_differs {
        return None;
    }
    let mut params = Vec::new();
    for (p, g) in pattern.iter().zip(path) {
        if let Some(name) = p.strip_prefix(':') {
            if g.is_empty() {
                return None;
            }
            params.push((name.to_string(), percent_decode(g)));
        }
    }
    Some(params)
}

/// A family route as matched: its method and its pattern's segments, taken from the route
/// table and the specs once.
struct CompiledRoute {
    method: &'static str,
    segments: Vec<&'static str>,
    def: &'static RouteDef,
    spec: &'static EndpointSpec,
}

/// Every family route, compiled once (the specs' `route` and `method` unless the route
/// overrides them), in the route table's order.
fn compiled_routes() -> &'static [CompiledRoute] {
    static COMPILED: std::sync::OnceLock<Vec<CompiledRoute>> = std::sync::OnceLock::new();
    COMPILED.get_or_init(|| {
        let catalogue = Catalogue::get();
        families::routes()
            .map(|def| {
                let spec = catalogue.endpoint(def.spec);
                let pattern = def.pattern.unwrap_or(spec.route.as_str());
                CompiledRoute {
                    method: def.method.unwrap_or(spec.method.as_str()),
                    segments: pattern.split('/').collect(),
                    def,
                    spec,
                }
            })
            .collect()
    })
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

pub(crate) fn route(method: &Method, path: &str) -> Option<(Route, Vec<(String, String)>)> {
    if method == Method::POST {
        match path {
            families::auth::TENANT_ACCESS_TOKEN_PATH => return Some((Route::TenantToken, vec![])),
            families::auth::APP_ACCESS_TOKEN_PATH => return Some((Route::AppToken, vec![])),
            _ => {}
        }
    }
    // The path's segments are counted once and split as each candidate is compared, never
    // collected: a route of another length or method is passed over at the cost of a compare.
    let count = memchr::memchr_iter(b'/', path.as_bytes()).count() + 1;
    let method = method.as_str();
    compiled_routes()
        .iter()
        .filter(|r| r.segments.len() == count && r.method.eq_ignore_ascii_case(method))
        .find_map(|r| {
            bind_segments(&r.segments, path.split('/'))
                .map(|params| (Route::Family(r.def, r.spec), params))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_patterns_bind_path_parameters() {
        let p = match_route(
            "/open_api/:project_key/work_item/:work_item_type_key/:work_item_id/file/upload",
            "/open_api/doc/work_item/story/6437110001/file/upload",
        )
        .unwrap();
        assert_eq!(p[0], ("project_key".to_string(), "doc".to_string()));
        assert_eq!(p[2].1, "6437110001");
        assert!(match_route("/a/:b", "/a/").is_none());
        assert!(match_route("/a/:b", "/a/x/y").is_none());
    }
}
