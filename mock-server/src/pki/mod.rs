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
mod cert;
mod env;
mod error;
mod home;
mod hosts;
mod keys;
mod merchant;
mod proxy;
mod tls;

pub use self::ca::{SniLeaves, TlsCa};
pub use self::env::{Shell, env_text};
pub use self::error::PkiError;
pub use self::home::{HOME_ENV, MockHome};
pub use self::hosts::{Host, TLS_CA_PERMITTED_DNS, WECHAT_HOSTS};
pub use self::keys::{KeysMerchant, write_keys};
pub use self::merchant::{MERCHANT_CERT_ORG, MerchantCa, MerchantCert};
pub use self::proxy::{Refusal, proxy_target_allowed};
pub use self::tls::{
    DEFAULT_HANDSHAKE_TIMEOUT, HandshakeError, TlsTerminator, VerifiedClient, server_config,
    stream_client, verified_client,
};
