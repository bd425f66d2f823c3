//! The signature doctor: one test per finding code, each building the
//! mistaken sign the way an integrator would (hashing by hand with `md-5`,
//! `hmac`, `sha2`), then checking the finding, that it is confirmed, and the
//! masked string the doctor says was signed.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use proptest::prelude::*;
use sha2::Sha256;
use wxpay_core::diagnose::{SignKind, code};
use wxpay_core::{
    ApiKey, DiagnoseOptions, Diagnosis, SignType, build_payment_params, diagnose, sign,
};

// WeChat's official example (security spec 4_3).
const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
/// The key as the doctor shows it: `sha256:` + the first 4 bytes of its
/// SHA-256 (computed independently: `printf %s KEY | sha256sum`).
const MASKED: &str = "sha256:4ad1bc7c";
const PARAMS: [(&str, &str); 5] = [
    ("appid", "wxd930ea5d5a258f4f"),
    ("mch_id", "10000100"),
    ("device_info", "1000"),
    ("body", "test"),
    ("nonce_str", "ibuaiVcKdpRxkhJA"),
];
const STRING_A: &str = "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA";
const SECRET: &str = "3a9f2c81d7e04b56a1c3e5f7092b4d6e";
const SECRET_MASKED: &str = "sha256:829d3f1b";

