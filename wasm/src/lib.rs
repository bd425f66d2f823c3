//! wasm-bindgen bindings of [`wxpay_core`], built into the npm package
//! `wxpay-devkit` (see `js/`).
//!
//! A thin adapter: every rule (which fields are signed, their order, the
//! hashes, the XML grammar, the paySign fields, the `req_info` crypto) is
//! wxpay-core's. This crate only moves values across the boundary. The JS
//! facade (`js/src/api.js`) checks JS types (plain object or `Map`; string,
//! integer number or bigint values; `null`/`undefined`/`""` skipped) and
//! calls the functions below, which are not a public API of their own.
//!
//! # The packed form
//!
//! Crossing into wasm costs per string, so parameter lists cross as **one**
//! string: a few fixed leading items (sign type, key, …) and then the pairs,
//! each item followed by NUL: `head0 \0 head1 \0 k1 \0 v1 \0 k2 \0 v2 \0 …`.
//! The caller also passes the number of items it joined. When a key or value
//! itself contains NUL, the split yields more items than that, the packed
//! function returns `undefined`, and the facade calls the `…List` twin,
//! which takes a JS array of strings instead. Nothing is sorted, filtered or
//! joined for signing here: the pairs go to wxpay-core as they came.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wxpay_core::{ApiKey, Error, Params, ReqInfoError, SignType, XmlError, req_info, xml};

extern crate alloc;

/// The item separator of the packed form.
const SEP: char = '\0';

/// Flat `[k1, v1, k2, v2, …]` items seen as parameters by wxpay-core.
struct Flat<'a, S: AsRef<str>>(&'a [S]);

impl<S: AsRef<str>> Params for Flat<'_, S> {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .chunks_exact(2)
            .map(|c| (c[0].as_ref(), c[1].as_ref()))
    }
}

/// Splits a packed string of `count` NUL-terminated items, or `None` when a
/// piece contained NUL itself (then the list form must be used).
fn split_exact(packed: &str, count: u32) -> Option<Vec<&str>> {
    let count = usize::try_from(count).ok()?;
    if count == 0 {
        return packed.is_empty().then(Vec::new);
    }
    let body = packed.strip_suffix(SEP)?;
    let mut items = Vec::with_capacity(count);
    for item in body.split(SEP) {
        if items.len() == count {
            return None;
        }
        items.push(item);
    }
    (items.len() == count).then_some(items)
}

/// The stable `code` of an error, e.g. `ERR_XML_DOCTYPE`.
fn error_code(e: &Error) -> &'static str {
    match e {
        Error::UnsupportedSignType(_) => "ERR_UNSUPPORTED_SIGN_TYPE",
        Error::MissingSign => "ERR_MISSING_SIGN",
        Error::MalformedSign { .. } => "ERR_MALFORMED_SIGN",
        Error::SignMismatch => "ERR_SIGN_MISMATCH",
        Error::Xml(x) => x.code(),
        Error::ReqInfo(r) => match r {
            ReqInfoError::Base64 => "ERR_REQ_INFO_BASE64",
            ReqInfoError::Length => "ERR_REQ_INFO_LENGTH",
            ReqInfoError::Padding => "ERR_REQ_INFO_PADDING",
            ReqInfoError::Utf8 => "ERR_REQ_INFO_UTF8",
            _ => "ERR_REQ_INFO",
        },
        Error::InvalidValue { .. } => "ERR_INVALID_VALUE",
        _ => "ERR_WXPAY",
    }
}

fn set(obj: &JsValue, name: &str, value: &JsValue) {
    // Setting a data property on a fresh Error or Object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(name), value);
}

/// A JS `Error` with a stable `code` (and `field`/`offset` when known).
/// The message is wxpay-core's, which never contains the API key.
fn js_error(e: &Error) -> JsValue {
    let err: JsValue = js_sys::Error::new(&e.to_string()).into();
    set(&err, "code", &JsValue::from_str(error_code(e)));
    match e {
        Error::Xml(x) => xml_details(&err, x),
        Error::InvalidValue { field, .. } => set(&err, "field", &JsValue::from_str(field)),
        _ => {}
    }
    err
}

fn xml_details(err: &JsValue, x: &XmlError) {
    set(err, "offset", &JsValue::from_f64(x.offset as f64));
    if let Some(field) = &x.field {
        set(err, "field", &JsValue::from_str(field));
    }
}

fn xml_error(x: XmlError) -> JsValue {
    js_error(&Error::Xml(x))
}

