//! Production fidelity: how WeChat's v2 servers answer where a lenient mock
//! would not, written once so that every responder answers the same way.
//!
//! Each rule cites its evidence; the section numbers are those of
//! `docs/fidelity.md`, which quotes the sources at length. The switches live
//! in [`Fidelity`]; its defaults are the production-like choice, and where
//! the evidence is split the default is the stricter one.
//!
//! Everything here is a pure function of its inputs (times are Unix seconds
//! on whatever clock the caller runs), so the mock's layers can call it and
//! tests can pin it without a server.

use alloc::string::String;
use alloc::vec::Vec;

use super::failure::{MSG_SIGN_ERROR, MSG_SIGN_ERROR_CURRENT};
use super::rules::{PREPAY_ID_TTL_SECS, parse_time14};
use super::{ErrCode, Failure, RefundStatus, TradeState, UnifiedOrderRequest};
use crate::Params;

/// The texts production answers with, each with its evidence.
pub mod text {
    /// `return_msg` for an appid WeChat does not know, current wording
    /// (ruoyi-vue-pro `WXCodeMapping.java`; a pasted NATIVE order answer
    /// "<return_msg><![CDATA[AppID不存在，请检查后再试]]></return_msg>"). §8.
    pub const APPID_NOT_EXIST: &str = "AppID不存在，请检查后再试";
    /// The older wording of [`APPID_NOT_EXIST`] (FTChinese Go SDK comment
    /// listing the `return_code=FAIL` messages; several PHP integrations
    /// compare `'appid不存在' == $data['return_msg']`). §8.
    pub const APPID_NOT_EXIST_LEGACY: &str = "appid不存在";
    /// `return_msg` for an appid not bound to the mch_id (FTChinese Go SDK
    /// comment; uni-pay README; tenpay-style docs). §8.
    pub const APPID_MCHID_NOT_MATCH: &str = "商户号mch_id与appid不匹配";
    /// `return_msg` for an unknown mch_id (pasted answers
    /// `<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[商户号mch_id或sub_mch_id不存在]]></return_msg></xml>`). §8.
    pub const MCHID_NOT_EXIST: &str = "商户号mch_id或sub_mch_id不存在";
    /// `PARAM_ERROR` for an openid of another appid (a pasted PHP array dump:
    /// `'err_code_des' => 'appid和openid不匹配', 'err_code' => 'PARAM_ERROR'`). §2.
    pub const APPID_OPENID_MISMATCH: &str = "appid和openid不匹配";
    /// `INVALID_REQUEST` for a repeated out_trade_no (lokielse/omnipay-wechatpay
    /// PR #23; yansongda/pay#705; dromara/payment-spring-boot#38;
    /// fudiwei/DotNetCore.SKIT.FlurlHttpClient.Wechat#126; a pasted
    /// "err_code = INVALID_REQUEST err_code_des=201 商户订单号重复"). §3.
    pub const OUT_TRADE_NO_DUPLICATE: &str = "201 商户订单号重复";
    /// `FREQUENCY_LIMITED` for a second refund of one order within a minute
    /// (community question quoted in docs/fidelity.md §5; a Laravel job
    /// comment "微信会产生报错：单笔订单请求频率过高，请于1分钟后重试"). §5.
    pub const REFUND_TOO_FREQUENT: &str = "单笔订单请求频率过高，请于1分钟后重试.";
    /// `REFUND_FEE_INVALID`: the refunds would exceed the amount paid
    /// (pasted answers with mch_id 1488135302 and 1269202901). §7.
    pub const REFUND_FEE_INVALID: &str = "累计退款金额大于支付金额";
    /// `ERROR`: the order is already fully refunded (binarywang/WxJava#693; a
    /// pasted answer `<err_code><![CDATA[ERROR]]></err_code><err_code_des><![CDATA[订单已全额退款]]></err_code_des>`). §7.
    pub const FULLY_REFUNDED: &str = "订单已全额退款";
    /// `INVALID_REQUEST` variant seen for a cumulative over-refund (a 2020
    /// blog collecting refund answers; a PHP integration that checks both
    /// this text and [`REFUND_FEE_INVALID`]). Not the default. §7.
    pub const REFUND_FEE_GT_REFUNDABLE: &str = "refund_fee大于可退金额";
    /// `PARAM_ERROR` for a `time_expire` too close to the order time (pasted
    /// MICROPAY answer `err_code:PARAM_ERROR err_code_des:time_expire时间过短，刷卡至少1分钟，其他5分钟`;
    /// three PHP/Java integrations quote it). §9.
    pub const TIME_EXPIRE_TOO_SHORT: &str = "time_expire时间过短，刷卡至少1分钟，其他5分钟";
    /// `ORDERNOTEXIST` des on orderquery (2018 pasted answers). §10.
    pub const ORDERQUERY_NOT_EXIST: &str = "order not exist";
    /// `ORDERNOTEXIST` des on refund of an unpaid or unknown order (2018
    /// pasted answers). §7.
    pub const REFUND_ORDER_NOT_EXIST: &str = "订单不存在";
    /// `ERROR` des on refund of a closed order (2018 pasted answers). §7.
    pub const REFUND_ORDER_CLOSED: &str = "订单已关闭";
    /// `REFUNDNOTEXIST` des on refundquery (2014–2018 pasted answers). §4.
    pub const REFUND_NOT_EXIST: &str = "not exist";
    /// `ORDERPAID` des on closeorder of a paid or refunded order (2018
    /// pasted answers; the node wxpay README shows the same). Closing.
    pub const CLOSE_ORDER_PAID: &str = "order paid";
    /// `return_msg` for a body with a character XML 1.0 forbids (the codes'
    /// description in WxJava's `WxPayErrorCode`; the mock's own finding for
    /// the WXPay Java SDK, docs/fidelity.md §11).
    pub const XML_FORMAT_ERROR: &str = "XML格式错误";
}

