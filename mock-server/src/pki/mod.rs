//! Certificates and TLS for the mock: the per-installation TLS CA and its
//! leaves, the merchant CA and merchants' API client certificates
//! (`apiclient_cert.pem` / `apiclient_key.pem` / `apiclient_cert.p12`), the
//! rustls server configuration with optional client certificates, the TLS
//! handshake helper, the CONNECT-target policy of the proxy, and the content
//! of `wxpay-mock keys` and `wxpay-mock env`.
//!
//! This module owns the mock home directory's key material and nothing else:
//! it depends on crates only (no other module of the mock), so the transport
//! layer can build on it. It opens no socket and makes no outbound
//! connection.
//!
//! Why a CA per installation: trusting a CA lets it vouch for any name it may
//! sign. A CA shipped in a repository would have a public key, so anyone could
//! impersonate the hosts it covers for everyone who trusts it. Generated on
//! first use, its key never leaves the mock home (mode 0600, never printed),
//! and it is name-constrained (RFC 5280 §4.2.1.10, permitted subtrees) to
//! [`TLS_CA_PERMITTED_DNS`] and 127.0.0.1/32, so even a leaked key cannot be
//! used for any other site by a client that enforces name constraints
//! (rustls/webpki, OpenSSL, Go, Java, browsers).
//!
//! Sources: protocol-v3 notes §D (WeChat's hosts, mutual TLS for `/secapi/*`,
//! `apiclient_cert.p12` whose password is the mch_id, a real certificate's
//! subject `CN=<mch_id>, O=微信商户系统`).

mod ca;
mod env;
mod home;
mod keys;
mod merchant;
mod proxy;
mod tls;

use std::fmt;
use std::path::PathBuf;

pub use self::ca::{SniLeaves, TlsCa};
pub use self::env::{Shell, env_text};
pub use self::home::{HOME_ENV, MockHome};
pub use self::keys::{KeysMerchant, write_keys};
pub use self::merchant::{MERCHANT_CERT_ORG, MerchantCa, MerchantCert};
pub use self::proxy::{Host, Refusal, proxy_target_allowed};
pub use self::tls::{
    DEFAULT_HANDSHAKE_TIMEOUT, HandshakeError, TlsTerminator, VerifiedClient, server_config,
    stream_client, verified_client,
};

/// WeChat's API hosts the mock serves (over the TLS port and through the
/// proxy): the v2/v3 pay host, its backup domain (wechatpay-java fails over
/// to it), and the mini-program host of `jscode2session`.
pub const WECHAT_HOSTS: [&str; 3] = [
    "api.mch.weixin.qq.com",
    "api2.mch.weixin.qq.com",
    "api.weixin.qq.com",
];

/// DNS names of the TLS CA's permitted subtrees: [`WECHAT_HOSTS`] and
/// `localhost` (plus the IP subtree 127.0.0.1/32).
pub const TLS_CA_PERMITTED_DNS: [&str; 4] = [
    "api.mch.weixin.qq.com",
    "api2.mch.weixin.qq.com",
    "api.weixin.qq.com",
    "localhost",
];

/// Why certificate material could not be made, loaded or written.
#[derive(Debug)]
pub enum PkiError {
    /// A file could not be read, created or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A stored file is not what the mock wrote there (damaged, edited, or
    /// from another program).
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A mch_id that cannot name a merchant's directory.
    BadMchId(String),
    /// Certificate generation or TLS setup failed (a library error).
    Crypto(String),
    /// No home directory could be found for the default mock home.
    NoHome,
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Damaged { path, reason } => write!(
                f,
                "{}: {reason}. This file is written by wxpay-mock; remove it to have a new one \
                 generated (clients must then trust the new ca.pem / use the new merchant \
                 certificates), or restore the original.",
                path.display()
            ),
            Self::BadMchId(id) => write!(
                f,
                "mch_id {id:?} cannot name a certificate directory: use 1 to 32 ASCII letters, \
                 digits, '-' or '_' (WeChat's are 10 digits)"
            ),
            Self::Crypto(msg) => write!(f, "certificate or TLS setup failed: {msg}"),
            Self::NoHome => write!(
                f,
                "no mock home: set {HOME_ENV} (or --home), XDG_DATA_HOME or HOME"
            ),
        }
    }
}

impl std::error::Error for PkiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl PkiError {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    fn damaged(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Damaged {
            path: path.into(),
            reason: reason.into(),
        }
    }

    fn crypto(e: impl fmt::Display) -> Self {
        Self::Crypto(e.to_string())
    }
}

/// Checks that `mch_id` is usable as a directory name and a CN.
fn check_mch_id(mch_id: &str) -> Result<(), PkiError> {
    let ok = (1..=32).contains(&mch_id.len())
        && mch_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(PkiError::BadMchId(mch_id.to_owned()))
    }
}
