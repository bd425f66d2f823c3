//! Paying an order "as the user", and the payment notify.

use wxpay_core::SignType;
use wxpay_core::model::{PaymentNotify, TradeState, rules};
use wxpay_core::model::{prepay_id_expired, sign_and_encode};

use crate::domain::App;
use crate::domain::notify::{Encoding, Kind, NewNotification};
use crate::domain::refunds::order_key;
use crate::store::orders::{EventKind, Order, OrderRef};

/// What the simulated user does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Pay,
    Cancel,
    Fail,
}

impl Action {
    pub(crate) fn parse(s: Option<&str>) -> Result<Self, String> {
        match s {
            None | Some("pay") => Ok(Self::Pay),
            Some("cancel") => Ok(Self::Cancel),
            Some("fail") => Ok(Self::Fail),
            Some(other) => Err(format!(
                "\"action\" is {other:?}: use \"pay\" (the default), \"cancel\" or \"fail\""
            )),
        }
    }
}

/// Why an order cannot be paid now, if it cannot.
pub(crate) fn payable(
    o: &Order,
    now: i64,
    instance: u16,
    prepay_id: Option<&str>,
) -> Result<(), String> {
    match o.state {
        TradeState::Success | TradeState::Refund => {
            return Err(format!(
                "the order is already paid (trade_state {})",
                o.state.as_str()
            ));
        }
        TradeState::Closed => return Err("the order is closed (trade_state CLOSED)".into()),
        _ => {}
    }
    if let Some(p) = prepay_id
        && p != o.prepay_id(instance)
    {
        return Err(format!(
            "prepay_id {p} is no longer this order's prepay_id: a re-entry after 2 hours issued {}",
            o.prepay_id(instance)
        ));
    }
    if prepay_id_expired(o.prepay_at, now) {
        return Err(format!(
            "prepay_id expired: issued {} (Beijing), valid {} s; call unifiedorder again with the same out_trade_no and parameters for a new one",
            rules::format_datetime(o.prepay_at),
            rules::PREPAY_ID_TTL_SECS
        ));
    }
    if let Some(exp) = o.expire_at
        && exp <= now
    {
        return Err(format!(
            "the order expired at its time_expire {} (Beijing)",
            rules::format_time14(exp)
        ));
    }
    Ok(())
}

/// Applies the user's action to an order. `Err` is the reason shown in
/// `requestPayment:fail <reason>`.
pub(crate) fn act(
    app: &App,
    order: &OrderRef,
    action: Action,
    prepay_id: Option<&str>,
) -> Result<(), String> {
    let now = app.clock.now();
    let notify = {
        let mut o = app.orders.write(order);
        payable(&o, now, app.instance, prepay_id)?;
        match action {
            Action::Cancel => {
                o.event(now, EventKind::PaymentCancelled);
                return Err("cancel".into());
            }
            Action::Fail => {
                o.event(now, EventKind::PaymentFailed);
                return Err(
                    "payment failed (simulated with \"action\": \"fail\"; the order stays NOTPAY)"
                        .into(),
                );
            }
            Action::Pay => {}
        }
        o.state = TradeState::Success;
        o.paid_at = Some(now);
        o.event(now, EventKind::Paid);
        // The paid order and its notify reach the journal together.
        payment_notify(app, &o).map(|n| app.notifier.attach(&mut o, n, app.clock.now_ms()))
    };
    if let Some(n) = notify {
        app.notifier.publish(n);
    }
    Ok(())
}

/// The payment notify of a paid order, signed as production signs it.
fn payment_notify(app: &App, o: &Order) -> Option<NewNotification> {
    let f = &o.fields;
    let url = f.get("notify_url")?.to_owned();
    let key = order_key(app, o)?;
    let sw = app.switches();
    let openid = f.get("openid").map_or_else(
        || crate::domain::logins::openid_for(o.appid(), "mock-payer"),
        str::to_owned,
    );
    let n = PaymentNotify {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("OK".into()),
        appid: Some(o.appid().into()),
        mch_id: Some(o.mch_id().into()),
        device_info: f.get("device_info").map(str::to_owned),
        nonce_str: Some(crate::domain::random_token(32)),
        // Production omits sign_type even for HMAC-SHA256 orders.
        sign_type: (sw.notify_sign_type && o.sign_type == SignType::HmacSha256)
            .then(|| o.sign_type.as_str().into()),
        result_code: Some("SUCCESS".into()),
        openid: Some(openid),
        is_subscribe: Some("N".into()),
        trade_type: f.get("trade_type").map(str::to_owned),
        bank_type: Some("OTHERS".into()),
        total_fee: Some(o.total_fee),
        fee_type: Some(f.get("fee_type").unwrap_or("CNY").into()),
        cash_fee: Some(o.total_fee),
        transaction_id: o.transaction_id(),
        out_trade_no: Some(o.out_trade_no().into()),
        attach: f.get("attach").map(str::to_owned),
        time_end: o.paid_at.map(rules::format_time14),
        ..PaymentNotify::default()
    };
    let body = match sign_and_encode(n.to_params(), &key, o.sign_type) {
        Ok((b, _)) => b,
        Err(e) => {
            tracing::error!("cannot encode a payment notify: {e}");
            return None;
        }
    };
    Some(NewNotification {
        kind: Kind::Payment,
        encoding: Encoding::V2Xml,
        url,
        mch_id: o.mch_id().into(),
        out_trade_no: o.out_trade_no().into(),
        out_refund_no: None,
        body,
        duplicate: sw.notify_duplicates,
    })
}
