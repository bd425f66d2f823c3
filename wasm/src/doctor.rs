//! The export of the `doctor` build: the signature doctor.

use alloc::string::String;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wxpay_core::diagnose::SignKind;
use wxpay_core::{ApiKey, DiagnoseOptions, Diagnosis, Finding};

use crate::{Flat, bad_call, parse_sign_type, set, strs};

fn finding_object(f: &Finding) -> Object {
    let obj = Object::new();
    set(&obj, "code", &JsValue::from_str(f.code.as_str()));
    set(&obj, "confirmed", &JsValue::from_bool(f.confirmed));
    set(&obj, "summary", &JsValue::from_str(&f.summary));
    set(&obj, "summaryZh", &JsValue::from_str(&f.summary_zh));
    set(
        &obj,
        "signedString",
        &f.signed_string
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str),
    );
    set(&obj, "fix", &JsValue::from_str(&f.fix));
    let related: Array = f
        .related
        .iter()
        .map(|c| JsValue::from_str(c.as_str()))
        .collect();
    set(&obj, "related", &related);
    obj
}

fn diagnosis_object(d: &Diagnosis) -> Object {
    let obj = Object::new();
    set(&obj, "ok", &JsValue::from_bool(d.ok));
    let kind = match d.kind {
        SignKind::Api => "api",
        SignKind::PaySign => "paySign",
    };
    set(&obj, "kind", &JsValue::from_str(kind));
    set(&obj, "signType", &JsValue::from_str(d.sign_type.as_str()));
    set(
        &obj,
        "expectedSign",
        &JsValue::from_str(d.expected_sign.as_str()),
    );
    set(
        &obj,
        "stringToSignMasked",
        &JsValue::from_str(&d.string_to_sign_masked),
    );
    let findings: Array = d.findings.iter().map(finding_object).collect();
    set(&obj, "findings", &findings);
    set(
        &obj,
        "variantsTried",
        &JsValue::from_f64(d.variants_tried as f64),
    );
    set(
        &obj,
        "searchComplete",
        &JsValue::from_bool(d.search_complete),
    );
    set(&obj, "report", &JsValue::from_str(&d.to_string()));
    obj
}

/// `diagnose`: items `[key, k1, v1, …]` (in the caller's order, empty values
/// kept so the doctor can replay including them), the claimed sign, and the
/// options (`undefined` = not given; `kind` is `"api"` or `"paySign"`).
/// Every string in the result has the key and the AppSecret masked.
///
/// # Errors
/// `ERR_UNSUPPORTED_SIGN_TYPE`; `ERR_INVALID_ARG_VALUE` for another `kind`.
#[wasm_bindgen(js_name = diagnoseList)]
#[allow(clippy::too_many_arguments)] // one per DiagnoseOptions field, from the facade only
pub fn diagnose_list(
    items: Vec<String>,
    claimed_sign: &str,
    sign_type: Option<String>,
    app_secret: Option<String>,
    order_sign: Option<String>,
    kind: Option<String>,
    app_id: Option<String>,
    max_variants: Option<u32>,
    max_work_bytes: Option<u32>,
) -> Result<Object, JsValue> {
    let items = strs(&items);
    let [key, pairs @ ..] = items.as_slice() else {
        return Err(bad_call());
    };
    let defaults = DiagnoseOptions::default();
    let kind = match kind.as_deref() {
        None => None,
        Some("api") => Some(SignKind::Api),
        Some("paySign") => Some(SignKind::PaySign),
        Some(_) => {
            let err: JsValue =
                js_sys::RangeError::new("options.kind must be \"api\" or \"paySign\"").into();
            set(
                &err,
                "code",
                &JsValue::from_str(crate::codes::ERR_INVALID_ARG_VALUE),
            );
            return Err(err);
        }
    };
    let opts = DiagnoseOptions {
        sign_type: sign_type.as_deref().map(parse_sign_type).transpose()?,
        app_secret: app_secret.as_deref(),
        order_sign: order_sign.as_deref(),
        kind,
        app_id: app_id.as_deref(),
        max_variants: max_variants.map_or(defaults.max_variants, |n| n as usize),
        max_work_bytes: max_work_bytes.map_or(defaults.max_work_bytes, |n| n as usize),
    };
    let d = wxpay_core::diagnose(&Flat(pairs), &ApiKey::new(*key), claimed_sign, &opts);
    Ok(diagnosis_object(&d))
}
