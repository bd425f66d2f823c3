//! Protocol-level answers shared by every XML endpoint.

use wxpay_core::model::failure::MSG_TOTAL_FEE_NOT_INT;
use wxpay_core::{SignType, xml};
use wxpay_mock::MockServer;

use crate::common::*;

#[tokio::test]
async fn unifiedorder_md5_and_hmac_signed_answers() {
    let s = MockServer::start().await;
    let p = order(&s, "env-md5-0001", "1", "http://127.0.0.1:1/n", &[]).await;
    ok(&p);
    assert_eq!(p["sign"].len(), 32);
    assert_eq!(p["trade_type"], "JSAPI");
    assert!(
        p["prepay_id"].starts_with("wx") && p["prepay_id"].len() == 36,
        "{p:?}"
    );
    let p = order(
        &s,
        "env-hmac-0001",
        "1",
        "http://127.0.0.1:1/n",
        &[("sign_type", "HMAC-SHA256")],
    )
    .await;
    ok(&p);
    assert_eq!(
        p["sign"].len(),
        64,
        "an HMAC-SHA256 request gets an HMAC-SHA256 answer"
    );
}

#[tokio::test]
async fn every_answer_carries_the_version_header() {
    let s = MockServer::start().await;
    let r = post_xml(&s, "/pay/orderquery", "").await;
    assert_eq!(
        r.headers["x-mock-server-version"],
        wxpay_mock::VERSION_HEADER
    );
    let r = http("GET", &format!("{}/mock/clock", s.uri()), "", "").await;
    assert_eq!(
        r.headers["x-mock-server-version"],
        wxpay_mock::VERSION_HEADER
    );
}

#[tokio::test]
async fn malformed_requests_get_fail_in_wechat_shape() {
    let s = MockServer::start().await;
    let base = s.uri().to_owned();
    // Not POST.
    let r = http("GET", &format!("{base}/pay/unifiedorder"), "text/xml", "").await;
    assert_eq!(r.status, 200);
    assert!(return_msg(&r.xml()).contains("post"), "{}", r.text());
    // Empty body.
    let r = post_xml(&s, "/pay/unifiedorder", "  ").await;
    assert!(return_msg(&r.xml()).contains("post数据为空"));
    // Malformed XML, DOCTYPE, not UTF-8.
    for (body, want) in [
        (b"<xml><a>1</b></xml>".to_vec(), "XML格式错误"),
        (
            b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><a>&e;</a></xml>"
                .to_vec(),
            "XML格式错误",
        ),
        (b"<xml><a>\xff\xfe</a></xml>".to_vec(), "编码格式错误"),
        (b"{\"json\": true}".to_vec(), "XML格式错误"),
    ] {
        let r = post_xml(&s, "/pay/unifiedorder", body).await;
        assert_eq!(r.status, 200);
        assert!(return_msg(&r.xml()).contains(want), "{}", r.text());
    }
    // Too large.
    let big = format!("<xml><body>{}</body></xml>", "a".repeat(2 * 1024 * 1024));
    let r = post_xml(&s, "/pay/unifiedorder", big).await;
    assert!(return_msg(&r.xml()).contains("limit"), "{}", r.text());
    // Unknown path.
    let r = post_xml(&s, "/pay/nothing", "<xml/>").await;
    assert_eq!(r.status, 404);
    assert!(return_msg(&r.xml()).contains("/pay/unifiedorder"));
}

