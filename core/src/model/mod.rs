//! Typed requests, responses and notifies, with WeChat's validation rules.
//!
//! Every model:
//! - keeps the fields it does not name in `extra` (WeChat adds fields, and
//!   the signature covers them, so dropping them breaks verification);
//! - converts from and to the flat parameter map ([`ParamMap`](crate::ParamMap)) losslessly
//!   (an empty value is the same as an absent one: neither is signed);
//! - parses integer fields strictly: a non-integer (`0.12`, `1.0`, `1e2`)
//!   is refused in WeChat's own words, e.g. for `total_fee`
//!   [`failure::MSG_TOTAL_FEE_NOT_INT`];
//! - requests have `validate()` implementing docs/protocol.md §2.4–§2.7, returning
//!   the [`Failure`] WeChat answers with.
//!
//! The envelope (`appid`, `mch_id`, `nonce_str`, `sign`, `sign_type`) is
//! checked by [`rules::check_envelope`] before the signature, as WeChat does;
//! `validate()` checks the business fields.

pub mod answers;
mod base;
pub mod failure;
pub mod fidelity;
mod prepay;
mod reply;
mod requests;
mod responses;
pub mod rules;
mod signed;
mod states;

pub use base::{Envelope, is_success};
pub use failure::{ErrCode, Failure};
pub use prepay::prepay_id_expired;
pub use reply::{NotifyReply, judge_notify_reply};
pub use requests::{
    CloseOrderRequest, DownloadBillRequest, GetSignKeyRequest, OrderQueryRequest,
    RefundQueryRequest, RefundRequest, ReportRequest, UnifiedOrderRequest,
};
pub use responses::{
    CloseOrderResponse, GetSignKeyResponse, OrderQueryResponse, PaymentNotify, RefundItem,
    RefundNotify, RefundNotifyInfo, RefundQueryResponse, RefundResponse, UnifiedOrderResponse,
    success_params,
};
pub use signed::sign_and_encode;
pub use states::{BillType, RefundStatus, TradeState, TradeType};
