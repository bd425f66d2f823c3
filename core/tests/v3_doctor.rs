//! The v3 signature doctor: each mistake integrators make is replayed with
//! the TEST-ONLY keys, and the doctor must name exactly that mistake.
#![cfg(feature = "v3")]
#![allow(clippy::unwrap_used, missing_docs)]

use wxpay_core::v3::doctor::{Candidate, DoctorInput, Signed, diagnose};
use wxpay_core::v3::{self, Authorization, MerchantKey, VerifyKey};

const BODY: &str = "{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1900000109\",\"description\":\"QQ公仔 <礼物>\",\"notify_url\":\"https://example.com/notify\",\"amount\":{\"total\":1,\"currency\":\"CNY\"}}";
const URL: &str = "/v3/pay/transactions/jsapi";

struct Keys {
    merchant: MerchantKey,
    platform: MerchantKey,
    merchant_cert: VerifyKey,
    platform_cert: VerifyKey,
}

fn keys() -> Keys {
    Keys {
        merchant: MerchantKey::from_pem(include_str!(
            "../../vectors/v3-test-keys/merchant_key.pem"
        ))
        .unwrap(),
        platform: MerchantKey::from_pem(include_str!(
            "../../vectors/v3-test-keys/platform_key.pem"
        ))
        .unwrap(),
        merchant_cert: VerifyKey::from_pem(include_str!(
            "../../vectors/v3-test-keys/merchant_cert.pem"
        ))
        .unwrap(),
        platform_cert: VerifyKey::from_pem(include_str!(
            "../../vectors/v3-test-keys/platform_cert.pem"
        ))
        .unwrap(),
    }
}

/// Sign `signed_msg` with `key`, then build the header the integrator sent.
fn header(key: &MerchantKey, serial: &str, ts: &str, signed_msg: &[u8]) -> String {
    let sig = key.sign(signed_msg).unwrap();
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\",nonce_str=\"NONCE123\",signature=\"{sig}\",timestamp=\"{ts}\",serial_no=\"{serial}\""
    )
}

fn run(
    k: &Keys,
    method: &str,
    url: &str,
    body: &str,
    auth: &str,
) -> wxpay_core::v3::doctor::Diagnosis {
    let others = [Candidate {
        label: "platform certificate",
        key: &k.platform_cert,
    }];
    diagnose(&DoctorInput {
        signed: Signed::Request {
            method,
            url,
            body: body.as_bytes(),
            authorization: auth,
        },
        merchant: &k.merchant_cert,
        others: &others,
        v2_api_key: None,
    })
}

fn codes(d: &wxpay_core::v3::doctor::Diagnosis) -> Vec<&'static str> {
    d.findings
        .iter()
        .filter(|f| f.confirmed)
        .map(|f| f.code)
        .collect()
}

#[test]
fn correct_request_is_ok() {
    let k = keys();
    let serial = k.merchant_cert.serial().unwrap().to_owned();
    let a = Authorization::sign(
        &k.merchant,
        "1900000109",
        &serial,
        "POST",
        URL,
        "1717834061",
        "NONCE123",
        BODY.as_bytes(),
    )
    .unwrap();
    let d = run(&k, "POST", URL, BODY, &a.to_string());
    assert!(d.ok, "{:?}", d.findings);
    assert_eq!(codes(&d), ["SIGNATURE_VALID"]);
    let report = d.to_string();
    assert!(report.starts_with("signature OK"), "{report}");
    assert!(report.contains("SIGNATURE_VALID"), "{report}");
}

