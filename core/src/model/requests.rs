//! Requests a merchant sends, with WeChat's validation rules.

use alloc::format;

use super::base::{model, opt};
use super::rules::{
    self, check_notify_url, is_ip, is_valid_out_refund_no, is_valid_out_trade_no, parse_time14,
};
use super::{ErrCode, Failure, TradeType};
use crate::ParamMap;

fn require<T>(v: &Option<T>, field: &str) -> Result<(), Failure> {
    if v.is_none() {
        Err(Failure::lack_params(field))
    } else {
        Ok(())
    }
}

fn param_error(des: &'static str) -> Failure {
    Failure::business_des(ErrCode::ParamError, des)
}

fn check_time14(v: &Option<alloc::string::String>, field: &str) -> Result<(), Failure> {
    match v {
        Some(t) if parse_time14(t).is_none() => {
            Err(Failure::format(field, "格式为yyyyMMddHHmmss（北京时间）"))
        }
        _ => Ok(()),
    }
}

model! {
    /// `/pay/unifiedorder` (docs/protocol.md §2.4).
    pub struct UnifiedOrderRequest {
        /// The (mini program's) appid.
        appid: Str(32),
        /// The merchant id.
        mch_id: Str(32),
        /// Device, e.g. `WEB`.
        device_info: Str(32),
        /// Random string, ≤ 32 characters.
        nonce_str: Str(32),
        /// The signature.
        sign: Str(64),
        /// `MD5` (default) or `HMAC-SHA256`.
        sign_type: Str(32),
        /// Goods description.
        body: Str(128),
        /// Goods detail (JSON).
        detail: Str(6144),
        /// Merchant data echoed in query and notify.
        attach: Str(127),
        /// Merchant order number: 6–32 of `[0-9A-Za-z_-|*]`, unique per mch_id.
        out_trade_no: Str(32),
        /// Currency, default CNY.
        fee_type: Str(16),
        /// Amount in fen (an integer!).
        total_fee: Int("标价金额"),
        /// The payer's IP (IPv4 or IPv6).
        spbill_create_ip: Str(64),
        /// Order time, yyyyMMddHHmmss Beijing.
        time_start: Str(14),
        /// Expiry time, yyyyMMddHHmmss Beijing.
        time_expire: Str(14),
        /// Goods tag for coupons.
        goods_tag: Str(32),
        /// Where the payment notify goes: absolute, no query string.
        notify_url: Str(256),
        /// JSAPI, NATIVE, APP or MWEB.
        trade_type: Str(16),
        /// Required for NATIVE.
        product_id: Str(32),
        /// `no_credit` forbids credit cards.
        limit_pay: Str(32),
        /// The user's openid under appid: required for JSAPI.
        openid: Str(128),
        /// `Y` to issue an e-invoice entry.
        receipt: Str(8),
        /// `Y`/`N`: profit sharing.
        profit_sharing: Str(16),
        /// Scene information (JSON).
        scene_info: Str(256),
    }
}

