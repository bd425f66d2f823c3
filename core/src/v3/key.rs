//! RSA keys from PEM: the merchant private key (PKCS#8 or PKCS#1) and the
//! verification keys (SPKI public key, PKCS#1 public key, or the public key
//! inside an X.509 certificate together with its serial number).
//!
//! Source: WeChat Pay v3 "签名生成" / "证书和回调报文解密" (pay.weixin.qq.com
//! wiki/doc/apiv3/wechatpay/wechatpay4_0.shtml, wechatpay5_1): the merchant key
//! is `apiclient_key.pem` (PKCS#8), certificate serials are written in
//! uppercase hex, keys are RSA ≥ 2048 bits.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use sha2::Sha256;

use super::error::{V3Error, clip};

/// The smallest modulus WeChat Pay v3 accepts.
pub const MIN_BITS: usize = 2048;

/// One PEM block: its label and decoded DER.
pub(crate) struct Pem {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
}

/// Parse the first PEM block of `text`.
pub(crate) fn parse_pem(text: &str) -> Result<Pem, V3Error> {
    const BEGIN: &str = "-----BEGIN ";
    let start = text.find(BEGIN).ok_or(V3Error::PemMalformed)?;
    let rest = &text[start + BEGIN.len()..];
    let label_end = rest.find("-----").ok_or(V3Error::PemMalformed)?;
    let label = &rest[..label_end];
    if label.is_empty() || label.len() > 64 || label.contains('\n') {
        return Err(V3Error::PemMalformed);
    }
    let body_and_end = &rest[label_end + 5..];
    let end_marker_pos = body_and_end
        .find("-----END ")
        .ok_or(V3Error::PemMalformed)?;
    let after_end = &body_and_end[end_marker_pos + 9..];
    if !after_end.starts_with(label) || !after_end[label.len()..].starts_with("-----") {
        return Err(V3Error::PemMalformed);
    }
    let body: String = body_and_end[..end_marker_pos]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if body.is_empty() {
        return Err(V3Error::PemMalformed);
    }
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| V3Error::PemMalformed)?;
    Ok(Pem {
        label: String::from(label),
        der,
    })
}

fn check_bits(bits: usize) -> Result<(), V3Error> {
    if bits < MIN_BITS {
        Err(V3Error::KeyTooSmall { bits })
    } else {
        Ok(())
    }
}

/// The merchant's API private key (`apiclient_key.pem`): signs requests and
/// the v3 paySign.
///
/// **It never belongs in a Mini Program or any other client**: whoever holds
/// it can sign requests as the merchant. Sign on the merchant's server.
/// `Debug` prints only the key size.
#[derive(Clone)]
pub struct MerchantKey {
    key: rsa::PrivateKey,
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MerchantKey {{ bits: {}, .. }}", self.bits())
    }
}

impl MerchantKey {
    /// Load a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, what the WeChat
    /// certificate tool writes) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// [`V3Error::PemMalformed`], [`V3Error::CertificateNotKey`] for a
    /// certificate, [`V3Error::UnsupportedPemLabel`] (encrypted or non-RSA
    /// keys, public keys), [`V3Error::KeyMalformed`], [`V3Error::KeyTooSmall`].
    pub fn from_pem(pem: &str) -> Result<Self, V3Error> {
        let block = parse_pem(pem)?;
        let key =
            match block.label.as_str() {
                "PRIVATE KEY" => rsa::PrivateKey::from_pkcs8_der(&block.der)
                    .map_err(|_| V3Error::KeyMalformed)?,
                "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&block.der)
                    .map_err(|_| V3Error::KeyMalformed)?,
                "CERTIFICATE" => return Err(V3Error::CertificateNotKey),
                other => return Err(V3Error::UnsupportedPemLabel(clip(other))),
            };
        check_bits(key.size() * 8)?;
        Ok(Self { key })
    }

