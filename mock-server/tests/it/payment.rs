//! "Pay as the user" and the payment notify: delivery, signing, retries.

use serde_json::{Value, json};
use wxpay_core::{ApiKey, SignType, build_payment_params, xml};
use wxpay_mock::MockServer;

use crate::common::*;

fn pay_object(prepay_id: &str, t: SignType) -> Value {
    let p = build_payment_params(
        APPID,
        prepay_id,
        &key(),
        t,
        "1490840662",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    )
    .unwrap();
    json!({
        "timeStamp": p.time_stamp,
        "nonceStr": p.nonce_str,
        "package": p.package,
        "signType": p.sign_type.as_str(),
        "paySign": p.pay_sign,
        // Extra keys are ignored.
        "appId": APPID,
        "timestamp": p.time_stamp,
    })
}

async fn request_payment(s: &MockServer, body: &Value) -> String {
    let r = post_json(s, "/mock/requestPayment", body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["errMsg"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn request_payment_pays_and_notifies_md5() {
    let s = MockServer::start().await;
    let mut rx = Receiver::start(vec![]).await;
    let o = order(&s, "rp-md5-001", "1", &rx.url, &[("attach", "a&b<c>")]).await;
    let obj = pay_object(&o["prepay_id"], SignType::Md5);
    assert_eq!(request_payment(&s, &obj).await, "requestPayment:ok");
    let body = rx.next().await;
    let n = xml::decode(&body).unwrap().to_param_map();
    assert_eq!(wxpay_core::verify(&n, &key(), None), Ok(SignType::Md5));
    assert!(!n.contains_key("sign_type"));
    for f in [
        "appid",
        "mch_id",
        "nonce_str",
        "result_code",
        "openid",
        "is_subscribe",
        "trade_type",
        "bank_type",
        "total_fee",
        "fee_type",
        "cash_fee",
        "transaction_id",
        "out_trade_no",
        "time_end",
    ] {
        assert!(n.contains_key(f), "{f} missing: {n:?}");
    }
    assert_eq!(n["attach"], "a&b<c>");
    assert_eq!(n["total_fee"], "1");
    assert_eq!(n["out_trade_no"], "rp-md5-001");
    // A second payment of the same order names the problem.
    let again = request_payment(&s, &obj).await;
    assert!(
        again.starts_with("requestPayment:fail") && again.contains("already paid"),
        "{again}"
    );
    let list = wait_notifications(&s, |n| {
        n.first().is_some_and(|x| x["state"] == "acknowledged")
    })
    .await;
    assert_eq!(list[0]["kind"], "payment");
    assert_eq!(list[0]["url"], rx.url.as_str());
    assert_eq!(list[0]["attempts"][0]["accepted"], true);
    assert_eq!(list[0]["attempts"][0]["http_status"], 200);
}

#[tokio::test]
async fn hmac_notify_has_no_sign_type_unless_switched_on() {
    let s = MockServer::start().await;
    let mut rx = Receiver::start(vec![]).await;
    let o = order(
        &s,
        "rp-hmac-01",
        "2",
        &rx.url,
        &[("sign_type", "HMAC-SHA256")],
    )
    .await;
    assert_eq!(
        request_payment(&s, &pay_object(&o["prepay_id"], SignType::HmacSha256)).await,
        "requestPayment:ok"
    );
    let n = xml::decode(&rx.next().await).unwrap().to_param_map();
    assert_eq!(n["sign"].len(), 64);
    assert!(
        !n.contains_key("sign_type"),
        "production omits sign_type: {n:?}"
    );
    assert_eq!(
        wxpay_core::verify(&n, &key(), None),
        Ok(SignType::HmacSha256)
    );

    post_json(&s, "/mock/switches", &json!({"notify_sign_type": true})).await;
    order(
        &s,
        "rp-hmac-02",
        "2",
        &rx.url,
        &[("sign_type", "HMAC-SHA256")],
    )
    .await;
    pay(&s, "rp-hmac-02").await;
    let n = xml::decode(&rx.next().await).unwrap().to_param_map();
    assert_eq!(n["sign_type"], "HMAC-SHA256");
    assert_eq!(
        wxpay_core::verify(&n, &key(), Some(SignType::HmacSha256)),
        Ok(SignType::HmacSha256)
    );
}

#[tokio::test]
async fn request_payment_failures_name_the_problem() {
    let s = MockServer::start().await;
    let o = order(&s, "rp-fail-01", "1", "http://127.0.0.1:1/n", &[]).await;
    let good = pay_object(&o["prepay_id"], SignType::Md5);

    // timeStamp as a Number.
    let mut b = good.clone();
    b["timeStamp"] = json!(1490840662);
    let m = request_payment(&s, &b).await;
    assert_eq!(
        m,
        "requestPayment:fail parameter error: parameter.timeStamp should be String instead of Number;"
    );
    // Missing paySign.
    let mut b = good.clone();
    b.as_object_mut().unwrap().remove("paySign");
    assert!(
        request_payment(&s, &b)
            .await
            .contains("parameter.paySign should be String instead of Undefined")
    );
    // Bad paySign: the doctor's finding (lowercase hex here).
    let mut b = good.clone();
    b["paySign"] = json!(good["paySign"].as_str().unwrap().to_ascii_lowercase());
    let m = request_payment(&s, &b).await;
    assert!(
        m.starts_with("requestPayment:fail 支付验证签名失败") && m.contains("LOWERCASE_HEX"),
        "{m}"
    );
    // Signed with the wrong key.
    let p = build_payment_params(
        APPID,
        &o["prepay_id"],
        &ApiKey::new("qazwsxedcrfvtgbyhnujmikolp111111"),
        SignType::Md5,
        "1490840662",
        "abc",
    )
    .unwrap();
    let mut b = good.clone();
    b["paySign"] = json!(p.pay_sign);
    b["nonceStr"] = json!("abc");
    assert!(request_payment(&s, &b).await.contains("支付验证签名失败"));
    // Unknown prepay_id, bad package.
    let mut b = good.clone();
    b["package"] = json!("prepay_id=wx20170330102422000000000000000000ffff");
    assert!(request_payment(&s, &b).await.contains("unknown"));
    let mut b = good.clone();
    b["package"] = json!(o["prepay_id"]);
    assert!(request_payment(&s, &b).await.contains("prepay_id="));
    // cancel / fail actions leave the order unpaid.
    let mut b = good.clone();
    b["action"] = json!("cancel");
    assert_eq!(request_payment(&s, &b).await, "requestPayment:fail cancel");
    b["action"] = json!("fail");
    assert!(
        request_payment(&s, &b)
            .await
            .starts_with("requestPayment:fail payment failed")
    );
    b["action"] = json!("explode");
    assert_eq!(post_json(&s, "/mock/requestPayment", &b).await.status, 400);
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "rp-fail-01")]).await;
    assert_eq!(q["trade_state"], "NOTPAY");
    let detail = get_json(&s, "/mock/orders/rp-fail-01").await;
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["created", "payment_cancelled", "payment_failed"]);
}

