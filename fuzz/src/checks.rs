//! The fuzz checks for wxpay-core, one function per target.
//!
//! Each function takes the raw fuzz input, drives the public API of
//! wxpay-core with it, and panics when an invariant breaks. The same file
//! is the library of the cargo-fuzz crate (`fuzz/`, nightly) and is
//! included by `core/tests/fuzz_regressions.rs`, which replays every
//! committed corpus and artifact file through it on stable.
//!
//! Structured targets read their input as segments separated by the byte
//! `0xFF` (which never occurs in UTF-8, so any text fits in a segment);
//! most start with one control byte. A segment that is a single byte
//! `0x80..=0xFE` stands for an entry of a dictionary of field names or
//! values (see [`NAMES`] and [`VALUES`]), so the fuzzer reaches WeChat's
//! real fields without guessing them. [`Input`] writes this format; the
//! seed generator (`examples/seed.rs`) uses it.
#![allow(
    unreachable_pub,
    missing_docs,
    clippy::missing_panics_doc,
    clippy::unwrap_used,
    clippy::too_many_lines,
    dead_code
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use wxpay_core::model::{
    CloseOrderRequest, CloseOrderResponse, DownloadBillRequest, ErrCode, Failure,
    GetSignKeyRequest, GetSignKeyResponse, NotifyReply, OrderQueryRequest, OrderQueryResponse,
    PaymentNotify, RefundNotify, RefundNotifyInfo, RefundQueryRequest, RefundQueryResponse,
    RefundRequest, RefundResponse, UnifiedOrderRequest, UnifiedOrderResponse, judge_notify_reply,
    rules,
};
use wxpay_core::paysign::pay_sign_of;
use wxpay_core::xml::{self, DecodeOptions, XmlError, XmlErrorKind};
use wxpay_core::{
    ApiKey, Error, ParamMap, Params, SignType, build_payment_params, canonical_string, req_info,
    sign, sign_message, string_to_sign, string_to_sign_masked, verify, verify_payment_params,
    verify_sign,
};

/// Separates segments of a structured input.
pub const SEP: u8 = 0xFF;

/// The size limit of the `xml_decode` target's second decoder.
pub const SMALL_LIMIT: usize = 256;

/// Roots accepted by the `xml_decode` target's option decoders.
const ROOTS: &[&str] = &["xml", "root"];

/// Field names reachable through one-byte segments `0x80 + i`.
pub const NAMES: &[&str] = &[
    "appid",
    "mch_id",
    "nonce_str",
    "sign",
    "sign_type",
    "body",
    "detail",
    "attach",
    "out_trade_no",
    "fee_type",
    "total_fee",
    "spbill_create_ip",
    "time_start",
    "time_expire",
    "goods_tag",
    "notify_url",
    "trade_type",
    "product_id",
    "limit_pay",
    "openid",
    "receipt",
    "profit_sharing",
    "scene_info",
    "device_info",
    "transaction_id",
    "out_refund_no",
    "refund_fee",
    "refund_fee_type",
    "refund_desc",
    "refund_account",
    "refund_id",
    "offset",
    "bill_date",
    "bill_type",
    "tar_type",
    "return_code",
    "return_msg",
    "result_code",
    "err_code",
    "err_code_des",
    "prepay_id",
    "code_url",
    "mweb_url",
    "trade_state",
    "trade_state_desc",
    "bank_type",
    "settlement_total_fee",
    "cash_fee",
    "cash_fee_type",
    "coupon_fee",
    "coupon_count",
    "time_end",
    "is_subscribe",
    "cash_refund_fee",
    "coupon_refund_fee",
    "coupon_refund_count",
    "refund_channel",
    "settlement_refund_fee",
    "total_refund_count",
    "refund_count",
    "sandbox_signkey",
    "req_info",
    "sub_appid",
    "sub_mch_id",
    "refund_status",
    "success_time",
    "refund_recv_accout",
    "refund_request_source",
    "out_refund_no_0",
    "refund_id_0",
    "refund_channel_0",
    "refund_fee_0",
    "settlement_refund_fee_0",
    "refund_status_0",
    "refund_account_0",
    "refund_recv_accout_0",
    "refund_success_time_0",
    "refund_fee_1",
    "out_refund_no_1",
    "appId",
    "timeStamp",
    "nonceStr",
    "package",
    "signType",
    "paySign",
    "timestamp",
    "noncestr",
    "key",
];

/// Values reachable through one-byte segments `0x80 + i`.
pub const VALUES: &[&str] = &[
    "SUCCESS",
    "FAIL",
    "OK",
    "MD5",
    "HMAC-SHA256",
    "md5",
    "JSAPI",
    "NATIVE",
    "APP",
    "MWEB",
    "CNY",
    "no_credit",
    "Y",
    "N",
    "GZIP",
    "ALL",
    "REFUND",
    "0",
    "1",
    "-1",
    "100",
    "007",
    "-0",
    "1.0",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "20260101120000",
    "20240229235959",
    "20230229000000",
    "00000101000000",
    "99991231235959",
    "20261124",
    "2026-11-24 10:00:00",
    "127.0.0.1",
    "::1",
    "https://example.com/notify",
    "https://example.com/notify?a=1",
    "wxd930ea5d5a258f4f",
    "1230000109",
    "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    "O2026112400001",
    "R2026112400001",
    "prepay_id=wx2017033010242291fcfe0db70013231072",
    "wx2017033010242291fcfe0db70013231072",
    "1490840662",
    "1490840662000",
    "9A0A8659F005D6984697E2CA0A9CF3B7",
    "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6",
    "192006250b4c09247ec02edce69f6a2d",
    " ",
    "]]>",
    "a&b=c",
    "中文",
];