impl UnifiedOrderRequest {
    /// The fields left out when comparing a re-entry with the original order
    /// (docs/protocol.md §2.4): everything else must be identical.
    pub const REENTRY_IGNORED: &'static [&'static str] = &[
        "nonce_str",
        "sign",
        "sign_type",
        "spbill_create_ip",
        "time_start",
    ];

    /// The fields left out by the production-strict re-entry comparison
    /// (`model::fidelity`, docs/fidelity.md §3): only what changes on every
    /// call by construction. `time_start` and `time_expire` are compared,
    /// since "time_expire只能第一次下单传值，不允许二次修改"; `spbill_create_ip`
    /// too, as WeChat does not document it as exempt.
    pub const REENTRY_IGNORED_STRICT: &'static [&'static str] = &["nonce_str", "sign", "sign_type"];

    /// The business parameters compared on a production-strict re-entry
    /// (all but [`Self::REENTRY_IGNORED_STRICT`]).
    #[must_use]
    pub fn reentry_params_strict(&self) -> ParamMap {
        let mut p = self.to_params();
        for f in Self::REENTRY_IGNORED_STRICT {
            p.remove(*f);
        }
        p
    }

    /// The business parameters compared on re-entry (the lenient set).
    #[must_use]
    pub fn reentry_params(&self) -> ParamMap {
        let mut p = self.to_params();
        for f in Self::REENTRY_IGNORED {
            p.remove(*f);
        }
        p
    }

    /// The trade type, when valid.
    #[must_use]
    pub fn trade_type(&self) -> Option<TradeType> {
        TradeType::parse(opt(&self.trade_type))
    }

    /// Validates the business fields (docs/protocol.md §2.4).
    ///
    /// # Errors
    /// `LACK_PARAMS` for a missing required field (`openid` when JSAPI,
    /// `product_id` when NATIVE); `return_code=FAIL` for a malformed value.
    pub fn validate(&self) -> Result<(), Failure> {
        self.check_lengths()?;
        require(&self.body, "body")?;
        require(&self.out_trade_no, "out_trade_no")?;
        require(&self.total_fee, "total_fee")?;
        require(&self.spbill_create_ip, "spbill_create_ip")?;
        require(&self.notify_url, "notify_url")?;
        require(&self.trade_type, "trade_type")?;
        let Some(tt) = self.trade_type() else {
            return Err(Failure::format(
                "trade_type",
                "必须是JSAPI、NATIVE、APP或MWEB",
            ));
        };
        if tt == TradeType::Jsapi && self.openid.is_none() {
            return Err(Failure::business_des(
                ErrCode::LackParams,
                "JSAPI支付必须传openid",
            ));
        }
        if tt == TradeType::Native && self.product_id.is_none() {
            return Err(Failure::business_des(
                ErrCode::LackParams,
                "NATIVE支付必须传product_id",
            ));
        }
        if !is_valid_out_trade_no(opt(&self.out_trade_no)) {
            return Err(Failure::format(
                "out_trade_no",
                "须为6到32个字符，只能是数字、大小写字母和_-|*",
            ));
        }
        if self.total_fee.is_some_and(|f| f <= 0) {
            return Err(Failure::format("total_fee", "必须是大于0的整数，单位为分"));
        }
        if self.total_fee.is_some_and(|f| !rules::is_valid_fee(f)) {
            return Err(Failure::format(
                "total_fee",
                "超出范围：最大为2147483647，单位为分",
            ));
        }
        if !is_ip(opt(&self.spbill_create_ip)) {
            return Err(Failure::format("spbill_create_ip", "必须是IPv4或IPv6地址"));
        }
        if let Err(why) = check_notify_url(opt(&self.notify_url)) {
            return Err(Failure::format("notify_url", why));
        }
        check_time14(&self.time_start, "time_start")?;
        check_time14(&self.time_expire, "time_expire")?;
        if let Some(openid) = &self.openid
            && !rules::is_well_formed_openid(openid)
        {
            return Err(Failure::format("openid", "格式错误"));
        }
        if self
            .fee_type
            .as_deref()
            .is_some_and(|f| f.len() != 3 || !f.bytes().all(|c| c.is_ascii_uppercase()))
        {
            return Err(Failure::format(
                "fee_type",
                "必须是ISO 4217三位货币代码，如CNY",
            ));
        }
        if self.limit_pay.as_deref().is_some_and(|v| v != "no_credit") {
            return Err(Failure::format("limit_pay", "只能是no_credit"));
        }
        if self.receipt.as_deref().is_some_and(|v| v != "Y") {
            return Err(Failure::format("receipt", "只能是Y"));
        }
        if self
            .profit_sharing
            .as_deref()
            .is_some_and(|v| v != "Y" && v != "N")
        {
            return Err(Failure::format("profit_sharing", "只能是Y或N"));
        }
        Ok(())
    }

    /// Checks `time_expire` against `now` (Unix seconds) when an expiry is
    /// given: it must lie at least `min_interval_secs` ahead of the order
    /// time (WeChat's current text recommends 1 minute; older docs said 5).
    ///
    /// # Errors
    /// `INVALID_REQUEST` "交易有效截止时间非法" (the user-facing wording on
    /// record) when the expiry is too close or already past.
    pub fn check_time_expire(&self, now: i64, min_interval_secs: i64) -> Result<(), Failure> {
        let Some(exp) = self.time_expire.as_deref().and_then(parse_time14) else {
            return Ok(());
        };
        let start = self
            .time_start
            .as_deref()
            .and_then(parse_time14)
            .unwrap_or(now)
            .max(now);
        if exp.saturating_sub(start) < min_interval_secs {
            return Err(Failure::business_des(
                ErrCode::InvalidRequest,
                "交易有效截止时间非法",
            ));
        }
        Ok(())
    }
}

