//! The Tasks page: Task v2 attachments by task — task guid (and summary from the world),
//! attachment guid, name, size, uploader, upload time and a download link
//! (`/__mock/ui/file/:file_token?download=1`, the bytes the store keeps).

use super::format::{format_ms, format_size, plural};
use super::layout::{self, stacked_table};
use crate::control::Emulator;
use crate::families::task::{AttachmentRecord, Uploader};
use maud::{html, Markup};
use std::collections::BTreeMap;

/// The whole page.
pub fn page(emulator: &Emulator) -> String {
    let records = emulator.families.task.attachments();
    // task guid → its attachments in upload order
    let mut by_task: BTreeMap<&str, Vec<&AttachmentRecord>> = BTreeMap::new();
    for r in &records {
        by_task.entry(r.resource_id.as_str()).or_default().push(r);
    }
    let body = html! {
        p.count { (plural(records.len(), "attachment")) " on " (plural(by_task.len(), "task")) }
        @if records.is_empty() {
            p.empty { "No task attachment uploaded yet." }
        }
        @for (guid, list) in &by_task {
            (task_section(emulator, guid, list))
        }
    };
    layout::page("Task attachments", "/tasks", body)
}

fn task_section(emulator: &Emulator, guid: &str, list: &[&AttachmentRecord]) -> Markup {
    let summary = emulator
        .families
        .task
        .task(guid)
        .map(|t| t.summary)
        .unwrap_or_default();
    let id = format!("t-{guid}");
    html! {
        section.group.task data-task=(guid) aria-labelledby=(id) {
            h2 id=(id) {
                "Task " code.task-guid { (guid) }
                @if !summary.is_empty() { " “" (summary) "”" }
                " " small { "(" (plural(list.len(), "attachment")) ")" }
            }
            (stacked_table(
                "attachments",
                None,
                &["attachment guid", "name", "size", "uploaded by", "uploaded", "download"],
                html! {
                    @for r in list { (row(emulator, r)) }
                },
            ))
        }
    }
}

fn row(emulator: &Emulator, r: &AttachmentRecord) -> Markup {
    let retained = emulator
        .store
        .file(&r.file_token)
        .is_some_and(|f| f.bytes.len() as u64 == f.size);
    html! {
        tr data-guid=(r.guid) {
            td.guid data-label="attachment guid" { code { (r.guid) } }
            td.name data-label="name" { (r.name) }
            td.size data-label="size" title={ (r.size) " bytes" } { (format_size(r.size)) }
            td.uploader data-label="uploaded by" {
                @match &r.uploader {
                    Uploader::User(open_id) => {
                        "user " code { (open_id) }
                        @if let Some(u) = emulator.store.user(open_id).filter(|u| !u.name.is_empty()) { " (" (u.name) ")" }
                    }
                    Uploader::App(app_id) => { "app " code { (app_id) } }
                }
            }
            td data-label="uploaded" { (format_ms(r.uploaded_at_ms)) }
            td data-label="download" {
                @if retained {
                    a.download href={ "/__mock/ui/file/" (r.file_token) "?download=1" } download=(r.name) {
                        "Download" span.visually-hidden { " " (r.name) }
                    }
                } @else {
                    span.small { "bytes not kept" }
                }
            }
        }
    }
}
