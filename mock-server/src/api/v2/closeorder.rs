//! `/pay/closeorder`.

use wxpay_core::model::{
    CloseOrderRequest, CloseOrderResponse, ErrCode, Failure, TradeState, rules,
};

use super::envelope::Ctx;
use crate::store::orders::EventKind;
use crate::wire::Reply;

pub(crate) fn handle(ctx: &Ctx<'_>) -> Result<Reply, Failure> {
    let req = CloseOrderRequest::from_params(&ctx.params)?;
    req.validate()?;
    let order = ctx
        .app
        .orders
        .by_out_trade_no(
            ctx.sandbox,
            &ctx.merchant.mch_id,
            req.out_trade_no.as_deref().unwrap_or_default(),
        )
        .ok_or_else(|| Failure::business(ErrCode::OrderNotExist))?;
    {
        let mut o = ctx.app.orders.write(&order);
        if let Some(f) = Failure::order_final(o.state) {
            return Err(f);
        }
        let min_age = i64::try_from(rules::CLOSE_MIN_AGE_SECS).unwrap_or(i64::MAX);
        if ctx.switches.close_min_age && ctx.now - o.created_at < min_age {
            return Err(Failure::close_too_early());
        }
        o.state = TradeState::Closed;
        o.closed_at = Some(ctx.now);
        o.event(ctx.now, EventKind::Closed);
    }
    let resp = CloseOrderResponse {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("OK".into()),
        result_code: Some("SUCCESS".into()),
        result_msg: Some("OK".into()),
        ..CloseOrderResponse::default()
    };
    Ok(ctx.answer(resp.to_params(), "SUCCESS closed"))
}