/// Which of two wordings production has used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize, serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum TextEra {
    /// Today's wording (the default).
    #[default]
    Current,
    /// The older wording, for code written against it.
    Legacy,
}

/// unifiedorder with an out_trade_no that already has an unpaid order (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize, serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum Reentry {
    /// Identical business parameters (everything but nonce_str, sign and
    /// sign_type: see `UnifiedOrderRequest::reentry_params_strict`) return
    /// the same prepay_id while it lives (2 h), a new one after; anything
    /// else is a duplicate. This is what WeChat's documentation describes.
    #[default]
    SamePrepayId,
    /// Every re-entry is a duplicate, as several integrators report.
    Refuse,
}

/// How a duplicate out_trade_no is answered (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize, serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum DuplicateOrderCode {
    /// `INVALID_REQUEST` / `201 商户订单号重复` (production since about 2017).
    #[default]
    #[cfg_attr(feature = "serde", serde(rename = "invalid_request_201"))]
    InvalidRequest201,
    /// `OUT_TRADE_NO_USED` / `商户订单号重复` (the doc table; seen in 2016).
    OutTradeNoUsed,
}

/// Where configuration errors (unknown mch_id or appid, appid not bound)
/// are answered (§8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize, serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum ConfigErrorLevel {
    /// `return_code=FAIL` with production's `return_msg`, unsigned.
    #[default]
    Protocol,
    /// Signed `result_code=FAIL` with the err_code table's codes
    /// (`APPID_NOT_EXIST`, `MCHID_NOT_EXIST`, `APPID_MCHID_NOT_MATCH`).
    Business,
}

/// How answers are laid out on the wire (§10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize, serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum AnswerShape {
    /// Production's field set and order, string values in CDATA (digits
    /// too), integers bare, and the empty elements production sends.
    #[default]
    Production,
    /// Sorted keys, no empty elements (the codec's plain encoding).
    Sorted,
}

/// How a refund ends once it settles (§4). The default is `Success`; the
/// other two are for fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize, serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum RefundOutcome {
    /// `SUCCESS`.
    #[default]
    Success,
    /// `CHANGE`: the money could not reach the user (card invalid).
    Change,
    /// `REFUNDCLOSE`: the refund was closed.
    RefundClose,
}

impl RefundOutcome {
    /// The refund status it ends in.
    #[must_use]
    pub const fn status(self) -> RefundStatus {
        match self {
            Self::Success => RefundStatus::Success,
            Self::Change => RefundStatus::Change,
            Self::RefundClose => RefundStatus::RefundClose,
        }
    }
}

/// A configuration error, answered before the signature is checked (WeChat
/// cannot know the key of a merchant it does not know). §8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// The mch_id is unknown.
    UnknownMchId,
    /// The appid is unknown.
    UnknownAppId,
    /// The appid is not bound to the mch_id.
    AppIdMchIdMismatch,
}

