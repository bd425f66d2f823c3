//! Known-answer vectors (vectors/wxpay-v3.json) and the specific error kinds
//! of the v3 module. Every case is tested by name; a failure names it.
#![cfg(feature = "v3")]
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;
use wxpay_core::v3::{
    self, Authorization, EncryptedResource, MerchantKey, Notify, Refund, SignedHeaders,
    Transaction, V3Error, VerifyKey,
};

const VECTORS: &str = include_str!("../../vectors/wxpay-v3.json");
const MERCHANT_KEY: &str = include_str!("../../vectors/v3-test-keys/merchant_key.pem");
const MERCHANT_KEY_PKCS1: &str = include_str!("../../vectors/v3-test-keys/merchant_key_pkcs1.pem");
const MERCHANT_CERT: &str = include_str!("../../vectors/v3-test-keys/merchant_cert.pem");
const MERCHANT_PUB: &str = include_str!("../../vectors/v3-test-keys/merchant_pub.pem");
const PLATFORM_KEY: &str = include_str!("../../vectors/v3-test-keys/platform_key.pem");
const PLATFORM_CERT: &str = include_str!("../../vectors/v3-test-keys/platform_cert.pem");
const WEAK_KEY: &str = include_str!("../../vectors/v3-test-keys/weak1024_key.pem");
const WEAK_PUB: &str = include_str!("../../vectors/v3-test-keys/weak1024_pub.pem");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}
fn s<'a>(c: &'a Value, k: &str) -> &'a str {
    c[k].as_str().unwrap_or_else(|| panic!("field {k} in {c}"))
}

#[test]
fn request_sign_vectors() {
    let key = MerchantKey::from_pem(MERCHANT_KEY).unwrap();
    let pkcs1 = MerchantKey::from_pem(MERCHANT_KEY_PKCS1).unwrap();
    let cert = VerifyKey::from_pem(MERCHANT_CERT).unwrap();
    for c in vectors()["request_sign"].as_array().unwrap() {
        let name = s(c, "name");
        let msg = v3::request_message(
            s(c, "method"),
            s(c, "url"),
            s(c, "timestamp"),
            s(c, "nonce"),
            s(c, "body").as_bytes(),
        );
        assert_eq!(msg, s(c, "message").as_bytes(), "{name}: message");
        assert_eq!(
            key.sign(&msg).unwrap(),
            s(c, "signature"),
            "{name}: PKCS#8 signature"
        );
        assert_eq!(
            pkcs1.sign(&msg).unwrap(),
            s(c, "signature"),
            "{name}: PKCS#1 signature"
        );
        cert.verify(&msg, s(c, "signature"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let auth = Authorization::sign(
            &key,
            "1900000109",
            cert.serial().unwrap(),
            s(c, "method"),
            s(c, "url"),
            s(c, "timestamp"),
            s(c, "nonce"),
            s(c, "body").as_bytes(),
        )
        .unwrap();
        let parsed = Authorization::parse(&auth.to_string()).unwrap();
        assert_eq!(parsed, auth, "{name}: header round trip");
        parsed
            .verify(&cert, s(c, "method"), s(c, "url"), s(c, "body").as_bytes())
            .unwrap();
    }
}

#[test]
fn response_sign_vectors_and_policy() {
    let platform = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    let cert = VerifyKey::from_pem(PLATFORM_CERT).unwrap();
    let keys = [cert];
    for c in vectors()["response_sign"].as_array().unwrap() {
        let name = s(c, "name");
        let msg = v3::response_message(s(c, "timestamp"), s(c, "nonce"), s(c, "body").as_bytes());
        assert_eq!(msg, s(c, "message").as_bytes(), "{name}");
        assert_eq!(platform.sign(&msg).unwrap(), s(c, "signature"), "{name}");
        let h = SignedHeaders {
            serial: s(c, "serial"),
            signature: s(c, "signature"),
            timestamp: s(c, "timestamp"),
            nonce: s(c, "nonce"),
            signature_type: "WECHATPAY2-SHA256-RSA2048",
        };
        let ts: i64 = s(c, "timestamp").parse().unwrap();
        let body = s(c, "body").as_bytes();
        v3::verify_response(&h, body, &keys, ts + 300).unwrap_or_else(|e| panic!("{name}: {e}"));
        v3::verify_response(&h, body, &keys, ts - 300).unwrap();
        assert_eq!(
            v3::verify_response(&h, body, &keys, ts + 301),
            Err(V3Error::TimestampSkew { skew_secs: 301 }),
            "{name}"
        );
        assert_eq!(
            v3::verify_response(&h, body, &keys, ts - 301),
            Err(V3Error::TimestampSkew { skew_secs: -301 })
        );
        let mut tampered = body.to_vec();
        tampered.push(b' ');
        assert_eq!(
            v3::verify_response(&h, &tampered, &keys, ts),
            Err(V3Error::SignatureMismatch)
        );
        let wrong_type = SignedHeaders {
            signature_type: "WECHATPAY2-SM2-WITH-SM3",
            ..h
        };
        assert_eq!(
            v3::verify_response(&wrong_type, body, &keys, ts)
                .unwrap_err()
                .code(),
            "ERR_V3_UNSUPPORTED_SIGNATURE_TYPE"
        );
        let unknown = SignedHeaders {
            serial: "PUB_KEY_ID_0000",
            ..h
        };
        assert_eq!(
            v3::verify_response(&unknown, body, &keys, ts)
                .unwrap_err()
                .code(),
            "ERR_V3_UNKNOWN_SERIAL"
        );
        let ms = format!("{ts}000");
        let ms_h = SignedHeaders {
            timestamp: &ms,
            ..h
        };
        assert_eq!(
            v3::verify_response(&ms_h, body, &keys, ts)
                .unwrap_err()
                .code(),
            "ERR_V3_INVALID_VALUE"
        );
    }
}

#[test]
fn public_key_id_mode_and_header_lookup() {
    let c = &vectors()["response_sign"][0];
    let key = VerifyKey::from_pem(include_str!("../../vectors/v3-test-keys/platform_pub.pem"))
        .unwrap()
        .with_serial("PUB_KEY_ID_0111111111111111111111");
    let headers = [
        ("wechatpay-serial", "PUB_KEY_ID_0111111111111111111111"),
        ("wechatpay-signature", s(c, "signature")),
        ("wechatpay-timestamp", s(c, "timestamp")),
        ("wechatpay-nonce", s(c, "nonce")),
        ("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"),
    ];
    let lookup = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| *v)
    };
    let h = SignedHeaders::from_lookup(lookup).unwrap();
    v3::verify_response(
        &h,
        s(c, "body").as_bytes(),
        &[key],
        s(c, "timestamp").parse().unwrap(),
    )
    .unwrap();
    let missing = SignedHeaders::from_lookup(|n| {
        if n == "Wechatpay-Signature-Type" {
            None
        } else {
            lookup(n)
        }
    });
    assert_eq!(
        missing,
        Err(V3Error::MissingHeader("Wechatpay-Signature-Type"))
    );
}