/// The API key the unstructured targets sign with.
pub const FIXED_KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn from_dict(seg: &[u8], dict: &[&str]) -> String {
    match seg {
        [b] if *b >= 0x80 => String::from(dict[usize::from(*b - 0x80) % dict.len()]),
        _ => lossy(seg),
    }
}

/// A parameter name: a dictionary entry for a one-byte segment
/// `0x80..=0xFE`, else the segment as (lossy) UTF-8.
#[must_use]
pub fn name(seg: &[u8]) -> String {
    from_dict(seg, NAMES)
}

/// A parameter value, as [`name`] with [`VALUES`].
#[must_use]
pub fn value(seg: &[u8]) -> String {
    from_dict(seg, VALUES)
}

/// The segments of a structured input.
#[must_use]
pub fn segments(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == SEP).collect()
}

/// Alternating name/value segments as pairs (a missing last value is "").
#[must_use]
pub fn pairs(segs: &[&[u8]]) -> Vec<(String, String)> {
    segs.chunks(2)
        .map(|c| (name(c[0]), c.get(1).map_or_else(String::new, |v| value(v))))
        .collect()
}

/// Builds structured inputs (for seeds): a control byte, then segments.
#[derive(Debug, Clone)]
pub struct Input {
    bytes: Vec<u8>,
    first: bool,
}

impl Input {
    /// Starts an input with its control byte.
    #[must_use]
    pub fn new(ctl: u8) -> Self {
        Self::with_header(&[ctl])
    }

    /// Starts an input with several control bytes.
    #[must_use]
    pub fn with_header(header: &[u8]) -> Self {
        Self {
            bytes: header.to_vec(),
            first: true,
        }
    }

    /// Appends a text segment (a text containing `0xFF` cannot occur: it
    /// is UTF-8).
    #[must_use]
    pub fn seg(mut self, s: &str) -> Self {
        if !self.first {
            self.bytes.push(SEP);
        }
        self.first = false;
        self.bytes.extend_from_slice(s.as_bytes());
        self
    }

    /// Appends name/value pairs.
    #[must_use]
    pub fn pairs<'a>(mut self, p: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        for (k, v) in p {
            self = self.seg(k).seg(v);
        }
        self
    }

    /// The finished input.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

// ---------------------------------------------------------------- xml_decode

fn check_xml_error(e: &XmlError, data: &[u8]) {
    assert!(
        e.offset <= data.len(),
        "error offset {} beyond the input ({} bytes): {e:?}",
        e.offset,
        data.len()
    );
    assert!(e.code().starts_with("ERR_XML_"), "{e:?}");
    let shown = e.to_string();
    assert!(!shown.is_empty());
}

fn check_xml_map(m: &xml::XmlMap<'_>, roots: &[&str]) {
    assert!(
        roots.contains(&m.root()),
        "root {:?} not accepted",
        m.root()
    );
    let mut names = BTreeSet::new();
    for (k, _) in m.iter() {
        assert!(xml::is_valid_name(k), "decoded an invalid name {k:?}");
        assert!(names.insert(k), "duplicate field {k:?} was accepted");
    }
    let map = m.to_param_map();
    assert_eq!(map.len(), m.len());

    // Round trip: encode, decode again, same fields; encoding is stable.
    let encoded = xml::encode_root(m.root(), m).expect("a decoded map must encode");
    let opts = DecodeOptions {
        roots,
        ..DecodeOptions::default()
    };
    let again = match xml::decode_with(encoded.as_bytes(), &opts) {
        Ok(a) => a,
        Err(e) => panic!("decode(encode(m)) failed: {e:?}\nencoded: {encoded:?}"),
    };
    assert_eq!(again.root(), m.root());
    assert_eq!(again.to_param_map(), map, "decode(encode(m)) != m");
    assert_eq!(
        xml::encode_root(again.root(), &again).expect("re-encode"),
        encoded,
        "encoding is not stable"
    );

    // The decoded map signs like the same fields in a sorted map (the
    // document order exercises the unsorted paths of the signer).
    let key = ApiKey::new(FIXED_KEY);
    assert_eq!(canonical_string(m), canonical_string(&map));
    for t in [SignType::Md5, SignType::HmacSha256] {
        assert_eq!(sign(m, &key, t), sign(&map, &key, t));
    }
}

