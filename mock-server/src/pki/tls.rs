//! The rustls server configuration, the handshake helper, and the verified
//! client certificate of a connection.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::CertificateDer;
use rustls::server::{ResolvesServerCert, WebPkiClientVerifier};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::cert::{cert_cn, provider};
use super::error::PkiError;
use super::merchant::MerchantCa;

/// A rustls server configuration (TLS 1.2 and 1.3, ALPN `http/1.1`) whose
/// certificates come from `leaves` (the mock's `SniLeaves`).
///
/// With `client_ca`, the server asks for a client certificate and verifies
/// one when presented against the merchant CA, but also accepts
/// connections without one (`allow_unauthenticated`): the handler decides,
/// so `/secapi/*` can answer WeChat's way while other paths work
/// certificate-free. A certificate that does not verify (another CA,
/// expired) is refused at the handshake (rustls sends a fatal alert).
///
/// # Errors
/// A verifier rustls refuses to build.
pub fn server_config(
    leaves: Arc<dyn ResolvesServerCert>,
    client_ca: Option<&MerchantCa>,
) -> Result<Arc<ServerConfig>, PkiError> {
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(PkiError::crypto)?;
    let builder = match client_ca {
        Some(ca) => {
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(ca.roots()?), provider)
                    .allow_unauthenticated()
                    .build()
                    .map_err(PkiError::crypto)?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(leaves);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The client certificate a connection presented and rustls verified
/// against the merchant CA: what the wiring puts into request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClient {
    /// The certificate's subject CN: the merchant's mch_id.
    pub mch_id: String,
}

/// The verified client certificate among a connection's `peer_certs`
/// (`ServerConnection::peer_certificates()`), if any.
///
/// Only meaningful for a server built by [`server_config`] with a
/// `client_ca`: rustls then only completes a handshake whose presented
/// certificate chains to that CA, so the end-entity certificate here is
/// verified. `None` when no certificate was presented, or its CN is absent.
pub fn verified_client(peer_certs: Option<&[CertificateDer<'_>]>) -> Option<VerifiedClient> {
    let leaf = peer_certs?.first()?;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf).ok()?;
    cert_cn(&cert).map(|mch_id| VerifiedClient { mch_id })
}

/// Handshake timeout of [`TlsTerminator::new`]'s default.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a TLS handshake did not complete.
#[derive(Debug)]
pub enum HandshakeError {
    /// The peer did not finish within the timeout (slow or silent client).
    TimedOut(Duration),
    /// The handshake failed: not TLS, no common version or cipher, a client
    /// certificate that does not verify, the peer closed.
    Failed(std::io::Error),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TimedOut(t) => write!(f, "TLS handshake timed out after {t:?}"),
            Self::Failed(e) => write!(f, "TLS handshake failed: {e}"),
        }
    }
}

impl std::error::Error for HandshakeError {}

/// Terminates TLS on accepted connections (the TLS port's, or the tunnel
/// of a CONNECT).
#[derive(Clone)]
pub struct TlsTerminator {
    acceptor: TlsAcceptor,
    timeout: Duration,
}

impl fmt::Debug for TlsTerminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTerminator")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl TlsTerminator {
    /// A terminator for `config` with [`DEFAULT_HANDSHAKE_TIMEOUT`].
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self::with_timeout(config, DEFAULT_HANDSHAKE_TIMEOUT)
    }

    /// A terminator with its own handshake timeout.
    pub fn with_timeout(config: Arc<ServerConfig>, timeout: Duration) -> Self {
        Self {
            acceptor: TlsAcceptor::from(config),
            timeout,
        }
    }

    /// Runs the server side of the handshake on `io`.
    ///
    /// # Errors
    /// [`HandshakeError`]: a timeout or a failed handshake; `io` is dropped.
    pub async fn accept<IO>(&self, io: IO) -> Result<TlsStream<IO>, HandshakeError>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        match tokio::time::timeout(self.timeout, self.acceptor.accept(io)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(HandshakeError::Failed(e)),
            Err(_) => Err(HandshakeError::TimedOut(self.timeout)),
        }
    }
}

/// The verified client of an accepted stream (see [`verified_client`]).
pub fn stream_client<IO>(stream: &TlsStream<IO>) -> Option<VerifiedClient> {
    verified_client(stream.get_ref().1.peer_certificates())
}
