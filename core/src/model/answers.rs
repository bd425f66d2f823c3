//! The specific answers of the state-dependent checks (re-entry, closing,
//! refunds, the sandbox), so that every responder words them the same way.
//! Where WeChat's exact wording is not on record, the text is ours and the
//! err_code is the documented one (docs/protocol.md §2.6, §2.7, §1.11).

use alloc::format;

use super::{ErrCode, Failure, TradeState};

/// The sandbox's answer to a bad signature (docs/protocol.md §1.11).
pub const SANDBOX_SIGN_ERROR: &str =
    "沙箱验证签名失败，请确认沙箱签名key是否正确（通过getsignkey调用生成）";

/// The sandbox refuses HMAC-SHA256 (its wording is not on record).
pub const SANDBOX_MD5_ONLY: &str = "签名类型不支持：仿真测试系统只支持MD5签名";

/// The old sandbox's public test-case amounts in fen (docs/protocol.md §1.11):
/// 101 JSAPI success; 501/502 native; 551/552 JSAPI (免充值); 1001 micropay;
/// 1003 JSAPI.
pub const SANDBOX_CASE_AMOUNTS: &[i64] = &[101, 501, 502, 551, 552, 1001, 1003];

/// downloadbill: no bill for that day (a bare `return_msg`, §2.6).
pub const NO_BILL_EXIST: &str = "No Bill Exist";

impl Failure {
    /// The sandbox's answer to an amount that is not a test case (easywechat#507).
    #[must_use]
    pub fn sandbox_amount_invalid(total_fee: i64) -> Self {
        Self::protocol(format!(
            "沙箱支付金额({total_fee})无效，请检查需要验收的case"
        ))
    }

    /// closeorder within [`super::rules::CLOSE_MIN_AGE_SECS`] of creation (§2.7):
    /// the documented rule, which production does not enforce
    /// ([`super::fidelity::Fidelity::check_close`] uses it only when asked).
    #[must_use]
    pub fn close_too_early() -> Self {
        Self::business_des(
            ErrCode::TradeStateError,
            "订单生成后不能马上调用关单接口，最短调用时间间隔为5分钟",
        )
    }

    /// Re-entry with changed business parameters (§2.4): `OUT_TRADE_NO_USED`,
    /// or `INVALID_REQUEST` (the apifox mirror's variant) when `invalid_request`.
    /// Production's current answer is `INVALID_REQUEST` / `201 商户订单号重复`:
    /// [`super::fidelity::Fidelity::duplicate_order`].
    #[must_use]
    pub fn reentry_changed(invalid_request: bool) -> Self {
        if invalid_request {
            Self::business_des(
                ErrCode::InvalidRequest,
                "订单重入时，要求参数值与原请求一致",
            )
        } else {
            Self::business(ErrCode::OutTradeNoUsed)
        }
    }

    /// unifiedorder's re-entry and closeorder on an order that is already
    /// final: `ORDERPAID` when it is paid (refunded included), `ORDERCLOSED`
    /// when it is closed (§2.4, §2.7); `None` while it can still be paid.
    #[must_use]
    pub fn order_final(state: TradeState) -> Option<Self> {
        match state {
            TradeState::Success | TradeState::Refund => Some(Self::business(ErrCode::OrderPaid)),
            TradeState::Closed => Some(Self::business(ErrCode::OrderClosed)),
            _ => None,
        }
    }

    /// An expired prepay_id / order past its `time_expire`.
    #[must_use]
    pub fn order_expired() -> Self {
        Self::business_des(ErrCode::OrderClosed, "订单已过期，请重新下单")
    }

    /// refund: the request's total_fee differs from the order's. The text is
    /// the mock's own; production answers `REFUND_FEE_MISMATCH`
    /// ([`super::fidelity::refund_fee_mismatch`], docs/fidelity.md §7).
    #[must_use]
    pub fn refund_total_fee_mismatch() -> Self {
        Self::business_des(ErrCode::InvalidRequest, "订单金额与实际金额不一致")
    }

    /// refund: the same out_refund_no with a different amount (the older
    /// `INVALID_REQUEST` shape; production now answers `REFUND_FEE_MISMATCH`,
    /// [`super::fidelity::refund_fee_mismatch`]).
    #[must_use]
    pub fn refund_fee_changed() -> Self {
        Self::business_des(
            ErrCode::InvalidRequest,
            "订单金额或退款金额与之前请求不一致，请核实后再试",
        )
    }

    /// refund: the refunds would exceed the order's total (the lenient shape:
    /// production answers `REFUND_FEE_INVALID` or `ERROR 订单已全额退款`, and
    /// means the merchant's balance by `NOTENOUGH`; see
    /// [`super::fidelity::check_refund_sum`]).
    #[must_use]
    pub fn refund_exceeds_total() -> Self {
        Self::business_des(ErrCode::NotEnough, "申请退款金额超过订单可退金额")
    }

    /// refund: more than [`super::rules::MAX_REFUNDS_PER_ORDER`] refunds.
    #[must_use]
    pub fn too_many_refunds() -> Self {
        Self::business_des(ErrCode::InvalidRequest, "订单已经超过可退款的最大次数50次")
    }

    /// refund: the out_refund_no belongs to another order.
    #[must_use]
    pub fn out_refund_no_used() -> Self {
        Self::business_des(ErrCode::InvalidRequest, "商户退款单号已被使用")
    }

    /// refund: more than [`super::rules::REFUND_WINDOW_SECS`] after payment.
    #[must_use]
    pub fn refund_overdue() -> Self {
        Self::business(ErrCode::TradeOverdue)
    }
}