/// The facade called a packed function with too few items: a bug in the
/// facade, reported rather than trusted.
fn bad_call() -> JsValue {
    let err: JsValue = js_sys::Error::new("wxpay-wasm: malformed call from the JS facade").into();
    set(&err, "code", &JsValue::from_str("ERR_INTERNAL"));
    err
}

fn parse_sign_type(t: &str) -> Result<SignType, JsValue> {
    t.parse().map_err(|e| js_error(&e))
}

/// Outcome of a verification as the JS API reports it: `true`, `false`
/// (mismatch, missing or malformed sign), or an exception for anything else.
fn verified(r: Result<SignType, Error>) -> Result<bool, JsValue> {
    match r {
        Ok(_) => Ok(true),
        Err(Error::SignMismatch | Error::MissingSign | Error::MalformedSign { .. }) => Ok(false),
        Err(e) => Err(js_error(&e)),
    }
}

// ---------------------------------------------------------------- sign

fn sign_items<S: AsRef<str>>(items: &[S]) -> Result<String, JsValue> {
    let [sign_type, key, pairs @ ..] = items else {
        return Err(bad_call());
    };
    let t = parse_sign_type(sign_type.as_ref())?;
    let key = ApiKey::new(key.as_ref());
    Ok(wxpay_core::sign(&Flat(pairs), &key, t).into())
}

/// `sign`: items `[signType, key, k1, v1, …]` packed; `undefined` when the
/// packed form was ambiguous.
///
/// # Errors
/// `ERR_UNSUPPORTED_SIGN_TYPE`.
#[wasm_bindgen(js_name = signPacked)]
pub fn sign_packed(packed: &str, count: u32) -> Result<Option<String>, JsValue> {
    split_exact(packed, count)
        .map(|items| sign_items(&items))
        .transpose()
}

/// `sign` with the items as an array of strings.
///
/// # Errors
/// As `signPacked`.
#[wasm_bindgen(js_name = signList)]
pub fn sign_list(items: Vec<String>) -> Result<String, JsValue> {
    sign_items(&items)
}

// ---------------------------------------------------------------- verify

fn verify_items<S: AsRef<str>>(items: &[S], typed: bool) -> Result<bool, JsValue> {
    let [sign_type, key, pairs @ ..] = items else {
        return Err(bad_call());
    };
    let t = if typed {
        Some(parse_sign_type(sign_type.as_ref())?)
    } else {
        None
    };
    verified(wxpay_core::verify(
        &Flat(pairs),
        &ApiKey::new(key.as_ref()),
        t,
    ))
}

/// `verify`: items `[signType, key, k1, v1, …]`; the sign type is inferred
/// from the sign's length when `typed` is false. `undefined` when ambiguous.
///
/// # Errors
/// `ERR_UNSUPPORTED_SIGN_TYPE`.
#[wasm_bindgen(js_name = verifyPacked)]
pub fn verify_packed(packed: &str, count: u32, typed: bool) -> Result<Option<bool>, JsValue> {
    split_exact(packed, count)
        .map(|items| verify_items(&items, typed))
        .transpose()
}

/// `verify` with the items as an array of strings.
///
/// # Errors
/// As `verifyPacked`.
#[wasm_bindgen(js_name = verifyList)]
pub fn verify_list(items: Vec<String>, typed: bool) -> Result<bool, JsValue> {
    verify_items(&items, typed)
}

// ---------------------------------------------------------------- XML

fn to_xml_items<S: AsRef<str>>(items: &[S]) -> Result<String, JsValue> {
    xml::encode(&Flat(items)).map_err(xml_error)
}

/// `toXml`: items `[k1, v1, …]` packed; `undefined` when ambiguous.
///
/// # Errors
/// `ERR_XML_NAME` for a name the codec cannot write.
#[wasm_bindgen(js_name = toXmlPacked)]
pub fn to_xml_packed(packed: &str, count: u32) -> Result<Option<String>, JsValue> {
    split_exact(packed, count)
        .map(|items| to_xml_items(&items))
        .transpose()
}

/// `toXml` with the items as an array of strings.
///
/// # Errors
/// As `toXmlPacked`.
#[wasm_bindgen(js_name = toXmlList)]
pub fn to_xml_list(items: Vec<String>) -> Result<String, JsValue> {
    to_xml_items(&items)
}

/// The decoded fields packed as `k1 \0 v1 \0 k2 \0 v2 …`, or `None` when a
/// value contains NUL (names never do).
fn pack_fields<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> Option<String> {
    let mut out = String::new();
    for (k, v) in fields {
        if v.contains(SEP) {
            return None;
        }
        if !out.is_empty() {
            out.push(SEP);
        }
        out.push_str(k);
        out.push(SEP);
        out.push_str(v);
    }
    Some(out)
}

