//! The signature doctor: explains *why* a sign does not match.
//!
//! "签名错误" is the most common complaint about WeChat Pay v2, and the sign
//! alone says nothing about its cause. [`diagnose`] takes the parameters as
//! WeChat sees them, the API key and the sign that was produced (by the
//! caller's code, or the one a verifier computed), and:
//!
//! 1. computes the sign under the **correct** rules (the same [`sign`],
//!    [`string_to_sign_masked`] and [`pay_sign_of`] the rest of the crate
//!    uses) and says whether the claimed sign verifies ([`Diagnosis::ok`]);
//! 2. if it does not, **recomputes** the sign under the mistakes integrators
//!    really make, alone and in cheap combinations, and reports the variant
//!    that reproduces the claimed sign byte for byte. Every such finding is
//!    [`Finding::confirmed`]: it is not a guess, the mistake was replayed;
//! 3. adds advisory hints (`confirmed == false`) where nothing can be
//!    replayed: a key that is not 32 bytes, a `sign_type` that disagrees with
//!    the sign's length, an unsupported `md5`, a missing or malformed sign,
//!    and as a last resort [`code::WRONG_KEY`].
//!
//! The mistakes tried (see [`code`] for the full list of codes):
//!
//! | dimension | mistakes |
//! |---|---|
//! | digest | MD5 vs HMAC-SHA256 ([`code::WRONG_SIGN_TYPE`]), plain SHA-256 instead of HMAC, lowercase hex, base64 instead of hex, whitespace around the sign |
//! | fields | `sign`/`paySign` included, empty values included, `sign_type` left out, one field left out (a model that drops unknown fields), extra fields in paySign, the key put into the map and sorted with the fields |
//! | values | trimmed, URL-encoded (six common flavours), XML-escaped, wrapped in (or carrying) CDATA, `package` without `prepay_id=` |
//! | names | `appid`/`appId`, `timestamp`/`timeStamp`, `noncestr`/`nonceStr`/`nonce_str`, `signtype`/`signType`/`sign_type`, `mch_id`/`mchid`, all-lowercase, snake_case or camelCase names |
//! | order | case-insensitive or locale (ICU, `localeCompare`) sort, no sort at all |
//! | key | AppSecret instead of the API key, a key with a trailing newline, CRLF, space or quotes (not 32 bytes), the key in the wrong case, `&key=` missing or malformed |
//! | paySign | the unifiedorder `sign` reused as `paySign` |
//!
//! The search is bounded: at most two field/value/name/order mistakes are
//! combined, each combination with at most one further key or suffix
//! mistake, identical strings are hashed once, and both the number of
//! strings ([`DiagnoseOptions::max_variants`]) and the number of bytes
//! hashed ([`DiagnoseOptions::max_work_bytes`]) are capped, so a 1 MiB input
//! returns quickly. When a cap stops the search,
//! [`Diagnosis::search_complete`] is `false`.
//!
//! **The key never leaves**: every string in a [`Diagnosis`] shows the key
//! (and the AppSecret) masked as `19****…**2d`, and any occurrence of either
//! inside a parameter is masked too (for keys of at least 4 bytes; shorter
//! keys cannot be told apart from ordinary text, and are flagged
//! [`code::KEY_NOT_32_BYTES`]).
//!
//! ```
//! use wxpay_core::{diagnose, ApiKey, DiagnoseOptions};
//!
//! let params = [
//!     ("appid", "wxd930ea5d5a258f4f"),
//!     ("mch_id", "10000100"),
//!     ("device_info", "1000"),
//!     ("body", "test"),
//!     ("nonce_str", "ibuaiVcKdpRxkhJA"),
//! ];
//! let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
//! // The right MD5, written in lowercase hex.
//! let d = diagnose(&params, &key, "9a0a8659f005d6984697e2ca0a9cf3b7", &DiagnoseOptions::default());
//! assert!(!d.ok);
//! assert_eq!(d.expected_sign, "9A0A8659F005D6984697E2CA0A9CF3B7");
//! let f = d.finding("LOWERCASE_HEX").unwrap();
//! assert!(f.confirmed);
//! assert_eq!(
//!     f.signed_string.as_deref(),
//!     Some("appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=19****************************2d")
//! );
//! assert!(!format!("{d:?}").contains("192006250b4c09247ec02edce69f6a2d"));
//! ```

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::key::mask;
use crate::paysign::pay_sign_of;
use crate::{ApiKey, Params, Sign, SignType, sign, string_to_sign_masked};

/// The stable finding codes ([`Finding::code`]).
///
/// Codes marked *replayed* come with `confirmed == true` when the doctor
/// reproduced the claimed sign under that mistake; *advisory* codes are
/// always `confirmed == false`. [`code::KEY_NOT_32_BYTES`] and [`code::KEY_CASE`] can be
/// either.
pub mod code {
    /// Replayed: signed with MD5 where WeChat checks HMAC-SHA256, or the
    /// reverse.
    pub const WRONG_SIGN_TYPE: &str = "WRONG_SIGN_TYPE";
    /// Replayed: a plain SHA-256 hash instead of HMAC-SHA256.
    pub const SHA256_NOT_HMAC: &str = "SHA256_NOT_HMAC";
    /// Replayed: the right digest in lowercase (or mixed-case) hex.
    pub const LOWERCASE_HEX: &str = "LOWERCASE_HEX";
    /// Replayed: the right digest, base64-encoded instead of hex.
    pub const BASE64_SIGN: &str = "BASE64_SIGN";
    /// Replayed: the sign carries leading or trailing whitespace.
    pub const SIGN_HAS_WHITESPACE: &str = "SIGN_HAS_WHITESPACE";
    /// Replayed: the `sign` (or `paySign`) field was signed too.
    pub const SIGN_FIELD_INCLUDED: &str = "SIGN_FIELD_INCLUDED";
    /// Replayed: parameters with empty values were signed (`k=`).
    pub const EMPTY_VALUES_INCLUDED: &str = "EMPTY_VALUES_INCLUDED";
    /// Replayed: `sign_type` / `signType` was left out of the signed string.
    pub const SIGN_TYPE_EXCLUDED: &str = "SIGN_TYPE_EXCLUDED";
    /// Replayed: one field was left out (typically a model that drops
    /// fields it does not know).
    pub const FIELD_OMITTED: &str = "FIELD_OMITTED";
    /// Replayed: paySign covered fields other than its five.
    pub const EXTRA_FIELDS_INCLUDED: &str = "EXTRA_FIELDS_INCLUDED";
    /// Replayed: values were trimmed before signing.
    pub const VALUES_TRIMMED: &str = "VALUES_TRIMMED";
    /// Replayed: values were URL-encoded before signing.
    pub const VALUES_URL_ENCODED: &str = "VALUES_URL_ENCODED";
    /// Replayed: values were XML-escaped before signing.
    pub const XML_ESCAPED_VALUES: &str = "XML_ESCAPED_VALUES";
    /// Replayed: a CDATA wrapper entered the signed string, or was stripped
    /// from a value that really contains one.
    pub const CDATA_IN_VALUE: &str = "CDATA_IN_VALUE";
    /// Replayed: `package` signed without its `prepay_id=` prefix.
    pub const PACKAGE_PREFIX_MISSING: &str = "PACKAGE_PREFIX_MISSING";
    /// Replayed (or advisory): a field name in the wrong case or spelling,
    /// such as `appid` for paySign's `appId`.
    pub const KEY_CASE: &str = "KEY_CASE";
    /// Replayed: names sorted case-insensitively or by locale, not by bytes.
    pub const LOCALE_SORT: &str = "LOCALE_SORT";
    /// Replayed: names not sorted at all.
    pub const NOT_SORTED: &str = "NOT_SORTED";
    /// Replayed: the key was put into the map and sorted with the fields.
    pub const KEY_SORTED_AS_PARAM: &str = "KEY_SORTED_AS_PARAM";
    /// Replayed: the AppSecret was used as the API key.
    pub const APP_SECRET_AS_KEY: &str = "APP_SECRET_AS_KEY";
    /// Replayed (a newline, CRLF, space or quotes around the key) or
    /// advisory (the given key is not 32 bytes).
    pub const KEY_NOT_32_BYTES: &str = "KEY_NOT_32_BYTES";
    /// Replayed: the key was used upper- or lowercased.
    pub const API_KEY_CASE: &str = "API_KEY_CASE";
    /// Replayed: no `&key=<API key>` was appended.
    pub const KEY_SUFFIX_MISSING: &str = "KEY_SUFFIX_MISSING";
    /// Replayed: the key was appended, but not as `&key=<API key>`.
    pub const KEY_SUFFIX_MALFORMED: &str = "KEY_SUFFIX_MALFORMED";
    /// Replayed: the unifiedorder `sign` was reused as `paySign`.
    pub const ORDER_SIGN_REUSED_AS_PAYSIGN: &str = "ORDER_SIGN_REUSED_AS_PAYSIGN";
    /// Advisory: no sign was given.
    pub const MISSING_SIGN: &str = "MISSING_SIGN";
    /// Advisory: the sign is neither 32/64 hex characters nor a base64 digest.
    pub const MALFORMED_SIGN: &str = "MALFORMED_SIGN";
    /// Advisory: the `sign_type` field, the given type and the sign's length
    /// disagree.
    pub const SIGN_TYPE_MISMATCH: &str = "SIGN_TYPE_MISMATCH";
    /// Advisory: the `sign_type` value is not exactly `MD5` or `HMAC-SHA256`.
    pub const UNSUPPORTED_SIGN_TYPE: &str = "UNSUPPORTED_SIGN_TYPE";
    /// Advisory: a paySign field (appId, timeStamp, nonceStr, package,
    /// signType) is missing.
    pub const PAYSIGN_FIELD_MISSING: &str = "PAYSIGN_FIELD_MISSING";
    /// Advisory: nothing reproduced the sign; most likely another key.
    pub const WRONG_KEY: &str = "WRONG_KEY";
    /// Advisory: a cap stopped the search before every variant was tried.
    pub const SEARCH_TRUNCATED: &str = "SEARCH_TRUNCATED";
}

