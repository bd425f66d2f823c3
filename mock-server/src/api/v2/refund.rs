//! `/secapi/pay/refund`, refund settlement and the refund notify.
//!
//! The mock does not require the client certificate WeChat requires on this
//! path (it serves plain HTTP); SDKs that load a certificate still work.

use wxpay_core::model::{
    ErrCode, Failure, RefundRequest, RefundResponse, RefundStatus, TradeState, rules,
};

use super::envelope::Ctx;
use super::orderquery::find;
use crate::domain::notify::RefundJob;
use crate::domain::refunds::settle_locked;
use crate::store::orders::{EventKind, Order, Refund};
use crate::wire::Reply;

fn secs(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX / 2000)
}

pub(crate) fn handle(ctx: &Ctx<'_>) -> Result<Reply, Failure> {
    let req = RefundRequest::from_params(&ctx.params)?;
    req.validate()?;
    let order = find(
        ctx,
        req.transaction_id.as_deref(),
        req.out_trade_no.as_deref(),
    )
    .ok_or_else(|| Failure::business(ErrCode::OrderNotExist))?;
    let out_refund_no = req.out_refund_no.clone().unwrap_or_default();
    let refund_fee = req.refund_fee.unwrap_or(0);
    let mch = &ctx.merchant.mch_id;
    let seq = order.read().seq;
    // Claimed before the order is locked (lock order: index, then order).
    if ctx
        .app
        .orders
        .claim_out_refund_no(ctx.sandbox, mch, &out_refund_no, seq)
        .is_err()
    {
        return Err(Failure::out_refund_no_used());
    }
    let delay = secs(ctx.switches.refund_delay_seconds);
    let now = ctx.now;
    let outcome = {
        let mut o = ctx.app.orders.write(&order);
        let r = apply(ctx, &mut o, &req, &out_refund_no, refund_fee, delay);
        match r {
            Ok((idx, new)) => {
                let notify = if new && delay == 0 {
                    settle_locked(ctx.app, &mut o, idx, now * 1000)
                } else {
                    None
                };
                Ok((idx, describe(&o, idx), notify))
            }
            Err(f) => {
                let had = o.refunds.iter().any(|r| *r.out_refund_no == *out_refund_no);
                Err((f, had))
            }
        }
    };
    match outcome {
        Ok((_, resp, notify)) => {
            if let Some(n) = notify {
                ctx.app.notifier.publish(n);
            }
            Ok(ctx.answer(resp.to_params(), "SUCCESS refund accepted"))
        }
        Err((f, had)) => {
            if !had {
                ctx.app
                    .orders
                    .release_out_refund_no(ctx.sandbox, mch, &out_refund_no, seq);
            }
            Err(f)
        }
    }
}

/// Applies a refund to a locked order: the existing refund for a repeated
/// out_refund_no, or a new one. Returns its index and whether it is new.
fn apply(
    ctx: &Ctx<'_>,
    o: &mut Order,
    req: &RefundRequest,
    out_refund_no: &str,
    refund_fee: i64,
    delay: i64,
) -> Result<(usize, bool), Failure> {
    if !o.state.is_paid() {
        // WeChat answers ORDERNOTEXIST for unpaid orders too (§2.6).
        return Err(Failure::business(ErrCode::OrderNotExist));
    }
    if let Some(idx) = o
        .refunds
        .iter()
        .position(|r| *r.out_refund_no == *out_refund_no)
    {
        if o.refunds[idx].refund_fee != refund_fee || req.total_fee != Some(o.total_fee) {
            return Err(Failure::refund_fee_changed());
        }
        return Ok((idx, false));
    }
    if req.total_fee != Some(o.total_fee) {
        return Err(Failure::refund_total_fee_mismatch());
    }
    if o.paid_at
        .is_some_and(|p| ctx.now - p > secs(rules::REFUND_WINDOW_SECS))
    {
        return Err(Failure::refund_overdue());
    }
    if o.refunds.len() >= rules::MAX_REFUNDS_PER_ORDER {
        return Err(Failure::too_many_refunds());
    }
    if o.refunded_fee() + refund_fee > o.total_fee {
        return Err(Failure::refund_exceeds_total());
    }
    let idx = o.refunds.len();
    let notify_url = req
        .notify_url
        .clone()
        .or_else(|| ctx.merchant.refund_notify_url.clone())
        .map(String::into_boxed_str);
    o.refunds.push(Refund {
        out_refund_no: out_refund_no.into(),
        refund_fee,
        status: RefundStatus::Processing,
        created_at: ctx.now,
        settle_at: ctx.now + delay,
        success_at: None,
        notify_url,
    });
    o.state = TradeState::Refund;
    o.event(
        ctx.now,
        EventKind::RefundAccepted(u8::try_from(idx).unwrap_or(u8::MAX)),
    );
    if delay > 0 {
        ctx.app.notifier.schedule_refund(RefundJob {
            due_ms: (ctx.now + delay) * 1000,
            order_seq: o.seq,
            idx,
        });
    }
    Ok((idx, true))
}

fn describe(o: &Order, idx: usize) -> RefundResponse {
    let r = &o.refunds[idx];
    RefundResponse {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("OK".into()),
        result_code: Some("SUCCESS".into()),
        transaction_id: o.transaction_id(),
        out_trade_no: Some(o.out_trade_no().into()),
        out_refund_no: Some(r.out_refund_no.to_string()),
        refund_id: Some(o.refund_id(idx)),
        refund_fee: Some(r.refund_fee),
        settlement_refund_fee: Some(r.refund_fee),
        total_fee: Some(o.total_fee),
        settlement_total_fee: Some(o.total_fee),
        fee_type: Some(o.fields.get("fee_type").unwrap_or("CNY").into()),
        cash_fee: Some(o.total_fee),
        cash_refund_fee: Some(r.refund_fee),
        refund_channel: None,
        ..RefundResponse::default()
    }
}