#[tokio::test]
async fn strict_pay_sign_type() {
    let s = MockServer::start().await;
    let o = order(
        &s,
        "rp-type-01",
        "1",
        "http://127.0.0.1:1/n",
        &[("sign_type", "HMAC-SHA256")],
    )
    .await;
    let md5 = pay_object(&o["prepay_id"], SignType::Md5);
    post_json(&s, "/mock/switches", &json!({"strict_pay_sign_type": true})).await;
    let m = request_payment(&s, &md5).await;
    assert!(m.contains("differs from the unifiedorder sign_type"), "{m}");
    post_json(
        &s,
        "/mock/switches",
        &json!({"strict_pay_sign_type": false}),
    )
    .await;
    assert_eq!(request_payment(&s, &md5).await, "requestPayment:ok");
}

#[tokio::test]
async fn retries_follow_the_schedule_with_a_diagnosis_per_attempt() {
    let s = MockServer::start().await;
    let mut rx = Receiver::start(vec![
        Answer::Status(500, "oops"),
        Answer::Html,
        Answer::Empty,
        Answer::Fail("签名失败"),
        Answer::NoReturnCode,
        Answer::Status(201, "<xml><return_code>SUCCESS</return_code></xml>"),
    ])
    .await;
    order(&s, "retry-0001", "1", &rx.url, &[]).await;
    pay(&s, "retry-0001").await;
    rx.next().await;
    let n = wait_notifications(&s, |n| {
        n.first()
            .is_some_and(|x| x["attempts"].as_array().unwrap().len() == 1)
    })
    .await;
    let first_at = n[0]["attempts"][0]["at"].as_i64().unwrap();
    assert_eq!(n[0]["state"], "pending");
    assert_eq!(n[0]["next_attempt_at"].as_i64().unwrap(), first_at + 15);
    // 14 s: nothing due yet.
    advance(&s, 14).await;
    assert_eq!(
        notifications(&s).await[0]["attempts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Walk the schedule: 15, 15, 30, 180, 600, 1200 s.
    for (i, step) in [1, 15, 30, 180, 600, 1200].into_iter().enumerate() {
        advance(&s, step).await;
        let n = notifications(&s).await;
        assert_eq!(
            n[0]["attempts"].as_array().unwrap().len(),
            i + 2,
            "after step {i}: {:#}",
            n[0]
        );
    }
    let n = notifications(&s).await;
    let attempts = n[0]["attempts"].as_array().unwrap();
    let reasons: Vec<&str> = attempts
        .iter()
        .map(|a| a["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("HTTP 500"), "{reasons:?}");
    assert!(reasons[1].contains("HTML"), "{reasons:?}");
    assert!(reasons[2].contains("empty"), "{reasons:?}");
    assert!(
        reasons[3].contains("FAIL") && reasons[3].contains("签名失败"),
        "{reasons:?}"
    );
    assert!(reasons[4].contains("no return_code"), "{reasons:?}");
    assert!(reasons[5].contains("HTTP 201"), "{reasons:?}");
    assert_eq!(attempts[6]["accepted"], true);
    assert_eq!(n[0]["state"], "acknowledged");
    assert_eq!(attempts[0]["http_status"], 500);
    assert_eq!(attempts[0]["response_excerpt"], "oops");
    // Each interval counts from the previous attempt.
    let at: Vec<i64> = attempts.iter().map(|a| a["at"].as_i64().unwrap()).collect();
    let gaps: Vec<i64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, [15, 15, 30, 180, 600, 1200]);
}

#[tokio::test]
async fn unreachable_receiver_is_exhausted_after_the_whole_schedule() {
    let s = MockServer::start().await;
    let (url, _held) = dead_url();
    order(&s, "dead-00001", "1", &url, &[]).await;
    pay(&s, "dead-00001").await;
    wait_notifications(&s, |n| {
        n.first()
            .is_some_and(|x| !x["attempts"].as_array().unwrap().is_empty())
    })
    .await;
    // One long advance replays the whole schedule (24 h 4 min).
    advance(&s, 25 * 3600).await;
    let n = notifications(&s).await;
    let attempts = n[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 16, "1 delivery + 15 retries");
    assert_eq!(n[0]["state"], "exhausted");
    assert!(n[0]["next_attempt_at"].is_null());
    assert!(
        attempts[0]["reason"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{}",
        attempts[0]
    );
    assert!(attempts[0]["http_status"].is_null());
    let total: i64 =
        attempts.last().unwrap()["at"].as_i64().unwrap() - attempts[0]["at"].as_i64().unwrap();
    assert_eq!(total, 24 * 3600 + 4 * 60);
    // Redeliver: one more attempt.
    let id = n[0]["id"].as_u64().unwrap();
    let r = post_json(
        &s,
        &format!("/mock/notifications/{id}/redeliver"),
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["attempts"].as_array().unwrap().len(), 17);
}

#[tokio::test]
async fn timeout_is_a_refusal() {
    let s = MockServer::start().await;
    let mut rx = Receiver::start(vec![Answer::Sleep(6_000)]).await;
    order(&s, "slow-00001", "1", &rx.url, &[]).await;
    pay(&s, "slow-00001").await;
    rx.next().await;
    let n = wait_notifications(&s, |n| {
        n.first()
            .is_some_and(|x| !x["attempts"].as_array().unwrap().is_empty())
    })
    .await;
    let a = &n[0]["attempts"][0];
    assert!(a["reason"].as_str().unwrap().contains("timeout"), "{a}");
    assert_eq!(a["accepted"], false);
}

#[tokio::test]
async fn duplicates_switch_delivers_twice() {
    let s = MockServer::start().await;
    post_json(&s, "/mock/switches", &json!({"notify_duplicates": true})).await;
    let mut rx = Receiver::start(vec![]).await;
    order(&s, "dup-000001", "1", &rx.url, &[]).await;
    pay(&s, "dup-000001").await;
    let a = rx.next().await;
    let b = rx.next().await;
    assert_eq!(a, b, "the same notify, twice");
    let n = wait_notifications(&s, |n| {
        n.first()
            .is_some_and(|x| x["attempts"].as_array().unwrap().len() == 2)
    })
    .await;
    assert_eq!(n[0]["attempts"][1]["duplicate"], true);
    assert_eq!(n[0]["state"], "acknowledged");
}

#[tokio::test]
async fn redeliver_an_acknowledged_notify() {
    let s = MockServer::start().await;
    let mut rx = Receiver::start(vec![]).await;
    order(&s, "redo-00001", "1", &rx.url, &[]).await;
    pay(&s, "redo-00001").await;
    let first = rx.next().await;
    let n = wait_notifications(&s, |n| {
        n.first().is_some_and(|x| x["state"] == "acknowledged")
    })
    .await;
    let id = n[0]["id"].as_u64().unwrap();
    let r = post_json(
        &s,
        &format!("/mock/notifications/{id}/redeliver"),
        &json!({}),
    )
    .await;
    assert_eq!(r.json()["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(rx.next().await, first);
    let r = post_json(&s, "/mock/notifications/999/redeliver", &json!({})).await;
    assert_eq!(r.status, 404);
    let one = get_json(&s, &format!("/mock/notifications/{id}")).await;
    assert_eq!(one["id"], id);
    assert_eq!(one["out_trade_no"], "redo-00001");
    assert_eq!(
        xml::decode(one["body"].as_str().unwrap().as_bytes())
            .unwrap()
            .get("out_trade_no"),
        Some("redo-00001")
    );
    let r = http("GET", &format!("{}/mock/notifications/77", s.uri()), "", "").await;
    assert_eq!(r.status, 404);
    let filtered = get_json(&s, "/mock/notifications?kind=refund").await;
    assert_eq!(filtered, json!([]));
}

/// A burst of notifies to one receiver opens at most 32 connections to it
/// at a time; the rest wait their turn and all arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_notifies_is_spread_over_a_few_connections() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use http_body_util::Full;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let open = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (o, m) = (Arc::clone(&open), Arc::clone(&most));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (o, m) = (Arc::clone(&o), Arc::clone(&m));
            tokio::spawn(async move {
                let svc = service_fn(move |_req| {
                    let (o, m) = (Arc::clone(&o), Arc::clone(&m));
                    async move {
                        // Requests being answered at once; a slow handler,
                        // so the burst has to queue somewhere.
                        let now = o.fetch_add(1, Ordering::SeqCst) + 1;
                        m.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        o.fetch_sub(1, Ordering::SeqCst);
                        Ok::<_, hyper::Error>(hyper::Response::new(Full::new(bytes::Bytes::from(
                            xml::NOTIFY_REPLY_SUCCESS,
                        ))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    let s = MockServer::start().await;
    let n = 100;
    for i in 0..n {
        let no = format!("burst-{i:03}");
        ok(&order(&s, &no, "1", &url, &[]).await);
    }
    let pays: Vec<_> = (0..n)
        .map(|i| {
            let uri = s.uri().to_owned();
            tokio::spawn(async move {
                http(
                    "POST",
                    &format!("{uri}/mock/orders/burst-{i:03}/pay"),
                    "application/json",
                    "{}",
                )
                .await
            })
        })
        .collect();
    for p in pays {
        assert_eq!(p.await.unwrap().status, 200);
    }
    let list = wait_notifications(&s, |l| {
        l.len() == n && l.iter().all(|x| x["state"] == "acknowledged")
    })
    .await;
    assert!(
        list.iter()
            .all(|x| x["attempts"].as_array().unwrap().len() == 1)
    );
    let most = most.load(Ordering::SeqCst);
    assert!(
        most <= 32,
        "{most} notifies were open at the receiver at once"
    );
    assert!(most > 1, "deliveries ran one at a time ({most})");
}
