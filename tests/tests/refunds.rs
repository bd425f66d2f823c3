//! Flow 2 — refunds.
//!
//! A paid order is refunded in parts up to its total: a retried
//! `out_refund_no` is the same refund (idempotent, one notify), other
//! amounts under a used `out_refund_no`, an over-refund and a refund larger
//! than the order are refused; each refund's notify is decrypted with
//! `wxpay-core` (`req_info`, AES-256-ECB keyed with MD5 of the API key);
//! refundquery lists every refund. A second order takes 50 refunds and
//! refuses the 51st. A third shows a refund staying PROCESSING on the mock
//! clock until it settles and notifies.

use pretty_assertions::assert_eq;
use wxpay_core::model::{RefundNotify, RefundNotifyInfo, RefundQueryResponse};
use wxpay_core::{ApiKey, Error, ReqInfoError, SignType};
use wxpay_tests::{
    APPID, Behaviour, Bench, Config, MCH_ID, Merchant, Received, assert_success, business_failure,
    field,
};

/// Decrypts a refund notify as a merchant does, checking the outer XML.
fn open_refund_notify(r: &Received, key: &ApiKey) -> RefundNotifyInfo {
    let outer = r.xml();
    assert_eq!(field(&outer, "return_code"), "SUCCESS", "{outer:#?}");
    assert_eq!(field(&outer, "appid"), APPID);
    assert_eq!(field(&outer, "mch_id"), MCH_ID);
    assert!(!field(&outer, "nonce_str").is_empty(), "{outer:#?}");
    assert!(
        !outer.contains_key("sign"),
        "a refund notify carries no sign: {outer:#?}"
    );
    RefundNotify::from_params(&outer)
        .unwrap()
        .decrypt(key)
        .unwrap_or_else(|e| panic!("req_info does not decrypt: {e}: {outer:#?}"))
}

async fn refund(
    bench: &Bench,
    m: &Merchant,
    out_trade_no: &str,
    out_refund_no: &str,
    total_fee: &str,
    refund_fee: &str,
) -> wxpay_core::ParamMap {
    let url = bench.receiver.url("/refund");
    bench
        .call(
            m,
            "/secapi/pay/refund",
            &[
                ("out_trade_no", out_trade_no),
                ("out_refund_no", out_refund_no),
                ("total_fee", total_fee),
                ("refund_fee", refund_fee),
                ("notify_url", &url),
            ],
        )
        .await
}

