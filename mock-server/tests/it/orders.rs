//! unifiedorder, re-entry, orderquery, closeorder, time_expire, prepay_id TTL.

use serde_json::json;
use wxpay_core::model::rules;
use wxpay_mock::MockServer;

use crate::common::*;

const URL: &str = "http://127.0.0.1:1/notify";

#[tokio::test]
async fn reentry_same_params_same_prepay_id_changed_params_refused() {
    let s = MockServer::start().await;
    let a = order(&s, "reentry-0001", "100", URL, &[]).await;
    ok(&a);
    // nonce_str, sign_type, spbill_create_ip and time_start do not count.
    let b = order(
        &s,
        "reentry-0001",
        "100",
        URL,
        &[
            ("spbill_create_ip", "10.0.0.1"),
            ("nonce_str", "other"),
            ("time_start", "20250101000000"),
        ],
    )
    .await;
    ok(&b);
    assert_eq!(a["prepay_id"], b["prepay_id"]);
    let c = order(&s, "reentry-0001", "101", URL, &[]).await;
    assert_eq!(err_code(&c), "OUT_TRADE_NO_USED");
    post_json(
        &s,
        "/mock/switches",
        &json!({"reentry_mismatch_invalid_request": true}),
    )
    .await;
    let c = order(
        &s,
        "reentry-0001",
        "100",
        URL,
        &[("trade_type", "NATIVE"), ("product_id", "p1")],
    )
    .await;
    assert_eq!(err_code(&c), "INVALID_REQUEST");
    // Paid → ORDERPAID.
    pay(&s, "reentry-0001").await;
    let d = order(&s, "reentry-0001", "100", URL, &[]).await;
    assert_eq!(err_code(&d), "ORDERPAID");
}

#[tokio::test]
async fn native_and_mweb_answers() {
    let s = MockServer::start().await;
    let p = order(
        &s,
        "native-0001",
        "1",
        URL,
        &[("trade_type", "NATIVE"), ("product_id", "p1")],
    )
    .await;
    ok(&p);
    assert!(p["code_url"].starts_with("weixin://wxpay/bizpayurl"));
    let p = order(&s, "mweb-00001", "1", URL, &[("trade_type", "MWEB")]).await;
    assert!(p["mweb_url"].starts_with("https://"));
}

#[tokio::test]
async fn orderquery_states_and_lookup() {
    let s = MockServer::start().await;
    let p = call(&s, "/pay/orderquery", &[("out_trade_no", "nope-00001")]).await;
    assert_eq!(err_code(&p), "ORDERNOTEXIST");
    let p = call(&s, "/pay/orderquery", &[]).await;
    assert_eq!(err_code(&p), "LACK_PARAMS");

    order(&s, "query-0001", "88", URL, &[("attach", "附加数据")]).await;
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "query-0001")]).await;
    ok(&q);
    assert_eq!(q["trade_state"], "NOTPAY");
    assert_eq!(q["trade_state_desc"], "未支付");
    assert_eq!(q["attach"], "附加数据");
    assert!(!q.contains_key("transaction_id"));

    pay(&s, "query-0001").await;
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "query-0001")]).await;
    assert_eq!(q["trade_state"], "SUCCESS");
    assert_eq!(q["trade_state_desc"], "支付成功");
    assert_eq!(q["total_fee"], "88");
    let tx = q["transaction_id"].clone();
    assert_eq!(tx.len(), 28);
    assert!(tx.starts_with("4200"));
    assert_eq!(q["time_end"].len(), 14);
    assert!(rules::parse_time14(&q["time_end"]).is_some());

    // transaction_id wins over out_trade_no.
    let q = call(
        &s,
        "/pay/orderquery",
        &[("transaction_id", &tx), ("out_trade_no", "something-else")],
    )
    .await;
    assert_eq!(q["out_trade_no"], "query-0001");
    let q = call(
        &s,
        "/pay/orderquery",
        &[
            ("transaction_id", "4200000000000000000000000000"),
            ("out_trade_no", "query-0001"),
        ],
    )
    .await;
    assert_eq!(err_code(&q), "ORDERNOTEXIST");
}

#[tokio::test]
async fn closeorder_rules() {
    let s = MockServer::start().await;
    let p = call(&s, "/pay/closeorder", &[("out_trade_no", "nope-00001")]).await;
    assert_eq!(err_code(&p), "ORDERNOTEXIST");
    order(&s, "close-0001", "1", URL, &[]).await;
    let p = call(&s, "/pay/closeorder", &[("out_trade_no", "close-0001")]).await;
    assert_eq!(
        err_code(&p),
        "TRADE_STATE_ERROR",
        "refused within 5 minutes: {p:?}"
    );
    advance(&s, rules::CLOSE_MIN_AGE_SECS as i64).await;
    let p = call(&s, "/pay/closeorder", &[("out_trade_no", "close-0001")]).await;
    ok(&p);
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "close-0001")]).await;
    assert_eq!(q["trade_state"], "CLOSED");
    let p = call(&s, "/pay/closeorder", &[("out_trade_no", "close-0001")]).await;
    assert_eq!(err_code(&p), "ORDERCLOSED");
    let p = order(&s, "close-0001", "1", URL, &[]).await;
    assert_eq!(err_code(&p), "ORDERCLOSED");
    let r = pay(&s, "close-0001").await;
    assert!(r["errMsg"].as_str().unwrap().contains("closed"));

    // Switch off: close at once. Paid orders: ORDERPAID.
    post_json(&s, "/mock/switches", &json!({"close_min_age": false})).await;
    order(&s, "close-0002", "1", URL, &[]).await;
    ok(&call(&s, "/pay/closeorder", &[("out_trade_no", "close-0002")]).await);
    order(&s, "close-0003", "1", URL, &[]).await;
    pay(&s, "close-0003").await;
    assert_eq!(
        err_code(&call(&s, "/pay/closeorder", &[("out_trade_no", "close-0003")]).await),
        "ORDERPAID"
    );
}