#[tokio::test]
async fn envelope_fields_and_sign_type() {
    let s = MockServer::start().await;
    let k = key();
    for missing in ["appid", "mch_id", "nonce_str"] {
        let mut p = vec![("appid", APPID), ("mch_id", MCH_ID), ("nonce_str", "abc")];
        p.retain(|(n, _)| *n != missing);
        let mut m: wxpay_core::ParamMap =
            p.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect();
        let sig = wxpay_core::sign(&m, &k, SignType::Md5);
        m.insert("sign".into(), sig.as_str().into());
        let r = post_xml(&s, "/pay/orderquery", xml::encode(&m).unwrap()).await;
        assert!(return_msg(&r.xml()).contains(missing), "{}", r.text());
    }
    let r = post_xml(
        &s,
        "/pay/orderquery",
        "<xml><appid>a</appid><mch_id>10000100</mch_id><nonce_str>n</nonce_str></xml>",
    )
    .await;
    assert!(return_msg(&r.xml()).contains("sign"));
    // Lowercase md5 is refused.
    let body = signed(
        &[
            ("appid", APPID),
            ("mch_id", MCH_ID),
            ("sign_type", "md5"),
            ("out_trade_no", "x123456"),
        ],
        &k,
        SignType::Md5,
    );
    let r = post_xml(&s, "/pay/orderquery", body).await;
    assert_eq!(return_msg(&r.xml()), "签名类型不支持");
    // Unknown mch_id.
    let body = signed(
        &[
            ("appid", APPID),
            ("mch_id", "999"),
            ("out_trade_no", "x123456"),
        ],
        &k,
        SignType::Md5,
    );
    let r = post_xml(&s, "/pay/orderquery", body).await;
    assert!(return_msg(&r.xml()).contains("999"));
}

#[tokio::test]
async fn bad_signature_and_explain() {
    let s = MockServer::start().await;
    let wrong = wxpay_core::ApiKey::new("00000000000000000000000000000000");
    let body = signed(
        &[
            ("appid", APPID),
            ("mch_id", MCH_ID),
            ("out_trade_no", "x123456"),
        ],
        &wrong,
        SignType::Md5,
    );
    let r = post_xml(&s, "/pay/orderquery", body.clone()).await;
    let p = r.xml();
    assert_eq!(return_msg(&p), "签名错误");
    assert!(
        !p.contains_key("mock_sign_diagnosis"),
        "explain is off by default"
    );
    assert!(!r.text().contains(KEY));

    // explain: a lowercase-hex sign is named by the doctor.
    post_json(&s, "/mock/switches", &serde_json::json!({"explain": true})).await;
    let mut m = xml::decode(
        signed(
            &[
                ("appid", APPID),
                ("mch_id", MCH_ID),
                ("out_trade_no", "x123456"),
            ],
            &key(),
            SignType::Md5,
        )
        .as_bytes(),
    )
    .unwrap()
    .to_param_map();
    let lower = m["sign"].to_ascii_lowercase();
    m.insert("sign".into(), lower);
    let r = post_xml(&s, "/pay/orderquery", xml::encode(&m).unwrap()).await;
    let p = r.xml();
    assert_eq!(return_msg(&p), "签名错误");
    assert!(p["mock_sign_diagnosis"].contains("LOWERCASE_HEX"), "{p:?}");
    assert!(!r.text().contains(KEY), "the key never appears");

    // sign_error_as_business: result_code=FAIL, SIGNERROR, signed.
    post_json(
        &s,
        "/mock/switches",
        &serde_json::json!({"explain": false, "sign_error_as_business": true}),
    )
    .await;
    let r = post_xml(&s, "/pay/orderquery", body).await;
    let p = r.xml();
    assert_eq!(err_code(&p), "SIGNERROR");
    assert!(wxpay_core::verify(&p, &key(), Some(SignType::Md5)).is_ok());
}

#[tokio::test]
async fn malformed_values_get_wechats_message() {
    let s = MockServer::start().await;
    let p = order(&s, "env-fee-0001", "0.12", "http://127.0.0.1:1/n", &[]).await;
    assert_eq!(return_msg(&p), MSG_TOTAL_FEE_NOT_INT);
    let p = order(
        &s,
        "env-fee-0002",
        "980.0000000000001",
        "http://127.0.0.1:1/n",
        &[],
    )
    .await;
    assert_eq!(return_msg(&p), MSG_TOTAL_FEE_NOT_INT);
    let p = order(&s, "env-url-0001", "1", "http://x.example/n?a=1", &[]).await;
    assert!(return_msg(&p).contains("notify_url"));
}