/// Which signature is being diagnosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignKind {
    /// The `sign` of an API request, response or notify: every non-empty
    /// parameter except `sign`.
    Api,
    /// The `paySign` of `wx.requestPayment`: exactly `appId, nonceStr,
    /// package, signType, timeStamp`.
    PaySign,
}

/// Default for [`DiagnoseOptions::max_variants`].
pub const DEFAULT_MAX_VARIANTS: usize = 512;
/// Default for [`DiagnoseOptions::max_work_bytes`] (16 MiB).
pub const DEFAULT_MAX_WORK_BYTES: usize = 16 << 20;

/// What the doctor knows besides the parameters, key and sign.
///
/// Build it with struct-update syntax:
/// `DiagnoseOptions { app_secret: Some(secret), ..Default::default() }`.
/// `Debug` masks the AppSecret.
#[derive(Clone, Copy)]
pub struct DiagnoseOptions<'a> {
    /// The type WeChat will check with. `None`: the `sign_type` field
    /// (`signType` for paySign) if it parses, else the claimed sign's length
    /// (32 = MD5, 64 = HMAC-SHA256), else MD5. Both types are tried either way.
    pub sign_type: Option<SignType>,
    /// The mini program's AppSecret, to detect it being used as the key.
    pub app_secret: Option<&'a str>,
    /// The unifiedorder response's `sign`, to detect it reused as paySign.
    pub order_sign: Option<&'a str>,
    /// Force the kind of signature; `None` detects paySign from a `package`
    /// of the form `prepay_id=…` or a `paySign` field.
    pub kind: Option<SignKind>,
    /// paySign only: the `appId` to sign with when the object has none (the
    /// object given to `wx.requestPayment` carries no appId).
    pub app_id: Option<&'a str>,
    /// Cap on the number of distinct strings hashed during the search.
    pub max_variants: usize,
    /// Cap on the number of bytes built and hashed during the search.
    pub max_work_bytes: usize,
}

impl Default for DiagnoseOptions<'_> {
    fn default() -> Self {
        Self {
            sign_type: None,
            app_secret: None,
            order_sign: None,
            kind: None,
            app_id: None,
            max_variants: DEFAULT_MAX_VARIANTS,
            max_work_bytes: DEFAULT_MAX_WORK_BYTES,
        }
    }
}

impl fmt::Debug for DiagnoseOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiagnoseOptions")
            .field("sign_type", &self.sign_type)
            .field("app_secret", &self.app_secret.map(mask))
            .field("order_sign", &self.order_sign)
            .field("kind", &self.kind)
            .field("app_id", &self.app_id)
            .field("max_variants", &self.max_variants)
            .field("max_work_bytes", &self.max_work_bytes)
            .finish()
    }
}

/// One explanation (or hint) of a mismatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable SCREAMING_SNAKE code from [`code`].
    pub code: &'static str,
    /// `true` when the doctor reproduced the claimed sign exactly under this
    /// mistake; `false` for an advisory hint.
    pub confirmed: bool,
    /// What the caller probably did, in English.
    pub summary: String,
    /// The same in Chinese.
    pub summary_zh: String,
    /// The string the caller probably signed, key masked (`None` when it
    /// cannot be known).
    pub signed_string: Option<String>,
    /// What to change.
    pub fix: String,
    /// The other codes of the same replayed combination (a sign can carry
    /// several mistakes at once, e.g. `WRONG_SIGN_TYPE` + `LOWERCASE_HEX`).
    pub related: Vec<&'static str>,
}

/// The doctor's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The claimed sign verifies under the correct rules (exact match,
    /// uppercase hex).
    pub ok: bool,
    /// API sign or paySign.
    pub kind: SignKind,
    /// The type WeChat checks with (see [`DiagnoseOptions::sign_type`]).
    pub sign_type: SignType,
    /// The sign under the correct rules.
    pub expected_sign: Sign,
    /// The correct string to sign, key masked.
    pub string_to_sign_masked: String,
    /// Confirmed findings first (one per mistake of the replayed
    /// combination), then advisories. Empty when `ok` and nothing to add.
    pub findings: Vec<Finding>,
    /// How many distinct strings were built and hashed.
    pub variants_tried: usize,
    /// `false` when a cap stopped the search before it found anything.
    pub search_complete: bool,
}

impl Diagnosis {
    /// The finding with `code`, if any.
    #[must_use]
    pub fn finding(&self, code: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code == code)
    }

    /// The confirmed findings.
    pub fn confirmed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.confirmed)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = if self.confirmed {
            "confirmed"
        } else {
            "advisory"
        };
        write!(f, "[{}] {} ({tag})", self.code, self.summary)?;
        if let Some(s) = &self.signed_string {
            write!(f, "\n  signed: {s}")?;
        }
        write!(f, "\n  fix: {}", self.fix)
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SignKind::Api => "sign",
            SignKind::PaySign => "paySign",
        };
        if self.ok {
            write!(f, "{kind} OK ({})", self.sign_type)?;
        } else {
            write!(
                f,
                "{kind} mismatch: expected {} ({}) over {}",
                self.expected_sign, self.sign_type, self.string_to_sign_masked
            )?;
        }
        for x in &self.findings {
            write!(f, "\n{x}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The claimed sign.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    UpperHex,
    LowerHex,
    MixedHex,
    Base64,
}

struct Claim {
    bytes: [u8; 32],
    len: usize,
    form: Form,
    whitespace: bool,
}

impl Claim {
    fn digest(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    /// The type whose digest has this length.
    fn sign_type(&self) -> SignType {
        if self.len == 16 {
            SignType::Md5
        } else {
            SignType::HmacSha256
        }
    }
}

enum ClaimError {
    Missing,
    Malformed(String),
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn decode_claim(raw: &str) -> Result<Claim, ClaimError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ClaimError::Missing);
    }
    let whitespace = s.len() != raw.len();
    let mut bytes = [0u8; 32];
    if s.len() == 32 || s.len() == 64 {
        let b = s.as_bytes();
        let mut ok = true;
        for (i, pair) in b.chunks(2).enumerate() {
            match (hex_val(pair[0]), pair.get(1).copied().and_then(hex_val)) {
                (Some(h), Some(l)) => bytes[i] = (h << 4) | l,
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            let upper = b.iter().any(u8::is_ascii_uppercase);
            let lower = b.iter().any(u8::is_ascii_lowercase);
            let form = match (upper, lower) {
                (_, false) => Form::UpperHex,
                (false, true) => Form::LowerHex,
                (true, true) => Form::MixedHex,
            };
            return Ok(Claim {
                bytes,
                len: s.len() / 2,
                form,
                whitespace,
            });
        }
    }
    if matches!(s.len(), 22 | 24 | 43 | 44) {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            let mut out = [0u8; 33];
            if let Ok(n) = engine.decode_slice(s, &mut out)
                && (n == 16 || n == 32)
            {
                bytes[..n].copy_from_slice(&out[..n]);
                return Ok(Claim {
                    bytes,
                    len: n,
                    form: Form::Base64,
                    whitespace,
                });
            }
        }
    }
    let bad = s.chars().find(|c| !c.is_ascii_hexdigit());
    let why = match (s.len(), bad) {
        (32 | 64, Some(c)) => format!(
            "it is {} characters long but contains {c:?}, which is not a hex digit",
            s.len()
        ),
        (n, _) => format!(
            "it is {n} characters long; an MD5 sign is 32 hex characters and an HMAC-SHA256 sign 64"
        ),
    };
    Err(ClaimError::Malformed(why))
}

// ---------------------------------------------------------------------------
// The parameters, as entries the variants are built from.

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    /// Signed under the correct rules (when its value is not empty).
    Signed,
    /// `sign` (or `paySign`): excluded.
    SignField,
    /// paySign only: a field outside the five.
    Extra,
}

struct Entry<'a> {
    /// The name under the correct rules (canonical for paySign).
    name: &'a str,
    value: &'a str,
    /// Position in the caller's order.
    pos: usize,
    kind: EntryKind,
    is_sign_type: bool,
}

const PAY_FIELDS: [(&str, &[&str]); 5] = [
    ("appId", &["appid", "app_id", "AppId", "appID"]),
    ("nonceStr", &["noncestr", "nonce_str", "NonceStr"]),
    ("package", &["Package"]),
    ("signType", &["signtype", "sign_type", "SignType"]),
    ("timeStamp", &["timestamp", "time_stamp", "TimeStamp"]),
];

