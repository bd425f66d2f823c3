//! Protocol wording the mock needs that wxpay-core does not provide yet.
//! Everything here is marked `TODO(core): move` and belongs in
//! `wxpay_core::model` (rules or failure constructors); it is kept in one
//! place so the move is mechanical.

use wxpay_core::model::{ErrCode, Failure};

// TODO(core): move — the sandbox's wording for a bad signature (protocol.md §1.11).
pub(crate) const SANDBOX_SIGN_ERROR: &str =
    "沙箱验证签名失败，请确认沙箱签名key是否正确（通过getsignkey调用生成）";

// TODO(core): move — the sandbox is MD5-only (protocol.md §1.11); the wording
// of WeChat's refusal of HMAC-SHA256 there is not on record.
pub(crate) const SANDBOX_MD5_ONLY: &str = "签名类型不支持：仿真测试系统只支持MD5签名";

// TODO(core): move — the old sandbox's test-case amounts (fen), protocol.md §1.11.
pub(crate) const SANDBOX_CASE_AMOUNTS: &[i64] = &[101, 501, 502, 551, 552, 1001, 1003];

// TODO(core): move — the sandbox's answer for another amount (easywechat#507).
pub(crate) fn sandbox_amount_invalid(total_fee: i64) -> Failure {
    Failure::protocol(format!(
        "沙箱支付金额({total_fee})无效，请检查需要验收的case"
    ))
}

// TODO(core): move — closeorder within CLOSE_MIN_AGE_SECS of creation (§2.7).
pub(crate) fn close_too_early() -> Failure {
    Failure::business_des(
        ErrCode::TradeStateError,
        "订单生成后不能马上调用关单接口，最短调用时间间隔为5分钟",
    )
}

// TODO(core): move — refund: the order's total_fee differs from the request's.
pub(crate) fn refund_total_fee_mismatch() -> Failure {
    Failure::business_des(ErrCode::InvalidRequest, "订单金额与实际金额不一致")
}

// TODO(core): move — refund: same out_refund_no, different amount.
pub(crate) fn refund_fee_changed() -> Failure {
    Failure::business_des(
        ErrCode::InvalidRequest,
        "订单金额或退款金额与之前请求不一致，请核实后再试",
    )
}

// TODO(core): move — refund: the sum of refunds would exceed total_fee.
pub(crate) fn refund_exceeds_total() -> Failure {
    Failure::business_des(ErrCode::NotEnough, "申请退款金额超过订单可退金额")
}

// TODO(core): move — refund: more than MAX_REFUNDS_PER_ORDER refunds.
pub(crate) fn too_many_refunds() -> Failure {
    Failure::business_des(ErrCode::InvalidRequest, "订单已经超过可退款的最大次数50次")
}

// TODO(core): move — refund: out_refund_no already used on another order.
pub(crate) fn out_refund_no_used() -> Failure {
    Failure::business_des(ErrCode::InvalidRequest, "商户退款单号已被使用")
}

// TODO(core): move — refund after REFUND_WINDOW_SECS.
pub(crate) fn refund_overdue() -> Failure {
    Failure::business(ErrCode::TradeOverdue)
}

// TODO(core): move — downloadbill: no bill for the day (§2.6 return_msg).
pub(crate) const NO_BILL_EXIST: &str = "No Bill Exist";
