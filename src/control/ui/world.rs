//! The World & controls page: the emulator clock; the world's apps (app_id, name, type,
//! scopes — never secrets), users and Project plugins; live tokens, shortened
//! ([`super::format::shorten_token`]), with kind and expiry on the emulator clock; quotas in use per app
//! and endpoint against their documented limits; fault rules with their fired counts; what is
//! held; and buttons that call the control plane's own routes (`POST /__mock/reset`,
//! `DELETE /__mock/faults`, `POST /__mock/clock`) through `ui.js`.

use super::format::{format_ms, format_remaining, format_size, shorten_token};
use super::layout::{self, stacked_table};
use crate::contract::spec::Catalogue;
use crate::control::Emulator;
use crate::families::project::PluginTokenKind;
use crate::state::store::TokenKind;
use maud::{html, Markup};

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
        (world_section(emulator))
        (tokens_section(emulator))
        (quota_section(emulator))
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

/// Apps, users and Project plugins of the loaded world.
fn world_section(emulator: &Emulator) -> Markup {
    let apps = emulator.store.apps();
    let users = emulator.store.users();
    let plugins = emulator.families.project.plugins();
    html! {
        section.panel aria-labelledby="h-world" {
            h2 #h-world { "World" }
            p.small { "One tenant: every app below is installed in it and every user belongs to it. Secrets are not shown." }
            h3 #h-apps { "Apps" }
            @if apps.is_empty() {
                p.empty { "No app." }
            } @else {
                (stacked_table(
                    "apps",
                    Some("h-apps"),
                    &["app_id", "name", "type", "scopes"],
                    html! {
                        @for a in &apps {
                            tr data-app=(a.app_id) {
                                td.app-id data-label="app_id" { code { (a.app_id) } }
                                td data-label="name" { (a.name) }
                                td.app-type data-label="type" { (a.app_type) " " span.small { (match a.app_type.as_str() {
                                    "custom" => "(self-built)",
                                    "isv" => "(store app)",
                                    _ => "",
                                }) } }
                                td.scopes data-label="scopes" {
                                    @if a.scopes.is_empty() {
                                        span.empty { "none" }
                                    } @else {
                                        ul.chips { @for sc in &a.scopes { li { code { (sc) } } } }
                                    }
                                }
                            }
                        }
                    },
                ))
            }
            h3 #h-users { "Users" }
            @if users.is_empty() {
                p.empty { "No user." }
            } @else {
                (stacked_table(
                    "users",
                    Some("h-users"),
                    &["open_id", "user_id", "union_id", "name"],
                    html! {
                        @for u in &users {
                            tr data-open-id=(u.open_id) {
                                td.open-id data-label="open_id" { code { (u.open_id) } }
                                td.user-id data-label="user_id" { code { (u.user_id) } }
                                td data-label="union_id" { code { (u.union_id) } }
                                td.user-name data-label="name" { (u.name) }
                            }
                        }
                    },
                ))
            }
            h3 #h-plugins { "Project plugins" }
            @if plugins.is_empty() {
                p.empty { "No plugin." }
            } @else {
                ul.plain {
                    @for (id, spaces) in &plugins {
                        li { code { (id) } " · "
                            @if spaces.is_empty() { "every space" } @else { "spaces " (spaces.join(", ")) }
                        }
                    }
                }
            }
        }
    }
}

/// At most this many tokens of each list (open platform, Project) are shown: the cap on issued
/// tokens is far larger, and the page must stay small.
const TOKENS_SHOWN: usize = 200;

/// Live open-platform and Project tokens, shortened: the page never holds a whole token.
fn tokens_section(emulator: &Emulator) -> Markup {
    let now = emulator.store.now_ms();
    let open = emulator.store.live_tokens(now);
    let plugin = emulator.families.project.live_tokens(now);
    let expiry = |exp: Option<i64>| -> Markup {
        html! {
            @match exp {
                None => { "never (issued by the world file)" }
                Some(ms) => { (format_ms(ms)) " " span.small { "(in " (format_remaining(ms - now)) ")" } }
            }
        }
    };
    html! {
        section.panel aria-labelledby="h-tokens" {
            h2 #h-tokens { "Live tokens" }
            p.small {
                (open.len() + plugin.len()) " live on the emulator clock; shown shortened"
                @if open.len() > TOKENS_SHOWN || plugin.len() > TOKENS_SHOWN {
                    ", at most " (TOKENS_SHOWN) " of each kind (the world's, then the soonest to expire)"
                }
                "."
            }
            @if open.is_empty() && plugin.is_empty() {
                p.empty { "No live token." }
            } @else {
                (stacked_table(
                    "tokens",
                    None,
                    &["token", "kind", "app or plugin", "user", "expires"],
                    html! {
                        @for t in open.iter().take(TOKENS_SHOWN) {
                            tr {
                                td.token data-label="token" { code { (shorten_token(&t.token)) } }
                                td.kind data-label="kind" { (match t.kind { TokenKind::Tenant => "tenant", TokenKind::User => "user" }) }
                                td data-label="app" { code { (t.app_id) } }
                                td data-label="user" { @if let Some(o) = &t.open_id { code { (o) } } }
                                td.expires data-label="expires" { (expiry(t.expires_at_ms)) }
                            }
                        }
                        @for (token, t) in plugin.iter().take(TOKENS_SHOWN) {
                            tr {
                                td.token data-label="token" { code { (shorten_token(token)) } }
                                td.kind data-label="kind" { (match t.kind { PluginTokenKind::Plugin => "plugin", PluginTokenKind::Virtual => "virtual", PluginTokenKind::User => "user" }) }
                                td data-label="plugin" { code { (t.plugin_id) } }
                                td data-label="user" {}
                                td.expires data-label="expires" { (expiry(Some(t.expires_at_ms))) }
                            }
                        }
                    },
                ))
            }
        }
    }
}

/// Frequency-limit counters in use, per app and endpoint, against the endpoint's limits.
fn quota_section(emulator: &Emulator) -> Markup {
    let now = emulator.store.now_ms();
    let usage = emulator.quota.usage(now);
    let catalogue = Catalogue::get();
    let cell = |count: Option<u32>, limit: Option<u32>| -> String {
        match (count, limit) {
            (Some(c), Some(l)) => format!("{c} / {l}"),
            _ => "—".to_string(),
        }
    };
    html! {
        section.panel aria-labelledby="h-quotas" {
            h2 #h-quotas { "Quotas in use" }
            @if !emulator.store.options.rate_limits {
                p.empty { "Frequency limits are off (--no-rate-limits): nothing is counted." }
            } @else if usage.is_empty() {
                p.empty { "No request counted yet." }
            } @else {
                p.small { "Requests counted per app in the current second, minute and UTC day of the emulator clock, against the documented limits (refused requests do not count)." }
                (stacked_table(
                    "quotas",
                    None,
                    &["app", "endpoint", "this second", "this minute", "today"],
                    html! {
                        @for u in &usage {
                            @let spec = catalogue.endpoints.iter().find(|e| e.name == u.endpoint).map(|e| e.quota.clone()).unwrap_or_default();
                            tr data-app=(u.app_id) data-endpoint=(u.endpoint) {
                                td data-label="app" { code { (u.app_id) } }
                                td data-label="endpoint" { code { (u.endpoint) } }
                                td.q-second data-label="this second" { (cell(u.this_second, spec.per_second)) }
                                td.q-minute data-label="this minute" { (cell(u.this_minute, spec.per_minute)) }
                                td.q-day data-label="today" { (cell(u.today, spec.per_day)) }
                            }
                        }
                    },
                ))
            }
        }
    }
}