// The official paySign example.
const PAY_KEY: &str = "qazwsxedcrfvtgbyhnujmikolp111111";
const PAY_MASKED: &str = "sha256:fad5c34d";
const PAY: [(&str, &str); 5] = [
    ("appId", "wxd678efh567hg6787"),
    ("timeStamp", "1490840662"),
    ("nonceStr", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
    ("package", "prepay_id=wx2017033010242291fcfe0db70013231072"),
    ("signType", "MD5"),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
fn md5(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}
fn hmac(key: &str, s: &str) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    m.update(s.as_bytes());
    hex(&m.finalize().into_bytes())
}
fn sha256(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

fn key() -> ApiKey {
    ApiKey::new(KEY)
}
fn opts() -> DiagnoseOptions<'static> {
    DiagnoseOptions::default()
}

/// The Debug and Display output never contain the key or the secret.
fn assert_no_secret(d: &Diagnosis, secrets: &[&str]) {
    let dbg = format!("{d:?}");
    let disp = format!("{d}");
    for s in secrets {
        assert!(!dbg.contains(s), "secret leaked in Debug: {dbg}");
        assert!(!disp.contains(s), "secret leaked in Display: {disp}");
    }
}

/// `code` is confirmed, the sign is not ok, and the doctor says `signed` was
/// signed (key masked).
fn assert_confirmed(d: &Diagnosis, code: &str, signed: Option<&str>) {
    assert!(!d.ok, "{d}");
    let f = d
        .finding(code)
        .unwrap_or_else(|| panic!("no finding {code} in:\n{d}"));
    assert!(f.confirmed, "{code} not confirmed:\n{d}");
    assert_eq!(f.signed_string.as_deref(), signed, "{code}:\n{d}");
    assert!(!f.summary.is_empty() && !f.summary_zh.is_empty() && !f.fix.is_empty());
    assert_no_secret(d, &[KEY, SECRET, PAY_KEY]);
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = PARAMS.to_vec();
    v.extend_from_slice(extra);
    v
}

// ---------------------------------------------------------------------------

#[test]
fn correct_sign_is_ok_without_confirmed_findings() {
    for t in [SignType::Md5, SignType::HmacSha256] {
        let s = sign(&PARAMS, &key(), t);
        let d = diagnose(&PARAMS, &key(), s.as_str(), &opts());
        assert!(d.ok, "{d}");
        assert_eq!(d.sign_type, t);
        assert_eq!(d.kind, SignKind::Api);
        assert_eq!(d.expected_sign, s);
        assert_eq!(d.string_to_sign_masked, format!("{STRING_A}&key={MASKED}"));
        assert_eq!(d.confirmed().count(), 0, "{d}");
        assert!(d.findings.is_empty(), "{d}");
    }
}

#[test]
fn random_wrong_sign_gives_wrong_key_advisory() {
    let d = diagnose(&PARAMS, &key(), "0123456789ABCDEF0123456789ABCDEF", &opts());
    assert!(!d.ok);
    assert!(d.search_complete);
    assert!(d.variants_tried > 10, "{}", d.variants_tried);
    assert_eq!(d.confirmed().count(), 0, "{d}");
    let f = d.finding(code::WRONG_KEY).unwrap();
    assert!(!f.confirmed);
    assert!(f.signed_string.is_none());
    assert_no_secret(&d, &[KEY]);
    // The same with an HMAC-length sign (HMAC and SHA-256 searched).
    let d = diagnose(&PARAMS, &key(), &"AB".repeat(32), &opts());
    assert!(d.finding(code::WRONG_KEY).is_some(), "{d}");
    assert_eq!(d.sign_type, SignType::HmacSha256);
}

#[test]
fn sign_signed_by_another_key_is_wrong_key() {
    let other = ApiKey::new("ffffffffffffffffffffffffffffffff");
    let s = sign(&PARAMS, &other, SignType::Md5);
    let d = diagnose(&PARAMS, &key(), s.as_str(), &opts());
    assert!(d.finding(code::WRONG_KEY).is_some(), "{d}");
}

#[test]
fn wrong_sign_type() {
    // The request says HMAC-SHA256 but the integrator hashed with MD5.
    let p = with(&[("sign_type", "HMAC-SHA256")]);
    let string = format!("{STRING_A}&sign_type=HMAC-SHA256&key={KEY}");
    let d = diagnose(&p, &key(), &md5(&string), &opts());
    assert_eq!(d.sign_type, SignType::HmacSha256);
    assert_confirmed(
        &d,
        code::WRONG_SIGN_TYPE,
        Some(&format!("{STRING_A}&sign_type=HMAC-SHA256&key={MASKED}")),
    );
    // An HMAC notify verified as MD5: the caller says WeChat uses MD5.
    let claimed = hmac(KEY, &format!("{STRING_A}&key={KEY}"));
    let o = DiagnoseOptions {
        sign_type: Some(SignType::Md5),
        ..opts()
    };
    let d = diagnose(&PARAMS, &key(), &claimed, &o);
    assert_confirmed(
        &d,
        code::WRONG_SIGN_TYPE,
        Some(&format!("{STRING_A}&key={MASKED}")),
    );
}

#[test]
fn wrong_sign_type_and_lowercase_hex_combined() {
    let p = with(&[("sign_type", "MD5")]);
    let claimed = hmac(KEY, &format!("{STRING_A}&sign_type=MD5&key={KEY}")).to_lowercase();
    let d = diagnose(&p, &key(), &claimed, &opts());
    let signed = format!("{STRING_A}&sign_type=MD5&key={MASKED}");
    assert_confirmed(&d, code::WRONG_SIGN_TYPE, Some(&signed));
    assert_confirmed(&d, code::LOWERCASE_HEX, Some(&signed));
    let f = d.finding(code::WRONG_SIGN_TYPE).unwrap();
    assert_eq!(f.related, vec![code::LOWERCASE_HEX]);
}

#[test]
fn sha256_not_hmac() {
    let p = with(&[("sign_type", "HMAC-SHA256")]);
    let claimed = sha256(&format!("{STRING_A}&sign_type=HMAC-SHA256&key={KEY}"));
    let d = diagnose(&p, &key(), &claimed, &opts());
    assert_confirmed(
        &d,
        code::SHA256_NOT_HMAC,
        Some(&format!("{STRING_A}&sign_type=HMAC-SHA256&key={MASKED}")),
    );
    assert!(d.finding(code::WRONG_SIGN_TYPE).is_none(), "{d}");
}

#[test]
fn lowercase_hex() {
    let claimed = md5(&format!("{STRING_A}&key={KEY}")).to_lowercase();
    assert_eq!(claimed, "9a0a8659f005d6984697e2ca0a9cf3b7");
    let d = diagnose(&PARAMS, &key(), &claimed, &opts());
    assert_eq!(d.expected_sign, "9A0A8659F005D6984697E2CA0A9CF3B7");
    assert_confirmed(
        &d,
        code::LOWERCASE_HEX,
        Some(&format!("{STRING_A}&key={MASKED}")),
    );
    assert_eq!(d.confirmed().count(), 1, "{d}");
}

#[test]
fn base64_sign() {
    let digest = Md5::digest(format!("{STRING_A}&key={KEY}").as_bytes());
    let claimed = base64::engine::general_purpose::STANDARD.encode(digest);
    let d = diagnose(&PARAMS, &key(), &claimed, &opts());
    assert_confirmed(
        &d,
        code::BASE64_SIGN,
        Some(&format!("{STRING_A}&key={MASKED}")),
    );
}

#[test]
fn sign_has_whitespace() {
    let claimed = format!("{}\n", md5(&format!("{STRING_A}&key={KEY}")));
    let d = diagnose(&PARAMS, &key(), &claimed, &opts());
    assert_confirmed(
        &d,
        code::SIGN_HAS_WHITESPACE,
        Some(&format!("{STRING_A}&key={MASKED}")),
    );
}

#[test]
fn sign_field_included() {
    // Verifying a notify by hashing every field, the received sign included.
    let p = with(&[("sign", "C380BEC2BFD727A4B6845133519F3AD6")]);
    let string = "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&sign=C380BEC2BFD727A4B6845133519F3AD6";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::SIGN_FIELD_INCLUDED,
        Some(&format!("{string}&key={MASKED}")),
    );
}

