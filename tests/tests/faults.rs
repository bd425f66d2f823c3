//! Flow 6 — faults: WeChat having a bad moment.
//!
//! Faults are armed through `/mock/faults`: unifiedorder answers
//! `SYSTEMERROR` twice, orderquery drops the connection, refund answers
//! `BIZERR_NEED_RETRY`, refundquery answers an HTML 502 from a gateway. The
//! merchant's client retries as WeChat advises — the same business
//! parameters (the same `out_refund_no` for a refund), a fresh nonce and
//! signature — and succeeds; the retried refund is refunded once.

use pretty_assertions::assert_eq;
use serde_json::json;
use wxpay_core::SignType;
use wxpay_tests::{
    APPID, Bench, Merchant, assert_success, business_failure, field, request_payment_object,
};

#[tokio::test]
async fn the_client_retries_through_injected_faults() {
    let bench = Bench::start().await;
    let m = Merchant::with(SignType::HmacSha256);
    let (_, openid) = bench.login(APPID, "ken").await;
    let no = "flow6-faults-01";
    let notify_url = bench.receiver.url("/pay");
    let order_params = [
        ("body", "fault test"),
        ("out_trade_no", no),
        ("total_fee", "50"),
        ("spbill_create_ip", "127.0.0.1"),
        ("notify_url", notify_url.as_str()),
        ("trade_type", "JSAPI"),
        ("openid", openid.as_str()),
    ];

    // SYSTEMERROR twice: signed business failures, then success.
    bench
        .fault(&json!({"endpoint": "unifiedorder", "kind": "SYSTEMERROR", "count": 2}))
        .await;
    let first = bench.call(&m, "/pay/unifiedorder", &order_params).await;
    assert_eq!(business_failure(&first).0, "SYSTEMERROR");
    assert!(!field(&first, "err_code_des").is_empty(), "{first:#?}");
    let (o, attempts) = bench
        .call_retrying(&m, "/pay/unifiedorder", &order_params, 5)
        .await;
    assert_eq!(attempts, 2, "one more SYSTEMERROR, then success");
    assert_success(&o);
    let faults = bench.client.get_json("/mock/faults").await;
    assert_eq!(faults.as_array().map(Vec::len), Some(0), "{faults}");
    let pay = m.payment_params(field(&o, "prepay_id"));
    assert_eq!(
        bench.request_payment(&request_payment_object(&pay)).await,
        "requestPayment:ok"
    );

    // A dropped connection on orderquery: no answer at all, then success.
    bench
        .fault(&json!({"endpoint": "orderquery", "kind": "drop"}))
        .await;
    let dropped = bench
        .try_call(&m, "/pay/orderquery", &[("out_trade_no", no)])
        .await;
    assert!(dropped.is_err(), "{dropped:?}");
    bench
        .fault(&json!({"endpoint": "orderquery", "kind": "drop", "count": 1}))
        .await;
    let (q, attempts) = bench
        .call_retrying(&m, "/pay/orderquery", &[("out_trade_no", no)], 5)
        .await;
    assert_eq!(attempts, 2);
    assert_success(&q);
    assert_eq!(field(&q, "trade_state"), "SUCCESS");

    // BIZERR_NEED_RETRY on refund: retried with the same out_refund_no.
    bench
        .fault(&json!({"endpoint": "refund", "kind": "BIZERR_NEED_RETRY"}))
        .await;
    let refund_url = bench.receiver.url("/refund");
    let refund = [
        ("out_trade_no", no),
        ("out_refund_no", "flow6-r1"),
        ("total_fee", "50"),
        ("refund_fee", "20"),
        ("notify_url", refund_url.as_str()),
    ];
    let (r, attempts) = bench
        .call_retrying(&m, "/secapi/pay/refund", &refund, 5)
        .await;
    assert_eq!(attempts, 2);
    assert_success(&r);
    // Retrying once more after success (a lost answer) is still one refund.
    let (r2, _) = bench
        .call_retrying(&m, "/secapi/pay/refund", &refund, 5)
        .await;
    assert_eq!(field(&r2, "refund_id"), field(&r, "refund_id"));

    // An HTML 502 from a gateway on refundquery, then the answer.
    bench
        .fault(&json!({"endpoint": "refundquery", "kind": "html502"}))
        .await;
    let (rq, attempts) = bench
        .call_retrying(&m, "/pay/refundquery", &[("out_trade_no", no)], 5)
        .await;
    assert_eq!(attempts, 2);
    assert_success(&rq);
    assert_eq!(field(&rq, "refund_count"), "1", "{rq:#?}");
    assert_eq!(field(&rq, "refund_fee_0"), "20");
    bench.receiver.wait_for("/refund", 1).await;
    assert_eq!(bench.receiver.received_on("/refund").len(), 1);
}

/// A delay fault: the answer comes late but intact.
#[tokio::test]
async fn a_delayed_answer_arrives() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    bench
        .fault(&json!({"endpoint": "orderquery", "kind": "delay", "delay_ms": 1200}))
        .await;
    let started = std::time::Instant::now();
    let q = bench
        .call(&m, "/pay/orderquery", &[("out_trade_no", "flow6-none-01")])
        .await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(1200));
    assert_eq!(business_failure(&q).0, "ORDERNOTEXIST");
}
