//! Input: the claimed sign, decoded into its form and digest (hex of either
//! case, base64, with or without surrounding whitespace).

use alloc::format;
use alloc::string::String;

use base64::Engine as _;

use crate::SignType;
// ---------------------------------------------------------------------------
// The claimed sign.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    UpperHex,
    LowerHex,
    MixedHex,
    Base64,
}

pub(super) struct Claim {
    pub(super) bytes: [u8; 32],
    pub(super) len: usize,
    pub(super) form: Form,
    pub(super) whitespace: bool,
}

impl Claim {
    pub(super) fn digest(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    /// The type whose digest has this length.
    pub(super) fn sign_type(&self) -> SignType {
        if self.len == 16 {
            SignType::Md5
        } else {
            SignType::HmacSha256
        }
    }
}

pub(super) enum ClaimError {
    Missing,
    Malformed(String),
}

pub(super) fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

pub(super) fn decode_claim(raw: &str) -> Result<Claim, ClaimError> {
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
