//! The API key: a secret that never prints.

use alloc::string::String;
use core::fmt;

/// A merchant's APIv2 key (or a sandbox key).
///
/// `Debug` and `Display` never show the key; they print its length only.
/// Where a key must be told apart from another, [`ApiKey::fingerprint`]
/// shows a hash prefix, never a character of the key.
/// With the `zeroize` feature its bytes are wiped on drop.
///
/// ```
/// use wxpay_core::ApiKey;
/// let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
/// assert_eq!(format!("{key:?}"), "ApiKey { len: 32, .. }");
/// assert!(!format!("{key}").contains("1920"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Any length is accepted (WeChat's keys are 32 bytes; the
    /// signature doctor reports other lengths as a likely mistake).
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key's text, for signing. Never log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the key is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A fingerprint that tells keys apart without showing any character of
    /// the key: `sha256:` and the first 4 bytes of the key's SHA-256 in hex,
    /// e.g. `sha256:4ad1bc7c` for WeChat's example key
    /// `192006250b4c09247ec02edce69f6a2d`. A key shorter than 8 bytes (not a
    /// real APIv2 key, and short enough that 4 bytes of its hash could be
    /// reversed by trying every key) shows as one `*` per character.
    ///
    /// ```
    /// use wxpay_core::ApiKey;
    /// let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
    /// assert_eq!(key.fingerprint(), "sha256:4ad1bc7c");
    /// assert_eq!(ApiKey::new("abc").fingerprint(), "***");
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }

    /// How the key is shown wherever it would appear (signed strings, the
    /// doctor's report): its [`fingerprint`](Self::fingerprint). No
    /// character of the key is shown (an earlier version kept the first and
    /// last two).
    #[must_use]
    pub fn masked(&self) -> String {
        fingerprint(&self.0)
    }
}

/// Keys shorter than this show as `*`s, not as a fingerprint.
const FINGERPRINT_MIN_LEN: usize = 8;

/// The fingerprint of any secret (key, AppSecret): see
/// [`ApiKey::fingerprint`].
pub(crate) fn fingerprint(s: &str) -> String {
    use sha2::{Digest, Sha256};
    if s.len() < FINGERPRINT_MIN_LEN {
        return "*".repeat(s.chars().count());
    }
    let d = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(15);
    out.push_str("sha256:");
    for b in &d[..4] {
        for nibble in [b >> 4, b & 0xF] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey {{ len: {}, .. }}", self.0.len())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<API key, {} bytes>", self.0.len())
    }
}

impl From<&str> for ApiKey {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for ApiKey {
    fn from(s: String) -> Self {
        Self(s)
    }
}

#[cfg(feature = "zeroize")]
impl Drop for ApiKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}
