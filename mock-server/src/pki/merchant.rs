//! The merchant CA and merchants' API client certificates (v2 mutual TLS).
//!
//! WeChat issues each merchant an `apiclient_cert.p12` whose password is the
//! mch_id, with `CN=<mch_id>` and `O=微信商户系统` (protocol-v3 notes §D, a real
//! certificate's subject). The mock issues the same shape from its own
//! merchant CA (kept apart from the TLS CA: trusting the TLS CA must not let
//! a client certificate pass, and the reverse). Keys are RSA 2048 like
//! WeChat's, generated once per merchant (pure Rust, slow in debug builds)
//! and kept in the mock home.

use std::path::{Path, PathBuf};

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose, SubjectPublicKeyInfo,
};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::cert::{
    StoredCa, ca_dn, cert_cn, cn_has_prefix, load_or_create, pem_cert, random_serial, validity,
};
use super::error::{PkiError, check_mch_id};
use super::home::{MockHome, PUBLIC, Publish, SECRET, read_optional, write_file};

/// The organisation in WeChat's merchant certificates' subject.
pub const MERCHANT_CERT_ORG: &str = "微信商户系统";
const MERCHANT_CA_CN: &str = "wxpay-mock merchant CA";
/// RSA modulus size of merchant keys (WeChat's are RSA 2048).
const RSA_BITS: usize = 2048;
/// Merchant certificates last five years, as WeChat's do; reissued (same
/// key) when fewer than 30 days remain.
const CERT_DAYS: i64 = 5 * 365;
const RENEW_MARGIN_SECS: i64 = 30 * 86_400;

/// The CA that signs merchants' API client certificates; the TLS server
/// verifies client certificates against it.
#[derive(Debug)]
pub struct MerchantCa {
    ca: StoredCa,
    home: MockHome,
}

/// One merchant's API client certificate, as files WeChat hands out.
#[derive(Clone)]
pub struct MerchantCert {
    /// The merchant (also the certificate's CN and the p12 password).
    pub mch_id: String,
    /// `apiclient_cert.pem`.
    pub cert_pem: String,
    /// `apiclient_key.pem` (PKCS#8, RSA 2048). Secret.
    pub key_pem: String,
    /// `apiclient_cert.p12` (PKCS#12: key + certificate + merchant CA,
    /// password = mch_id, PBES2 AES-256-CBC, HMAC-SHA256 MAC). Secret.
    pub p12: Vec<u8>,
    /// The certificate, DER.
    pub cert_der: CertificateDer<'static>,
    /// Where the three files are kept in the mock home.
    pub dir: PathBuf,
}

