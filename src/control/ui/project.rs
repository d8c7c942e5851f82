//! The Project page: Feishu Project attachments per work item field — project_key,
//! work_item_type_key, work_item_id, field (and compound index), how many it holds against
//! the limit of 50, and each attachment's uuid, name, size and download link — then the files
//! uploaded to a space as a whole (`POST /open_api/:project_key/file/upload`).

use super::format::{format_ms, format_size, plural};
use super::layout::{self, stacked_table};
use crate::control::Emulator;
use crate::families::project::{FieldSlot, MAX_ATTACHMENTS_PER_FIELD};
use crate::state::store::StoredFile;
use maud::{html, Markup};

/// Endpoint of space-level uploads.
const SPACE_UPLOAD: &str = "project.file.upload";

/// The whole page.
pub fn page(emulator: &Emulator) -> String {
    let fields = emulator.families.project.fields();
    let space_files: Vec<StoredFile> = emulator
        .store
        .files()
        .into_iter()
        .filter(|f| f.endpoint == SPACE_UPLOAD)
        .collect();
    let held: usize = fields.iter().map(|(_, u)| u.len()).sum();
    let body = html! {
        p.count { (plural(held, "attachment")) " in " (plural(fields.len(), "work item field")) ", "
            (plural(space_files.len(), "space-level file")) }
        section.group aria-labelledby="h-fields" {
            h2 #h-fields { "Work item fields" }
            @if fields.is_empty() {
                p.empty { "No work item attachment uploaded yet." }
            }
            @for (slot, uuids) in &fields { (field(emulator, slot, uuids)) }
        }
        section.group aria-labelledby="h-space-files" {
            h2 #h-space-files { "Space-level files" }
            @if space_files.is_empty() {
                p.empty { "No file uploaded to a space." }
            } @else {
                (stacked_table(
                    "space-files",
                    None,
                    &["project_key", "uuid", "name", "size", "uploaded", "download"],
                    html! {
                        @for f in &space_files {
                            tr data-uuid=(f.file_token) {
                                td data-label="project_key" { code { (f.parent) } }
                                td data-label="uuid" { code { (f.file_token) } }
                                td.name data-label="name" { (f.name) }
                                td.size data-label="size" title={ (f.size) " bytes" } { (format_size(f.size)) }
                                td data-label="uploaded" { (format_ms(f.uploaded_at_ms)) }
                                td data-label="download" { (download(f)) }
                            }
                        }
                    },
                ))
            }
        }
    };
    layout::page("Project attachments", "/project", body)
}

fn field(emulator: &Emulator, slot: &FieldSlot, uuids: &[String]) -> Markup {
    let type_key = emulator
        .families
        .project
        .work_item_type(&slot.project_key, &slot.work_item_id)
        .unwrap_or_default();
    let field_label = match slot.index {
        Some(i) => format!("{}[{i}]", slot.field_key),
        None => slot.field_key.clone(),
    };
    html! {
        article.record.field data-project-key=(slot.project_key) data-work-item-id=(slot.work_item_id) data-field=(field_label) {
            h3 { "Work item " code { (slot.work_item_id) } " · field " code { (field_label) } }
            dl.counts {
                dt { "project_key" } dd.project-key { code { (slot.project_key) } }
                dt { "work_item_type_key" } dd.type-key { code { (type_key) } }
                dt { "work_item_id" } dd.work-item-id { code { (slot.work_item_id) } }
                dt { "field" } dd.field-key { code { (field_label) } }
                dt { "attachments" } dd.count { (uuids.len()) "/" (MAX_ATTACHMENTS_PER_FIELD) }
            }
            @if uuids.is_empty() {
                p.empty { "No attachment left (all deleted)." }
            } @else {
                (stacked_table(
                    "attachments",
                    None,
                    &["uuid", "name", "size", "type", "uploaded", "download"],
                    html! {
                        @for uuid in uuids {
                            @if let Some(f) = emulator.store.file(uuid) {
                                tr data-uuid=(uuid) {
                                    td data-label="uuid" { code { (uuid) } }
                                    td.name data-label="name" { (f.name) }
                                    td.size data-label="size" title={ (f.size) " bytes" } { (format_size(f.size)) }
                                    td data-label="type" { (f.content_type) }
                                    td data-label="uploaded" { (format_ms(f.uploaded_at_ms)) }
                                    td data-label="download" { (download(&f)) }
                                }
                            } @else {
                                tr data-uuid=(uuid) { td { code { (uuid) } } td colspan="5" { "not in the store" } }
                            }
                        }
                    },
                ))
            }
        }
    }
}

fn download(f: &StoredFile) -> Markup {
    html! {
        @if f.bytes.len() as u64 == f.size {
            a.download href={ "/__mock/ui/file/" (f.file_token) "?download=1" } download=(f.name) {
                "Download" span.visually-hidden { " " (f.name) }
            }
        } @else {
            span.small { "bytes not kept" }
        }
    }
}
