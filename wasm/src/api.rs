//! The exports of the default build: everything but the doctor.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Function, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use wxpay_core::{ApiKey, Error, Sign, SignType, XmlError, req_info, xml};

use crate::{Flat, bad_call, io, js_error, parse_sign_type, set, strs};

/// Splits a packed string of `count` NUL-terminated items, or `None` when a
/// piece contained NUL itself (then the list form must be used).
fn split_exact(packed: &str, count: u32) -> Option<Vec<&str>> {
    let count = usize::try_from(count).ok()?;
    let mut items = Vec::with_capacity(count);
    let bytes = packed.as_bytes();
    let mut start = 0;
    // Takes the item ending at the NUL at `end`; false when there is one too many.
    fn push<'a>(
        packed: &'a str,
        start: &mut usize,
        end: usize,
        count: usize,
        items: &mut Vec<&'a str>,
    ) -> bool {
        if items.len() == count {
            return false;
        }
        // NUL is one byte in UTF-8, so `end` is a char boundary.
        match packed.get(*start..end) {
            Some(item) => {
                items.push(item);
                *start = end + 1;
                true
            }
            None => false,
        }
    }
    // Eight bytes at a time: a word with no zero byte is skipped whole.
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[i..i + 8]);
        let w = u64::from_le_bytes(w);
        if w.wrapping_sub(LOW) & !w & HIGH != 0 {
            for (j, &b) in bytes[i..i + 8].iter().enumerate() {
                if b == 0 && !push(packed, &mut start, i + j, count, &mut items) {
                    return None;
                }
            }
        }
        i += 8;
    }
    for (j, &b) in bytes[i..].iter().enumerate() {
        if b == 0 && !push(packed, &mut start, i + j, count, &mut items) {
            return None;
        }
    }
    // Every item ends in NUL: nothing may follow the last one.
    (items.len() == count && start == bytes.len()).then_some(items)
}

fn xml_error(x: XmlError) -> JsValue {
    js_error(&Error::Xml(x))
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

// ---------------------------------------------------------------- scratch

/// The wasm memory object, for the facade's views of the scratch buffers.
#[wasm_bindgen(js_name = ioMemory)]
#[must_use]
pub fn io_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Makes the scratch input at least `len` bytes; returns its address. The
/// facade encodes its packed string there and passes the byte length.
///
/// # Errors
/// `ERR_INTERNAL` on a re-entrant call.
#[wasm_bindgen(js_name = ioInput)]
pub fn io_input(len: u32) -> Result<u32, JsValue> {
    let len = usize::try_from(len).map_err(|_| bad_call())?;
    io::input(len).ok_or_else(bad_call)
}

/// The address of the 64-byte buffer where `signIo` leaves the sign.
///
/// # Errors
/// `ERR_INTERNAL` on a re-entrant call.
#[wasm_bindgen(js_name = ioSign)]
pub fn io_sign() -> Result<u32, JsValue> {
    io::with(|io| io::addr(io.sign.as_ptr()))
        .flatten()
        .ok_or_else(bad_call)
}

/// The first `len` bytes of the scratch input, as text.
fn scratch_text(input: &[u8], len: u32) -> Result<&str, JsValue> {
    let len = usize::try_from(len).map_err(|_| bad_call())?;
    let bytes = input.get(..len).ok_or_else(bad_call)?;
    // `encodeInto` only ever writes UTF-8.
    core::str::from_utf8(bytes).map_err(|_| bad_call())
}

/// Runs `f` on the scratch buffers; a re-entrant call is an internal error.
fn with_io<R>(f: impl FnOnce(&mut io::Io) -> Result<R, JsValue>) -> Result<R, JsValue> {
    io::with(f).unwrap_or_else(|| Err(bad_call()))
}

// ---------------------------------------------------------------- sign

std::thread_local! {
    /// The signer of the last key used: a backend signs with one key, and a
    /// prepared signer saves the HMAC key schedule on every call.
    static SIGNER: core::cell::RefCell<Option<wxpay_core::Signer>> = const { core::cell::RefCell::new(None) };
}

/// Signs with the cached signer when `key` is the last key used.
fn sign_with_key(pairs: &[&str], key: &str, t: SignType) -> Sign {
    SIGNER.with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return wxpay_core::sign(&Flat(pairs), &ApiKey::new(key), t);
        };
        if slot.as_ref().is_none_or(|s| s.key().expose() != key) {
            *slot = Some(wxpay_core::Signer::new(ApiKey::new(key)));
        }
        match slot.as_ref() {
            Some(signer) => signer.sign(&Flat(pairs), t),
            None => wxpay_core::sign(&Flat(pairs), &ApiKey::new(key), t),
        }
    })
}

fn sign_items(items: &[&str]) -> Result<Sign, JsValue> {
    let [sign_type, key, pairs @ ..] = items else {
        return Err(bad_call());
    };
    let t = parse_sign_type(sign_type)?;
    Ok(sign_with_key(pairs, key, t))
}

