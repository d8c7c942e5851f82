//! The control plane's paths, below everything that serves them: the `/__mock/` route table
//! (which the plane answers and the OpenAPI export lists) and the inspector's prefix (which the
//! journal leaves out).

/// Every control-plane route: (method, path with `:name` segments, what it does). The
/// OpenAPI document lists them under the tag `control`.
pub const CONTROL_ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/__mock/health", "200 {\"status\":\"ok\"} once the world is loaded"),
    ("POST", "/__mock/reset", "back to the start-up world: files, records, tokens, counters, journal, faults and clock cleared"),
    ("GET", "/__mock/requests", "the request journal, oldest first (?endpoint=&code=)"),
    ("GET", "/__mock/files", "metadata of every stored file"),
    ("GET", "/__mock/files/:file_token", "the raw bytes of one stored file"),
    ("POST", "/__mock/world", "adds objects in the --world format"),
    ("POST", "/__mock/faults", "adds a fault rule"),
    ("GET", "/__mock/faults", "lists the fault rules"),
    ("DELETE", "/__mock/faults", "clears the fault rules"),
    ("GET", "/__mock/clock", "the emulator clock"),
    ("POST", "/__mock/clock", "{\"advance_seconds\": N} moves the emulator clock"),
    ("GET", "/__mock/openapi.json", "this document"),
    ("POST", "/__mock/project/auth_code", "{\"plugin_id\", \"user_key\"} mints a single-use Feishu Project authorization code for user_plugin_token"),
];

/// The inspector's path prefix.
pub const UI_PREFIX: &str = "/__mock/ui";

/// Whether `path` is the inspector's (`/__mock/ui` or below it).
pub fn is_ui_path(path: &str) -> bool {
    path.strip_prefix(UI_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ui_prefix_and_below_is_the_inspector() {
        assert!(is_ui_path("/__mock/ui"));
        assert!(is_ui_path("/__mock/ui/"));
        assert!(is_ui_path("/__mock/ui/files"));
        assert!(!is_ui_path("/__mock/uix"));
        assert!(!is_ui_path("/open-apis/__mock/ui"));
    }
}
