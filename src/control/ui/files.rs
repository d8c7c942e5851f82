//! The Files page: everything stored, by endpoint and owner (Drive node, OKR target, task,
//! Project work item field with its count against 50), images as thumbnails, every file
//! downloadable (`/__mock/ui/file/:file_token`, the bytes
//! `GET /__mock/files/:file_token` serves).

use super::format::{endpoint_label, format_ms, format_size, inline_image, plural};
use super::layout;
use crate::control::Emulator;
use crate::state::store::StoredFile;
use maud::{html, Markup};
use std::collections::BTreeMap;

/// Attachments a Project field may hold (seed 003).
const PROJECT_FIELD_LIMIT: usize = crate::families::project::MAX_ATTACHMENTS_PER_FIELD;

/// Endpoints in the order the page shows them.
const ORDER: &[&str] = &[
    "drive.media.upload_all",
    "okr.image.upload",
    "task.attachment.upload",
    "project.work_item.file.upload",
];

/// The whole page.
pub fn page(emulator: &Emulator) -> String {
    let files = emulator.store.files();
    // endpoint → owner label → files
    let mut groups: BTreeMap<(usize, String), BTreeMap<String, Vec<&StoredFile>>> = BTreeMap::new();
    for f in &files {
        let rank = ORDER
            .iter()
            .position(|e| *e == f.endpoint)
            .unwrap_or(ORDER.len());
        groups
            .entry((rank, f.endpoint.clone()))
            .or_default()
            .entry(owner(emulator, f))
            .or_default()
            .push(f);
    }
    let body = html! {
        p.count { (plural(files.len(), "stored file")) ", " (format_size(emulator.store.stored_bytes())) " kept" }
        @if files.is_empty() {
            p.empty { "Nothing stored yet." }
        }
        @for ((_, endpoint), owners) in &groups {
            section.group aria-labelledby={ "g-" (endpoint) } {
                h2 id={ "g-" (endpoint) } { (endpoint_label(endpoint)) " " small { code { (endpoint) } } }
                @for (owner, files) in owners {
                    h3 { (owner) }
                    ul.files {
                        @for f in files { li { (file_card(f)) } }
                    }
                }
            }
        }
    };
    layout::page("Files", "/files", body)
}

/// Who a file belongs to, as a heading.
fn owner(emulator: &Emulator, f: &StoredFile) -> String {
    let fam = &emulator.families;
    match f.endpoint.as_str() {
        "drive.media.upload_all" => match fam.drive.node(&f.parent) {
            Some(n) if !n.title.is_empty() => {
                format!("Drive {} {} “{}”", n.node_type, n.token, n.title)
            }
            Some(n) => format!("Drive {} {}", n.node_type, n.token),
            None => format!("Drive node {}", f.parent),
        },
        "okr.image.upload" => {
            let kind = if fam
                .okr
                .target_exists(&f.parent, crate::families::okr::TARGET_KEY_RESULT)
            {
                "key result"
            } else {
                "objective"
            };
            format!("OKR {kind} {}", f.parent)
        }
        "task.attachment.upload" => match fam.task.task(&f.parent) {
            Some(t) if !t.summary.is_empty() => format!("Task {} “{}”", t.guid, t.summary),
            _ => format!("Task {}", f.parent),
        },
        "project.work_item.file.upload" => match fam.project.slot_of(&f.file_token) {
            Some(slot) => {
                let index = slot.index.map(|i| format!("[{i}]")).unwrap_or_default();
                format!(
                    "Project {} · work item {} · field {}{} · {} of {} attachments",
                    slot.project_key,
                    slot.work_item_id,
                    slot.field_key,
                    index,
                    fam.project.attachment_count(&slot),
                    PROJECT_FIELD_LIMIT
                )
            }
            None => format!("Project work item {}", f.parent),
        },
        _ => f.parent.clone(),
    }
}

fn file_card(f: &StoredFile) -> Markup {
    let retained = f.bytes.len() as u64 == f.size;
    let href = format!("/__mock/ui/file/{}", f.file_token);
    let image = inline_image(&f.content_type) && retained && f.size > 0;
    html! {
        article.file data-token=(f.file_token) {
            div.thumb {
                @if image {
                    img src=(href) alt={ "thumbnail of " (f.name) } loading="lazy";
                } @else {
                    span.kind aria-hidden="true" { (kind_badge(&f.content_type)) }
                }
            }
            div.meta {
                p.name { (f.name) }
                p.small { code { (f.file_token) } }
                p.small { (format_size(f.size)) " · " (f.content_type) " · " (format_ms(f.uploaded_at_ms)) }
                @if let Some(h) = &f.sha256 { p.small { "sha256 " code.hash title=(h) { (h.get(..16).unwrap_or(h)) "…" } } }
                @if retained {
                    a.download href={ (href) "?download=1" } download=(f.name) { "Download" span.visually-hidden { " " (f.name) } }
                } @else {
                    p.small { "bytes not kept (--retain metadata)" }
                }
            }
        }
    }
}

fn kind_badge(content_type: &str) -> &'static str {
    match content_type.split('/').next().unwrap_or("") {
        "image" => "IMG",
        "text" => "TXT",
        "video" => "VID",
        "audio" => "AUD",
        _ if content_type.contains("pdf") => "PDF",
        _ => "FILE",
    }
}
