//! Every case of `vectors/wxpay-v2.json`, each as a test named after it.

use serde_json::Value;
use wxpay_core::{ApiKey, SignType, req_info, sign, string_to_sign, verify};

const VECTORS: &str = include_str!("../../vectors/wxpay-v2.json");

fn cases(section: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(VECTORS).expect("vectors file is JSON");
    v[section].as_array().expect("section is an array").clone()
}

fn case(section: &str, name: &str) -> Value {
    cases(section)
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in {section}"))
}

fn params(c: &Value) -> Vec<(String, String)> {
    c["params"]
        .as_object()
        .expect("params")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned()))
        .collect()
}

fn check_signature(name: &str) {
    let c = case("signatures", name);
    let p = params(&c);
    let key = ApiKey::new(c["key"].as_str().expect("key"));
    let t: SignType = c["sign_type"]
        .as_str()
        .expect("sign_type")
        .parse()
        .expect("sign type");
    let expected = c["sign"].as_str().expect("sign");
    assert_eq!(
        string_to_sign(&p, &key),
        c["string_to_sign"].as_str().expect("sts"),
        "case {name}: string_to_sign, inputs {p:?}"
    );
    assert_eq!(
        sign(&p, &key, t),
        expected,
        "case {name}: sign, inputs {p:?}"
    );
    // Verification, explicit and inferred from length.
    let mut signed: Vec<(String, String)> = p.into_iter().filter(|(k, _)| k != "sign").collect();
    signed.push(("sign".into(), expected.into()));
    assert_eq!(verify(&signed, &key, Some(t)), Ok(t), "case {name}: verify");
    assert_eq!(
        verify(&signed, &key, None),
        Ok(t),
        "case {name}: verify, type inferred"
    );
}

macro_rules! signature_vectors {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { check_signature(stringify!($name)); } )*
        const SIGNATURE_CASES: &[&str] = &[$(stringify!($name)),*];
    };
}

signature_vectors!(
    wechat_v2_doc_md5,
    wechat_v2_doc_hmac_sha256,
    wechat_v2_paysign_doc_md5,
    paysign_hmac_sha256_derived,
    wechatpy_unit_md5,
    wechatpy_unit_hmac_sha256,
    rule_empty_value_and_sign_field_skipped,
    rule_case_sensitive_keys_ascii_order,
    rule_utf8_values,
    rule_utf8_values_hmac,
    rule_whitespace_is_kept,
);

#[test]
fn refund_notify_req_info_derived() {
    let c = case("refund_req_info", "refund_notify_req_info_derived");
    let key = ApiKey::new(c["api_key"].as_str().expect("api_key"));
    assert_eq!(
        &req_info::aes_key(&key),
        c["aes_key"].as_str().expect("aes_key").as_bytes()
    );
    let plain = c["plaintext"].as_str().expect("plaintext");
    let enc = c["req_info"].as_str().expect("req_info");
    assert_eq!(req_info::encrypt(plain, &key), enc);
    assert_eq!(req_info::decrypt(enc, &key).expect("decrypts"), plain);
    let fields = req_info::decrypt_fields(enc, &key).expect("decodes");
    assert_eq!(fields["refund_recv_accout"], "支付用户零钱");
    assert_eq!(fields["transaction_id"], "4200000215201811190261405420");
    assert_eq!(fields.len(), 13);
}

/// A case added to the file without a named test here fails this test.
#[test]
fn every_case_has_a_named_test() {
    for c in cases("signatures") {
        let n = c["name"].as_str().expect("name");
        assert!(
            SIGNATURE_CASES.contains(&n),
            "signature case {n} has no named test"
        );
    }
    for c in cases("refund_req_info") {
        assert_eq!(
            c["name"], "refund_notify_req_info_derived",
            "refund case without a named test"
        );
    }
}