#[test]
fn pay_sign_vectors() {
    let key = MerchantKey::from_pem(MERCHANT_KEY).unwrap();
    let cert = VerifyKey::from_pem(MERCHANT_CERT).unwrap();
    for c in vectors()["pay_sign"].as_array().unwrap() {
        let name = s(c, "name");
        let prepay = s(c, "package").strip_prefix("prepay_id=").unwrap();
        let p = v3::build_payment_params(
            &key,
            s(c, "appId"),
            prepay,
            s(c, "timeStamp"),
            s(c, "nonceStr"),
        )
        .unwrap();
        assert_eq!(p.pay_sign, s(c, "paySign"), "{name}");
        assert_eq!(p.sign_type, "RSA");
        assert_eq!(
            v3::pay_sign_message(&p.app_id, &p.time_stamp, &p.nonce_str, &p.package),
            s(c, "message")
        );
        v3::verify_payment_params(&p, &cert).unwrap();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["signType"], "RSA");
        assert_eq!(json["paySign"], s(c, "paySign"));
        let mut md5 = p.clone();
        md5.sign_type = "MD5".into();
        assert_eq!(
            v3::verify_payment_params(&md5, &cert).unwrap_err().code(),
            "ERR_V3_INVALID_VALUE"
        );
    }
}