    /// The modulus size in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.key.size() * 8
    }

    /// SHA256withRSA (PKCS#1 v1.5) over `message`, base64 (standard, padded).
    /// Deterministic: the same key and message always give the same text.
    ///
    /// # Errors
    /// [`V3Error::SigningFailed`] if the RSA private operation fails.
    pub fn sign(&self, message: &[u8]) -> Result<String, V3Error> {
        let sig = self
            .key
            .pkcs1v15_sign::<Sha256>(message)
            .map_err(|_| V3Error::SigningFailed)?;
        Ok(STANDARD.encode(sig))
    }

    /// The public half, without a serial (attach one with
    /// [`VerifyKey::with_serial`]).
    #[must_use]
    pub fn public_key(&self) -> VerifyKey {
        VerifyKey {
            key: self.key.to_public_key(),
            serial: None,
        }
    }

    /// RSA-OAEP (SHA-1, MGF1-SHA-1, empty label) decryption of a base64
    /// ciphertext, as WeChat encrypts sensitive fields for the merchant.
    ///
    /// # Errors
    /// [`V3Error::CiphertextBase64`], [`V3Error::OaepDecrypt`],
    /// [`V3Error::ResourceUtf8`].
    pub fn oaep_decrypt(&self, ciphertext_b64: &str) -> Result<String, V3Error> {
        let ct = STANDARD
            .decode(ciphertext_b64.as_bytes())
            .map_err(|_| V3Error::CiphertextBase64)?;
        let pt = self
            .key
            .decrypt(rsa::Oaep::<sha1::Sha1>::new(), &ct)
            .map_err(|_| V3Error::OaepDecrypt)?;
        String::from_utf8(pt).map_err(|_| V3Error::ResourceUtf8)
    }
}

/// A key that verifies signatures: WeChat's platform certificate or WeChat
/// Pay public key (for answers and notifies), or the merchant's certificate
/// (for the mock, which verifies requests). Carries the serial it is known
/// by: the certificate serial in uppercase hex, or `PUB_KEY_ID_…`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyKey {
    key: rsa::PublicKey,
    serial: Option<String>,
}

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyKey")
            .field("bits", &self.bits())
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl VerifyKey {
    /// Load a public key (`BEGIN PUBLIC KEY` SPKI, or `BEGIN RSA PUBLIC KEY`)
    /// or an X.509 certificate (`BEGIN CERTIFICATE`), whose serial number is
    /// kept in WeChat's uppercase hex.
    ///
    /// # Errors
    /// [`V3Error::PemMalformed`], [`V3Error::PrivateKeyNotPublic`],
    /// [`V3Error::UnsupportedPemLabel`], [`V3Error::KeyMalformed`],
    /// [`V3Error::CertificateMalformed`], [`V3Error::KeyTooSmall`].
    pub fn from_pem(pem: &str) -> Result<Self, V3Error> {
        let block = parse_pem(pem)?;
        let (key, serial) = match block.label.as_str() {
            "PUBLIC KEY" => (
                rsa::PublicKey::from_public_key_der(&block.der)
                    .map_err(|_| V3Error::KeyMalformed)?,
                None,
            ),
            "RSA PUBLIC KEY" => (
                rsa::PublicKey::from_pkcs1_der(&block.der).map_err(|_| V3Error::KeyMalformed)?,
                None,
            ),
            "CERTIFICATE" => {
                let (serial, spki) = certificate_serial_and_spki(&block.der)?;
                let key =
                    rsa::PublicKey::from_public_key_der(spki).map_err(|_| V3Error::KeyMalformed)?;
                (key, Some(serial))
            }
            "PRIVATE KEY" | "RSA PRIVATE KEY" => return Err(V3Error::PrivateKeyNotPublic),
            other => return Err(V3Error::UnsupportedPemLabel(clip(other))),
        };
        check_bits(key.size() * 8)?;
        Ok(Self { key, serial })
    }

    /// The same key known by `serial` (e.g. `PUB_KEY_ID_…` for a WeChat Pay
    /// public key, which has no certificate).
    #[must_use]
    pub fn with_serial(mut self, serial: &str) -> Self {
        self.serial = Some(String::from(serial));
        self
    }

    /// The serial this key is known by, if any.
    #[must_use]
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }

    /// The modulus size in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.key.size() * 8
    }

    /// Verify a base64 SHA256withRSA signature over `message`.
    ///
    /// # Errors
    /// [`V3Error::SignatureBase64`], [`V3Error::SignatureLength`],
    /// [`V3Error::SignatureMismatch`].
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> Result<(), V3Error> {
        let sig = STANDARD
            .decode(signature_b64.as_bytes())
            .map_err(|_| V3Error::SignatureBase64)?;
        self.verify_raw(message, &sig)
    }

    /// Verify raw signature bytes (the doctor tries other decodings).
    pub(crate) fn verify_raw(&self, message: &[u8], sig: &[u8]) -> Result<(), V3Error> {
        let expected = self.key.size();
        if sig.len() != expected {
            return Err(V3Error::SignatureLength {
                len: sig.len(),
                expected,
            });
        }
        self.key
            .pkcs1v15_verify::<Sha256>(message, sig)
            .map_err(|_| V3Error::SignatureMismatch)
    }

    /// RSA-OAEP (SHA-1, MGF1-SHA-1, empty label) encryption of a sensitive
    /// field, base64, with the operating system's RNG. WeChat requires the
    /// request header `Wechatpay-Serial` to name this key.
    ///
    /// # Errors
    /// [`V3Error::OaepEncrypt`] if the plaintext is too long (214 bytes for
    /// RSA-2048) or the RNG fails.
    #[cfg(feature = "std")]
    pub fn oaep_encrypt(&self, plaintext: &[u8]) -> Result<String, V3Error> {
        let ct = self
            .key
            .oaep_encrypt::<sha1::Sha1>(plaintext)
            .map_err(|_| V3Error::OaepEncrypt)?;
        Ok(STANDARD.encode(ct))
    }

    /// [`VerifyKey::oaep_encrypt`] with a caller-supplied RNG (for `no_std`).
    ///
    /// # Errors
    /// [`V3Error::OaepEncrypt`] if the plaintext is too long or the RNG fails.
    pub fn oaep_encrypt_with_rng<R: rsa::rand_core::TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        plaintext: &[u8],
    ) -> Result<String, V3Error> {
        let ct = self
            .key
            .oaep_encrypt_with_rng::<sha1::Sha1, R>(rng, plaintext)
            .map_err(|_| V3Error::OaepEncrypt)?;
        Ok(STANDARD.encode(ct))
    }
}

