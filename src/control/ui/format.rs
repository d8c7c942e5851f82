//! How the inspector writes values for people: times, durations, sizes, plurals, shortened
//! tokens, endpoint labels, and which images it shows inline. Every page imports these; they
//! import nothing of the inspector.

/// Raster image types a thumbnail may be shown inline with (never SVG, which can script).
const INLINE_IMAGES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/x-icon",
    "image/vnd.microsoft.icon",
];

/// Whether a stored file of `content_type` is shown inline as a thumbnail.
pub(crate) fn inline_image(content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    INLINE_IMAGES.iter().any(|t| t.eq_ignore_ascii_case(ct))
}

/// `ms` since the epoch as `2026-11-01 12:00:00.123 UTC`.
pub(crate) fn format_ms(ms: i64) -> String {
    use time::macros::format_description;
    let fmt = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] UTC"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A duration of `ms` milliseconds as `1 h 59 min`, `4 min 10 s` or `12 s` (0 for negative).
pub(crate) fn format_remaining(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {sec} s")
    } else {
        format!("{sec} s")
    }
}

/// A token as the inspector shows it: its first 6 and last 4 characters around `…`; a token
/// of 14 characters or fewer keeps only its first third, so that no token is ever shown whole.
pub(crate) fn shorten_token(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let n = chars.len();
    if n > 14 {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}…{tail}")
    } else {
        let head: String = chars[..n / 3].iter().collect();
        format!("{head}…")
    }
}

/// A byte count as `1.5 KiB`.
pub(crate) fn format_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `n` and `noun`, with an `s` unless `n` is 1.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A human label of an endpoint spec name.
pub(crate) fn endpoint_label(endpoint: &str) -> &str {
    match endpoint {
        "drive.media.upload_all" => "Drive media upload_all",
        "okr.image.upload" => "OKR image upload",
        "okr.progress_record.create" => "OKR progress record",
        "task.attachment.upload" => "Task attachment upload",
        "project.work_item.file.upload" => "Project attachment upload",
        crate::control::replay::REPLAYED_ENDPOINT => "Replayed from a recording",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_as_people_write_them() {
        assert_eq!(format_size(12), "12 B");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(20 * 1024 * 1024), "20.0 MiB");
        assert_eq!(format_ms(0), "1970-01-01 00:00:00.000 UTC");
        assert_eq!(format_remaining(7_199_000), "1 h 59 min");
        assert_eq!(format_remaining(250_000), "4 min 10 s");
        assert_eq!(format_remaining(-5), "0 s");
        assert_eq!(format_remaining(90_000_000), "1 d 1 h");
    }

    #[test]
    fn tokens_are_never_shown_whole() {
        assert_eq!(
            shorten_token("t-43b270c035ddffdcf79c9eb548d06318ca4abcef"),
            "t-43b2…bcef"
        );
        assert_eq!(
            shorten_token("u-7f1bcd13fc57d46bac21793a18e560"),
            "u-7f1b…e560"
        );
        assert_eq!(shorten_token("t-short"), "t-…");
        assert_eq!(
            shorten_token("飞书令牌飞书令牌飞书令牌飞书令牌"),
            "飞书令牌飞书…飞书令牌"
        );
        assert_eq!(shorten_token(""), "…");
    }
}
