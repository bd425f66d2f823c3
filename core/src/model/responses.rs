//! Responses and notifies WeChat sends.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::base::{Envelope, model, parse_i64};
use super::failure::Failure;
use crate::{ApiKey, Error, ParamMap, req_info};

macro_rules! envelope {
    ($($t:ty),*) => {$(
        impl Envelope for $t {
            fn return_code(&self) -> Option<&str> { self.return_code.as_deref() }
            fn result_code(&self) -> Option<&str> { self.result_code.as_deref() }
        }
    )*};
}

model! {
    /// `/pay/unifiedorder` response.
    pub struct UnifiedOrderResponse {
        /// SUCCESS/FAIL (communication).
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// appid.
        appid: Str,
        /// mch_id.
        mch_id: Str,
        /// device_info.
        device_info: Str,
        /// Random string.
        nonce_str: Str,
        /// Signature (the request's sign type).
        sign: Str,
        /// SUCCESS/FAIL (business).
        result_code: Str,
        /// err_code when result_code=FAIL.
        err_code: Str,
        /// err_code_des.
        err_code_des: Str,
        /// Trade type.
        trade_type: Str,
        /// The prepay id, valid 2 hours.
        prepay_id: Str,
        /// NATIVE: the QR code URL.
        code_url: Str,
        /// MWEB: the H5 URL.
        mweb_url: Str,
    }
}

model! {
    /// `/pay/orderquery` response.
    pub struct OrderQueryResponse {
        /// SUCCESS/FAIL (communication).
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// appid.
        appid: Str,
        /// mch_id.
        mch_id: Str,
        /// Random string.
        nonce_str: Str,
        /// Signature.
        sign: Str,
        /// SUCCESS/FAIL (business).
        result_code: Str,
        /// err_code.
        err_code: Str,
        /// err_code_des.
        err_code_des: Str,
        /// device_info.
        device_info: Str,
        /// The payer.
        openid: Str,
        /// Y/N.
        is_subscribe: Str,
        /// Trade type.
        trade_type: Str,
        /// SUCCESS, REFUND, NOTPAY, CLOSED, …
        trade_state: Str,
        /// Bank type, e.g. CFT.
        bank_type: Str,
        /// Amount in fen.
        total_fee: Int("标价金额"),
        /// Settlement amount.
        settlement_total_fee: Int("应结订单金额"),
        /// Currency.
        fee_type: Str,
        /// Cash paid.
        cash_fee: Int("现金支付金额"),
        /// Cash currency.
        cash_fee_type: Str,
        /// Coupons.
        coupon_fee: Int("代金券金额"),
        /// Coupon count.
        coupon_count: Int("代金券使用数量"),
        /// WeChat's order number.
        transaction_id: Str,
        /// The merchant's order number.
        out_trade_no: Str,
        /// Echoed attach.
        attach: Str,
        /// Payment time, yyyyMMddHHmmss.
        time_end: Str,
        /// Description of trade_state.
        trade_state_desc: Str,
    }
}

model! {
    /// `/pay/closeorder` response.
    pub struct CloseOrderResponse {
        /// SUCCESS/FAIL (communication).
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// appid.
        appid: Str,
        /// mch_id.
        mch_id: Str,
        /// Random string.
        nonce_str: Str,
        /// Signature.
        sign: Str,
        /// SUCCESS/FAIL (business).
        result_code: Str,
        /// Business message.
        result_msg: Str,
        /// err_code.
        err_code: Str,
        /// err_code_des.
        err_code_des: Str,
    }
}

model! {
    /// `/secapi/pay/refund` response (acceptance only; the outcome comes by
    /// refundquery or the refund notify).
    pub struct RefundResponse {
        /// SUCCESS/FAIL (communication).
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// appid.
        appid: Str,
        /// mch_id.
        mch_id: Str,
        /// Random string.
        nonce_str: Str,
        /// Signature.
        sign: Str,
        /// SUCCESS/FAIL (business).
        result_code: Str,
        /// err_code.
        err_code: Str,
        /// err_code_des.
        err_code_des: Str,
        /// WeChat's order number.
        transaction_id: Str,
        /// The merchant's order number.
        out_trade_no: Str,
        /// The merchant's refund number.
        out_refund_no: Str,
        /// WeChat's refund number.
        refund_id: Str,
        /// Refunded amount.
        refund_fee: Int("退款金额"),
        /// Settlement refund amount.
        settlement_refund_fee: Int("应结退款金额"),
        /// Order amount.
        total_fee: Int("标价金额"),
        /// Settlement order amount.
        settlement_total_fee: Int("应结订单金额"),
        /// Currency.
        fee_type: Str,
        /// Cash paid.
        cash_fee: Int("现金支付金额"),
        /// Cash currency.
        cash_fee_type: Str,
        /// Cash refunded.
        cash_refund_fee: Int("现金退款金额"),
        /// Coupons refunded.
        coupon_refund_fee: Int("代金券退款总金额"),
        /// Coupons refunded count.
        coupon_refund_count: Int("退款代金券使用数量"),
        /// Refund channel.
        refund_channel: Str,
    }
}