model! {
    /// `/pay/orderquery`.
    pub struct OrderQueryRequest {
        /// appid.
        appid: Str(32),
        /// mch_id.
        mch_id: Str(32),
        /// WeChat's order number (wins over out_trade_no).
        transaction_id: Str(32),
        /// The merchant's order number.
        out_trade_no: Str(32),
        /// Random string.
        nonce_str: Str(32),
        /// Signature.
        sign: Str(64),
        /// Sign type.
        sign_type: Str(32),
    }
}

impl OrderQueryRequest {
    /// Validates: one of `transaction_id` / `out_trade_no` is required.
    ///
    /// # Errors
    /// `LACK_PARAMS` when both are missing; length violations.
    pub fn validate(&self) -> Result<(), Failure> {
        self.check_lengths()?;
        if self.transaction_id.is_none() && self.out_trade_no.is_none() {
            return Err(Failure::business_des(
                ErrCode::LackParams,
                "transaction_id和out_trade_no至少填一个",
            ));
        }
        Ok(())
    }
}

model! {
    /// `/pay/closeorder`.
    pub struct CloseOrderRequest {
        /// appid.
        appid: Str(32),
        /// mch_id.
        mch_id: Str(32),
        /// The merchant's order number.
        out_trade_no: Str(32),
        /// Random string.
        nonce_str: Str(32),
        /// Signature.
        sign: Str(64),
        /// Sign type.
        sign_type: Str(32),
    }
}

impl CloseOrderRequest {
    /// Validates: `out_trade_no` is required.
    ///
    /// # Errors
    /// `LACK_PARAMS`; length violations.
    pub fn validate(&self) -> Result<(), Failure> {
        self.check_lengths()?;
        require(&self.out_trade_no, "out_trade_no")
    }
}

model! {
    /// `/secapi/pay/refund` (docs/protocol.md §2.7).
    pub struct RefundRequest {
        /// appid.
        appid: Str(32),
        /// mch_id.
        mch_id: Str(32),
        /// Random string.
        nonce_str: Str(32),
        /// Signature.
        sign: Str(64),
        /// Sign type.
        sign_type: Str(32),
        /// WeChat's order number (wins over out_trade_no).
        transaction_id: Str(32),
        /// The merchant's order number.
        out_trade_no: Str(32),
        /// The merchant's refund number: the same number refunds once.
        out_refund_no: Str(64),
        /// The order's amount, in fen.
        total_fee: Int("订单金额"),
        /// The amount to refund, in fen.
        refund_fee: Int("退款金额"),
        /// Currency.
        refund_fee_type: Str(8),
        /// Reason shown to the user.
        refund_desc: Str(80),
        /// Funds source.
        refund_account: Str(30),
        /// Where the refund notify goes (else the merchant-platform setting).
        notify_url: Str(256),
    }
}

