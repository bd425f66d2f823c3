//! `/pay/orderquery`.

use wxpay_core::model::{ErrCode, Failure, OrderQueryRequest, OrderQueryResponse, rules};

use super::envelope::Ctx;
use crate::store::orders::{Order, OrderRef};
use crate::wire::Reply;

/// Finds an order by transaction_id (which wins) or out_trade_no.
pub(crate) fn find(
    ctx: &Ctx<'_>,
    transaction_id: Option<&str>,
    out_trade_no: Option<&str>,
) -> Option<OrderRef> {
    let mch = &ctx.merchant.mch_id;
    match (transaction_id, out_trade_no) {
        (Some(t), _) => ctx.app.orders.by_transaction_id(ctx.sandbox, mch, t),
        (None, Some(o)) => ctx.app.orders.by_out_trade_no(ctx.sandbox, mch, o),
        (None, None) => None,
    }
}

/// The response fields describing an order.
pub(crate) fn describe(o: &Order) -> OrderQueryResponse {
    let f = &o.fields;
    let text = |name: &str| f.get(name).map(str::to_owned);
    let paid = o.state.is_paid();
    OrderQueryResponse {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("OK".into()),
        result_code: Some("SUCCESS".into()),
        device_info: text("device_info"),
        openid: text("openid"),
        is_subscribe: Some("N".into()),
        trade_type: text("trade_type"),
        trade_state: Some(o.state.as_str().into()),
        trade_state_desc: Some(o.state.desc().into()),
        bank_type: paid.then(|| "OTHERS".into()),
        total_fee: Some(o.total_fee),
        fee_type: Some(f.get("fee_type").unwrap_or("CNY").into()),
        cash_fee: paid.then_some(o.total_fee),
        cash_fee_type: None,
        transaction_id: o.transaction_id(),
        out_trade_no: text("out_trade_no"),
        attach: text("attach"),
        time_end: o.paid_at.map(rules::format_time14),
        ..OrderQueryResponse::default()
    }
}

pub(crate) fn handle(ctx: &Ctx<'_>) -> Result<Reply, Failure> {
    let req = OrderQueryRequest::from_params(&ctx.params)?;
    req.validate()?;
    let order = find(
        ctx,
        req.transaction_id.as_deref(),
        req.out_trade_no.as_deref(),
    )
    .ok_or_else(|| Failure::business(ErrCode::OrderNotExist))?;
    let resp = {
        let o = order.read();
        describe(&o)
    };
    let outcome = format!(
        "SUCCESS {}",
        resp.trade_state.as_deref().unwrap_or_default()
    );
    Ok(ctx.answer(resp.to_params(), &outcome))
}
