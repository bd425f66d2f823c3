//! Input: the parameters as entries (for paySign, the five fields under their
//! canonical names), the sign type WeChat checks with, and the keys to try.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::claim::{Claim, ClaimError, decode_claim};
use super::finding::SignKind;
use super::mistakes::{Entry, EntryKind, KeyCand, KeyKind, PAY_FIELDS};
use crate::key::fingerprint;
use crate::{ApiKey, SignType};

/// paySign when `package` is `prepay_id=…` or a `paySign` field is present,
/// unless the caller forced a kind.
pub(super) fn detect_kind(all: &[(&str, &str)], forced: Option<SignKind>) -> SignKind {
    forced.unwrap_or_else(|| {
        let pay = all
            .iter()
            .any(|(k, v)| (*k == "package" && v.starts_with("prepay_id=")) || *k == "paySign");
        if pay {
            SignKind::PaySign
        } else {
            SignKind::Api
        }
    })
}

/// The parameters as the doctor sees them.
pub(super) struct Input<'a> {
    pub(super) entries: Vec<Entry<'a>>,
    /// paySign: `(canonical, given)` names of fields found under an alias.
    pub(super) aliased: Vec<(&'a str, &'a str)>,
    /// paySign: canonical names of fields not found at all.
    pub(super) missing: Vec<&'a str>,
}

pub(super) fn collect<'a>(
    all: &[(&'a str, &'a str)],
    kind: SignKind,
    app_id: Option<&'a str>,
) -> Input<'a> {
    let mut entries: Vec<Entry<'a>> = Vec::with_capacity(all.len() + 1);
    let mut aliased: Vec<(&'a str, &'a str)> = Vec::new();
    let mut missing: Vec<&'a str> = Vec::new();
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
                    None => match (canon, app_id) {
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
    Input {
        entries,
        aliased,
        missing,
    }
}

/// The sign type WeChat checks with, and what each source of it says.
pub(super) struct SignTypeChoice<'a> {
    /// `sign_type` (API) or `signType` (paySign).
    pub(super) field_name: &'static str,
    /// The sign-type field's non-empty value, if any.
    pub(super) field_value: Option<&'a str>,
    /// That value parsed.
    pub(super) field: Option<SignType>,
    /// The claimed sign, decoded.
    pub(super) claim: Result<Claim, ClaimError>,
    /// The type the claimed sign's form implies.
    pub(super) claim_type: Option<SignType>,
    /// The caller's type, else the field's, else the claim's, else MD5.
    pub(super) sign_type: SignType,
}

pub(super) fn choose_sign_type<'a>(
    entries: &[Entry<'a>],
    kind: SignKind,
    claimed_sign: &str,
    given: Option<SignType>,
) -> SignTypeChoice<'a> {
    let field_name = match kind {
        SignKind::Api => "sign_type",
        SignKind::PaySign => "signType",
    };
    let field_value = entries
        .iter()
        .find(|e| e.is_sign_type && e.kind == EntryKind::Signed)
        .map(|e| e.value)
        .filter(|v| !v.is_empty());
    let field: Option<SignType> = field_value.and_then(|v| v.parse().ok());
    let claim = decode_claim(claimed_sign);
    let claim_type = match &claim {
        Ok(c) => Some(c.sign_type()),
        Err(_) => SignType::from_sign_len(claimed_sign.trim()),
    };
    let sign_type = given.or(field).or(claim_type).unwrap_or(SignType::Md5);
    SignTypeChoice {
        field_name,
        field_value,
        field,
        claim,
        claim_type,
        sign_type,
    }
}

/// The keys to replay with: the given one, the AppSecret, and the given one
/// with the usual damage (whitespace, quotes, case).
pub(super) fn key_candidates(key: &ApiKey, app_secret: Option<&str>) -> Vec<KeyCand> {
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
        push(String::from(s), fingerprint(s), KeyKind::AppSecret);
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
        push(String::from(t), fingerprint(t), KeyKind::Trimmed);
    }
    for (text, kind) in [
        (k.to_ascii_uppercase(), KeyKind::Upper),
        (k.to_ascii_lowercase(), KeyKind::Lower),
    ] {
        let m = fingerprint(&text);
        push(text, m, kind);
    }
    v
}
