//! Cross-checks the v3 crypto against an independent implementation: Node's
//! built-in `crypto` (OpenSSL), through core/tests/crosscheck/v3_node.mjs.
//! Skipped (with a message) only when `node` is not on PATH.
#![cfg(feature = "v3")]
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use wxpay_core::v3::{self, MerchantKey};

fn node(args: &[&str]) -> Option<(bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crosscheck/v3_node.mjs");
    let out = Command::new("node").arg(script).args(args).output().ok()?;
    Some((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

#[test]
fn vectors_agree_with_node_crypto() {
    let Some((ok, out)) = node(&["--check"]) else {
        eprintln!("node not found: cross-check skipped");
        return;
    };
    assert!(ok, "{out}");
}

#[test]
fn rust_outputs_verified_by_node_crypto() {
    let merchant =
        MerchantKey::from_pem(include_str!("../../vectors/v3-test-keys/merchant_key.pem")).unwrap();
    let platform =
        MerchantKey::from_pem(include_str!("../../vectors/v3-test-keys/platform_key.pem")).unwrap();
    let key = b"TEST0nly-APIv3-key-32-bytes-long";
    let mut signatures = Vec::new();
    let mut resources = Vec::new();
    // A spread of messages: empty, binary-ish control chars, long UTF-8.
    let bodies = [
        "".to_owned(),
        "{\"a\":\"\\u0000\"}".to_owned(),
        "中文 ".repeat(500),
        "x".repeat(4096),
    ];
    for (i, body) in bodies.iter().enumerate() {
        let m = v3::request_message(
            "POST",
            "/v3/refund/domestic/refunds",
            "1700000000",
            &format!("n{i}"),
            body.as_bytes(),
        );
        let m = String::from_utf8(m).unwrap();
        signatures.push(serde_json::json!({"key": "merchant", "message": m, "signature": merchant.sign(m.as_bytes()).unwrap()}));
        let r =
            String::from_utf8(v3::response_message("1700000000", "n", body.as_bytes())).unwrap();
        signatures.push(serde_json::json!({"key": "platform", "message": r, "signature": platform.sign(r.as_bytes()).unwrap()}));
        let nonce = format!("nonce{i:07}");
        let ct = v3::encrypt_resource(key, &nonce, "transaction", body.as_bytes()).unwrap();
        resources.push(serde_json::json!({"api_v3_key": std::str::from_utf8(key).unwrap(), "nonce": nonce, "associated_data": "transaction", "plaintext": body, "ciphertext": ct}));
    }
    let oaep: Vec<_> = ["张三", "13800138000", ""]
        .iter()
        .map(|p| serde_json::json!({"key": "platform", "plaintext": p, "ciphertext": platform.public_key().oaep_encrypt(p.as_bytes()).unwrap()}))
        .collect();
    let doc = serde_json::json!({"signatures": signatures, "resources": resources, "oaep": oaep});
    let path =
        std::env::temp_dir().join(format!("wxpay-v3-crosscheck-{}.json", std::process::id()));
    std::fs::write(&path, doc.to_string()).unwrap();
    let result = node(&["--verify-rust", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    let Some((ok, out)) = result else {
        eprintln!("node not found: cross-check skipped");
        return;
    };
    assert!(ok, "{out}");
}

/// The same vectors through Python's `cryptography` (a second, separately
/// written implementation). Skipped when python3 or the package is missing.
#[test]
fn vectors_agree_with_python_cryptography() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crosscheck/v3_python.py");
    let has = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output();
    if !has.is_ok_and(|o| o.status.success()) {
        eprintln!("python3 with `cryptography` not found: cross-check skipped");
        return;
    }
    let out = Command::new("python3").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
