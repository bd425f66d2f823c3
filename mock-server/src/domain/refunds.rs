//! Refund settlement (on its delay, by the scheduler, or lazily by a query)
//! and the refund notify it produces, and the key that signs an order.

use wxpay_core::ApiKey;
use wxpay_core::model::{RefundNotify, RefundNotifyInfo, RefundStatus, rules};
use wxpay_core::xml;

use crate::domain::App;
use crate::domain::notify::{Encoding, Kind, NewNotification, Prepared, RefundJob};
use crate::store::orders::{EventKind, Order, OrderRef, OrderWrite};

/// The key that signs and encrypts for an order (the sandbox key for a
/// sandbox order).
pub(crate) fn order_key(app: &App, o: &Order) -> Option<ApiKey> {
    let m = app.config.merchant(o.mch_id())?;
    Some(app.key_for(m, o.sandbox))
}

/// Marks refund `idx` successful at `at_ms` (if it is still processing) and
/// attaches its notify when it has a notify_url (to be published once the
/// order's lock is released).
pub(crate) fn settle_locked(
    app: &App,
    o: &mut OrderWrite<'_>,
    idx: usize,
    at_ms: i64,
) -> Option<Prepared> {
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
        nonce_str: Some(crate::domain::random_token(32)),
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
        encoding: Encoding::V2Xml,
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
pub(crate) fn settle_due(app: &App, order: &OrderRef, now: i64) {
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
