//! Fake identifiers in Feishu's shapes: tokens, file tokens, log ids, GUIDs.
//!
//! All randomness comes from one generator owned by the store, seeded by `--seed N` when given,
//! so that a seeded run issues the same identifiers in the same order every time.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX_LOWER: &[u8] = b"0123456789abcdef";
const HEX_UPPER: &[u8] = b"0123456789ABCDEF";

/// The emulator's random source.
#[derive(Debug)]
pub struct Ids {
    rng: StdRng,
    /// The second (Unix time) the last log id was stamped with and its `YYYYMMDDhhmmss`:
    /// the requests of one second share it, formatted once.
    stamp: Option<(i64, String)>,
}

impl Ids {
    /// A generator seeded with `seed`, or from the OS when `None`.
    pub fn new(seed: Option<u64>) -> Ids {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
        Ids { rng, stamp: None }
    }

    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        let mut picked = String::with_capacity(n);
        self.push_picks(&mut picked, alphabet, n);
        picked
    }

    /// `n` chars of `alphabet` (ASCII), drawn one by one, appended to `out`.
    fn push_picks(&mut self, out: &mut String, alphabet: &[u8], n: usize) {
        // Drawn into a buffer on the stack and appended a run at a time, not char by char.
        let mut run = [0u8; 64];
        let mut left = n;
        while left > 0 {
            let take = left.min(run.len());
            for b in &mut run[..take] {
                *b = alphabet[self.rng.gen_range(0..alphabet.len())];
            }
            out.push_str(std::str::from_utf8(&run[..take]).unwrap_or_default());
            left -= take;
        }
    }

    /// `t-` + 40 lower-case hex chars, like the docs' `t-43b270c0…abcef` (FEISHU_FACTS §1).
    pub fn tenant_access_token(&mut self) -> String {
        format!("t-{}", self.pick(HEX_LOWER, 40))
    }

    /// `prefix` + `n` base62 chars; Drive file tokens are `boxcn` + 22 (seed 004's example
    /// `boxcnrHpsg1QDqXAAAyachabcef`), OKR images `boxbc` + 22 (seed 000).
    pub fn base62_token(&mut self, prefix: &str, n: usize) -> String {
        format!("{prefix}{}", self.pick(BASE62, n))
    }

    /// A log id: `YYYYMMDDhhmmss` (UTC, from `now_ms`) + 20 upper-case hex chars (FEISHU_FACTS §2).
    pub fn log_id(&mut self, now_ms: i64) -> String {
        let second = now_ms.div_euclid(1000);
        let mut id = String::with_capacity(34);
        match &self.stamp {
            Some((at, digits)) if *at == second => id.push_str(digits),
            _ => {
                let digits = stamp_of(second);
                id.push_str(&digits);
                self.stamp = Some((second, digits));
            }
        }
        self.push_picks(&mut id, HEX_UPPER, 20);
        id
    }

    /// A random (version 4) UUID in its hyphenated lower-case form.
    pub fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.gen())
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A decimal id of `n` digits with no leading zero (OKR `progress_id` and the like).
    pub fn numeric_id(&mut self, n: usize) -> String {
        let mut id = String::with_capacity(n.max(1));
        self.push_picks(&mut id, b"123456789", 1);
        self.push_picks(&mut id, b"0123456789", n.saturating_sub(1));
        id
    }
}

/// `second` (Unix time, UTC) as a log id's `YYYYMMDDhhmmss`.
fn stamp_of(second: i64) -> String {
    let stamp = time::OffsetDateTime::from_unix_timestamp(second)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut id = String::with_capacity(14);
    let year = stamp.year();
    if (0..=9999).contains(&year) {
        // The fields written as `[year][month][day][hour][minute][second]` formats them,
        // without the formatter's machinery.
        for (value, width) in [
            (year as u32, 4),
            (u32::from(u8::from(stamp.month())), 2),
            (u32::from(stamp.day()), 2),
            (u32::from(stamp.hour()), 2),
            (u32::from(stamp.minute()), 2),
            (u32::from(stamp.second()), 2),
        ] {
            push_digits(&mut id, value, width);
        }
    } else {
        let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
        id.push_str(&stamp.format(&fmt).unwrap_or_default());
    }
    id
}

/// `value` in decimal, zero-padded to `width` digits (`value` has at most `width`).
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_repeats_the_same_identifiers() {
        let (mut a, mut b) = (Ids::new(Some(7)), Ids::new(Some(7)));
        assert_eq!(a.tenant_access_token(), b.tenant_access_token());
        assert_eq!(a.uuid(), b.uuid());
    }

    #[test]
    fn log_id_is_a_utc_timestamp_then_twenty_upper_hex_chars() {
        let id = Ids::new(Some(1)).log_id(1_640_675_837_810);
        assert_eq!(&id[..14], "20211228071717");
        assert_eq!(id.len(), 34);
        assert!(id[14..].bytes().all(|b| HEX_UPPER.contains(&b)));
    }

    #[test]
    fn a_log_id_of_a_second_seen_before_is_stamped_as_a_fresh_one_is() {
        let mut kept = Ids::new(Some(9));
        let base = 1_640_675_837_810;
        for ms in [
            base,
            base + 1,
            base + 189,
            base + 190,
            base + 5_000,
            base,
            -1,
            -1_001,
        ] {
            let id = kept.log_id(ms);
            assert_eq!(id[..14], Ids::new(None).log_id(ms)[..14], "{ms}");
        }
    }

    #[test]
    fn log_id_time_is_written_as_the_time_crate_formats_it_on_both_sides_of_every_field() {
        let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
        // The epoch, a leap day, the turn of a year, a 2021 time, the last time the clock
        // allows, and before the epoch.
        for ms in [
            0,
            951_782_400_000,
            1_704_067_199_999,
            1_704_067_200_000,
            1_640_675_837_810,
            crate::state::store::MAX_CLOCK_MS,
            -1,
        ] {
            let stamp = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap();
            let (mut a, mut b) = (Ids::new(Some(3)), Ids::new(Some(3)));
            let id = a.log_id(ms);
            assert_eq!(id[..14], stamp.format(&fmt).unwrap(), "{ms}");
            let hex: String = (0..20)
                .map(|_| HEX_UPPER[b.rng.gen_range(0..HEX_UPPER.len())] as char)
                .collect();
            assert_eq!(id[14..], hex, "the same draws as before");
        }
    }

    #[test]
    fn numeric_ids_draw_a_leading_non_zero_digit_then_any_digits_as_before() {
        let (mut a, mut b) = (Ids::new(Some(5)), Ids::new(Some(5)));
        let id = a.numeric_id(19);
        let first = b"123456789"[b.rng.gen_range(0..9)] as char;
        let rest: String = (0..18)
            .map(|_| b"0123456789"[b.rng.gen_range(0..10)] as char)
            .collect();
        assert_eq!(id, format!("{first}{rest}"));
        for n in [0, 1, 2, 31, 32, 33, 64, 65, 200] {
            let id = a.numeric_id(n);
            let first = b"123456789"[b.rng.gen_range(0..9)] as char;
            let rest: String = (1..n)
                .map(|_| b"0123456789"[b.rng.gen_range(0..10)] as char)
                .collect();
            assert_eq!(id, format!("{first}{rest}"), "{n} digits");
        }
    }

    #[test]
    fn drive_file_tokens_are_boxcn_and_22_base62_chars() {
        let t = Ids::new(None).base62_token("boxcn", 22);
        assert_eq!(t.len(), 27);
        assert!(t[5..].bytes().all(|b| BASE62.contains(&b)));
    }
}
