//! Refunds, refundquery, the refund notify, and downloadbill.

use std::io::Read as _;

use serde_json::json;
use wxpay_core::model::{RefundNotify, rules};
use wxpay_core::{ParamMap, xml};
use wxpay_mock::MockServer;

use crate::common::*;

const URL: &str = "http://127.0.0.1:1/notify";

async fn refund(s: &MockServer, params: &[(&str, &str)]) -> ParamMap {
    call(s, "/secapi/pay/refund", params).await
}

async fn paid(s: &MockServer, no: &str, fee: &str) -> String {
    ok(&order(s, no, fee, URL, &[]).await);
    pay(s, no).await;
    let q = call(s, "/pay/orderquery", &[("out_trade_no", no)]).await;
    q["transaction_id"].clone()
}

#[tokio::test]
async fn partial_refunds_idempotence_and_limits() {
    let s = MockServer::start().await;
    let tx = paid(&s, "refund-001", "100").await;
    // Unknown or unpaid orders.
    let p = refund(
        &s,
        &[
            ("out_trade_no", "nope-00001"),
            ("out_refund_no", "r1"),
            ("total_fee", "100"),
            ("refund_fee", "1"),
        ],
    )
    .await;
    assert_eq!(err_code(&p), "ORDERNOTEXIST");
    order(&s, "unpaid-001", "100", URL, &[]).await;
    let p = refund(
        &s,
        &[
            ("out_trade_no", "unpaid-001"),
            ("out_refund_no", "r1"),
            ("total_fee", "100"),
            ("refund_fee", "1"),
        ],
    )
    .await;
    assert_eq!(err_code(&p), "ORDERNOTEXIST");
    // Validation from core.
    let p = refund(
        &s,
        &[
            ("out_trade_no", "refund-001"),
            ("total_fee", "100"),
            ("refund_fee", "1"),
        ],
    )
    .await;
    assert_eq!(err_code(&p), "PARAM_ERROR");

    let p = refund(
        &s,
        &[
            ("out_trade_no", "refund-001"),
            ("out_refund_no", "r1"),
            ("total_fee", "100"),
            ("refund_fee", "30"),
        ],
    )
    .await;
    ok(&p);
    assert_eq!(p["refund_fee"], "30");
    assert_eq!(p["transaction_id"], tx);
    assert_eq!(p["refund_id"].len(), 29);
    // Same out_refund_no: the same refund, not a second one.
    let again = refund(
        &s,
        &[
            ("out_trade_no", "refund-001"),
            ("out_refund_no", "r1"),
            ("total_fee", "100"),
            ("refund_fee", "30"),
        ],
    )
    .await;
    ok(&again);
    assert_eq!(again["refund_id"], p["refund_id"]);
    // Same out_refund_no, other amount.
    let p2 = refund(
        &s,
        &[
            ("out_trade_no", "refund-001"),
            ("out_refund_no", "r1"),
            ("total_fee", "100"),
            ("refund_fee", "31"),
        ],
    )
    .await;
    assert_eq!(err_code(&p2), "INVALID_REQUEST");
    // transaction_id wins over out_trade_no.
    let p3 = refund(
        &s,
        &[
            ("transaction_id", &tx),
            ("out_trade_no", "unpaid-001"),
            ("out_refund_no", "r2"),
            ("total_fee", "100"),
            ("refund_fee", "70"),
        ],
    )
    .await;
    ok(&p3);
    assert_eq!(p3["out_trade_no"], "refund-001");
    // Nothing left.
    let p4 = refund(
        &s,
        &[
            ("out_trade_no", "refund-001"),
            ("out_refund_no", "r3"),
            ("total_fee", "100"),
            ("refund_fee", "1"),
        ],
    )
    .await;
    assert_eq!(err_code(&p4), "NOTENOUGH");
    // Wrong order total.
    let p5 = refund(
        &s,
        &[
            ("out_trade_no", "refund-001"),
            ("out_refund_no", "r4"),
            ("total_fee", "99"),
            ("refund_fee", "1"),
        ],
    )
    .await;
    assert_eq!(err_code(&p5), "INVALID_REQUEST");
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "refund-001")]).await;
    assert_eq!(q["trade_state"], "REFUND");

    // refundquery: by order (all), by out_refund_no, by refund_id.
    let q = call(&s, "/pay/refundquery", &[("out_trade_no", "refund-001")]).await;
    ok(&q);
    assert_eq!(q["refund_count"], "2");
    assert_eq!(q["total_refund_count"], "2");
    assert_eq!(q["out_refund_no_0"], "r1");
    assert_eq!(q["refund_status_0"], "SUCCESS");
    assert_eq!(q["refund_fee_1"], "70");
    assert_eq!(q["refund_success_time_0"].len(), 19);
    let q = call(&s, "/pay/refundquery", &[("out_refund_no", "r2")]).await;
    assert_eq!(q["refund_count"], "1");
    assert_eq!(q["refund_fee_0"], "70");
    let q = call(&s, "/pay/refundquery", &[("refund_id", &p["refund_id"])]).await;
    assert_eq!(q["out_refund_no_0"], "r1");
    let q = call(&s, "/pay/refundquery", &[("transaction_id", &tx)]).await;
    assert_eq!(q["refund_count"], "2");
    for bad in [
        ("out_refund_no", "nope"),
        ("refund_id", "50300000000000000000000000000"),
        ("out_trade_no", "unpaid-001"),
    ] {
        assert_eq!(
            err_code(&call(&s, "/pay/refundquery", &[bad]).await),
            "REFUNDNOTEXIST",
            "{bad:?}"
        );
    }
    assert_eq!(
        err_code(&call(&s, "/pay/refundquery", &[]).await),
        "PARAM_ERROR"
    );
    // An out_refund_no used on another order.
    paid(&s, "refund-002", "10").await;
    let p = refund(
        &s,
        &[
            ("out_trade_no", "refund-002"),
            ("out_refund_no", "r1"),
            ("total_fee", "10"),
            ("refund_fee", "1"),
        ],
    )
    .await;
    assert_eq!(err_code(&p), "INVALID_REQUEST");
}