/// `xml_decode`: arbitrary bytes through `xml::decode` and `decode_with`
/// (a small limit; roots `xml` and `root`). On success, encode → decode
/// gives the same map; decoders that differ only in their options agree;
/// errors carry an offset inside the input. Also the notify-reply judge and
/// parser, which decode the same bytes.
pub fn xml_decode(data: &[u8]) {
    let wide = DecodeOptions {
        roots: ROOTS,
        ..DecodeOptions::default()
    };
    let small = DecodeOptions {
        max_bytes: SMALL_LIMIT,
        roots: ROOTS,
    };
    let d = xml::decode(data);
    let w = xml::decode_with(data, &wide);
    let s = xml::decode_with(data, &small);

    match &d {
        Ok(m) => check_xml_map(m, &["xml"]),
        Err(e) => check_xml_error(e, data),
    }
    match &w {
        Ok(m) => check_xml_map(m, ROOTS),
        Err(e) => check_xml_error(e, data),
    }
    match &s {
        Ok(m) => check_xml_map(m, ROOTS),
        Err(e) => check_xml_error(e, data),
    }

    // `decode` accepts `<xml>` only; `wide` also `<root>`: otherwise equal.
    match (&d, &w) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Ok(_), Err(e)) => panic!("decode accepted what decode_with(xml, root) refused: {e:?}"),
        (Err(e), Ok(m)) => assert!(
            m.root() == "root"
                && matches!(&e.kind, XmlErrorKind::UnexpectedRoot { found } if found == "root"),
            "decode refused with {e:?} what decode_with(xml, root) accepted"
        ),
        (Err(a), Err(b)) => {
            if !matches!(&a.kind, XmlErrorKind::UnexpectedRoot { found } if found == "root") {
                assert_eq!(a, b);
            }
        }
    }
    if data.len() > SMALL_LIMIT {
        assert!(
            matches!(&s, Err(e) if e.kind == XmlErrorKind::TooLarge { limit: SMALL_LIMIT }),
            "input over the limit was not refused as too large: {s:?}"
        );
    } else {
        assert_eq!(s, w, "the size limit changed the result of a small input");
    }

    // The notify-reply judge and parser read the same bytes.
    let judged = judge_notify_reply(200, data);
    if judged.is_ok() {
        let m = xml::decode(data.trim_ascii()).expect("an accepted reply decodes");
        assert_eq!(m.get("return_code"), Some("SUCCESS"));
    }
    assert!(judge_notify_reply(500, data).is_err());
    if let Ok(r) = NotifyReply::parse(data) {
        let d = d
            .as_ref()
            .expect("NotifyReply::parse accepted what decode refused");
        assert_eq!(
            r.return_code.as_deref(),
            d.get("return_code").filter(|v| !v.is_empty())
        );
    }
}

// ---------------------------------------------------------------- sign_verify

fn hex_upper(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        write!(s, "{b:02X}").unwrap();
    }
    s
}

/// An independent implementation of the signature, from the written rule.
fn reference_sign(message: &[u8], key: &[u8], t: SignType) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    use md5::{Digest, Md5};
    match t {
        SignType::Md5 => hex_upper(&Md5::digest(message)),
        SignType::HmacSha256 => {
            let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap();
            mac.update(message);
            hex_upper(&mac.finalize().into_bytes())
        }
    }
}

/// The canonical string, from the written rule: non-empty values, not
/// `sign`, stable-sorted by the bytes of the name, `k=v` joined by `&`.
fn reference_canonical(pairs: &[(String, String)]) -> String {
    let mut v: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, v)| !v.is_empty() && k != "sign")
        .collect();
    v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::new();
    for (i, (k, val)) in v.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(val);
    }
    out
}

fn with_key(canonical: &str, key: &str) -> String {
    if canonical.is_empty() {
        format!("key={key}")
    } else {
        format!("{canonical}&key={key}")
    }
}

/// The sign with one byte changed (to another ASCII byte).
fn flipped(sign: &str, ctl: u8) -> String {
    let mut b = sign.as_bytes().to_vec();
    let i = usize::from(ctl) % b.len();
    b[i] ^= 1 + (ctl >> 4);
    String::from_utf8(b).unwrap()
}

fn check_key_hidden(key: &ApiKey) {
    // The key's Debug/Display depend on its length only.
    let same_len = ApiKey::new("x".repeat(key.len()));
    assert_eq!(format!("{key:?}"), format!("{same_len:?}"));
    assert_eq!(format!("{key}"), format!("{same_len}"));
    // No character of the key is shown: a key of 8 bytes or more shows as
    // `sha256:` + the first 4 bytes of its SHA-256 in hex, a shorter one as
    // one `*` per character.
    let masked = key.masked();
    assert_eq!(masked, key.fingerprint());
    let text = key.expose();
    if text.len() >= 8 {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(text.as_bytes());
        let mut want = String::from("sha256:");
        for b in &d[..4] {
            write!(want, "{b:02x}").unwrap();
        }
        assert_eq!(masked, want);
    } else {
        assert_eq!(masked, "*".repeat(text.chars().count()));
    }
}

