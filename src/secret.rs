//! Secrets (tokens, client secrets, private keys): never printed, wiped from
//! memory when dropped.

use std::fmt;
use zeroize::Zeroize;

/// A secret string. `Debug` and `Display` print `[redacted]`; the bytes are
/// overwritten with zeros when it is dropped. Read it with
/// [`Secret::expose`] only where it is sent.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret's text, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Secrets shorter than this are not searched for: they would match
/// ordinary text (no real token or client secret is this short).
const MIN_SECRET_LEN: usize = 4;

/// What a secret found in a server's text is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Replaces every occurrence of `secret` in `text` with `[redacted]`, in any
/// ASCII letter case: a last guard for text that quotes a server's answer.
pub fn redact(text: &str, secret: &Secret) -> String {
    redact_all(text, &[secret])
}

/// [`redact`] for every secret in `secrets`.
pub fn redact_all(text: &str, secrets: &[&Secret]) -> String {
    match redact_bytes_raw(text.as_bytes(), secrets) {
        // Only whole ASCII-case-folded matches of valid UTF-8 secrets are
        // replaced, so the text stays UTF-8.
        Some(out) => String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        None => text.to_string(),
    }
}

/// Where `needle` occurs in `hay` from `from` on, comparing ASCII letters
/// without regard to case.
fn find_ci(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0].to_ascii_lowercase();
    (from..=hay.len() - needle.len())
        .find(|&i| hay[i].to_ascii_lowercase() == first && hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// `hay` with every secret replaced by `[redacted]`, or `None` when it holds
/// none.
fn redact_bytes_raw(hay: &[u8], secrets: &[&Secret]) -> Option<Vec<u8>> {
    let mut current: Option<Vec<u8>> = None;
    for secret in secrets {
        let needle = secret.expose().as_bytes();
        if needle.len() < MIN_SECRET_LEN {
            continue;
        }
        let text: &[u8] = current.as_deref().unwrap_or(hay);
        let mut at = match find_ci(text, needle, 0) {
            Some(i) => i,
            None => continue,
        };
        let mut out = Vec::with_capacity(text.len());
        let mut copied = 0;
        loop {
            out.extend_from_slice(&text[copied..at]);
            out.extend_from_slice(REDACTED.as_bytes());
            copied = at + needle.len();
            match find_ci(text, needle, copied) {
                Some(i) => at = i,
                None => break,
            }
        }
        out.extend_from_slice(&text[copied..]);
        current = Some(out);
    }
    current
}

/// True when `text` contains one of `secrets`, in any ASCII letter case.
pub fn contains_secret(text: &str, secrets: &[&Secret]) -> bool {
    secrets
        .iter()
        .any(|s| s.expose().len() >= MIN_SECRET_LEN && find_ci(text.as_bytes(), s.expose().as_bytes(), 0).is_some())
}

/// A body a server sent, with every secret in `secrets` replaced by
/// `[redacted]` before anything reads it, or `None` when it holds none.
/// Secrets written plainly are replaced in place; a secret spelled with
/// JSON escapes (`\u0065yJ...`) inside a string is found by decoding each
/// string that has an escape, and then the whole JSON document is
/// rewritten with its strings redacted.
pub fn redact_body(body: &[u8], secrets: &[&Secret]) -> Option<Vec<u8>> {
    if secrets.iter().all(|s| s.expose().len() < MIN_SECRET_LEN) {
        return None;
    }
    let plain = redact_bytes_raw(body, secrets);
    let text: &[u8] = plain.as_deref().unwrap_or(body);
    if !escaped_strings_hide_a_secret(text, secrets) {
        return plain;
    }
    match serde_json::from_slice::<serde_json::Value>(text) {
        Ok(mut v) => {
            redact_json(&mut v, secrets);
            Some(v.to_string().into_bytes())
        }
        // Not JSON, yet a decoded "string" held a secret: show nothing of it.
        Err(_) => Some(REDACTED.as_bytes().to_vec()),
    }
}

/// Whether a JSON string literal with an escape in `text` decodes to text
/// holding a secret.
fn escaped_strings_hide_a_secret(text: &[u8], secrets: &[&Secret]) -> bool {
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        let mut escaped = false;
        i += 1;
        while i < text.len() && text[i] != b'"' {
            if text[i] == b'\\' {
                escaped = true;
                i += 1;
            }
            i += 1;
        }
        if escaped && i < text.len() {
            if let Ok(decoded) = serde_json::from_slice::<String>(&text[start..=i]) {
                if contains_secret(&decoded, secrets) {
                    return true;
                }
            }
        }
        i += 1;
    }
    false
}

