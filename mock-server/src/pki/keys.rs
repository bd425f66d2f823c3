//! What `wxpay-mock keys --out DIR` writes.

use std::path::{Path, PathBuf};

use super::ca::TlsCa;
use super::error::{PkiError, check_mch_id};
use super::home::{PUBLIC, Publish, SECRET, create_dir, write_file};
use super::merchant::MerchantCa;

/// A merchant whose files `keys` writes.
#[derive(Debug, Clone, Copy)]
pub struct KeysMerchant<'a> {
    /// The mini program / official account AppID.
    pub appid: &'a str,
    /// The merchant id (directory name, certificate CN, p12 password).
    pub mch_id: &'a str,
    /// The v2 API key (signs v2 requests). Secret.
    pub api_key: &'a str,
}

/// Writes `out/ca.pem` (the TLS CA certificate to trust) and, per merchant,
/// `out/<mch_id>/` with `apiclient_cert.pem`, `apiclient_key.pem`,
/// `apiclient_cert.p12` (password = mch_id) and `merchant.json`
/// (`appid`, `mch_id`, `api_key` (v2), and `v3`: `null` until the mock
/// speaks API v3). Secret files get mode 0600. Existing files are
/// replaced. Returns the paths written, `ca.pem` first.
///
/// # Errors
/// A bad mch_id (checked for all merchants before anything is written), an
/// unwritable `out`, or as [`MerchantCa::merchant`].
pub fn write_keys(
    out: &Path,
    tls_ca: &TlsCa,
    merchant_ca: &MerchantCa,
    merchants: &[KeysMerchant<'_>],
) -> Result<Vec<PathBuf>, PkiError> {
    for m in merchants {
        check_mch_id(m.mch_id)?;
    }
    create_dir(out)?;
    let mut written = Vec::new();
    let ca = out.join("ca.pem");
    write_file(&ca, tls_ca.cert_pem().as_bytes(), PUBLIC, Publish::Replace)?;
    written.push(ca);
    for m in merchants {
        let cert = merchant_ca.merchant(m.mch_id)?;
        let dir = out.join(m.mch_id);
        let json = merchant_json(m);
        let files: [(&str, &[u8], u32); 4] = [
            ("apiclient_cert.pem", cert.cert_pem.as_bytes(), PUBLIC),
            ("apiclient_key.pem", cert.key_pem.as_bytes(), SECRET),
            ("apiclient_cert.p12", &cert.p12, SECRET),
            ("merchant.json", json.as_bytes(), SECRET),
        ];
        for (name, bytes, mode) in files {
            let path = dir.join(name);
            write_file(&path, bytes, mode, Publish::Replace)?;
            written.push(path);
        }
    }
    Ok(written)
}

fn merchant_json(m: &KeysMerchant<'_>) -> String {
    let doc = serde_json::json!({
        "appid": m.appid,
        "mch_id": m.mch_id,
        "api_key": m.api_key,
        "apiclient_cert_p12_password": m.mch_id,
        // API v3 material (APIv3 key, certificate serial, platform
        // certificate or public key) goes here once the mock speaks v3.
        "v3": serde_json::Value::Null,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
