//! `wx.requestPayment` parameters and their `paySign`.
//!
//! The mini program passes `timeStamp, nonceStr, package, signType, paySign`
//! to `wx.requestPayment`; the signature covers exactly `appId, timeStamp,
//! nonceStr, package, signType` (that case: capital `I` in `appId`, capital
//! `S` in `timeStamp`), with the merchant's API key, using the same sign type
//! as the unifiedorder call. It is a **second** signature: reusing the
//! unifiedorder response's `sign` is a classic mistake.
//!
//! **Never compute this inside a Mini Program**: it needs the API key.

use alloc::format;
use alloc::string::String;

use crate::{ApiKey, Error, Params, Sign, SignType, sign, verify_sign};

/// The object for `wx.requestPayment`, plus the `appId` it was signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentParams {
    /// The appid used at unifiedorder time (signed, not passed to `wx.requestPayment`).
    pub app_id: String,
    /// Unix time in seconds, 10 digits, as a string.
    pub time_stamp: String,
    /// A random string of at most 32 characters.
    pub nonce_str: String,
    /// `prepay_id=<prepay_id>`.
    pub package: String,
    /// The sign type, equal to unifiedorder's.
    pub sign_type: SignType,
    /// The signature, uppercase hex.
    pub pay_sign: String,
}

impl PaymentParams {
    /// The signed fields with WeChat's exact names, in sorted order.
    #[must_use]
    pub fn signed_pairs(&self) -> [(&'static str, &str); 5] {
        [
            ("appId", &self.app_id),
            ("nonceStr", &self.nonce_str),
            ("package", &self.package),
            ("signType", self.sign_type.as_str()),
            ("timeStamp", &self.time_stamp),
        ]
    }
}

/// Checks that `ts` is a 10-digit count of seconds (a 13-digit millisecond
/// timestamp is a known bug).
///
/// # Errors
/// [`Error::InvalidValue`] for anything but 10 ASCII digits.
pub fn check_time_stamp(ts: &str) -> Result<(), Error> {
    if ts.len() == 10 && ts.bytes().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::InvalidValue {
            field: String::from("timeStamp"),
            reason: format!(
                "{ts:?} is not 10 digits: timeStamp is Unix time in seconds, as a string (not milliseconds, not a number)"
            ),
        })
    }
}

/// `prepay_id=…` from either a bare prepay_id or an already-built package.
#[must_use]
pub fn package_for(prepay_id: &str) -> String {
    if prepay_id.starts_with("prepay_id=") {
        String::from(prepay_id)
    } else {
        format!("prepay_id={prepay_id}")
    }
}

/// Builds and signs the `wx.requestPayment` object.
///
/// `prepay_id` may be given bare (`wx2017…`) or as a package
/// (`prepay_id=wx2017…`). The official example:
///
/// ```
/// use wxpay_core::{build_payment_params, ApiKey, SignType};
/// let p = build_payment_params(
///     "wxd678efh567hg6787",
///     "wx2017033010242291fcfe0db70013231072",
///     &ApiKey::new("qazwsxedcrfvtgbyhnujmikolp111111"),
///     SignType::Md5,
///     "1490840662",
///     "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
/// ).unwrap();
/// assert_eq!(p.package, "prepay_id=wx2017033010242291fcfe0db70013231072");
/// assert_eq!(p.pay_sign, "22D9B4E54AB1950F51E0649E8810ACD6");
/// ```
///
/// # Errors
/// [`Error::InvalidValue`] when `time_stamp` is not 10 digits, `nonce_str`
/// is empty or longer than 32 characters, or `app_id`/`prepay_id` is empty.
pub fn build_payment_params(
    app_id: &str,
    prepay_id: &str,
    key: &ApiKey,
    sign_type: SignType,
    time_stamp: &str,
    nonce_str: &str,
) -> Result<PaymentParams, Error> {
    check_time_stamp(time_stamp)?;
    for (field, v, max) in [
        ("appId", app_id, 32),
        ("prepayId", prepay_id, 128),
        ("nonceStr", nonce_str, 32),
    ] {
        if v.is_empty() || v.chars().count() > max {
            return Err(Error::InvalidValue {
                field: String::from(field),
                reason: format!("must be 1 to {max} characters"),
            });
        }
    }
    let mut p = PaymentParams {
        app_id: String::from(app_id),
        time_stamp: String::from(time_stamp),
        nonce_str: String::from(nonce_str),
        package: package_for(prepay_id),
        sign_type,
        pay_sign: String::new(),
    };
    p.pay_sign = String::from(sign(&p.signed_pairs(), key, sign_type).as_str());
    Ok(p)
}

/// Computes the paySign of the five signed fields found in `obj` (extra keys
/// such as `paySign`, `timestamp` or callbacks are ignored).
///
/// # Errors
/// [`Error::InvalidValue`] naming the first missing field, or
/// [`Error::UnsupportedSignType`] for a `signType` other than `MD5` or
/// `HMAC-SHA256`.
pub fn pay_sign_of<P: Params + ?Sized>(obj: &P, key: &ApiKey) -> Result<(Sign, SignType), Error> {
    let get = |name: &str| {
        obj.get_param(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::InvalidValue {
                field: String::from(name),
                reason: String::from(
                    "missing: the object needs appId, timeStamp, nonceStr, package and signType",
                ),
            })
    };
    let app_id = get("appId")?;
    let time_stamp = get("timeStamp")?;
    let nonce_str = get("nonceStr")?;
    let package = get("package")?;
    let sign_type: SignType = get("signType")?.parse()?;
    let pairs = [
        ("appId", app_id),
        ("nonceStr", nonce_str),
        ("package", package),
        ("signType", sign_type.as_str()),
        ("timeStamp", time_stamp),
    ];
    Ok((sign(&pairs, key, sign_type), sign_type))
}

/// Verifies a `wx.requestPayment` object (`timeStamp, nonceStr, package,
/// signType, paySign`) plus `appId`. Only the five signed fields count;
/// the comparison is constant-time. Returns the sign type that verified.
///
/// # Errors
/// As [`pay_sign_of`]; [`Error::MissingSign`] without `paySign`;
/// [`Error::MalformedSign`] when its length does not fit `signType`;
/// [`Error::SignMismatch`] when it does not match.
pub fn verify_payment_params<P: Params + ?Sized>(obj: &P, key: &ApiKey) -> Result<SignType, Error> {
    let (_, sign_type) = pay_sign_of(obj, key)?;
    let claimed = obj.get_param("paySign").unwrap_or_default();
    let pairs = [
        ("appId", obj.get_param("appId").unwrap_or_default()),
        ("nonceStr", obj.get_param("nonceStr").unwrap_or_default()),
        ("package", obj.get_param("package").unwrap_or_default()),
        ("signType", sign_type.as_str()),
        ("timeStamp", obj.get_param("timeStamp").unwrap_or_default()),
    ];
    verify_sign(&pairs, key, claimed, Some(sign_type))
}
