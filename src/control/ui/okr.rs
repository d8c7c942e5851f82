//! The OKR page: each progress record rendered as rich text beside its raw JSON.

use super::format::{format_ms, format_size, plural};
use super::layout;
use super::richtext;
use crate::control::Emulator;
use crate::families::okr::ProgressRecord;
use maud::{html, Markup};
use serde_json::Value;

/// The whole page.
pub fn page(emulator: &Emulator) -> String {
    let mut records = emulator.families.okr.progress_records();
    records.reverse();
    let body = html! {
        p.count { (plural(records.len(), "progress record")) ", newest first" }
        @if records.is_empty() {
            p.empty { "No progress record created yet." }
        }
        @for r in &records { (record(emulator, r)) }
    };
    layout::page("OKR progress records", "/okr", body)
}

fn status_label(v: &Value) -> &'static str {
    match v.get("status").and_then(Value::as_i64) {
        Some(-1) => "none",
        Some(0) => "normal",
        Some(1) => "at risk",
        Some(2) => "delayed",
        _ => "",
    }
}

fn record(emulator: &Emulator, r: &ProgressRecord) -> Markup {
    let kind = if r.target_type == crate::families::okr::TARGET_KEY_RESULT {
        "key result"
    } else {
        "objective"
    };
    let content = r.content();
    let raw = content
        .as_ref()
        .and_then(|c| serde_json::to_string_pretty(c).ok());
    let source_is_http =
        r.source_url.starts_with("http://") || r.source_url.starts_with("https://");
    html! {
        article.record data-progress-id=(r.progress_id) aria-labelledby={ "r-" (r.progress_id) } {
            h2 id={ "r-" (r.progress_id) } { "Progress " code { (r.progress_id) } }
            p.small {
                "on " (kind) " " code { (r.target_id) }
                " · from "
                @if source_is_http {
                    a href=(r.source_url) rel="noopener noreferrer" target="_blank" { (r.source_title) }
                } @else {
                    (r.source_title)
                }
                " · " (format_ms(r.modify_time_ms))
                " · app " (r.app_id)
                @if let Some(rate) = &r.progress_rate {
                    " · "
                    @if let Some(p) = rate.get("percent") { (p) " %" }
                    " " (status_label(rate))
                }
            }
            @match (&content, &raw) {
                (Some(c), Some(raw)) => {
                    div.split {
                        section.rendered aria-label="Rendered" {
                            h3 { "As Feishu shows it" }
                            (richtext::render(emulator, c))
                        }
                        section.raw aria-label="Raw JSON" {
                            h3 { "content as answered" }
                            pre.json tabindex="0" { code { (raw) } }
                        }
                    }
                }
                _ => {
                    p.small { "content not kept (--retain metadata): " (format_size(r.content_bytes)) }
                }
            }
        }
    }
}
