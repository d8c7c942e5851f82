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
}

impl Ids {
    /// A generator seeded with `seed`, or from the OS when `None`.
    pub fn new(seed: Option<u64>) -> Ids {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
        Ids { rng }
    }

    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.rng.gen_range(0..alphabet.len())] as char)
            .collect()
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
        let stamp = time::OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
        let prefix = stamp.format(&fmt).unwrap_or_default();
        format!("{prefix}{}", self.pick(HEX_UPPER, 20))
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
        let first = self.pick(b"123456789", 1);
        format!("{first}{}", self.pick(b"0123456789", n.saturating_sub(1)))
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
    fn drive_file_tokens_are_boxcn_and_22_base62_chars() {
        let t = Ids::new(None).base62_token("boxcn", 22);
        assert_eq!(t.len(), 27);
        assert!(t[5..].bytes().all(|b| BASE62.contains(&b)));
    }
}