impl RefundRequest {
    /// Validates the refund fields.
    ///
    /// # Errors
    /// `PARAM_ERROR` for a missing order reference, out_refund_no or amount,
    /// a non-positive amount, or `refund_fee > total_fee`; `return_code=FAIL`
    /// for malformed values.
    pub fn validate(&self) -> Result<(), Failure> {
        self.check_lengths()?;
        if self.transaction_id.is_none() && self.out_trade_no.is_none() {
            return Err(param_error("transaction_id和out_trade_no必须填一个"));
        }
        let Some(out_refund_no) = &self.out_refund_no else {
            return Err(param_error("缺少参数：out_refund_no"));
        };
        if !is_valid_out_refund_no(out_refund_no) {
            return Err(Failure::format(
                "out_refund_no",
                "只能是数字、大小写字母和_-|*@，最长64个字符",
            ));
        }
        let (Some(total), Some(refund)) = (self.total_fee, self.refund_fee) else {
            return Err(param_error("缺少参数：total_fee和refund_fee"));
        };
        if total <= 0 || refund <= 0 {
            return Err(param_error("金额必须是大于0的整数，单位为分"));
        }
        if !rules::is_valid_fee(total) || !rules::is_valid_fee(refund) {
            return Err(param_error("金额超出范围：最大为2147483647，单位为分"));
        }
        if refund > total {
            return Err(param_error("退款金额不能大于订单金额"));
        }
        if let Some(url) = &self.notify_url
            && let Err(why) = check_notify_url(url)
        {
            return Err(Failure::format("notify_url", why));
        }
        Ok(())
    }
}

model! {
    /// `/pay/refundquery`.
    pub struct RefundQueryRequest {
        /// appid.
        appid: Str(32),
        /// mch_id.
        mch_id: Str(32),
        /// Random string.
        nonce_str: Str(32),
        /// Signature.
        sign: Str(64),
        /// Sign type.
        sign_type: Str(32),
        /// WeChat's order number.
        transaction_id: Str(32),
        /// The merchant's order number.
        out_trade_no: Str(32),
        /// The merchant's refund number.
        out_refund_no: Str(64),
        /// WeChat's refund number.
        refund_id: Str(32),
        /// Paging offset (over 10 refunds).
        offset: Int("偏移量"),
    }
}

impl RefundQueryRequest {
    /// Validates: one of refund_id, out_refund_no, transaction_id,
    /// out_trade_no is required (that is also their precedence).
    ///
    /// # Errors
    /// `PARAM_ERROR` when none is given or offset is negative.
    pub fn validate(&self) -> Result<(), Failure> {
        self.check_lengths()?;
        if self.refund_id.is_none()
            && self.out_refund_no.is_none()
            && self.transaction_id.is_none()
            && self.out_trade_no.is_none()
        {
            return Err(param_error(
                "refund_id、out_refund_no、transaction_id和out_trade_no至少填一个",
            ));
        }
        if self.offset.is_some_and(|o| o < 0) {
            return Err(param_error("offset不能为负数"));
        }
        Ok(())
    }
}

model! {
    /// Sandbox `getsignkey` (signed with the production key, MD5).
    pub struct GetSignKeyRequest {
        /// mch_id.
        mch_id: Str(32),
        /// Random string.
        nonce_str: Str(32),
        /// Signature.
        sign: Str(64),
    }
}

impl GetSignKeyRequest {
    /// Validates lengths (the envelope check covers the rest).
    ///
    /// # Errors
    /// Length violations.
    pub fn validate(&self) -> Result<(), Failure> {
        self.check_lengths()
    }
}

model! {
    /// `/pay/downloadbill`.
    pub struct DownloadBillRequest {
        /// appid.
        appid: Str(32),
        /// mch_id.
        mch_id: Str(32),
        /// Random string.
        nonce_str: Str(32),
        /// Signature.
        sign: Str(64),
        /// Sign type.
        sign_type: Str(32),
        /// The day, yyyyMMdd.
        bill_date: Str(8),
        /// ALL (default), SUCCESS, REFUND, RECHARGE_REFUND.
        bill_type: Str(16),
        /// `GZIP` for a gzip body.
        tar_type: Str(8),
    }
}