/// One DER TLV: (tag, content, total length).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], usize)> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*input.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    let content = input.get(hdr..end)?;
    Some((tag, content, end))
}

/// Walk `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?,
/// serialNumber INTEGER, signature, issuer, validity, subject,
/// subjectPublicKeyInfo, … }, … }` (RFC 5280 §4.1) to the serial (uppercase
/// hex, without the sign byte) and the SPKI's DER.
pub(crate) fn certificate_serial_and_spki(der: &[u8]) -> Result<(String, &[u8]), V3Error> {
    let bad = V3Error::CertificateMalformed;
    let (tag, cert, _) = der_tlv(der).ok_or(bad.clone())?;
    if tag != 0x30 {
        return Err(bad);
    }
    let (tag, tbs, _) = der_tlv(cert).ok_or(bad.clone())?;
    if tag != 0x30 {
        return Err(bad);
    }
    let mut rest = tbs;
    let (mut tag, mut content, mut used) = der_tlv(rest).ok_or(bad.clone())?;
    if tag == 0xa0 {
        rest = &rest[used..];
        (tag, content, used) = der_tlv(rest).ok_or(bad.clone())?;
    }
    if tag != 0x02 || content.is_empty() {
        return Err(bad);
    }
    let mut serial_bytes = content;
    while serial_bytes.len() > 1 && serial_bytes[0] == 0 {
        serial_bytes = &serial_bytes[1..];
    }
    let mut serial = String::with_capacity(serial_bytes.len() * 2);
    for b in serial_bytes {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        serial.push(char::from(HEX[usize::from(b >> 4)]));
        serial.push(char::from(HEX[usize::from(b & 15)]));
    }
    rest = &rest[used..];
    // signature, issuer, validity, subject
    for _ in 0..4 {
        let (tag, _, used) = der_tlv(rest).ok_or(bad.clone())?;
        if tag != 0x30 {
            return Err(bad);
        }
        rest = &rest[used..];
    }
    let (tag, _, used) = der_tlv(rest).ok_or(bad.clone())?;
    if tag != 0x30 {
        return Err(bad);
    }
    Ok((serial, &rest[..used]))
}
