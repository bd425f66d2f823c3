//! The merchant's reply to a notify, and how WeChat judges it.

use alloc::format;
use alloc::string::String;

use super::base::model;
use crate::xml;

model! {
    /// The merchant's reply to a payment or refund notify.
    pub struct NotifyReply {
        /// `SUCCESS` acknowledges; anything else asks for a retry.
        return_code: Str,
        /// `OK`, or why the notify was refused.
        return_msg: Str,
    }
}

impl NotifyReply {
    /// The acknowledgement WeChat expects.
    #[must_use]
    pub fn success() -> Self {
        Self {
            return_code: Some("SUCCESS".into()),
            return_msg: Some("OK".into()),
            ..Self::default()
        }
    }

    /// A refusal: WeChat will retry.
    #[must_use]
    pub fn fail(msg: &str) -> Self {
        Self {
            return_code: Some("FAIL".into()),
            return_msg: Some(msg.into()),
            ..Self::default()
        }
    }

    /// The reply's XML: exactly [`xml::NOTIFY_REPLY_SUCCESS`] for success.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let ok = self.return_code.as_deref() == Some("SUCCESS");
        xml::notify_reply(
            ok,
            self.return_msg
                .as_deref()
                .unwrap_or(if ok { "OK" } else { "" }),
        )
    }

    /// Parses a reply body.
    ///
    /// # Errors
    /// The codec's [`xml::XmlError`].
    pub fn parse(body: &[u8]) -> Result<Self, xml::XmlError> {
        let m = xml::decode(body)?;
        // Reply fields are text; from_params only fails on integer fields.
        Ok(Self::from_params(&m.to_param_map()).unwrap_or_default())
    }
}

/// Judges a notify receiver's answer as WeChat does: acknowledged only by
/// HTTP 200 with an XML body whose `return_code` is `SUCCESS` (docs/protocol.md
/// §2.8; a 201 or an HTML page means retries). `Err` explains the refusal
/// in terms the merchant can act on.
///
/// # Errors
/// Why the reply does not acknowledge the notify.
pub fn judge_notify_reply(http_status: u16, body: &[u8]) -> Result<(), String> {
    if http_status != 200 {
        return Err(format!(
            "HTTP {http_status}: WeChat counts only HTTP 200 as delivered (even 201/204 cause retries)"
        ));
    }
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(String::from(
            "empty body: reply <xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>",
        ));
    }
    let lower: String = trimmed
        .iter()
        .take(64)
        .map(|b| char::from(b.to_ascii_lowercase()))
        .collect();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return Err(String::from(
            "an HTML page, not the XML reply: is an error page or a framework's default response answering?",
        ));
    }
    let m = match xml::decode(trimmed) {
        Ok(m) => m,
        Err(e) => {
            return Err(format!(
                "not WeChat reply XML ({e}): reply <xml><return_code><![CDATA[SUCCESS]]></return_code>…</xml>"
            ));
        }
    };
    match m.get("return_code") {
        None => Err(String::from("the reply has no return_code")),
        Some("SUCCESS") => Ok(()),
        Some("FAIL") => Err(format!(
            "the receiver answered FAIL: {}",
            m.get("return_msg")
                .filter(|s| !s.is_empty())
                .unwrap_or("(no return_msg)")
        )),
        Some(other) => Err(format!(
            "return_code is {other:?}: only the exact text SUCCESS acknowledges"
        )),
    }
}
