//! The doctor's public answer: the finding codes, the options, a finding and
//! a diagnosis.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::key::fingerprint;
use crate::{Sign, SignType};

/// A finding's stable code: the one list of what the doctor can report.
///
/// [`FindingCode::as_str`] gives the SCREAMING_SNAKE text the JS package and
/// the mock show (`"WRONG_KEY"`, …); [`code`] holds the same texts as
/// constants. *Replayed* codes come with `confirmed == true` when the doctor
/// reproduced the claimed sign under that mistake; *advisory* codes are always
/// `confirmed == false`; [`FindingCode::KeyNot32Bytes`] and
/// [`FindingCode::KeyCase`] can be either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FindingCode {
    /// Replayed: signed with MD5 where WeChat checks HMAC-SHA256, or the
    /// reverse.
    WrongSignType,
    /// Replayed: a plain SHA-256 hash instead of HMAC-SHA256.
    Sha256NotHmac,
    /// Replayed: the right digest in lowercase (or mixed-case) hex.
    LowercaseHex,
    /// Replayed: the right digest, base64-encoded instead of hex.
    Base64Sign,
    /// Replayed: the sign carries leading or trailing whitespace.
    SignHasWhitespace,
    /// Replayed: the `sign` (or `paySign`) field was signed too.
    SignFieldIncluded,
    /// Replayed: parameters with empty values were signed (`k=`).
    EmptyValuesIncluded,
    /// Replayed: `sign_type` / `signType` was left out of the signed string.
    SignTypeExcluded,
    /// Replayed: one field was left out (typically a model that drops
    /// fields it does not know).
    FieldOmitted,
    /// Replayed: paySign covered fields other than its five.
    ExtraFieldsIncluded,
    /// Replayed: values were trimmed before signing.
    ValuesTrimmed,
    /// Replayed: values were URL-encoded before signing.
    ValuesUrlEncoded,
    /// Replayed: values were XML-escaped before signing.
    XmlEscapedValues,
    /// Replayed: a CDATA wrapper entered the signed string, or was stripped
    /// from a value that really contains one.
    CdataInValue,
    /// Replayed: `package` signed without its `prepay_id=` prefix.
    PackagePrefixMissing,
    /// Replayed (or advisory): a field name in the wrong case or spelling,
    /// such as `appid` for paySign's `appId`.
    KeyCase,
    /// Replayed: names sorted case-insensitively or by locale, not by bytes.
    LocaleSort,
    /// Replayed: names not sorted at all.
    NotSorted,
    /// Replayed: the key was put into the map and sorted with the fields.
    KeySortedAsParam,
    /// Replayed: the AppSecret was used as the API key.
    AppSecretAsKey,
    /// Replayed (a newline, CRLF, space or quotes around the key) or
    /// advisory (the given key is not 32 bytes).
    KeyNot32Bytes,
    /// Replayed: the key was used upper- or lowercased.
    ApiKeyCase,
    /// Replayed: no `&key=<API key>` was appended.
    KeySuffixMissing,
    /// Replayed: the key was appended, but not as `&key=<API key>`.
    KeySuffixMalformed,
    /// Replayed: the unifiedorder `sign` was reused as `paySign`.
    OrderSignReusedAsPaySign,
    /// Advisory: no sign was given.
    MissingSign,
    /// Advisory: the sign is neither 32/64 hex characters nor a base64 digest.
    MalformedSign,
    /// Advisory: the `sign_type` field, the given type and the sign's length
    /// disagree.
    SignTypeMismatch,
    /// Advisory: the `sign_type` value is not exactly `MD5` or `HMAC-SHA256`.
    UnsupportedSignType,
    /// Advisory: a paySign field (appId, timeStamp, nonceStr, package,
    /// signType) is missing.
    PaySignFieldMissing,
    /// Advisory: nothing reproduced the sign; most likely another key.
    WrongKey,
    /// Advisory: a cap stopped the search before every variant was tried.
    SearchTruncated,
}

