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
    /// The whole pattern when it has no `:name` segment: such a route matches exactly the
    /// paths equal to it.
    literal: Option<&'static str>,
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
                let segments: Vec<&str> = pattern.split('/').collect();
                let literal = (!segments.iter().any(|s| s.starts_with(':'))).then_some(pattern);
                CompiledRoute {
                    method: def.method.unwrap_or(spec.method.as_str()),
                    segments,
                    literal,
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
    // A route without parameters is the path itself or not; the path's segments are counted
    // (once, when a route with parameters is first met) and split as each candidate with
    // parameters is compared, never collected. Nothing is allocated unless parameters bind.
    let mut count = None;
    let method = method.as_str();
    compiled_routes().iter().find_map(|r| {
        let params = match r.literal {
            Some(literal) if literal == path && r.method.eq_ignore_ascii_case(method) => Vec::new(),
            Some(_) => return None,
            None => {
                let count = *count
                    .get_or_insert_with(|| memchr::memchr_iter(b'/', path.as_bytes()).count() + 1);
                if r.segments.len() != count || !r.method.eq_ignore_ascii_case(method) {
                    return None;
                }
                bind_segments(&r.segments, path.split('/'))?
            }
        };
        Some((Route::Family(r.def, r.spec), params))
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

    /// The route a request takes by the table's plain reading: the first route of the table
    /// whose method (any case) and pattern match.
    fn first_matching(
        method: &Method,
        path: &str,
    ) -> Option<(&'static str, Vec<(String, String)>)> {
        compiled_routes()
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method.as_str()))
            .find_map(|r| {
                match_route(&r.segments.join("/"), path).map(|p| (r.spec.name.as_str(), p))
            })
    }

    #[test]
    fn every_path_takes_the_first_route_of_the_table_that_matches_it() {
        let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "post", "get"];
        let mut paths: Vec<String> = vec!["/".into(), "".into(), "/open-apis".into()];
        for r in compiled_routes() {
            let bound = r
                .segments
                .iter()
                .map(|s| if s.starts_with(':') { "v%2B1+" } else { s });
            paths.push(bound.clone().collect::<Vec<_>>().join("/"));
            paths.push(format!("{}/", bound.collect::<Vec<_>>().join("/")));
            let empty = r
                .segments
                .iter()
                .map(|s| if s.starts_with(':') { "" } else { s });
            paths.push(empty.collect::<Vec<_>>().join("/"));
        }
        for method in methods {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            for path in &paths {
                let taken = match route(&method, path) {
                    Some((Route::Family(_, spec), params)) => Some((spec.name.as_str(), params)),
                    _ => None,
                };
                let token_route = method == Method::POST
                    && (path == families::auth::TENANT_ACCESS_TOKEN_PATH
                        || path == families::auth::APP_ACCESS_TOKEN_PATH);
                if !token_route {
                    assert_eq!(taken, first_matching(&method, path), "{method} {path}");
                }
            }
        }
    }
}
