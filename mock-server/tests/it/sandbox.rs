//! The sandbox: getsignkey, the mirrored paths, and the sandbox key everywhere.

use serde_json::json;
use wxpay_core::{ApiKey, ParamMap, SignType, xml};
use wxpay_mock::MockServer;

use crate::common::*;

async fn signkey(s: &MockServer, path: &str) -> String {
    let body = signed(&[("mch_id", MCH_ID)], &key(), SignType::Md5);
    let r = post_xml(s, path, body).await;
    let p = r.xml();
    assert_eq!(p["return_code"], "SUCCESS", "{p:?}");
    assert_eq!(p["mch_id"], MCH_ID);
    assert_eq!(
        wxpay_core::verify(&p, &key(), Some(SignType::Md5)),
        Ok(SignType::Md5),
        "signed MD5 with the production key"
    );
    let k = p["sandbox_signkey"].clone();
    assert_eq!(k.len(), 32);
    k
}

#[tokio::test]
async fn getsignkey_is_stable_until_rotated() {
    let s = MockServer::start().await;
    let a = signkey(&s, "/sandboxnew/pay/getsignkey").await;
    let b = signkey(&s, "/xdc/apiv2getsignkey/sign/getsignkey").await;
    assert_eq!(a, b);
    assert_ne!(a, KEY);
    let r = post_json(&s, "/mock/sandbox/rotate", &json!({"mch_id": MCH_ID})).await;
    assert_eq!(r.status, 200);
    let c = signkey(&s, "/sandboxnew/pay/getsignkey").await;
    assert_ne!(a, c);
    // Signed with a wrong key → 签名错误.
    let body = signed(
        &[("mch_id", MCH_ID)],
        &ApiKey::new(a.as_str()),
        SignType::Md5,
    );
    let r = post_xml(&s, "/sandboxnew/pay/getsignkey", body).await;
    assert_eq!(return_msg(&r.xml()), "签名错误");
}

#[tokio::test]
async fn sandbox_uses_the_sandbox_key_everywhere() {
    let s = MockServer::start().await;
    let sk = ApiKey::new(signkey(&s, "/sandboxnew/pay/getsignkey").await);
    let mut rx = Receiver::start(vec![]).await;
    let order_params = [
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("body", "sandbox"),
        ("out_trade_no", "sandbox-001"),
        ("total_fee", "101"),
        ("spbill_create_ip", "127.0.0.1"),
        ("notify_url", rx.url.as_str()),
        ("trade_type", "JSAPI"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
    ];
    // The production key is refused in the sandbox.
    let r = post_xml(
        &s,
        "/sandboxnew/pay/unifiedorder",
        signed(&order_params, &key(), SignType::Md5),
    )
    .await;
    assert!(return_msg(&r.xml()).contains("沙箱"), "{}", r.text());
    // HMAC-SHA256 is refused in the sandbox.
    let r = post_xml(
        &s,
        "/sandboxnew/pay/unifiedorder",
        signed(&order_params, &sk, SignType::HmacSha256),
    )
    .await;
    assert!(return_msg(&r.xml()).contains("MD5"), "{}", r.text());
    // The sandbox key works, and the answer is signed with it.
    let r = post_xml(
        &s,
        "/sandboxnew/pay/unifiedorder",
        signed(&order_params, &sk, SignType::Md5),
    )
    .await;
    let p = r.xml();
    ok(&p);
    assert!(wxpay_core::verify(&p, &sk, Some(SignType::Md5)).is_ok());
    // Sandbox orders are apart from production ones.
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "sandbox-001")]).await;
    assert_eq!(err_code(&q), "ORDERNOTEXIST");
    // The xdc mirror sees the same sandbox.
    let r = post_xml(
        &s,
        "/xdc/apiv2sandbox/pay/orderquery",
        signed(
            &[
                ("appid", APPID),
                ("mch_id", MCH_ID),
                ("out_trade_no", "sandbox-001"),
            ],
            &sk,
            SignType::Md5,
        ),
    )
    .await;
    assert_eq!(r.xml()["trade_state"], "NOTPAY");
    // paySign with the sandbox key; the notify is signed with it too.
    let pp = wxpay_core::build_payment_params(
        APPID,
        &p["prepay_id"],
        &sk,
        SignType::Md5,
        "1700000000",
        "n1",
    )
    .unwrap();
    let r = post_json(&s, "/mock/requestPayment", &json!({"timeStamp": pp.time_stamp, "nonceStr": pp.nonce_str, "package": pp.package, "signType": "MD5", "paySign": pp.pay_sign})).await;
    assert_eq!(r.json()["errMsg"], "requestPayment:ok");
    let n: ParamMap = xml::decode(&rx.next().await).unwrap().to_param_map();
    assert!(wxpay_core::verify(&n, &sk, None).is_ok());
    assert!(wxpay_core::verify(&n, &key(), None).is_err());
    // Refund (gopay's /sandboxnew/pay/refund path) and its notify, encrypted with the sandbox key.
    let body = signed(
        &[
            ("appid", APPID),
            ("mch_id", MCH_ID),
            ("out_trade_no", "sandbox-001"),
            ("out_refund_no", "sr1"),
            ("total_fee", "101"),
            ("refund_fee", "101"),
            ("notify_url", rx.url.as_str()),
        ],
        &sk,
        SignType::Md5,
    );
    let r = post_xml(&s, "/sandboxnew/pay/refund", body).await;
    ok(&r.xml());
    let outer = xml::decode(&rx.next().await).unwrap().to_param_map();
    assert!(wxpay_core::req_info::decrypt(&outer["req_info"], &sk).is_ok());
    assert!(wxpay_core::req_info::decrypt(&outer["req_info"], &key()).is_err());
}

#[tokio::test]
async fn strict_sandbox_amounts() {
    let s = MockServer::start().await;
    let sk = ApiKey::new(signkey(&s, "/sandboxnew/pay/getsignkey").await);
    let mk = |fee: &'static str, no: &'static str| {
        signed(
            &[
                ("appid", APPID),
                ("mch_id", MCH_ID),
                ("body", "b"),
                ("out_trade_no", no),
                ("total_fee", fee),
                ("spbill_create_ip", "127.0.0.1"),
                ("notify_url", "http://127.0.0.1:1/n"),
                ("trade_type", "JSAPI"),
                ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
            ],
            &sk,
            SignType::Md5,
        )
    };
    ok(
        &post_xml(&s, "/sandboxnew/pay/unifiedorder", mk("100", "amount-001"))
            .await
            .xml(),
    );
    post_json(
        &s,
        "/mock/switches",
        &json!({"strict_sandbox_amounts": true}),
    )
    .await;
    let r = post_xml(&s, "/sandboxnew/pay/unifiedorder", mk("100", "amount-002")).await;
    assert!(
        return_msg(&r.xml()).contains("沙箱支付金额(100)无效"),
        "{}",
        r.text()
    );
    ok(
        &post_xml(&s, "/sandboxnew/pay/unifiedorder", mk("101", "amount-003"))
            .await
            .xml(),
    );
}
