//! The three signed messages of API v3. Every line ends with `\n`, the last
//! one too.
//!
//! Sources: request — "签名生成" (pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/
//! wechatpay4_0.shtml); response and notify — "签名验证" (wechatpay4_1.shtml);
//! paySign — "小程序调起支付API" (apiv3/apis/chapter3_5_4.shtml,
//! chapter7_2_9.shtml).

use alloc::string::String;
use alloc::vec::Vec;

/// The message a merchant signs for a request:
/// `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`.
///
/// `url` is the absolute path plus `?query` as sent, **without** scheme and
/// host (`/v3/pay/transactions/jsapi`). `body` is the exact bytes sent:
/// empty for GET, the upload's `meta` JSON for uploads.
#[must_use]
pub fn request_message(
    method: &str,
    url: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(
        method.len() + url.len() + timestamp.len() + nonce.len() + body.len() + 5,
    );
    for part in [
        method.as_bytes(),
        url.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// The message WeChat signs for a response or notify:
/// `TIMESTAMP\nNONCE\nBODY\n` (a 204's body is empty, so its last line is
/// just `\n`).
#[must_use]
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        m.extend_from_slice(part);
        m.push(b'\n');
    }
    m
}

/// The v3 `wx.requestPayment` paySign message:
/// `appId\ntimeStamp\nnonceStr\npackage\n` (`package` is `prepay_id=…`;
/// `signType` is not part of it).
#[must_use]
pub fn pay_sign_message(app_id: &str, time_stamp: &str, nonce_str: &str, package: &str) -> String {
    let mut m = String::with_capacity(
        app_id.len() + time_stamp.len() + nonce_str.len() + package.len() + 4,
    );
    for part in [app_id, time_stamp, nonce_str, package] {
        m.push_str(part);
        m.push('\n');
    }
    m
}
