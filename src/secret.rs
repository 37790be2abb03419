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

/// Replaces every occurrence of `secret` in `text` with `[redacted]`: a last
/// guard for messages that quote a server's answer.
pub fn redact(text: &str, secret: &Secret) -> String {
    if secret.0.len() < 4 {
        return text.to_string();
    }
    text.replace(secret.expose(), "[redacted]")
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
    fn the_bytes_are_wiped_on_drop() {
        let mut s = Secret::from("wipe-me-please");
        s.0.zeroize();
        assert!(s.0.is_empty());
        // Zeroize on a String clears its contents and length; dropping runs
        // the same code (see Drop above).
    }
}
