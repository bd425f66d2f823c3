//! The one error type of wxpay-core.
//!
//! No message produced here ever contains an API key: errors that concern the
//! key describe it (length, kind) without printing it.

use alloc::string::String;
use core::fmt;

use crate::xml::XmlError;

/// Everything that can go wrong in wxpay-core.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A sign type other than exactly `MD5` or `HMAC-SHA256` was given.
    /// Holds the rejected text (truncated to 64 chars).
    UnsupportedSignType(String),
    /// The parameters carry no `sign` (or an empty one) where one is required.
    MissingSign,
    /// The sign is not 32 (MD5) or 64 (HMAC-SHA256) characters long, so its
    /// type cannot be inferred, or its length does not fit the given type.
    MalformedSign {
        /// The length of the sign that was given.
        len: usize,
    },
    /// The sign was well-formed but does not match the parameters and key.
    SignMismatch,
    /// An XML body was rejected by the codec.
    Xml(XmlError),
    /// A refund `req_info` could not be decrypted or encrypted.
    ReqInfo(ReqInfoError),
    /// A value has the wrong shape (for example a `timeStamp` that is not
    /// ten digits).
    InvalidValue {
        /// The field concerned.
        field: String,
        /// What was wrong, and what a valid value looks like.
        reason: String,
    },
}

/// Why a refund-notify `req_info` could not be processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReqInfoError {
    /// `req_info` is not valid standard base64.
    Base64,
    /// The decoded bytes are not a whole number of 16-byte AES blocks.
    Length,
    /// PKCS#7 padding is invalid after decryption: almost always a wrong key
    /// (the key must be the merchant's API key, or the sandbox key in sandbox).
    Padding,
    /// The decrypted bytes are not UTF-8: almost always a wrong key.
    Utf8,
}

impl Error {
    /// A stable machine-readable code, e.g. `ERR_SIGN_MISMATCH` or, for XML,
    /// the codec's own (`ERR_XML_DOCTYPE`, …). The JS package exposes it as
    /// the `code` property of its errors.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedSignType(_) => "ERR_UNSUPPORTED_SIGN_TYPE",
            Self::MissingSign => "ERR_MISSING_SIGN",
            Self::MalformedSign { .. } => "ERR_MALFORMED_SIGN",
            Self::SignMismatch => "ERR_SIGN_MISMATCH",
            Self::Xml(x) => x.code(),
            Self::ReqInfo(r) => r.code(),
            Self::InvalidValue { .. } => "ERR_INVALID_VALUE",
        }
    }
}

impl ReqInfoError {
    /// A stable machine-readable code, e.g. `ERR_REQ_INFO_PADDING`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Base64 => "ERR_REQ_INFO_BASE64",
            Self::Length => "ERR_REQ_INFO_LENGTH",
            Self::Padding => "ERR_REQ_INFO_PADDING",
            Self::Utf8 => "ERR_REQ_INFO_UTF8",
        }
    }
}

impl fmt::Display for ReqInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Base64 => "req_info is not valid base64",
            Self::Length => "req_info does not decode to a whole number of 16-byte AES blocks",
            Self::Padding => {
                "req_info has invalid PKCS#7 padding after decryption: the API key is probably wrong (use the API key, or the sandbox key in sandbox, not the AppSecret)"
            }
            Self::Utf8 => "req_info decrypted to bytes that are not UTF-8: the API key is probably wrong",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedSignType(t) => write!(
                f,
                "unsupported sign type {t:?}: use exactly \"MD5\" or \"HMAC-SHA256\" (case-sensitive)"
            ),
            Self::MissingSign => f.write_str("the parameters carry no sign"),
            Self::MalformedSign { len } => write!(
                f,
                "malformed sign of {len} characters: an MD5 sign is 32 uppercase hex characters, an HMAC-SHA256 sign 64"
            ),
            Self::SignMismatch => f.write_str("sign does not match the parameters and key"),
            Self::Xml(e) => write!(f, "xml: {e}"),
            Self::ReqInfo(e) => write!(f, "req_info: {e}"),
            Self::InvalidValue { field, reason } => write!(f, "invalid {field}: {reason}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Xml(e) => Some(e),
            _ => None,
        }
    }
}

impl From<XmlError> for Error {
    #[inline]
    fn from(e: XmlError) -> Self {
        Self::Xml(e)
    }
}

impl From<ReqInfoError> for Error {
    #[inline]
    fn from(e: ReqInfoError) -> Self {
        Self::ReqInfo(e)
    }
}
