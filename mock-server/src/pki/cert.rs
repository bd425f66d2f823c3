//! Certificate building blocks shared by the two CAs: a CA stored with its
//! key in one 0600 file of the mock home, serials, validity, subjects, PEM,
//! and the crypto provider (ring).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rcgen::{CertificateParams, DistinguishedName, DnType, Issuer, KeyPair, SerialNumber};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

use super::error::PkiError;
use super::home::{Publish, SECRET, read_optional, write_file};

/// The ring crypto provider, passed explicitly so nothing depends on a
/// process-wide default (which would be ambiguous if another crate in the
/// build enabled aws-lc-rs).
pub(super) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// A CA whose certificate and key live in one 0600 PEM file of the home.
pub(super) struct StoredCa {
    pub(super) cert_der: CertificateDer<'static>,
    pub(super) cert_pem: String,
    pub(super) issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for StoredCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("StoredCa").finish_non_exhaustive()
    }
}

/// A random positive 16-byte serial.
pub(super) fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    fastrand::fill(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::from_slice(&bytes)
}

/// Validity from a day ago (clock skew) for `days`.
pub(super) fn validity(params: &mut CertificateParams, days: i64) {
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(days);
}

/// Loads the CA bundle at `bundle`, or generates one with `params` and
/// stores it (first writer wins when two processes start at once).
/// `expect` checks a loaded certificate is the kind this file must hold.
pub(super) fn load_or_create(
    bundle: &Path,
    params: impl FnOnce() -> CertificateParams,
    expect: impl Fn(&x509_parser::certificate::X509Certificate<'_>) -> Result<(), String>,
) -> Result<StoredCa, PkiError> {
    if let Some(bytes) = read_optional(bundle)? {
        return parse_bundle(bundle, &bytes, &expect);
    }
    let key = KeyPair::generate().map_err(PkiError::crypto)?;
    let params = params();
    let cert = params.self_signed(&key).map_err(PkiError::crypto)?;
    let text = format!("{}{}", key.serialize_pem(), cert.pem());
    if write_file(bundle, text.as_bytes(), SECRET, Publish::IfAbsent)? {
        Ok(StoredCa {
            cert_der: cert.der().clone(),
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    } else {
        // Another process created it first: use theirs.
        let bytes = read_optional(bundle)?.unwrap_or_default();
        parse_bundle(bundle, &bytes, &expect)
    }
}

fn parse_bundle(
    path: &Path,
    bytes: &[u8],
    expect: &dyn Fn(&x509_parser::certificate::X509Certificate<'_>) -> Result<(), String>,
) -> Result<StoredCa, PkiError> {
    let bad = |reason: &str| PkiError::damaged(path, reason);
    let key_der = PrivateKeyDer::from_pem_slice(bytes)
        .map_err(|_| bad("no readable PEM private key in it"))?;
    let PrivateKeyDer::Pkcs8(pkcs8) = key_der else {
        return Err(bad("its private key is not PKCS#8"));
    };
    let cert_der = CertificateDer::from_pem_slice(bytes)
        .map_err(|_| bad("no readable PEM certificate in it"))?;
    let key = KeyPair::try_from(&pkcs8).map_err(|e| bad(&format!("its private key: {e}")))?;
    let (_, x509) = x509_parser::parse_x509_certificate(&cert_der)
        .map_err(|e| bad(&format!("its certificate does not parse: {e}")))?;
    if !x509.is_ca() {
        return Err(bad("its certificate is not a CA"));
    }
    if x509.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        return Err(bad("its private key does not belong to its certificate"));
    }
    expect(&x509).map_err(|r| bad(&r))?;
    let issuer = Issuer::from_ca_cert_der(&cert_der, key)
        .map_err(|e| bad(&format!("its certificate cannot issue: {e}")))?;
    let cert_pem = pem_cert(&cert_der);
    Ok(StoredCa {
        cert_der: cert_der.clone().into_owned(),
        cert_pem,
        issuer,
    })
}

/// PEM text of a DER certificate.
pub(super) fn pem_cert(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// `prefix` and a random 8-hex-digit installation tag.
pub(super) fn tagged_cn(prefix: &str) -> String {
    format!("{prefix} {:08x}", fastrand::u32(..))
}

/// The CA subject: a tagged CN, O = wxpay-mock, OU saying what it is.
pub(super) fn ca_dn(cn_prefix: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, tagged_cn(cn_prefix));
    dn.push(DnType::OrganizationName, "wxpay-mock");
    dn.push(
        DnType::OrganizationalUnitName,
        "generated for this installation only",
    );
    dn
}

/// Whether a parsed certificate's CN is `prefix` plus a tag.
pub(super) fn cn_has_prefix(
    x509: &x509_parser::certificate::X509Certificate<'_>,
    prefix: &str,
) -> bool {
    x509.subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .any(|cn| cn.strip_prefix(prefix).is_some_and(|t| t.starts_with(' ')))
}

/// The subject CN of a parsed certificate.
pub(super) fn cert_cn(cert: &x509_parser::certificate::X509Certificate<'_>) -> Option<String> {
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
}