#[tokio::test]
async fn at_most_fifty_refunds() {
    let s = MockServer::start().await;
    paid(&s, "refund-050", "1000").await;
    for i in 0..rules::MAX_REFUNDS_PER_ORDER {
        let no = format!("r{i}");
        ok(&refund(
            &s,
            &[
                ("out_trade_no", "refund-050"),
                ("out_refund_no", &no),
                ("total_fee", "1000"),
                ("refund_fee", "1"),
            ],
        )
        .await);
    }
    let p = refund(
        &s,
        &[
            ("out_trade_no", "refund-050"),
            ("out_refund_no", "r50"),
            ("total_fee", "1000"),
            ("refund_fee", "1"),
        ],
    )
    .await;
    assert_eq!(err_code(&p), "INVALID_REQUEST");
    // refundquery pages by 10 with offset.
    let q = call(
        &s,
        "/pay/refundquery",
        &[("out_trade_no", "refund-050"), ("offset", "40")],
    )
    .await;
    assert_eq!(q["refund_count"], "10");
    assert_eq!(q["total_refund_count"], "50");
    assert_eq!(q["out_refund_no_0"], "r40");
}

#[tokio::test]
async fn concurrent_refunds_lose_nothing_and_never_overdraw() {
    let s = MockServer::start().await;
    paid(&s, "refund-race", "10").await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let uri = s.uri().to_owned();
        tasks.push(tokio::spawn(async move {
            let no = format!("race{i}");
            let body = signed(
                &[
                    ("appid", APPID),
                    ("mch_id", MCH_ID),
                    ("out_trade_no", "refund-race"),
                    ("out_refund_no", &no),
                    ("total_fee", "10"),
                    ("refund_fee", "1"),
                ],
                &key(),
                wxpay_core::SignType::Md5,
            );
            http(
                "POST",
                &format!("{uri}/secapi/pay/refund"),
                "text/xml",
                body,
            )
            .await
            .xml()
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let p = t.await.unwrap();
        if p.get("result_code").map(String::as_str) == Some("SUCCESS") {
            accepted += 1;
        } else {
            assert_eq!(p["err_code"], "NOTENOUGH");
        }
    }
    assert_eq!(accepted, 10);
    let q = call(&s, "/pay/refundquery", &[("out_trade_no", "refund-race")]).await;
    assert_eq!(q["total_refund_count"], "10");
}

#[tokio::test]
async fn delayed_refund_and_its_encrypted_notify() {
    let s = MockServer::start().await;
    post_json(&s, "/mock/switches", &json!({"refund_delay_seconds": 60})).await;
    let mut rx = Receiver::start(vec![]).await;
    let tx = paid(&s, "refund-ntf1", "50").await;
    let p = refund(
        &s,
        &[
            ("out_trade_no", "refund-ntf1"),
            ("out_refund_no", "rn1"),
            ("total_fee", "50"),
            ("refund_fee", "20"),
            ("notify_url", &rx.url),
        ],
    )
    .await;
    ok(&p);
    let q = call(&s, "/pay/refundquery", &[("out_refund_no", "rn1")]).await;
    assert_eq!(q["refund_status_0"], "PROCESSING");
    assert!(!q.contains_key("refund_success_time_0"));
    advance(&s, 60).await;
    let body = rx.next().await;
    let q = call(&s, "/pay/refundquery", &[("out_refund_no", "rn1")]).await;
    assert_eq!(q["refund_status_0"], "SUCCESS");

    let outer = xml::decode(&body).unwrap().to_param_map();
    assert!(!outer.contains_key("sign"), "refund notifies carry no sign");
    assert_eq!(outer["return_code"], "SUCCESS");
    assert_eq!(outer["appid"], APPID);
    assert_eq!(outer["mch_id"], MCH_ID);
    let n = RefundNotify::from_params(&outer).unwrap();
    let info = n.decrypt(&key()).unwrap();
    assert_eq!(info.out_refund_no.as_deref(), Some("rn1"));
    assert_eq!(info.transaction_id.as_deref(), Some(tx.as_str()));
    assert_eq!(info.refund_fee, Some(20));
    assert_eq!(info.total_fee, Some(50));
    assert_eq!(info.refund_status.as_deref(), Some("SUCCESS"));
    assert_eq!(info.success_time.as_deref().map(str::len), Some(19));
    // The plaintext root is <root>.
    let plain = wxpay_core::req_info::decrypt(outer["req_info"].as_str(), &key()).unwrap();
    assert!(plain.starts_with("<root>"), "{plain}");
    let list = wait_notifications(&s, |n| {
        n.iter()
            .any(|x| x["kind"] == "refund" && x["state"] == "acknowledged")
    })
    .await;
    let r = list.iter().find(|x| x["kind"] == "refund").unwrap();
    assert_eq!(r["out_refund_no"], "rn1");
    // The order's event log.
    let detail = get_json(&s, "/mock/orders/refund-ntf1").await;
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "paid",
            "notify_queued",
            "refund_accepted",
            "refund_succeeded",
            "notify_queued"
        ]
    );
    assert_eq!(detail["refunds"][0]["refund_status"], "SUCCESS");
}

