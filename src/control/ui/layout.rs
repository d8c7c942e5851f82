//! The page shell every inspector page shares: head, navigation, main landmark.

use maud::{html, Markup, DOCTYPE};

/// The pages in the navigation: (path below `/__mock/ui`, label).
const NAV: &[(&str, &str)] = &[
    ("/requests", "Requests"),
    ("/files", "Files"),
    ("/okr", "OKR records"),
    ("/tasks", "Tasks"),
    ("/project", "Project"),
    ("/controls", "World & controls"),
];

/// A table that scrolls sideways at laptop width and stacks into labelled cards at phone width
/// (`ui.css`, `table.stack`): `class` names it for the CSS and the tests, `labelledby` is the id
/// of its heading, `headers` its column heads. Each cell of `rows` carries a `data-label` equal to
/// its column head, which the stacked layout shows.
pub fn stacked_table(
    class: &str,
    labelledby: Option<&str>,
    headers: &[&str],
    rows: Markup,
) -> Markup {
    html! {
        div.scroll {
            table class={ (class) " stack" } aria-labelledby=[labelledby] {
                thead { tr { @for h in headers { th scope="col" { (h) } } } }
                tbody { (rows) }
            }
        }
    }
}

/// A whole page titled `title`, `current` being its path below `/__mock/ui`.
pub fn page(title: &str, current: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · feishu-mock inspector" }
                link rel="icon" href="/__mock/ui/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/__mock/ui/ui.css";
                script src="/__mock/ui/ui.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "feishu-mock" span.sub { " inspector" } }
                    nav aria-label="Inspector pages" {
                        ul {
                            @for (path, label) in NAV {
                                li {
                                    @if *path == current {
                                        a href={ "/__mock/ui" (path) } aria-current="page" { (label) }
                                    } @else {
                                        a href={ "/__mock/ui" (path) } { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
    .into_string()
}

/// The inspector's 404 page.
pub fn not_found(path: &str) -> String {
    page(
        "Not found",
        "",
        html! { p { "No inspector page at " code { (path) } "." } },
    )
}