#[test]
fn empty_values_included() {
    let p = with(&[("attach", ""), ("detail", "")]);
    let string = "appid=wxd930ea5d5a258f4f&attach=&body=test&detail=&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::EMPTY_VALUES_INCLUDED,
        Some(&format!("{string}&key={MASKED}")),
    );
}

#[test]
fn sign_type_excluded() {
    let p = with(&[("sign_type", "MD5")]);
    let d = diagnose(&p, &key(), &md5(&format!("{STRING_A}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::SIGN_TYPE_EXCLUDED,
        Some(&format!("{STRING_A}&key={MASKED}")),
    );
}

#[test]
fn field_omitted() {
    // A notify model that does not know `promotion_detail` drops it.
    let p = with(&[("promotion_detail", "{\"promotion_id\":\"1\"}")]);
    let d = diagnose(&p, &key(), &md5(&format!("{STRING_A}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::FIELD_OMITTED,
        Some(&format!("{STRING_A}&key={MASKED}")),
    );
    assert!(
        d.finding(code::FIELD_OMITTED)
            .unwrap()
            .summary
            .contains("`promotion_detail`")
    );
}

#[test]
fn values_trimmed() {
    // The official Java SDK trims values before signing.
    let p = [
        ("appid", "wxd930ea5d5a258f4f"),
        ("body", " test "),
        ("mch_id", "10000100"),
    ];
    let string = "appid=wxd930ea5d5a258f4f&body=test&mch_id=10000100";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::VALUES_TRIMMED,
        Some(&format!("{string}&key={MASKED}")),
    );
    assert_eq!(
        d.string_to_sign_masked,
        format!("appid=wxd930ea5d5a258f4f&body= test &mch_id=10000100&key={MASKED}")
    );
}

/// JavaScript's encodeURIComponent, as an integrator's Node code would apply.
fn encode_uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn values_url_encoded() {
    let p = [
        ("appid", "wxd930ea5d5a258f4f"),
        ("body", "腾讯充值中心-QQ会员充值"),
        ("notify_url", "https://example.com/wxpay/notify"),
    ];
    let string = format!(
        "appid=wxd930ea5d5a258f4f&body={}&notify_url={}",
        encode_uri_component(p[1].1),
        encode_uri_component(p[2].1)
    );
    assert!(string.contains("%E8%85%BE") && string.contains("https%3A%2F%2F"));
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::VALUES_URL_ENCODED,
        Some(&format!("{string}&key={MASKED}")),
    );
    assert!(
        d.finding(code::VALUES_URL_ENCODED)
            .unwrap()
            .summary
            .contains("encodeURIComponent")
    );
}

#[test]
fn values_url_encoded_php_form_style() {
    // PHP http_build_query: space as '+'.
    let p = [("attach", "a b"), ("body", "x")];
    let string = "attach=a+b&body=x";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::VALUES_URL_ENCODED,
        Some(&format!("{string}&key={MASKED}")),
    );
}

#[test]
fn xml_escaped_values() {
    let p = [("appid", "wxd930ea5d5a258f4f"), ("body", "A&B <C>")];
    let string = "appid=wxd930ea5d5a258f4f&body=A&amp;B &lt;C&gt;";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::XML_ESCAPED_VALUES,
        Some(&format!("{string}&key={MASKED}")),
    );
}