/// The strictness switches, with production's behaviour as the default.
///
/// Serde-deserializable with the `serde` feature; every field is optional
/// (`#[serde(default)]`) and unknown fields are refused, so a mock config can
/// embed it, e.g. as a `[strict]` table:
///
/// ```toml
/// [strict]
/// openid = false                 # teams that fabricate openids
/// reentry = "refuse"
/// sign_error_text = "legacy"
/// refund_delay_seconds = 0
/// duplicate_notify_ratio = 0.0
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize, serde::Serialize),
    serde(default, deny_unknown_fields)
)]
pub struct Fidelity {
    /// §1: a refund needs the merchant's client certificate over TLS, and
    /// only `/secapi/pay/refund` is a refund path outside the sandbox.
    /// Default `true`.
    pub refund_cert: bool,
    /// §2: refuse an openid that was not issued for the order's appid with
    /// `PARAM_ERROR appid和openid不匹配`. Default `true`.
    pub openid: bool,
    /// §3: re-entry of an unpaid out_trade_no. Default `same_prepay_id`.
    pub reentry: Reentry,
    /// §3: the answer to a duplicate out_trade_no. Default
    /// `invalid_request_201` (`INVALID_REQUEST` / `201 商户订单号重复`).
    pub duplicate_order_code: DuplicateOrderCode,
    /// §4: seconds of mock time a refund stays `PROCESSING` after it was
    /// accepted. Default 10 (零钱 refunds settle in seconds to minutes).
    pub refund_delay_seconds: u64,
    /// §5: refuse a new refund of an order within
    /// [`Self::refund_pacing_seconds`] of its previous one. Default `true`.
    pub refund_pacing: bool,
    /// §5: the gap between two refunds of one order. Default 60 ("同一笔订单
    /// 多次退款的请求需相隔1分钟").
    pub refund_pacing_seconds: u64,
    /// §6: the share of notifies (0.0–1.0) delivered twice, chosen by
    /// [`Self::duplicate_notify`] deterministically under [`Self::seed`].
    /// Default 0.2.
    pub duplicate_notify_ratio: f64,
    /// §6: the seed of every deterministic choice. Default 0.
    pub seed: u64,
    /// §8: how configuration errors are answered. Default `protocol`.
    pub config_errors: ConfigErrorLevel,
    /// §8: the bad-signature `return_msg`. Default `current`
    /// (`签名错误，请检查后再试`); `legacy` is `签名错误`.
    pub sign_error_text: TextEra,
    /// §8: the unknown-appid `return_msg`. Default `current`
    /// (`AppID不存在，请检查后再试`); `legacy` is `appid不存在`.
    pub appid_error_text: TextEra,
    /// §9: the shortest `time_expire` for non-micropay orders, in minutes
    /// (micropay: 1). 0 turns the check off. Default 5.
    pub time_expire_min_minutes: u32,
    /// §10: the layout of answers. Default `production`.
    pub answer_shape: AnswerShape,
    /// §11: refuse characters XML 1.0 forbids (raw or as references) with
    /// `XML格式错误`. Default `true`.
    pub xml_chars: bool,
    /// closeorder: refuse a close this many seconds after creation at most.
    /// Default 0: production closes at once (docs/fidelity.md "closeorder").
    pub closeorder_min_age_seconds: u64,
    /// `/payitil/report` accepts only well-formed, signed reports. Default
    /// `true`.
    pub report: bool,
    /// Expiry: an unpaid order is closed by WeChat this many days after its
    /// creation (community answers say 7; "一般不超过14天"). 0: never.
    /// Default 7.
    pub auto_close_days: u32,
}

impl Default for Fidelity {
    fn default() -> Self {
        Self {
            refund_cert: true,
            openid: true,
            reentry: Reentry::default(),
            duplicate_order_code: DuplicateOrderCode::default(),
            refund_delay_seconds: 10,
            refund_pacing: true,
            refund_pacing_seconds: 60,
            duplicate_notify_ratio: 0.2,
            seed: 0,
            config_errors: ConfigErrorLevel::default(),
            sign_error_text: TextEra::default(),
            appid_error_text: TextEra::default(),
            time_expire_min_minutes: 5,
            answer_shape: AnswerShape::default(),
            xml_chars: true,
            closeorder_min_age_seconds: 0,
            report: true,
            auto_close_days: 7,
        }
    }
}

/// What unifiedorder does with an out_trade_no that has an unpaid order (§3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReentryAnswer {
    /// Answer with the order's current prepay_id.
    SamePrepayId,
    /// The prepay_id is past its 2 hours: mint a new one for the same order.
    NewPrepayId,
    /// Refuse.
    Refuse(Failure),
}

/// When an unpaid order can no longer be paid (expiry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payability {
    /// It can be paid.
    Payable,
    /// The prepay_id is older than 2 hours: wx.requestPayment fails and the
    /// merchant must call unifiedorder again.
    PrepayExpired,
    /// `time_expire` has passed: payment fails, but the order stays `NOTPAY`
    /// until it is closed (by the merchant, or by WeChat after
    /// [`Fidelity::auto_close_days`]).
    OrderExpired,
}

impl Fidelity {
    /// The answer to a configuration error (§8).
    #[must_use]
    pub fn config_error(&self, e: ConfigError) -> Failure {
        match (self.config_errors, e) {
            (ConfigErrorLevel::Protocol, ConfigError::UnknownMchId) => {
                Failure::protocol(text::MCHID_NOT_EXIST)
            }
            (ConfigErrorLevel::Protocol, ConfigError::UnknownAppId) => {
                Failure::protocol(match self.appid_error_text {
                    TextEra::Current => text::APPID_NOT_EXIST,
                    TextEra::Legacy => text::APPID_NOT_EXIST_LEGACY,
                })
            }
            (ConfigErrorLevel::Protocol, ConfigError::AppIdMchIdMismatch) => {
                Failure::protocol(text::APPID_MCHID_NOT_MATCH)
            }
            (ConfigErrorLevel::Business, ConfigError::UnknownMchId) => {
                Failure::business(ErrCode::MchidNotExist)
            }
            (ConfigErrorLevel::Business, ConfigError::UnknownAppId) => {
                Failure::business(ErrCode::AppidNotExist)
            }
            (ConfigErrorLevel::Business, ConfigError::AppIdMchIdMismatch) => {
                Failure::business(ErrCode::AppidMchidNotMatch)
            }
        }
    }