/// `sign_verify`: `[ctl] key 0xFF name 0xFF value …`. For both sign types:
/// the canonical string and string to sign match the written rule; the
/// sign matches an independent MD5/HMAC over it and does not depend on
/// the order of the pairs; verifying the produced sign succeeds (given or
/// inferred type, separate or inside the params); changing one byte,
/// lowercasing it, or another key fails. Verifying whatever `sign` the
/// input carries never panics and succeeds only for the true sign.
pub fn sign_verify(data: &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let segs = segments(rest);
    let key_text = lossy(segs[0]);
    let key = ApiKey::new(key_text.clone());
    let pairs = pairs(&segs[1..]);
    check_key_hidden(&key);

    let canonical = reference_canonical(&pairs);
    assert_eq!(canonical_string(&pairs), canonical);
    let to_sign = with_key(&canonical, &key_text);
    assert_eq!(string_to_sign(&pairs, &key), to_sign);
    assert_eq!(
        string_to_sign_masked(&pairs, &key),
        with_key(&canonical, &key.masked())
    );

    let map: BTreeMap<&str, &str> = pairs.iter().map(|(k, v)| (&**k, &**v)).collect();
    let unique = map.len() == pairs.len();
    let reversed: Vec<(&str, &str)> = pairs.iter().rev().map(|(k, v)| (&**k, &**v)).collect();
    let other_key = ApiKey::new(format!("{key_text}x"));

    // Checks that cost a hash each rotate with the bits of `ctl`, so one
    // execution stays cheap and every check still runs on most inputs.
    let bit = |n: u8| ctl & (1 << n) != 0;
    for t in [SignType::Md5, SignType::HmacSha256] {
        let s = sign(&pairs, &key, t);
        let sv = s.as_str();
        assert_eq!(sv.len(), t.hex_len());
        assert_eq!(s.sign_type(), t);
        assert_eq!(
            sv,
            reference_sign(to_sign.as_bytes(), key_text.as_bytes(), t),
            "sign differs from the reference over {to_sign:?}"
        );
        if bit(0) {
            assert_eq!(sign_message(to_sign.as_bytes(), key_text.as_bytes(), t), s);
        }
        if unique {
            if bit(1) {
                assert_eq!(sign(&map, &key, t), s, "sorted map signs differently");
            } else {
                assert_eq!(sign(&reversed, &key, t), s, "pair order changed the sign");
            }
        }

        assert_eq!(verify_sign(&pairs, &key, sv, None), Ok(t));
        if bit(2) {
            assert_eq!(verify_sign(&pairs, &key, sv, Some(t)), Ok(t));
        } else {
            let mut inside: Vec<(&str, &str)> = pairs
                .iter()
                .filter(|(k, _)| k != "sign")
                .map(|(k, v)| (&**k, &**v))
                .collect();
            inside.push(("sign", sv));
            let given = if bit(3) { Some(t) } else { None };
            assert_eq!(verify(&inside, &key, given), Ok(t));
        }

        let bad = flipped(sv, ctl);
        let given = if bit(4) { Some(t) } else { None };
        assert_eq!(
            verify_sign(&pairs, &key, &bad, given),
            Err(Error::SignMismatch),
            "a changed byte verified: {bad}"
        );
        let lower = sv.to_ascii_lowercase();
        if bit(5) && lower != sv {
            assert_eq!(
                verify_sign(&pairs, &key, &lower, None),
                Err(Error::SignMismatch)
            );
        }
        let other_t = match t {
            SignType::Md5 => SignType::HmacSha256,
            SignType::HmacSha256 => SignType::Md5,
        };
        assert_eq!(
            verify_sign(&pairs, &key, sv, Some(other_t)),
            Err(Error::MalformedSign { len: sv.len() })
        );
        if bit(6) {
            assert_eq!(
                verify_sign(&pairs, &other_key, sv, None),
                Err(Error::SignMismatch)
            );
        }
    }

    // Whatever sign the input carries.
    let claimed = pairs.get_param("sign");
    match verify(&pairs, &key, None) {
        Ok(t) => assert_eq!(claimed, Some(sign(&pairs, &key, t).as_str())),
        Err(Error::MissingSign) => assert!(claimed.is_none_or(str::is_empty)),
        Err(Error::MalformedSign { len }) => {
            assert!(len != 32 && len != 64);
            assert_eq!(claimed.map(str::len), Some(len));
        }
        Err(Error::SignMismatch) => {}
        Err(e) => panic!("unexpected verify error {e:?}"),
    }
    if let Some(t) = pairs.first().map(|(_, v)| v.as_str()) {
        match t.parse::<SignType>() {
            Ok(st) => assert_eq!(st.as_str(), t),
            Err(Error::UnsupportedSignType(shown)) => {
                assert!(t != "MD5" && t != "HMAC-SHA256");
                assert!(shown.chars().count() <= 64);
            }
            Err(e) => panic!("unexpected sign type error {e:?}"),
        }
    }
}

// ---------------------------------------------------------------- req_info

