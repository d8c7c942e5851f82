//! JUnit XML reports written by the suites `cargo test` drives (Maven's surefire, pytest).

/// `(tests, failures, errors, skipped)` of the report's first `<testsuite>` element; 0 for an
/// attribute it lacks, all 0 when there is no such element (a `<testsuites>` wrapper is passed
/// over).
pub fn testsuite_counts(xml: &str) -> (u64, u64, u64, u64) {
    let head = xml
        .find("<testsuite ")
        .map(|i| &xml[i..])
        .and_then(|s| s.find('>').map(|j| &s[..j]))
        .unwrap_or("");
    let attr = |name: &str| -> u64 {
        let key = format!(" {name}=\"");
        head.find(&key)
            .map(|i| &head[i + key.len()..])
            .and_then(|s| s.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (
        attr("tests"),
        attr("failures"),
        attr("errors"),
        attr("skipped"),
    )
}