impl DownloadBillRequest {
    /// Validates; downloadbill answers with bare `return_msg` strings
    /// (docs/protocol.md §2.6): `missing parameter`, `data format error`,
    /// `invalid bill_type`, `invalid tar_type`.
    ///
    /// # Errors
    /// `return_code=FAIL` with one of those messages.
    pub fn validate(&self) -> Result<(), Failure> {
        let Some(date) = &self.bill_date else {
            return Err(Failure::protocol("missing parameter"));
        };
        if rules::parse_date8(date).is_none() {
            return Err(Failure::protocol("data format error"));
        }
        if self
            .bill_type
            .as_deref()
            .is_some_and(|t| super::BillType::parse(t).is_none())
        {
            return Err(Failure::protocol("invalid bill_type"));
        }
        if self.tar_type.as_deref().is_some_and(|t| t != "GZIP") {
            return Err(Failure::protocol(format!(
                "invalid tar_type: {}",
                opt(&self.tar_type)
            )));
        }
        Ok(())
    }
}

model! {
    /// `/payitil/report` (交易保障): a latency report
    /// (<https://pay.weixin.qq.com/doc/v2/merchant/4011937189>).
    pub struct ReportRequest {
        /// appid.
        appid: Str(32),
        /// mch_id.
        mch_id: Str(32),
        /// Device number.
        device_info: Str(32),
        /// Random string.
        nonce_str: Str(32),
        /// Signature.
        sign: Str(64),
        /// Sign type.
        sign_type: Str(32),
        /// The full URL of the reported call.
        interface_url: Str(127),
        /// Its duration in milliseconds (the trailing `_` is WeChat's).
        execute_time_: Int("接口耗时"),
        /// The reported call's return_code.
        return_code: Str(16),
        /// The reported call's return_msg.
        return_msg: Str(128),
        /// The reported call's result_code.
        result_code: Str(16),
        /// The reported call's err_code.
        err_code: Str(32),
        /// The reported call's err_code_des.
        err_code_des: Str(128),
        /// The order concerned.
        out_trade_no: Str(32),
        /// The IP of the machine that made the call.
        user_ip: Str(16),
        /// When, yyyyMMddHHmmss.
        time: Str(14),
        /// Micropay batch reports.
        trades: Str(1024),
    }
}

impl ReportRequest {
    /// Validates a report (docs/fidelity.md "/payitil/report"): the doc's
    /// required fields `interface_url`, `execute_time_`, `return_code`,
    /// `return_msg`, `result_code`, `user_ip`; SUCCESS/FAIL codes; an http(s)
    /// `interface_url`; an IP `user_ip`; a yyyyMMddHHmmss `time` when given.
    /// WeChat's wording for a bad report is not on record: the answers use
    /// the unifiedorder shapes (`LACK_PARAMS`, `参数格式校验错误`).
    ///
    /// # Errors
    /// `LACK_PARAMS` for a missing field, `return_code=FAIL` for a bad value.
    pub fn validate(&self) -> Result<(), Failure> {
        self.check_lengths()?;
        require(&self.interface_url, "interface_url")?;
        require(&self.execute_time_, "execute_time_")?;
        require(&self.return_code, "return_code")?;
        require(&self.return_msg, "return_msg")?;
        require(&self.result_code, "result_code")?;
        require(&self.user_ip, "user_ip")?;
        let url = opt(&self.interface_url);
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Failure::format("interface_url", "必须是完整的URL"));
        }
        if self.execute_time_.is_some_and(|t| t < 0) {
            return Err(Failure::format("execute_time_", "不能为负数"));
        }
        for (field, v) in [
            ("return_code", &self.return_code),
            ("result_code", &self.result_code),
        ] {
            if !matches!(opt(v), "SUCCESS" | "FAIL") {
                return Err(Failure::format(field, "必须是SUCCESS或FAIL"));
            }
        }
        if !is_ip(opt(&self.user_ip)) {
            return Err(Failure::format("user_ip", "必须是IP地址"));
        }
        check_time14(&self.time, "time")?;
        Ok(())
    }
}
