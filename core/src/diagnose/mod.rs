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
//! (and the AppSecret) as its fingerprint (`sha256:4ad1bc7c`, the first 4
//! bytes of its SHA-256: no character of the key, see
//! [`ApiKey::fingerprint`]), and any occurrence of either inside a parameter
//! is replaced the same way (for keys of at least 4 bytes; shorter
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
//!     Some("appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=sha256:4ad1bc7c")
//! );
//! assert!(!format!("{d:?}").contains("192006250b4c09247ec02edce69f6a2d"));
//! ```

//!
//! # Layout, by phase
//!
//! - `finding`: the public answer (the [`FindingCode`] enum, [`Finding`],
//!   [`Diagnosis`], [`DiagnoseOptions`]);
//! - input: `claim` (the claimed sign decoded) and `input` (the parameters
//!   as entries, the sign type, the keys to try);
//! - replay: `mistakes` (the catalogue and its transforms), `doctor` (builds
//!   the string a variant signs) and `search` (the bounded search);
//! - findings: `explain` (the words of each replayed mistake) and `advice`
//!   (hints that need no replay);
//! - report: `redact` (no string shows a secret), assembled by [`diagnose`].

use alloc::string::String;
use alloc::vec::Vec;

use crate::paysign::pay_sign_of;
use crate::{ApiKey, Params, Sign, SignType, sign, string_to_sign_masked};

mod advice;
mod claim;
mod doctor;
mod explain;
mod finding;
mod input;
mod mistakes;
mod redact;
mod search;

pub use finding::{
    DEFAULT_MAX_VARIANTS, DEFAULT_MAX_WORK_BYTES, DiagnoseOptions, Diagnosis, Finding, FindingCode,
    SignKind, code,
};

use doctor::Doctor;
use mistakes::{Entry, EntryKind};

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
    // Input.
    let all: Vec<(&str, &str)> = params.pairs().collect();
    let kind = input::detect_kind(&all, opts.kind);
    let mut inp = input::collect(&all, kind, opts.app_id);
    let st = input::choose_sign_type(&inp.entries, kind, claimed_sign, opts.sign_type);
    let sign_type = st.sign_type;

    // The correct sign and string.
    let (expected_sign, masked) = correct(params, &inp.entries, key, kind, sign_type);
    let ok = expected_sign.ct_eq_str(claimed_sign);

    // Replay.
    let doctor = Doctor::new(
        kind,
        core::mem::take(&mut inp.entries),
        sign_type,
        key,
        opts.app_secret,
    );
    let replay = search::replay(&doctor, &st.claim, claimed_sign, &expected_sign, ok, opts);

    // Findings: confirmed first, then advisories.
    let mut advisories = replay.advisories;
    let facts = advice::Facts {
        doctor: &doctor,
        input: &inp,
        st: &st,
        key,
        claimed_sign,
        opts,
        ok,
        complete: replay.complete,
    };
    advice::advise(&facts, &replay.confirmed, &mut advisories);
    let mut findings = replay.confirmed;
    findings.extend(advisories);

    // Report, redacted.
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
        variants_tried: replay.tried,
        search_complete: replay.complete,
    }
}

/// The sign under the correct rules and the string it signs, key masked.
fn correct<P: Params + ?Sized>(
    params: &P,
    entries: &[Entry<'_>],
    key: &ApiKey,
    kind: SignKind,
    sign_type: SignType,
) -> (Sign, String) {
    match kind {
        SignKind::Api => (
            sign(params, key, sign_type),
            string_to_sign_masked(params, key),
        ),
        SignKind::PaySign => {
            let pairs: Vec<(&str, &str)> = entries
                .iter()
                .filter(|e| e.kind == EntryKind::Signed)
                .map(|e| (e.name, e.value))
                .collect();
            let s = match pay_sign_of(&pairs, key) {
                Ok((s, t)) if t == sign_type => s,
                _ => sign(&pairs, key, sign_type),
            };
            (s, string_to_sign_masked(&pairs, key))
        }
    }
}
