//! The catalogue of mistakes the doctor replays (atoms of a variant, key
//! candidates, key suffixes, digests) and the value/name/order transforms
//! that apply them.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::SignType;
// ---------------------------------------------------------------------------
// The parameters, as entries the variants are built from.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum EntryKind {
    /// Signed under the correct rules (when its value is not empty).
    Signed,
    /// `sign` (or `paySign`): excluded.
    SignField,
    /// paySign only: a field outside the five.
    Extra,
}

pub(super) struct Entry<'a> {
    /// The name under the correct rules (canonical for paySign).
    pub(super) name: &'a str,
    pub(super) value: &'a str,
    /// Position in the caller's order.
    pub(super) pos: usize,
    pub(super) kind: EntryKind,
    pub(super) is_sign_type: bool,
}

pub(super) const PAY_FIELDS: [(&str, &[&str]); 5] = [
    ("appId", &["appid", "app_id", "AppId", "appID"]),
    ("nonceStr", &["noncestr", "nonce_str", "NonceStr"]),
    ("package", &["Package"]),
    ("signType", &["signtype", "sign_type", "SignType"]),
    ("timeStamp", &["timestamp", "time_stamp", "TimeStamp"]),
];

/// Names integrators confuse; a field whose name is in a group is also
/// tried under the group's other names.
pub(super) const ALIASES: &[&[&str]] = &[
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
pub(super) enum UrlFlavor {
    Component,
    Rfc3986,
    JavaForm,
    PhpForm,
    PythonPlus,
    PythonQuote,
}

impl UrlFlavor {
    pub(super) const ALL: [Self; 6] = [
        Self::Component,
        Self::Rfc3986,
        Self::JavaForm,
        Self::PhpForm,
        Self::PythonPlus,
        Self::PythonQuote,
    ];
    pub(super) fn keeps(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || match self {
                Self::Component => b"-_.!~*'()".contains(&b),
                Self::Rfc3986 | Self::PythonPlus => b"-_.~".contains(&b),
                Self::JavaForm => b"-_.*".contains(&b),
                Self::PhpForm => b"-_.".contains(&b),
                Self::PythonQuote => b"-_.~/".contains(&b),
            }
    }
    pub(super) fn plus(self) -> bool {
        matches!(self, Self::JavaForm | Self::PhpForm | Self::PythonPlus)
    }
    pub(super) fn like(self) -> &'static str {
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
pub(super) enum SortFlavor {
    CaseInsensitive,
    Locale,
    Given,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    Lower,
    Snake,
    Camel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Atom {
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
    pub(super) fn dim(self) -> u8 {
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
    pub(super) fn pairable(self) -> bool {
        !matches!(self, Self::Omit(_) | Self::KeyInMap)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    Given,
    AppSecret,
    Appended(&'static str),
    Quoted,
    Trimmed,
    Upper,
    Lower,
}

pub(super) struct KeyCand {
    pub(super) text: String,
    pub(super) shown: String,
    pub(super) kind: KeyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Suffix {
    Correct,
    Missing,
    Raw,
    NoAmp,
    AmpOnly,
}

impl Suffix {
    pub(super) const ALL: [Self; 5] = [
        Self::Correct,
        Self::Missing,
        Self::Raw,
        Self::NoAmp,
        Self::AmpOnly,
    ];
    pub(super) fn write(self, out: &mut Vec<u8>, body_empty: bool, key: &str) {
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
pub(super) enum Algo {
    Md5,
    Hmac,
    Sha256,
}

impl Algo {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Hmac => "HMAC-SHA256",
            Self::Sha256 => "plain SHA-256",
        }
    }
    pub(super) fn sign_type(self) -> SignType {
        match self {
            Self::Md5 => SignType::Md5,
            Self::Hmac | Self::Sha256 => SignType::HmacSha256,
        }
    }
}

pub(super) struct Hit {
    pub(super) atoms: Vec<Atom>,
    pub(super) algo: Algo,
    pub(super) key: usize,
    pub(super) suffix: Suffix,
}

// ---------------------------------------------------------------------------
// Value, name and order transforms.

pub(super) fn url_encode(v: &str, f: UrlFlavor) -> Cow<'_, str> {
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

pub(super) fn xml_escape(v: &str, full: bool) -> Cow<'_, str> {
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

pub(super) fn cdata_unwrap(v: &str) -> &str {
    v.strip_prefix("<![CDATA[")
        .and_then(|x| x.strip_suffix("]]>"))
        .unwrap_or(v)
}

pub(super) fn transform_value(v: &str, atom: Atom) -> Cow<'_, str> {
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

pub(super) fn recase(name: &str, case: Case) -> Cow<'_, str> {
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
pub(super) fn cmp_case_insensitive(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
        .then_with(|| a.cmp(b))
}

/// An approximation of ICU root collation (`localeCompare`, `Intl.Collator`,
/// Java `Collator`): punctuation before digits before letters, letters
/// compared without case, then lowercase before uppercase.
pub(super) fn cmp_locale(a: &str, b: &str) -> Ordering {
    pub(super) fn primary(c: char) -> (u8, u32) {
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
pub(super) fn fingerprint(body: &[u8]) -> u64 {
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