impl FindingCode {
    /// Every code, in declaration order.
    pub const ALL: &[FindingCode] = &[
        Self::WrongSignType,
        Self::Sha256NotHmac,
        Self::LowercaseHex,
        Self::Base64Sign,
        Self::SignHasWhitespace,
        Self::SignFieldIncluded,
        Self::EmptyValuesIncluded,
        Self::SignTypeExcluded,
        Self::FieldOmitted,
        Self::ExtraFieldsIncluded,
        Self::ValuesTrimmed,
        Self::ValuesUrlEncoded,
        Self::XmlEscapedValues,
        Self::CdataInValue,
        Self::PackagePrefixMissing,
        Self::KeyCase,
        Self::LocaleSort,
        Self::NotSorted,
        Self::KeySortedAsParam,
        Self::AppSecretAsKey,
        Self::KeyNot32Bytes,
        Self::ApiKeyCase,
        Self::KeySuffixMissing,
        Self::KeySuffixMalformed,
        Self::OrderSignReusedAsPaySign,
        Self::MissingSign,
        Self::MalformedSign,
        Self::SignTypeMismatch,
        Self::UnsupportedSignType,
        Self::PaySignFieldMissing,
        Self::WrongKey,
        Self::SearchTruncated,
    ];

    /// The stable text, e.g. `"LOWERCASE_HEX"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WrongSignType => "WRONG_SIGN_TYPE",
            Self::Sha256NotHmac => "SHA256_NOT_HMAC",
            Self::LowercaseHex => "LOWERCASE_HEX",
            Self::Base64Sign => "BASE64_SIGN",
            Self::SignHasWhitespace => "SIGN_HAS_WHITESPACE",
            Self::SignFieldIncluded => "SIGN_FIELD_INCLUDED",
            Self::EmptyValuesIncluded => "EMPTY_VALUES_INCLUDED",
            Self::SignTypeExcluded => "SIGN_TYPE_EXCLUDED",
            Self::FieldOmitted => "FIELD_OMITTED",
            Self::ExtraFieldsIncluded => "EXTRA_FIELDS_INCLUDED",
            Self::ValuesTrimmed => "VALUES_TRIMMED",
            Self::ValuesUrlEncoded => "VALUES_URL_ENCODED",
            Self::XmlEscapedValues => "XML_ESCAPED_VALUES",
            Self::CdataInValue => "CDATA_IN_VALUE",
            Self::PackagePrefixMissing => "PACKAGE_PREFIX_MISSING",
            Self::KeyCase => "KEY_CASE",
            Self::LocaleSort => "LOCALE_SORT",
            Self::NotSorted => "NOT_SORTED",
            Self::KeySortedAsParam => "KEY_SORTED_AS_PARAM",
            Self::AppSecretAsKey => "APP_SECRET_AS_KEY",
            Self::KeyNot32Bytes => "KEY_NOT_32_BYTES",
            Self::ApiKeyCase => "API_KEY_CASE",
            Self::KeySuffixMissing => "KEY_SUFFIX_MISSING",
            Self::KeySuffixMalformed => "KEY_SUFFIX_MALFORMED",
            Self::OrderSignReusedAsPaySign => "ORDER_SIGN_REUSED_AS_PAYSIGN",
            Self::MissingSign => "MISSING_SIGN",
            Self::MalformedSign => "MALFORMED_SIGN",
            Self::SignTypeMismatch => "SIGN_TYPE_MISMATCH",
            Self::UnsupportedSignType => "UNSUPPORTED_SIGN_TYPE",
            Self::PaySignFieldMissing => "PAYSIGN_FIELD_MISSING",
            Self::WrongKey => "WRONG_KEY",
            Self::SearchTruncated => "SEARCH_TRUNCATED",
        }
    }
}

/// The finding codes as text (the values of [`FindingCode::as_str`]), for
/// comparing with [`Finding::code`] or [`Diagnosis::finding`].
pub mod code {
    use super::FindingCode;