/// One refund inside a refundquery response (the `_$n` fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundItem {
    /// `out_refund_no_$n`.
    pub out_refund_no: String,
    /// `refund_id_$n`.
    pub refund_id: String,
    /// `refund_channel_$n` (ORIGINAL, BALANCE, …).
    pub refund_channel: String,
    /// `refund_fee_$n`.
    pub refund_fee: i64,
    /// `settlement_refund_fee_$n`.
    pub settlement_refund_fee: i64,
    /// `refund_status_$n`.
    pub refund_status: String,
    /// `refund_account_$n`.
    pub refund_account: String,
    /// `refund_recv_accout_$n` (WeChat's spelling).
    pub refund_recv_accout: String,
    /// `refund_success_time_$n`, `yyyy-MM-dd HH:mm:ss`; empty until success.
    pub refund_success_time: String,
}

model! {
    /// `/pay/refundquery` response. The per-refund `_$n` fields live in
    /// `extra`; read and write them with [`RefundQueryResponse::refunds`] and
    /// [`RefundQueryResponse::set_refunds`].
    pub struct RefundQueryResponse {
        /// SUCCESS/FAIL (communication).
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// appid.
        appid: Str,
        /// mch_id.
        mch_id: Str,
        /// Random string.
        nonce_str: Str,
        /// Signature.
        sign: Str,
        /// SUCCESS/FAIL (business).
        result_code: Str,
        /// err_code.
        err_code: Str,
        /// err_code_des.
        err_code_des: Str,
        /// Refunds of the order in all.
        total_refund_count: Int("订单总退款次数"),
        /// WeChat's order number.
        transaction_id: Str,
        /// The merchant's order number.
        out_trade_no: Str,
        /// Order amount.
        total_fee: Int("标价金额"),
        /// Settlement amount.
        settlement_total_fee: Int("应结订单金额"),
        /// Currency.
        fee_type: Str,
        /// Cash paid.
        cash_fee: Int("现金支付金额"),
        /// Refunds in this answer.
        refund_count: Int("退款笔数"),
    }
}

impl RefundQueryResponse {
    /// The refunds listed (`_0` … `_{refund_count-1}`).
    ///
    /// # Errors
    /// `return_code=FAIL` naming a `refund_fee_$n` that is not an integer.
    pub fn refunds(&self) -> Result<Vec<RefundItem>, Failure> {
        let n = usize::try_from(self.refund_count.unwrap_or(0))
            .unwrap_or(0)
            .min(1000);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let get = |f: &str| {
                self.extra
                    .get(&format!("{f}_{i}"))
                    .cloned()
                    .unwrap_or_default()
            };
            let int = |f: &str| -> Result<i64, Failure> {
                let name = format!("{f}_{i}");
                match self.extra.get(&name) {
                    Some(v) if !v.is_empty() => parse_i64(&name, "退款金额", v),
                    _ => Ok(0),
                }
            };
            out.push(RefundItem {
                out_refund_no: get("out_refund_no"),
                refund_id: get("refund_id"),
                refund_channel: get("refund_channel"),
                refund_fee: int("refund_fee")?,
                settlement_refund_fee: int("settlement_refund_fee")?,
                refund_status: get("refund_status"),
                refund_account: get("refund_account"),
                refund_recv_accout: get("refund_recv_accout"),
                refund_success_time: get("refund_success_time"),
            });
        }
        Ok(out)
    }

    /// Writes the refunds as `_$n` fields and sets `refund_count`.
    pub fn set_refunds(&mut self, refunds: &[RefundItem]) {
        for (i, r) in refunds.iter().enumerate() {
            let mut put = |f: &str, v: String| {
                if !v.is_empty() {
                    self.extra.insert(format!("{f}_{i}"), v);
                }
            };
            put("out_refund_no", r.out_refund_no.clone());
            put("refund_id", r.refund_id.clone());
            put("refund_channel", r.refund_channel.clone());
            put("refund_fee", r.refund_fee.to_string());
            put("settlement_refund_fee", r.settlement_refund_fee.to_string());
            put("refund_status", r.refund_status.clone());
            put("refund_account", r.refund_account.clone());
            put("refund_recv_accout", r.refund_recv_accout.clone());
            put("refund_success_time", r.refund_success_time.clone());
        }
        self.refund_count = i64::try_from(refunds.len()).ok();
    }
}

model! {
    /// `getsignkey` response: the sandbox key.
    pub struct GetSignKeyResponse {
        /// SUCCESS/FAIL.
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// mch_id.
        mch_id: Str,
        /// The sandbox key (32 characters).
        sandbox_signkey: Str,
        /// Random string.
        nonce_str: Str,
        /// MD5 signature with the production key.
        sign: Str,
    }
}