/// `req_info`: `[ctl] key 0xFF req_info-text 0xFF plaintext`.
/// - the text through `decrypt`/`decrypt_fields`: no panic; a success
///   re-encrypts to the same text (ECB and PKCS#7 are deterministic, the
///   base64 canonical) and the fields are the plaintext's XML;
/// - the text's raw bytes as ciphertext (base64-encoded, whole blocks), to
///   reach the padding and UTF-8 checks;
/// - encrypt → decrypt of the plaintext gives it back; another key does not;
/// - a plaintext that decodes as XML: `encrypt_fields` → `decrypt_fields`.
pub fn req_info(data: &[u8]) {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let segs = segments(rest);
    let key = ApiKey::new(lossy(segs[0]));
    let other_key = ApiKey::new(format!("{}x", key.expose()));
    let text_bytes = segs.get(1).copied().unwrap_or_default();
    let text = lossy(text_bytes);
    let plain = segs.get(2).map(|s| lossy(s)).unwrap_or_default();

    let roots_opts = DecodeOptions {
        roots: &["root", "xml"],
        ..DecodeOptions::default()
    };
    let check_decrypt = |text: &str| {
        let r = req_info::decrypt(text, &key);
        let f = req_info::decrypt_fields(text, &key);
        match &r {
            Ok(p) => {
                assert_eq!(
                    req_info::encrypt(p, &key),
                    text.trim_ascii(),
                    "decrypt accepted a text that does not re-encrypt to itself"
                );
                match xml::decode_with(p.as_bytes(), &roots_opts) {
                    Ok(m) => assert_eq!(f, Ok(m.to_param_map())),
                    Err(e) => assert_eq!(f, Err(Error::Xml(e))),
                }
            }
            Err(e) => {
                assert!(matches!(e, Error::ReqInfo(_)), "unexpected error {e:?}");
                assert_eq!(&f, &Err(e.clone()));
                assert!(!e.to_string().is_empty());
            }
        }
    };
    check_decrypt(&text);

    // Raw ciphertext: the text's bytes cut to whole 16-byte blocks.
    let whole = text_bytes.len() / 16 * 16;
    if whole > 0 {
        let b64 = STANDARD.encode(&text_bytes[..whole]);
        check_decrypt(&b64);
        if ctl & 1 == 1 {
            // Surrounding whitespace is tolerated.
            check_decrypt(&format!(" {b64}\n"));
        }
    }

    // Round trip.
    let enc = req_info::encrypt(&plain, &key);
    assert_eq!(enc.len() % 4, 0);
    assert_eq!(req_info::decrypt(&enc, &key).as_deref(), Ok(plain.as_str()));
    assert_ne!(
        req_info::decrypt(&enc, &other_key).as_deref(),
        Ok(plain.as_str()),
        "another key decrypted the plaintext"
    );
    if let Ok(m) = xml::decode_with(plain.as_bytes(), &roots_opts) {
        let enc = req_info::encrypt_fields(&m, &key).expect("decoded names encode");
        assert_eq!(req_info::decrypt_fields(&enc, &key), Ok(m.to_param_map()));
    }
}

// ---------------------------------------------------------------- paysign

fn object_with(obj: &[(String, String)], pay_sign: &str) -> Vec<(String, String)> {
    let mut o: Vec<(String, String)> = obj
        .iter()
        .filter(|(k, _)| k != "paySign")
        .cloned()
        .collect();
    o.push(("paySign".into(), pay_sign.into()));
    o
}

/// `paysign`: `[ctl] key 0xFF …`. With `ctl` even, the rest are the
/// object's name/value pairs: `verify_payment_params` and `pay_sign_of`
/// never panic and agree; the computed paySign verifies and a changed byte
/// does not. With `ctl` odd, the rest are `appId, prepay_id, timeStamp,
/// nonceStr`: `build_payment_params` either refuses with `InvalidValue` or
/// builds an object that verifies.
pub fn paysign(data: &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let segs = segments(rest);
    let key = ApiKey::new(lossy(segs[0]));
    let other_key = ApiKey::new(format!("{}x", key.expose()));

    if ctl & 1 == 0 {
        let obj = pairs(&segs[1..]);
        let verified = verify_payment_params(&obj, &key);
        let computed = pay_sign_of(&obj, &key);
        match (&verified, &computed) {
            (Ok(t), Ok((s, t2))) => {
                assert_eq!(t, t2);
                assert_eq!(obj.get_param("paySign"), Some(s.as_str()));
            }
            (Ok(t), Err(e)) => panic!("verified as {t:?} but pay_sign_of failed: {e:?}"),
            (Err(e), Err(e2)) => assert_eq!(e, e2),
            (Err(e), Ok(_)) => assert!(
                matches!(
                    e,
                    Error::MissingSign | Error::MalformedSign { .. } | Error::SignMismatch
                ),
                "{e:?}"
            ),
        }
        if let Ok((s, t)) = computed {
            assert_eq!(s.sign_type(), t);
            let good = object_with(&obj, s.as_str());
            assert_eq!(verify_payment_params(&good, &key), Ok(t));
            assert_eq!(
                verify_payment_params(&good, &other_key),
                Err(Error::SignMismatch)
            );
            let bad = object_with(&obj, &flipped(s.as_str(), ctl));
            assert_eq!(verify_payment_params(&bad, &key), Err(Error::SignMismatch));
        }
    } else {
        let arg = |i: usize| segs.get(i).map(|s| value(s)).unwrap_or_default();
        let (app_id, prepay_id, ts, nonce) = (arg(1), arg(2), arg(3), arg(4));
        let t = if ctl & 2 == 0 {
            SignType::Md5
        } else {
            SignType::HmacSha256
        };
        match build_payment_params(&app_id, &prepay_id, &key, t, &ts, &nonce) {
            Ok(p) => {
                assert_eq!(p.sign_type, t);
                assert_eq!(p.time_stamp.len(), 10);
                assert!(p.package.starts_with("prepay_id="));
                assert_eq!(p.pay_sign.len(), t.hex_len());
                let mut obj: Vec<(String, String)> = p
                    .signed_pairs()
                    .iter()
                    .map(|(k, v)| (String::from(*k), String::from(*v)))
                    .collect();
                obj.push(("paySign".into(), p.pay_sign.clone()));
                assert_eq!(verify_payment_params(&obj, &key), Ok(t));
                let bad = object_with(&obj, &flipped(&p.pay_sign, ctl));
                assert_eq!(verify_payment_params(&bad, &key), Err(Error::SignMismatch));
            }
            Err(Error::InvalidValue { field, reason }) => {
                assert!(!reason.is_empty());
                assert!(
                    ["timeStamp", "appId", "prepayId", "nonceStr"].contains(&field.as_str()),
                    "{field}"
                );
            }
            Err(e) => panic!("unexpected build error {e:?}"),
        }
    }
}