#[tokio::test]
async fn appid_checks() {
    let mut cfg = wxpay_mock::Config::default();
    cfg.add_app(wxpay_mock::AppConfig {
        appid: "wx2222222222222222".into(),
        secret: "s".into(),
        unionid: false,
    })
    .unwrap();
    let s = MockServer::start_with(cfg).await;
    let p = call(
        &s,
        "/pay/orderquery",
        &[("appid", "wx0000000000000000"), ("out_trade_no", "x123456")],
    )
    .await;
    assert_eq!(err_code(&p), "APPID_NOT_EXIST");
    let p = call(
        &s,
        "/pay/orderquery",
        &[("appid", "wx2222222222222222"), ("out_trade_no", "x123456")],
    )
    .await;
    assert_eq!(err_code(&p), "APPID_MCHID_NOT_MATCH");
}

#[tokio::test]
async fn lack_params() {
    let s = MockServer::start().await;
    for missing in [
        "body",
        "out_trade_no",
        "total_fee",
        "spbill_create_ip",
        "notify_url",
        "trade_type",
        "openid",
    ] {
        let mut p = vec![
            ("body", "test"),
            ("out_trade_no", "lack-0001"),
            ("total_fee", "1"),
            ("spbill_create_ip", "127.0.0.1"),
            ("notify_url", "http://127.0.0.1:1/n"),
            ("trade_type", "JSAPI"),
            ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ];
        p.retain(|(k, _)| *k != missing);
        let r = call(&s, "/pay/unifiedorder", &p).await;
        assert_eq!(err_code(&r), "LACK_PARAMS", "{missing}: {r:?}");
    }
}

#[tokio::test]
async fn report_is_accepted_and_ignored() {
    let s = MockServer::start().await;
    let r = post_xml(&s, "/payitil/report", "anything at all").await;
    assert_eq!(r.xml()["return_code"], "SUCCESS");
    let r = post_xml(&s, "/sandboxnew/payitil/report", "").await;
    assert_eq!(r.xml()["return_code"], "SUCCESS");
}

#[tokio::test]
async fn trailing_slash_base_urls_route() {
    let s = MockServer::start().await;
    let r = post_xml(&s, "//pay/orderquery", "").await;
    assert_eq!(r.status, 200);
    assert!(return_msg(&r.xml()).contains("post数据为空"));
}

/// Garbage of every kind to every XML endpoint: always a WeChat-shaped
/// answer, never a panic, a hang or a dropped connection.
#[tokio::test]
async fn garbage_always_gets_a_wechat_shaped_answer() {
    let s = MockServer::start().await;
    let paths = [
        "/pay/unifiedorder",
        "/pay/orderquery",
        "/pay/closeorder",
        "/secapi/pay/refund",
        "/pay/refundquery",
        "/pay/downloadbill",
        "/sandboxnew/pay/getsignkey",
        "/sandboxnew/pay/unifiedorder",
        "/xdc/apiv2sandbox/pay/orderquery",
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    let mut bodies: Vec<Vec<u8>> = vec![
        b"<xml>".to_vec(),
        b"<xml><a><![CDATA[".to_vec(),
        b"<xml><total_fee>1e3</total_fee></xml>".to_vec(),
        b"<?xml version=\"1.0\"?><xml><appid>&#0;</appid></xml>".to_vec(),
        b"<xml><sign_type>HMAC-SHA256</sign_type><appid>a</appid><mch_id>10000100</mch_id><nonce_str>n</nonce_str><sign>x</sign></xml>".to_vec(),
        "<xml><appid>wxd930ea5d5a258f4f</appid><mch_id>10000100</mch_id><nonce_str>n</nonce_str><sign>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</sign><total_fee>-1</total_fee><body>😀</body></xml>".as_bytes().to_vec(),
        vec![0u8; 100],
        "<xml>".repeat(1000).into_bytes(),
    ];
    for _ in 0..40 {
        let n = rng.usize(0..300);
        bodies.push((0..n).map(|_| rng.u8(..)).collect());
    }
    for path in paths {
        for b in &bodies {
            let r = post_xml(&s, path, b.clone()).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            let p = xml::decode(&r.body)
                .unwrap_or_else(|e| panic!("{path}: answer is not XML ({e}): {}", r.text()));
            assert!(p.get("return_code").is_some(), "{path}: {}", r.text());
        }
    }
}