#[test]
fn each_request_mistake_is_named() {
    let k = keys();
    let serial = k.merchant_cert.serial().unwrap().to_owned();
    let ts = "1717834061";
    let msg =
        |m: &str, u: &str, t: &str, b: &str| v3::request_message(m, u, t, "NONCE123", b.as_bytes());
    let sorted = {
        let v: serde_json::Value = serde_json::from_str(BODY).unwrap();
        serde_json::to_string(&v).unwrap() // serde_json's Map is sorted (BTreeMap)
    };
    let ascii: String = BODY
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    let mut no_nl = msg("POST", URL, ts, BODY);
    no_nl.pop();
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "HOST_IN_URL",
            header(
                &k.merchant,
                &serial,
                ts,
                &msg(
                    "POST",
                    &format!("https://api.mch.weixin.qq.com{URL}"),
                    ts,
                    BODY,
                ),
            ),
            URL,
            BODY,
        ),
        (
            "MISSING_FINAL_NEWLINE",
            header(&k.merchant, &serial, ts, &no_nl),
            URL,
            BODY,
        ),
        (
            "BODY_RESERIALISED",
            header(&k.merchant, &serial, ts, &msg("POST", URL, ts, &sorted)),
            URL,
            BODY,
        ),
        (
            "BODY_RESERIALISED",
            header(&k.merchant, &serial, ts, &msg("POST", URL, ts, &ascii)),
            URL,
            BODY,
        ),
        (
            "WRONG_KEY",
            header(&k.platform, &serial, ts, &msg("POST", URL, ts, BODY)),
            URL,
            BODY,
        ),
        (
            "METHOD_CASE",
            header(&k.merchant, &serial, ts, &msg("post", URL, ts, BODY)),
            URL,
            BODY,
        ),
    ];
    for (code, auth, url, body) in &cases {
        let d = run(&k, "POST", url, body, auth);
        assert!(!d.ok, "{code}");
        assert!(codes(&d).contains(code), "{code}: {:?}", d.findings);
        assert!(!codes(&d).contains(&"SIGNATURE_VALID"), "{code}");
    }
    // Python's json.dumps default separators.
    let py = BODY.replace(",\"", ", \"").replace("\":", "\": ");
    let d = run(
        &k,
        "POST",
        URL,
        BODY,
        &header(&k.merchant, &serial, ts, &msg("POST", URL, ts, &py)),
    );
    assert_eq!(d.findings[0].code, "BODY_RESERIALISED", "{:?}", d.findings);
    assert!(
        d.findings[0].summary.contains("Python"),
        "{}",
        d.findings[0].summary
    );
    // Query dropped from a GET.
    let q = "/v3/pay/transactions/out-trade-no/T1?mchid=1900000109";
    let d = run(
        &k,
        "GET",
        q,
        "",
        &header(
            &k.merchant,
            &serial,
            ts,
            &msg("GET", "/v3/pay/transactions/out-trade-no/T1", ts, ""),
        ),
    );
    assert_eq!(codes(&d), ["QUERY_DROPPED"], "{:?}", d.findings);
    // Absolute URL given to the doctor, host signed.
    let abs = format!("https://api.mch.weixin.qq.com{q}");
    let d = run(
        &k,
        "GET",
        &abs,
        "",
        &header(&k.merchant, &serial, ts, &msg("GET", &abs, ts, "")),
    );
    assert_eq!(codes(&d), ["HOST_IN_URL"], "{:?}", d.findings);
}

#[test]
fn header_level_mistakes() {
    let k = keys();
    let serial = k.merchant_cert.serial().unwrap().to_owned();
    let good = v3::request_message("POST", URL, "1717834061", "NONCE123", BODY.as_bytes());
    // serial of the platform certificate
    let d = run(
        &k,
        "POST",
        URL,
        BODY,
        &header(
            &k.merchant,
            k.platform_cert.serial().unwrap(),
            "1717834061",
            &good,
        ),
    );
    assert!(codes(&d).contains(&"SERIAL_MISMATCH"), "{:?}", d.findings);
    assert!(
        d.finding("SERIAL_MISMATCH")
            .unwrap()
            .summary
            .contains("platform certificate")
    );
    assert!(!d.ok);
    // lowercase serial
    let d = run(
        &k,
        "POST",
        URL,
        BODY,
        &header(&k.merchant, &serial.to_lowercase(), "1717834061", &good),
    );
    assert!(codes(&d).contains(&"SERIAL_LOWERCASE"));
    // millisecond timestamp, signed consistently
    let ms = v3::request_message("POST", URL, "1717834061000", "NONCE123", BODY.as_bytes());
    let d = run(
        &k,
        "POST",
        URL,
        BODY,
        &header(&k.merchant, &serial, "1717834061000", &ms),
    );
    assert!(
        codes(&d).contains(&"MILLISECOND_TIMESTAMP"),
        "{:?}",
        d.findings
    );
    assert!(!d.ok);
    // URL-safe base64
    let sig = k.merchant.sign(&good).unwrap();
    let url_safe = sig
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('=')
        .to_owned();
    let auth = format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\",nonce_str=\"NONCE123\",signature=\"{url_safe}\",timestamp=\"1717834061\",serial_no=\"{serial}\""
    );
    let d = run(&k, "POST", URL, BODY, &auth);
    assert!(codes(&d).contains(&"URL_SAFE_BASE64"), "{:?}", d.findings);
    assert!(!d.ok);
    // malformed header, truncated signature, nothing reproduced
    assert_eq!(
        codes(&run(&k, "POST", URL, BODY, "Bearer x")),
        ["AUTH_HEADER_INVALID"]
    );
    let truncated = auth.replace(&url_safe, &sig[..200]);
    assert!(codes(&run(&k, "POST", URL, BODY, &truncated)).contains(&"SIGNATURE_LENGTH"));
    let other = header(
        &k.merchant,
        &serial,
        "1717834061",
        b"something else entirely",
    );
    let d = run(&k, "POST", URL, BODY, &other);
    assert_eq!(d.findings.last().unwrap().code, "NOT_REPRODUCED");
    assert!(!d.ok);
}

