//! The World & controls page: the emulator clock, fault rules with their fired counts, what
//! is held, and buttons that call the control plane's own routes (`POST /__mock/reset`,
//! `DELETE /__mock/faults`, `POST /__mock/clock`) through `ui.js`.

use super::layout;
use super::{format_ms, format_size};
use crate::control::Emulator;
use maud::html;

/// The whole page.
pub fn page(emulator: &Emulator) -> String {
    let store = &emulator.store;
    let faults = emulator.faults.list();
    let opts = &store.options;
    let body = html! {
        p #action-status.notice role="status" aria-live="polite" {}
        section.panel aria-labelledby="h-clock" {
            h2 #h-clock { "Clock" }
            p { "Emulator time " strong #clock data-now-ms=(store.now_ms()) { (format_ms(store.now_ms())) } }
            form.inline #advance-clock {
                label { "Advance by " input #advance-seconds name="advance_seconds" type="number" min="0" step="any" value="3600" required; " seconds" }
                button type="submit" data-action="clock" { "Advance clock" }
            }
        }
        section.panel aria-labelledby="h-faults" {
            h2 #h-faults { "Fault rules" }
            @if faults.is_empty() {
                p.empty { "No fault rule." }
            } @else {
                div.scroll {
                    table.faults {
                        thead { tr {
                            th scope="col" { "id" } th scope="col" { "endpoint" } th scope="col" { "app" }
                            th scope="col" { "action" } th scope="col" { "times" } th scope="col" { "probability" } th scope="col" { "fired" }
                        } }
                        tbody {
                            @for f in &faults {
                                tr {
                                    td { (f.id) }
                                    td { code { (f.endpoint) } }
                                    td { (f.app_id.as_deref().unwrap_or("any")) }
                                    td {
                                        @if let Some(c) = f.error_code { "error " (c) " " }
                                        @if let Some(d) = f.delay_ms { "delay " (d) " ms " }
                                        @if f.reset_connection { "reset connection" }
                                    }
                                    td { @if let Some(t) = f.times { (t) } @else { "∞" } }
                                    td { (f.probability.unwrap_or(1.0)) }
                                    td.fired { (f.fired) }
                                }
                            }
                        }
                    }
                }
            }
            button type="button" data-action="clear-faults" { "Clear faults" }
        }
        section.panel aria-labelledby="h-held" {
            h2 #h-held { "Held" }
            dl.counts {
                dt { "Stored files" } dd { (store.file_count()) " (" (format_size(store.stored_bytes())) ")" }
                dt { "OKR progress records" } dd { (emulator.families.okr.progress_record_count()) }
                dt { "OKR gallery images" } dd { (emulator.families.okr.image_count()) }
                dt { "Task attachments" } dd { (emulator.families.task.attachment_count()) }
                dt { "Journal entries" } dd { (emulator.journal.list(None, None).len()) }
                dt { "Rate limits" } dd { @if opts.rate_limits { "enforced" } @else { "off (--no-rate-limits)" } }
                dt { "Retention" } dd { (format!("{:?}", opts.retain).to_lowercase()) }
                dt { "Loose mode" } dd { @if opts.loose { "on" } @else { "off" } }
            }
        }
        section.panel aria-labelledby="h-reset" {
            h2 #h-reset { "Reset" }
            p { "Back to the world loaded at start-up: stored files, records, issued tokens, counters, journal, faults and clock are cleared." }
            button.danger type="button" data-action="reset" { "Reset emulator" }
        }
    };
    layout::page("World & controls", "/controls", body)
}