#[test]
fn resource_vectors() {
    for c in vectors()["resource"].as_array().unwrap() {
        let name = s(c, "name");
        let key = s(c, "api_v3_key").as_bytes();
        let ct = v3::encrypt_resource(
            key,
            s(c, "nonce"),
            s(c, "associated_data"),
            s(c, "plaintext").as_bytes(),
        )
        .unwrap();
        assert_eq!(ct, s(c, "ciphertext"), "{name}");
        let pt = v3::decrypt_resource(
            key,
            s(c, "nonce"),
            s(c, "associated_data"),
            s(c, "ciphertext"),
        )
        .unwrap();
        assert_eq!(pt, s(c, "plaintext"), "{name}");
        // Wrong associated data, wrong key, flipped tag byte: authentication fails.
        assert_eq!(
            v3::decrypt_resource(key, s(c, "nonce"), "certificate", &ct),
            Err(V3Error::ResourceAuthentication),
            "{name}"
        );
        let mut other = key.to_vec();
        other[0] ^= 1;
        assert_eq!(
            v3::decrypt_resource(&other, s(c, "nonce"), s(c, "associated_data"), &ct),
            Err(V3Error::ResourceAuthentication)
        );
        let mut raw = base64_decode(&ct);
        let last = raw.len() - 1;
        raw[last] ^= 0x80;
        assert_eq!(
            v3::decrypt_resource(
                key,
                s(c, "nonce"),
                s(c, "associated_data"),
                &base64_encode(&raw)
            ),
            Err(V3Error::ResourceAuthentication)
        );
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}
fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn resource_errors_are_specific() {
    let key = b"TEST0nly-APIv3-key-32-bytes-long";
    let ok = v3::encrypt_resource(key, "abcdefghijkl", "transaction", b"{}").unwrap();
    assert_eq!(
        v3::decrypt_resource(&key[..31], "abcdefghijkl", "", &ok),
        Err(V3Error::ApiV3KeyLength { len: 31 })
    );
    assert_eq!(
        v3::decrypt_resource(key, "abcdefghijk", "", &ok),
        Err(V3Error::NonceLength { len: 11 })
    );
    assert_eq!(
        v3::decrypt_resource(key, "abcdefghijkl", "", "@@@"),
        Err(V3Error::CiphertextBase64)
    );
    assert_eq!(
        v3::decrypt_resource(key, "abcdefghijkl", "", "AAAA"),
        Err(V3Error::CiphertextTooShort { len: 3 })
    );
    let r = EncryptedResource {
        original_type: "transaction".into(),
        algorithm: "AEAD_AES_128_GCM".into(),
        ciphertext: ok,
        associated_data: "transaction".into(),
        nonce: "abcdefghijkl".into(),
    };
    assert_eq!(
        r.decrypt(key).unwrap_err().code(),
        "ERR_V3_UNSUPPORTED_ALGORITHM"
    );
}

#[test]
fn notify_envelope_and_typed_objects() {
    let v = vectors();
    let t = &v["resource"][0];
    let body = serde_json::json!({
        "id": "EV-2018022511223320873", "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": t["ciphertext"], "associated_data": "transaction", "nonce": t["nonce"]}
    }).to_string();
    let n = Notify::parse(&body).unwrap();
    assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
    let txn: Transaction = n
        .resource
        .decrypt_json(s(t, "api_v3_key").as_bytes())
        .unwrap();
    assert_eq!(txn.trade_state, "SUCCESS");
    assert_eq!(txn.amount.as_ref().unwrap().total, 100);
    assert_eq!(
        txn.payer.as_ref().unwrap().openid,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    );
    let r = &v["resource"][1];
    let res = EncryptedResource {
        original_type: "refund".into(),
        algorithm: "AEAD_AES_256_GCM".into(),
        ciphertext: s(r, "ciphertext").into(),
        associated_data: "refund".into(),
        nonce: s(r, "nonce").into(),
    };
    let refund: Refund = res.decrypt_json(s(r, "api_v3_key").as_bytes()).unwrap();
    assert_eq!(refund.refund_status.as_deref(), Some("SUCCESS"));
    assert_eq!(refund.amount.refund, 999);
    assert_eq!(
        Notify::parse("{\"id\":1}").unwrap_err().code(),
        "ERR_V3_JSON"
    );
}

#[test]
fn certificate_serials() {
    for c in vectors()["certificate"].as_array().unwrap() {
        let pem = match s(c, "file") {
            "merchant_cert.pem" => MERCHANT_CERT,
            "platform_cert.pem" => PLATFORM_CERT,
            f => panic!("{f}"),
        };
        assert_eq!(
            VerifyKey::from_pem(pem).unwrap().serial(),
            Some(s(c, "serial")),
            "{}",
            s(c, "file")
        );
    }
}

#[test]
fn oaep_vectors() {
    for c in vectors()["oaep"].as_array().unwrap() {
        let key = match s(c, "key") {
            "merchant" => MerchantKey::from_pem(MERCHANT_KEY).unwrap(),
            _ => MerchantKey::from_pem(PLATFORM_KEY).unwrap(),
        };
        assert_eq!(
            key.oaep_decrypt(s(c, "ciphertext")).unwrap(),
            s(c, "plaintext"),
            "{}",
            s(c, "name")
        );
        let ct = key
            .public_key()
            .oaep_encrypt(s(c, "plaintext").as_bytes())
            .unwrap();
        assert_eq!(key.oaep_decrypt(&ct).unwrap(), s(c, "plaintext"));
        let other = MerchantKey::from_pem(if s(c, "key") == "merchant" {
            PLATFORM_KEY
        } else {
            MERCHANT_KEY
        })
        .unwrap();
        assert_eq!(other.oaep_decrypt(&ct), Err(V3Error::OaepDecrypt));
    }
    let key = MerchantKey::from_pem(MERCHANT_KEY).unwrap();
    assert_eq!(
        key.public_key().oaep_encrypt(&[b'a'; 215]),
        Err(V3Error::OaepEncrypt)
    );
    assert!(key.public_key().oaep_encrypt(&[b'a'; 214]).is_ok());
}