#[test]
fn pay_sign_mistakes() {
    let k = keys();
    let others = [Candidate {
        label: "platform certificate",
        key: &k.platform_cert,
    }];
    let check = |pay_sign: &str,
                 sign_type: &str,
                 package: &str,
                 ts: &str,
                 api: Option<&wxpay_core::ApiKey>| {
        diagnose(&DoctorInput {
            signed: Signed::PaySign {
                app_id: "wxd678efh567hg6787",
                time_stamp: ts,
                nonce_str: "N1",
                package,
                sign_type,
                pay_sign,
            },
            merchant: &k.merchant_cert,
            others: &others,
            v2_api_key: api,
        })
    };
    let pkg = "prepay_id=wx201410272009395522657a690389285100";
    let good = v3::build_payment_params(
        &k.merchant,
        "wxd678efh567hg6787",
        "wx201410272009395522657a690389285100",
        "1414561699",
        "N1",
    )
    .unwrap();
    let d = check(&good.pay_sign, "RSA", pkg, "1414561699", None);
    assert!(d.ok, "{:?}", d.findings);
    // signed with the platform key
    let wrong = k
        .platform
        .sign(v3::pay_sign_message("wxd678efh567hg6787", "1414561699", "N1", pkg).as_bytes())
        .unwrap();
    assert_eq!(
        codes(&check(&wrong, "RSA", pkg, "1414561699", None)),
        ["WRONG_KEY"]
    );
    // package without prefix
    let bare = k
        .merchant
        .sign(
            v3::pay_sign_message(
                "wxd678efh567hg6787",
                "1414561699",
                "N1",
                "wx201410272009395522657a690389285100",
            )
            .as_bytes(),
        )
        .unwrap();
    assert_eq!(
        codes(&check(&bare, "RSA", pkg, "1414561699", None)),
        ["PACKAGE_PREFIX"]
    );
    // signType MD5 with a correct RSA signature: still flagged
    let d = check(&good.pay_sign, "MD5", pkg, "1414561699", None);
    assert!(d.finding("SIGN_TYPE_NOT_RSA").is_some());
    // a v2 MD5 paySign, confirmed with the v2 key
    let api = wxpay_core::ApiKey::new("192006250b4c09247ec02edce69f6a2d");
    let v2 = wxpay_core::build_payment_params(
        "wxd678efh567hg6787",
        "wx201410272009395522657a690389285100",
        &api,
        wxpay_core::SignType::Md5,
        "1414561699",
        "N1",
    )
    .unwrap();
    let d = check(v2.pay_sign.as_str(), "MD5", pkg, "1414561699", Some(&api));
    assert!(
        d.finding("V2_PAYSIGN").unwrap().confirmed,
        "{:?}",
        d.findings
    );
    let d = check(v2.pay_sign.as_str(), "MD5", pkg, "1414561699", None);
    assert!(!d.finding("V2_PAYSIGN").unwrap().confirmed);
    // no finding ever prints key material
    for f in &d.findings {
        assert!(!f.summary.contains("BEGIN") && !f.summary.contains("192006250b4c"));
    }
}
