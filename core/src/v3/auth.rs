//! The request `Authorization` header:
//! `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`.
//!
//! Source: "签名生成" (pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/
//! wechatpay4_0.shtml): the scheme, five items, values in double quotes, in
//! any order; `serial_no` is the serial of the merchant API certificate.

use alloc::string::String;
use core::fmt;

use super::error::{V3Error, clip};
use super::key::{MerchantKey, VerifyKey};
use super::message::request_message;

/// The authentication scheme (and `Wechatpay-Signature-Type` value).
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

const ITEMS: [&str; 5] = ["mchid", "nonce_str", "signature", "timestamp", "serial_no"];

/// The five items of a v3 Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The merchant id.
    pub mchid: String,
    /// The request nonce.
    pub nonce_str: String,
    /// Base64 SHA256withRSA signature of the request message.
    pub signature: String,
    /// Unix time in seconds, as sent.
    pub timestamp: String,
    /// Serial of the merchant API certificate (uppercase hex).
    pub serial_no: String,
}

impl Authorization {
    /// Sign a request and build its header items.
    ///
    /// `url` is path + `?query` without host; `body` the exact bytes sent.
    ///
    /// # Errors
    /// [`V3Error::SigningFailed`].
    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        key: &MerchantKey,
        mchid: &str,
        serial_no: &str,
        method: &str,
        url: &str,
        timestamp: &str,
        nonce: &str,
        body: &[u8],
    ) -> Result<Self, V3Error> {
        let signature = key.sign(&request_message(method, url, timestamp, nonce, body))?;
        Ok(Self {
            mchid: String::from(mchid),
            nonce_str: String::from(nonce),
            signature,
            timestamp: String::from(timestamp),
            serial_no: String::from(serial_no),
        })
    }

    /// Parse a header value strictly: the scheme and one space, then the five
    /// items as `name="value"` separated by commas (optional spaces after a
    /// comma), in any order, each exactly once, nothing else.
    ///
    /// # Errors
    /// [`V3Error::AuthScheme`], [`V3Error::AuthUnquoted`],
    /// [`V3Error::AuthDuplicate`], [`V3Error::AuthUnknownItem`],
    /// [`V3Error::AuthMissingItem`], [`V3Error::AuthSyntax`].
    pub fn parse(header: &str) -> Result<Self, V3Error> {
        let Some(rest) = header
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(' '))
        else {
            let found = header.split(' ').next().unwrap_or("");
            return Err(V3Error::AuthScheme(clip(found)));
        };
        let bytes = rest.as_bytes();
        let mut values: [Option<&str>; 5] = [None; 5];
        let mut i = 0;
        loop {
            let name_start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let name = &rest[name_start..i];
            if name.is_empty() || bytes.get(i) != Some(&b'=') {
                return Err(V3Error::AuthSyntax { offset: i });
            }
            let slot = ITEMS
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| V3Error::AuthUnknownItem(clip(name)))?;
            i += 1;
            if bytes.get(i) != Some(&b'"') {
                return Err(V3Error::AuthUnquoted(String::from(ITEMS[slot])));
            }
            i += 1;
            let value_start = i;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            if i >= bytes.len() {
                // An opening quote without its closing one.
                return Err(V3Error::AuthUnquoted(String::from(ITEMS[slot])));
            }
            let value = &rest[value_start..i];
            i += 1;
            if values[slot].is_some() {
                return Err(V3Error::AuthDuplicate(String::from(ITEMS[slot])));
            }
            values[slot] = Some(value);
            if i == bytes.len() {
                break;
            }
            if bytes[i] != b',' {
                return Err(V3Error::AuthSyntax { offset: i });
            }
            i += 1;
            while bytes.get(i) == Some(&b' ') {
                i += 1;
            }
        }
        let take = |k: usize| {
            values[k]
                .map(String::from)
                .ok_or(V3Error::AuthMissingItem(ITEMS[k]))
        };
        Ok(Self {
            mchid: take(0)?,
            nonce_str: take(1)?,
            signature: take(2)?,
            timestamp: take(3)?,
            serial_no: take(4)?,
        })
    }

    /// The timestamp as Unix seconds.
    ///
    /// # Errors
    /// [`V3Error::InvalidValue`] unless it is 1–10 decimal digits.
    pub fn timestamp_secs(&self) -> Result<i64, V3Error> {
        parse_timestamp(&self.timestamp)
    }

    /// Verify the signature over the request with the merchant's public key
    /// (what WeChat does on receipt; the mock uses it).
    ///
    /// # Errors
    /// Those of [`VerifyKey::verify`].
    pub fn verify(
        &self,
        key: &VerifyKey,
        method: &str,
        url: &str,
        body: &[u8],
    ) -> Result<(), V3Error> {
        key.verify(
            &request_message(method, url, &self.timestamp, &self.nonce_str, body),
            &self.signature,
        )
    }
}

/// Parse a v3 timestamp: decimal Unix **seconds** (1–10 digits; a 13-digit
/// millisecond value is refused).
pub(crate) fn parse_timestamp(s: &str) -> Result<i64, V3Error> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(V3Error::InvalidValue {
            field: "timestamp",
            reason: "Unix time in seconds: 1 to 10 decimal digits",
        });
    }
    s.parse().map_err(|_| V3Error::InvalidValue {
        field: "timestamp",
        reason: "out of range",
    })
}

/// Formats the header value, items in WeChat's documented order.
impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",signature=\"{}\",timestamp=\"{}\",serial_no=\"{}\"",
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
    }
}
