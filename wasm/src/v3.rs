//! WeChat Pay API v3 exports (in the doctor's lazily loaded module, with the
//! RSA code): each moves strings across and calls `wxpay_core::v3`. Every
//! rule (messages, header grammar, policy, doctor) is wxpay-core's.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wxpay_core::v3::doctor::{self, Candidate, DoctorInput, Signed};
use wxpay_core::v3::{self, Authorization, MerchantKey, SignedHeaders, V3Error, VerifyKey};

use crate::{bad_call, set};

/// A JS `Error` with the v3 error's stable `code`; the message never holds
/// key material.
fn v3_error(e: &V3Error) -> JsValue {
    let err: JsValue = js_sys::Error::new(&e.to_string()).into();
    set(&err, "code", &JsValue::from_str(e.code()));
    err
}

/// `v3.sign`: base64 SHA256withRSA of `message` with a PEM private key.
///
/// # Errors
/// The key-loading and signing kinds of `V3Error`.
#[wasm_bindgen(js_name = v3Sign)]
pub fn v3_sign(private_pem: &str, message: &str) -> Result<String, JsValue> {
    let key = MerchantKey::from_pem(private_pem).map_err(|e| v3_error(&e))?;
    key.sign(message.as_bytes()).map_err(|e| v3_error(&e))
}

/// `v3.verify`: `true` if it verifies, `false` on a mismatch.
///
/// # Errors
/// Key loading, signature base64 and length kinds.
#[wasm_bindgen(js_name = v3Verify)]
pub fn v3_verify(public_pem: &str, message: &str, signature: &str) -> Result<bool, JsValue> {
    let key = VerifyKey::from_pem(public_pem).map_err(|e| v3_error(&e))?;
    match key.verify(message.as_bytes(), signature) {
        Ok(()) => Ok(true),
        Err(V3Error::SignatureMismatch) => Ok(false),
        Err(e) => Err(v3_error(&e)),
    }
}

/// `v3.authorization`: items `[privatePem, mchid, serialNo, method, url,
/// timestamp, nonce, body]`; returns the header value.
///
/// # Errors
/// Key loading and signing kinds.
#[wasm_bindgen(js_name = v3Authorization)]
pub fn v3_authorization(items: Vec<String>) -> Result<String, JsValue> {
    let [pem, mchid, serial, method, url, ts, nonce, body] = items.as_slice() else {
        return Err(bad_call());
    };
    let key = MerchantKey::from_pem(pem).map_err(|e| v3_error(&e))?;
    Authorization::sign(&key, mchid, serial, method, url, ts, nonce, body.as_bytes())
        .map(|a| a.to_string())
        .map_err(|e| v3_error(&e))
}

/// `v3.verifyResponse`: `serials[i]` names `pems[i]` (a certificate's own
/// serial wins when `serials[i]` is empty); `headers` is `[serial,
/// signature, timestamp, nonce, signatureType]`.
///
/// # Errors
/// Every policy kind of `V3Error`.
#[wasm_bindgen(js_name = v3VerifyResponse)]
pub fn v3_verify_response(
    serials: Vec<String>,
    pems: Vec<String>,
    headers: Vec<String>,
    body: &str,
    now: f64,
) -> Result<(), JsValue> {
    let [serial, signature, timestamp, nonce, signature_type] = headers.as_slice() else {
        return Err(bad_call());
    };
    let mut keys = Vec::with_capacity(pems.len());
    for (s, pem) in serials.iter().zip(&pems) {
        let k = VerifyKey::from_pem(pem).map_err(|e| v3_error(&e))?;
        keys.push(if s.is_empty() { k } else { k.with_serial(s) });
    }
    let h = SignedHeaders {
        serial,
        signature,
        timestamp,
        nonce,
        signature_type,
    };
    #[allow(clippy::cast_possible_truncation)] // the facade passes an integer
    v3::verify_response(&h, body.as_bytes(), &keys, now as i64).map_err(|e| v3_error(&e))
}

