//! Flow 4 — the sandbox (仿真测试系统).
//!
//! The merchant fetches the sandbox key (`getsignkey`, MD5-signed with the
//! production key, no appid), then runs the whole flow on the sandbox paths
//! signed with the sandbox key: unifiedorder, paySign, the payment notify
//! (verified with the sandbox key, not the production one), orderquery,
//! refund with its `req_info` encrypted under the sandbox key, refundquery.
//! The production key, HMAC-SHA256, and the production paths are refused
//! or kept apart exactly as the mock's README says. Both generations of
//! sandbox paths are covered: `/sandboxnew/…` and `/xdc/apiv2sandbox/…`.

use pretty_assertions::assert_eq;
use wxpay_core::model::RefundNotify;
use wxpay_core::{Error, SignType, verify};
use wxpay_tests::{
    APPID, Behaviour, Bench, MCH_ID, Merchant, assert_success, business_failure, field,
    protocol_failure, request_payment_object,
};

async fn sandbox_flow(getsignkey: &str, prefix: &str, no: &str) {
    let bench = Bench::start().await;
    let prod = Merchant::md5();

    // getsignkey: mch_id, nonce_str, sign (MD5, production key), no appid.
    let k = bench.call(&prod, getsignkey, &[("appid", "")]).await;
    assert_eq!(field(&k, "return_code"), "SUCCESS", "{k:#?}");
    assert_eq!(field(&k, "mch_id"), MCH_ID);
    let sandbox_key = field(&k, "sandbox_signkey").to_owned();
    assert_eq!(sandbox_key.len(), 32, "{k:#?}");
    assert_ne!(sandbox_key, prod.key.expose());
    // Stable until rotated.
    let again = bench.call(&prod, getsignkey, &[("appid", "")]).await;
    assert_eq!(field(&again, "sandbox_signkey"), sandbox_key);
    // Asking with a wrong key is a signature error.
    let wrong = Merchant {
        key: wxpay_core::ApiKey::new("0123456789abcdef0123456789abcdef"),
        ..prod.clone()
    };
    let refused = bench.call(&wrong, getsignkey, &[("appid", "")]).await;
    assert_eq!(protocol_failure(&refused), "签名错误");

    let sb = prod.sandbox(&sandbox_key, prefix);
    bench
        .receiver
        .set_default(Behaviour::Verify(sb.key.clone()));
    let (_, openid) = bench.login(APPID, "erin").await;

    // The production key on a sandbox path.
    let prod_on_sandbox = Merchant {
        prefix: prefix.into(),
        ..prod.clone()
    };
    let o = bench
        .unifiedorder(&prod_on_sandbox, no, 101, &openid, &[])
        .await;
    assert_eq!(
        protocol_failure(&o),
        "沙箱验证签名失败，请确认沙箱签名key是否正确（通过getsignkey调用生成）"
    );
    // HMAC-SHA256 in the sandbox.
    let hmac = Merchant {
        sign_type: SignType::HmacSha256,
        ..sb.clone()
    };
    let o = bench.unifiedorder(&hmac, no, 101, &openid, &[]).await;
    assert_eq!(
        protocol_failure(&o),
        "签名类型不支持：仿真测试系统只支持MD5签名"
    );
    // The sandbox key on a production path.
    let sandbox_on_prod = Merchant {
        prefix: String::new(),
        ..sb.clone()
    };
    let o = bench
        .unifiedorder(&sandbox_on_prod, no, 101, &openid, &[])
        .await;
    assert_eq!(protocol_failure(&o), "签名错误");

    // The sandbox order, answered with the sandbox key (checked by call).
    let o = bench.unifiedorder(&sb, no, 101, &openid, &[]).await;
    assert_success(&o);
    let prepay_id = field(&o, "prepay_id").to_owned();

    // paySign with the production key is refused; with the sandbox key paid.
    let wrong_pay = prod.payment_params(&prepay_id);
    let msg = bench
        .request_payment(&request_payment_object(&wrong_pay))
        .await;
    assert!(
        msg.starts_with("requestPayment:fail 支付验证签名失败"),
        "{msg}"
    );
    let pay = sb.payment_params(&prepay_id);
    assert_eq!(
        bench.request_payment(&request_payment_object(&pay)).await,
        "requestPayment:ok"
    );

    // The notify is signed with the sandbox key.
    let got = bench.receiver.wait_for("/pay", 1).await;
    let n = got[0].xml();
    assert_eq!(verify(&n, &sb.key, None), Ok(SignType::Md5));
    assert_eq!(verify(&n, &prod.key, None), Err(Error::SignMismatch));
    assert_eq!(field(&n, "total_fee"), "101");
    let rec = bench.wait_attempts(no, "payment", 1).await;
    assert_eq!(rec["state"], "acknowledged", "{rec:#}");

    // orderquery in the sandbox; the production side has no such order.
    let q = bench
        .call(&sb, "/pay/orderquery", &[("out_trade_no", no)])
        .await;
    assert_success(&q);
    assert_eq!(field(&q, "trade_state"), "SUCCESS");
    let q = bench
        .call(&prod, "/pay/orderquery", &[("out_trade_no", no)])
        .await;
    assert_eq!(business_failure(&q).0, "ORDERNOTEXIST");

    // Refund, its notify under the sandbox key, refundquery.
    let url = bench.receiver.url("/refund");
    let r = bench
        .call(
            &sb,
            "/secapi/pay/refund",
            &[
                ("out_trade_no", no),
                ("out_refund_no", "flow4-r1"),
                ("total_fee", "101"),
                ("refund_fee", "101"),
                ("notify_url", &url),
            ],
        )
        .await;
    assert_success(&r);
    let got = bench.receiver.wait_for("/refund", 1).await;
    let outer = RefundNotify::from_params(&got[0].xml()).unwrap();
    let info = outer.decrypt(&sb.key).unwrap();
    assert_eq!(info.out_refund_no.as_deref(), Some("flow4-r1"));
    assert_eq!(info.refund_fee, Some(101));
    assert_eq!(info.refund_status.as_deref(), Some("SUCCESS"));
    assert!(outer.decrypt(&prod.key).is_err());
    assert!(got[0].replied.1.contains("SUCCESS"), "{:?}", got[0].replied);
    let rq = bench
        .call(&sb, "/pay/refundquery", &[("out_trade_no", no)])
        .await;
    assert_success(&rq);
    assert_eq!(field(&rq, "refund_status_0"), "SUCCESS");
    assert_eq!(field(&rq, "refund_fee_0"), "101");
}

/// The old sandbox: `/sandboxnew/pay/getsignkey` and `/sandboxnew/…`.
#[tokio::test]
async fn sandboxnew_flow() {
    sandbox_flow("/sandboxnew/pay/getsignkey", "/sandboxnew", "flow4-old-01").await;
}

/// The 2023+ paths: `/xdc/apiv2getsignkey/sign/getsignkey` and
/// `/xdc/apiv2sandbox/…`.
#[tokio::test]
async fn xdc_sandbox_flow() {
    sandbox_flow(
        "/xdc/apiv2getsignkey/sign/getsignkey",
        "/xdc/apiv2sandbox",
        "flow4-xdc-01",
    )
    .await;
}