/// `sign` of the scratch input `[signType, key, k1, v1, …]` (`count`
/// items, `len` bytes). Leaves the sign at `ioSign()` and returns its length
/// (32 or 64), or 0 when the packed form was ambiguous.
///
/// # Errors
/// `ERR_UNSUPPORTED_SIGN_TYPE`.
#[wasm_bindgen(js_name = signIo)]
pub fn sign_io(len: u32, count: u32) -> Result<u32, JsValue> {
    with_io(|io| {
        let text = scratch_text(&io.input, len)?;
        let Some(items) = split_exact(text, count) else {
            return Ok(0);
        };
        let sign = sign_items(&items)?;
        let hex = sign.as_str().as_bytes();
        io.sign[..hex.len()].copy_from_slice(hex);
        Ok(hex.len() as u32)
    })
}

/// `sign` with the items as an array of strings.
///
/// # Errors
/// As `signIo`.
#[wasm_bindgen(js_name = signList)]
pub fn sign_list(items: Vec<String>) -> Result<String, JsValue> {
    sign_items(&strs(&items)).map(String::from)
}

// ---------------------------------------------------------------- verify

fn verify_items(items: &[&str], typed: bool) -> Result<bool, JsValue> {
    let [sign_type, key, pairs @ ..] = items else {
        return Err(bad_call());
    };
    let t = if typed {
        Some(parse_sign_type(sign_type)?)
    } else {
        None
    };
    verified(wxpay_core::verify(&Flat(pairs), &ApiKey::new(*key), t))
}

/// `verify` of the scratch input `[signType, key, k1, v1, …]`; the sign
/// type is inferred from the sign's length when `typed` is false. Returns
/// 1 (verified), 2 (not verified) or 0 (ambiguous packed form).
///
/// # Errors
/// `ERR_UNSUPPORTED_SIGN_TYPE`.
#[wasm_bindgen(js_name = verifyIo)]
pub fn verify_io(len: u32, count: u32, typed: bool) -> Result<u32, JsValue> {
    with_io(|io| {
        let text = scratch_text(&io.input, len)?;
        match split_exact(text, count) {
            None => Ok(0),
            Some(items) => Ok(if verify_items(&items, typed)? { 1 } else { 2 }),
        }
    })
}

/// `verify` with the items as an array of strings.
///
/// # Errors
/// As `verifyIo`.
#[wasm_bindgen(js_name = verifyList)]
pub fn verify_list(items: Vec<String>, typed: bool) -> Result<bool, JsValue> {
    verify_items(&strs(&items), typed)
}

// ---------------------------------------------------------------- XML

fn to_xml_items(items: &[&str]) -> Result<String, JsValue> {
    xml::encode(&Flat(items)).map_err(xml_error)
}

/// `toXml` of the scratch input `[k1, v1, …]`; `undefined` when ambiguous.
///
/// # Errors
/// `ERR_XML_NAME` for a name the codec cannot write.
#[wasm_bindgen(js_name = toXmlIo)]
pub fn to_xml_io(len: u32, count: u32) -> Result<Option<String>, JsValue> {
    with_io(|io| {
        let text = scratch_text(&io.input, len)?;
        split_exact(text, count)
            .map(|items| to_xml_items(&items))
            .transpose()
    })
}

/// `toXml` with the items as an array of strings.
///
/// # Errors
/// As `toXmlIo`.
#[wasm_bindgen(js_name = toXmlList)]
pub fn to_xml_list(items: Vec<String>) -> Result<String, JsValue> {
    to_xml_items(&strs(&items))
}

/// Writes decoded fields as `[n, side_addr, side_len, same, (key_id, ks,
/// ke, vs, ve) × n]`: `same` is 1 when the names are those of the previous
/// document, in the same order (the facade then clones its last object's
/// shape instead of growing a new one); then per field a key id (flagged with [`io::SIDE`] when new, [`io::NO_ID`]
/// when none), then UTF-16 offsets into the input text (the key's only for
/// a new or id-less key), or, flagged with [`io::SIDE`], into `side`, where
/// values that are not one slice of the input are gathered.
fn write_fields(io: &mut io::Io, len: usize) -> Result<u32, JsValue> {
    let input = core::mem::take(&mut io.input);
    let r = write_fields_of(io, input.get(..len).ok_or_else(bad_call));
    io.input = input;
    r
}

