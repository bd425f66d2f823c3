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
    /// Every code [`Error::code`] can return, in declaration order: the one
    /// list of core's error codes. The npm package's `ErrorCode` type
    /// (`js/src/index.d.ts`) declares exactly these plus the few the JS
    /// adapter raises itself (bad JS argument types, an uninitialised or
    /// missing wasm module, a malformed call from the facade); a test
    /// (`core/tests/error_codes.rs`) fails when the two lists drift.
    pub const ALL_CODES: &'static [&'static str] = &[
        "ERR_UNSUPPORTED_SIGN_TYPE",
        "ERR_MISSING_SIGN",
        "ERR_MALFORMED_SIGN",
        "ERR_SIGN_MISMATCH",
        "ERR_INVALID_VALUE",
        "ERR_XML_TOO_LARGE",
        "ERR_XML_NOT_UTF8",
        "ERR_XML_EMPTY",
        "ERR_XML_DOCTYPE",
        "ERR_XML_ENTITY",
        "ERR_XML_CHAR_REF",
        "ERR_XML_CHAR",
        "ERR_XML_PI",
        "ERR_XML_ATTRIBUTE",
        "ERR_XML_ROOT",
        "ERR_XML_NESTED",
        "ERR_XML_DUPLICATE",
        "ERR_XML_MISMATCHED_TAG",
        "ERR_XML_TEXT",
        "ERR_XML_EOF",
        "ERR_XML_SYNTAX",
        "ERR_XML_NAME",
        "ERR_REQ_INFO_BASE64",
        "ERR_REQ_INFO_LENGTH",
        "ERR_REQ_INFO_PADDING",
        "ERR_REQ_INFO_UTF8",
    ];

    /// A stable machine-readable code, e.g. `ERR_SIGN_MISMATCH` or, for XML,
    /// the codec's own (`ERR_XML_DOCTYPE`, …). The JS package exposes it as
    /// the `code` property of its errors; [`Error::ALL_CODES`] lists them all.
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

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::{Error, ReqInfoError};
    use crate::xml::{XmlError, XmlErrorKind};

    /// One value of every variant, written as exhaustive matches so that a
    /// new variant fails to compile here until it is listed.
    fn every_error() -> Vec<Error> {
        let xml_kinds = [
            XmlErrorKind::TooLarge { limit: 1 },
            XmlErrorKind::NotUtf8,
            XmlErrorKind::Empty,
            XmlErrorKind::Doctype,
            XmlErrorKind::UndefinedEntity {
                name: String::from("x"),
            },
            XmlErrorKind::InvalidCharRef,
            XmlErrorKind::InvalidChar { ch: 1 },
            XmlErrorKind::ProcessingInstruction,
            XmlErrorKind::Attribute,
            XmlErrorKind::UnexpectedRoot {
                found: String::from("r"),
            },
            XmlErrorKind::Nested,
            XmlErrorKind::Duplicate,
            XmlErrorKind::MismatchedTag,
            XmlErrorKind::UnexpectedText,
            XmlErrorKind::UnexpectedEof,
            XmlErrorKind::Syntax("x"),
            XmlErrorKind::InvalidName,
        ];
        for k in &xml_kinds {
            match k {
                XmlErrorKind::TooLarge { .. }
                | XmlErrorKind::NotUtf8
                | XmlErrorKind::Empty
                | XmlErrorKind::Doctype
                | XmlErrorKind::UndefinedEntity { .. }
                | XmlErrorKind::InvalidCharRef
                | XmlErrorKind::InvalidChar { .. }
                | XmlErrorKind::ProcessingInstruction
                | XmlErrorKind::Attribute
                | XmlErrorKind::UnexpectedRoot { .. }
                | XmlErrorKind::Nested
                | XmlErrorKind::Duplicate
                | XmlErrorKind::MismatchedTag
                | XmlErrorKind::UnexpectedText
                | XmlErrorKind::UnexpectedEof
                | XmlErrorKind::Syntax(_)
                | XmlErrorKind::InvalidName => {}
            }
        }
        let mut all = Vec::new();
        for e in [
            Error::UnsupportedSignType(String::new()),
            Error::MissingSign,
            Error::MalformedSign { len: 0 },
            Error::SignMismatch,
            Error::InvalidValue {
                field: String::new(),
                reason: String::new(),
            },
        ] {
            match &e {
                Error::UnsupportedSignType(_)
                | Error::MissingSign
                | Error::MalformedSign { .. }
                | Error::SignMismatch
                | Error::Xml(_)
                | Error::ReqInfo(_)
                | Error::InvalidValue { .. } => {}
            }
            all.push(e);
        }
        for k in xml_kinds {
            all.push(Error::Xml(XmlError {
                kind: k,
                offset: 0,
                field: None,
            }));
        }
        for r in [
            ReqInfoError::Base64,
            ReqInfoError::Length,
            ReqInfoError::Padding,
            ReqInfoError::Utf8,
        ] {
            match r {
                ReqInfoError::Base64
                | ReqInfoError::Length
                | ReqInfoError::Padding
                | ReqInfoError::Utf8 => {}
            }
            all.push(Error::ReqInfo(r));
        }
        all
    }

    #[test]
    fn all_codes_is_exactly_what_code_returns() {
        let produced: Vec<&str> = every_error().iter().map(Error::code).collect();
        assert_eq!(produced, Error::ALL_CODES);
    }
}
