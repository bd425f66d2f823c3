//! WeChat's two failure levels and its err_codes.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use core::fmt;

use crate::ParamMap;

macro_rules! err_codes {
    ($( $(#[$m:meta])* $var:ident = $code:literal, $des:literal; )*) => {
        /// The err_codes WeChat answers with `result_code=FAIL` (docs/protocol.md
        /// §2.6, official wording via WxJava's constants and the apifox mirror).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrCode {
            $( $(#[$m])* #[doc = $des] $var, )*
        }

        impl ErrCode {
            /// Every err_code.
            pub const ALL: &'static [ErrCode] = &[$(ErrCode::$var),*];

            /// The wire name, e.g. `ORDERPAID`.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( Self::$var => $code, )* }
            }

            /// WeChat's description, used as the default `err_code_des`.
            #[must_use]
            pub const fn description(self) -> &'static str {
                match self { $( Self::$var => $des, )* }
            }

            /// Parses a wire name.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                match s { $( $code => Some(Self::$var), )* _ => None }
            }
        }
    };
}

err_codes! {
    NoAuth = "NOAUTH", "商户无此接口权限";
    NotEnough = "NOTENOUGH", "余额不足";
    OrderPaid = "ORDERPAID", "商户订单已支付";
    OrderClosed = "ORDERCLOSED", "订单已关闭";
    SystemError = "SYSTEMERROR", "系统错误";
    AppidNotExist = "APPID_NOT_EXIST", "APPID不存在";
    MchidNotExist = "MCHID_NOT_EXIST", "MCHID不存在";
    AppidMchidNotMatch = "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配";
    LackParams = "LACK_PARAMS", "缺少参数";
    OutTradeNoUsed = "OUT_TRADE_NO_USED", "商户订单号重复";
    SignError = "SIGNERROR", "签名错误";
    XmlFormatError = "XML_FORMAT_ERROR", "XML格式错误";
    RequirePostMethod = "REQUIRE_POST_METHOD", "请使用post方法";
    PostDataEmpty = "POST_DATA_EMPTY", "post数据为空";
    NotUtf8 = "NOT_UTF8", "编码格式错误";
    InvalidRequest = "INVALID_REQUEST", "参数错误";
    OrderNotExist = "ORDERNOTEXIST", "此交易订单号不存在";
    TradeStateError = "TRADE_STATE_ERROR", "订单状态错误";
    RefundNotExist = "REFUNDNOTEXIST", "退款订单查询失败";
    BizerrNeedRetry = "BIZERR_NEED_RETRY", "退款业务流程错误，需要商户触发重试来解决";
    TradeOverdue = "TRADE_OVERDUE", "订单已经超过退款期限";
    Error = "ERROR", "业务错误";
    UserAccountAbnormal = "USER_ACCOUNT_ABNORMAL", "退款请求失败";
    InvalidReqTooMuch = "INVALID_REQ_TOO_MUCH", "无效请求过多";
    InvalidTransactionId = "INVALID_TRANSACTIONID", "无效transaction_id";
    ParamError = "PARAM_ERROR", "参数错误";
    FrequencyLimited = "FREQUENCY_LIMITED", "频率限制";
    /// refund: the refunds of an order would exceed what was paid. Not in the
    /// refund doc's table; observed in pasted answers (docs/fidelity.md §7).
    RefundFeeInvalid = "REFUND_FEE_INVALID", "累计退款金额大于支付金额";
    /// refund: the same out_refund_no with another amount, or a total_fee
    /// that is not the order's (refund doc's error table; docs/fidelity.md §7).
    RefundFeeMismatch = "REFUND_FEE_MISMATCH", "订单金额或退款金额与之前请求不一致，请核实后再试";
    /// refund: the client certificate is wrong, expired or revoked (refund
    /// doc's error table).
    CertError = "CERT_ERROR", "证书校验错误";
    /// refund: the order is still being processed (refund doc's error table).
    OrderNotReady = "ORDER_NOT_READY", "订单处理中，暂时无法退款，请稍后再试";
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How WeChat refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A communication-level failure: `return_code=FAIL` with `return_msg`
    /// (bad XML, bad signature, missing envelope fields, malformed values).
    Protocol {
        /// The `return_msg`.
        return_msg: Cow<'static, str>,
    },
    /// A business failure: `return_code=SUCCESS`, `result_code=FAIL`,
    /// `err_code` and `err_code_des`.
    Business {
        /// The `err_code`.
        err_code: ErrCode,
        /// The `err_code_des`.
        err_code_des: Cow<'static, str>,
    },
}

