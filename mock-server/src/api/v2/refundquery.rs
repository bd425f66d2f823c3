//! `/pay/refundquery`.

use wxpay_core::model::{
    ErrCode, Failure, RefundItem, RefundQueryRequest, RefundQueryResponse, rules,
};

use super::envelope::Ctx;
use super::orderquery::find;
use crate::store::orders::{OrderRef, parse_refund_id};
use crate::wire::Reply;

/// Refunds listed per answer (WeChat pages beyond 10 with `offset`).
const PAGE: usize = 10;

pub(crate) fn handle(ctx: &Ctx<'_>) -> Result<Reply, Failure> {
    let req = RefundQueryRequest::from_params(&ctx.params)?;
    req.validate()?;
    let not_found = || Failure::business(ErrCode::RefundNotExist);
    let mch = &ctx.merchant.mch_id;
    // Precedence: refund_id, out_refund_no, transaction_id, out_trade_no.
    let (order, only): (OrderRef, Option<usize>) = if let Some(id) = &req.refund_id {
        let (seq, idx) = parse_refund_id(id).ok_or_else(not_found)?;
        let o = ctx.app.orders.by_seq(seq).ok_or_else(not_found)?;
        {
            let g = o.read();
            if g.sandbox != ctx.sandbox
                || g.mch_id() != mch
                || idx >= g.refunds.len()
                || g.refund_id(idx) != *id
            {
                return Err(not_found());
            }
        }
        (o, Some(idx))
    } else if let Some(no) = &req.out_refund_no {
        let o = ctx
            .app
            .orders
            .by_out_refund_no(ctx.sandbox, mch, no)
            .ok_or_else(not_found)?;
        let idx = o
            .read()
            .refunds
            .iter()
            .position(|r| *r.out_refund_no == **no)
            .ok_or_else(not_found)?;
        (o, Some(idx))
    } else {
        let o = find(
            ctx,
            req.transaction_id.as_deref(),
            req.out_trade_no.as_deref(),
        )
        .ok_or_else(not_found)?;
        (o, None)
    };
    crate::domain::refunds::settle_due(ctx.app, &order, ctx.now);
    let resp = {
        let o = order.read();
        if o.refunds.is_empty() {
            return Err(not_found());
        }
        let indices: Vec<usize> = match only {
            Some(i) => vec![i],
            None => {
                let offset = usize::try_from(req.offset.unwrap_or(0)).unwrap_or(0);
                (offset..o.refunds.len()).take(PAGE).collect()
            }
        };
        if indices.is_empty() {
            return Err(not_found());
        }
        let items: Vec<RefundItem> = indices
            .iter()
            .map(|&i| {
                let r = &o.refunds[i];
                RefundItem {
                    out_refund_no: r.out_refund_no.to_string(),
                    refund_id: o.refund_id(i),
                    refund_channel: "ORIGINAL".into(),
                    refund_fee: r.refund_fee,
                    settlement_refund_fee: r.refund_fee,
                    refund_status: r.status.as_str().into(),
                    refund_account: "REFUND_SOURCE_UNSETTLED_FUNDS".into(),
                    refund_recv_accout: "支付用户零钱".into(),
                    refund_success_time: r
                        .success_at
                        .map(rules::format_datetime)
                        .unwrap_or_default(),
                }
            })
            .collect();
        let mut resp = RefundQueryResponse {
            return_code: Some("SUCCESS".into()),
            return_msg: Some("OK".into()),
            result_code: Some("SUCCESS".into()),
            total_refund_count: i64::try_from(o.refunds.len()).ok(),
            transaction_id: o.transaction_id(),
            out_trade_no: Some(o.out_trade_no().into()),
            total_fee: Some(o.total_fee),
            settlement_total_fee: Some(o.total_fee),
            fee_type: Some(o.fields.get("fee_type").unwrap_or("CNY").into()),
            cash_fee: Some(o.total_fee),
            ..RefundQueryResponse::default()
        };
        resp.set_refunds(&items);
        resp
    };
    Ok(ctx.answer(resp.to_params(), "SUCCESS"))
}
