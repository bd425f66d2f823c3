//! The API key: a secret that never prints.

use alloc::string::String;
use core::fmt;

/// A merchant's APIv2 key (or a sandbox key).
///
/// `Debug` and `Display` never show the key; they print its length only.
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

    /// The key with all but the first and last two characters masked, e.g.
    /// `19****************************2d`; fully masked when shorter than 8.
    #[must_use]
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

pub(crate) fn mask(s: &str) -> String {
    let n = s.chars().count();
    if n < 8 {
        return "*".repeat(n);
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        if i < 2 || i >= n - 2 {
            out.push(c);
        } else {
            out.push('*');
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
