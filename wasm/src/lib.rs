//! wasm-bindgen bindings of [`wxpay_core`], built into the npm package
//! `wxpay-devkit` (see `js/`).
//!
//! A thin adapter: every rule (which fields are signed, their order, the
//! hashes, the XML grammar, the paySign fields, the `req_info` crypto) is
//! wxpay-core's. This crate only moves values across the boundary. The JS
//! facade (`js/src/api.js`) checks JS types (plain object or `Map`; string,
//! integer number or bigint values; `null`/`undefined`/`""` skipped) and
//! calls the exports of `api` (and of `doctor`, in the doctor's build),
//! which are not a public API of their own.
//!
//! # The boundary
//!
//! Crossing into wasm costs per string, so parameter lists cross as **one**
//! string: a few fixed leading items (sign type, key, …) and then the pairs,
//! each item followed by NUL: `head0 \0 head1 \0 k1 \0 v1 \0 k2 \0 v2 \0 …`.
//! The facade encodes it straight into a scratch buffer (see `src/io.rs`) and
//! passes its byte length and the number of items it joined. When a key or
//! value itself contains NUL the split yields more items than that, the
//! `…Io` function reports it, and the facade calls the `…List` twin, which
//! takes a JS array of strings instead (also used for very large inputs).
//! Nothing is sorted, filtered or joined for signing here: the pairs go to
//! wxpay-core as they came.
//!
//! # Two modules
//!
//! The signature doctor ([`wxpay_core::diagnose()`]) is as large as everything
//! else together, so it is built separately, with the `doctor` feature: that
//! build exports only `diagnoseList`, the default build everything else. The
//! package loads the doctor on first use (Node) or on `initDoctor()` (web,
//! Mini Program), and the module a page needs for sign/verify/XML stays small.

extern crate alloc;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wxpay_core::{Error, Params, SignType, XmlError};

#[cfg(not(feature = "doctor"))]
pub mod api;
#[cfg(feature = "doctor")]
pub mod doctor;
#[cfg(not(feature = "doctor"))]
mod io;
#[cfg(feature = "doctor")]
pub mod v3;

/// Flat `[k1, v1, k2, v2, …]` items seen as parameters by wxpay-core.
/// One concrete type, so each core function is instantiated once.
struct Flat<'a>(&'a [&'a str]);

impl Params for Flat<'_> {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.chunks_exact(2).map(|c| (c[0], c[1]))
    }
}

/// The strings of a `…List` call as `&str`s.
fn strs(items: &[String]) -> Vec<&str> {
    items.iter().map(String::as_str).collect()
}

/// The stable `code` of an error, e.g. `ERR_XML_DOCTYPE`: always
/// [`Error::code`], the one source of core's codes ([`Error::ALL_CODES`]).
fn error_code(e: &Error) -> &'static str {
    e.code()
}

/// The codes this adapter raises itself, besides core's ([`Error::ALL_CODES`]).
/// The facade (`js/src/api.js`) and the generated entry points
/// (`js/scripts/build.mjs`) raise a few more; `js/src/index.d.ts` declares
/// them all, and `core/tests/error_codes.rs` fails when the lists drift.
pub mod codes {
    /// The facade called an export with a malformed packed call, or called
    /// back into the scratch buffers re-entrantly: a bug in the package.
    pub const ERR_INTERNAL: &str = "ERR_INTERNAL";
    /// A string option outside its set (the doctor's `kind`).
    pub const ERR_INVALID_ARG_VALUE: &str = "ERR_INVALID_ARG_VALUE";
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

/// The facade called a packed function with too few items: a bug in the
/// facade, reported rather than trusted.
fn bad_call() -> JsValue {
    let err: JsValue = js_sys::Error::new("wxpay-wasm: malformed call from the JS facade").into();
    set(&err, "code", &JsValue::from_str(codes::ERR_INTERNAL));
    err
}

fn parse_sign_type(t: &str) -> Result<SignType, JsValue> {
    t.parse().map_err(|e| js_error(&e))
}
