//! The control API: faults, switches, clock, orders, reset, errors.

use serde_json::json;
use wxpay_mock::MockServer;

use crate::common::*;

const URL: &str = "http://127.0.0.1:1/notify";

#[tokio::test]
async fn faults_err_codes_then_normal() {
    let s = MockServer::start().await;
    let r = post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "unifiedorder", "kind": "SYSTEMERROR", "count": 2}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    for _ in 0..2 {
        let p = order(&s, "fault-0001", "1", URL, &[]).await;
        assert_eq!(err_code(&p), "SYSTEMERROR");
        assert_eq!(p["err_code_des"], "系统错误");
    }
    ok(&order(&s, "fault-0001", "1", URL, &[]).await);
    pay(&s, "fault-0001").await;
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "refund", "kind": "BIZERR_NEED_RETRY"}),
    )
    .await;
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "refund", "kind": "err_code", "err_code": "NOTENOUGH"}),
    )
    .await;
    let params = [
        ("out_trade_no", "fault-0001"),
        ("out_refund_no", "f1"),
        ("total_fee", "1"),
        ("refund_fee", "1"),
    ];
    assert_eq!(
        err_code(&call(&s, "/secapi/pay/refund", &params).await),
        "BIZERR_NEED_RETRY"
    );
    assert_eq!(
        err_code(&call(&s, "/secapi/pay/refund", &params).await),
        "NOTENOUGH"
    );
    ok(&call(&s, "/secapi/pay/refund", &params).await);
    assert_eq!(get_json(&s, "/mock/faults").await, json!([]));
}

#[tokio::test]
async fn faults_transport() {
    let s = MockServer::start().await;
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "orderquery", "kind": "html502"}),
    )
    .await;
    let r = post_xml(&s, "/pay/orderquery", "<xml/>").await;
    assert_eq!(r.status, 502);
    assert!(r.text().contains("<html>"));
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "orderquery", "kind": "drop"}),
    )
    .await;
    let url = format!("{}/pay/orderquery", s.uri());
    assert!(
        try_http("POST", &url, "text/xml", "<xml/>").await.is_err(),
        "the connection is dropped"
    );
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "*", "kind": "delay", "delay_ms": 300}),
    )
    .await;
    let t = std::time::Instant::now();
    let r = post_xml(&s, "/pay/orderquery", "").await;
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(r.status, 200);
    // jscode2session faults.
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "jscode2session", "kind": "errcode", "errcode": 45011}),
    )
    .await;
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "jscode2session", "kind": "SYSTEMERROR"}),
    )
    .await;
    let url = format!(
        "{}/sns/jscode2session?appid={APPID}&secret={SECRET}&js_code=x&grant_type=authorization_code",
        s.uri()
    );
    assert_eq!(http("GET", &url, "", "").await.json()["errcode"], 45011);
    assert_eq!(http("GET", &url, "", "").await.json()["errcode"], -1);
    assert_eq!(http("GET", &url, "", "").await.json()["errcode"], 40029);
    // Bad fault requests.
    for bad in [
        json!({"endpoint": "nope", "kind": "drop"}),
        json!({"endpoint": "refund"}),
        json!({"endpoint": "refund", "kind": "explode"}),
        json!({"endpoint": "refund", "kind": "delay"}),
        json!({"endpoint": "refund", "kind": "drop", "count": 0}),
        json!({"endpoint": "jscode2session", "kind": "NOTENOUGH"}),
        json!({"endpoint": "jscode2session", "kind": "errcode", "errcode": 40001}),
    ] {
        let r = post_json(&s, "/mock/faults", &bad).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.json()["error"].as_str().unwrap().len() > 10);
    }
    post_json(
        &s,
        "/mock/faults",
        &json!({"endpoint": "refund", "kind": "drop", "count": 5}),
    )
    .await;
    let r = http("DELETE", &format!("{}/mock/faults", s.uri()), "", "").await;
    assert_eq!(r.json(), json!([]));
}