/// Partial refunds up to the total, idempotence, refusals, notifies and
/// refundquery, signed with HMAC-SHA256.
#[tokio::test]
async fn partial_refunds_up_to_the_total() {
    let bench = Bench::start().await;
    let m = Merchant::with(SignType::HmacSha256);
    let key = m.key.clone();
    bench.receiver.set_default(Behaviour::Verify(key.clone()));
    let (_, openid) = bench.login(APPID, "bob").await;
    let no = "flow2-partial-01";
    bench.paid_order(&m, no, 100, &openid).await;
    bench.receiver.wait_for("/pay", 1).await;
    let q = bench
        .call(&m, "/pay/orderquery", &[("out_trade_no", no)])
        .await;
    let tx = field(&q, "transaction_id").to_owned();

    // 60 of 100.
    let r1 = refund(&bench, &m, no, "flow2-r1", "100", "60").await;
    assert_success(&r1);
    assert_eq!(field(&r1, "out_refund_no"), "flow2-r1");
    assert_eq!(field(&r1, "refund_fee"), "60");
    assert_eq!(field(&r1, "total_fee"), "100");
    assert_eq!(field(&r1, "transaction_id"), tx);
    let refund_id_1 = field(&r1, "refund_id").to_owned();
    assert_eq!(refund_id_1.len(), 29, "{r1:#?}");

    // The same out_refund_no again (a retry): the same refund.
    let again = refund(&bench, &m, no, "flow2-r1", "100", "60").await;
    assert_success(&again);
    assert_eq!(field(&again, "refund_id"), refund_id_1);
    // The same out_refund_no with another amount.
    let changed = refund(&bench, &m, no, "flow2-r1", "100", "61").await;
    assert_eq!(
        business_failure(&changed),
        (
            "INVALID_REQUEST",
            "订单金额或退款金额与之前请求不一致，请核实后再试"
        )
    );
    // More than what is left (40).
    let over = refund(&bench, &m, no, "flow2-r2", "100", "50").await;
    assert_eq!(
        business_failure(&over),
        ("NOTENOUGH", "申请退款金额超过订单可退金额")
    );
    // More than the order.
    let too_big = refund(&bench, &m, no, "flow2-r2", "100", "101").await;
    assert_eq!(business_failure(&too_big).0, "PARAM_ERROR");
    // A total_fee that is not the order's.
    let wrong_total = refund(&bench, &m, no, "flow2-r2", "99", "10").await;
    assert_eq!(
        business_failure(&wrong_total),
        ("INVALID_REQUEST", "订单金额与实际金额不一致")
    );
    // Exactly the rest: the order is fully refunded.
    let r2 = refund(&bench, &m, no, "flow2-r2", "100", "40").await;
    assert_success(&r2);
    let refund_id_2 = field(&r2, "refund_id").to_owned();
    // Nothing left.
    let r3 = refund(&bench, &m, no, "flow2-r3", "100", "1").await;
    assert_eq!(business_failure(&r3).0, "NOTENOUGH");

    // Exactly two refund notifies (the retry made no second refund).
    let notifies = bench.receiver.wait_for("/refund", 2).await;
    let mut infos: Vec<RefundNotifyInfo> = notifies
        .iter()
        .map(|r| open_refund_notify(r, &key))
        .collect();
    infos.sort_by(|a, b| a.out_refund_no.cmp(&b.out_refund_no));
    for (info, (out_refund_no, refund_id, fee)) in infos.iter().zip([
        ("flow2-r1", &refund_id_1, 60),
        ("flow2-r2", &refund_id_2, 40),
    ]) {
        assert_eq!(info.out_refund_no.as_deref(), Some(out_refund_no));
        assert_eq!(info.refund_id.as_deref(), Some(refund_id.as_str()));
        assert_eq!(info.refund_fee, Some(fee));
        assert_eq!(info.settlement_refund_fee, Some(fee));
        assert_eq!(info.total_fee, Some(100));
        assert_eq!(info.transaction_id.as_deref(), Some(tx.as_str()));
        assert_eq!(info.out_trade_no.as_deref(), Some(no));
        assert_eq!(info.refund_status.as_deref(), Some("SUCCESS"));
        let t = info.success_time.as_deref().unwrap_or_default();
        assert!(
            t.len() == 19 && &t[4..5] == "-" && &t[10..11] == " ",
            "success_time is yyyy-MM-dd HH:mm:ss: {t}"
        );
        assert!(
            info.refund_recv_accout
                .as_deref()
                .is_some_and(|s| !s.is_empty())
        );
    }
    for r in &notifies {
        assert_eq!(r.replied.0, 200);
        assert!(r.replied.1.contains("SUCCESS"), "{:?}", r.replied);
    }
    // The wrong key cannot open req_info.
    let outer = RefundNotify::from_params(&notifies[0].xml()).unwrap();
    let wrong = outer.decrypt(&ApiKey::new("0123456789abcdef0123456789abcdef"));
    assert!(
        matches!(
            wrong,
            Err(Error::ReqInfo(ReqInfoError::Padding | ReqInfoError::Utf8))
        ),
        "{wrong:?}"
    );
    bench.receiver.wait_for("/refund", 2).await;
    assert_eq!(bench.receiver.received_on("/refund").len(), 2);

    // refundquery by order: both refunds.
    let rq = bench
        .call(&m, "/pay/refundquery", &[("out_trade_no", no)])
        .await;
    assert_success(&rq);
    let list = RefundQueryResponse::from_params(&rq)
        .unwrap()
        .refunds()
        .unwrap();
    let got: Vec<(&str, i64, &str)> = list
        .iter()
        .map(|r| {
            (
                r.out_refund_no.as_str(),
                r.refund_fee,
                r.refund_status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("flow2-r1", 60, "SUCCESS"), ("flow2-r2", 40, "SUCCESS")]
    );
    assert_eq!(field(&rq, "total_refund_count"), "2");
    // By out_refund_no and by refund_id: that refund only.
    for (f, v) in [
        ("out_refund_no", "flow2-r2"),
        ("refund_id", refund_id_2.as_str()),
    ] {
        let one = bench.call(&m, "/pay/refundquery", &[(f, v)]).await;
        assert_success(&one);
        assert_eq!(field(&one, "refund_count"), "1", "{one:#?}");
        assert_eq!(field(&one, "out_refund_no_0"), "flow2-r2");
        assert_eq!(field(&one, "refund_fee_0"), "40");
    }
    // The order is now REFUND.
    let q = bench
        .call(&m, "/pay/orderquery", &[("out_trade_no", no)])
        .await;
    assert_eq!(field(&q, "trade_state"), "REFUND");
    assert_eq!(field(&q, "trade_state_desc"), "转入退款");
    // An unknown refund.
    let none = bench
        .call(&m, "/pay/refundquery", &[("out_refund_no", "flow2-none")])
        .await;
    assert_eq!(business_failure(&none).0, "REFUNDNOTEXIST");
}

/// At most 50 refunds per order: the 51st is refused even with money left;
/// refundquery pages 10 refunds per answer.
#[tokio::test]
async fn the_51st_refund_is_refused() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    let key = m.key.clone();
    let (_, openid) = bench.login(APPID, "carol").await;
    let no = "flow2-fifty-01";
    bench.paid_order(&m, no, 1000, &openid).await;
    for i in 1..=50 {
        let r = refund(&bench, &m, no, &format!("flow2-f{i:02}"), "1000", "1").await;
        assert_success(&r);
    }
    let r51 = refund(&bench, &m, no, "flow2-f51", "1000", "1").await;
    assert_eq!(
        business_failure(&r51),
        ("INVALID_REQUEST", "订单已经超过可退款的最大次数50次")
    );
    // Every refund notified once.
    let notifies = bench.receiver.wait_for("/refund", 50).await;
    let mut nos: Vec<String> = notifies
        .iter()
        .map(|r| {
            open_refund_notify(r, &key)
                .out_refund_no
                .unwrap_or_default()
        })
        .collect();
    nos.sort();
    let want: Vec<String> = (1..=50).map(|i| format!("flow2-f{i:02}")).collect();
    assert_eq!(nos, want);

    // refundquery pages: 10 per answer, from offset.
    let page = bench
        .call(&m, "/pay/refundquery", &[("out_trade_no", no)])
        .await;
    assert_success(&page);
    assert_eq!(field(&page, "total_refund_count"), "50");
    assert_eq!(field(&page, "refund_count"), "10");
    assert_eq!(field(&page, "out_refund_no_0"), "flow2-f01");
    let last = bench
        .call(
            &m,
            "/pay/refundquery",
            &[("out_trade_no", no), ("offset", "40")],
        )
        .await;
    assert_success(&last);
    assert_eq!(field(&last, "refund_count"), "10");
    assert_eq!(field(&last, "out_refund_no_0"), "flow2-f41");
    assert_eq!(field(&last, "out_refund_no_9"), "flow2-f50");
}

