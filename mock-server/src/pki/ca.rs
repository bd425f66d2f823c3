//! The per-installation TLS CA and its leaves (the TLS port's, and one per
//! SNI name for the proxy).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::cert::{
    StoredCa, ca_dn, cn_has_prefix, load_or_create, provider, random_serial, validity,
};
use super::error::PkiError;
use super::home::{MockHome, PUBLIC, Publish, read_optional, write_file};
use super::hosts::{TLS_CA_PERMITTED_DNS, WECHAT_HOSTS};

/// Common name of the TLS CA (shown by clients and trust stores), followed
/// by a random tag so two installations' CAs are told apart.
const TLS_CA_CN: &str = "wxpay-mock local CA";

/// The per-installation TLS CA: signs the leaves of the TLS port and of the
/// proxy. Name-constrained to [`TLS_CA_PERMITTED_DNS`] and 127.0.0.1/32.
#[derive(Debug)]
pub struct TlsCa {
    ca: StoredCa,
    ca_pem_path: PathBuf,
}

impl TlsCa {
    /// Loads the CA from `home` (`tls-ca.pem`), generating it on first use,
    /// and (re)writes `home/ca.pem`, the certificate clients trust.
    ///
    /// # Errors
    /// A file that cannot be written, or a `tls-ca.pem` that is damaged or
    /// not this mock's name-constrained CA ([`PkiError::Damaged`] names it).
    pub fn load_or_create(home: &MockHome) -> Result<Self, PkiError> {
        let bundle = home.path("tls-ca.pem");
        let ca = load_or_create(&bundle, tls_ca_params, check_tls_ca)?;
        let ca_pem_path = home.path("ca.pem");
        if read_optional(&ca_pem_path)?.as_deref() != Some(ca.cert_pem.as_bytes()) {
            write_file(
                &ca_pem_path,
                ca.cert_pem.as_bytes(),
                PUBLIC,
                Publish::Replace,
            )?;
        }
        Ok(Self { ca, ca_pem_path })
    }

    /// The CA certificate, PEM (what `ca.pem` holds).
    pub fn cert_pem(&self) -> &str {
        &self.ca.cert_pem
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.ca.cert_der
    }

    /// `home/ca.pem`.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem_path
    }

    /// Issues a fresh server leaf (ECDSA P-256, one year) for `names` (DNS
    /// names or IP addresses), ready for rustls. The CA signs any name
    /// asked, but clients refuse names outside its constraints.
    ///
    /// # Errors
    /// An empty list, or a name rcgen cannot encode.
    pub fn issue_leaf(&self, names: &[&str]) -> Result<Arc<CertifiedKey>, PkiError> {
        let Some(first) = names.first() else {
            return Err(PkiError::Crypto("a leaf needs at least one name".into()));
        };
        let key = KeyPair::generate().map_err(PkiError::crypto)?;
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .map_err(PkiError::crypto)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, *first);
        dn.push(DnType::OrganizationName, "wxpay-mock");
        params.distinguished_name = dn;
        params.serial_number = Some(random_serial());
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, 365);
        let cert = params
            .signed_by(&key, &self.ca.issuer)
            .map_err(PkiError::crypto)?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let ck = CertifiedKey::from_der(vec![cert.der().clone()], key_der, &provider())
            .map_err(PkiError::crypto)?;
        Ok(Arc::new(ck))
    }

    /// The TLS port's leaf: localhost, 127.0.0.1 and [`WECHAT_HOSTS`].
    ///
    /// # Errors
    /// As [`TlsCa::issue_leaf`].
    pub fn server_leaf(&self) -> Result<Arc<CertifiedKey>, PkiError> {
        let mut names = vec!["localhost", "127.0.0.1"];
        names.extend(WECHAT_HOSTS);
        self.issue_leaf(&names)
    }
}

fn tls_ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = ca_dn(TLS_CA_CN);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let mut permitted: Vec<GeneralSubtree> = TLS_CA_PERMITTED_DNS
        .iter()
        .map(|d| GeneralSubtree::DnsName((*d).to_owned()))
        .collect();
    permitted.push(GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        32,
    )));
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: Vec::new(),
    });
    params.serial_number = Some(random_serial());
    validity(&mut params, 3650);
    params
}

/// A loaded `tls-ca.pem` must carry exactly our permitted subtrees: a CA
/// that could sign any name must never be served as the mock's.
fn check_tls_ca(x509: &x509_parser::certificate::X509Certificate<'_>) -> Result<(), String> {
    use x509_parser::extensions::GeneralName;
    if !cn_has_prefix(x509, TLS_CA_CN) {
        return Err("its certificate is not the mock's TLS CA".into());
    }
    let nc = x509
        .name_constraints()
        .map_err(|e| format!("its name constraints do not parse: {e}"))?
        .ok_or("its CA has no name constraints (not the mock's CA)")?;
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    for s in nc.value.permitted_subtrees.iter().flatten() {
        match &s.base {
            GeneralName::DNSName(d) => dns.push(d.to_string()),
            GeneralName::IPAddress(b) => ips.push(b.to_vec()),
            _ => return Err("its name constraints hold an unexpected kind of name".into()),
        }
    }
    dns.sort();
    let mut want: Vec<String> = TLS_CA_PERMITTED_DNS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    want.sort();
    if dns != want || ips != [vec![127, 0, 0, 1, 255, 255, 255, 255]] {
        return Err("its name constraints differ from the mock's".into());
    }
    if nc.value.excluded_subtrees.is_some() {
        return Err("its name constraints differ from the mock's".into());
    }
    Ok(())
}

/// rustls certificate resolver for the TLS port and the proxy: a leaf per
/// SNI name the CA may vouch for (cached), the TLS port's leaf otherwise
/// (no SNI: an IP address; or a name not served, which the client will
/// then refuse as a name mismatch).
#[derive(Debug)]
pub struct SniLeaves {
    ca: Arc<TlsCa>,
    default: Arc<CertifiedKey>,
    cache: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl SniLeaves {
    /// A resolver over `ca`, issuing the default leaf now.
    ///
    /// # Errors
    /// As [`TlsCa::server_leaf`].
    pub fn new(ca: Arc<TlsCa>) -> Result<Self, PkiError> {
        let default = ca.server_leaf()?;
        Ok(Self {
            ca,
            default,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The leaf for `sni` (issued at most once per name).
    pub fn leaf_for(&self, sni: Option<&str>) -> Arc<CertifiedKey> {
        let Some(name) = sni
            .map(str::to_ascii_lowercase)
            .filter(|n| TLS_CA_PERMITTED_DNS.contains(&n.as_str()))
        else {
            return self.default.clone();
        };
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(leaf) = cache.get(&name) {
            return leaf.clone();
        }
        match self.ca.issue_leaf(&[&name]) {
            Ok(leaf) => {
                cache.insert(name, leaf.clone());
                leaf
            }
            Err(_) => self.default.clone(),
        }
    }
}

impl ResolvesServerCert for SniLeaves {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.leaf_for(hello.server_name()))
    }
}