/// Redacts every string and key of a JSON value.
pub fn redact_json(v: &mut serde_json::Value, secrets: &[&Secret]) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if contains_secret(s, secrets) {
                *s = redact_all(s, secrets);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| redact_json(i, secrets)),
        Value::Object(map) => {
            if map.keys().any(|k| contains_secret(k, secrets)) {
                let old = std::mem::take(map);
                for (k, mut val) in old {
                    redact_json(&mut val, secrets);
                    map.insert(redact_all(&k, secrets), val);
                }
            } else {
                map.values_mut().for_each(|i| redact_json(i, secrets));
            }
        }
        _ => {}
    }
}

/// A field a server sent, fit to show: control characters (and the
/// invisible marks that reorder text) removed, line breaks and tabs made
/// spaces, and cut to `max_chars` characters with "..." after.
pub fn clean_field(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    let mut n = 0;
    for c in text.chars() {
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => continue,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => continue,
            c => c,
        };
        if n == max_chars {
            out.push_str("...");
            break;
        }
        out.push(c);
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::from("eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-value");
        assert_eq!(format!("{:?}", s), "[redacted]");
        assert_eq!(format!("{}", s), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(redact("token=eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-value;", &s), "token=[redacted];");
    }

    #[test]
    fn redaction_ignores_letter_case_and_finds_every_occurrence() {
        let s = Secret::from("eyJ0eXAi.Secret-Value");
        let text = "a EYJ0EXAI.SECRET-VALUE b eyj0exai.secret-value c eyJ0eXAi.Secret-Value";
        assert_eq!(redact(text, &s), "a [redacted] b [redacted] c [redacted]");
        let other = Secret::from("client~secret");
        assert_eq!(redact_all("x CLIENT~SECRET eyJ0eXAi.secret-VALUE", &[&s, &other]), "x [redacted] [redacted]");
        // Too short to search for.
        assert_eq!(redact("abc", &Secret::from("abc")), "abc");
        // Non-ASCII text around a match stays intact.
        assert_eq!(redact("é eyJ0eXAi.Secret-Value ü", &s), "é [redacted] ü");
    }

    #[test]
    fn a_body_is_redacted_also_where_json_escapes_spell_the_secret() {
        let s = Secret::from("tok-ABC123");
        assert_eq!(redact_body(br#"{"a":"nothing here"}"#, &[&s]), None);
        let plain = redact_body(br#"{"a":"x TOK-abc123 y"}"#, &[&s]).unwrap();
        assert_eq!(plain, br#"{"a":"x [redacted] y"}"#.to_vec());
        // "\u0074ok-ABC123" is "tok-ABC123" once decoded.
        let hidden = redact_body(br#"{"a":"x \u0074ok-abc123","k\u006f":"\"quoted\""}"#, &[&s]).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&hidden).unwrap();
        assert_eq!(v["a"], "x [redacted]");
        assert_eq!(v["ko"], "\"quoted\"");
        // Escapes that hide nothing leave the body alone.
        assert_eq!(redact_body(br#"{"rule":"user.dept -eq \"Sales\""}"#, &[&s]), None);
    }

    #[test]
    fn fields_lose_control_characters_and_are_cut_to_length() {
        assert_eq!(clean_field("a\u{1b}[31mred\nnext\u{202E}", 100), "a[31mred next");
        assert_eq!(clean_field("abcdef", 3), "abc...");
        assert_eq!(clean_field("abc", 3), "abc");
    }

    #[test]
    fn the_bytes_are_wiped_on_drop() {
        let mut s = Secret::from("wipe-me-please");
        s.0.zeroize();
        assert!(s.0.is_empty());
        // Zeroize on a String clears its contents and length; dropping runs
        // the same code (see Drop above).
    }
}
