//! The v3 `wx.requestPayment` parameters.
//!
//! Source: "小程序调起支付API" (pay.weixin.qq.com/wiki/doc/apiv3/apis/
//! chapter3_5_4.shtml): `paySign` is the base64 SHA256withRSA signature of
//! `appId\ntimeStamp\nnonceStr\npackage\n` with the merchant private key;
//! `signType` is `RSA` and is not signed.
//!
//! Build these on the merchant's server: **the merchant private key never
//! belongs in a Mini Program.**

use alloc::string::String;

use serde::{Deserialize, Serialize};

use super::error::V3Error;
use super::key::{MerchantKey, VerifyKey};
use super::message::pay_sign_message;

/// The object passed to `wx.requestPayment` for a v3 order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentParams {
    /// `appId` (must equal the appid used at ordering; signed but not sent
    /// to `wx.requestPayment` by mini programs, which know it).
    #[serde(rename = "appId")]
    pub app_id: String,
    /// Unix seconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// Random string (≤ 32 characters).
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `prepay_id=…`.
    pub package: String,
    /// Always `RSA` for v3.
    #[serde(rename = "signType")]
    pub sign_type: String,
    /// Base64 SHA256withRSA signature.
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

/// Sign the payment parameters for `prepay_id`.
///
/// # Errors
/// [`V3Error::SigningFailed`].
pub fn build_payment_params(
    key: &MerchantKey,
    app_id: &str,
    prepay_id: &str,
    time_stamp: &str,
    nonce_str: &str,
) -> Result<PaymentParams, V3Error> {
    let mut package = String::from("prepay_id=");
    package.push_str(prepay_id);
    let pay_sign =
        key.sign(pay_sign_message(app_id, time_stamp, nonce_str, &package).as_bytes())?;
    Ok(PaymentParams {
        app_id: String::from(app_id),
        time_stamp: String::from(time_stamp),
        nonce_str: String::from(nonce_str),
        package,
        sign_type: String::from("RSA"),
        pay_sign,
    })
}

/// Check payment parameters as WeChat does: `signType` must be `RSA` and
/// `paySign` must verify with the merchant's public key.
///
/// # Errors
/// [`V3Error::InvalidValue`] for another `signType`, and those of
/// [`VerifyKey::verify`].
pub fn verify_payment_params(params: &PaymentParams, key: &VerifyKey) -> Result<(), V3Error> {
    if params.sign_type != "RSA" {
        return Err(V3Error::InvalidValue {
            field: "signType",
            reason: "must be RSA for API v3",
        });
    }
    let msg = pay_sign_message(
        &params.app_id,
        &params.time_stamp,
        &params.nonce_str,
        &params.package,
    );
    key.verify(msg.as_bytes(), &params.pay_sign)
}
