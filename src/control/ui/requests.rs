//! The Requests page: the journal, newest first, filterable by endpoint, caller and code; each
//! entry opens to its parts and a copy-as-curl. `ui.js` refreshes the list every two seconds
//! from `/__mock/ui/requests/entries` with the same query.

use super::format::{endpoint_label, format_ms, format_size};
use super::layout;
use crate::contract::spec::Catalogue;
use crate::control::journal::JournalEntry;
use crate::control::Emulator;
use maud::{html, Markup};
use std::collections::BTreeSet;

/// The filters of the query string; empty values mean no filter.
struct Filter<'a> {
    endpoint: Option<&'a str>,
    caller: Option<&'a str>,
    code_text: Option<&'a str>,
    code: Option<i64>,
}

impl<'a> Filter<'a> {
    fn read(query: &'a [(String, String)]) -> Filter<'a> {
        let q = |name: &str| {
            query
                .iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim())
        };
        let code_text = q("code");
        Filter {
            endpoint: q("endpoint"),
            caller: q("caller"),
            code_text,
            code: code_text.and_then(|c| c.parse().ok()),
        }
    }

    fn bad_code(&self) -> bool {
        self.code_text.is_some() && self.code.is_none()
    }

    /// Matching entries, newest first.
    fn entries(&self, emulator: &Emulator) -> Vec<JournalEntry> {
        if self.bad_code() {
            return vec![];
        }
        let mut entries: Vec<JournalEntry> = emulator
            .journal
            .list(self.endpoint, self.code)
            .into_iter()
            .filter(|e| self.caller.is_none_or(|c| e.caller.as_deref() == Some(c)))
            .collect();
        entries.reverse();
        entries
    }
}

/// The whole page.
pub fn page(emulator: &Emulator, query: &[(String, String)]) -> String {
    let filter = Filter::read(query);
    let all = emulator.journal.list(None, None);
    let mut endpoints: BTreeSet<String> = Catalogue::get()
        .endpoints
        .iter()
        .map(|e| e.name.clone())
        .collect();
    endpoints.extend(all.iter().map(|e| e.endpoint.clone()));
    let callers: BTreeSet<String> = all.iter().filter_map(|e| e.caller.clone()).collect();
    let body = html! {
        form.filters method="get" action="/__mock/ui/requests" role="search" {
            label {
                "Endpoint "
                select name="endpoint" {
                    option value="" { "any" }
                    @for e in &endpoints {
                        option value=(e) selected[filter.endpoint == Some(e.as_str())] { (e) }
                    }
                }
            }
            label {
                "Caller "
                select name="caller" {
                    option value="" { "any" }
                    @for c in &callers {
                        option value=(c) selected[filter.caller == Some(c.as_str())] { (c) }
                    }
                }
            }
            label {
                "Code "
                input name="code" type="text" inputmode="numeric" size="10"
                    value=(filter.code_text.unwrap_or("")) placeholder="e.g. 1061043";
            }
            button type="submit" { "Filter" }
            a href="/__mock/ui/requests" { "Clear filters" }
            label.live {
                input #live type="checkbox" checked;
                " Live"
            }
        }
        @if filter.bad_code() {
            p.warn role="alert" { "Code must be an integer." }
        }
        div #entries data-poll="/__mock/ui/requests/entries" aria-live="polite" {
            (entries(&filter, emulator))
        }
    };
    layout::page("Requests", "/requests", body)
}

/// The list alone, for the page's polling.
pub fn entries_fragment(emulator: &Emulator, query: &[(String, String)]) -> String {
    entries(&Filter::read(query), emulator).into_string()
}

fn entries(filter: &Filter<'_>, emulator: &Emulator) -> Markup {
    let entries = filter.entries(emulator);
    html! {
        p.count { (entries.len()) " of " (emulator.journal.list(None, None).len()) " journalled requests, newest first" }
        @if entries.is_empty() {
            p.empty { "No request matches." }
        }
        ol.entries {
            @for e in &entries {
                li { (entry(e)) }
            }
        }
    }
}

/// The documented msg of `code` answered by `endpoint`, when the contract names one.
fn msg_of(endpoint: &str, code: i64) -> Option<String> {
    let catalogue = Catalogue::get();
    if let Some(spec) = catalogue.endpoints.iter().find(|e| e.name == endpoint) {
        if let Some(err) = spec.error(code) {
            return Some(err.msg.clone());
        }
    }
    let p = &catalogue.platform;
    p.open
        .iter()
        .chain(&p.auth)
        .chain(&p.project)
        .find(|e| e.code == code)
        .map(|e| e.msg.clone())
}