// ---------------------------------------------------------------- models

fn check_failure(f: &Failure) {
    let p = f.to_params();
    assert!(matches!(
        p.get("return_code").map(String::as_str),
        Some("FAIL" | "SUCCESS")
    ));
    if let Failure::Business { err_code, .. } = f {
        assert_eq!(ErrCode::parse(err_code.as_str()), Some(*err_code));
    }
    assert!(!f.to_string().is_empty());
}

/// from_params → (validate) → to_params → from_params == the first.
macro_rules! round_trip {
    ($t:ty, $p:expr) => {{
        match <$t>::from_params($p) {
            Ok(x) => {
                let back = <$t>::from_params(&x.to_params());
                assert_eq!(
                    back.as_ref(),
                    Ok(&x),
                    "{}: from_params(to_params(x)) != x",
                    stringify!($t)
                );
                Some(x)
            }
            Err(f) => {
                check_failure(&f);
                None
            }
        }
    }};
}

macro_rules! validated {
    ($t:ty, $p:expr) => {{
        if let Some(x) = round_trip!($t, $p) {
            if let Err(f) = x.validate() {
                check_failure(&f);
            }
            Some(x)
        } else {
            None
        }
    }};
}

fn parse_or<T: std::str::FromStr>(seg: Option<&&[u8]>, default: T) -> T {
    seg.and_then(|s| value(s).parse().ok()).unwrap_or(default)
}