model! {
    /// The payment notify POSTed to `notify_url` (docs/protocol.md §2.8). An
    /// HMAC-SHA256 order's notify is HMAC-signed but carries **no**
    /// `sign_type`: verify with the type inferred from the sign's length.
    pub struct PaymentNotify {
        /// SUCCESS/FAIL (communication).
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// appid.
        appid: Str,
        /// mch_id.
        mch_id: Str,
        /// device_info.
        device_info: Str,
        /// Random string.
        nonce_str: Str,
        /// Signature.
        sign: Str,
        /// Sign type (usually absent).
        sign_type: Str,
        /// SUCCESS/FAIL (business).
        result_code: Str,
        /// err_code.
        err_code: Str,
        /// err_code_des.
        err_code_des: Str,
        /// The payer.
        openid: Str,
        /// Y/N.
        is_subscribe: Str,
        /// Trade type.
        trade_type: Str,
        /// Bank type.
        bank_type: Str,
        /// Amount in fen: check it against your order.
        total_fee: Int("标价金额"),
        /// Settlement amount.
        settlement_total_fee: Int("应结订单金额"),
        /// Currency.
        fee_type: Str,
        /// Cash paid.
        cash_fee: Int("现金支付金额"),
        /// Cash currency.
        cash_fee_type: Str,
        /// Coupons.
        coupon_fee: Int("代金券金额"),
        /// Coupon count.
        coupon_count: Int("代金券使用数量"),
        /// WeChat's order number.
        transaction_id: Str,
        /// The merchant's order number.
        out_trade_no: Str,
        /// Echoed attach.
        attach: Str,
        /// Payment time, yyyyMMddHHmmss.
        time_end: Str,
    }
}

model! {
    /// The refund notify's outer XML (docs/protocol.md §2.9). It has no `sign`:
    /// authenticity rests on `req_info`'s encryption.
    pub struct RefundNotify {
        /// SUCCESS/FAIL.
        return_code: Str,
        /// Reason when FAIL.
        return_msg: Str,
        /// appid.
        appid: Str,
        /// mch_id.
        mch_id: Str,
        /// Partner mode sub appid.
        sub_appid: Str,
        /// Partner mode sub mch_id.
        sub_mch_id: Str,
        /// Random string.
        nonce_str: Str,
        /// The encrypted [`RefundNotifyInfo`].
        req_info: Str,
    }
}

impl RefundNotify {
    /// Decrypts `req_info`.
    ///
    /// # Errors
    /// [`Error::ReqInfo`] (wrong key, bad base64), [`Error::Xml`], or
    /// [`Error::InvalidValue`] for a missing `req_info` or a non-integer amount.
    pub fn decrypt(&self, key: &ApiKey) -> Result<RefundNotifyInfo, Error> {
        let Some(enc) = &self.req_info else {
            return Err(Error::InvalidValue {
                field: "req_info".into(),
                reason: "missing".into(),
            });
        };
        let fields = req_info::decrypt_fields(enc, key)?;
        RefundNotifyInfo::from_params(&fields).map_err(|f| Error::InvalidValue {
            field: "req_info".into(),
            reason: f.to_string(),
        })
    }
}

model! {
    /// The decrypted `req_info` of a refund notify (root `<root>`).
    pub struct RefundNotifyInfo {
        /// WeChat's order number.
        transaction_id: Str,
        /// The merchant's order number.
        out_trade_no: Str,
        /// WeChat's refund number.
        refund_id: Str,
        /// The merchant's refund number.
        out_refund_no: Str,
        /// Order amount.
        total_fee: Int("订单金额"),
        /// Settlement order amount.
        settlement_total_fee: Int("应结订单金额"),
        /// Refund amount.
        refund_fee: Int("申请退款金额"),
        /// Settlement refund amount.
        settlement_refund_fee: Int("退款金额"),
        /// SUCCESS, CHANGE or REFUNDCLOSE.
        refund_status: Str,
        /// `yyyy-MM-dd HH:mm:ss`.
        success_time: Str,
        /// Where the money went (WeChat's spelling, sic).
        refund_recv_accout: Str,
        /// Funds source.
        refund_account: Str,
        /// API or VENDOR_PLATFORM.
        refund_request_source: Str,
    }
}

impl RefundNotifyInfo {
    /// Encodes under `<root>` and encrypts into `req_info`.
    ///
    /// # Errors
    /// [`Error::Xml`] for an extra field whose name cannot be written.
    pub fn encrypt(&self, key: &ApiKey) -> Result<String, Error> {
        req_info::encrypt_fields(&self.to_params(), key)
    }
}

envelope!(
    UnifiedOrderResponse,
    OrderQueryResponse,
    CloseOrderResponse,
    RefundResponse,
    RefundQueryResponse,
    PaymentNotify
);

/// Builds a signed-response skeleton: `return_code=SUCCESS`, `return_msg=OK`,
/// `result_code=SUCCESS`, `appid`, `mch_id` (the caller adds `nonce_str`,
/// endpoint fields, and the `sign`).
#[must_use]
pub fn success_params(appid: &str, mch_id: &str) -> ParamMap {
    let mut p = ParamMap::new();
    p.insert("return_code".into(), "SUCCESS".into());
    p.insert("return_msg".into(), "OK".into());
    p.insert("result_code".into(), "SUCCESS".into());
    p.insert("appid".into(), appid.into());
    p.insert("mch_id".into(), mch_id.into());
    p
}