/// `v3.decryptResource`: items `[algorithm, apiV3Key, nonce,
/// associatedData, ciphertext]`; returns the plaintext.
///
/// # Errors
/// The resource kinds of `V3Error`.
#[wasm_bindgen(js_name = v3DecryptResource)]
pub fn v3_decrypt_resource(items: Vec<String>) -> Result<String, JsValue> {
    let [algorithm, key, nonce, aad, ciphertext] = items.as_slice() else {
        return Err(bad_call());
    };
    let r = v3::EncryptedResource {
        original_type: String::new(),
        algorithm: algorithm.clone(),
        ciphertext: ciphertext.clone(),
        associated_data: aad.clone(),
        nonce: nonce.clone(),
    };
    r.decrypt(key.as_bytes()).map_err(|e| v3_error(&e))
}

/// `v3.buildPaymentParams`: items `[privatePem, appId, prepayId,
/// timeStamp, nonceStr]`; returns the `wx.requestPayment` object.
///
/// # Errors
/// Key loading and signing kinds.
#[wasm_bindgen(js_name = v3BuildPaymentParams)]
pub fn v3_build_payment_params(items: Vec<String>) -> Result<Object, JsValue> {
    let [pem, app_id, prepay_id, ts, nonce] = items.as_slice() else {
        return Err(bad_call());
    };
    let key = MerchantKey::from_pem(pem).map_err(|e| v3_error(&e))?;
    let p =
        v3::build_payment_params(&key, app_id, prepay_id, ts, nonce).map_err(|e| v3_error(&e))?;
    let obj = Object::new();
    for (k, v) in [
        ("appId", &p.app_id),
        ("timeStamp", &p.time_stamp),
        ("nonceStr", &p.nonce_str),
        ("package", &p.package),
        ("signType", &p.sign_type),
        ("paySign", &p.pay_sign),
    ] {
        set(&obj, k, &JsValue::from_str(v));
    }
    Ok(obj)
}

/// `v3.diagnose`: `kind` is `"request"` (items `[method, url, body,
/// authorization]`) or `"paySign"` (items `[appId, timeStamp, nonceStr,
/// package, signType, paySign]`); `merchant_pem` is the merchant's public
/// key or certificate; `labels[i]` names the public key `pems[i]`.
///
/// # Errors
/// Key loading kinds; `ERR_INTERNAL` for a malformed call.
#[wasm_bindgen(js_name = v3Diagnose)]
pub fn v3_diagnose(
    kind: &str,
    items: Vec<String>,
    merchant_pem: &str,
    labels: Vec<String>,
    pems: Vec<String>,
    v2_api_key: Option<String>,
) -> Result<Object, JsValue> {
    let merchant = VerifyKey::from_pem(merchant_pem).map_err(|e| v3_error(&e))?;
    let mut others = Vec::with_capacity(pems.len());
    for pem in &pems {
        others.push(VerifyKey::from_pem(pem).map_err(|e| v3_error(&e))?);
    }
    let candidates: Vec<Candidate<'_>> = labels
        .iter()
        .zip(&others)
        .map(|(label, key)| Candidate { label, key })
        .collect();
    let signed = match (kind, items.as_slice()) {
        ("request", [method, url, body, authorization]) => Signed::Request {
            method,
            url,
            body: body.as_bytes(),
            authorization,
        },
        ("paySign", [app_id, time_stamp, nonce_str, package, sign_type, pay_sign]) => {
            Signed::PaySign {
                app_id,
                time_stamp,
                nonce_str,
                package,
                sign_type,
                pay_sign,
            }
        }
        _ => return Err(bad_call()),
    };
    let api_key = v2_api_key.map(wxpay_core::ApiKey::new);
    let d = doctor::diagnose(&DoctorInput {
        signed,
        merchant: &merchant,
        others: &candidates,
        v2_api_key: api_key.as_ref(),
    });
    let obj = Object::new();
    set(&obj, "ok", &JsValue::from_bool(d.ok));
    let findings: Array = d
        .findings
        .iter()
        .map(|f| {
            let o = Object::new();
            set(&o, "code", &JsValue::from_str(f.code));
            set(&o, "confirmed", &JsValue::from_bool(f.confirmed));
            set(&o, "summary", &JsValue::from_str(&f.summary));
            set(&o, "fix", &JsValue::from_str(f.fix));
            JsValue::from(o)
        })
        .collect();
    set(&obj, "findings", &findings);
    #[allow(clippy::cast_precision_loss)]
    set(
        &obj,
        "variantsTried",
        &JsValue::from_f64(d.variants_tried as f64),
    );
    set(&obj, "report", &JsValue::from_str(&d.to_string()));
    Ok(obj)
}
