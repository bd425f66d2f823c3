//! Refund-notify `req_info`: AES-256-ECB with PKCS#7 padding, base64.
//!
//! The AES key is the **lowercase hex MD5 of the API key**: its 32 ASCII
//! characters are the 32 key bytes. Refund notifies carry no `sign`: their
//! authenticity rests on this encryption.

use alloc::string::String;
use alloc::vec::Vec;

use aes::Aes256;
use aes::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};

use crate::xml::{self, DecodeOptions};
use crate::{ApiKey, Error, ParamMap, ReqInfoError};

/// The AES-256 key for `req_info`: lowercase hex MD5 of the API key, as bytes.
#[must_use]
pub fn aes_key(key: &ApiKey) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let d = Md5::digest(key.expose().as_bytes());
    let mut out = [0u8; 32];
    for (i, b) in d.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0x0f)];
    }
    out
}

fn cipher(key: &ApiKey) -> Aes256 {
    let k = aes_key(key);
    Aes256::new(&Array::from(k))
}

/// Decrypts `req_info` to its plaintext XML (`<root>…</root>`).
///
/// # Errors
/// [`ReqInfoError::Base64`], [`ReqInfoError::Length`], or
/// [`ReqInfoError::Padding`]/[`ReqInfoError::Utf8`] (almost always a
/// wrong key), wrapped in [`Error::ReqInfo`].
pub fn decrypt(req_info: &str, key: &ApiKey) -> Result<String, Error> {
    let mut data = STANDARD
        .decode(req_info.trim_ascii())
        .map_err(|_| ReqInfoError::Base64)?;
    if data.is_empty() || data.len() % 16 != 0 {
        return Err(ReqInfoError::Length.into());
    }
    let c = cipher(key);
    for chunk in data.chunks_exact_mut(16) {
        let block: &mut Array<u8, _> = chunk.try_into().map_err(|_| ReqInfoError::Length)?;
        c.decrypt_block(block);
    }
    let pad = usize::from(*data.last().unwrap_or(&0));
    if pad == 0
        || pad > 16
        || pad > data.len()
        || !data[data.len() - pad..]
            .iter()
            .all(|&b| usize::from(b) == pad)
    {
        return Err(ReqInfoError::Padding.into());
    }
    data.truncate(data.len() - pad);
    String::from_utf8(data).map_err(|_| ReqInfoError::Utf8.into())
}

/// Encrypts a plaintext (normally `<root>…</root>`) into `req_info`.
#[must_use]
pub fn encrypt(plaintext: &str, key: &ApiKey) -> String {
    let pad = 16 - plaintext.len() % 16;
    let mut data: Vec<u8> = Vec::with_capacity(plaintext.len() + pad);
    data.extend_from_slice(plaintext.as_bytes());
    // `pad` is 1..=16, so it fits in a byte.
    data.resize(plaintext.len() + pad, pad as u8);
    let c = cipher(key);
    for chunk in data.chunks_exact_mut(16) {
        if let Ok(block) = <&mut Array<u8, _>>::try_from(chunk) {
            c.encrypt_block(block);
        }
    }
    STANDARD.encode(&data)
}

/// Decrypts `req_info` and decodes its `<root>` plaintext into fields.
///
/// # Errors
/// As [`decrypt`], or [`Error::Xml`] when the plaintext is not valid.
pub fn decrypt_fields(req_info: &str, key: &ApiKey) -> Result<ParamMap, Error> {
    let plain = decrypt(req_info, key)?;
    let opts = DecodeOptions {
        roots: &["root", "xml"],
        ..DecodeOptions::default()
    };
    Ok(xml::decode_with(plain.as_bytes(), &opts)?.to_param_map())
}

/// Encodes fields under `<root>` and encrypts them into `req_info`.
///
/// # Errors
/// [`Error::Xml`] for a field name the codec cannot write.
pub fn encrypt_fields<P: crate::Params + ?Sized>(
    fields: &P,
    key: &ApiKey,
) -> Result<String, Error> {
    Ok(encrypt(&xml::encode_root("root", fields)?, key))
}