#[tokio::test]
async fn time_expire_enforced_by_default() {
    let s = MockServer::start().await;
    let now = get_json(&s, "/mock/clock").await["now"].as_i64().unwrap();
    let soon = rules::format_time14(now + 10);
    let p = order(&s, "exp-000001", "1", URL, &[("time_expire", &soon)]).await;
    assert_eq!(err_code(&p), "INVALID_REQUEST", "{p:?}");
    let later = rules::format_time14(now + 600);
    ok(&order(&s, "exp-000002", "1", URL, &[("time_expire", &later)]).await);
    advance(&s, 601).await;
    let r = pay(&s, "exp-000002").await;
    assert!(r["errMsg"].as_str().unwrap().contains("time_expire"), "{r}");
    // Switched off: accepted and payable.
    post_json(&s, "/mock/switches", &json!({"enforce_time_expire": false})).await;
    let now = get_json(&s, "/mock/clock").await["now"].as_i64().unwrap();
    let soon = rules::format_time14(now + 10);
    ok(&order(&s, "exp-000003", "1", URL, &[("time_expire", &soon)]).await);
    advance(&s, 60).await;
    assert_eq!(pay(&s, "exp-000003").await["errMsg"], "requestPayment:ok");
}

#[tokio::test]
async fn prepay_id_lives_two_hours() {
    let s = MockServer::start().await;
    let a = order(&s, "ttl-000001", "1", URL, &[]).await;
    advance(&s, rules::PREPAY_ID_TTL_SECS as i64).await;
    let r = pay(&s, "ttl-000001").await;
    assert!(
        r["errMsg"].as_str().unwrap().contains("prepay_id expired"),
        "{r}"
    );
    // Re-entry after 2 hours: a new prepay_id.
    let b = order(&s, "ttl-000001", "1", URL, &[]).await;
    ok(&b);
    assert_ne!(a["prepay_id"], b["prepay_id"]);
    assert_eq!(pay(&s, "ttl-000001").await["errMsg"], "requestPayment:ok");
}

#[tokio::test]
async fn strict_openid() {
    let s = MockServer::start().await;
    post_json(&s, "/mock/switches", &json!({"strict_openid": true})).await;
    let p = order(&s, "openid-001", "1", URL, &[]).await;
    assert_eq!(err_code(&p), "PARAM_ERROR");
    assert_eq!(p["err_code_des"], "appid和openid不匹配");
    let login = post_json(&s, "/mock/login", &json!({"appid": APPID, "user": "alice"}))
        .await
        .json();
    let openid = login["openid"].as_str().unwrap().to_owned();
    ok(&order(&s, "openid-002", "1", URL, &[("openid", &openid)]).await);
}

#[tokio::test]
async fn retention_cap_drops_the_oldest() {
    let cfg = wxpay_mock::Config {
        max_orders: 3,
        ..wxpay_mock::Config::default()
    };
    let s = MockServer::start_with(cfg).await;
    for i in 0..4 {
        ok(&order(&s, &format!("keep-00000{i}"), "1", URL, &[]).await);
    }
    let list = get_json(&s, "/mock/orders").await;
    let nos: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["out_trade_no"].as_str().unwrap())
        .collect();
    assert_eq!(nos, ["keep-000001", "keep-000002", "keep-000003"]);
    let p = call(&s, "/pay/orderquery", &[("out_trade_no", "keep-000000")]).await;
    assert_eq!(err_code(&p), "ORDERNOTEXIST");
}

#[tokio::test]
async fn concurrent_payments_pay_once() {
    let s = MockServer::start().await;
    let mut rx = Receiver::start(vec![]).await;
    order(&s, "race-00001", "5", &rx.url, &[]).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let url = format!("{}/mock/orders/race-00001/pay", s.uri());
        tasks.push(tokio::spawn(async move {
            http("POST", &url, "application/json", "{}").await.json()
        }));
    }
    let mut oks = 0;
    for t in tasks {
        if t.await.unwrap()["errMsg"] == "requestPayment:ok" {
            oks += 1;
        }
    }
    assert_eq!(oks, 1, "exactly one payment succeeds");
    rx.next().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(rx.rx.try_recv().is_err(), "exactly one notify");
}

#[tokio::test]
async fn time_expire_min_seconds_switch() {
    let s = MockServer::start().await;
    post_json(
        &s,
        "/mock/switches",
        &json!({"time_expire_min_seconds": 600}),
    )
    .await;
    let now = get_json(&s, "/mock/clock").await["now"].as_i64().unwrap();
    let p = order(
        &s,
        "expmin-001",
        "1",
        URL,
        &[("time_expire", &rules::format_time14(now + 300))],
    )
    .await;
    assert_eq!(err_code(&p), "INVALID_REQUEST");
    ok(&order(
        &s,
        "expmin-002",
        "1",
        URL,
        &[("time_expire", &rules::format_time14(now + 700))],
    )
    .await);
}