/// `models`: `[selector] now 0xFF min_interval 0xFF name 0xFF value …`.
/// The selected model reads the parameter map; when it succeeds,
/// `from_params(to_params(x)) == x` and `validate()` (for requests) never
/// panics; model-specific helpers (refund lists, req_info, the notify
/// reply, re-entry, expiry) keep their round trips. Every map also goes
/// through the envelope check and the time formats (`now` formatted, and
/// every value that parses as a time formats back to itself).
pub fn models(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let segs = segments(rest);
    let now: i64 = parse_or(segs.first(), 1_790_000_000);
    let min_interval: i64 = parse_or(segs.get(1), 60);
    let p: ParamMap = pairs(segs.get(2..).unwrap_or_default())
        .into_iter()
        .collect();
    let key = ApiKey::new(FIXED_KEY);

    for needs_appid in [true, false] {
        match rules::check_envelope(&p, needs_appid) {
            Ok(t) => match p.get("sign_type").map(String::as_str) {
                None | Some("") => assert_eq!(t, SignType::Md5),
                Some(s) => assert_eq!(t.as_str(), s),
            },
            Err(f) => check_failure(&f),
        }
    }
    // The time formats take any Unix time (the mock's clock can be moved).
    let _ = rules::format_time14(now);
    let _ = rules::format_datetime(now);
    let _ = rules::format_date8(now);
    for v in p.values() {
        if let Some(t) = rules::parse_time14(v) {
            assert_eq!(&rules::format_time14(t), v, "time14 round trip");
        }
        if let Some(t) = rules::parse_date8(v) {
            assert_eq!(&rules::format_date8(t), v, "date8 round trip");
        }
        let _ = rules::is_ip(v);
        let _ = rules::check_notify_url(v);
        let _ = rules::is_valid_out_trade_no(v);
        let _ = rules::is_valid_out_refund_no(v);
        let _ = rules::is_well_formed_openid(v);
    }

    match sel % 17 {
        0 => {
            if let Some(x) = validated!(UnifiedOrderRequest, &p) {
                let _ = x.trade_type();
                let re = x.reentry_params();
                for f in UnifiedOrderRequest::REENTRY_IGNORED {
                    assert!(!re.contains_key(*f));
                }
                if let Err(f) = x.check_time_expire(now, min_interval) {
                    check_failure(&f);
                }
            }
        }
        1 => {
            validated!(OrderQueryRequest, &p);
        }
        2 => {
            validated!(CloseOrderRequest, &p);
        }
        3 => {
            validated!(RefundRequest, &p);
        }
        4 => {
            validated!(RefundQueryRequest, &p);
        }
        5 => {
            validated!(GetSignKeyRequest, &p);
        }
        6 => {
            validated!(DownloadBillRequest, &p);
        }
        7 => {
            round_trip!(UnifiedOrderResponse, &p);
        }
        8 => {
            round_trip!(OrderQueryResponse, &p);
        }
        9 => {
            round_trip!(CloseOrderResponse, &p);
        }
        10 => {
            round_trip!(RefundResponse, &p);
        }
        11 => {
            if let Some(x) = round_trip!(RefundQueryResponse, &p) {
                match x.refunds() {
                    Ok(items) => {
                        let mut y = x.clone();
                        y.set_refunds(&items);
                        assert_eq!(y.refunds(), Ok(items), "set_refunds/refunds round trip");
                    }
                    Err(f) => check_failure(&f),
                }
            }
        }
        12 => {
            round_trip!(GetSignKeyResponse, &p);
        }
        13 => {
            round_trip!(PaymentNotify, &p);
        }
        14 => {
            if let Some(x) = round_trip!(RefundNotify, &p)
                && let Err(e) = x.decrypt(&key)
            {
                assert!(!e.to_string().contains(FIXED_KEY));
            }
        }
        15 => {
            if let Some(x) = round_trip!(RefundNotifyInfo, &p) {
                match x.encrypt(&key) {
                    Ok(enc) => {
                        let outer = RefundNotify {
                            req_info: Some(enc),
                            ..RefundNotify::default()
                        };
                        assert_eq!(outer.decrypt(&key), Ok(x), "req_info round trip");
                    }
                    Err(e) => assert!(matches!(e, Error::Xml(_)), "{e:?}"),
                }
            }
        }
        _ => {
            if let Some(x) = round_trip!(NotifyReply, &p) {
                let body = x.to_xml();
                let ok = x.return_code.as_deref() == Some("SUCCESS");
                let back = NotifyReply::parse(body.as_bytes()).expect("reply XML parses");
                assert_eq!(
                    back.return_code.as_deref(),
                    Some(if ok { "SUCCESS" } else { "FAIL" })
                );
                if ok {
                    assert_eq!(body, xml::NOTIFY_REPLY_SUCCESS);
                } else {
                    // A character XML 1.0 forbids is written as U+FFFD.
                    let sent = x.return_msg.as_ref().map(|m| {
                        m.chars()
                            .map(|c| if xml::is_xml_char(c) { c } else { '\u{FFFD}' })
                            .collect::<String>()
                    });
                    assert_eq!(back.return_msg, sent);
                }
                assert_eq!(judge_notify_reply(200, body.as_bytes()).is_ok(), ok);
            }
        }
    }
}

// ---------------------------------------------------------------- diagnose

/// Marks the API key in the `diagnose` target: no other input and no fixed
/// text of the doctor contains it, so the key can only reach the output by
/// a leak.
pub const KEY_MARK: char = '\u{2603}';
/// Marks the AppSecret in the `diagnose` target, as [`KEY_MARK`].
pub const SECRET_MARK: char = '\u{2602}';

fn unmarked(s: &str) -> String {
    s.replace([KEY_MARK, SECRET_MARK], "?")
}

/// A secret from fuzz bytes: unmarked, without `*` (a key whose middle is
/// all `*` equals its own mask), then the mark.
fn secret(seg: &[u8], mark: char) -> String {
    let mut s = unmarked(&lossy(seg)).replace('*', "+");
    s.push(mark);
    s
}

/// Whether `hay` contains `needle` (ignoring ASCII case), raw or as `Debug`
/// escapes it.
fn shows(hay: &str, needle: &str) -> bool {
    let dbg = format!("{needle:?}");
    let escaped = &dbg[1..dbg.len() - 1];
    let hay = hay.to_ascii_lowercase();
    hay.contains(&needle.to_ascii_lowercase()) || hay.contains(&escaped.to_ascii_lowercase())
}