#[test]
fn authorization_vectors() {
    for c in vectors()["authorization"].as_array().unwrap() {
        let name = s(c, "name");
        let r = Authorization::parse(s(c, "header"));
        if let Some(ok) = c.get("ok") {
            let a = r.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(a.mchid, s(ok, "mchid"), "{name}");
            assert_eq!(a.nonce_str, s(ok, "nonce_str"), "{name}");
            assert_eq!(a.signature, s(ok, "signature"), "{name}");
            assert_eq!(a.timestamp, s(ok, "timestamp"), "{name}");
            assert_eq!(a.serial_no, s(ok, "serial_no"), "{name}");
        } else {
            assert_eq!(r.unwrap_err().code(), s(c, "error"), "{name}");
        }
    }
}

#[test]
fn key_loading_errors_are_specific() {
    assert_eq!(
        MerchantKey::from_pem("not a pem").unwrap_err(),
        V3Error::PemMalformed
    );
    assert_eq!(
        MerchantKey::from_pem("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n")
            .unwrap_err(),
        V3Error::PemMalformed
    );
    assert_eq!(
        MerchantKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .unwrap_err(),
        V3Error::PemMalformed
    );
    assert_eq!(
        MerchantKey::from_pem("-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n")
            .unwrap_err(),
        V3Error::KeyMalformed
    );
    assert_eq!(
        MerchantKey::from_pem(MERCHANT_CERT).unwrap_err(),
        V3Error::CertificateNotKey
    );
    assert_eq!(
        MerchantKey::from_pem(MERCHANT_PUB).unwrap_err().code(),
        "ERR_V3_UNSUPPORTED_PEM_LABEL"
    );
    assert_eq!(
        MerchantKey::from_pem(WEAK_KEY).unwrap_err(),
        V3Error::KeyTooSmall { bits: 1024 }
    );
    assert_eq!(
        VerifyKey::from_pem(WEAK_PUB).unwrap_err(),
        V3Error::KeyTooSmall { bits: 1024 }
    );
    assert_eq!(
        VerifyKey::from_pem(MERCHANT_KEY).unwrap_err(),
        V3Error::PrivateKeyNotPublic
    );
    assert_eq!(
        VerifyKey::from_pem("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")
            .unwrap_err(),
        V3Error::CertificateMalformed
    );
    assert!(!format!("{:?}", MerchantKey::from_pem(MERCHANT_KEY).unwrap()).contains("MII"));
    // A PEM key pasted with CRLF line endings still loads.
    MerchantKey::from_pem(&MERCHANT_KEY.replace('\n', "\r\n")).unwrap();
}

#[test]
fn signature_errors_are_specific() {
    let cert = VerifyKey::from_pem(MERCHANT_CERT).unwrap();
    let sig = s(&vectors()["request_sign"][0], "signature").to_owned();
    let msg = s(&vectors()["request_sign"][0], "message").to_owned();
    cert.verify(msg.as_bytes(), &sig).unwrap();
    assert_eq!(
        cert.verify(msg.as_bytes(), &sig[..300]),
        Err(V3Error::SignatureLength {
            len: 225,
            expected: 256
        })
    );
    assert_eq!(
        cert.verify(msg.as_bytes(), &sig[..341]),
        Err(V3Error::SignatureBase64)
    );
    assert_eq!(
        cert.verify(msg.as_bytes(), &sig[..340]),
        Err(V3Error::SignatureLength {
            len: 255,
            expected: 256
        })
    );
    assert_eq!(
        cert.verify(msg.as_bytes(), "%%%%"),
        Err(V3Error::SignatureBase64)
    );
    let url_safe = sig.replace('+', "-").replace('/', "_");
    if url_safe != sig {
        assert_eq!(
            cert.verify(msg.as_bytes(), &url_safe),
            Err(V3Error::SignatureBase64)
        );
    }
    assert_eq!(cert.verify(b"other", &sig), Err(V3Error::SignatureMismatch));
}
