//! `/secapi/pay/refund`, refund settlement and the refund notify.
//!
//! The mock does not require the client certificate WeChat requires on this
//! path (it serves plain HTTP); SDKs that load a certificate still work.

use wxpay_core::model::{
    ErrCode, Failure, RefundNotify, RefundNotifyInfo, RefundRequest, RefundResponse, RefundStatus,
    TradeState, rules,
};
use wxpay_core::{ApiKey, xml};

use super::Ctx;
use super::orderquery::find;
use crate::app::App;
use crate::notify::{Kind, NewNotification, Prepared, RefundJob};
use crate::orders::{EventKind, Order, OrderWrite, Refund};
use crate::server::Reply;

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
    if !matches!(o.state, TradeState::Success | TradeState::Refund) {
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

/// The key that signs and encrypts for an order (the sandbox key for a
/// sandbox order).
pub(crate) fn order_key(app: &App, o: &Order) -> Option<ApiKey> {
    let m = app.config.merchant(o.mch_id())?;
    Some(if o.sandbox {
        app.sandbox_key(m)
    } else {
        m.key.clone()
    })
}

/// Marks refund `idx` successful at `at_ms` (if it is still processing) and
/// attaches its notify when it has a notify_url (to be published once the
/// order's lock is released).
fn settle_locked(app: &App, o: &mut OrderWrite<'_>, idx: usize, at_ms: i64) -> Option<Prepared> {
    let n = refund_notify(app, o, idx, at_ms)?;
    Some(app.notifier.attach(o, n, at_ms))
}

/// Marks refund `idx` successful at `at_ms` (if it is still processing) and
/// builds its notify when it has a notify_url.
fn refund_notify(app: &App, o: &mut Order, idx: usize, at_ms: i64) -> Option<NewNotification> {
    let at = at_ms.div_euclid(1000);
    let r = o.refunds.get_mut(idx)?;
    if r.status != RefundStatus::Processing {
        return None;
    }
    r.status = RefundStatus::Success;
    r.success_at = Some(at);
    let url = r.notify_url.clone();
    o.event(
        at,
        EventKind::RefundSucceeded(u8::try_from(idx).unwrap_or(u8::MAX)),
    );
    let url = url?;
    let key = order_key(app, o)?;
    let r = &o.refunds[idx];
    let info = RefundNotifyInfo {
        transaction_id: o.transaction_id(),
        out_trade_no: Some(o.out_trade_no().into()),
        refund_id: Some(o.refund_id(idx)),
        out_refund_no: Some(r.out_refund_no.to_string()),
        total_fee: Some(o.total_fee),
        settlement_total_fee: Some(o.total_fee),
        refund_fee: Some(r.refund_fee),
        settlement_refund_fee: Some(r.refund_fee),
        refund_status: Some(RefundStatus::Success.as_str().into()),
        success_time: Some(rules::format_datetime(at)),
        refund_recv_accout: Some("支付用户零钱".into()),
        refund_account: Some("REFUND_SOURCE_UNSETTLED_FUNDS".into()),
        refund_request_source: Some("API".into()),
        ..RefundNotifyInfo::default()
    };
    let req_info = match info.encrypt(&key) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot encrypt a refund notify: {e}");
            return None;
        }
    };
    let outer = RefundNotify {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("OK".into()),
        appid: Some(o.appid().into()),
        mch_id: Some(o.mch_id().into()),
        nonce_str: Some(crate::app::random_token(32)),
        req_info: Some(req_info),
        ..RefundNotify::default()
    };
    let body = match xml::encode(&outer.to_params()) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("cannot encode a refund notify: {e}");
            return None;
        }
    };
    Some(NewNotification {
        kind: Kind::Refund,
        url: url.into(),
        mch_id: o.mch_id().into(),
        out_trade_no: o.out_trade_no().into(),
        out_refund_no: Some(r.out_refund_no.to_string()),
        body,
        duplicate: app.switches().notify_duplicates,
    })
}

/// Settles a refund whose delay has passed (called by the delivery engine,
/// by `/mock/clock/advance`, and lazily by refundquery).
pub(crate) fn settle(app: &App, job: RefundJob) {
    let Some(order) = app.orders.by_seq(job.order_seq) else {
        return;
    };
    let n = {
        let mut o = app.orders.write(&order);
        settle_locked(app, &mut o, job.idx, job.due_ms)
    };
    if let Some(n) = n {
        app.notifier.publish(n);
    }
}

/// Settles every refund of `order` that is due at `now` (refundquery calls
/// this so an answer never shows a refund processing past its time).
pub(crate) fn settle_due(app: &App, order: &crate::orders::OrderRef, now: i64) {
    let due: Vec<(usize, i64)> = {
        let o = order.read();
        o.refunds
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status == RefundStatus::Processing && r.settle_at <= now)
            .map(|(i, r)| (i, r.settle_at))
            .collect()
    };
    for (idx, at) in due {
        let seq = order.read().seq;
        settle(
            app,
            RefundJob {
                due_ms: at * 1000,
                order_seq: seq,
                idx,
            },
        );
    }
}