    /// The bad-signature answer: `return_code=FAIL`, unsigned, no suffix
    /// (§8; explanations belong in a header and in `/mock/…`).
    #[must_use]
    pub fn sign_error(&self) -> Failure {
        Failure::protocol(match self.sign_error_text {
            TextEra::Current => MSG_SIGN_ERROR_CURRENT,
            TextEra::Legacy => MSG_SIGN_ERROR,
        })
    }

    /// The answer to a duplicate out_trade_no (§3).
    #[must_use]
    pub fn duplicate_order(&self) -> Failure {
        match self.duplicate_order_code {
            DuplicateOrderCode::InvalidRequest201 => {
                Failure::business_des(ErrCode::InvalidRequest, text::OUT_TRADE_NO_DUPLICATE)
            }
            DuplicateOrderCode::OutTradeNoUsed => Failure::business(ErrCode::OutTradeNoUsed),
        }
    }

    /// Re-entry of an unpaid order (§3): `same_params` tells whether the
    /// business parameters equal the original's
    /// (`UnifiedOrderRequest::reentry_params_strict`), `prepay_issued_at` when
    /// the current prepay_id was minted. A paid or closed order is refused
    /// earlier with [`Failure::order_final`].
    #[must_use]
    pub fn reentry(&self, same_params: bool, prepay_issued_at: i64, now: i64) -> ReentryAnswer {
        if self.reentry == Reentry::Refuse || !same_params {
            return ReentryAnswer::Refuse(self.duplicate_order());
        }
        if prepay_alive(prepay_issued_at, now) {
            ReentryAnswer::SamePrepayId
        } else {
            ReentryAnswer::NewPrepayId
        }
    }

    /// The time_expire rule (§9): `expire - start` must be at least 1 minute
    /// for MICROPAY and [`Self::time_expire_min_minutes`] for every other
    /// trade type (`start` is the later of time_start and now).
    ///
    /// # Errors
    /// `PARAM_ERROR` / `time_expire时间过短，刷卡至少1分钟，其他5分钟`.
    pub fn check_time_expire(
        &self,
        trade_type: Option<&str>,
        start: i64,
        expire: i64,
    ) -> Result<(), Failure> {
        if self.time_expire_min_minutes == 0 {
            return Ok(());
        }
        let min_secs: i64 = if trade_type == Some("MICROPAY") {
            60
        } else {
            i64::from(self.time_expire_min_minutes) * 60
        };
        if expire.saturating_sub(start) < min_secs {
            return Err(Failure::business_des(
                ErrCode::ParamError,
                text::TIME_EXPIRE_TOO_SHORT,
            ));
        }
        Ok(())
    }

    /// [`Self::check_time_expire`] for a unifiedorder request: from the later
    /// of its `time_start` and `now` (Unix seconds) to its `time_expire`.
    /// Without a parseable `time_expire` there is nothing to check.
    ///
    /// # Errors
    /// `PARAM_ERROR` / `time_expire时间过短，刷卡至少1分钟，其他5分钟`.
    pub fn check_order_time_expire(
        &self,
        order: &UnifiedOrderRequest,
        now: i64,
    ) -> Result<(), Failure> {
        let Some(expire) = order.time_expire.as_deref().and_then(parse_time14) else {
            return Ok(());
        };
        let start = order
            .time_start
            .as_deref()
            .and_then(parse_time14)
            .map_or(now, |t| t.max(now));
        self.check_time_expire(order.trade_type.as_deref(), start, expire)
    }

    /// The per-order refund pacing (§5): a new refund of an order whose
    /// previous new refund was accepted at `last_refund_at` is refused
    /// until [`Self::refund_pacing_seconds`] have passed. A retry with an
    /// out_refund_no already accepted is not a new refund and is not paced.
    ///
    /// # Errors
    /// `FREQUENCY_LIMITED` / `单笔订单请求频率过高，请于1分钟后重试.`.
    pub fn check_refund_pacing(
        &self,
        last_refund_at: Option<i64>,
        now: i64,
    ) -> Result<(), Failure> {
        let Some(last) = last_refund_at else {
            return Ok(());
        };
        let gap = i64::try_from(self.refund_pacing_seconds).unwrap_or(i64::MAX);
        if self.refund_pacing && now.saturating_sub(last) < gap {
            return Err(Failure::business_des(
                ErrCode::FrequencyLimited,
                text::REFUND_TOO_FREQUENT,
            ));
        }
        Ok(())
    }

    /// When a refund accepted at `accepted_at` settles (§4).
    #[must_use]
    pub fn refund_settles_at(&self, accepted_at: i64) -> i64 {
        accepted_at.saturating_add(i64::try_from(self.refund_delay_seconds).unwrap_or(i64::MAX))
    }

