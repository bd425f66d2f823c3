//! The policy for accepting a signed v3 response or notify.
//!
//! Sources: "签名验证" (pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/
//! wechatpay4_1.shtml) for the headers and message; the ±300 s window is
//! what wechatpay-axios-plugin (decorator.js) and wechatpay-go
//! (core/auth/validators/wechat_pay_validator.go) enforce; wechatpayv3
//! (core.py) rejects a missing `Wechatpay-Signature-Type`.

use super::auth::{SCHEME, parse_timestamp};
use super::error::{V3Error, clip};
use super::key::VerifyKey;
use super::message::response_message;

/// The largest accepted distance between `Wechatpay-Timestamp` and now.
pub const MAX_SKEW_SECS: i64 = 300;

/// The signature headers of a v3 response or notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedHeaders<'a> {
    /// `Wechatpay-Serial`: platform certificate serial or `PUB_KEY_ID_…`.
    pub serial: &'a str,
    /// `Wechatpay-Signature` (base64).
    pub signature: &'a str,
    /// `Wechatpay-Timestamp` (Unix seconds).
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature-Type`.
    pub signature_type: &'a str,
}

impl<'a> SignedHeaders<'a> {
    /// Collect the five headers through `get`, which is called with the
    /// canonical names (`Wechatpay-Serial`, …) and should match them
    /// case-insensitively, as HTTP header names are.
    ///
    /// # Errors
    /// [`V3Error::MissingHeader`] naming the first absent header.
    pub fn from_lookup(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, V3Error> {
        let need = |name: &'static str| get(name).ok_or(V3Error::MissingHeader(name));
        Ok(Self {
            serial: need("Wechatpay-Serial")?,
            signature: need("Wechatpay-Signature")?,
            timestamp: need("Wechatpay-Timestamp")?,
            nonce: need("Wechatpay-Nonce")?,
            signature_type: need("Wechatpay-Signature-Type")?,
        })
    }
}

/// Accept a response or notify only if `Wechatpay-Signature-Type` is
/// `WECHATPAY2-SHA256-RSA2048`, the timestamp is within 300 s of `now_secs`
/// (the caller's own clock), and the signature over
/// `TIMESTAMP\nNONCE\nBODY\n` verifies with the key whose serial is
/// `Wechatpay-Serial`.
///
/// # Errors
/// [`V3Error::UnsupportedSignatureType`], [`V3Error::InvalidValue`] (a
/// timestamp that is not seconds), [`V3Error::TimestampSkew`],
/// [`V3Error::UnknownSerial`], and those of [`VerifyKey::verify`].
pub fn verify_response(
    headers: &SignedHeaders<'_>,
    body: &[u8],
    keys: &[VerifyKey],
    now_secs: i64,
) -> Result<(), V3Error> {
    if headers.signature_type != SCHEME {
        return Err(V3Error::UnsupportedSignatureType(clip(
            headers.signature_type,
        )));
    }
    let ts = parse_timestamp(headers.timestamp)?;
    let skew_secs = now_secs.saturating_sub(ts);
    if skew_secs.saturating_abs() > MAX_SKEW_SECS {
        return Err(V3Error::TimestampSkew { skew_secs });
    }
    let key = keys
        .iter()
        .find(|k| k.serial() == Some(headers.serial))
        .ok_or_else(|| V3Error::UnknownSerial(clip(headers.serial)))?;
    key.verify(
        &response_message(headers.timestamp, headers.nonce, body),
        headers.signature,
    )
}