/// The `return_msg` of a bad signature, in its older wording. Production now
/// answers [`MSG_SIGN_ERROR_CURRENT`]; [`crate::model::fidelity`] picks one.
pub const MSG_SIGN_ERROR: &str = "签名错误";
/// The `return_msg` of a bad signature, as production words it today
/// (ruoyi-vue-pro `WXCodeMapping.java` maps both texts; uni-pay's README
/// quotes this one; docs/fidelity.md §8).
pub const MSG_SIGN_ERROR_CURRENT: &str = "签名错误，请检查后再试";
/// The `return_msg` of an unsupported `sign_type`.
pub const MSG_SIGN_TYPE_UNSUPPORTED: &str = "签名类型不支持";
/// The `return_msg` of a non-integer `total_fee` (IJPay#81, 2024).
pub const MSG_TOTAL_FEE_NOT_INT: &str = "无法将输入源“/body/xml/total_fee”映射到目标字段“标价金额”中，此字段需要一个合法的 64 位有符号整数";

impl Failure {
    /// A protocol-level failure.
    #[must_use]
    pub fn protocol(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::Protocol {
            return_msg: msg.into(),
        }
    }

    /// A business failure with the code's default description.
    #[must_use]
    pub fn business(code: ErrCode) -> Self {
        Self::Business {
            err_code: code,
            err_code_des: Cow::Borrowed(code.description()),
        }
    }

    /// A business failure with a specific description.
    #[must_use]
    pub fn business_des(code: ErrCode, des: impl Into<Cow<'static, str>>) -> Self {
        Self::Business {
            err_code: code,
            err_code_des: des.into(),
        }
    }

    /// A missing business parameter: `LACK_PARAMS` naming it.
    #[must_use]
    pub fn lack_params(field: &str) -> Self {
        Self::business_des(ErrCode::LackParams, format!("缺少参数：{field}"))
    }

    /// A missing envelope parameter (appid, mch_id, nonce_str, sign):
    /// `return_code=FAIL`.
    #[must_use]
    pub fn missing_envelope(field: &str) -> Self {
        Self::protocol(format!("缺少参数：{field}"))
    }

    /// A malformed value: `return_code=FAIL` naming the field and the rule.
    #[must_use]
    pub fn format(field: &str, rule: &str) -> Self {
        Self::protocol(format!("参数格式校验错误：{field} {rule}"))
    }

    /// A value that is not a 64-bit signed integer, in WeChat's current wording
    /// (`label` is the field's Chinese name, e.g. 标价金额 for total_fee).
    #[must_use]
    pub fn not_integer(field: &str, label: &str) -> Self {
        Self::protocol(format!(
            "无法将输入源“/body/xml/{field}”映射到目标字段“{label}”中，此字段需要一个合法的 64 位有符号整数"
        ))
    }

    /// The bad-signature answer, in either shape WeChat has been seen to use
    /// (docs/protocol.md §5): `return_code=FAIL`/`签名错误` (the default), or
    /// `result_code=FAIL`/`SIGNERROR`.
    #[must_use]
    pub fn sign_error(as_business: bool) -> Self {
        if as_business {
            Self::business(ErrCode::SignError)
        } else {
            Self::protocol(MSG_SIGN_ERROR)
        }
    }

    /// The response fields for this failure: `return_code`/`return_msg`, or
    /// `return_code=SUCCESS` + `result_code=FAIL` + `err_code`/`err_code_des`.
    /// A business failure's response must also carry appid, mch_id,
    /// nonce_str and sign, which the responder adds.
    #[must_use]
    pub fn to_params(&self) -> ParamMap {
        let mut p = ParamMap::new();
        match self {
            Self::Protocol { return_msg } => {
                p.insert("return_code".into(), "FAIL".into());
                p.insert("return_msg".into(), String::from(return_msg.as_ref()));
            }
            Self::Business {
                err_code,
                err_code_des,
            } => {
                p.insert("return_code".into(), "SUCCESS".into());
                p.insert("return_msg".into(), "OK".into());
                p.insert("result_code".into(), "FAIL".into());
                p.insert("err_code".into(), err_code.as_str().into());
                p.insert("err_code_des".into(), String::from(err_code_des.as_ref()));
            }
        }
        p
    }

    /// Whether this is a business (`result_code=FAIL`) failure.
    #[must_use]
    pub fn is_business(&self) -> bool {
        matches!(self, Self::Business { .. })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol { return_msg } => write!(f, "return_code=FAIL: {return_msg}"),
            Self::Business {
                err_code,
                err_code_des,
            } => write!(f, "result_code=FAIL: {err_code} {err_code_des}"),
        }
    }
}

impl core::error::Error for Failure {}