    #[doc = concat!("`", "WRONG_SIGN_TYPE", "`: see [`FindingCode::WrongSignType`].")]
    pub const WRONG_SIGN_TYPE: &str = FindingCode::WrongSignType.as_str();
    #[doc = concat!("`", "SHA256_NOT_HMAC", "`: see [`FindingCode::Sha256NotHmac`].")]
    pub const SHA256_NOT_HMAC: &str = FindingCode::Sha256NotHmac.as_str();
    #[doc = concat!("`", "LOWERCASE_HEX", "`: see [`FindingCode::LowercaseHex`].")]
    pub const LOWERCASE_HEX: &str = FindingCode::LowercaseHex.as_str();
    #[doc = concat!("`", "BASE64_SIGN", "`: see [`FindingCode::Base64Sign`].")]
    pub const BASE64_SIGN: &str = FindingCode::Base64Sign.as_str();
    #[doc = concat!("`", "SIGN_HAS_WHITESPACE", "`: see [`FindingCode::SignHasWhitespace`].")]
    pub const SIGN_HAS_WHITESPACE: &str = FindingCode::SignHasWhitespace.as_str();
    #[doc = concat!("`", "SIGN_FIELD_INCLUDED", "`: see [`FindingCode::SignFieldIncluded`].")]
    pub const SIGN_FIELD_INCLUDED: &str = FindingCode::SignFieldIncluded.as_str();
    #[doc = concat!("`", "EMPTY_VALUES_INCLUDED", "`: see [`FindingCode::EmptyValuesIncluded`].")]
    pub const EMPTY_VALUES_INCLUDED: &str = FindingCode::EmptyValuesIncluded.as_str();
    #[doc = concat!("`", "SIGN_TYPE_EXCLUDED", "`: see [`FindingCode::SignTypeExcluded`].")]
    pub const SIGN_TYPE_EXCLUDED: &str = FindingCode::SignTypeExcluded.as_str();
    #[doc = concat!("`", "FIELD_OMITTED", "`: see [`FindingCode::FieldOmitted`].")]
    pub const FIELD_OMITTED: &str = FindingCode::FieldOmitted.as_str();
    #[doc = concat!("`", "EXTRA_FIELDS_INCLUDED", "`: see [`FindingCode::ExtraFieldsIncluded`].")]
    pub const EXTRA_FIELDS_INCLUDED: &str = FindingCode::ExtraFieldsIncluded.as_str();
    #[doc = concat!("`", "VALUES_TRIMMED", "`: see [`FindingCode::ValuesTrimmed`].")]
    pub const VALUES_TRIMMED: &str = FindingCode::ValuesTrimmed.as_str();
    #[doc = concat!("`", "VALUES_URL_ENCODED", "`: see [`FindingCode::ValuesUrlEncoded`].")]
    pub const VALUES_URL_ENCODED: &str = FindingCode::ValuesUrlEncoded.as_str();
    #[doc = concat!("`", "XML_ESCAPED_VALUES", "`: see [`FindingCode::XmlEscapedValues`].")]
    pub const XML_ESCAPED_VALUES: &str = FindingCode::XmlEscapedValues.as_str();
    #[doc = concat!("`", "CDATA_IN_VALUE", "`: see [`FindingCode::CdataInValue`].")]
    pub const CDATA_IN_VALUE: &str = FindingCode::CdataInValue.as_str();
    #[doc = concat!("`", "PACKAGE_PREFIX_MISSING", "`: see [`FindingCode::PackagePrefixMissing`].")]
    pub const PACKAGE_PREFIX_MISSING: &str = FindingCode::PackagePrefixMissing.as_str();
    #[doc = concat!("`", "KEY_CASE", "`: see [`FindingCode::KeyCase`].")]
    pub const KEY_CASE: &str = FindingCode::KeyCase.as_str();
    #[doc = concat!("`", "LOCALE_SORT", "`: see [`FindingCode::LocaleSort`].")]
    pub const LOCALE_SORT: &str = FindingCode::LocaleSort.as_str();
    #[doc = concat!("`", "NOT_SORTED", "`: see [`FindingCode::NotSorted`].")]
    pub const NOT_SORTED: &str = FindingCode::NotSorted.as_str();
    #[doc = concat!("`", "KEY_SORTED_AS_PARAM", "`: see [`FindingCode::KeySortedAsParam`].")]
    pub const KEY_SORTED_AS_PARAM: &str = FindingCode::KeySortedAsParam.as_str();
    #[doc = concat!("`", "APP_SECRET_AS_KEY", "`: see [`FindingCode::AppSecretAsKey`].")]
    pub const APP_SECRET_AS_KEY: &str = FindingCode::AppSecretAsKey.as_str();
    #[doc = concat!("`", "KEY_NOT_32_BYTES", "`: see [`FindingCode::KeyNot32Bytes`].")]
    pub const KEY_NOT_32_BYTES: &str = FindingCode::KeyNot32Bytes.as_str();
    #[doc = concat!("`", "API_KEY_CASE", "`: see [`FindingCode::ApiKeyCase`].")]
    pub const API_KEY_CASE: &str = FindingCode::ApiKeyCase.as_str();
    #[doc = concat!("`", "KEY_SUFFIX_MISSING", "`: see [`FindingCode::KeySuffixMissing`].")]
    pub const KEY_SUFFIX_MISSING: &str = FindingCode::KeySuffixMissing.as_str();
    #[doc = concat!("`", "KEY_SUFFIX_MALFORMED", "`: see [`FindingCode::KeySuffixMalformed`].")]
    pub const KEY_SUFFIX_MALFORMED: &str = FindingCode::KeySuffixMalformed.as_str();
    #[doc = concat!("`", "ORDER_SIGN_REUSED_AS_PAYSIGN", "`: see [`FindingCode::OrderSignReusedAsPaySign`].")]
    pub const ORDER_SIGN_REUSED_AS_PAYSIGN: &str = FindingCode::OrderSignReusedAsPaySign.as_str();
    #[doc = concat!("`", "MISSING_SIGN", "`: see [`FindingCode::MissingSign`].")]
    pub const MISSING_SIGN: &str = FindingCode::MissingSign.as_str();
    #[doc = concat!("`", "MALFORMED_SIGN", "`: see [`FindingCode::MalformedSign`].")]
    pub const MALFORMED_SIGN: &str = FindingCode::MalformedSign.as_str();
    #[doc = concat!("`", "SIGN_TYPE_MISMATCH", "`: see [`FindingCode::SignTypeMismatch`].")]
    pub const SIGN_TYPE_MISMATCH: &str = FindingCode::SignTypeMismatch.as_str();
    #[doc = concat!("`", "UNSUPPORTED_SIGN_TYPE", "`: see [`FindingCode::UnsupportedSignType`].")]
    pub const UNSUPPORTED_SIGN_TYPE: &str = FindingCode::UnsupportedSignType.as_str();
    #[doc = concat!("`", "PAYSIGN_FIELD_MISSING", "`: see [`FindingCode::PaySignFieldMissing`].")]
    pub const PAYSIGN_FIELD_MISSING: &str = FindingCode::PaySignFieldMissing.as_str();
    #[doc = concat!("`", "WRONG_KEY", "`: see [`FindingCode::WrongKey`].")]
    pub const WRONG_KEY: &str = FindingCode::WrongKey.as_str();
    #[doc = concat!("`", "SEARCH_TRUNCATED", "`: see [`FindingCode::SearchTruncated`].")]
    pub const SEARCH_TRUNCATED: &str = FindingCode::SearchTruncated.as_str();
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for FindingCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Reads as its text, so code written when [`Finding::code`] was a
/// `&'static str` (`f.code.is_empty()`, `&*f.code`) keeps working.
impl core::ops::Deref for FindingCode {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for FindingCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for FindingCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<FindingCode> for &str {
    fn eq(&self, other: &FindingCode) -> bool {
        *self == other.as_str()
    }
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
/// `Debug` shows the AppSecret as its fingerprint, never its text.
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
            .field("app_secret", &self.app_secret.map(fingerprint))
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
    /// The finding's code ([`FindingCode::as_str`] for its stable text).
    pub code: FindingCode,
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
    pub related: Vec<FindingCode>,
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
    /// The finding with `code` (its text, e.g. `"WRONG_KEY"` or
    /// [`code::WRONG_KEY`]), if any.
    #[must_use]
    pub fn finding(&self, code: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code.as_str() == code)
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