#[test]
fn cdata_in_value_wrapped() {
    let string: String = PARAMS
        .iter()
        .copied()
        .collect::<std::collections::BTreeMap<_, _>>()
        .iter()
        .map(|(k, v)| format!("{k}=<![CDATA[{v}]]>"))
        .collect::<Vec<_>>()
        .join("&");
    let d = diagnose(
        &PARAMS,
        &key(),
        &md5(&format!("{string}&key={KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::CDATA_IN_VALUE,
        Some(&format!("{string}&key={MASKED}")),
    );
}

#[test]
fn cdata_in_value_literal() {
    // The value WeChat received literally contains the wrapper (XML built
    // twice), while the integrator signed the inner text.
    let p = [
        ("appid", "wxd930ea5d5a258f4f"),
        ("detail", "<![CDATA[{\"goods\":[]}]]>"),
    ];
    let string = "appid=wxd930ea5d5a258f4f&detail={\"goods\":[]}";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::CDATA_IN_VALUE,
        Some(&format!("{string}&key={MASKED}")),
    );
}

#[test]
fn locale_sort() {
    // Byte order puts `productTag` ('T' = 0x54) before `product_id` ('_' = 0x5F);
    // a case-insensitive or localeCompare sort puts it after.
    let p = [
        ("body", "x"),
        ("productTag", "vip"),
        ("product_id", "12235413214070356458058"),
    ];
    let string = "body=x&product_id=12235413214070356458058&productTag=vip";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    assert_confirmed(
        &d,
        code::LOCALE_SORT,
        Some(&format!("{string}&key={MASKED}")),
    );
    assert_eq!(
        d.string_to_sign_masked,
        format!("body=x&productTag=vip&product_id=12235413214070356458058&key={MASKED}")
    );
}

#[test]
fn not_sorted() {
    let string = "appid=wxd930ea5d5a258f4f&mch_id=10000100&device_info=1000&body=test&nonce_str=ibuaiVcKdpRxkhJA";
    let d = diagnose(
        &PARAMS,
        &key(),
        &md5(&format!("{string}&key={KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::NOT_SORTED,
        Some(&format!("{string}&key={MASKED}")),
    );
}

#[test]
fn key_sorted_as_param() {
    let string = format!(
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&key={KEY}&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"
    );
    let d = diagnose(&PARAMS, &key(), &md5(&string), &opts());
    assert_confirmed(
        &d,
        code::KEY_SORTED_AS_PARAM,
        Some(&format!(
            "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&key={MASKED}&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"
        )),
    );
    assert!(d.finding(code::KEY_SUFFIX_MISSING).is_none(), "{d}");
}

#[test]
fn app_secret_as_key() {
    let o = DiagnoseOptions {
        app_secret: Some(SECRET),
        ..opts()
    };
    let d = diagnose(
        &PARAMS,
        &key(),
        &md5(&format!("{STRING_A}&key={SECRET}")),
        &o,
    );
    assert_confirmed(
        &d,
        code::APP_SECRET_AS_KEY,
        Some(&format!("{STRING_A}&key={SECRET_MASKED}")),
    );
    // HMAC-SHA256 keyed with the AppSecret as well.
    let p = with(&[("sign_type", "HMAC-SHA256")]);
    let claimed = hmac(
        SECRET,
        &format!("{STRING_A}&sign_type=HMAC-SHA256&key={SECRET}"),
    );
    let d = diagnose(&p, &key(), &claimed, &o);
    assert_confirmed(
        &d,
        code::APP_SECRET_AS_KEY,
        Some(&format!(
            "{STRING_A}&sign_type=HMAC-SHA256&key={SECRET_MASKED}"
        )),
    );
    assert!(!format!("{o:?}").contains(SECRET));
}

#[test]
fn key_not_32_bytes_confirmed() {
    // The key was read from a file with its trailing newline.
    let d = diagnose(
        &PARAMS,
        &key(),
        &md5(&format!("{STRING_A}&key={KEY}\n")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::KEY_NOT_32_BYTES,
        Some(&format!("{STRING_A}&key={MASKED}\n")),
    );
    assert!(
        d.finding(code::KEY_NOT_32_BYTES)
            .unwrap()
            .summary
            .contains("33 bytes")
    );
    // The given key carries the newline; WeChat (and the sign) used 32 bytes.
    let with_nl = ApiKey::new(format!("{KEY}\n"));
    let d = diagnose(
        &PARAMS,
        &with_nl,
        &md5(&format!("{STRING_A}&key={KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::KEY_NOT_32_BYTES,
        Some(&format!("{STRING_A}&key={MASKED}")),
    );
}

#[test]
fn key_not_32_bytes_advisory() {
    let short = ApiKey::new("0123456789abcdef");
    let d = diagnose(&PARAMS, &short, "0123456789ABCDEF0123456789ABCDEF", &opts());
    let f = d.finding(code::KEY_NOT_32_BYTES).unwrap();
    assert!(!f.confirmed);
    assert!(f.summary.contains("16 bytes"));
    assert!(d.finding(code::WRONG_KEY).is_some());
    assert_no_secret(&d, &["0123456789abcdef"]);
}

#[test]
fn api_key_case() {
    let upper = KEY.to_uppercase();
    let d = diagnose(
        &PARAMS,
        &key(),
        &md5(&format!("{STRING_A}&key={upper}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::API_KEY_CASE,
        // The uppercased key, fingerprinted as itself.
        Some(&format!("{STRING_A}&key=sha256:0d07a378")),
    );
    assert_no_secret(&d, &[&upper]);
}

#[test]
fn key_suffix_missing() {
    let d = diagnose(&PARAMS, &key(), &md5(STRING_A), &opts());
    assert_confirmed(&d, code::KEY_SUFFIX_MISSING, Some(STRING_A));
    // HMAC keyed with the key over stringA only.
    let o = DiagnoseOptions {
        sign_type: Some(SignType::HmacSha256),
        ..opts()
    };
    let d = diagnose(&PARAMS, &key(), &hmac(KEY, STRING_A), &o);
    assert_confirmed(&d, code::KEY_SUFFIX_MISSING, Some(STRING_A));
}

#[test]
fn key_suffix_malformed() {
    let d = diagnose(&PARAMS, &key(), &md5(&format!("{STRING_A}{KEY}")), &opts());
    assert_confirmed(
        &d,
        code::KEY_SUFFIX_MALFORMED,
        Some(&format!("{STRING_A}{MASKED}")),
    );
    let d = diagnose(
        &PARAMS,
        &key(),
        &md5(&format!("{STRING_A}key={KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::KEY_SUFFIX_MALFORMED,
        Some(&format!("{STRING_A}key={MASKED}")),
    );
}

#[test]
fn url_encoded_and_suffix_missing_combined() {
    let p = [("attach", "a b"), ("body", "x")];
    let string = "attach=a%20b&body=x";
    let d = diagnose(&p, &key(), &md5(string), &opts());
    assert_confirmed(&d, code::VALUES_URL_ENCODED, Some(string));
    assert_confirmed(&d, code::KEY_SUFFIX_MISSING, Some(string));
}

#[test]
fn two_string_mistakes_combined() {
    // A generic signer: `sign` and empty values included.
    let p = with(&[("attach", ""), ("sign", "OLD")]);
    let string = "appid=wxd930ea5d5a258f4f&attach=&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&sign=OLD";
    let d = diagnose(&p, &key(), &md5(&format!("{string}&key={KEY}")), &opts());
    let signed = format!("{string}&key={MASKED}");
    assert_confirmed(&d, code::SIGN_FIELD_INCLUDED, Some(&signed));
    assert_confirmed(&d, code::EMPTY_VALUES_INCLUDED, Some(&signed));
}

// ---------------------------------------------------------------------------
// paySign.

#[test]
fn pay_sign_official_vector_is_ok() {
    let k = ApiKey::new(PAY_KEY);
    let d = diagnose(&PAY, &k, "22D9B4E54AB1950F51E0649E8810ACD6", &opts());
    assert!(d.ok, "{d}");
    assert_eq!(d.kind, SignKind::PaySign);
    assert_eq!(
        d.string_to_sign_masked,
        format!(
            "appId=wxd678efh567hg6787&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx2017033010242291fcfe0db70013231072&signType=MD5&timeStamp=1490840662&key={PAY_MASKED}"
        )
    );
    // The object given to wx.requestPayment has no appId: supply it.
    let obj = [
        ("timeStamp", "1490840662"),
        ("nonceStr", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("package", "prepay_id=wx2017033010242291fcfe0db70013231072"),
        ("signType", "MD5"),
        ("paySign", "22D9B4E54AB1950F51E0649E8810ACD6"),
    ];
    let o = DiagnoseOptions {
        app_id: Some("wxd678efh567hg6787"),
        ..opts()
    };
    let d = diagnose(&obj, &k, "22D9B4E54AB1950F51E0649E8810ACD6", &o);
    assert!(d.ok, "{d}");
    // Without it, the doctor says what is missing.
    let d = diagnose(&obj, &k, "22D9B4E54AB1950F51E0649E8810ACD6", &opts());
    assert!(!d.ok);
    let f = d.finding(code::PAYSIGN_FIELD_MISSING).unwrap();
    assert!(!f.confirmed && f.summary.contains("`appId`"), "{d}");
    // ... and that the sign it was given omits appId.
    assert_eq!(d.finding(code::WRONG_KEY).map(|f| f.confirmed), Some(false));
}

#[test]
fn pay_sign_matches_build_payment_params() {
    let k = ApiKey::new(PAY_KEY);
    let p = build_payment_params(
        "wxd678efh567hg6787",
        "wx2017033010242291fcfe0db70013231072",
        &k,
        SignType::HmacSha256,
        "1490840662",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    )
    .unwrap();
    let obj = [
        ("appId", p.app_id.as_str()),
        ("timeStamp", p.time_stamp.as_str()),
        ("nonceStr", p.nonce_str.as_str()),
        ("package", p.package.as_str()),
        ("signType", "HMAC-SHA256"),
        ("paySign", p.pay_sign.as_str()),
    ];
    let d = diagnose(&obj, &k, &p.pay_sign, &opts());
    assert!(d.ok, "{d}");
    assert_eq!(d.sign_type, SignType::HmacSha256);
}

const PAY_STRING_TAIL: &str = "nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx2017033010242291fcfe0db70013231072&signType=MD5&timeStamp=1490840662";

#[test]
fn key_case_pay_sign_appid() {
    // Signed `appid` (the unifiedorder spelling) instead of `appId`.
    let string = format!("appid=wxd678efh567hg6787&{PAY_STRING_TAIL}");
    let d = diagnose(
        &PAY,
        &ApiKey::new(PAY_KEY),
        &md5(&format!("{string}&key={PAY_KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::KEY_CASE,
        Some(&format!("{string}&key={PAY_MASKED}")),
    );
}

#[test]
fn key_case_pay_sign_all_lowercase() {
    // The JS-SDK / APP spelling: appid, noncestr, package, signtype, timestamp.
    let string = "appid=wxd678efh567hg6787&noncestr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx2017033010242291fcfe0db70013231072&signtype=MD5&timestamp=1490840662";
    let d = diagnose(
        &PAY,
        &ApiKey::new(PAY_KEY),
        &md5(&format!("{string}&key={PAY_KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::KEY_CASE,
        Some(&format!("{string}&key={PAY_MASKED}")),
    );
}

#[test]
fn key_case_object_given_with_wrong_names() {
    // The object itself carries `timestamp`; its value is used as
    // `timeStamp`, and the sign over `timestamp` is explained.
    let obj = [
        ("appId", "wxd678efh567hg6787"),
        ("timestamp", "1490840662"),
        ("nonceStr", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("package", "prepay_id=wx2017033010242291fcfe0db70013231072"),
        ("signType", "MD5"),
    ];
    let string = "appId=wxd678efh567hg6787&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx2017033010242291fcfe0db70013231072&signType=MD5&timestamp=1490840662";
    let k = ApiKey::new(PAY_KEY);
    let d = diagnose(&obj, &k, &md5(&format!("{string}&key={PAY_KEY}")), &opts());
    assert_eq!(d.expected_sign, "22D9B4E54AB1950F51E0649E8810ACD6");
    assert_confirmed(
        &d,
        code::KEY_CASE,
        Some(&format!("{string}&key={PAY_MASKED}")),
    );
    // With the right sign, the wrong name is still flagged (advisory).
    let d = diagnose(&obj, &k, "22D9B4E54AB1950F51E0649E8810ACD6", &opts());
    assert!(d.ok);
    let f = d.finding(code::KEY_CASE).unwrap();
    assert!(!f.confirmed && f.summary.contains("`timestamp`"), "{d}");
}

#[test]
fn package_prefix_missing() {
    let string = "appId=wxd678efh567hg6787&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=wx2017033010242291fcfe0db70013231072&signType=MD5&timeStamp=1490840662";
    let d = diagnose(
        &PAY,
        &ApiKey::new(PAY_KEY),
        &md5(&format!("{string}&key={PAY_KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::PACKAGE_PREFIX_MISSING,
        Some(&format!("{string}&key={PAY_MASKED}")),
    );
}

#[test]
fn extra_fields_included() {
    // The backend signs every field of the object it returns.
    let obj = [
        ("appId", "wxd678efh567hg6787"),
        ("timeStamp", "1490840662"),
        ("nonceStr", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("package", "prepay_id=wx2017033010242291fcfe0db70013231072"),
        ("signType", "MD5"),
        ("orderId", "20170330001"),
    ];
    let string = format!("appId=wxd678efh567hg6787&{PAY_STRING_TAIL}");
    let string = string.replace("&package=", "&orderId=20170330001&package=");
    let d = diagnose(
        &obj,
        &ApiKey::new(PAY_KEY),
        &md5(&format!("{string}&key={PAY_KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::EXTRA_FIELDS_INCLUDED,
        Some(&format!("{string}&key={PAY_MASKED}")),
    );
}

#[test]
fn pay_sign_field_included_by_generic_verify() {
    let obj = [
        ("appId", "wxd678efh567hg6787"),
        ("timeStamp", "1490840662"),
        ("nonceStr", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("package", "prepay_id=wx2017033010242291fcfe0db70013231072"),
        ("signType", "MD5"),
        ("paySign", "22D9B4E54AB1950F51E0649E8810ACD6"),
    ];
    // `paySign` sorts between `package` and `signType`.
    let string = "appId=wxd678efh567hg6787&nonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&package=prepay_id=wx2017033010242291fcfe0db70013231072&paySign=22D9B4E54AB1950F51E0649E8810ACD6&signType=MD5&timeStamp=1490840662";
    let d = diagnose(
        &obj,
        &ApiKey::new(PAY_KEY),
        &md5(&format!("{string}&key={PAY_KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::SIGN_FIELD_INCLUDED,
        Some(&format!("{string}&key={PAY_MASKED}")),
    );
}

#[test]
fn appid_omitted_from_pay_sign() {
    // appId is not passed to wx.requestPayment, so it was left out.
    let d = diagnose(
        &PAY,
        &ApiKey::new(PAY_KEY),
        &md5(&format!("{PAY_STRING_TAIL}&key={PAY_KEY}")),
        &opts(),
    );
    assert_confirmed(
        &d,
        code::FIELD_OMITTED,
        Some(&format!("{PAY_STRING_TAIL}&key={PAY_MASKED}")),
    );
    assert!(
        d.finding(code::FIELD_OMITTED)
            .unwrap()
            .summary
            .contains("`appId`")
    );
}

#[test]
fn order_sign_reused_as_pay_sign() {
    let order_sign = "6A9AE1657590FD6257D693A078E1C3E4";
    let o = DiagnoseOptions {
        order_sign: Some(order_sign),
        ..opts()
    };
    let d = diagnose(&PAY, &ApiKey::new(PAY_KEY), order_sign, &o);
    assert!(!d.ok);
    let f = d.finding(code::ORDER_SIGN_REUSED_AS_PAYSIGN).unwrap();
    assert!(f.confirmed);
    // What the order's sign covered is unknown here.
    assert_eq!(f.signed_string, None);
    assert_eq!(d.expected_sign, "22D9B4E54AB1950F51E0649E8810ACD6");
    assert!(d.finding(code::WRONG_KEY).is_none());
}

// ---------------------------------------------------------------------------
// Advisories.

#[test]
fn missing_and_malformed_sign() {
    for s in ["", "  "] {
        let d = diagnose(&PARAMS, &key(), s, &opts());
        let f = d.finding(code::MISSING_SIGN).unwrap();
        assert!(!f.confirmed && !d.ok);
        assert_eq!(d.variants_tried, 0);
    }
    for s in ["ABC", "9A0A8659F005D6984697E2CA0A9CF3BZ", &"A".repeat(1000)] {
        let d = diagnose(&PARAMS, &key(), s, &opts());
        let f = d.finding(code::MALFORMED_SIGN).unwrap();
        assert!(!f.confirmed && !d.ok, "{d}");
        assert!(d.finding(code::WRONG_KEY).is_none());
    }
    let d = diagnose(&PARAMS, &key(), "9A0A8659F005D6984697E2CA0A9CF3BZ", &opts());
    assert!(
        d.finding(code::MALFORMED_SIGN)
            .unwrap()
            .summary
            .contains("'Z'")
    );
}

#[test]
fn sign_type_mismatch_advisory() {
    let p = with(&[("sign_type", "HMAC-SHA256")]);
    let d = diagnose(&p, &key(), "0123456789ABCDEF0123456789ABCDEF", &opts());
    let f = d.finding(code::SIGN_TYPE_MISMATCH).unwrap();
    assert!(!f.confirmed, "{d}");
    assert!(f.summary.contains("32 characters"), "{}", f.summary);
}

#[test]
fn unsupported_sign_type_advisory() {
    // Lowercase `md5` is refused by WeChat ("签名类型不支持") even when the
    // sign is right.
    let p = with(&[("sign_type", "md5")]);
    let s = sign(&p, &key(), SignType::Md5);
    let d = diagnose(&p, &key(), s.as_str(), &opts());
    assert!(d.ok);
    let f = d.finding(code::UNSUPPORTED_SIGN_TYPE).unwrap();
    assert!(!f.confirmed && f.summary.contains("\"md5\""), "{d}");
}

// ---------------------------------------------------------------------------
// Bounds and secrecy.

/// A key pasted into `sign_type` is echoed by the advisory, masked: also
/// when the key has a control character (the echo is `{:?}`-escaped) and
/// when the echo is cut short inside the key. Found by fuzzing (`diagnose`).
#[test]
fn a_key_echoed_in_an_advisory_stays_masked() {
    let key_text = "K\u{4}ey\0with\u{6}control-chars-0123";
    let k = ApiKey::new(key_text);
    for value in [key_text.to_owned(), format!("{}{key_text}", "x".repeat(20))] {
        let mut p: Vec<(&str, &str)> = PARAMS.to_vec();
        p.push(("sign_type", value.as_str()));
        let d = diagnose(&p, &k, "WRONG", &opts());
        assert!(d.finding(code::UNSUPPORTED_SIGN_TYPE).is_some(), "{d}");
        let escaped = format!("{key_text:?}");
        let escaped = &escaped[1..escaped.len() - 1];
        // The first 8 characters of the key, raw or escaped: no part of it.
        assert_no_secret(&d, &[key_text, escaped, &escaped[..8], &key_text[..8]]);
    }
}

#[test]
fn large_input_is_bounded() {
    // A 1 MiB value: the search stays within its caps and still finds a
    // mistake that needs no transform.
    let big = "x".repeat(1 << 20);
    let p = [("appid", "wxd930ea5d5a258f4f"), ("body", big.as_str())];
    let string = format!("appid=wxd930ea5d5a258f4f&body={big}&key={KEY}");
    let d = diagnose(&p, &key(), &md5(&string).to_lowercase(), &opts());
    assert!(d.finding(code::LOWERCASE_HEX).unwrap().confirmed);
    // Nothing matches: the work cap ends the search.
    let d = diagnose(&p, &key(), "0123456789ABCDEF0123456789ABCDEF", &opts());
    assert!(!d.search_complete);
    assert!(d.variants_tried <= 16, "{}", d.variants_tried);
    assert!(d.finding(code::SEARCH_TRUNCATED).is_some());
    assert!(d.finding(code::WRONG_KEY).is_none());
    // Many fields: the number of strings is capped.
    let fields: Vec<(String, String)> = (0..20_000)
        .map(|i| (format!("f{i}"), format!("v{i}")))
        .collect();
    let o = DiagnoseOptions {
        max_variants: 50,
        ..opts()
    };
    let d = diagnose(&fields, &key(), "0123456789ABCDEF0123456789ABCDEF", &o);
    assert!(!d.search_complete && d.variants_tried <= 50);
}

#[test]
fn key_inside_a_value_is_masked() {
    // An integrator who put the key into the map: it is masked everywhere.
    let p = with(&[("key", KEY)]);
    let d = diagnose(&p, &key(), "0123456789ABCDEF0123456789ABCDEF", &opts());
    assert!(
        d.string_to_sign_masked
            .contains(&format!("key={MASKED}&mch_id"))
    );
    assert_no_secret(&d, &[KEY]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the key, the secret, the values and the mistake, neither the
    /// key nor the AppSecret appears in the Diagnosis.
    #[test]
    fn never_reveals_key_or_secret(
        key_text in "[0-9A-Za-z]{32}",
        secret in "[0-9a-f]{32}",
        body in "[ -~\u{4e00}-\u{4e10}]{0,24}",
        mistake in 0usize..8,
        put_key_in_value in any::<bool>(),
    ) {
        let k = ApiKey::new(key_text.clone());
        let body_v = if put_key_in_value { format!("{body}{key_text}") } else { body.clone() };
        let p = [("appid", "wxd930ea5d5a258f4f"), ("attach", secret.as_str()), ("body", body_v.as_str())];
        let canon = wxpay_core::canonical_string(&p);
        let claimed = match mistake {
            0 => sign(&p, &k, SignType::Md5).to_string(),
            1 => md5(&format!("{canon}&key={key_text}")).to_lowercase(),
            2 => md5(&format!("{canon}&key={secret}")),
            3 => md5(&canon),
            4 => hmac(&format!("{key_text}\n"), &format!("{canon}&key={key_text}\n")),
            5 => md5(&format!("{canon}&key={}", key_text.to_uppercase())),
            6 => hmac(&secret, &format!("{canon}&key={secret}")).to_lowercase(),
            _ => "0123456789ABCDEF0123456789ABCDEF".to_string(),
        };
        let o = DiagnoseOptions { app_secret: Some(&secret), ..DiagnoseOptions::default() };
        let d = diagnose(&p, &k, &claimed, &o);
        prop_assert_eq!(d.ok, mistake == 0);
        if (1..7).contains(&mistake) {
            prop_assert!(d.confirmed().count() > 0, "{}", d);
        }
        let dbg = format!("{d:?}");
        let disp = format!("{d}");
        prop_assert!(!dbg.contains(&key_text), "key in {}", dbg);
        prop_assert!(!disp.contains(&key_text));
        prop_assert!(!dbg.contains(&secret), "secret in {}", dbg);
        prop_assert!(!disp.contains(&secret));
    }
}

#[test]
fn finding_codes_are_one_enum_with_stable_distinct_texts() {
    use wxpay_core::diagnose::FindingCode;
    let texts: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
    let mut sorted = texts.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), texts.len(), "duplicate code text");
    for t in &texts {
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "{t}"
        );
    }
    assert_eq!(FindingCode::WrongKey.as_str(), code::WRONG_KEY);
    assert_eq!(
        FindingCode::OrderSignReusedAsPaySign.to_string(),
        "ORDER_SIGN_REUSED_AS_PAYSIGN"
    );
    assert_eq!(texts.len(), 32);
}

#[test]
fn no_character_of_the_key_is_shown_only_a_fingerprint() {
    // The correct string and every finding show the fingerprint; neither the
    // first nor the last two characters of the key survive (the old mask
    // kept them).
    let d = diagnose(
        &PARAMS,
        &key(),
        &md5(&format!("{STRING_A}&key={KEY}")).to_lowercase(),
        &opts(),
    );
    let all = format!("{d}\n{d:?}");
    assert!(all.contains(MASKED), "{all}");
    assert!(!all.contains("19*") && !all.contains("*2d"), "{all}");
    assert_eq!(ApiKey::new(KEY).masked(), MASKED);
    assert_eq!(ApiKey::new(KEY).fingerprint(), MASKED);
    // A short key is all stars: 4 bytes of its hash could be reversed.
    assert_eq!(ApiKey::new("abc1234").fingerprint(), "*******");
    let o = DiagnoseOptions {
        app_secret: Some(SECRET),
        ..opts()
    };
    let dbg = format!("{o:?}");
    assert!(
        dbg.contains(SECRET_MASKED) && !dbg.contains("3a9f"),
        "{dbg}"
    );
}