fn write_fields_of(io: &mut io::Io, input: Result<&[u8], JsValue>) -> Result<u32, JsValue> {
    let input = input?;
    let map = xml::decode(input).map_err(xml_error)?;
    let mut out = core::mem::take(&mut io.out);
    let mut side = core::mem::take(&mut io.side);
    let keys_before = io.keys.len();
    let mut seq = core::mem::take(&mut io.seq);
    seq.clear();
    out.clear();
    side.clear();
    out.reserve(4 + 5 * map.len());
    out.extend_from_slice(&[0, 0, 0, 0]);
    let base = input.as_ptr() as usize;
    let offset_in_input = |s: &str| {
        let p = (s.as_ptr() as usize).wrapping_sub(base);
        (!s.is_empty() && p <= input.len() && s.len() <= input.len() - p).then_some(p)
    };
    let mut cur = io::Utf16Cursor::new(input);
    let mut side_units = 0usize;
    let mut failed = false;
    for (j, (k, v)) in map.iter().enumerate() {
        let (id, new) = io.key_id(j, k);
        seq.push(id);
        if new || id == io::NO_ID {
            // Names are always slices of the input.
            let kp = offset_in_input(k).unwrap_or_else(|| {
                failed = true;
                0
            });
            out.extend_from_slice(&[
                if new { io::SIDE | id } else { id },
                cur.at(kp),
                cur.at(kp + k.len()),
            ]);
        } else {
            out.extend_from_slice(&[id, 0, 0]);
        }
        if let Some(vp) = offset_in_input(v) {
            out.push(cur.at(vp));
            out.push(cur.at(vp + v.len()));
        } else {
            let start = side_units as u32;
            side.push_str(v);
            side_units += io::utf16_len(v.as_bytes());
            out.push(io::SIDE | start);
            out.push(io::SIDE | side_units as u32);
        }
    }
    out[0] = map.len() as u32;
    out[1] = io::addr(side.as_ptr()).unwrap_or(0);
    out[2] = side.len() as u32;
    out[3] = u32::from(seq == io.last && !seq.contains(&io::NO_ID));
    let addr = io::addr(out.as_ptr());
    io.out = out;
    io.side = side;
    io.seq = core::mem::replace(&mut io.last, seq);
    match addr {
        Some(a) if !failed => Ok(a),
        _ => {
            // The facade will not read this table: forget the names it
            // would have learnt, so ids stay in step with its cache.
            io.keys.truncate(keys_before);
            io.last.clear();
            Err(bad_call())
        }
    }
}

/// `parseXml` of the first `len` bytes of the scratch input. Returns the
/// address of the field table (see `write_fields`): the facade slices keys
/// and values out of its own string instead of decoding new ones.
///
/// # Errors
/// `ERR_XML_*` from the codec (DOCTYPE, entities, nesting, size, UTF-8, …),
/// with `offset` and `field`.
#[wasm_bindgen(js_name = parseXmlIo)]
pub fn parse_xml_io(len: u32) -> Result<u32, JsValue> {
    let len = usize::try_from(len).map_err(|_| bad_call())?;
    with_io(|io| write_fields(io, len))
}

fn list_fields<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    fields
        .flat_map(|(k, v)| [k.to_string(), v.to_string()])
        .collect()
}

/// `parseXml` of a string, fields as `[k1, v1, …]` (for inputs too large
/// for the scratch buffer).
///
/// # Errors
/// As `parseXmlIo`.
#[wasm_bindgen(js_name = parseXmlList)]
pub fn parse_xml_list(xml: &str) -> Result<Vec<String>, JsValue> {
    let map = xml::decode(xml.as_bytes()).map_err(xml_error)?;
    Ok(list_fields(map.iter()))
}

/// `parseXml` of bytes, fields as `[k1, v1, …]`.
///
/// # Errors
/// As `parseXmlIo`.
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
    let items = strs(&items);
    let [key, pairs @ ..] = items.as_slice() else {
        return Err(bad_call());
    };
    verified(wxpay_core::verify_payment_params(
        &Flat(pairs),
        &ApiKey::new(*key),
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
    let items = strs(&items);
    let [key, pairs @ ..] = items.as_slice() else {
        return Err(bad_call());
    };
    req_info::encrypt_fields(&Flat(pairs), &ApiKey::new(*key)).map_err(|e| js_error(&e))
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
    use wxpay_core::ApiKey;

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

    /// The word-at-a-time split agrees with a plain one on every placement
    /// of NULs in strings longer than a word.
    #[test]
    fn split_exact_matches_plain_split() {
        fn plain(packed: &str, count: usize) -> Option<Vec<&str>> {
            if count == 0 {
                return packed.is_empty().then(Vec::new);
            }
            let items: Vec<&str> = packed.strip_suffix('\0')?.split('\0').collect();
            (items.len() == count).then_some(items)
        }
        let pieces = [
            "",
            "a",
            "中",
            "abcdefgh",
            "appid",
            "wxd930ea5d5a258f4f",
            "😀x",
            "1234567",
        ];
        let mut seed = 7u32;
        for _ in 0..3000 {
            let mut s = String::new();
            let mut n = 0;
            loop {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let r = (seed >> 16) as usize;
                if r.is_multiple_of(9) || n > 12 {
                    break;
                }
                s.push_str(pieces[r % pieces.len()]);
                if !r.is_multiple_of(5) {
                    s.push('\0');
                }
                n += 1;
            }
            for count in 0..16u32 {
                assert_eq!(
                    split_exact(&s, count),
                    plain(&s, count as usize),
                    "{s:?} / {count}"
                );
            }
        }
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
}
