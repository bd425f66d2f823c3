//! Flow 1 — the mini-program payment, with MD5 and with HMAC-SHA256.
//!
//! The user opens the mini program: `wx.login` gives a code (`/mock/login`),
//! the merchant's backend trades it for the openid (`jscode2session`), then
//! places a JSAPI order (`/pay/unifiedorder`), signs the `wx.requestPayment`
//! object with `wxpay-core` (a second signature, not the order's `sign`),
//! and the mini program pays (`/mock/requestPayment`). WeChat at once POSTs
//! the payment notify to the merchant, who verifies it with `wxpay-core` —
//! an HMAC-SHA256 order's notify carries no `sign_type`, so the type is
//! inferred from the sign's length — checks the amount, and answers
//! SUCCESS. The order then queries as paid.

use pretty_assertions::assert_eq;
use wxpay_core::model::{PaymentNotify, rules};
use wxpay_core::{ApiKey, Error, SignType, verify, verify_payment_params, xml};
use wxpay_tests::{
    APPID, Behaviour, Bench, KEY, MCH_ID, Merchant, SECRET, assert_success, field,
    request_payment_object,
};

async fn mini_program_pay_flow(sign_type: SignType, out_trade_no: &str) {
    let bench = Bench::start().await;
    let m = Merchant::with(sign_type);
    let key = ApiKey::new(KEY);
    bench.receiver.set_default(Behaviour::Verify(key.clone()));

    // wx.login in the mini program, then code2session on the backend.
    let (code, openid) = bench.login(APPID, "alice").await;
    let session = bench.jscode2session(APPID, SECRET, &code).await;
    assert_eq!(session["openid"], openid.as_str(), "{session}");
    assert!(
        session.get("errcode").is_none(),
        "success omits errcode: {session}"
    );
    assert_eq!(
        session["session_key"].as_str().map(str::len),
        Some(24),
        "base64 of 16 bytes: {session}"
    );
    // A code is single-use.
    let reused = bench.jscode2session(APPID, SECRET, &code).await;
    assert_eq!(reused["errcode"], 40163, "{reused}");
    assert!(
        reused["errmsg"]
            .as_str()
            .is_some_and(|m| m.starts_with("code been used, rid: ")),
        "{reused}"
    );

    // unifiedorder (JSAPI), attach echoed later.
    let attach = "座位 A-12 & 备注<1>";
    let order = bench
        .unifiedorder(&m, out_trade_no, 888, &openid, &[("attach", attach)])
        .await;
    assert_success(&order);
    assert_eq!(field(&order, "trade_type"), "JSAPI");
    assert_eq!(field(&order, "appid"), APPID);
    assert_eq!(field(&order, "mch_id"), MCH_ID);
    assert_eq!(field(&order, "sign").len(), sign_type.hex_len());
    let prepay_id = field(&order, "prepay_id").to_owned();
    assert!(
        prepay_id.starts_with("wx") && prepay_id.len() == 36,
        "{prepay_id}"
    );

    // paySign by core; it verifies with core.
    let pay = m.payment_params(&prepay_id);
    assert_eq!(pay.package, format!("prepay_id={prepay_id}"));
    assert_eq!(pay.pay_sign.len(), sign_type.hex_len());
    let mut signed: Vec<(&str, &str)> = pay.signed_pairs().to_vec();
    signed.push(("paySign", &pay.pay_sign));
    assert_eq!(verify_payment_params(&signed, &key), Ok(sign_type));

    // The classic mistake: the order's sign reused as paySign is refused,
    // with the signature doctor's finding.
    let mut reused_sign = request_payment_object(&pay);
    reused_sign["paySign"] = field(&order, "sign").into();
    let msg = bench.request_payment(&reused_sign).await;
    assert!(
        msg.starts_with("requestPayment:fail 支付验证签名失败"),
        "{msg}"
    );
    assert!(
        bench.receiver.received().is_empty(),
        "no payment, no notify"
    );

    // The mini program pays.
    assert_eq!(
        bench.request_payment(&request_payment_object(&pay)).await,
        "requestPayment:ok"
    );

    // The payment notify, at once.
    let got = bench.receiver.wait_for("/pay", 1).await;
    let notify = got[0].xml();
    assert!(
        got[0]
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("text/xml")),
        "{:?}",
        got[0].content_type
    );
    assert_eq!(verify(&notify, &key, None), Ok(sign_type), "{notify:#?}");
    if sign_type == SignType::HmacSha256 {
        // Production omits sign_type on HMAC notifies: an MD5-defaulting
        // verifier fails on it.
        assert!(!notify.contains_key("sign_type"), "{notify:#?}");
        assert_eq!(
            verify(&notify, &key, Some(SignType::Md5)),
            Err(Error::MalformedSign { len: 64 })
        );
    }
    let n = PaymentNotify::from_params(&notify).unwrap();
    assert_eq!(n.return_code.as_deref(), Some("SUCCESS"));
    assert_eq!(n.result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(n.appid.as_deref(), Some(APPID));
    assert_eq!(n.mch_id.as_deref(), Some(MCH_ID));
    assert_eq!(n.out_trade_no.as_deref(), Some(out_trade_no));
    assert_eq!(n.total_fee, Some(888), "the merchant checks the amount");
    assert_eq!(n.cash_fee, Some(888));
    assert_eq!(n.openid.as_deref(), Some(openid.as_str()));
    assert_eq!(n.trade_type.as_deref(), Some("JSAPI"));
    assert_eq!(n.attach.as_deref(), Some(attach));
    let tx = n.transaction_id.clone().unwrap_or_default();
    assert!(
        tx.len() == 28 && tx.starts_with("4200") && tx.bytes().all(|b| b.is_ascii_digit()),
        "{tx}"
    );
    let time_end = rules::parse_time14(n.time_end.as_deref().unwrap_or_default())
        .expect("time_end is yyyyMMddHHmmss");
    let now = bench.now().await;
    assert!(
        (now - 120..=now + 1).contains(&time_end),
        "time_end {time_end} is Beijing time near the mock's now {now}"
    );
    // The merchant acknowledged with WeChat's exact reply, and the mock
    // recorded one accepted attempt.
    assert_eq!(got[0].replied, (200, xml::NOTIFY_REPLY_SUCCESS.to_owned()));
    let rec = bench.wait_attempts(out_trade_no, "payment", 1).await;
    assert_eq!(rec["state"], "acknowledged", "{rec:#}");
    assert_eq!(rec["attempts"][0]["accepted"], true, "{rec:#}");
    assert_eq!(rec["attempts"][0]["http_status"], 200, "{rec:#}");
    assert_eq!(rec["url"], bench.receiver.url("/pay").as_str());
    assert_eq!(rec["body"], got[0].body.as_str());

    // orderquery, by out_trade_no and by transaction_id.
    let q = bench
        .call(&m, "/pay/orderquery", &[("out_trade_no", out_trade_no)])
        .await;
    assert_success(&q);
    assert_eq!(field(&q, "trade_state"), "SUCCESS");
    assert_eq!(field(&q, "trade_state_desc"), "支付成功");
    assert_eq!(field(&q, "transaction_id"), tx);
    assert_eq!(field(&q, "total_fee"), "888");
    assert_eq!(field(&q, "openid"), openid);
    assert_eq!(field(&q, "attach"), attach);
    assert_eq!(
        field(&q, "time_end"),
        n.time_end.as_deref().unwrap_or_default()
    );
    let by_tx = bench
        .call(&m, "/pay/orderquery", &[("transaction_id", &tx)])
        .await;
    assert_success(&by_tx);
    assert_eq!(field(&by_tx, "out_trade_no"), out_trade_no);

    // Paying again is refused, and no second notify comes.
    let again = bench.request_payment(&request_payment_object(&pay)).await;
    assert!(again.starts_with("requestPayment:fail "), "{again}");
    assert_eq!(bench.receiver.received().len(), 1);
}

