//! Flow 5 — errors, each answered as the mock README's table says.
//!
//! A merchant's backend makes the mistakes integrators make: a bad
//! signature, missing envelope and business parameters, a non-integer
//! amount, an unsupported sign type, an appid the merchant does not own or
//! nobody knows, an unknown mch_id, re-entering an order with changed
//! parameters, ordering or closing an order that is paid or closed, closing
//! too early, and paying with a prepay_id past its 2 hours. Each answer has
//! the documented shape: protocol failures are `return_code=FAIL` unsigned,
//! business failures `result_code=FAIL` with `err_code`, signed.

use pretty_assertions::assert_eq;
use serde_json::json;
use wxpay_core::SignType;
use wxpay_tests::{
    APPID, Bench, Config, MCH_ID, Merchant, assert_success, business_failure, field,
    protocol_failure, request_payment_object,
};

const OTHER_APPID: &str = "wx1111111111111111";

fn config_with_second_merchant() -> Config {
    Config::from_toml(
        r#"
[[apps]]
appid = "wx1111111111111111"
secret = "0123456789abcdef0123456789abcdef"

[[merchants]]
mch_id = "1900000109"
key = "0123456789abcdef0123456789abcdef"
appids = ["wx1111111111111111"]
"#,
    )
    .unwrap()
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Protocol-level refusals: `return_code=FAIL`, unsigned.
#[tokio::test]
async fn protocol_failures() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    let (_, openid) = bench.login(APPID, "frank").await;
    let base = |no: &str| -> Vec<(String, String)> {
        [
            ("body", "test"),
            ("out_trade_no", no),
            ("total_fee", "1"),
            ("spbill_create_ip", "127.0.0.1"),
            ("notify_url", "http://127.0.0.1:9/pay"),
            ("trade_type", "JSAPI"),
            ("openid", openid.as_str()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let send = async |p: &wxpay_core::ParamMap| {
        bench
            .client
            .post_xml("/pay/unifiedorder", Merchant::encode(p))
            .await
            .xml()
    };

    // A bad signature: one business field changed after signing.
    let b = base("flow5-sign-01");
    let mut p = m.params(&pairs(&b));
    m.sign_into(&mut p);
    p.insert("total_fee".into(), "2".into());
    assert_eq!(protocol_failure(&send(&p).await), "签名错误");
    // A lowercase hex sign.
    let mut p = m.params(&pairs(&b));
    m.sign_into(&mut p);
    let lower = p["sign"].to_ascii_lowercase();
    p.insert("sign".into(), lower);
    assert_eq!(protocol_failure(&send(&p).await), "签名错误");
    // The AppSecret used as the key.
    let secret_signer = Merchant {
        key: wxpay_core::ApiKey::new(wxpay_tests::SECRET),
        ..m.clone()
    };
    let o = bench
        .call(&secret_signer, "/pay/unifiedorder", &pairs(&b))
        .await;
    assert_eq!(protocol_failure(&o), "签名错误");

    // Missing envelope fields.
    for missing in ["appid", "mch_id", "nonce_str", "sign"] {
        let mut p = m.params(&pairs(&b));
        m.sign_into(&mut p);
        p.remove(missing);
        if missing != "sign" {
            m.sign_into(&mut p);
        }
        assert_eq!(
            protocol_failure(&send(&p).await),
            format!("缺少参数：{missing}"),
            "without {missing}"
        );
    }
    // Lowercase md5 as the sign type.
    let o = bench
        .call(
            &m,
            "/pay/unifiedorder",
            &[&pairs(&b)[..], &[("sign_type", "md5")]].concat(),
        )
        .await;
    assert_eq!(protocol_failure(&o), "签名类型不支持");
    // A total_fee in yuan.
    let o = bench
        .call(
            &m,
            "/pay/unifiedorder",
            &[&pairs(&b)[..], &[("total_fee", "0.01")]].concat(),
        )
        .await;
    assert_eq!(
        protocol_failure(&o),
        "无法将输入源“/body/xml/total_fee”映射到目标字段“标价金额”中，此字段需要一个合法的 64 位有符号整数"
    );
    // An unknown mch_id.
    let o = bench
        .call(
            &m,
            "/pay/unifiedorder",
            &[&pairs(&b)[..], &[("mch_id", "1234567890")]].concat(),
        )
        .await;
    assert!(protocol_failure(&o).starts_with("MCHID不存在"), "{o:#?}");
    // Not POST; empty; DOCTYPE (XXE).
    let r = bench
        .client
        .request("GET", "/pay/unifiedorder", "text/xml", "")
        .await;
    assert_eq!(r.status, 200);
    assert!(
        protocol_failure(&r.xml()).starts_with("请使用post方法"),
        "{}",
        r.text()
    );
    let r = bench.client.post_xml("/pay/orderquery", "  ").await;
    assert!(
        protocol_failure(&r.xml()).starts_with("post数据为空"),
        "{}",
        r.text()
    );
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><appid>&x;</appid></xml>";
    let r = bench.client.post_xml("/pay/unifiedorder", xxe).await;
    let msg = protocol_failure(&r.xml()).to_owned();
    assert!(msg.starts_with("XML格式错误"), "{msg}");
    assert!(!msg.contains("root:"), "no file content leaks: {msg}");
}

/// Business refusals: signed, `result_code=FAIL`, `err_code`.
#[tokio::test]
async fn business_failures_and_appids() {
    let bench = Bench::start_with(config_with_second_merchant()).await;
    let m = Merchant::with(SignType::HmacSha256);
    let (_, openid) = bench.login(APPID, "grace").await;

    // Missing business parameters.
    for missing in [
        "body",
        "out_trade_no",
        "total_fee",
        "spbill_create_ip",
        "notify_url",
        "trade_type",
    ] {
        let o = bench
            .unifiedorder(&m, "flow5-lack-01", 1, &openid, &[(missing, "")])
            .await;
        assert_eq!(
            business_failure(&o),
            ("LACK_PARAMS", format!("缺少参数：{missing}").as_str()),
            "without {missing}"
        );
    }
    let o = bench
        .unifiedorder(&m, "flow5-lack-02", 1, &openid, &[("openid", "")])
        .await;
    assert_eq!(
        business_failure(&o),
        ("LACK_PARAMS", "JSAPI支付必须传openid")
    );

    // An appid nobody knows, and one that belongs to another merchant.
    let o = bench
        .unifiedorder(
            &m,
            "flow5-appid-01",
            1,
            &openid,
            &[("appid", "wx0000000000000000")],
        )
        .await;
    assert_eq!(business_failure(&o).0, "APPID_NOT_EXIST");
    let o = bench
        .unifiedorder(&m, "flow5-appid-02", 1, &openid, &[("appid", OTHER_APPID)])
        .await;
    assert_eq!(business_failure(&o).0, "APPID_MCHID_NOT_MATCH");
    // ... which its own merchant may use.
    let other = Merchant {
        appid: OTHER_APPID.into(),
        mch_id: "1900000109".into(),
        key: wxpay_core::ApiKey::new("0123456789abcdef0123456789abcdef"),
        sign_type: SignType::Md5,
        prefix: String::new(),
    };
    let (_, other_openid) = bench.login(OTHER_APPID, "grace").await;
    assert_ne!(other_openid, openid, "an openid is per appid");
    let o = bench
        .unifiedorder(&other, "flow5-appid-03", 1, &other_openid, &[])
        .await;
    assert_success(&o);
    assert_eq!(field(&o, "mch_id"), "1900000109");

    // Queries of things that do not exist.
    let q = bench
        .call(&m, "/pay/orderquery", &[("out_trade_no", "flow5-none-01")])
        .await;
    assert_eq!(
        business_failure(&q),
        ("ORDERNOTEXIST", "此交易订单号不存在")
    );
    let q = bench
        .call(&m, "/pay/closeorder", &[("out_trade_no", "flow5-none-01")])
        .await;
    assert_eq!(business_failure(&q).0, "ORDERNOTEXIST");
    // A refund of an unpaid order.
    let o = bench
        .unifiedorder(&m, "flow5-unpaid-01", 5, &openid, &[])
        .await;
    assert_success(&o);
    let r = bench
        .call(
            &m,
            "/secapi/pay/refund",
            &[
                ("out_trade_no", "flow5-unpaid-01"),
                ("out_refund_no", "flow5-r1"),
                ("total_fee", "5"),
                ("refund_fee", "5"),
            ],
        )
        .await;
    assert_eq!(business_failure(&r).0, "ORDERNOTEXIST");
    let q = bench
        .call(
            &m,
            "/pay/refundquery",
            &[("out_trade_no", "flow5-unpaid-01")],
        )
        .await;
    assert_eq!(business_failure(&q).0, "REFUNDNOTEXIST");
    assert_eq!(field(&q, "mch_id"), MCH_ID);
}

/// Re-entry: the same parameters give the same prepay_id; changed ones are
/// refused (`OUT_TRADE_NO_USED`, or `INVALID_REQUEST` with the switch).
#[tokio::test]
async fn reentry_with_changed_parameters() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    let (_, openid) = bench.login(APPID, "heidi").await;
    let no = "flow5-reentry-01";
    let first = bench.unifiedorder(&m, no, 100, &openid, &[]).await;
    assert_success(&first);
    // Same business parameters (a new nonce, another client IP, HMAC now).
    let hmac = Merchant::hmac();
    let same = bench
        .unifiedorder(&hmac, no, 100, &openid, &[("spbill_create_ip", "10.0.0.7")])
        .await;
    assert_success(&same);
    assert_eq!(field(&same, "prepay_id"), field(&first, "prepay_id"));
    // A changed amount; a changed body.
    let changed = bench.unifiedorder(&m, no, 101, &openid, &[]).await;
    assert_eq!(
        business_failure(&changed),
        ("OUT_TRADE_NO_USED", "商户订单号重复")
    );
    let changed = bench
        .unifiedorder(&m, no, 100, &openid, &[("body", "another body")])
        .await;
    assert_eq!(business_failure(&changed).0, "OUT_TRADE_NO_USED");
    bench
        .switches(&json!({"reentry_mismatch_invalid_request": true}))
        .await;
    let changed = bench.unifiedorder(&m, no, 101, &openid, &[]).await;
    assert_eq!(business_failure(&changed).0, "INVALID_REQUEST");
    // The original order is untouched and still payable.
    let p = m.payment_params(field(&first, "prepay_id"));
    assert_eq!(
        bench.request_payment(&request_payment_object(&p)).await,
        "requestPayment:ok"
    );
}

/// Paid and closed orders; closing within 5 minutes of creation.
#[tokio::test]
async fn paid_and_closed_orders() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    let (_, openid) = bench.login(APPID, "ivan").await;

    // Paid.
    let paid = bench.paid_order(&m, "flow5-paid-01", 10, &openid).await;
    let o = bench
        .unifiedorder(&m, "flow5-paid-01", 10, &openid, &[])
        .await;
    assert_eq!(business_failure(&o).0, "ORDERPAID");
    let c = bench
        .call(&m, "/pay/closeorder", &[("out_trade_no", "flow5-paid-01")])
        .await;
    assert_eq!(business_failure(&c).0, "ORDERPAID");
    let p = m.payment_params(field(&paid, "prepay_id"));
    let msg = bench.request_payment(&request_payment_object(&p)).await;
    assert!(
        msg.starts_with("requestPayment:fail the order is already paid"),
        "{msg}"
    );

    // Closing: refused within 5 minutes, accepted after.
    let no = "flow5-close-01";
    let o = bench.unifiedorder(&m, no, 10, &openid, &[]).await;
    assert_success(&o);
    let c = bench
        .call(&m, "/pay/closeorder", &[("out_trade_no", no)])
        .await;
    assert_eq!(
        business_failure(&c),
        (
            "TRADE_STATE_ERROR",
            "订单生成后不能马上调用关单接口，最短调用时间间隔为5分钟"
        )
    );
    bench.advance(300).await;
    let c = bench
        .call(&m, "/pay/closeorder", &[("out_trade_no", no)])
        .await;
    assert_success(&c);
    let q = bench
        .call(&m, "/pay/orderquery", &[("out_trade_no", no)])
        .await;
    assert_eq!(field(&q, "trade_state"), "CLOSED");
    assert_eq!(field(&q, "trade_state_desc"), "已关闭");
    // Closed.
    let again = bench.unifiedorder(&m, no, 10, &openid, &[]).await;
    assert_eq!(business_failure(&again).0, "ORDERCLOSED");
    let c = bench
        .call(&m, "/pay/closeorder", &[("out_trade_no", no)])
        .await;
    assert_eq!(business_failure(&c).0, "ORDERCLOSED");
    let p = m.payment_params(field(&o, "prepay_id"));
    let msg = bench.request_payment(&request_payment_object(&p)).await;
    assert!(
        msg.starts_with("requestPayment:fail the order is closed"),
        "{msg}"
    );
    assert!(
        bench.receiver.received_on("/pay").len() == 1,
        "only the paid order notified"
    );
}

/// A prepay_id is valid for 2 hours; a re-entry then issues a new one.
/// A cancelled payment leaves the order unpaid.
#[tokio::test]
async fn expired_prepay_id_and_cancelled_payment() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    let (_, openid) = bench.login(APPID, "judy").await;
    let no = "flow5-expire-01";
    let o = bench.unifiedorder(&m, no, 10, &openid, &[]).await;
    assert_success(&o);
    let old = field(&o, "prepay_id").to_owned();

    // The user cancels.
    let p = m.payment_params(&old);
    let mut cancel = request_payment_object(&p);
    cancel["action"] = "cancel".into();
    assert_eq!(
        bench.request_payment(&cancel).await,
        "requestPayment:fail cancel"
    );
    let q = bench
        .call(&m, "/pay/orderquery", &[("out_trade_no", no)])
        .await;
    assert_eq!(field(&q, "trade_state"), "NOTPAY");

    // Two hours and a second later.
    bench.advance(2 * 3600 + 1).await;
    let msg = bench.request_payment(&request_payment_object(&p)).await;
    assert!(
        msg.starts_with("requestPayment:fail prepay_id expired"),
        "{msg}"
    );
    let again = bench.unifiedorder(&m, no, 10, &openid, &[]).await;
    assert_success(&again);
    let new = field(&again, "prepay_id").to_owned();
    assert_ne!(new, old);
    // The old one is superseded, the new one pays.
    let msg = bench.request_payment(&request_payment_object(&p)).await;
    assert!(msg.starts_with("requestPayment:fail "), "{msg}");
    let p = m.payment_params(&new);
    assert_eq!(
        bench.request_payment(&request_payment_object(&p)).await,
        "requestPayment:ok"
    );
    // wx.requestPayment's own parameter check: timeStamp must be a String.
    let mut numeric = request_payment_object(&p);
    numeric["timeStamp"] = json!(1_490_840_662);
    assert_eq!(
        bench.request_payment(&numeric).await,
        "requestPayment:fail parameter error: parameter.timeStamp should be String instead of Number;"
    );
}