    /// A refund's status at `now` (§4): `PROCESSING` until it settles, then
    /// the outcome (SUCCESS unless a fault chose CHANGE or REFUNDCLOSE). The
    /// refund notify is due at [`Self::refund_settles_at`], never before the
    /// refund call has been answered.
    #[must_use]
    pub fn refund_status_at(
        &self,
        accepted_at: i64,
        now: i64,
        outcome: RefundOutcome,
    ) -> RefundStatus {
        if now < self.refund_settles_at(accepted_at) {
            RefundStatus::Processing
        } else {
            outcome.status()
        }
    }

    /// Whether the notify identified by `key` (e.g. the out_trade_no or the
    /// out_refund_no with the attempt number) is delivered twice (§6): a
    /// deterministic choice under [`Self::seed`], true for about
    /// [`Self::duplicate_notify_ratio`] of keys.
    #[must_use]
    pub fn duplicate_notify(&self, key: &str) -> bool {
        let ratio = self.duplicate_notify_ratio;
        if ratio.is_nan() || ratio <= 0.0 {
            return false;
        }
        if ratio >= 1.0 {
            return true;
        }
        // The top 53 bits as a fraction in [0, 1).
        #[allow(clippy::cast_precision_loss)]
        let draw = (mix(self.seed, key) >> 11) as f64 / (1u64 << 53) as f64;
        draw < ratio
    }

    /// closeorder (docs/fidelity.md "closeorder"): ORDERPAID for a paid or
    /// refunded order, ORDERCLOSED for a closed one, and, only when
    /// [`Self::closeorder_min_age_seconds`] is set, `TRADE_STATE_ERROR` for a
    /// close that comes too early.
    ///
    /// # Errors
    /// The failure production answers.
    pub fn check_close(&self, state: TradeState, created_at: i64, now: i64) -> Result<(), Failure> {
        match state {
            TradeState::Success | TradeState::Refund => {
                return Err(Failure::business_des(
                    ErrCode::OrderPaid,
                    text::CLOSE_ORDER_PAID,
                ));
            }
            TradeState::Closed => return Err(Failure::business(ErrCode::OrderClosed)),
            _ => {}
        }
        let min = i64::try_from(self.closeorder_min_age_seconds).unwrap_or(i64::MAX);
        if min > 0 && now.saturating_sub(created_at) < min {
            return Err(Failure::close_too_early());
        }
        Ok(())
    }

    /// Whether an unpaid order can be paid at `now` (expiry): the prepay_id
    /// lives 2 hours from `prepay_issued_at`; `time_expire` (Unix seconds)
    /// ends payment but does not close the order.
    #[must_use]
    pub fn payability(
        &self,
        prepay_issued_at: i64,
        time_expire: Option<i64>,
        now: i64,
    ) -> Payability {
        if time_expire.is_some_and(|e| now >= e) {
            Payability::OrderExpired
        } else if !prepay_alive(prepay_issued_at, now) {
            Payability::PrepayExpired
        } else {
            Payability::Payable
        }
    }

    /// The trade state orderquery shows at `now` for an order recorded as
    /// `state`: an unpaid order becomes `CLOSED` once WeChat closes it,
    /// [`Self::auto_close_days`] after `created_at`; before that, even past
    /// its `time_expire`, it stays `NOTPAY`.
    #[must_use]
    pub fn effective_state(&self, state: TradeState, created_at: i64, now: i64) -> TradeState {
        let days = i64::from(self.auto_close_days);
        if state == TradeState::NotPay
            && days > 0
            && now.saturating_sub(created_at) >= days.saturating_mul(86_400)
        {
            TradeState::Closed
        } else {
            state
        }
    }
}

fn prepay_alive(issued_at: i64, now: i64) -> bool {
    let ttl = i64::try_from(PREPAY_ID_TTL_SECS).unwrap_or(i64::MAX);
    now.saturating_sub(issued_at) < ttl
}