/// MD5: the default sign type; no `sign_type` field is sent.
#[tokio::test]
async fn mini_program_pay_flow_md5() {
    mini_program_pay_flow(SignType::Md5, "flow1-md5-0001").await;
}

/// HMAC-SHA256: `sign_type` sent on every request; answers and the notify
/// are HMAC-signed, the notify without `sign_type`.
#[tokio::test]
async fn mini_program_pay_flow_hmac_sha256() {
    mini_program_pay_flow(SignType::HmacSha256, "flow1-hmac-0001").await;
}

/// The official paySign example (WeChat's mini-program payment page) and
/// its HMAC-SHA256 twin from the vectors: the values the npm package's
/// interop test checks too.
#[test]
fn pay_sign_known_answers() {
    let key = ApiKey::new("qazwsxedcrfvtgbyhnujmikolp111111");
    for (t, want) in [
        (SignType::Md5, "22D9B4E54AB1950F51E0649E8810ACD6"),
        (
            SignType::HmacSha256,
            "FB9D1EFB5C509131BBFF729F88A99CA2DE9B724D06D3B3262832A53083862BC0",
        ),
    ] {
        let p = wxpay_core::build_payment_params(
            "wxd678efh567hg6787",
            "wx2017033010242291fcfe0db70013231072",
            &key,
            t,
            "1490840662",
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        )
        .unwrap();
        assert_eq!(p.pay_sign, want, "{t}");
    }
}

/// The most reported paySign mistake (docs/protocol.md §3.1) is reusing the
/// unifiedorder answer's `sign` as `paySign`. The signature doctor in core
/// names it (`ORDER_SIGN_REUSED_AS_PAYSIGN`) when given the order's sign;
/// the mock's `requestPayment:fail` should carry that finding.
#[tokio::test]
async fn a_reused_order_sign_is_named_by_the_doctor() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    let (_, openid) = bench.login(APPID, "mallory").await;
    let order = bench
        .unifiedorder(&m, "flow1-reused-01", 1, &openid, &[])
        .await;
    assert_success(&order);
    let pay = m.payment_params(field(&order, "prepay_id"));
    let mut obj = request_payment_object(&pay);
    obj["paySign"] = field(&order, "sign").into();
    let msg = bench.request_payment(&obj).await;
    assert!(msg.contains("ORDER_SIGN_REUSED_AS_PAYSIGN"), "{msg}");
}