fn list_fields<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    fields
        .flat_map(|(k, v)| [k.to_string(), v.to_string()])
        .collect()
}

/// `parseXml` of a string: the fields packed (`k1 \0 v1 \0 k2 \0 v2 …`), an
/// empty string for no fields, or `undefined` when a value contains NUL.
///
/// # Errors
/// `ERR_XML_*` from the codec (DOCTYPE, entities, nesting, size, …).
#[wasm_bindgen(js_name = parseXmlPacked)]
pub fn parse_xml_packed(xml: &str) -> Result<Option<String>, JsValue> {
    let map = xml::decode(xml.as_bytes()).map_err(xml_error)?;
    Ok(pack_fields(map.iter()))
}

/// `parseXml` of bytes (e.g. a Node `Buffer`), packed as `parseXmlPacked`.
///
/// # Errors
/// As `parseXmlPacked`, plus `ERR_XML_NOT_UTF8`.
#[wasm_bindgen(js_name = parseXmlBytesPacked)]
pub fn parse_xml_bytes_packed(xml: &[u8]) -> Result<Option<String>, JsValue> {
    let map = xml::decode(xml).map_err(xml_error)?;
    Ok(pack_fields(map.iter()))
}

/// `parseXml` of a string, fields as `[k1, v1, …]`.
///
/// # Errors
/// As `parseXmlPacked`.
#[wasm_bindgen(js_name = parseXmlList)]
pub fn parse_xml_list(xml: &str) -> Result<Vec<String>, JsValue> {
    let map = xml::decode(xml.as_bytes()).map_err(xml_error)?;
    Ok(list_fields(map.iter()))
}

/// `parseXml` of bytes, fields as `[k1, v1, …]`.
///
/// # Errors
/// As `parseXmlBytesPacked`.
#[wasm_bindgen(js_name = parseXmlBytesList)]
pub fn parse_xml_bytes_list(xml: &[u8]) -> Result<Vec<String>, JsValue> {
    let map = xml::decode(xml).map_err(xml_error)?;
    Ok(list_fields(map.iter()))
}

// ---------------------------------------------------------------- nonce

/// Fills `buf` from the JS function `fill(Uint8Array)` (e.g. `crypto.getRandomValues`).
fn js_fill(fill: &Function, buf: &mut [u8]) -> Result<(), JsValue> {
    let len = u32::try_from(buf.len()).map_err(|_| bad_call())?;
    let arr = Uint8Array::new_with_length(len);
    fill.call1(&JsValue::NULL, &arr)?;
    arr.copy_to(buf);
    Ok(())
}