/// FNV-1a over the key, then SplitMix64's finaliser with the seed.
fn mix(seed: u64, key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h ^ seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `PARAM_ERROR` / `appid和openid不匹配` (§2).
#[must_use]
pub fn openid_mismatch() -> Failure {
    Failure::business_des(ErrCode::ParamError, text::APPID_OPENID_MISMATCH)
}

/// The refund-sum rule (§7), for a new refund of `refund_fee` on an order of
/// `total_fee` of which `refunded` is already refunded or being refunded
/// (closed refunds excluded).
///
/// # Errors
/// `ERROR` / `订单已全额退款` when nothing is left to refund;
/// `REFUND_FEE_INVALID` / `累计退款金额大于支付金额` when the refunds would
/// exceed the amount paid.
pub fn check_refund_sum(total_fee: i64, refunded: i64, refund_fee: i64) -> Result<(), Failure> {
    if refunded >= total_fee {
        return Err(Failure::business_des(ErrCode::Error, text::FULLY_REFUNDED));
    }
    if refunded
        .checked_add(refund_fee)
        .is_none_or(|sum| sum > total_fee)
    {
        return Err(Failure::business_des(
            ErrCode::RefundFeeInvalid,
            text::REFUND_FEE_INVALID,
        ));
    }
    Ok(())
}

/// refund of an order that was never paid (§7): `ORDERNOTEXIST` /
/// `订单不存在` for unpaid or unknown orders (`None`), `ERROR` / `订单已关闭`
/// for closed ones; `Ok` for a paid or refunded order.
///
/// # Errors
/// As above.
pub fn check_refundable(state: Option<TradeState>) -> Result<(), Failure> {
    match state {
        Some(TradeState::Success | TradeState::Refund) => Ok(()),
        Some(TradeState::Closed) => Err(Failure::business_des(
            ErrCode::Error,
            text::REFUND_ORDER_CLOSED,
        )),
        _ => Err(Failure::business_des(
            ErrCode::OrderNotExist,
            text::REFUND_ORDER_NOT_EXIST,
        )),
    }
}

/// refund: the same out_refund_no with another amount, or a total_fee that
/// is not the order's: `REFUND_FEE_MISMATCH` (§7).
#[must_use]
pub fn refund_fee_mismatch() -> Failure {
    Failure::business(ErrCode::RefundFeeMismatch)
}

/// orderquery of an unknown order: `ORDERNOTEXIST` / `order not exist` (§10).
#[must_use]
pub fn orderquery_not_exist() -> Failure {
    Failure::business_des(ErrCode::OrderNotExist, text::ORDERQUERY_NOT_EXIST)
}

/// refundquery with no refund: `REFUNDNOTEXIST` / `not exist` (§4).
#[must_use]
pub fn refund_not_exist() -> Failure {
    Failure::business_des(ErrCode::RefundNotExist, text::REFUND_NOT_EXIST)
}

/// The refund doc's complete err_code table (`/secapi/pay/refund`, "错误码"),
/// each with the description the doc gives; `REFUND_FEE_INVALID` is
/// observed rather than listed. Every entry can be armed as a fault (§7).
pub const REFUND_ERR_CODES: &[(ErrCode, &str)] = &[
    (ErrCode::SystemError, "接口返回错误"),
    (
        ErrCode::BizerrNeedRetry,
        "退款业务流程错误，需要商户触发重试来解决",
    ),
    (ErrCode::TradeOverdue, "订单已经超过退款期限"),
    (ErrCode::Error, "业务错误"),
    (ErrCode::UserAccountAbnormal, "退款请求失败"),
    (ErrCode::InvalidReqTooMuch, "无效请求过多"),
    (ErrCode::NotEnough, "余额不足"),
    (ErrCode::InvalidTransactionId, "无效transaction_id"),
    (ErrCode::ParamError, "参数错误"),
    (ErrCode::AppidNotExist, "APPID不存在"),
    (ErrCode::MchidNotExist, "MCHID不存在"),
    (ErrCode::OrderNotExist, "订单号不存在"),
    (ErrCode::RequirePostMethod, "请使用post方法"),
    (ErrCode::SignError, "签名错误"),
    (ErrCode::XmlFormatError, "XML格式错误"),
    (ErrCode::FrequencyLimited, "频率限制"),
    (ErrCode::NoAuth, "异常IP请求不予受理"),
    (ErrCode::CertError, "证书校验错误"),
    (
        ErrCode::RefundFeeMismatch,
        "订单金额或退款金额与之前请求不一致，请核实后再试",
    ),
    (
        ErrCode::InvalidRequest,
        "请求参数符合参数格式，但不符合业务规则",
    ),
    (
        ErrCode::OrderNotReady,
        "订单处理中，暂时无法退款，请稍后再试",
    ),
    (ErrCode::RefundFeeInvalid, text::REFUND_FEE_INVALID),
];

/// The failure a refund fault armed with `code` answers, worded as the refund
/// doc words it; `None` when the code is not in [`REFUND_ERR_CODES`].
#[must_use]
pub fn refund_fault(code: ErrCode) -> Option<Failure> {
    REFUND_ERR_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, des)| Failure::business_des(*c, *des))
}

/// `trade_state_desc` as production words it (§10): SUCCESS, NOTPAY, CLOSED
/// and REFUND from pasted orderquery answers (2015–2023), USERPAYING and
/// PAYERROR from pasted micropay answers. REVOKED and ACCEPT are not on
/// record; they keep the doc's state descriptions.
#[must_use]
pub const fn trade_state_desc(state: TradeState) -> &'static str {
    match state {
        TradeState::Success => "支付成功",
        TradeState::Refund => "订单发生过退款，退款详情请查询退款单",
        TradeState::NotPay => "订单未支付",
        TradeState::Closed => "订单已关闭",
        TradeState::UserPaying => "需要用户输入支付密码",
        TradeState::PayError => "支付失败，请撤销订单",
        TradeState::Revoked | TradeState::Accept => state.desc(),
    }
}

