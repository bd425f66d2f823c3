//! Speed of the API v3 crypto, each beside the crate it wraps.
//!
//! - `v3_sign`: `MerchantKey::sign` (SHA256withRSA-2048 + base64) of the
//!   1 KB response message vs `rsa::PrivateKey::pkcs1v15_sign` on the same bytes.
//! - `v3_verify`: `verify_response` (policy + base64 + verify) vs
//!   `rsa::PublicKey::pkcs1v15_verify`.
//! - `v3_decrypt_1k`: `decrypt_resource` of a 1 KB resource (base64 + GCM +
//!   UTF-8) vs `aes_gcm` decrypt of the same raw bytes.
//!
//! Node's figures for the same operations: `node core/tests/crosscheck/v3_bench_node.mjs`.
//! Run: `cargo bench -p wxpay-core --bench v3 -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use sha2::Sha256;
use wxpay_core::v3::{self, MerchantKey, SignedHeaders, VerifyKey};

const VECTORS: &str = include_str!("../../vectors/wxpay-v3.json");
const PLATFORM_KEY: &str = include_str!("../../vectors/v3-test-keys/platform_key.pem");
const PLATFORM_CERT: &str = include_str!("../../vectors/v3-test-keys/platform_cert.pem");
const PLATFORM_PUB: &str = include_str!("../../vectors/v3-test-keys/platform_pub.pem");

fn bench(c: &mut Criterion) {
    let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let r = &v["response_sign"][2]; // 1 KB body
    let (ts, nonce, body, sig) = (
        r["timestamp"].as_str().unwrap(),
        r["nonce"].as_str().unwrap(),
        r["body"].as_str().unwrap(),
        r["signature"].as_str().unwrap(),
    );
    let msg = v3::response_message(ts, nonce, body.as_bytes());
    let key = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    let raw_key = rsa::PrivateKey::from_pkcs8_pem(PLATFORM_KEY).unwrap();
    let keys = [VerifyKey::from_pem(PLATFORM_CERT).unwrap()];
    let raw_pub = rsa::PublicKey::from_public_key_pem(PLATFORM_PUB).unwrap();
    let raw_sig = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .unwrap();
    let headers = SignedHeaders {
        serial: r["serial"].as_str().unwrap(),
        signature: sig,
        timestamp: ts,
        nonce,
        signature_type: "WECHATPAY2-SHA256-RSA2048",
    };
    let now: i64 = ts.parse().unwrap();

    let mut g = c.benchmark_group("v3_sign");
    g.bench_function("wxpay_core", |b| {
        b.iter(|| key.sign(black_box(&msg)).unwrap())
    });
    g.bench_function("rsa_crate", |b| {
        b.iter(|| raw_key.pkcs1v15_sign::<Sha256>(black_box(&msg)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("v3_verify");
    g.bench_function("wxpay_core_verify_response", |b| {
        b.iter(|| {
            v3::verify_response(black_box(&headers), black_box(body.as_bytes()), &keys, now)
                .unwrap()
        });
    });
    g.bench_function("rsa_crate", |b| {
        b.iter(|| {
            raw_pub
                .pkcs1v15_verify::<Sha256>(black_box(&msg), black_box(&raw_sig))
                .unwrap()
        });
    });
    g.finish();

    let res = &v["resource"][3]; // 1 KB plaintext
    let (api, rn, aad, ct) = (
        res["api_v3_key"].as_str().unwrap().as_bytes(),
        res["nonce"].as_str().unwrap(),
        res["associated_data"].as_str().unwrap(),
        res["ciphertext"].as_str().unwrap(),
    );
    let raw_ct = base64::engine::general_purpose::STANDARD
        .decode(ct)
        .unwrap();
    let cipher = Aes256Gcm::new_from_slice(api).unwrap();
    let n = Nonce::try_from(rn.as_bytes()).unwrap();
    let mut g = c.benchmark_group("v3_decrypt_1k");
    g.bench_function("wxpay_core", |b| {
        b.iter(|| v3::decrypt_resource(api, rn, aad, black_box(ct)).unwrap())
    });
    g.bench_function("aes_gcm_crate", |b| {
        b.iter(|| {
            cipher
                .decrypt(
                    &n,
                    Payload {
                        msg: black_box(&raw_ct),
                        aad: aad.as_bytes(),
                    },
                )
                .unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