fn nonce_with(len: usize, fill: &Function) -> Result<String, JsValue> {
    let mut failure = None;
    let s = wxpay_core::nonce::nonce_from(len, |buf| {
        if failure.is_none()
            && let Err(e) = js_fill(fill, buf)
        {
            failure = Some(e);
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(s),
    }
}

/// `nonce`: `len` characters of `[0-9A-Za-z]`, drawn by wxpay-core from the
/// bytes that `fill(Uint8Array)` supplies (the platform's CSPRNG).
///
/// # Errors
/// Whatever `fill` throws.
#[wasm_bindgen]
pub fn nonce(len: u32, fill: &Function) -> Result<String, JsValue> {
    nonce_with(usize::try_from(len).map_err(|_| bad_call())?, fill)
}

// ---------------------------------------------------------------- paySign

/// `buildPaymentParams`: the `wx.requestPayment` object plus `appId`, all
/// strings. A nonce of wxpay-core's default length is drawn when
/// `nonce_str` is `undefined`.
///
/// # Errors
/// `ERR_INVALID_VALUE` (with `field`) for a bad `timeStamp`, `nonceStr`,
/// `appId` or `prepayId`; `ERR_UNSUPPORTED_SIGN_TYPE`.
#[wasm_bindgen(js_name = buildPaymentParams)]
pub fn build_payment_params(
    app_id: &str,
    prepay_id: &str,
    key: &str,
    sign_type: &str,
    time_stamp: &str,
    nonce_str: Option<String>,
    fill: &Function,
) -> Result<Object, JsValue> {
    let t = parse_sign_type(sign_type)?;
    let nonce_str = match nonce_str {
        Some(n) => n,
        None => nonce_with(wxpay_core::nonce::DEFAULT_LEN, fill)?,
    };
    let p = wxpay_core::build_payment_params(
        app_id,
        prepay_id,
        &ApiKey::new(key),
        t,
        time_stamp,
        &nonce_str,
    )
    .map_err(|e| js_error(&e))?;
    let obj = Object::new();
    for (name, value) in [
        ("appId", p.app_id.as_str()),
        ("timeStamp", &p.time_stamp),
        ("nonceStr", &p.nonce_str),
        ("package", &p.package),
        ("signType", p.sign_type.as_str()),
        ("paySign", &p.pay_sign),
    ] {
        set(&obj, name, &JsValue::from_str(value));
    }
    Ok(obj)
}

/// `verifyPaymentParams`: items `[key, k1, v1, …]` (the object's fields).
///
/// # Errors
/// `ERR_INVALID_VALUE` naming a missing field, `ERR_UNSUPPORTED_SIGN_TYPE`.
#[wasm_bindgen(js_name = verifyPaymentParamsList)]
pub fn verify_payment_params_list(items: Vec<String>) -> Result<bool, JsValue> {
    let [key, pairs @ ..] = items.as_slice() else {
        return Err(bad_call());
    };
    verified(wxpay_core::verify_payment_params(
        &Flat(pairs),
        &ApiKey::new(key.as_str()),
    ))
}

// ---------------------------------------------------------------- req_info

/// `encryptRefundInfo` of a plaintext (normally `<root>…</root>`).
#[wasm_bindgen(js_name = encryptRefundInfoText)]
#[must_use]
pub fn encrypt_refund_info_text(plain: &str, key: &str) -> String {
    req_info::encrypt(plain, &ApiKey::new(key))
}

/// `encryptRefundInfo` of fields: items `[key, k1, v1, …]`, encoded under
/// `<root>` by wxpay-core, then encrypted.
///
/// # Errors
/// `ERR_XML_NAME` for a field name the codec cannot write.
#[wasm_bindgen(js_name = encryptRefundInfoList)]
pub fn encrypt_refund_info_list(items: Vec<String>) -> Result<String, JsValue> {
    let [key, pairs @ ..] = items.as_slice() else {
        return Err(bad_call());
    };
    req_info::encrypt_fields(&Flat(pairs), &ApiKey::new(key.as_str())).map_err(|e| js_error(&e))
}

/// `decryptRefundInfo`: the decrypted fields as `[k1, v1, …]`.
///
/// # Errors
/// `ERR_REQ_INFO_BASE64`, `ERR_REQ_INFO_LENGTH`, `ERR_REQ_INFO_PADDING`,
/// `ERR_REQ_INFO_UTF8` (the last two almost always mean a wrong key), or
/// `ERR_XML_*` for a bad plaintext.
#[wasm_bindgen(js_name = decryptRefundInfoList)]
pub fn decrypt_refund_info_list(req_info: &str, key: &str) -> Result<Vec<String>, JsValue> {
    let map = req_info::decrypt_fields(req_info, &ApiKey::new(key)).map_err(|e| js_error(&e))?;
    Ok(list_fields(
        map.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_exact_counts_items() {
        assert_eq!(split_exact("", 0), Some(vec![]));
        assert_eq!(split_exact("x\0", 0), None);
        assert_eq!(split_exact("a\0b\0c\0", 3), Some(vec!["a", "b", "c"]));
        // A NUL inside an item yields one item too many.
        assert_eq!(split_exact("a\0b\0\0c\0", 3), None);
        assert_eq!(split_exact("a\0b\0", 3), None);
        assert_eq!(split_exact("a\0b\0c", 3), None);
        assert_eq!(
            split_exact("MD5\0k\0a\0\0", 4),
            Some(vec!["MD5", "k", "a", ""])
        );
    }

    #[test]
    fn flat_pairs_sign_like_core() {
        let items = [
            "appid",
            "wxd930ea5d5a258f4f",
            "mch_id",
            "10000100",
            "device_info",
            "1000",
            "body",
            "test",
            "nonce_str",
            "ibuaiVcKdpRxkhJA",
        ];
        let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
        assert_eq!(
            wxpay_core::sign(&Flat(&items[..]), &key, SignType::Md5).as_str(),
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        );
    }

    #[test]
    fn pack_fields_refuses_nul() {
        assert_eq!(
            pack_fields([("a", "1"), ("b", "")].into_iter()).as_deref(),
            Some("a\x001\0b\0")
        );
        assert_eq!(pack_fields([("a", "x\0y")].into_iter()), None);
        assert_eq!(pack_fields(core::iter::empty()).as_deref(), Some(""));
    }
}