impl std::fmt::Debug for MerchantCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantCert")
            .field("mch_id", &self.mch_id)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl MerchantCa {
    /// Loads the merchant CA from `home` (`merchant-ca.pem`), generating it
    /// on first use.
    ///
    /// # Errors
    /// A file that cannot be written, or a damaged `merchant-ca.pem`.
    pub fn load_or_create(home: &MockHome) -> Result<Self, PkiError> {
        let ca = load_or_create(&home.path("merchant-ca.pem"), merchant_ca_params, |x| {
            if cn_has_prefix(x, MERCHANT_CA_CN) {
                Ok(())
            } else {
                Err("its certificate is not the mock's merchant CA".into())
            }
        })?;
        Ok(Self {
            ca,
            home: home.clone(),
        })
    }

    /// The merchant CA certificate, DER.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.ca.cert_der
    }

    /// The merchant CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.ca.cert_pem
    }

    /// Trust roots for the TLS server's client-certificate verifier.
    ///
    /// # Errors
    /// Never for a CA this type loaded; kept for rustls' fallible API.
    pub fn roots(&self) -> Result<RootCertStore, PkiError> {
        let mut roots = RootCertStore::empty();
        roots
            .add(self.ca.cert_der.clone())
            .map_err(PkiError::crypto)?;
        Ok(roots)
    }

    /// The merchant's certificate files: read from the mock home, or made
    /// on first use (an RSA 2048 key, then the certificate and p12). A
    /// certificate that no longer fits (another CA, near expiry, another
    /// key) is reissued with the same key.
    ///
    /// # Errors
    /// A bad mch_id, an unwritable home, a damaged key file.
    pub fn merchant(&self, mch_id: &str) -> Result<MerchantCert, PkiError> {
        check_mch_id(mch_id)?;
        let dir = self.home.merchant_dir(mch_id);
        let key_path = dir.join("apiclient_key.pem");
        let cert_path = dir.join("apiclient_cert.pem");
        let p12_path = dir.join("apiclient_cert.p12");

        let (key, key_pem) = load_or_make_key(&key_path)?;
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(PkiError::crypto)?;

        let existing = read_optional(&cert_path)?
            .and_then(|b| CertificateDer::from_pem_slice(&b).ok())
            .filter(|der| self.still_fits(der, mch_id, spki.as_bytes()));
        let (cert_der, fresh) = match existing {
            Some(der) => (der, false),
            None => (self.issue(mch_id, spki.as_bytes())?, true),
        };
        let cert_pem = pem_cert(&cert_der);
        if fresh {
            write_file(&cert_path, cert_pem.as_bytes(), PUBLIC, Publish::Replace)?;
        }
        let p12 = match read_optional(&p12_path)? {
            Some(p12) if !fresh => p12,
            _ => {
                let key_der = key.to_pkcs8_der().map_err(PkiError::crypto)?;
                let p12 = make_p12(mch_id, key_der.as_bytes(), &cert_der, &self.ca.cert_der)?;
                write_file(&p12_path, &p12, SECRET, Publish::Replace)?;
                p12
            }
        };
        Ok(MerchantCert {
            mch_id: mch_id.to_owned(),
            cert_pem,
            key_pem,
            p12,
            cert_der,
            dir,
        })
    }

    fn still_fits(&self, der: &[u8], mch_id: &str, spki: &[u8]) -> bool {
        let Ok((_, ca)) = x509_parser::parse_x509_certificate(&self.ca.cert_der) else {
            return false;
        };
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            return false;
        };
        let renew_after = time::OffsetDateTime::now_utc().unix_timestamp() + RENEW_MARGIN_SECS;
        cert.verify_signature(Some(ca.public_key())).is_ok()
            && cert.public_key().raw == spki
            && cert.validity().not_after.timestamp() > renew_after
            && cert_cn(&cert).as_deref() == Some(mch_id)
    }

    fn issue(&self, mch_id: &str, spki: &[u8]) -> Result<CertificateDer<'static>, PkiError> {
        let public = SubjectPublicKeyInfo::from_der(spki).map_err(PkiError::crypto)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, mch_id);
        dn.push(DnType::OrganizationName, MERCHANT_CERT_ORG);
        dn.push(DnType::CountryName, "CN");
        params.distinguished_name = dn;
        params.serial_number = Some(random_serial());
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, CERT_DAYS);
        let cert = params
            .signed_by(&public, &self.ca.issuer)
            .map_err(PkiError::crypto)?;
        Ok(cert.der().clone())
    }
}

fn merchant_ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = ca_dn(MERCHANT_CA_CN);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.serial_number = Some(random_serial());
    validity(&mut params, 3650);
    params
}

fn load_or_make_key(path: &Path) -> Result<(rsa::PrivateKey, String), PkiError> {
    if let Some(bytes) = read_optional(path)? {
        return parse_key(path, &bytes);
    }
    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, RSA_BITS).map_err(PkiError::crypto)?;
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(PkiError::crypto)?;
    if write_file(path, pem.as_bytes(), SECRET, Publish::IfAbsent)? {
        Ok((key, pem.to_string()))
    } else {
        let bytes = read_optional(path)?.unwrap_or_default();
        parse_key(path, &bytes)
    }
}

fn parse_key(path: &Path, bytes: &[u8]) -> Result<(rsa::PrivateKey, String), PkiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| PkiError::damaged(path, "it is not a PEM text file"))?;
    let key = rsa::PrivateKey::from_pkcs8_pem(text)
        .map_err(|e| PkiError::damaged(path, format!("not a PKCS#8 RSA private key ({e})")))?;
    Ok((key, text.to_owned()))
}

fn make_p12(
    mch_id: &str,
    key_pkcs8: &[u8],
    cert: &CertificateDer<'_>,
    ca: &CertificateDer<'_>,
) -> Result<Vec<u8>, PkiError> {
    let key = PrivateKey::from_der(key_pkcs8).map_err(PkiError::crypto)?;
    let chain = vec![
        Certificate::from_der(cert).map_err(PkiError::crypto)?,
        Certificate::from_der(ca).map_err(PkiError::crypto)?,
    ];
    let mut store = KeyStore::new();
    store.add_entry(
        mch_id,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(mch_id.as_bytes(), key, chain)),
    );
    store.writer(mch_id).write().map_err(PkiError::crypto)
}