/// Names integrators confuse; a field whose name is in a group is also
/// tried under the group's other names.
const ALIASES: &[&[&str]] = &[
    &["appid", "appId", "app_id"],
    &["timestamp", "timeStamp", "time_stamp"],
    &["noncestr", "nonceStr", "nonce_str"],
    &["signtype", "signType", "sign_type"],
    &["mch_id", "mchid", "mchId"],
    &["prepayid", "prepay_id", "prepayId"],
    &["partnerid", "partnerId", "partner_id"],
];

// ---------------------------------------------------------------------------
// Mistakes in the string (atoms) and in the key (candidates, suffixes).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlFlavor {
    Component,
    Rfc3986,
    JavaForm,
    PhpForm,
    PythonPlus,
    PythonQuote,
}

impl UrlFlavor {
    const ALL: [Self; 6] = [
        Self::Component,
        Self::Rfc3986,
        Self::JavaForm,
        Self::PhpForm,
        Self::PythonPlus,
        Self::PythonQuote,
    ];
    fn keeps(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || match self {
                Self::Component => b"-_.!~*'()".contains(&b),
                Self::Rfc3986 | Self::PythonPlus => b"-_.~".contains(&b),
                Self::JavaForm => b"-_.*".contains(&b),
                Self::PhpForm => b"-_.".contains(&b),
                Self::PythonQuote => b"-_.~/".contains(&b),
            }
    }
    fn plus(self) -> bool {
        matches!(self, Self::JavaForm | Self::PhpForm | Self::PythonPlus)
    }
    fn like(self) -> &'static str {
        match self {
            Self::Component => "JavaScript encodeURIComponent",
            Self::Rfc3986 => "RFC 3986 / PHP rawurlencode",
            Self::JavaForm => "Java URLEncoder.encode",
            Self::PhpForm => "PHP urlencode / http_build_query",
            Self::PythonPlus => "Python urllib.parse.quote_plus",
            Self::PythonQuote => "Python urllib.parse.quote",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortFlavor {
    CaseInsensitive,
    Locale,
    Given,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Lower,
    Snake,
    Camel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atom {
    IncludeSign,
    IncludeEmpty,
    DropSignType,
    ExtraFields,
    Omit(usize),
    Trim,
    Url(UrlFlavor),
    XmlMin,
    XmlFull,
    CdataWrap,
    CdataUnwrap,
    Sort(SortFlavor),
    Rename(usize, &'static str),
    RenameAll(Case),
    PackageBare,
    KeyInMap,
}

impl Atom {
    /// Atoms of the same dimension are never combined.
    fn dim(self) -> u8 {
        match self {
            Self::IncludeSign => 0,
            Self::IncludeEmpty => 1,
            Self::DropSignType => 2,
            Self::ExtraFields => 3,
            Self::Omit(_) => 4,
            Self::Trim
            | Self::Url(_)
            | Self::XmlMin
            | Self::XmlFull
            | Self::CdataWrap
            | Self::CdataUnwrap => 5,
            Self::Sort(_) => 6,
            Self::Rename(..) | Self::RenameAll(_) => 7,
            Self::PackageBare => 8,
            Self::KeyInMap => 9,
        }
    }
    /// Whether the atom may be combined with another one.
    fn pairable(self) -> bool {
        !matches!(self, Self::Omit(_) | Self::KeyInMap)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Given,
    AppSecret,
    Appended(&'static str),
    Quoted,
    Trimmed,
    Upper,
    Lower,
}

struct KeyCand {
    text: String,
    shown: String,
    kind: KeyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    Correct,
    Missing,
    Raw,
    NoAmp,
    AmpOnly,
}

impl Suffix {
    const ALL: [Self; 5] = [
        Self::Correct,
        Self::Missing,
        Self::Raw,
        Self::NoAmp,
        Self::AmpOnly,
    ];
    fn write(self, out: &mut Vec<u8>, body_empty: bool, key: &str) {
        out.clear();
        match self {
            Self::Correct => {
                if !body_empty {
                    out.push(b'&');
                }
                out.extend_from_slice(b"key=");
            }
            Self::Missing => return,
            Self::Raw => {}
            Self::NoAmp => out.extend_from_slice(b"key="),
            Self::AmpOnly => out.push(b'&'),
        }
        out.extend_from_slice(key.as_bytes());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algo {
    Md5,
    Hmac,
    Sha256,
}

impl Algo {
    fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Hmac => "HMAC-SHA256",
            Self::Sha256 => "plain SHA-256",
        }
    }
    fn sign_type(self) -> SignType {
        match self {
            Self::Md5 => SignType::Md5,
            Self::Hmac | Self::Sha256 => SignType::HmacSha256,
        }
    }
}

struct Hit {
    atoms: Vec<Atom>,
    algo: Algo,
    key: usize,
    suffix: Suffix,
}

// ---------------------------------------------------------------------------
// Value, name and order transforms.

fn url_encode(v: &str, f: UrlFlavor) -> Cow<'_, str> {
    if v.bytes().all(|b| f.keeps(b)) {
        return Cow::Borrowed(v);
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(v.len() * 3);
    for b in v.bytes() {
        if f.keeps(b) {
            out.push(char::from(b));
        } else if b == b' ' && f.plus() {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    Cow::Owned(out)
}

fn xml_escape(v: &str, full: bool) -> Cow<'_, str> {
    let special = |c: char| matches!(c, '&' | '<' | '>') || (full && matches!(c, '"' | '\''));
    if !v.contains(special) {
        return Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len() + 16);
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if full => out.push_str("&quot;"),
            '\'' if full => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn cdata_unwrap(v: &str) -> &str {
    v.strip_prefix("<![CDATA[")
        .and_then(|x| x.strip_suffix("]]>"))
        .unwrap_or(v)
}

fn transform_value(v: &str, atom: Atom) -> Cow<'_, str> {
    match atom {
        Atom::Trim => Cow::Borrowed(v.trim()),
        Atom::Url(f) => url_encode(v, f),
        Atom::XmlMin => xml_escape(v, false),
        Atom::XmlFull => xml_escape(v, true),
        Atom::CdataWrap => Cow::Owned(format!("<![CDATA[{v}]]>")),
        Atom::CdataUnwrap => Cow::Borrowed(cdata_unwrap(v)),
        _ => Cow::Borrowed(v),
    }
}

fn recase(name: &str, case: Case) -> Cow<'_, str> {
    match case {
        Case::Lower => {
            if name.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(name.to_ascii_lowercase())
            } else {
                Cow::Borrowed(name)
            }
        }
        Case::Snake => {
            if !name.bytes().any(|b| b.is_ascii_uppercase()) {
                return Cow::Borrowed(name);
            }
            let mut out = String::with_capacity(name.len() + 4);
            for (i, c) in name.chars().enumerate() {
                if c.is_ascii_uppercase() {
                    if i > 0 {
                        out.push('_');
                    }
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.push(c);
                }
            }
            Cow::Owned(out)
        }
        Case::Camel => {
            let inner = name.trim_matches('_');
            if !inner.contains('_') {
                return Cow::Borrowed(name);
            }
            let mut out = String::with_capacity(name.len());
            let mut up = false;
            for c in name.chars() {
                if c == '_' && !out.is_empty() {
                    up = true;
                } else if up {
                    out.push(c.to_ascii_uppercase());
                    up = false;
                } else {
                    out.push(c);
                }
            }
            Cow::Owned(out)
        }
    }
}

/// `String.CASE_INSENSITIVE_ORDER`, `strcasecmp`, `sorted(key=str.lower)`.
fn cmp_case_insensitive(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
        .then_with(|| a.cmp(b))
}

/// An approximation of ICU root collation (`localeCompare`, `Intl.Collator`,
/// Java `Collator`): punctuation before digits before letters, letters
/// compared without case, then lowercase before uppercase.
fn cmp_locale(a: &str, b: &str) -> Ordering {
    fn primary(c: char) -> (u8, u32) {
        if c.is_ascii_digit() {
            (1, u32::from(c))
        } else if c.is_ascii_alphabetic() {
            (2, u32::from(c.to_ascii_lowercase()))
        } else if c.is_ascii() {
            (0, u32::from(c))
        } else {
            (3, u32::from(c))
        }
    }
    a.chars()
        .map(primary)
        .cmp(b.chars().map(primary))
        .then_with(|| {
            for (x, y) in a.chars().zip(b.chars()) {
                if x != y && x.is_ascii_lowercase() != y.is_ascii_lowercase() {
                    return if x.is_ascii_lowercase() {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                }
            }
            Ordering::Equal
        })
        .then_with(|| a.cmp(b))
}

/// A fast 64-bit fingerprint (not cryptographic) to skip strings already
/// hashed.
fn fingerprint(body: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = body.len() as u64;
    let mut chunks = body.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

// ---------------------------------------------------------------------------
// The doctor.

struct Doctor<'a> {
    kind: SignKind,
    entries: Vec<Entry<'a>>,
    sign_type: SignType,
    keys: Vec<KeyCand>,
    masked_key: String,
    /// Secrets to mask wherever they appear, with their masked forms.
    secrets: Vec<(&'a str, String)>,
}

impl Doctor<'_> {
    /// Builds the string a variant signs, without the key suffix. With
    /// [`Atom::KeyInMap`], `key_text` is inserted as a `key` field.
    fn build(&self, atoms: &[Atom], key_text: &str) -> Vec<u8> {
        let has = |p: fn(&Atom) -> bool| atoms.iter().any(p);
        let include_sign = has(|a| *a == Atom::IncludeSign);
        let include_empty = has(|a| *a == Atom::IncludeEmpty);
        let drop_sign_type = has(|a| *a == Atom::DropSignType);
        let extra = has(|a| *a == Atom::ExtraFields);
        let package_bare = has(|a| *a == Atom::PackageBare);
        let key_in_map = has(|a| *a == Atom::KeyInMap);
        let omit = atoms.iter().find_map(|a| match a {
            Atom::Omit(i) => Some(*i),
            _ => None,
        });
        let value_xf = atoms.iter().copied().find(|a| a.dim() == 5);
        let rename = atoms.iter().copied().find(|a| a.dim() == 7);
        let sort = atoms.iter().find_map(|a| match a {
            Atom::Sort(s) => Some(*s),
            _ => None,
        });

        let mut items: Vec<(Cow<'_, str>, Cow<'_, str>, usize)> =
            Vec::with_capacity(self.entries.len() + 1);
        for (i, e) in self.entries.iter().enumerate() {
            let included = match e.kind {
                EntryKind::Signed => true,
                EntryKind::SignField => include_sign,
                EntryKind::Extra => extra,
            };
            if !included || (drop_sign_type && e.is_sign_type) || omit == Some(i) {
                continue;
            }
            let mut value = e.value;
            if package_bare && e.name == "package" && self.kind == SignKind::PaySign {
                value = value.strip_prefix("prepay_id=").unwrap_or(value);
            }
            let value = match value_xf {
                Some(a) => transform_value(value, a),
                None => Cow::Borrowed(value),
            };
            let empty = if value_xf == Some(Atom::Trim) {
                value.is_empty()
            } else {
                e.value.is_empty()
            };
            if empty && !include_empty {
                continue;
            }
            let name = match rename {
                Some(Atom::Rename(j, alt)) if j == i => Cow::Borrowed(alt),
                Some(Atom::RenameAll(c)) => recase(e.name, c),
                _ => Cow::Borrowed(e.name),
            };
            items.push((name, value, e.pos));
        }
        if key_in_map {
            items.push((Cow::Borrowed("key"), Cow::Borrowed(key_text), usize::MAX));
        }
        match sort {
            None => items.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes())),
            Some(SortFlavor::CaseInsensitive) => {
                items.sort_by(|a, b| cmp_case_insensitive(&a.0, &b.0))
            }
            Some(SortFlavor::Locale) => items.sort_by(|a, b| cmp_locale(&a.0, &b.0)),
            Some(SortFlavor::Given) => items.sort_by_key(|x| x.2),
        }
        let cap = items.iter().map(|(k, v, _)| k.len() + v.len() + 2).sum();
        let mut buf = Vec::with_capacity(cap);
        for (i, (k, v, _)) in items.iter().enumerate() {
            if i > 0 {
                buf.push(b'&');
            }
            buf.extend_from_slice(k.as_bytes());
            buf.push(b'=');
            buf.extend_from_slice(v.as_bytes());
        }
        buf
    }

    /// Every single mistake worth trying on these parameters.
    fn atoms(&self) -> Vec<Atom> {
        let e = &self.entries;
        let pay = self.kind == SignKind::PaySign;
        let mut v = Vec::new();
        let any = |p: &dyn Fn(&Entry<'_>) -> bool| e.iter().any(p);
        if any(&|x| x.kind == EntryKind::SignField) {
            v.push(Atom::IncludeSign);
        }
        if any(&|x| x.value.is_empty()) {
            v.push(Atom::IncludeEmpty);
        }
        if any(&|x| x.is_sign_type && !x.value.is_empty() && x.kind == EntryKind::Signed) {
            v.push(Atom::DropSignType);
        }
        if pay && any(&|x| x.kind == EntryKind::Extra) {
            v.push(Atom::ExtraFields);
        }
        if any(&|x| x.value.trim().len() != x.value.len()) {
            v.push(Atom::Trim);
        }
        // URL flavours: only those that change something, and only one of
        // the flavours that treat every byte present the same way.
        let mut present = [false; 256];
        for x in e {
            for b in x.value.bytes() {
                present[usize::from(b)] = true;
            }
        }
        let behaviour = |f: UrlFlavor| -> Vec<(bool, bool)> {
            (0..=255u8)
                .filter(|b| present[usize::from(*b)])
                .map(|b| (f.keeps(b), b == b' ' && f.plus()))
                .collect()
        };
        let mut url_seen: Vec<Vec<(bool, bool)>> = Vec::new();
        for f in UrlFlavor::ALL {
            let b = behaviour(f);
            if b.iter().any(|(keep, _)| !keep) && !url_seen.contains(&b) {
                v.push(Atom::Url(f));
                url_seen.push(b);
            }
        }
        if any(&|x| x.value.contains(['&', '<', '>'])) {
            v.push(Atom::XmlMin);
        }
        if any(&|x| x.value.contains(['"', '\''])) {
            v.push(Atom::XmlFull);
        }
        if any(&|x| !x.value.is_empty()) {
            v.push(Atom::CdataWrap);
        }
        if any(&|x| cdata_unwrap(x.value).len() != x.value.len()) {
            v.push(Atom::CdataUnwrap);
        }
        // Orders: only those that differ from the byte order.
        let mut signed: Vec<&Entry<'_>> =
            e.iter().filter(|x| x.kind == EntryKind::Signed).collect();
        signed.sort_by(|a, b| a.name.cmp(b.name));
        let byte_order: Vec<&str> = signed.iter().map(|x| x.name).collect();
        let mut orders: Vec<Vec<&str>> = vec![byte_order];
        for f in [
            SortFlavor::CaseInsensitive,
            SortFlavor::Locale,
            SortFlavor::Given,
        ] {
            match f {
                SortFlavor::CaseInsensitive => {
                    signed.sort_by(|a, b| cmp_case_insensitive(a.name, b.name))
                }
                SortFlavor::Locale => signed.sort_by(|a, b| cmp_locale(a.name, b.name)),
                SortFlavor::Given => signed.sort_by_key(|x| x.pos),
            }
            let o: Vec<&str> = signed.iter().map(|x| x.name).collect();
            if !orders.contains(&o) {
                v.push(Atom::Sort(f));
                orders.push(o);
            }
        }
        const MAX_RENAMES: usize = 24;
        let mut renames = 0;
        for (i, x) in e.iter().enumerate() {
            if x.kind != EntryKind::Signed {
                continue;
            }
            if let Some(group) = ALIASES.iter().find(|g| g.contains(&x.name)) {
                for alt in group.iter().filter(|a| **a != x.name) {
                    if renames < MAX_RENAMES {
                        v.push(Atom::Rename(i, alt));
                        renames += 1;
                    }
                }
            }
        }
        for c in [Case::Lower, Case::Snake, Case::Camel] {
            if any(&|x| x.kind == EntryKind::Signed && recase(x.name, c).as_ref() != x.name) {
                v.push(Atom::RenameAll(c));
            }
        }
        if pay
            && any(&|x| {
                x.name == "package"
                    && x.value.starts_with("prepay_id=")
                    && x.kind == EntryKind::Signed
            })
        {
            v.push(Atom::PackageBare);
        }
        v.push(Atom::KeyInMap);
        const MAX_OMIT: usize = 64;
        v.extend(
            e.iter()
                .enumerate()
                .filter(|(_, x)| {
                    x.kind == EntryKind::Signed && !x.value.is_empty() && !x.is_sign_type
                })
                .take(MAX_OMIT)
                .map(|(i, _)| Atom::Omit(i)),
        );
        v
    }

    /// Fields whose value a value transform changes (at most 5 named).
    fn changed_fields(&self, atom: Atom) -> String {
        let names: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| {
                e.kind == EntryKind::Signed
                    && !e.value.is_empty()
                    && transform_value(e.value, atom).as_ref() != e.value
            })
            .map(|e| e.name)
            .collect();
        list_names(&names)
    }
}

fn list_names(names: &[&str]) -> String {
    let mut s = String::new();
    for (i, n) in names.iter().take(5).enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('`');
        s.push_str(n);
        s.push('`');
    }
    if names.len() > 5 {
        s.push_str(&format!(" and {} more", names.len() - 5));
    }
    s
}

struct Search<'d, 'a> {
    doc: &'d Doctor<'a>,
    claim: &'d Claim,
    seen: Vec<u64>,
    tried: usize,
    work: usize,
    max_variants: usize,
    max_work: usize,
    /// Bytes charged per string built (set by the first build).
    build_cost: usize,
    truncated: bool,
    suffix_buf: Vec<u8>,
}

impl Search<'_, '_> {
    fn eq(&self, digest: &[u8]) -> bool {
        bool::from(digest.ct_eq(self.claim.digest()))
    }

    /// Charges `cost` bytes of work; `false` (and the search is over) when
    /// that would pass the cap.
    fn charge(&mut self, cost: usize) -> bool {
        if self.work.saturating_add(cost) > self.max_work {
            self.truncated = true;
            return false;
        }
        self.work += cost;
        true
    }

    /// Key candidates and suffixes allowed with `m` string mistakes: at most
    /// three mistakes in all, and at most one on top of two string mistakes.
    fn allowed(m: usize, key: KeyKind, suffix: Suffix, algo: Algo) -> bool {
        let extra = usize::from(key != KeyKind::Given)
            + usize::from(suffix != Suffix::Correct)
            + usize::from(algo == Algo::Sha256);
        m + extra <= 3 && (m < 2 || extra <= 1)
    }

    /// Builds and hashes one variant. `Err(())` when a cap was reached.
    fn run(&mut self, atoms: &[Atom]) -> Result<Option<Hit>, ()> {
        if self.truncated {
            return Err(());
        }
        if self.tried >= self.max_variants {
            self.truncated = true;
            return Err(());
        }
        // A string costs about as much to build as the correct one did.
        if !self.charge(self.build_cost) {
            return Err(());
        }
        let key_in_map = atoms.contains(&Atom::KeyInMap);
        let body = self.doc.build(atoms, self.doc.keys[0].text.as_str());
        if self.build_cost == 0 {
            self.build_cost = body.len() + 16 * self.doc.entries.len();
        }
        let fp = fingerprint(&body);
        if self.seen.contains(&fp) {
            return Ok(None);
        }
        self.seen.push(fp);
        self.tried += 1;
        let m = atoms.len();
        let algos: &[Algo] = if self.claim.len == 16 {
            &[Algo::Md5]
        } else {
            &[Algo::Hmac, Algo::Sha256]
        };
        let keys: Vec<usize> = (0..self.doc.keys.len())
            .filter(|&k| !key_in_map || k == 0)
            .collect();
        let suffixes: &[Suffix] = if key_in_map {
            &[Suffix::Missing]
        } else {
            &Suffix::ALL
        };
        // Bytes built + bytes hashed (HMAC hashes the body once per key).
        let hmac_keys = keys
            .iter()
            .filter(|&&k| {
                suffixes
                    .iter()
                    .any(|s| Self::allowed(m, self.doc.keys[k].kind, *s, Algo::Hmac))
            })
            .count();
        let passes = if self.claim.len == 16 {
            1
        } else {
            1 + hmac_keys
        };
        if !self.charge(body.len().saturating_mul(passes)) {
            return Err(());
        }
        let mut sfx = core::mem::take(&mut self.suffix_buf);
        let mut found = None;
        'outer: for &algo in algos {
            match algo {
                Algo::Md5 | Algo::Sha256 => {
                    let md5 = (algo == Algo::Md5).then(|| Md5::new_with_prefix(&body));
                    let sha = (algo == Algo::Sha256).then(|| Sha256::new_with_prefix(&body));
                    for &k in &keys {
                        let kc = &self.doc.keys[k];
                        for &s in suffixes {
                            if !Self::allowed(m, kc.kind, s, algo) {
                                continue;
                            }
                            s.write(&mut sfx, body.is_empty(), &kc.text);
                            let hit = match (&md5, &sha) {
                                (Some(h), _) => self.eq(&h.clone().chain_update(&sfx).finalize()),
                                (_, Some(h)) => self.eq(&h.clone().chain_update(&sfx).finalize()),
                                _ => false,
                            };
                            if hit {
                                found = Some((algo, k, s));
                                break 'outer;
                            }
                        }
                    }
                }
                Algo::Hmac => {
                    for &k in &keys {
                        let kc = &self.doc.keys[k];
                        if !suffixes.iter().any(|s| Self::allowed(m, kc.kind, *s, algo)) {
                            continue;
                        }
                        let Ok(mut mac) =
                            <Hmac<Sha256> as KeyInit>::new_from_slice(kc.text.as_bytes())
                        else {
                            continue;
                        };
                        mac.update(&body);
                        for &s in suffixes {
                            if !Self::allowed(m, kc.kind, s, algo) {
                                continue;
                            }
                            s.write(&mut sfx, body.is_empty(), &kc.text);
                            let mut m2 = mac.clone();
                            m2.update(&sfx);
                            if self.eq(&m2.finalize().into_bytes()) {
                                found = Some((algo, k, s));
                                break 'outer;
                            }
                        }
                    }
                }
            }
        }
        self.suffix_buf = sfx;
        Ok(found.map(|(algo, key, suffix)| Hit {
            atoms: atoms.to_vec(),
            algo,
            key,
            suffix,
        }))
    }

    /// The correct string, then every single mistake, then pairs.
    fn find(&mut self) -> Option<Hit> {
        if let Ok(Some(hit)) = self.run(&[]) {
            return Some(hit);
        }
        let base = self.seen.first().copied();
        let mut singles = Vec::new();
        for atom in self.doc.atoms() {
            let before = self.seen.len();
            match self.run(&[atom]) {
                Ok(Some(hit)) => return Some(hit),
                Ok(None) => {
                    // Applicable (changed the string) and new.
                    if self.seen.len() > before
                        && self.seen.last().copied() != base
                        && atom.pairable()
                    {
                        singles.push(atom);
                    }
                }
                Err(()) => return None,
            }
        }
        // Pairs of the first singles only: at most 32 · 31 / 2 pairs.
        singles.truncate(32);
        for i in 0..singles.len() {
            for j in i + 1..singles.len() {
                if singles[i].dim() == singles[j].dim() {
                    continue;
                }
                match self.run(&[singles[i], singles[j]]) {
                    Ok(Some(hit)) => return Some(hit),
                    Ok(None) => {}
                    Err(()) => return None,
                }
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------
// Wording.

struct Words {
    code: &'static str,
    summary: String,
    summary_zh: String,
    fix: String,
}

fn words(code: &'static str, summary: String, summary_zh: String, fix: String) -> Words {
    Words {
        code,
        summary,
        summary_zh,
        fix,
    }
}

const PAY_FIELDS_FIX: &str = "paySign covers exactly appId, nonceStr, package, signType and timeStamp (capital I in appId, capital S in timeStamp), sorted, plus &key=<API key>";

impl Doctor<'_> {
    fn sign_field_name(&self) -> &'static str {
        match self.kind {
            SignKind::Api => "sign",
            SignKind::PaySign => "paySign",
        }
    }

    fn sign_type_field(&self) -> &'static str {
        match self.kind {
            SignKind::Api => "sign_type",
            SignKind::PaySign => "signType",
        }
    }

    fn explain_atom(&self, atom: Atom) -> Words {
        let pay = self.kind == SignKind::PaySign;
        match atom {
            Atom::IncludeSign => {
                let f = self.sign_field_name();
                words(
                    code::SIGN_FIELD_INCLUDED,
                    format!("The `{f}` field itself was included in the signed string."),
                    format!("把 `{f}` 字段本身也拼进了待签名字符串。"),
                    format!(
                        "Leave out the field named `{f}` when signing or verifying{}.",
                        if pay {
                            " (a generic verify() over the whole wx.requestPayment object signs paySign too)"
                        } else {
                            ""
                        }
                    ),
                )
            }
            Atom::IncludeEmpty => words(
                code::EMPTY_VALUES_INCLUDED,
                String::from("Parameters with empty values were included as `name=`."),
                String::from("值为空的参数也参与了签名（拼成了 `name=`）。"),
                String::from("Skip every parameter whose value is the empty string."),
            ),
            Atom::DropSignType => {
                let f = self.sign_type_field();
                words(
                    code::SIGN_TYPE_EXCLUDED,
                    format!("The `{f}` field was left out of the signed string."),
                    format!("`{f}` 字段没有参与签名。"),
                    format!("`{f}` is a parameter like any other: when it is sent, it is signed."),
                )
            }
            Atom::ExtraFields => {
                let extra: Vec<&str> = self
                    .entries
                    .iter()
                    .filter(|e| e.kind == EntryKind::Extra && !e.value.is_empty())
                    .map(|e| e.name)
                    .collect();
                let l = list_names(&extra);
                words(
                    code::EXTRA_FIELDS_INCLUDED,
                    format!("Fields outside paySign's five were signed: {l}."),
                    format!("paySign 签名时多拼了字段：{l}。"),
                    format!("{PAY_FIELDS_FIX}."),
                )
            }
            Atom::Omit(i) => {
                let n = self.entries.get(i).map_or("", |e| e.name);
                let (s, fix) = if pay && n == "appId" {
                    (
                        String::from(
                            "`appId` was left out of the paySign string (it is not passed to wx.requestPayment, but it is signed).",
                        ),
                        format!("{PAY_FIELDS_FIX}."),
                    )
                } else {
                    (
                        format!(
                            "The field `{n}` was left out of the signed string (a model or whitelist that drops fields it does not know?)."
                        ),
                        String::from(
                            "Sign every non-empty parameter that is sent or received, including fields your model does not know: WeChat adds fields and the signature covers them.",
                        ),
                    )
                };
                words(
                    code::FIELD_OMITTED,
                    s,
                    format!("字段 `{n}` 没有参与签名（模型丢弃了未知字段？）。"),
                    fix,
                )
            }
            Atom::Trim => {
                let l = self.changed_fields(atom);
                words(
                    code::VALUES_TRIMMED,
                    format!(
                        "Values were trimmed before signing (as the official Java SDK does), but {l} carries leading or trailing whitespace as sent."
                    ),
                    format!(
                        "签名前对值做了 trim（官方 Java SDK 的做法），而实际发送的 {l} 带有首尾空白。"
                    ),
                    String::from(
                        "Sign values exactly as sent; better, trim them before sending so both sides sign the same text.",
                    ),
                )
            }
            Atom::Url(f) => {
                let l = self.changed_fields(atom);
                words(
                    code::VALUES_URL_ENCODED,
                    format!(
                        "Values were URL-encoded ({}) before signing: {l}.",
                        f.like()
                    ),
                    format!("签名前对值做了 URL 编码（{}）：{l}。", f.like()),
                    String::from(
                        "Sign the raw values: WeChat's string to sign is never URL-encoded.",
                    ),
                )
            }
            Atom::XmlMin | Atom::XmlFull => {
                let l = self.changed_fields(atom);
                words(
                    code::XML_ESCAPED_VALUES,
                    format!("Values were XML-escaped (&amp;, &lt;, …) before signing: {l}."),
                    format!("签名前对值做了 XML 转义（&amp;、&lt; 等）：{l}。"),
                    String::from(
                        "Sign the raw, unescaped values; escaping (or CDATA) belongs to the XML encoder only.",
                    ),
                )
            }
            Atom::CdataWrap => words(
                code::CDATA_IN_VALUE,
                String::from("Values were signed wrapped in <![CDATA[…]]>."),
                String::from("签名时值带上了 <![CDATA[…]]> 包装。"),
                String::from(
                    "CDATA is XML syntax, not part of the value: sign the text inside it.",
                ),
            ),
            Atom::CdataUnwrap => {
                let l = self.changed_fields(atom);
                words(
                    code::CDATA_IN_VALUE,
                    format!(
                        "{l} literally contains a <![CDATA[…]]> wrapper, which was stripped before signing: the XML was built or parsed twice."
                    ),
                    format!(
                        "{l} 的值里含有字面的 <![CDATA[…]]>，签名时却去掉了：XML 被重复包装或解析。"
                    ),
                    String::from(
                        "A value must not contain a literal CDATA wrapper: fix the XML building or parsing so the value is the text only.",
                    ),
                )
            }
            Atom::Sort(SortFlavor::Given) => words(
                code::NOT_SORTED,
                String::from("Parameters were joined in the order given, not sorted by name."),
                String::from("参数没有按参数名排序，而是按原有顺序拼接。"),
                String::from("Sort the parameters by name in ASCII (byte) order before joining."),
            ),
            Atom::Sort(s) => {
                let how = if s == SortFlavor::Locale {
                    "by locale (localeCompare / Intl.Collator / Collator)"
                } else {
                    "case-insensitively (CASE_INSENSITIVE_ORDER / strcasecmp / str.lower)"
                };
                words(
                    code::LOCALE_SORT,
                    format!("Parameter names were sorted {how} instead of by bytes."),
                    String::from("参数名按本地化规则或忽略大小写排序，而不是按 ASCII 字节序。"),
                    String::from(
                        "Sort names by their bytes (ASCII: digits < uppercase < `_` < lowercase): a plain sort() in JS, a TreeMap without a Collator in Java, ksort with SORT_STRING in PHP.",
                    ),
                )
            }
            Atom::Rename(i, alt) => {
                let n = self.entries.get(i).map_or("", |e| e.name);
                words(
                    code::KEY_CASE,
                    format!(
                        "The field was signed as `{alt}` where {} `{n}` (names are case-sensitive).",
                        if pay {
                            "paySign signs"
                        } else {
                            "WeChat receives"
                        }
                    ),
                    format!("字段名签成了 `{alt}`，正确的是 `{n}`（参数名区分大小写）。"),
                    if pay {
                        format!("{PAY_FIELDS_FIX}.")
                    } else {
                        format!("Sign the field names exactly as they are sent (`{n}`).")
                    },
                )
            }
            Atom::RenameAll(c) => {
                let (how, how_zh) = match c {
                    Case::Lower => ("all lowercase", "全小写"),
                    Case::Snake => ("snake_case", "下划线风格"),
                    Case::Camel => ("camelCase", "驼峰风格"),
                };
                let changed: Vec<&str> = self
                    .entries
                    .iter()
                    .filter(|e| e.kind == EntryKind::Signed && recase(e.name, c).as_ref() != e.name)
                    .map(|e| e.name)
                    .collect();
                let l = list_names(&changed);
                words(
                    code::KEY_CASE,
                    format!(
                        "Field names were signed in {how} ({l} renamed); names are case-sensitive."
                    ),
                    format!("参数名被改成了{how_zh}（{l}）；参数名区分大小写。"),
                    if pay {
                        format!("{PAY_FIELDS_FIX}.")
                    } else {
                        String::from(
                            "Sign the field names exactly as sent: don't sign a camelCase/serialised copy of the request.",
                        )
                    },
                )
            }
            Atom::PackageBare => words(
                code::PACKAGE_PREFIX_MISSING,
                String::from("`package` was signed as the bare prepay_id, without `prepay_id=`."),
                String::from("`package` 签名时只用了 prepay_id 本身，缺少 `prepay_id=` 前缀。"),
                String::from(
                    "Sign package=prepay_id=<prepay_id>: the same string that is passed to wx.requestPayment.",
                ),
            ),
            Atom::KeyInMap => words(
                code::KEY_SORTED_AS_PARAM,
                String::from(
                    "The key was added to the parameter map and sorted with the fields, instead of appended at the end.",
                ),
                String::from("把 key 放进参数表一起排序了，而不是拼在最后。"),
                String::from(
                    "Sort and join the parameters first, then append &key=<API key> at the very end.",
                ),
            ),
        }
    }

    fn explain_key(&self, kc: &KeyCand) -> Option<Words> {
        let given = self.keys.first().map_or(0, |k| k.text.len());
        Some(match kc.kind {
            KeyKind::Given => return None,
            KeyKind::AppSecret => words(
                code::APP_SECRET_AS_KEY,
                String::from(
                    "Signed with the AppSecret (the mini program's secret) instead of the merchant API key.",
                ),
                String::from("用小程序的 AppSecret 当成了商户 API 密钥来签名。"),
                String::from(
                    "Use the APIv2 key set in the merchant platform (pay.weixin.qq.com → 账户中心 → API安全), not the AppSecret.",
                ),
            ),
            KeyKind::Appended(_) | KeyKind::Quoted | KeyKind::Trimmed => {
                let what = match kc.kind {
                    KeyKind::Appended("\n") => "a trailing newline",
                    KeyKind::Appended("\r\n") => "a trailing CRLF",
                    KeyKind::Appended(_) => "a trailing space",
                    KeyKind::Quoted => "surrounding quotes",
                    _ => "the whitespace of the given key trimmed off",
                };
                words(
                    code::KEY_NOT_32_BYTES,
                    format!(
                        "The key used was {} bytes, not {given}: it had {what} (typical of a key read from a file or an environment variable).",
                        kc.text.len()
                    ),
                    format!(
                        "签名用的密钥长度是 {} 字节而不是 {given}：{what}（从文件或环境变量读取时常见）。",
                        kc.text.len()
                    ),
                    String::from(
                        "Use the exact 32-byte APIv2 key: strip newlines, spaces and quotes when loading it.",
                    ),
                )
            }
            KeyKind::Upper | KeyKind::Lower => {
                let how = if kc.kind == KeyKind::Upper {
                    "upper"
                } else {
                    "lower"
                };
                words(
                    code::API_KEY_CASE,
                    format!("The key was used {how}cased; the API key is case-sensitive."),
                    String::from("密钥被转换了大小写；API 密钥区分大小写。"),
                    String::from("Use the key exactly as set in the merchant platform."),
                )
            }
        })
    }

    fn explain_suffix(s: Suffix) -> Option<Words> {
        Some(match s {
            Suffix::Correct => return None,
            Suffix::Missing => words(
                code::KEY_SUFFIX_MISSING,
                String::from(
                    "No `&key=<API key>` was appended: the string ends after the last parameter.",
                ),
                String::from("没有在末尾拼接 `&key=<API密钥>`。"),
                String::from(
                    "Append `&key=` and the API key to the sorted string before hashing (for HMAC-SHA256 too).",
                ),
            ),
            Suffix::Raw | Suffix::NoAmp | Suffix::AmpOnly => {
                let how = match s {
                    Suffix::Raw => "the key directly, without `&key=`",
                    Suffix::NoAmp => "`key=<key>` without the `&`",
                    _ => "`&<key>` without `key=`",
                };
                words(
                    code::KEY_SUFFIX_MALFORMED,
                    format!("The key was appended as {how}."),
                    String::from("密钥拼接格式不对，应为 `&key=<API密钥>`。"),
                    String::from("Append exactly `&key=` followed by the API key."),
                )
            }
        })
    }

    fn explain_hit(&self, hit: &Hit, claim: &Claim) -> Vec<Finding> {
        let mut w: Vec<Words> = Vec::new();
        if hit.algo.sign_type() != self.sign_type {
            let used = hit.algo.name();
            let want = self.sign_type.as_str();
            w.push(words(
                code::WRONG_SIGN_TYPE,
                format!("The sign was computed with {used}, but WeChat checks it with {want}."),
                format!("签名用的是 {used}，但微信按 {want} 校验。"),
                format!(
                    "Sign with {want}: the algorithm must match `{}` (absent means MD5){}.",
                    self.sign_type_field(),
                    if self.kind == SignKind::PaySign {
                        ", and paySign must use the same type as the unifiedorder call"
                    } else {
                        "; HMAC-SHA256 notifies carry no sign_type, so verify by the sign's length (64 = HMAC-SHA256)"
                    }
                ),
            ));
        }
        if hit.algo == Algo::Sha256 {
            w.push(words(
                code::SHA256_NOT_HMAC,
                String::from(
                    "The sign is a plain SHA-256 hash of the string, not an HMAC-SHA256 keyed with the API key.",
                ),
                String::from("用了普通 SHA-256 摘要，而不是以 API 密钥为密钥的 HMAC-SHA256。"),
                String::from(
                    "HMAC-SHA256 is hash_hmac('sha256', stringSignTemp, key): keyed with the API key, over the string that ends in &key=<key>.",
                ),
            ));
        }
        for a in &hit.atoms {
            w.push(self.explain_atom(*a));
        }
        let kc = self.keys.get(hit.key);
        if let Some(x) = kc.and_then(|k| self.explain_key(k)) {
            w.push(x);
        }
        if !hit.atoms.contains(&Atom::KeyInMap)
            && let Some(x) = Self::explain_suffix(hit.suffix)
        {
            w.push(x);
        }
        match claim.form {
            Form::UpperHex => {}
            Form::LowerHex | Form::MixedHex => w.push(words(
                code::LOWERCASE_HEX,
                String::from(if claim.form == Form::LowerHex {
                    "The digest is right but written in lowercase hex."
                } else {
                    "The digest is right but its hex is not all uppercase."
                }),
                String::from("摘要正确，但十六进制用了小写。"),
                String::from(
                    "Uppercase the hex digest (PHP strtoupper, Java toUpperCase, JS toUpperCase): WeChat compares signs case-sensitively.",
                ),
            )),
            Form::Base64 => w.push(words(
                code::BASE64_SIGN,
                String::from("The digest is right but base64-encoded instead of hex."),
                String::from("摘要正确，但用了 base64 编码而不是十六进制。"),
                String::from(
                    "Encode the digest as uppercase hex: 32 characters for MD5, 64 for HMAC-SHA256.",
                ),
            )),
        }
        if claim.whitespace {
            w.push(words(
                code::SIGN_HAS_WHITESPACE,
                String::from(
                    "The sign carries leading or trailing whitespace (a newline or space).",
                ),
                String::from("签名值首尾带有空白字符（换行或空格）。"),
                String::from("Send the sign without surrounding whitespace."),
            ));
        }

        let signed = kc.map(|kc| {
            let mut s = self.build(&hit.atoms, &kc.shown);
            if !hit.atoms.contains(&Atom::KeyInMap) {
                let mut sfx = Vec::new();
                hit.suffix.write(&mut sfx, s.is_empty(), &kc.shown);
                s.extend_from_slice(&sfx);
            }
            String::from_utf8_lossy(&s).into_owned()
        });
        let codes: Vec<&'static str> = w.iter().map(|x| x.code).collect();
        w.into_iter()
            .map(|x| Finding {
                code: x.code,
                confirmed: true,
                summary: x.summary,
                summary_zh: x.summary_zh,
                signed_string: signed.clone(),
                fix: x.fix,
                related: codes.iter().copied().filter(|c| *c != x.code).collect(),
            })
            .collect()
    }

    fn redact(&self, s: String) -> String {
        let mut s = s;
        for (secret, masked) in &self.secrets {
            // A value echoed with `{:?}` shows the secret escaped (a key
            // with a control character or a quote), so that form goes too.
            let quoted = format!("{secret:?}");
            let escaped = quoted.get(1..quoted.len() - 1).unwrap_or_default();
            for needle in [*secret, escaped] {
                // A masked replacement cannot recreate the secret unless the
                // secret contains '*'; the loop is bounded all the same.
                for _ in 0..4 {
                    match replace_ignore_ascii_case(&s, needle, masked) {
                        Some(r) => s = r,
                        None => break,
                    }
                }
            }
        }
        s
    }
}

fn replace_ignore_ascii_case(s: &str, needle: &str, with: &str) -> Option<String> {
    let (sb, nb) = (s.as_bytes(), needle.as_bytes());
    if nb.is_empty() || sb.len() < nb.len() {
        return None;
    }
    let mut out: Option<String> = None;
    let (mut last, mut i) = (0, 0);
    while i + nb.len() <= sb.len() {
        if sb[i].eq_ignore_ascii_case(&nb[0])
            && sb[i..i + nb.len()].eq_ignore_ascii_case(nb)
            && s.is_char_boundary(i)
            && s.is_char_boundary(i + nb.len())
        {
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[last..i]);
            o.push_str(with);
            i += nb.len();
            last = i;
        } else {
            i += 1;
        }
    }
    out.map(|mut o| {
        o.push_str(&s[last..]);
        o
    })
}

fn advisory(code: &'static str, summary: String, summary_zh: String, fix: String) -> Finding {
    Finding {
        code,
        confirmed: false,
        summary,
        summary_zh,
        signed_string: None,
        fix,
        related: Vec::new(),
    }
}

fn key_candidates(key: &ApiKey, app_secret: Option<&str>) -> Vec<KeyCand> {
    let k = key.expose();
    let shown = key.masked();
    let mut v = Vec::new();
    let mut push = |text: String, shown: String, kind: KeyKind| {
        if !v.iter().any(|c: &KeyCand| c.text == text) {
            v.push(KeyCand { text, shown, kind });
        }
    };
    push(String::from(k), shown.clone(), KeyKind::Given);
    if let Some(s) = app_secret.filter(|s| !s.is_empty()) {
        push(String::from(s), mask(s), KeyKind::AppSecret);
    }
    for tail in ["\n", "\r\n", " "] {
        push(
            format!("{k}{tail}"),
            format!("{shown}{tail}"),
            KeyKind::Appended(tail),
        );
    }
    push(format!("\"{k}\""), format!("\"{shown}\""), KeyKind::Quoted);
    let t = k.trim();
    if !t.is_empty() && t.len() != k.len() {
        push(String::from(t), mask(t), KeyKind::Trimmed);
    }
    for (text, kind) in [
        (k.to_ascii_uppercase(), KeyKind::Upper),
        (k.to_ascii_lowercase(), KeyKind::Lower),
    ] {
        let m = mask(&text);
        push(text, m, kind);
    }
    v
}

/// Explains whether and why `claimed_sign` is (not) the sign of `params`
/// under `key`. See the [module docs](self) for what is tried.
///
/// `params` are the parameters as WeChat sees them (any `sign` field among
/// them is excluded from the correct computation, as always, and is used to
/// detect [`code::SIGN_FIELD_INCLUDED`]). For paySign, pass the
/// `wx.requestPayment` object (with `appId`, or give
/// [`DiagnoseOptions::app_id`]); it is detected automatically.
///
/// Infallible: bad input yields advisory findings ([`code::MISSING_SIGN`],
/// [`code::MALFORMED_SIGN`], …), never a panic. No string in the result
/// contains the key or the AppSecret.
#[must_use]
pub fn diagnose<P: Params + ?Sized>(
    params: &P,
    key: &ApiKey,
    claimed_sign: &str,
    opts: &DiagnoseOptions<'_>,
) -> Diagnosis {
    let all: Vec<(&str, &str)> = params.pairs().collect();
    let kind = opts.kind.unwrap_or_else(|| {
        let pay = all
            .iter()
            .any(|(k, v)| (*k == "package" && v.starts_with("prepay_id=")) || *k == "paySign");
        if pay {
            SignKind::PaySign
        } else {
            SignKind::Api
        }
    });
    let mut advisories: Vec<Finding> = Vec::new();

    // Entries, and for paySign the five fields under their canonical names.
    let mut entries: Vec<Entry<'_>> = Vec::with_capacity(all.len() + 1);
    let mut aliased: Vec<(&str, &str)> = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    match kind {
        SignKind::Api => {
            for (pos, (k, v)) in all.iter().enumerate() {
                entries.push(Entry {
                    name: k,
                    value: v,
                    pos,
                    kind: if *k == "sign" {
                        EntryKind::SignField
                    } else {
                        EntryKind::Signed
                    },
                    is_sign_type: *k == "sign_type",
                });
            }
        }
        SignKind::PaySign => {
            let mut used = Vec::new();
            for (canon, aliases) in PAY_FIELDS {
                let found = all
                    .iter()
                    .position(|(k, _)| *k == canon)
                    .or_else(|| all.iter().position(|(k, _)| aliases.contains(k)));
                let (value, pos) = match found {
                    Some(i) => {
                        used.push(i);
                        if all[i].0 != canon {
                            aliased.push((canon, all[i].0));
                        }
                        (all[i].1, i + 1)
                    }
                    None => match (canon, opts.app_id) {
                        ("appId", Some(a)) => (a, 0),
                        _ => {
                            missing.push(canon);
                            continue;
                        }
                    },
                };
                entries.push(Entry {
                    name: canon,
                    value,
                    pos,
                    kind: EntryKind::Signed,
                    is_sign_type: canon == "signType",
                });
            }
            for (i, (k, v)) in all.iter().enumerate() {
                if used.contains(&i) {
                    continue;
                }
                entries.push(Entry {
                    name: k,
                    value: v,
                    pos: i + 1,
                    kind: if *k == "paySign" || *k == "sign" {
                        EntryKind::SignField
                    } else {
                        EntryKind::Extra
                    },
                    is_sign_type: false,
                });
            }
        }
    }

    // The sign type WeChat checks with.
    let st_name = match kind {
        SignKind::Api => "sign_type",
        SignKind::PaySign => "signType",
    };
    let st_value = entries
        .iter()
        .find(|e| e.is_sign_type && e.kind == EntryKind::Signed)
        .map(|e| e.value)
        .filter(|v| !v.is_empty());
    let st_field: Option<SignType> = st_value.and_then(|v| v.parse().ok());
    let claim = decode_claim(claimed_sign);
    let claim_type = match &claim {
        Ok(c) => Some(c.sign_type()),
        Err(_) => SignType::from_sign_len(claimed_sign.trim()),
    };
    let sign_type = opts
        .sign_type
        .or(st_field)
        .or(claim_type)
        .unwrap_or(SignType::Md5);

    // The correct sign and string.
    let pairs: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Signed)
        .map(|e| (e.name, e.value))
        .collect();
    let (expected_sign, masked) = match kind {
        SignKind::Api => (
            sign(params, key, sign_type),
            string_to_sign_masked(params, key),
        ),
        SignKind::PaySign => {
            let s = match pay_sign_of(&pairs, key) {
                Ok((s, t)) if t == sign_type => s,
                _ => sign(&pairs, key, sign_type),
            };
            (s, string_to_sign_masked(&pairs, key))
        }
    };
    let ok = expected_sign.ct_eq_str(claimed_sign);

    let mut redact = Vec::new();
    if key.len() >= 4 {
        redact.push((key.expose(), key.masked()));
    }
    if let Some(s) = opts.app_secret.filter(|s| s.len() >= 4) {
        redact.push((s, mask(s)));
    }
    let doctor = Doctor {
        kind,
        entries,
        sign_type,
        keys: key_candidates(key, opts.app_secret),
        masked_key: key.masked(),
        secrets: redact,
    };

    let mut confirmed: Vec<Finding> = Vec::new();
    let mut tried = 0;
    let mut complete = true;
    let order_reused = opts.order_sign.map(str::trim).filter(|o| {
        !o.is_empty() && !ok && *o == claimed_sign.trim() && !expected_sign.ct_eq_str(o)
    });
    if order_reused.is_some() {
        confirmed.push(Finding {
            code: code::ORDER_SIGN_REUSED_AS_PAYSIGN,
            confirmed: true,
            summary: String::from(
                "The paySign is the unifiedorder response's `sign`, reused as is.",
            ),
            summary_zh: String::from("把统一下单返回的 `sign` 直接当成了 paySign。"),
            signed_string: None,
            fix: format!(
                "paySign is a second signature: {PAY_FIELDS_FIX}, with the same sign type as the order."
            ),
            related: Vec::new(),
        });
    } else if !ok {
        match &claim {
            Err(ClaimError::Missing) => advisories.push(advisory(
                code::MISSING_SIGN,
                String::from("No sign was given."),
                String::from("没有提供签名。"),
                format!(
                    "Send the `{}` field: WeChat rejects unsigned requests, and a receiver must reject an unsigned notify.",
                    doctor.sign_field_name()
                ),
            )),
            Err(ClaimError::Malformed(why)) => advisories.push(advisory(
                code::MALFORMED_SIGN,
                format!("The sign is not a WeChat sign: {why}."),
                String::from("签名格式不对：MD5 签名是 32 位大写十六进制，HMAC-SHA256 是 64 位。"),
                String::from(
                    "Send the uppercase hex digest: 32 characters for MD5, 64 for HMAC-SHA256.",
                ),
            )),
            Ok(c) => {
                let mut search = Search {
                    doc: &doctor,
                    claim: c,
                    seen: Vec::new(),
                    tried: 0,
                    work: 0,
                    max_variants: opts.max_variants.max(1),
                    max_work: opts.max_work_bytes,
                    build_cost: 0,
                    truncated: false,
                    suffix_buf: Vec::new(),
                };
                let hit = search.find();
                tried = search.tried;
                match hit {
                    Some(h) => confirmed = doctor.explain_hit(&h, c),
                    None if search.truncated => {
                        complete = false;
                        advisories.push(advisory(
                            code::SEARCH_TRUNCATED,
                            format!(
                                "The search stopped after {tried} strings ({} bytes): the input is too large to try every mistake.",
                                search.work
                            ),
                            String::from("输入过大，未能尝试全部常见错误。"),
                            String::from(
                                "Raise max_variants / max_work_bytes, or diagnose a smaller parameter set.",
                            ),
                        ));
                    }
                    None => {}
                }
            }
        }
    }
    let has = |c: &str| confirmed.iter().any(|f| f.code == c);

    // Advisories that need no replay.
    if let Some(v) = st_value
        && st_field.is_none()
    {
        // Masked before it is cut short, so no part of a secret shows.
        let shown: String = doctor.redact(String::from(v)).chars().take(32).collect();
        advisories.push(advisory(
            code::UNSUPPORTED_SIGN_TYPE,
            format!("`{st_name}` is {shown:?}; WeChat accepts exactly \"MD5\" or \"HMAC-SHA256\" and answers 签名类型不支持 otherwise."),
            format!("`{st_name}` 的值 {shown:?} 不被支持，只能是 \"MD5\" 或 \"HMAC-SHA256\"（区分大小写）。"),
            String::from("Send exactly \"MD5\" or \"HMAC-SHA256\" (uppercase)."),
        ));
    }
    if !ok && !has(code::WRONG_SIGN_TYPE) {
        let mut clash = Vec::new();
        if let (Some(f), Some(c)) = (st_field, claim_type)
            && f != c
        {
            clash.push(format!(
                "`{st_name}` says {f} but the sign is {} characters long, which is {c}",
                claimed_sign.trim().len()
            ));
        }
        if let (Some(o), Some(f)) = (opts.sign_type, st_field)
            && o != f
        {
            clash.push(format!(
                "the given sign type is {o} but `{st_name}` says {f}"
            ));
        }
        if let (Some(o), Some(c), None) = (opts.sign_type, claim_type, st_field)
            && o != c
        {
            clash.push(format!(
                "the given sign type is {o} but the sign is {} characters long, which is {c}",
                claimed_sign.trim().len()
            ));
        }
        if !clash.is_empty() {
            let l = clash.join("; ");
            advisories.push(advisory(
                code::SIGN_TYPE_MISMATCH,
                format!("The sign type is inconsistent: {l}."),
                String::from("签名类型前后不一致（sign_type 字段、所用算法与签名长度不符）。"),
                format!(
                    "Use one type end to end: the `{st_name}` field, the algorithm and the verifier must agree."
                ),
            ));
        }
    }
    if !missing.is_empty() {
        let l = list_names(&missing);
        advisories.push(advisory(
            code::PAYSIGN_FIELD_MISSING,
            format!("The paySign object lacks {l}; the expected sign was computed without them."),
            format!("paySign 参数缺少 {l}。"),
            format!(
                "{PAY_FIELDS_FIX}. wx.requestPayment takes no appId: give it to the doctor as `app_id`."
            ),
        ));
    }
    if !aliased.is_empty() && !has(code::KEY_CASE) {
        let names: Vec<String> = aliased
            .iter()
            .map(|(c, g)| format!("`{g}` (should be `{c}`)"))
            .collect();
        let l = names.join(", ");
        advisories.push(advisory(
            code::KEY_CASE,
            format!("The paySign object uses {l}; its value was taken as the right field."),
            format!("paySign 参数名大小写不对：{l}。"),
            format!("{PAY_FIELDS_FIX}."),
        ));
    }
    if key.len() != 32 && !has(code::KEY_NOT_32_BYTES) {
        advisories.push(advisory(
            code::KEY_NOT_32_BYTES,
            format!(
                "The key given is {} bytes; WeChat's APIv2 key is always 32 bytes, so this is probably not the API key (an AppSecret, an APIv3 key, a certificate serial, or a key with whitespace?).",
                key.len()
            ),
            format!("给定的密钥是 {} 字节，而 APIv2 密钥固定为 32 字节。", key.len()),
            String::from(
                "Use the 32-byte APIv2 key from the merchant platform (账户中心 → API安全), without surrounding whitespace.",
            ),
        ));
    }
    if !ok && confirmed.is_empty() && claim.is_ok() && complete {
        advisories.push(advisory(
            code::WRONG_KEY,
            format!(
                "No known mistake reproduces the sign with the key given ({}). It was most likely made with another key (mistyped, another merchant's, the sandbox key vs the production key) or over other values.",
                doctor.masked_key
            ),
            String::from(
                "常见错误都无法复现该签名：多半是密钥不对（输错、用了别的商户或沙箱/正式环境的密钥），或参数值与签名时不同。",
            ),
            String::from(
                "Check the API key in the merchant platform (reset it if unsure), the environment (sandbox keys come from getsignkey), and that the values signed are the values sent.",
            ),
        ));
    }

    let mut findings = confirmed;
    findings.extend(advisories);
    for f in &mut findings {
        f.summary = doctor.redact(core::mem::take(&mut f.summary));
        f.summary_zh = doctor.redact(core::mem::take(&mut f.summary_zh));
        f.fix = doctor.redact(core::mem::take(&mut f.fix));
        f.signed_string = f.signed_string.take().map(|s| doctor.redact(s));
    }
    Diagnosis {
        ok,
        kind,
        sign_type,
        expected_sign,
        string_to_sign_masked: doctor.redact(masked),
        findings,
        variants_tried: tried,
        search_complete: complete,
    }
}
