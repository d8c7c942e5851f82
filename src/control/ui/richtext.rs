//! An OKR progress record's `content` (seed 001, camelCase as answered) rendered as the rich
//! text Feishu shows: paragraphs of text runs (bold, strike-through, text and background
//! colours, links), docs links, person mentions, bullet / number / checkbox / indent lists at
//! their indent levels, and galleries of uploaded images.
//!
//! Every string of the content goes through maud's escaping; a URL becomes a link only when
//! it is `http(s)://`, and gallery images are shown only from the emulator's own store (a
//! gallery's `src` is never loaded).

use crate::control::Emulator;
use maud::{html, Markup};
use serde_json::Value;

/// The rendered content.
pub fn render(emulator: &Emulator, content: &Value) -> Markup {
    let blocks = content
        .get("blocks")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    html! {
        div.richtext {
            @for b in blocks {
                @match b.get("type").and_then(Value::as_str) {
                    Some("gallery") => (gallery(emulator, b.get("gallery"))),
                    _ => (paragraph(emulator, b.get("paragraph"))),
                }
            }
        }
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn color(c: Option<&Value>) -> Option<String> {
    let c = c?;
    let ch = |k: &str| num(c.get(k)).unwrap_or(0.0).clamp(0.0, 255.0).round() as u8;
    let alpha = num(c.get("alpha")).unwrap_or(1.0).clamp(0.0, 1.0);
    Some(format!(
        "rgba({}, {}, {}, {alpha})",
        ch("red"),
        ch("green"),
        ch("blue")
    ))
}

fn http_url(v: Option<&Value>) -> Option<&str> {
    let u = v?.as_str()?;
    let lower = u.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then_some(u)
}

fn paragraph(emulator: &Emulator, p: Option<&Value>) -> Markup {
    let empty = Value::Null;
    let p = p.unwrap_or(&empty);
    let list = p.get("style").and_then(|s| s.get("list"));
    let list_type = list
        .and_then(|l| l.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let indent = list
        .and_then(|l| l.get("indentLevel"))
        .and_then(Value::as_i64)
        .unwrap_or(if list.is_some() { 1 } else { 0 })
        .clamp(0, 16);
    let number = list.and_then(|l| l.get("number")).and_then(Value::as_i64);
    let style = format!("margin-left: {}em", indent as f64 * 1.5);
    let elements = p
        .get("elements")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    html! {
        div.rt-p data-list=(list_type) data-indent=(indent) style=(style) {
            @match list_type {
                "bullet" => span.rt-marker aria-hidden="true" { (bullet(indent)) },
                "number" => span.rt-marker { (number.unwrap_or(1)) "." },
                "checkBox" => span.rt-marker role="img" aria-label="to do" { "☐" },
                "checkedBox" => span.rt-marker role="img" aria-label="done" { "☑" },
                _ => {}
            }
            span.rt-body.rt-done[list_type == "checkedBox"] {
                @for e in elements { (element(emulator, e)) }
            }
        }
    }
}

fn bullet(indent: i64) -> &'static str {
    match indent % 3 {
        1 => "•",
        2 => "◦",
        _ => "▪",
    }
}

fn element(emulator: &Emulator, e: &Value) -> Markup {
    match e.get("type").and_then(Value::as_str) {
        Some("docsLink") => {
            let d = e.get("docsLink");
            let title = d
                .and_then(|d| d.get("title"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty());
            let url = d.and_then(|d| d.get("url"));
            let label = title.or(url.and_then(Value::as_str)).unwrap_or("document");
            html! {
                @if let Some(href) = http_url(url) {
                    a.rt-doc href=(href) rel="noopener noreferrer" target="_blank" { span.rt-badge aria-hidden="true" { "DOC" } " " (label) }
                } @else {
                    span.rt-doc { span.rt-badge aria-hidden="true" { "DOC" } " " (label) }
                }
            }
        }
        Some("person") => {
            let open_id = e
                .get("person")
                .and_then(|p| p.get("openId"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let name = emulator
                .store
                .user(open_id)
                .map(|u| u.name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| open_id.to_string());
            html! { span.rt-mention title=(open_id) { "@" (name) } }
        }
        _ => text_run(e.get("textRun")),
    }
}

fn text_run(run: Option<&Value>) -> Markup {
    let empty = Value::Null;
    let run = run.unwrap_or(&empty);
    let text = run.get("text").and_then(Value::as_str).unwrap_or("");
    let st = run.get("style").unwrap_or(&empty);
    let bold = st.get("bold").and_then(Value::as_bool).unwrap_or(false);
    let strike = st
        .get("strikeThrough")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut css = String::new();
    if let Some(c) = color(st.get("textColor")) {
        css.push_str(&format!("color: {c};"));
    }
    if let Some(c) = color(st.get("backColor")) {
        css.push_str(&format!("background-color: {c};"));
    }
    let link = http_url(st.get("link").and_then(|l| l.get("url")));
    let inner = html! {
        @if bold && strike { strong { s { (text) } } }
        @else if bold { strong { (text) } }
        @else if strike { s { (text) } }
        @else { (text) }
    };
    html! {
        span.rt-run style=[(!css.is_empty()).then_some(&css)] {
            @if let Some(href) = link {
                a href=(href) rel="noopener noreferrer" target="_blank" { (inner) }
            } @else {
                (inner)
            }
        }
    }
}

fn gallery(emulator: &Emulator, g: Option<&Value>) -> Markup {
    let images = g
        .and_then(|g| g.get("imageList"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    html! {
        div.rt-gallery {
            @for img in images {
                (image(emulator, img))
            }
        }
    }
}

fn image(emulator: &Emulator, img: &Value) -> Markup {
    let token = img.get("fileToken").and_then(Value::as_str).unwrap_or("");
    let stored = emulator
        .store
        .file(token)
        .filter(|f| f.size > 0 && f.bytes.len() as u64 == f.size)
        .filter(|f| super::format::inline_image(&f.content_type));
    let dims = |k: &str| num(img.get(k)).filter(|v| *v > 0.0);
    let style = match (dims("width"), dims("height")) {
        (Some(w), Some(h)) => format!("aspect-ratio: {w} / {h}"),
        _ => String::new(),
    };
    html! {
        figure.rt-image data-token=(token) {
            @if let Some(f) = stored {
                img src={ "/__mock/ui/file/" (token) } alt=(f.name) style=(style);
            } @else {
                div.rt-noimage { "image " code { (token) } " (no bytes here)" }
            }
            @if let Some(src) = img.get("src").and_then(Value::as_str) {
                figcaption { "src " code { (src) } }
            }
        }
    }
}
