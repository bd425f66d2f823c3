//! The one error type of the v3 module.
//!
//! No message produced here ever contains key material: errors about a key
//! describe it (its PEM label, its size) without printing it.

use alloc::string::String;
use core::fmt;

/// Everything that can go wrong in [`crate::v3`].
///
/// Each variant says when it occurs; [`V3Error::code`] gives a stable
/// machine-readable name (the npm package exposes it as `code`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum V3Error {
    /// The text is not a PEM document (no `-----BEGIN …-----` /
    /// `-----END …-----` pair, mismatched labels, or a body that is not base64).
    PemMalformed,
    /// A certificate (`BEGIN CERTIFICATE`) was given where a private key is
    /// expected: pass `apiclient_key.pem`, not `apiclient_cert.pem`.
    CertificateNotKey,
    /// A private key was given where a public key or certificate is expected.
    /// A verifier needs only the public half.
    PrivateKeyNotPublic,
    /// A PEM label this crate does not read (for example `ENCRYPTED PRIVATE
    /// KEY` or `EC PRIVATE KEY`). Holds the label.
    UnsupportedPemLabel(String),
    /// The PEM body decoded, but its DER is not a valid key of the labelled
    /// kind, or the key is not RSA.
    KeyMalformed,
    /// The certificate's DER could not be walked to its serial number and
    /// public key.
    CertificateMalformed,
    /// The RSA key is smaller than the 2048 bits WeChat Pay v3 requires.
    KeyTooSmall {
        /// The modulus size in bits.
        bits: usize,
    },
    /// The signature is not valid standard base64 (`+/`, padded).
    SignatureBase64,
    /// The decoded signature is not as long as the key's modulus (256 bytes
    /// for RSA-2048): typically a truncated header value.
    SignatureLength {
        /// The decoded length in bytes.
        len: usize,
        /// The length the key requires.
        expected: usize,
    },
    /// The signature is well-formed but does not verify over the message with
    /// the given key.
    SignatureMismatch,
    /// The RSA private operation failed (should not happen with a key that
    /// loaded).
    SigningFailed,
    /// The Authorization header does not start with
    /// `WECHATPAY2-SHA256-RSA2048 ` (holds what it starts with, truncated).
    AuthScheme(String),
    /// An Authorization item's value is not wrapped in double quotes.
    AuthUnquoted(String),
    /// An Authorization item appears twice.
    AuthDuplicate(String),
    /// An Authorization item other than `mchid`, `nonce_str`, `signature`,
    /// `timestamp` and `serial_no`.
    AuthUnknownItem(String),
    /// A required Authorization item is missing.
    AuthMissingItem(&'static str),
    /// The Authorization header is not a comma-separated list of
    /// `name="value"` items (byte offset of the defect).
    AuthSyntax {
        /// Byte offset in the text after the scheme.
        offset: usize,
    },
    /// A field that must hold a value has the wrong shape (for example a
    /// timestamp that is not decimal seconds).
    InvalidValue {
        /// The field concerned.
        field: &'static str,
        /// What a valid value looks like.
        reason: &'static str,
    },
    /// The APIv3 key is not exactly 32 bytes.
    ApiV3KeyLength {
        /// The length given.
        len: usize,
    },
    /// The resource nonce is not exactly 12 bytes.
    NonceLength {
        /// The length given.
        len: usize,
    },
    /// The resource `ciphertext` is not valid standard base64.
    CiphertextBase64,
    /// The decoded ciphertext is shorter than the 16-byte GCM tag.
    CiphertextTooShort {
        /// The decoded length.
        len: usize,
    },
    /// GCM authentication failed: a wrong APIv3 key, wrong associated data,
    /// a wrong nonce, or an altered ciphertext or tag. GCM cannot tell these
    /// apart.
    ResourceAuthentication,
    /// The decrypted resource is not UTF-8.
    ResourceUtf8,
    /// The resource's `algorithm` is not `AEAD_AES_256_GCM` (holds it).
    UnsupportedAlgorithm(String),
    /// A JSON document did not match the expected shape (serde's message).
    Json(String),
    /// RSA-OAEP encryption failed (the plaintext is longer than the key
    /// allows: 214 bytes for RSA-2048 with SHA-1).
    OaepEncrypt,
    /// RSA-OAEP decryption failed: wrong key or altered ciphertext.
    OaepDecrypt,
    /// A required response/notify header is missing (holds its name).
    MissingHeader(&'static str),
    /// `Wechatpay-Signature-Type` is not `WECHATPAY2-SHA256-RSA2048`.
    UnsupportedSignatureType(String),
    /// No verification key is known for this `Wechatpay-Serial`.
    UnknownSerial(String),
    /// `Wechatpay-Timestamp` is more than 300 seconds from the caller's now.
    TimestampSkew {
        /// `now - timestamp`, in seconds.
        skew_secs: i64,
    },
}

impl V3Error {
    /// A stable machine-readable code, e.g. `ERR_V3_AUTH_DUPLICATE`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::PemMalformed => "ERR_V3_PEM_MALFORMED",
            Self::CertificateNotKey => "ERR_V3_CERTIFICATE_NOT_KEY",
            Self::PrivateKeyNotPublic => "ERR_V3_PRIVATE_KEY_NOT_PUBLIC",
            Self::UnsupportedPemLabel(_) => "ERR_V3_UNSUPPORTED_PEM_LABEL",
            Self::KeyMalformed => "ERR_V3_KEY_MALFORMED",
            Self::CertificateMalformed => "ERR_V3_CERTIFICATE_MALFORMED",
            Self::KeyTooSmall { .. } => "ERR_V3_KEY_TOO_SMALL",
            Self::SignatureBase64 => "ERR_V3_SIGNATURE_BASE64",
            Self::SignatureLength { .. } => "ERR_V3_SIGNATURE_LENGTH",
            Self::SignatureMismatch => "ERR_V3_SIGNATURE_MISMATCH",
            Self::SigningFailed => "ERR_V3_SIGNING_FAILED",
            Self::AuthScheme(_) => "ERR_V3_AUTH_SCHEME",
            Self::AuthUnquoted(_) => "ERR_V3_AUTH_UNQUOTED",
            Self::AuthDuplicate(_) => "ERR_V3_AUTH_DUPLICATE",
            Self::AuthUnknownItem(_) => "ERR_V3_AUTH_UNKNOWN_ITEM",
            Self::AuthMissingItem(_) => "ERR_V3_AUTH_MISSING_ITEM",
            Self::AuthSyntax { .. } => "ERR_V3_AUTH_SYNTAX",
            Self::InvalidValue { .. } => "ERR_V3_INVALID_VALUE",
            Self::ApiV3KeyLength { .. } => "ERR_V3_API_V3_KEY_LENGTH",
            Self::NonceLength { .. } => "ERR_V3_NONCE_LENGTH",
            Self::CiphertextBase64 => "ERR_V3_CIPHERTEXT_BASE64",
            Self::CiphertextTooShort { .. } => "ERR_V3_CIPHERTEXT_TOO_SHORT",
            Self::ResourceAuthentication => "ERR_V3_RESOURCE_AUTHENTICATION",
            Self::ResourceUtf8 => "ERR_V3_RESOURCE_UTF8",
            Self::UnsupportedAlgorithm(_) => "ERR_V3_UNSUPPORTED_ALGORITHM",
            Self::Json(_) => "ERR_V3_JSON",
            Self::OaepEncrypt => "ERR_V3_OAEP_ENCRYPT",
            Self::OaepDecrypt => "ERR_V3_OAEP_DECRYPT",
            Self::MissingHeader(_) => "ERR_V3_MISSING_HEADER",
            Self::UnsupportedSignatureType(_) => "ERR_V3_UNSUPPORTED_SIGNATURE_TYPE",
            Self::UnknownSerial(_) => "ERR_V3_UNKNOWN_SERIAL",
            Self::TimestampSkew { .. } => "ERR_V3_TIMESTAMP_SKEW",
        }
    }
}