/// Production's field order for orderquery answers (§10), merged from
/// pasted answers: a 2019 NOTPAY answer (`…mch_id, device_info, nonce_str,
/// sign, result_code, total_fee, out_trade_no, trade_state,
/// trade_state_desc`), 2018–2019 CLOSED answers (`…out_trade_no, attach,
/// trade_state, trade_state_desc`) and a 2020 REFUND answer (`…result_code,
/// openid, is_subscribe, trade_type, bank_type, total_fee, fee_type,
/// transaction_id, out_trade_no, attach, time_end, trade_state, cash_fee,
/// trade_state_desc, cash_fee_type`).
pub const ORDERQUERY_FIELD_ORDER: &[&str] = &[
    "return_code",
    "return_msg",
    "appid",
    "mch_id",
    "device_info",
    "nonce_str",
    "sign",
    "result_code",
    "err_code",
    "err_code_des",
    "openid",
    "is_subscribe",
    "trade_type",
    "bank_type",
    "total_fee",
    "fee_type",
    "transaction_id",
    "out_trade_no",
    "attach",
    "time_end",
    "trade_state",
    "cash_fee",
    "trade_state_desc",
    "cash_fee_type",
];

/// Production's field order for failures and the envelope of every answer:
/// `return_code, return_msg, appid, mch_id, nonce_str, sign, result_code,
/// err_code, err_code_des` (pasted failure answers, e.g. REFUND_FEE_INVALID
/// 2017 and ERROR 订单已全额退款).
pub const ENVELOPE_FIELD_ORDER: &[&str] = &[
    "return_code",
    "return_msg",
    "appid",
    "mch_id",
    "device_info",
    "nonce_str",
    "sign",
    "result_code",
    "err_code",
    "err_code_des",
];

/// Production's field order for refund answers (2018 pasted answers:
/// `…result_code, transaction_id, out_trade_no, out_refund_no, refund_id,
/// refund_channel, refund_fee, coupon_refund_fee, total_fee, cash_fee,
/// coupon_refund_count, cash_refund_fee`).
pub const REFUND_FIELD_ORDER: &[&str] = &[
    "return_code",
    "return_msg",
    "appid",
    "mch_id",
    "nonce_str",
    "sign",
    "result_code",
    "err_code",
    "err_code_des",
    "transaction_id",
    "out_trade_no",
    "out_refund_no",
    "refund_id",
    "refund_channel",
    "refund_fee",
    "coupon_refund_fee",
    "total_fee",
    "cash_fee",
    "coupon_refund_count",
    "cash_refund_fee",
];

/// What orderquery needs to know about an order to answer as production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderView<'a> {
    /// The state orderquery reports (see [`Fidelity::effective_state`]).
    pub state: TradeState,
    /// The merchant's order number.
    pub out_trade_no: &'a str,
    /// The order amount in fen.
    pub total_fee: i64,
    /// `device_info` as sent to unifiedorder.
    pub device_info: Option<&'a str>,
    /// `attach` as sent to unifiedorder.
    pub attach: Option<&'a str>,
    /// The payer (paid orders).
    pub openid: &'a str,
    /// `Y`/`N` (paid orders).
    pub is_subscribe: &'a str,
    /// The trade type (paid orders).
    pub trade_type: &'a str,
    /// The paying bank, e.g. `CFT`, `OTHERS` (paid orders).
    pub bank_type: &'a str,
    /// The currency, `CNY`.
    pub fee_type: &'a str,
    /// WeChat's order number (paid orders).
    pub transaction_id: Option<&'a str>,
    /// Payment time, yyyyMMddHHmmss (paid orders).
    pub time_end: Option<&'a str>,
    /// Cash paid in fen (paid orders).
    pub cash_fee: i64,
}

/// The business fields of an orderquery answer, in production's order, with
/// the empty elements production sends (§10):
/// - NOTPAY (and the other states of an unpaid order): `device_info`
///   (empty when none was sent), `total_fee`, `out_trade_no`, `trade_state`,
///   `trade_state_desc`; never openid, trade_type or is_subscribe;
/// - CLOSED (and REVOKED, PAYERROR): `out_trade_no`, `attach` (empty when
///   none), `trade_state`, `trade_state_desc`;
/// - SUCCESS and REFUND: the payment's fields, `attach` empty when none,
///   `device_info` only when one was sent, and `cash_fee_type`.
///
/// The envelope (`return_code` … `result_code`) is the responder's; sort
/// the whole answer with [`in_field_order`] and [`ORDERQUERY_FIELD_ORDER`].
/// Empty values are not signed (WeChat's signing rule), so signing these
/// pairs gives production's signature.
#[must_use]
pub fn orderquery_fields(v: &OrderView<'_>) -> Vec<(&'static str, String)> {
    let s = |x: &str| String::from(x);
    let n = |x: i64| alloc::format!("{x}");
    let desc = s(trade_state_desc(v.state));
    match v.state {
        TradeState::Success | TradeState::Refund => {
            let mut out = Vec::with_capacity(16);
            if let Some(d) = v.device_info.filter(|d| !d.is_empty()) {
                out.push(("device_info", s(d)));
            }
            out.extend([
                ("openid", s(v.openid)),
                ("is_subscribe", s(v.is_subscribe)),
                ("trade_type", s(v.trade_type)),
                ("bank_type", s(v.bank_type)),
                ("total_fee", n(v.total_fee)),
                ("fee_type", s(v.fee_type)),
                ("transaction_id", s(v.transaction_id.unwrap_or_default())),
                ("out_trade_no", s(v.out_trade_no)),
                ("attach", s(v.attach.unwrap_or_default())),
                ("time_end", s(v.time_end.unwrap_or_default())),
                ("trade_state", s(v.state.as_str())),
                ("cash_fee", n(v.cash_fee)),
                ("trade_state_desc", desc),
                ("cash_fee_type", s(v.fee_type)),
            ]);
            out
        }
        TradeState::Closed | TradeState::Revoked | TradeState::PayError => Vec::from([
            ("out_trade_no", s(v.out_trade_no)),
            ("attach", s(v.attach.unwrap_or_default())),
            ("trade_state", s(v.state.as_str())),
            ("trade_state_desc", desc),
        ]),
        TradeState::NotPay | TradeState::UserPaying | TradeState::Accept => Vec::from([
            ("device_info", s(v.device_info.unwrap_or_default())),
            ("total_fee", n(v.total_fee)),
            ("out_trade_no", s(v.out_trade_no)),
            ("trade_state", s(v.state.as_str())),
            ("trade_state_desc", desc),
        ]),
    }
}