/// `diagnose`: `[flags] [caps] [claim-mode] key 0xFF claimed 0xFF secret
/// 0xFF order_sign 0xFF app_id 0xFF name 0xFF value …`.
///
/// The doctor never panics; its `Debug` and `Display` never show the API key
/// or the AppSecret (each carries a mark no other input contains; with
/// `flags & 0x80` the key is also planted inside a parameter value, which
/// the doctor must mask); `ok` is exactly "the claimed sign is the expected
/// one"; the search stays within `max_variants`, and the output size is
/// bounded by the input size. The claim mode derives the claimed sign from
/// the correct one (lowercase, other type, whitespace, AppSecret as key,
/// `sign` or empty values included, no `&key=`), so the replay paths that
/// explain a mismatch are reached.
pub fn diagnose(data: &[u8]) {
    use wxpay_core::diagnose::SignKind;
    use wxpay_core::{DiagnoseOptions, diagnose};

    let [flags, caps, mode, rest @ ..] = data else {
        return;
    };
    let segs = segments(rest);
    let seg = |i: usize| segs.get(i).copied().unwrap_or_default();
    let key_text = secret(seg(0), KEY_MARK);
    let key = ApiKey::new(key_text.clone());
    let secret_text = secret(seg(2), SECRET_MARK);
    let order_sign = unmarked(&value(seg(3)));
    let app_id = unmarked(&value(seg(4)));
    let mut params: Vec<(String, String)> = pairs(segs.get(5..).unwrap_or_default())
        .into_iter()
        .map(|(k, v)| (unmarked(&k), unmarked(&v)))
        .collect();
    let planted = flags & 0x80 != 0 && !params.is_empty();
    if planted {
        let i = usize::from(*caps) % params.len();
        params[i].1 = format!("{}{key_text}", params[i].1);
    }

    let opts = DiagnoseOptions {
        sign_type: match flags & 3 {
            1 => Some(SignType::Md5),
            2 => Some(SignType::HmacSha256),
            _ => None,
        },
        app_secret: (flags & 4 != 0).then_some(secret_text.as_str()),
        order_sign: (flags & 8 != 0).then_some(order_sign.as_str()),
        kind: match (flags >> 4) & 3 {
            1 => Some(SignKind::Api),
            2 => Some(SignKind::PaySign),
            _ => None,
        },
        app_id: (flags & 0x40 != 0).then_some(app_id.as_str()),
        // Mostly the defaults; sometimes caps small enough to truncate.
        max_variants: if *caps < 0xC0 {
            wxpay_core::diagnose::DEFAULT_MAX_VARIANTS
        } else {
            usize::from(*caps & 0x1F)
        },
        max_work_bytes: if *caps < 0xE0 {
            wxpay_core::diagnose::DEFAULT_MAX_WORK_BYTES
        } else {
            usize::from(*caps & 0x1F) * 256
        },
    };

    // The claimed sign: given, or derived from the correct one.
    let t = if mode & 0x10 == 0 {
        SignType::Md5
    } else {
        SignType::HmacSha256
    };
    let other_t = match t {
        SignType::Md5 => SignType::HmacSha256,
        SignType::HmacSha256 => SignType::Md5,
    };
    let correct = sign(&params, &key, t);
    let canonical = canonical_string(&params);
    let claimed = match mode & 0x0F {
        1 => correct.to_string(),
        2 => correct.as_str().to_ascii_lowercase(),
        3 => sign(&params, &key, other_t).to_string(),
        4 => format!("{correct}\n"),
        5 => sign(&params, &ApiKey::new(secret_text.clone()), t).to_string(),
        6 => {
            let mut all: Vec<&(String, String)> = params.iter().collect();
            all.sort_by(|a, b| a.0.cmp(&b.0));
            let s: Vec<String> = all.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let msg = with_key(&s.join("&"), &key_text);
            sign_message(msg.as_bytes(), key_text.as_bytes(), t).to_string()
        }
        7 => sign_message(canonical.as_bytes(), key_text.as_bytes(), t).to_string(),
        _ => unmarked(&value(seg(1))),
    };

    let d = diagnose(&params, &key, &claimed, &opts);

    let dbg = format!("{d:?}");
    let shown = format!("{d}");
    let opts_dbg = format!("{opts:?}");
    let check_key = !planted || key_text.len() >= 4;
    if check_key {
        assert!(!shows(&dbg, &key_text), "the key leaks in Debug: {dbg}");
        assert!(
            !shows(&shown, &key_text),
            "the key leaks in Display: {shown}"
        );
    }
    if opts.app_secret.is_some() {
        assert!(
            !shows(&dbg, &secret_text),
            "the AppSecret leaks in Debug: {dbg}"
        );
        assert!(!shows(&shown, &secret_text), "the AppSecret leaks: {shown}");
        assert!(!shows(&opts_dbg, &secret_text), "options Debug: {opts_dbg}");
    }

    assert_eq!(
        d.ok,
        d.expected_sign.ct_eq_str(&claimed),
        "ok must mean exactly: the claimed sign is the expected one"
    );
    if d.ok {
        assert!(
            d.confirmed().next().is_none(),
            "confirmed mistakes on a good sign"
        );
    }
    if d.kind == SignKind::Api {
        assert_eq!(d.expected_sign, sign(&params, &key, d.sign_type));
    }
    assert!(
        d.variants_tried <= opts.max_variants.max(1),
        "{} variants tried, cap {}",
        d.variants_tried,
        opts.max_variants
    );
    for f in &d.findings {
        assert!(!f.code.is_empty());
        assert!(!f.related.contains(&f.code));
    }
    let input = data.len() + key_text.len() + secret_text.len() + 64;
    assert!(
        shown.len() <= 64 * 12 * input + 65_536,
        "output of {} bytes for {input} bytes of input",
        shown.len()
    );
}
