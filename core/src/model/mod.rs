//! Typed requests, responses and notifies, with WeChat's validation rules.
//!
//! Every model:
//! - keeps the fields it does not name in `extra` (WeChat adds fields, and
//!   the signature covers them, so dropping them breaks verification);
//! - converts from and to the flat parameter map ([`ParamMap`]) losslessly
//!   (an empty value is the same as an absent one: neither is signed);
//! - parses integer fields strictly: a non-integer (`0.12`, `1.0`, `1e2`)
//!   is refused in WeChat's own words, e.g. for `total_fee`
//!   [`failure::MSG_TOTAL_FEE_NOT_INT`];
//! - requests have `validate()` implementing protocol.md §2.4–§2.7, returning
//!   the [`Failure`] WeChat answers with.
//!
//! The envelope (`appid`, `mch_id`, `nonce_str`, `sign`, `sign_type`) is
//! checked by [`rules::check_envelope`] before the signature, as WeChat does;
//! `validate()` checks the business fields.

use alloc::string::String;

use crate::ParamMap;

pub mod answers;
pub mod failure;
mod prepay;
mod reply;
mod requests;
mod responses;
pub mod rules;
mod signed;
mod states;

pub use failure::{ErrCode, Failure};
pub use prepay::prepay_id_expired;
pub use reply::{NotifyReply, judge_notify_reply};
pub use requests::{
    CloseOrderRequest, DownloadBillRequest, GetSignKeyRequest, OrderQueryRequest,
    RefundQueryRequest, RefundRequest, UnifiedOrderRequest,
};
pub use responses::{
    CloseOrderResponse, GetSignKeyResponse, OrderQueryResponse, PaymentNotify, RefundItem,
    RefundNotify, RefundNotifyInfo, RefundQueryResponse, RefundResponse, UnifiedOrderResponse,
    success_params,
};
pub use signed::sign_and_encode;
pub use states::{BillType, RefundStatus, TradeState, TradeType};

/// Parses a strict 64-bit signed integer: optional `-`, then digits only.
pub(crate) fn parse_i64(field: &str, label: &str, v: &str) -> Result<i64, Failure> {
    let digits = v.strip_prefix('-').unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Failure::not_integer(field, label));
    }
    v.parse().map_err(|_| Failure::not_integer(field, label))
}

pub(crate) fn check_len(field: &str, v: Option<&String>, max: usize) -> Result<(), Failure> {
    match v {
        Some(s) if s.chars().count() > max => Err(Failure::format(
            field,
            &alloc::format!("长度不能超过{max}个字符"),
        )),
        _ => Ok(()),
    }
}

/// Declares a model: a struct of optional fields plus `extra`, with
/// `from_params`, `to_params` and a length check. `Str(n)` is text of at
/// most `n` characters (no limit without `(n)`), `Int("label")` a strict
/// 64-bit integer whose Chinese label appears in WeChat's error message.
macro_rules! model {
    (
        $(#[$m:meta])*
        pub struct $name:ident {
            $( $(#[$fm:meta])* $field:ident : $kind:ident $( ($arg:expr) )? ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fm])* pub $field: model!(@ty $kind), )*
            /// Fields this model does not name, kept for the signature.
            pub extra: $crate::ParamMap,
        }

        impl $name {
            /// The wire names of the fields this model names.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Reads a parameter map; unknown fields go to `extra`, empty
            /// values count as absent.
            ///
            /// # Errors
            /// `return_code=FAIL` when an integer field is not an integer.
            pub fn from_params(p: &$crate::ParamMap) -> Result<Self, $crate::model::Failure> {
                let mut out = Self::default();
                for (k, v) in p {
                    if v.is_empty() {
                        continue;
                    }
                    match k.as_str() {
                        $( stringify!($field) => { out.$field = model!(@parse $kind, stringify!($field), v $(, $arg)?); } )*
                        _ => { out.extra.insert(k.clone(), v.clone()); }
                    }
                }
                Ok(out)
            }

            /// The parameter map (extra fields included, absent ones left out).
            #[must_use]
            pub fn to_params(&self) -> $crate::ParamMap {
                let mut p = self.extra.clone();
                $( model!(@put p, stringify!($field), &self.$field, $kind); )*
                p
            }

            #[allow(dead_code)]
            fn check_lengths(&self) -> Result<(), $crate::model::Failure> {
                $( model!(@len self.$field, stringify!($field), $kind $(, $arg)?); )*
                Ok(())
            }
        }
    };
    (@ty Str) => { Option<alloc::string::String> };
    (@ty Int) => { Option<i64> };
    (@parse Str, $f:expr, $v:expr $(, $arg:expr)?) => { Some($v.clone()) };
    (@parse Int, $f:expr, $v:expr, $label:expr) => { Some($crate::model::parse_i64($f, $label, $v)?) };
    (@put $p:ident, $f:expr, $v:expr, Str) => {
        if let Some(v) = $v { if !v.is_empty() { $p.insert(alloc::string::String::from($f), v.clone()); } }
    };
    (@put $p:ident, $f:expr, $v:expr, Int) => {
        if let Some(v) = $v { $p.insert(alloc::string::String::from($f), alloc::string::ToString::to_string(v)); }
    };
    (@len $v:expr, $f:expr, Str) => {};
    (@len $v:expr, $f:expr, Str, $max:expr) => { $crate::model::check_len($f, $v.as_ref(), $max)?; };
    (@len $v:expr, $f:expr, Int, $label:expr) => {};
}
pub(crate) use model;

/// A response envelope's status, common to every response model.
pub trait Envelope {
    /// `return_code`.
    fn return_code(&self) -> Option<&str>;
    /// `result_code`.
    fn result_code(&self) -> Option<&str>;

    /// Both `return_code` and `result_code` are `SUCCESS`.
    fn is_success(&self) -> bool {
        self.return_code() == Some("SUCCESS") && self.result_code() == Some("SUCCESS")
    }
}

/// Shorthand used by the models: the value of an optional text field.
pub(crate) fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or_default()
}

/// Whether a parameter map's response is a business success.
#[must_use]
pub fn is_success(p: &ParamMap) -> bool {
    p.get("return_code").is_some_and(|v| v == "SUCCESS")
        && p.get("result_code").is_some_and(|v| v == "SUCCESS")
}