/// With `refund_delay_seconds`, a refund is PROCESSING on the mock clock,
/// then SUCCESS with its notify exactly when the delay has passed.
#[tokio::test]
async fn a_refund_settles_on_the_mock_clock() {
    let mut config = Config::default();
    config.switches.refund_delay_seconds = 60;
    let bench = Bench::start_with(config).await;
    let m = Merchant::md5();
    let (_, openid) = bench.login(APPID, "dave").await;
    let no = "flow2-delay-01";
    bench.paid_order(&m, no, 300, &openid).await;
    let r = refund(&bench, &m, no, "flow2-d1", "300", "120").await;
    assert_success(&r);
    let status = |p: &wxpay_core::ParamMap| field(p, "refund_status_0").to_owned();
    let rq = bench
        .call(&m, "/pay/refundquery", &[("out_refund_no", "flow2-d1")])
        .await;
    assert_eq!(status(&rq), "PROCESSING");
    bench.advance(59).await;
    let rq = bench
        .call(&m, "/pay/refundquery", &[("out_refund_no", "flow2-d1")])
        .await;
    assert_eq!(status(&rq), "PROCESSING");
    assert!(bench.receiver.received_on("/refund").is_empty());
    bench.advance(1).await;
    let rq = bench
        .call(&m, "/pay/refundquery", &[("out_refund_no", "flow2-d1")])
        .await;
    assert_eq!(status(&rq), "SUCCESS");
    assert!(!field(&rq, "refund_success_time_0").is_empty(), "{rq:#?}");
    let got = bench.receiver.wait_for("/refund", 1).await;
    let info = open_refund_notify(&got[0], &m.key);
    assert_eq!(info.refund_fee, Some(120));
    assert_eq!(info.refund_status.as_deref(), Some("SUCCESS"));
    assert_eq!(
        info.success_time.as_deref(),
        Some(field(&rq, "refund_success_time_0"))
    );
}
