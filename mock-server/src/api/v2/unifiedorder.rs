//! `/pay/unifiedorder`: create an order (or re-enter one).

use wxpay_core::model::{
    Failure, TradeState, TradeType, UnifiedOrderRequest, UnifiedOrderResponse, rules,
};

use super::envelope::Ctx;
use crate::store::lock;
use crate::store::orders::{ApiVersion, EventKind, Fields, Insert, Order};
use crate::wire::Reply;
use wxpay_core::model::{answers, prepay_id_expired};

/// The fields not kept with the order (they change on every call).
const NOT_STORED: &[&str] = &["nonce_str", "sign"];

pub(crate) fn handle(ctx: &Ctx<'_>) -> Result<Reply, Failure> {
    let req = UnifiedOrderRequest::from_params(&ctx.params)?;
    req.validate()?;
    let sw = &ctx.switches;
    if sw.enforce_time_expire {
        req.check_time_expire(
            ctx.now,
            i64::try_from(sw.time_expire_min_seconds).unwrap_or(i64::MAX),
        )?;
    }
    let trade_type = req.trade_type().unwrap_or(TradeType::Jsapi);
    let total_fee = req.total_fee.unwrap_or(0);
    if ctx.sandbox
        && sw.strict_sandbox_amounts
        && !answers::SANDBOX_CASE_AMOUNTS.contains(&total_fee)
    {
        return Err(Failure::sandbox_amount_invalid(total_fee));
    }
    if sw.strict_openid && trade_type == TradeType::Jsapi {
        let openid = req.openid.as_deref().unwrap_or_default();
        let minted = lock(&ctx.app.logins)
            .minted
            .contains(&(ctx.appid().to_owned(), openid.to_owned()));
        if !minted {
            return Err(rules::openid_mismatch());
        }
    }
    let out_trade_no = req.out_trade_no.clone().unwrap_or_default();
    let expire_at = if sw.enforce_time_expire {
        req.time_expire.as_deref().and_then(rules::parse_time14)
    } else {
        None
    };
    let now = ctx.now;
    let inserted =
        ctx.app
            .orders
            .insert_or_get(ctx.sandbox, &ctx.merchant.mch_id, &out_trade_no, |seq| {
                Order {
                    seq,
                    api: ApiVersion::V2,
                    sandbox: ctx.sandbox,
                    sign_type: ctx.sign_type,
                    state: TradeState::NotPay,
                    total_fee,
                    created_at: now,
                    prepay_at: now,
                    expire_at,
                    paid_at: None,
                    closed_at: None,
                    // The request map holds exactly `req.to_params()` (unknown fields
                    // included), plus empty values, which Fields skips.
                    fields: Fields::from_params(&ctx.params, NOT_STORED),
                    refunds: Vec::new(),
                    // "created" is implied by created_at.
                    events: Vec::new(),
                    answer_sign: None,
                }
            });
    let (order, created) = match inserted {
        Insert::Created(o) => (o, true),
        Insert::Existing(o) => (o, false),
    };
    let prepay_id = if created {
        // Just stored (and journaled) as it is.
        order.read().prepay_id(ctx.app.instance)
    } else {
        let mut o = ctx.app.orders.write(&order);
        if let Some(f) = Failure::order_final(o.state) {
            return Err(f);
        }
        // The re-entry comparison: every field but core's
        // REENTRY_IGNORED must be identical (Fields holds the original
        // request's non-empty fields in name order, as ParamMap does).
        if !o
            .fields
            .same_as(&ctx.params, UnifiedOrderRequest::REENTRY_IGNORED)
        {
            o.event(now, EventKind::ReentryRefused);
            return Err(Failure::reentry_changed(
                sw.reentry_mismatch_invalid_request,
            ));
        }
        // A prepay_id lives 2 hours; a re-entry after that gets a new one.
        if prepay_id_expired(o.prepay_at, now) {
            o.prepay_at = now;
        }
        o.sign_type = ctx.sign_type;
        o.event(now, EventKind::Reentered);
        o.prepay_id(ctx.app.instance)
    };
    let mut resp = UnifiedOrderResponse {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("OK".into()),
        result_code: Some("SUCCESS".into()),
        trade_type: Some(trade_type.as_str().into()),
        device_info: req.device_info.clone(),
        prepay_id: Some(prepay_id.clone()),
        ..UnifiedOrderResponse::default()
    };
    match trade_type {
        TradeType::Native => {
            resp.code_url = Some(format!(
                "weixin://wxpay/bizpayurl?pr={}",
                &prepay_id[prepay_id.len() - 7..]
            ))
        }
        TradeType::Mweb => {
            resp.mweb_url = Some(format!(
                "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package=1037687096"
            ));
        }
        _ => {}
    }
    let (xml, sign) = ctx.signed_answer(resp.to_params());
    ctx.app.orders.write(&order).answer_sign = Some(sign);
    Ok(Reply::xml(
        xml,
        if created {
            "SUCCESS created"
        } else {
            "SUCCESS re-entry"
        },
    ))
}