#[tokio::test]
async fn downloadbill_from_the_mocks_own_orders() {
    let s = MockServer::start().await;
    paid(&s, "bill-00001", "123").await;
    ok(&refund(
        &s,
        &[
            ("out_trade_no", "bill-00001"),
            ("out_refund_no", "b1"),
            ("total_fee", "123"),
            ("refund_fee", "23"),
        ],
    )
    .await);
    let now = get_json(&s, "/mock/clock").await["now"].as_i64().unwrap();
    let today = rules::format_date8(now);
    let body = signed(
        &[
            ("appid", APPID),
            ("mch_id", MCH_ID),
            ("bill_date", &today),
            ("bill_type", "ALL"),
        ],
        &key(),
        wxpay_core::SignType::Md5,
    );
    let r = post_xml(&s, "/pay/downloadbill", body).await;
    assert_eq!(r.status, 200);
    let text = r.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("交易时间,公众账号ID"), "{text}");
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[1].starts_with('`') && lines[1].contains("`bill-00001") && lines[1].contains("`1.23"),
        "{text}"
    );
    assert!(
        lines[2].contains("`REFUND") && lines[2].contains("`0.23"),
        "{text}"
    );
    assert!(lines[3].starts_with("总交易单数"));
    assert!(lines[4].starts_with("`2,`1.23,`0.23"), "{text}");
    // SUCCESS / REFUND bill types.
    for (t, rows) in [("SUCCESS", 1), ("REFUND", 1)] {
        let body = signed(
            &[
                ("appid", APPID),
                ("mch_id", MCH_ID),
                ("bill_date", &today),
                ("bill_type", t),
            ],
            &key(),
            wxpay_core::SignType::Md5,
        );
        let text = post_xml(&s, "/pay/downloadbill", body).await.text();
        assert_eq!(text.lines().count(), 3 + rows, "{t}: {text}");
    }
    // GZIP.
    let body = signed(
        &[
            ("appid", APPID),
            ("mch_id", MCH_ID),
            ("bill_date", &today),
            ("tar_type", "GZIP"),
        ],
        &key(),
        wxpay_core::SignType::Md5,
    );
    let r = post_xml(&s, "/pay/downloadbill", body).await;
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, text);
    // Errors: another day, bad type, bad date, missing date.
    for (params, want) in [
        (vec![("bill_date", "20200101")], "No Bill Exist"),
        (
            vec![("bill_date", today.as_str()), ("bill_type", "NOPE")],
            "invalid bill_type",
        ),
        (vec![("bill_date", "2020-01-01")], "data format error"),
        (vec![], "missing parameter"),
    ] {
        let mut all = vec![("appid", APPID), ("mch_id", MCH_ID)];
        all.extend(params);
        let r = post_xml(
            &s,
            "/pay/downloadbill",
            signed(&all, &key(), wxpay_core::SignType::Md5),
        )
        .await;
        assert_eq!(return_msg(&r.xml()), want);
    }
}
