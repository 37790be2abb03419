//! Small helpers: a seeded generator, GUIDs, dates, base64url.

use std::time::{SystemTime, UNIX_EPOCH};

/// SplitMix64: a tiny, fast generator whose output depends only on the
/// seed, so a seeded tenant or fault plan is the same on every build.
#[derive(Clone, Debug)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        SeededRng { state: seed ^ 0x6a09_e667_f3bc_c909 }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.next_f64() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A version-4 shaped GUID.
    pub fn guid(&mut self) -> u128 {
        let hi = (self.next_u64() & !0xf000) | 0x4000;
        let lo = (self.next_u64() & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        ((hi as u128) << 64) | lo as u128
    }
}

/// `8-4-4-4-12` lowercase hex.
pub fn fmt_guid(id: u128) -> String {
    let h = format!("{:032x}", id);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Parses `8-4-4-4-12` hex (any case); nothing else.
pub fn parse_guid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut hex = String::with_capacity(32);
    for (i, c) in s.chars().enumerate() {
        if i == 8 || i == 13 || i == 18 || i == 23 {
            if c != '-' {
                return None;
            }
        } else if c.is_ascii_hexdigit() {
            hex.push(c);
        } else {
            return None;
        }
    }
    u128::from_str_radix(&hex, 16).ok()
}

/// A random GUID (not seeded): request ids, tokens.
pub fn random_guid() -> String {
    let v: u128 = rand::random();
    let v = (v & !(0xf000u128 << 64)) | (0x4000u128 << 64);
    let v = (v & !(0xc000u128 << 48)) | (0x8000u128 << 48);
    fmt_guid(v)
}

pub fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2021-09-13T10:07:01` (no zone), from Unix seconds.
pub fn iso_local(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// `2021-09-13T10:07:01Z`, from Unix seconds.
pub fn iso_utc(secs: i64) -> String {
    format!("{}Z", iso_local(secs))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z]` to Unix seconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim_end_matches('Z');
    let s = s.split('.').next()?;
    if s.len() != 19 {
        return None;
    }
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (num(0, 4)?, num(5, 7)?, num(8, 10)?, num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se)
}

pub fn b64url(data: &[u8]) -> String {
    base64::encode_config(data, base64::URL_SAFE_NO_PAD)
}

pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    base64::decode_config(s.trim_end_matches('='), base64::URL_SAFE_NO_PAD).ok()
}

/// FNV-1a, for binding a skip token to its query.
pub fn fnv64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Seconds for a header: integral values without a fraction, others with
/// up to three decimals (Graph has sent `Retry-After: 2.128`).
pub fn fmt_seconds(s: f64) -> String {
    let ms = (s * 1000.0).ceil().max(1.0) as u64;
    if ms % 1000 == 0 {
        format!("{}", ms / 1000)
    } else {
        let t = format!("{}.{:03}", ms / 1000, ms % 1000);
        t.trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_round_trip_and_dates() {
        let mut r = SeededRng::new(7);
        let g = r.guid();
        let s = fmt_guid(g);
        assert_eq!(parse_guid(&s), Some(g));
        assert_eq!(&s[14..15], "4");
        assert!(parse_guid("not-a-guid").is_none());
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_iso("2021-09-13T10:07:01Z").map(iso_utc).unwrap(), "2021-09-13T10:07:01Z");
        assert_eq!(fmt_seconds(2.128), "2.128");
        assert_eq!(fmt_seconds(10.0), "10");
        assert_eq!(fmt_seconds(0.05), "0.05");
    }
}