impl fmt::Display for V3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PemMalformed => f.write_str("not a PEM document"),
            Self::CertificateNotKey => f.write_str(
                "a certificate was given where the merchant private key is expected \
                 (use apiclient_key.pem, not apiclient_cert.pem)",
            ),
            Self::PrivateKeyNotPublic => {
                f.write_str("a private key was given where a public key or certificate is expected")
            }
            Self::UnsupportedPemLabel(l) => write!(f, "unsupported PEM label `{l}`"),
            Self::KeyMalformed => f.write_str("the PEM body is not a valid RSA key of its kind"),
            Self::CertificateMalformed => f.write_str("malformed X.509 certificate"),
            Self::KeyTooSmall { bits } => {
                write!(
                    f,
                    "RSA key of {bits} bits: WeChat Pay v3 requires at least 2048"
                )
            }
            Self::SignatureBase64 => f.write_str("signature is not standard base64"),
            Self::SignatureLength { len, expected } => {
                write!(f, "signature decodes to {len} bytes, expected {expected}")
            }
            Self::SignatureMismatch => f.write_str("signature does not verify"),
            Self::SigningFailed => f.write_str("RSA signing failed"),
            Self::AuthScheme(s) => write!(
                f,
                "Authorization scheme must be `WECHATPAY2-SHA256-RSA2048`, found `{s}`"
            ),
            Self::AuthUnquoted(i) => write!(f, "Authorization item `{i}` is not quoted"),
            Self::AuthDuplicate(i) => write!(f, "Authorization item `{i}` appears twice"),
            Self::AuthUnknownItem(i) => write!(f, "unknown Authorization item `{i}`"),
            Self::AuthMissingItem(i) => write!(f, "Authorization item `{i}` is missing"),
            Self::AuthSyntax { offset } => {
                write!(f, "Authorization syntax error at offset {offset}")
            }
            Self::InvalidValue { field, reason } => write!(f, "invalid `{field}`: {reason}"),
            Self::ApiV3KeyLength { len } => {
                write!(f, "APIv3 key is {len} bytes, expected 32")
            }
            Self::NonceLength { len } => write!(f, "nonce is {len} bytes, expected 12"),
            Self::CiphertextBase64 => f.write_str("ciphertext is not standard base64"),
            Self::CiphertextTooShort { len } => {
                write!(f, "ciphertext is {len} bytes, shorter than the 16-byte tag")
            }
            Self::ResourceAuthentication => f.write_str(
                "AEAD_AES_256_GCM authentication failed: wrong APIv3 key, associated data \
                 or nonce, or altered ciphertext",
            ),
            Self::ResourceUtf8 => f.write_str("decrypted resource is not UTF-8"),
            Self::UnsupportedAlgorithm(a) => {
                write!(f, "resource algorithm `{a}` is not AEAD_AES_256_GCM")
            }
            Self::Json(m) => write!(f, "JSON: {m}"),
            Self::OaepEncrypt => f.write_str("RSA-OAEP encryption failed (plaintext too long?)"),
            Self::OaepDecrypt => f.write_str("RSA-OAEP decryption failed"),
            Self::MissingHeader(h) => write!(f, "missing header `{h}`"),
            Self::UnsupportedSignatureType(t) => write!(
                f,
                "Wechatpay-Signature-Type `{t}` is not WECHATPAY2-SHA256-RSA2048"
            ),
            Self::UnknownSerial(s) => write!(f, "no verification key for Wechatpay-Serial `{s}`"),
            Self::TimestampSkew { skew_secs } => write!(
                f,
                "Wechatpay-Timestamp is {skew_secs} s from now (limit 300 s)"
            ),
        }
    }
}

impl core::error::Error for V3Error {}

/// Truncate caller-supplied text kept in an error to 64 characters.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}
