//! `/pay/downloadbill`: the day's bill, built from the mock's own orders,
//! in WeChat's text format (every value prefixed with a backtick, a summary
//! title and row at the end; docs/protocol.md §2.10). Unsigned. Failures are
//! XML with the bare `return_msg` strings of §2.6.

use std::io::Write as _;

use bytes::Bytes;
use hyper::StatusCode;
use wxpay_core::model::{BillType, DownloadBillRequest, Failure, RefundStatus, TradeState, rules};

use super::envelope::Ctx;
use crate::store::orders::Order;
use crate::wire::Reply;
use wxpay_core::model::answers;

// TODO(core): move — the bill column titles (docs/protocol.md §2.10 only says
// "CSV rows with each field prefixed by a backtick"; these are WeChat's
// current titles).
const HEAD_ALL: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const HEAD_SUCCESS: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注";
const HEAD_REFUND: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const HEAD_SUMMARY: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";
/// The mock's simulated fee rate, per ten thousand (0.60%).
const FEE_RATE_BP: i64 = 60;

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

fn fee_of(fen: i64) -> i64 {
    (fen * FEE_RATE_BP + 5000) / 10_000
}

fn row(values: &[String]) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('`');
        s.push_str(v);
    }
    s
}

#[derive(Default)]
struct Totals {
    count: usize,
    settled: i64,
    refunded: i64,
    fees: i64,
    ordered: i64,
    refund_requested: i64,
}

fn common(o: &Order, paid_at: i64) -> Vec<String> {
    let f = &o.fields;
    vec![
        rules::format_datetime(paid_at),
        o.appid().into(),
        o.mch_id().into(),
        "0".into(),
        f.get_or_empty("device_info").into(),
        o.transaction_id().unwrap_or_default(),
        o.out_trade_no().into(),
        f.get("openid").unwrap_or_default().into(),
        f.get_or_empty("trade_type").into(),
    ]
}

/// The bill text for one day, or `None` when there is nothing to bill.
fn build(ctx: &Ctx<'_>, bill_type: BillType, day_start: i64) -> Option<String> {
    let day_end = day_start + 86_400;
    let in_day = |t: i64| t >= day_start && t < day_end;
    let mut rows: Vec<(i64, String)> = Vec::new();
    let mut t = Totals::default();
    let mch = &ctx.merchant.mch_id;
    for order in ctx.app.orders.all() {
        let o = order.read();
        if o.sandbox != ctx.sandbox || o.mch_id() != mch.as_str() {
            continue;
        }
        let Some(paid_at) = o.paid_at else { continue };
        if !o.state.is_paid() {
            continue;
        }
        let f = &o.fields;
        let fee_type = f.get("fee_type").unwrap_or("CNY").to_owned();
        if in_day(paid_at) && matches!(bill_type, BillType::All | BillType::Success) {
            let fee = fee_of(o.total_fee);
            let mut v = common(&o, paid_at);
            v.extend([
                TradeState::Success.as_str().into(),
                "OTHERS".into(),
                fee_type.clone(),
                yuan(o.total_fee),
                "0.00".into(),
            ]);
            if bill_type == BillType::All {
                v.extend([
                    "0".into(),
                    "0".into(),
                    "0.00".into(),
                    "0.00".into(),
                    String::new(),
                    String::new(),
                ]);
            }
            v.extend([
                f.get_or_empty("body").into(),
                f.get_or_empty("attach").into(),
                yuan(fee),
                "0.60%".into(),
                yuan(o.total_fee),
            ]);
            if bill_type == BillType::All {
                v.push("0.00".into());
            }
            v.push(String::new());
            rows.push((paid_at, row(&v)));
            t.count += 1;
            t.settled += o.total_fee;
            t.ordered += o.total_fee;
            t.fees += fee;
        }
        if matches!(bill_type, BillType::All | BillType::Refund) {
            for (i, r) in o.refunds.iter().enumerate() {
                if r.status != RefundStatus::Success {
                    continue;
                }
                let at = r.success_at.unwrap_or(r.created_at);
                if !in_day(at) {
                    continue;
                }
                let fee = -fee_of(r.refund_fee);
                let mut v = common(&o, at);
                v.extend([
                    TradeState::Refund.as_str().into(),
                    "OTHERS".into(),
                    fee_type.clone(),
                    "0.00".into(),
                    "0.00".into(),
                ]);
                if bill_type == BillType::Refund {
                    v.extend([
                        rules::format_datetime(r.created_at),
                        rules::format_datetime(at),
                    ]);
                }
                v.extend([
                    o.refund_id(i),
                    r.out_refund_no.to_string(),
                    yuan(r.refund_fee),
                    "0.00".into(),
                    "ORIGINAL".into(),
                    RefundStatus::Success.as_str().into(),
                    f.get_or_empty("body").into(),
                    f.get_or_empty("attach").into(),
                    yuan(fee),
                    "0.60%".into(),
                    "0.00".into(),
                    yuan(r.refund_fee),
                    String::new(),
                ]);
                rows.push((at, row(&v)));
                t.count += 1;
                t.refunded += r.refund_fee;
                t.refund_requested += r.refund_fee;
                t.fees += fee;
            }
        }
    }
    if rows.is_empty() {
        return None;
    }
    rows.sort_by_key(|(at, _)| *at);
    let head = match bill_type {
        BillType::Success => HEAD_SUCCESS,
        BillType::Refund | BillType::RechargeRefund => HEAD_REFUND,
        _ => HEAD_ALL,
    };
    let mut out = String::from(head);
    out.push_str("\r\n");
    for (_, r) in rows {
        out.push_str(&r);
        out.push_str("\r\n");
    }
    out.push_str(HEAD_SUMMARY);
    out.push_str("\r\n");
    out.push_str(&row(&[
        t.count.to_string(),
        yuan(t.settled),
        yuan(t.refunded),
        "0.00".into(),
        yuan(t.fees),
        yuan(t.ordered),
        yuan(t.refund_requested),
    ]));
    out.push_str("\r\n");
    Some(out)
}

pub(crate) fn handle(ctx: &Ctx<'_>) -> Result<Reply, Failure> {
    let req = DownloadBillRequest::from_params(&ctx.params)?;
    req.validate()?;
    let day = req
        .bill_date
        .as_deref()
        .and_then(rules::parse_date8)
        .unwrap_or(0);
    let bill_type = req
        .bill_type
        .as_deref()
        .and_then(BillType::parse)
        .unwrap_or(BillType::All);
    let Some(text) = build(ctx, bill_type, day) else {
        return Err(Failure::protocol(answers::NO_BILL_EXIST));
    };
    if req.tar_type.as_deref() == Some("GZIP") {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gz = enc.write_all(text.as_bytes()).and_then(|()| enc.finish());
        return match gz {
            Ok(bytes) => Ok(Reply::text(
                StatusCode::OK,
                "application/x-gzip",
                Bytes::from(bytes),
                "bill (gzip)",
            )),
            Err(_) => Err(Failure::protocol("CompressGZip Error")),
        };
    }
    Ok(Reply::text(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        Bytes::from(text),
        "bill",
    ))
}