#[tokio::test]
async fn switches_clock_reset_and_errors() {
    let s = MockServer::start().await;
    let sw = get_json(&s, "/mock/switches").await;
    assert_eq!(sw["explain"], false);
    assert_eq!(sw["refund_delay_seconds"], 0);
    let r = post_json(
        &s,
        "/mock/switches",
        &json!({"refund_delay_seconds": 5, "explain": true}),
    )
    .await;
    assert_eq!(r.json()["refund_delay_seconds"], 5);
    let r = post_json(&s, "/mock/switches", &json!({"explain": "yes"})).await;
    assert_eq!(r.status, 400);
    let r = post_json(
        &s,
        "/mock/switches",
        &json!({"no_such": true, "explain": false}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("strict_openid")
    );
    assert_eq!(
        get_json(&s, "/mock/switches").await["explain"],
        true,
        "a refused update changes nothing"
    );

    let c0 = get_json(&s, "/mock/clock").await;
    advance(&s, 3600).await;
    let c1 = get_json(&s, "/mock/clock").await;
    assert!(c1["now"].as_i64().unwrap() - c0["now"].as_i64().unwrap() >= 3600);
    assert_eq!(c1["offset_seconds"], 3600);
    assert_eq!(c1["now_beijing"].as_str().unwrap().len(), 19);
    for bad in [json!({"seconds": -1}), json!({"seconds": "60"}), json!({})] {
        assert_eq!(post_json(&s, "/mock/clock/advance", &bad).await.status, 400);
    }
    let r = http(
        "POST",
        &format!("{}/mock/clock/advance", s.uri()),
        "application/json",
        "{not json",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("JSON"));

    order(&s, "reset-0001", "1", URL, &[]).await;
    assert_eq!(
        get_json(&s, "/mock/orders").await.as_array().unwrap().len(),
        1
    );
    let r = post_json(&s, "/mock/reset", &json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(get_json(&s, "/mock/orders").await, json!([]));
    assert_eq!(get_json(&s, "/mock/clock").await["offset_seconds"], 0);
    assert_eq!(get_json(&s, "/mock/switches").await["explain"], false);

    // Unknown control paths and methods.
    let r = http("GET", &format!("{}/mock/nothing", s.uri()), "", "").await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("GET /mock/"));
    let r = http("GET", &format!("{}/mock/reset", s.uri()), "", "").await;
    assert_eq!(r.status, 405);
    let idx = get_json(&s, "/mock/").await;
    assert_eq!(idx["merchants"][0]["mch_id"], MCH_ID);
    assert!(!idx.to_string().contains(KEY), "the key is never shown");
    assert!(idx["data_dir"].is_null(), "in memory by default: {idx}");
}

#[tokio::test]
async fn orders_listing_and_detail() {
    let s = MockServer::start().await;
    order(&s, "list-00001", "1", URL, &[("attach", "x")]).await;
    order(&s, "list-00002", "2", URL, &[]).await;
    pay(&s, "list-00002").await;
    let all = get_json(&s, "/mock/orders").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let paid = get_json(&s, "/mock/orders?trade_state=SUCCESS").await;
    assert_eq!(paid.as_array().unwrap().len(), 1);
    let d = get_json(&s, "/mock/orders/list-00001").await;
    assert_eq!(d["trade_state"], "NOTPAY");
    assert_eq!(d["fields"]["attach"], "x");
    assert!(d["fields"].get("sign").is_none());
    assert!(d["approx_bytes"].as_u64().unwrap() < 1024);
    let r = http(
        "GET",
        &format!("{}/mock/orders/none-00001", s.uri()),
        "",
        "",
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("unifiedorder"));
    let r = post_json(&s, "/mock/orders/none-00001/pay", &json!({})).await;
    assert_eq!(r.status, 404);
}