fn entry(e: &JournalEntry) -> Markup {
    let ok = e.status < 400 && e.code.is_none_or(|c| c == 0);
    let msg = e
        .code
        .filter(|c| *c != 0)
        .and_then(|c| msg_of(&e.endpoint, c));
    html! {
        details.entry data-key=(e.log_id) {
            summary {
                span.status.ok[ok].err[!ok] { (e.status) }
                span.method { (e.method) }
                span.path { (e.path) }
                span.endpoint { (e.endpoint) }
                @if let Some(c) = &e.caller { span.caller { (c) } }
                @if let Some(code) = e.code { span.code { "code " (code) } }
                span.time { (format_ms(e.time_ms)) }
            }
            div.detail {
                dl {
                    dt { "Method" } dd { (e.method) }
                    dt { "Path" } dd { code { (e.path) } }
                    dt { "Endpoint" } dd { (endpoint_label(&e.endpoint)) }
                    dt { "Caller" } dd { (e.caller.as_deref().unwrap_or("none")) }
                    dt { "HTTP status" } dd { (e.status) }
                    dt { "Feishu code" } dd { @if let Some(c) = e.code { (c) } @else { "none" } }
                    @if let Some(m) = &msg { dt { "msg" } dd { (m) } }
                    dt { "Log id" } dd { code { (e.log_id) } }
                    dt { "Time" } dd { (format_ms(e.time_ms)) }
                }
                @if !e.parts.is_empty() {
                    div.scroll {
                        table.parts {
                            caption { "File parts" }
                            thead { tr { th scope="col" { "name" } th scope="col" { "filename" } th scope="col" { "size" } th scope="col" { "sha256" } th scope="col" { "content type" } } }
                            tbody {
                                @for p in &e.parts {
                                    tr {
                                        td { (p.name) }
                                        td.filename { (p.filename.as_deref().unwrap_or("")) }
                                        td { (format_size(p.size)) }
                                        td { code.hash title=(p.sha256) { (p.sha256.get(..16).unwrap_or(&p.sha256)) "…" } }
                                        td { (p.content_type.as_deref().unwrap_or("")) }
                                    }
                                }
                            }
                        }
                    }
                }
                div.curl-box {
                    span.label { "As curl (credentials and text fields are not journalled)" }
                    pre.curl { code { (curl(e)) } }
                    button.copy type="button" { "Copy curl" }
                }
            }
        }
    }
}

/// Single-quotes `s` for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The request as far as the journal can tell it, as a curl command. `ORIGIN` is replaced by
/// the page's origin in the browser (`ui.js`); the emulator does not know the host it was
/// reached by.
fn curl(e: &JournalEntry) -> String {
    let mut out = format!(
        "curl -X {} {}",
        e.method,
        sh_quote(&format!("ORIGIN{}", e.path))
    );
    match e.caller.as_deref() {
        Some(c) if c.starts_with("plugin:") => {
            out.push_str(" \\\n  -H 'X-PLUGIN-TOKEN: $PLUGIN_TOKEN' -H 'X-USER-KEY: $USER_KEY'");
        }
        Some(_) => out.push_str(" \\\n  -H \"Authorization: Bearer $TOKEN\""),
        None => {}
    }
    if e.endpoint == "okr.progress_record.create" {
        out.push_str(" \\\n  -H 'Content-Type: application/json' --data @record.json");
    }
    for p in &e.parts {
        let file = p.filename.as_deref().unwrap_or("file");
        let mut spec = format!("{}=@{}", p.name, file);
        if let Some(ct) = &p.content_type {
            spec.push_str(";type=");
            spec.push_str(ct);
        }
        out.push_str(" \\\n  -F ");
        out.push_str(&sh_quote(&spec));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::journal::PartRecord;

    #[test]
    fn curl_quotes_what_the_client_named() {
        let e = JournalEntry {
            time_ms: 0,
            method: "POST".into(),
            path: "/open-apis/drive/v1/medias/upload_all".into(),
            endpoint: "drive.media.upload_all".into(),
            caller: Some("app:cli_mock".into()),
            status: 200,
            code: Some(0),
            log_id: "x".into(),
            parts: vec![PartRecord {
                name: "file".into(),
                filename: Some("it's.txt".into()),
                size: 1,
                sha256: "00".into(),
                content_type: None,
            }],
            mock_headers: Default::default(),
        };
        let c = curl(&e);
        assert!(c.contains("-F 'file=@it'\\''s.txt'"), "{c}");
        assert!(c.contains("Authorization: Bearer $TOKEN"), "{c}");
    }
}