/// Orders `(name, value)` pairs by `order`; names it does not list follow,
/// sorted by name (stable, no pair dropped).
#[must_use]
pub fn in_field_order<'a, P: Params + ?Sized>(
    order: &[&str],
    pairs: &'a P,
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = pairs.pairs().collect();
    out.sort_by(|a, b| {
        let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(usize::MAX);
        rank(a.0).cmp(&rank(b.0)).then_with(|| a.0.cmp(b.0))
    });
    out
}

/// Whether production writes `name` as a bare integer (`<total_fee>1</total_fee>`)
/// rather than in CDATA: the fields WeChat's docs type `Int`, including the
/// `_$n` forms of refundquery and coupons (§10; pasted answers show
/// `<total_fee>2500</total_fee>` next to `<mch_id><![CDATA[1540992911]]></mch_id>`).
#[must_use]
pub fn is_int_field(name: &str) -> bool {
    // `refund_fee_$n`, `coupon_refund_fee_$n_$m`: drop up to two indexes.
    fn strip_index(s: &str) -> &str {
        match s.rfind('_') {
            Some(i) if i + 1 < s.len() && s[i + 1..].bytes().all(|c| c.is_ascii_digit()) => &s[..i],
            _ => s,
        }
    }
    let base = strip_index(strip_index(name));
    matches!(
        base,
        "total_fee"
            | "settlement_total_fee"
            | "cash_fee"
            | "coupon_fee"
            | "coupon_count"
            | "refund_fee"
            | "settlement_refund_fee"
            | "cash_refund_fee"
            | "coupon_refund_fee"
            | "coupon_refund_count"
            | "refund_count"
            | "total_refund_count"
            | "execute_time_"
    )
}

/// Writes an answer as production does (§10): `<xml>`, then each pair in
/// the order given, integers bare ([`is_int_field`] with an all-digit value)
/// and every other value in CDATA, empty values as empty CDATA elements.
///
/// # Errors
/// The first name that is not a valid XML element name.
pub fn production_xml<'a>(pairs: &[(&'a str, &str)]) -> Result<String, &'a str> {
    let mut out = String::from("<xml>");
    for (k, v) in pairs {
        if !crate::xml::is_valid_name(k) {
            return Err(k);
        }
        out.push('<');
        out.push_str(k);
        out.push('>');
        if is_int_field(k) && !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
            out.push_str(v);
        } else {
            out.push_str("<![CDATA[");
            out.push_str(&v.replace("]]>", "]]]]><![CDATA[>"));
            out.push_str("]]>");
        }
        out.push_str("</");
        out.push_str(k);
        out.push('>');
    }
    out.push_str("</xml>");
    Ok(out)
}

/// Whether XML 1.0 allows `c` (the `Char` production: tab, LF, CR,
/// U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF).
#[must_use]
pub const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Refuses decoded parameters carrying a character XML 1.0 forbids, raw or
/// from a reference such as `&#1;` (§11): production's parser refuses them,
/// and echoing one back makes the merchant's own parser fail on the answer
/// and on the notify.
///
/// # Errors
/// `return_code=FAIL` / `XML格式错误`.
pub fn check_xml_chars<P: Params + ?Sized>(params: &P) -> Result<(), Failure> {
    let bad = params
        .pairs()
        .any(|(k, v)| !k.chars().all(is_xml_char) || !v.chars().all(is_xml_char));
    if bad {
        Err(Failure::protocol(text::XML_FORMAT_ERROR))
    } else {
        Ok(())
    }
}

/// The first forbidden character and the field it is in, for the mock's
/// explanation header (never for `return_msg`).
#[must_use]
pub fn find_forbidden_char<P: Params + ?Sized>(params: &P) -> Option<(&str, char)> {
    params.pairs().find_map(|(k, v)| {
        v.chars()
            .chain(k.chars())
            .find(|c| !is_xml_char(*c))
            .map(|c| (k, c))
    })
}
