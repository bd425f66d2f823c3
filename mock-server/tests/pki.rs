//! The mock's certificates and TLS pieces, through their public API and real
//! clients (rustls, curl, openssl, Python's cryptography): the name-
//! constrained per-installation CA, leaves per SNI, optional merchant client
//! certificates, the p12 files, the CONNECT policy and the `env` text.
//! Loopback only.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::ResolvesServerCert;
use rustls::sign::SingleCertAndKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use wxpay_mock::pki::{
    self, HandshakeError, Host, KeysMerchant, MerchantCa, MerchantCert, MockHome, Refusal, Shell,
    SniLeaves, TlsCa, TlsTerminator, VerifiedClient,
};

const MCH: &str = "1900000109";

/// A fresh directory under Cargo's temp dir for integration tests.
fn temp_home(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "wxpay-pki-test-{}-{name}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

struct Shared {
    home: MockHome,
    tls: Arc<TlsCa>,
    merchant_ca: MerchantCa,
    merchant: MerchantCert,
}

/// One home whose merchant (an RSA 2048 key) is made once for all tests.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let home = MockHome::at(temp_home("shared"));
        let tls = Arc::new(TlsCa::load_or_create(&home).unwrap());
        let merchant_ca = MerchantCa::load_or_create(&home).unwrap();
        let t = Instant::now();
        let merchant = merchant_ca.merchant(MCH).unwrap();
        eprintln!("merchant key + certificate + p12 made in {:?}", t.elapsed());
        Shared {
            home,
            tls,
            merchant_ca,
            merchant,
        }
    })
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_builder(
    trust: &[CertificateDer<'static>],
) -> rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert> {
    let mut roots = rustls::RootCertStore::empty();
    for c in trust {
        roots.add(c.clone()).unwrap();
    }
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
}

fn merchant_identity(m: &MerchantCert) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    (
        vec![m.cert_der.clone()],
        PrivateKeyDer::from_pem_slice(m.key_pem.as_bytes()).unwrap(),
    )
}

/// A TLS server on 127.0.0.1:0 for one connection: reports the handshake
/// outcome (the verified client, if any) and answers "hello".
async fn one_shot(
    config: Arc<rustls::ServerConfig>,
) -> (
    u16,
    tokio::task::JoinHandle<Result<Option<VerifiedClient>, HandshakeError>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let term = TlsTerminator::with_timeout(config, Duration::from_secs(5));
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = term.accept(tcp).await?;
        let who = pki::stream_client(&tls);
        let mut buf = [0u8; 5];
        let _ = tls.read_exact(&mut buf).await;
        let _ = tls.write_all(b"hello").await;
        let _ = tls.shutdown().await;
        Ok(who)
    });
    (port, task)
}

/// Connects with `client` to SNI `name` and exchanges "ping"/"hello".
async fn connect(
    port: u16,
    client: ClientConfig,
    name: &str,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let server_name = ServerName::try_from(name.to_owned()).unwrap();
    let mut tls = TlsConnector::from(Arc::new(client))
        .connect(server_name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    tls.write_all(b"ping!").await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    tls.read_to_end(&mut buf).await.map_err(|e| e.to_string())?;
    if buf != b"hello" {
        return Err(format!("server answered {buf:?}"));
    }
    Ok(tls.get_ref().1.peer_certificates().unwrap().to_vec())
}

fn mock_config(with_client_auth: bool) -> Arc<rustls::ServerConfig> {
    let s = shared();
    let leaves: Arc<dyn ResolvesServerCert> = Arc::new(SniLeaves::new(s.tls.clone()).unwrap());
    pki::server_config(leaves, with_client_auth.then_some(&s.merchant_ca)).unwrap()
}

fn dns_sans(der: &[u8]) -> Vec<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    let san = cert.subject_alternative_name().unwrap().unwrap();
    san.value
        .general_names
        .iter()
        .map(|g| g.to_string())
        .collect()
}

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[test]
fn the_home_is_the_one_given() {
    let home = MockHome::resolve(Some(PathBuf::from("/srv/mock-home"))).unwrap();
    assert_eq!(home.root(), Path::new("/srv/mock-home"));
    assert_eq!(pki::HOME_ENV, "WXPAY_MOCK_HOME");
    assert!(pki::PkiError::NoHome.to_string().contains(pki::HOME_ENV));
}

#[test]
fn ca_is_created_once_with_a_0600_key_and_reused() {
    let root = temp_home("once");
    let home = MockHome::at(&root);
    let first = TlsCa::load_or_create(&home).unwrap();
    let bundle = root.join("tls-ca.pem");
    assert_eq!(mode(&bundle), 0o600, "the CA key file");
    assert_eq!(mode(&root), 0o700, "the mock home");
    assert_eq!(mode(&root.join("ca.pem")), 0o644);
    assert_eq!(
        std::fs::read_to_string(root.join("ca.pem")).unwrap(),
        first.cert_pem()
    );
    assert!(
        std::fs::read_to_string(&bundle)
            .unwrap()
            .contains("PRIVATE KEY")
    );
    // Never printed: neither Debug nor the public PEM holds the key.
    assert!(!format!("{first:?}").contains("PRIVATE"));
    assert!(!first.cert_pem().contains("PRIVATE"));

    let again = TlsCa::load_or_create(&home).unwrap();
    assert_eq!(again.cert_pem(), first.cert_pem(), "the same CA is reused");
    // A leaf from the reloaded CA verifies under the first one's certificate.
    let leaf = again.issue_leaf(&["localhost"]).unwrap();
    let out = openssl_verify(first.cert_pem(), &pem(&leaf.cert[0]), "localhost");
    assert!(out.0, "{}", out.1);

    // ca.pem removed by hand: rewritten from the CA, not a new CA.
    std::fs::remove_file(root.join("ca.pem")).unwrap();
    let third = TlsCa::load_or_create(&home).unwrap();
    assert_eq!(third.cert_pem(), first.cert_pem());
    assert_eq!(
        std::fs::read_to_string(root.join("ca.pem")).unwrap(),
        first.cert_pem()
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_damaged_or_foreign_ca_file_is_a_clear_error() {
    let root = temp_home("damaged");
    let home = MockHome::at(&root);
    std::fs::create_dir_all(&root).unwrap();
    let bundle = root.join("tls-ca.pem");
    std::fs::write(&bundle, "not a pem file\n").unwrap();
    let err = TlsCa::load_or_create(&home).unwrap_err().to_string();
    assert!(err.contains(&bundle.display().to_string()), "{err}");
    assert!(err.contains("no readable PEM private key"), "{err}");
    assert!(err.contains("remove it"), "{err}");

    // The merchant CA's file (a CA without name constraints) is refused as
    // the TLS CA: it could vouch for any host.
    let merchant = MerchantCa::load_or_create(&home).unwrap();
    let _ = merchant;
    std::fs::copy(root.join("merchant-ca.pem"), &bundle).unwrap();
    let err = TlsCa::load_or_create(&home).unwrap_err().to_string();
    assert!(err.contains("not the mock's TLS CA"), "{err}");

    // A key that is not the certificate's.
    let tls_home = MockHome::at(root.join("other"));
    TlsCa::load_or_create(&tls_home).unwrap();
    let ours = std::fs::read_to_string(root.join("other/tls-ca.pem")).unwrap();
    let theirs = std::fs::read_to_string(root.join("merchant-ca.pem")).unwrap();
    let key_end = "-----END PRIVATE KEY-----\n";
    let mixed = format!(
        "{}{}",
        &theirs[..theirs.find(key_end).unwrap() + key_end.len()],
        &ours[ours.find(key_end).unwrap() + key_end.len()..]
    );
    std::fs::write(&bundle, mixed).unwrap();
    let err = TlsCa::load_or_create(&home).unwrap_err().to_string();
    assert!(err.contains("does not belong to its certificate"), "{err}");
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn the_ca_is_name_constrained() {
    let s = shared();
    let (_, ca) = x509_parser::parse_x509_certificate(s.tls.cert_der()).unwrap();
    let nc = ca.name_constraints().unwrap().expect("name constraints");
    assert!(nc.critical, "name constraints must be critical");
    let permitted: Vec<String> = nc
        .value
        .permitted_subtrees
        .as_ref()
        .unwrap()
        .iter()
        .map(|s| format!("{:?}", s.base))
        .collect();
    assert_eq!(permitted.len(), 5, "{permitted:?}");

    let text = openssl(&["x509", "-noout", "-text"], s.tls.cert_pem().as_bytes());
    for want in [
        "X509v3 Name Constraints: critical",
        "Permitted:",
        "DNS:api.mch.weixin.qq.com",
        "DNS:api2.mch.weixin.qq.com",
        "DNS:api.weixin.qq.com",
        "DNS:localhost",
        "IP:127.0.0.1/255.255.255.255",
        "CA:TRUE",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

#[test]
fn a_leaf_for_another_name_cannot_verify() {
    let s = shared();
    // The CA signs anything asked, but no client accepts it outside its
    // permitted subtrees.
    let leaf = s.tls.issue_leaf(&["example.com"]).unwrap();
    let (ok, out) = openssl_verify(s.tls.cert_pem(), &pem(&leaf.cert[0]), "example.com");
    assert!(!ok, "{out}");
    assert!(out.contains("permitted subtree violation"), "{out}");
    // A subdomain of a permitted host is inside the subtree (RFC 5280), but
    // its sibling is not.
    let leaf = s.tls.issue_leaf(&["evil.weixin.qq.com"]).unwrap();
    let (ok, out) = openssl_verify(s.tls.cert_pem(), &pem(&leaf.cert[0]), "evil.weixin.qq.com");
    assert!(!ok, "{out}");

    // And rustls refuses it in a handshake.
    let rt = runtime();
    rt.block_on(async {
        let leaf = s.tls.issue_leaf(&["example.com"]).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(SingleCertAndKey::from(leaf)));
        let (port, server) = one_shot(Arc::new(config)).await;
        let client = client_builder(&[s.tls.cert_der().clone()]).with_no_client_auth();
        let err = connect(port, client, "example.com").await.unwrap_err();
        assert!(err.to_lowercase().contains("name"), "{err}");
        assert!(server.await.unwrap().is_err());
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn handshakes_for_localhost_the_ip_and_wechat_hosts() {
    let s = shared();
    let rt = runtime();
    rt.block_on(async {
        for (name, want_sans) in [
            ("localhost", vec!["DNSName(localhost)"]),
            (
                "api.mch.weixin.qq.com",
                vec!["DNSName(api.mch.weixin.qq.com)"],
            ),
            ("API.WEIXIN.QQ.COM", vec!["DNSName(api.weixin.qq.com)"]),
            (
                "127.0.0.1",
                vec![
                    "DNSName(localhost)",
                    "IPAddress(7f:00:00:01)",
                    "DNSName(api.mch.weixin.qq.com)",
                    "DNSName(api2.mch.weixin.qq.com)",
                    "DNSName(api.weixin.qq.com)",
                ],
            ),
        ] {
            let (port, server) = one_shot(mock_config(true)).await;
            let client = client_builder(&[s.tls.cert_der().clone()]).with_no_client_auth();
            let chain = connect(port, client, name)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            // Per-SNI leaf for a served name; the TLS port's leaf for an IP.
            let sans: Vec<String> = dns_sans(&chain[0]);
            let want: Vec<String> = want_sans.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(sans, want, "{name}");
            // No client certificate: still connected, no verified client.
            assert_eq!(server.await.unwrap().unwrap(), None, "{name}");
        }
    });
}

#[test]
fn a_client_trusting_nothing_fails() {
    let rt = runtime();
    rt.block_on(async {
        let (port, server) = one_shot(mock_config(false)).await;
        let client = client_builder(&[]).with_no_client_auth();
        let err = connect(port, client, "localhost").await.unwrap_err();
        assert!(err.contains("UnknownIssuer"), "{err}");
        assert!(server.await.unwrap().is_err());
    });
}

#[test]
fn a_merchant_certificate_yields_its_mch_id() {
    let s = shared();
    let rt = runtime();
    rt.block_on(async {
        let (port, server) = one_shot(mock_config(true)).await;
        let (chain, key) = merchant_identity(&s.merchant);
        let client = client_builder(&[s.tls.cert_der().clone()])
            .with_client_auth_cert(chain, key)
            .unwrap();
        connect(port, client, "api.mch.weixin.qq.com")
            .await
            .unwrap();
        let who = server.await.unwrap().unwrap();
        assert_eq!(
            who,
            Some(VerifiedClient {
                mch_id: MCH.to_owned()
            })
        );
    });
}

#[test]
fn a_client_certificate_from_another_ca_is_refused_at_the_handshake() {
    let s = shared();
    let rt = runtime();
    rt.block_on(async {
        // Another installation's merchant CA, same mch_id and same key: the
        // CN alone proves nothing.
        let other_home = MockHome::at(temp_home("other-ca"));
        let other_ca = MerchantCa::load_or_create(&other_home).unwrap();
        let dir = other_home.root().join("merchants").join(MCH);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("apiclient_key.pem"), &s.merchant.key_pem).unwrap();
        let foreign = other_ca.merchant(MCH).unwrap();
        assert_ne!(foreign.cert_der, s.merchant.cert_der);

        let (port, server) = one_shot(mock_config(true)).await;
        let (chain, key) = merchant_identity(&foreign);
        let client = client_builder(&[s.tls.cert_der().clone()])
            .with_client_auth_cert(chain, key)
            .unwrap();
        let _ = connect(port, client, "localhost").await;
        let err = server.await.unwrap().unwrap_err();
        assert!(matches!(err, HandshakeError::Failed(_)), "{err}");
        // Each installation's CA has its own subject, so the chain does not
        // even reach a signature check.
        assert!(err.to_string().contains("UnknownIssuer"), "{err}");
        let _ = std::fs::remove_dir_all(other_home.root());
    });
}

#[test]
fn an_expired_client_certificate_is_refused_at_the_handshake() {
    let s = shared();
    // Sign an expired certificate with the mock's own merchant CA (its key
    // is in the home): right CA, right CN, out of date.
    let bundle = std::fs::read_to_string(s.home.root().join("merchant-ca.pem")).unwrap();
    let ca_key = rcgen::KeyPair::from_pem(&bundle).unwrap();
    let issuer = rcgen::Issuer::from_ca_cert_pem(s.merchant_ca.cert_pem(), ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, MCH);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).unwrap();
    let rt = runtime();
    rt.block_on(async {
        let (port, server) = one_shot(mock_config(true)).await;
        let client = client_builder(&[s.tls.cert_der().clone()])
            .with_client_auth_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap();
        let _ = connect(port, client, "localhost").await;
        let err = server.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("certificate expired"), "{err}");
    });
}

#[test]
fn a_silent_client_times_out() {
    let rt = runtime();
    rt.block_on(async {
        let term = TlsTerminator::with_timeout(mock_config(false), Duration::from_millis(200));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).await.unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let err = term.accept(tcp).await.unwrap_err();
        assert!(matches!(err, HandshakeError::TimedOut(_)), "{err}");

        // Garbage instead of a ClientHello: a failure, not a hang.
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let err = term.accept(tcp).await.unwrap_err();
        assert!(matches!(err, HandshakeError::Failed(_)), "{err}");
    });
}

/// A tiny HTTPS server answering "ok" to `n` connections.
async fn tiny_https(
    config: Arc<rustls::ServerConfig>,
    n: usize,
) -> (u16, tokio::task::JoinHandle<Vec<Option<VerifiedClient>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let term = TlsTerminator::new(config);
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..n {
            let (tcp, _) = listener.accept().await.unwrap();
            let Ok(mut tls) = term.accept(tcp).await else {
                seen.push(None);
                continue;
            };
            let who = pki::stream_client(&tls);
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => req.extend_from_slice(&buf[..k]),
                }
            }
            let body = match &who {
                Some(c) => format!("ok {}", c.mch_id),
                None => "ok".to_owned(),
            };
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.write_all(resp.as_bytes()).await;
            let _ = tls.shutdown().await;
            seen.push(who);
        }
        seen
    });
    (port, task)
}

fn curl(args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "10", "--noproxy", "*"])
        .args(args)
        .env_remove("SSL_CERT_FILE")
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_DIR")
        .output()
        .expect("curl")
}

#[test]
fn curl_with_cacert_succeeds_and_without_fails() {
    let s = shared();
    let ca = s.tls.ca_pem_path().to_str().unwrap().to_owned();
    let dir = s.home.root().join("merchants").join(MCH);
    let cert = dir.join("apiclient_cert.pem");
    let key = dir.join("apiclient_key.pem");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (port, server) = tiny_https(mock_config(true), 4).await;
        let url = format!("https://localhost:{port}/");
        let url2 = url.clone();
        let ca2 = ca.clone();
        let (with, without, mtls, wechat) = tokio::task::spawn_blocking(move || {
            let with = curl(&["--cacert", &ca2, &url2]);
            let without = curl(&[&url2]);
            let mtls = curl(&[
                "--cacert",
                &ca2,
                "--cert",
                cert.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
                &url2,
            ]);
            // A WeChat host name, resolved to the loopback by curl itself:
            // OpenSSL accepts the per-SNI leaf under the name constraints.
            let resolve = format!("api.mch.weixin.qq.com:{port}:127.0.0.1");
            let wechat = curl(&[
                "--cacert",
                &ca2,
                "--resolve",
                &resolve,
                &format!("https://api.mch.weixin.qq.com:{port}/secapi/pay/refund"),
            ]);
            (with, without, mtls, wechat)
        })
        .await
        .unwrap();
        assert!(
            with.status.success(),
            "{}",
            String::from_utf8_lossy(&with.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&with.stdout), "ok");
        assert!(
            !without.status.success(),
            "curl trusted the mock without --cacert: {url}"
        );
        assert_eq!(
            without.status.code(),
            Some(60),
            "{}",
            String::from_utf8_lossy(&without.stderr)
        );
        assert!(
            mtls.status.success(),
            "{}",
            String::from_utf8_lossy(&mtls.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&mtls.stdout), format!("ok {MCH}"));
        assert!(
            wechat.status.success(),
            "{}",
            String::from_utf8_lossy(&wechat.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&wechat.stdout), "ok");
        let seen = server.await.unwrap();
        assert_eq!(
            seen[2],
            Some(VerifiedClient {
                mch_id: MCH.to_owned()
            })
        );
    });
}

fn openssl(args: &[&str], stdin: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `openssl verify` of `leaf` under `ca` for host `name`: (ok, output).
fn openssl_verify(ca: &str, leaf: &str, name: &str) -> (bool, String) {
    let dir = temp_home("verify");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ca.pem"), ca).unwrap();
    std::fs::write(dir.join("leaf.pem"), leaf).unwrap();
    let out = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(dir.join("ca.pem"))
        .args(["-verify_hostname", name])
        .arg(dir.join("leaf.pem"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && text.contains(": OK"), text)
}

#[test]
fn merchant_files_open_with_the_mch_id_as_password() {
    let s = shared();
    let m = &s.merchant;
    let p12 = m.dir.join("apiclient_cert.p12");
    assert_eq!(mode(&p12), 0o600);
    assert_eq!(mode(&m.dir.join("apiclient_key.pem")), 0o600);
    assert_eq!(mode(&m.dir.join("apiclient_cert.pem")), 0o644);
    assert!(m.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(!format!("{m:?}").contains("PRIVATE"));

    let p12_path = p12.to_str().unwrap();
    let out = Command::new("openssl")
        .args(["pkcs12", "-in", p12_path, "-nokeys", "-passin"])
        .arg(format!("pass:{MCH}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&format!("subject=CN = {MCH}")), "{text}");
    assert!(text.contains("BEGIN CERTIFICATE"), "{text}");
    let wrong = Command::new("openssl")
        .args([
            "pkcs12",
            "-in",
            p12_path,
            "-nokeys",
            "-passin",
            "pass:1900000000",
        ])
        .output()
        .unwrap();
    assert!(!wrong.status.success(), "a wrong password opened the p12");

    // The subject is WeChat's shape: CN = mch_id, O = 微信商户系统; RSA 2048.
    let text = openssl(
        &["x509", "-noout", "-subject", "-text", "-nameopt", "utf8"],
        m.cert_pem.as_bytes(),
    );
    assert!(
        text.contains(&format!("CN={MCH}")) || text.contains(&format!("CN = {MCH}")),
        "{text}"
    );
    assert!(text.contains(pki::MERCHANT_CERT_ORG), "{text}");
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    assert!(text.contains("TLS Web Client Authentication"), "{text}");

    // Python's cryptography, when installed, reads it too.
    let script = "import sys\n\
        try:\n    from cryptography.hazmat.primitives.serialization import pkcs12\n\
        except ImportError:\n    print('skip'); sys.exit(0)\n\
        from cryptography.x509.oid import NameOID\n\
        key, cert, extra = pkcs12.load_key_and_certificates(open(sys.argv[1], 'rb').read(), sys.argv[2].encode())\n\
        print(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, key.key_size, len(extra))\n";
    match Command::new("python3")
        .args(["-c", script, p12_path, MCH])
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            if text.trim() != "skip" {
                assert_eq!(text.trim(), format!("{MCH} 2048 1"));
            }
        }
        Ok(out) => panic!("python3: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => eprintln!("python3 not found: p12 checked with openssl only"),
    }
}

#[test]
fn merchant_certificates_are_reused_and_reissued_for_a_new_ca() {
    let s = shared();
    let again = s.merchant_ca.merchant(MCH).unwrap();
    assert_eq!(again.cert_der, s.merchant.cert_der, "reused, not reissued");
    assert_eq!(again.p12, s.merchant.p12);
    assert_eq!(again.key_pem, s.merchant.key_pem);

    // A new merchant CA (its file removed): same key, a new certificate
    // that the new CA vouches for.
    let root = temp_home("reissue");
    let home = MockHome::at(&root);
    let dir = root.join("merchants").join(MCH);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("apiclient_key.pem"), &s.merchant.key_pem).unwrap();
    std::fs::write(dir.join("apiclient_cert.pem"), &s.merchant.cert_pem).unwrap();
    let ca = MerchantCa::load_or_create(&home).unwrap();
    let m = ca.merchant(MCH).unwrap();
    assert_eq!(m.key_pem, s.merchant.key_pem);
    assert_ne!(m.cert_der, s.merchant.cert_der);
    let (ok, out) = openssl_verify(ca.cert_pem(), &m.cert_pem, "ignored.invalid");
    // -verify_hostname does not apply to a client certificate's CN check
    // failure here; what matters is the chain.
    assert!(ok || out.contains("hostname mismatch"), "{out}");

    // A damaged key file is named, not silently replaced.
    std::fs::write(dir.join("apiclient_key.pem"), "garbage").unwrap();
    let err = ca.merchant(MCH).unwrap_err().to_string();
    assert!(
        err.contains("apiclient_key.pem") && err.contains("not a PKCS#8"),
        "{err}"
    );
    // Bad mch_ids never name a path.
    for bad in ["", "../x", "a/b", "1900000109 ", "ä"] {
        assert!(
            matches!(ca.merchant(bad), Err(pki::PkiError::BadMchId(_))),
            "{bad:?}"
        );
    }
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn keys_writes_ca_and_merchant_directories() {
    let s = shared();
    let out = temp_home("keys-out");
    let merchants = [KeysMerchant {
        appid: "wxd930ea5d5a258f4f",
        mch_id: MCH,
        api_key: "192006250b4c09247ec02edce69f6a2d",
    }];
    let written = pki::write_keys(&out, &s.tls, &s.merchant_ca, &merchants).unwrap();
    assert_eq!(written[0], out.join("ca.pem"));
    assert_eq!(
        std::fs::read_to_string(out.join("ca.pem")).unwrap(),
        s.tls.cert_pem()
    );
    let dir = out.join(MCH);
    for (name, want_mode) in [
        ("apiclient_cert.pem", 0o644),
        ("apiclient_key.pem", 0o600),
        ("apiclient_cert.p12", 0o600),
        ("merchant.json", 0o600),
    ] {
        assert_eq!(mode(&dir.join(name)), want_mode, "{name}");
    }
    assert_eq!(
        std::fs::read(dir.join("apiclient_cert.p12")).unwrap(),
        s.merchant.p12
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("merchant.json")).unwrap()).unwrap();
    assert_eq!(json["appid"], "wxd930ea5d5a258f4f");
    assert_eq!(json["mch_id"], MCH);
    assert_eq!(json["api_key"], "192006250b4c09247ec02edce69f6a2d");
    assert!(json["v3"].is_null());

    let bad = [KeysMerchant {
        appid: "wx",
        mch_id: "../escape",
        api_key: "k",
    }];
    let other = temp_home("keys-bad");
    assert!(pki::write_keys(&other, &s.tls, &s.merchant_ca, &bad).is_err());
    assert!(!other.exists(), "nothing is written when a mch_id is bad");
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn proxy_targets() {
    use Refusal::*;
    let ok = [
        ("api.mch.weixin.qq.com:443", Host::ApiMch),
        ("API.MCH.WEIXIN.QQ.COM:443", Host::ApiMch),
        ("api2.mch.weixin.qq.com:443", Host::Api2Mch),
        ("api.weixin.qq.com:443", Host::ApiWeixin),
        ("api.weixin.qq.com.:443", Host::ApiWeixin),
    ];
    for (a, host) in ok {
        assert_eq!(pki::proxy_target_allowed(a), Ok(host), "{a}");
    }
    type Is = fn(&Refusal) -> bool;
    let refused: &[(&str, Is)] = &[
        ("127.0.0.1:443", |r| matches!(r, IpAddress(_))),
        ("[::1]:443", |r| matches!(r, IpAddress(_))),
        ("203.0.113.7:443", |r| matches!(r, IpAddress(_))),
        ("2130706433:443", |r| matches!(r, IpAddress(_))),
        ("127.1:443", |r| matches!(r, IpAddress(_))),
        ("example.com:443", |r| matches!(r, NotServed(_))),
        ("pay.weixin.qq.com:443", |r| matches!(r, NotServed(_))),
        ("api.mch.weixin.qq.com.evil.example:443", |r| {
            matches!(r, NotServed(_))
        }),
        ("xapi.mch.weixin.qq.com:443", |r| matches!(r, NotServed(_))),
        ("localhost:443", |r| matches!(r, NotServed(_))),
        ("api.mch.weixin.qq.com:80", |r| {
            matches!(r, Port { port: 80, .. })
        }),
        ("api.mch.weixin.qq.com:8443", |r| {
            matches!(r, Port { port: 8443, .. })
        }),
        ("api.mch.weixin.qq.com", |r| matches!(r, Malformed(_))),
        ("api.mch.weixin.qq.com:", |r| matches!(r, Malformed(_))),
        ("api.mch.weixin.qq.com:0", |r| matches!(r, Malformed(_))),
        ("api.mch.weixin.qq.com:65536", |r| matches!(r, Malformed(_))),
        ("api.mch.weixin.qq.com:+443", |r| matches!(r, Malformed(_))),
        ("api.mch.weixin.qq.com:443/x", |r| matches!(r, Malformed(_))),
        ("user@api.mch.weixin.qq.com:443", |r| {
            matches!(r, Malformed(_))
        }),
        ("api.mch.weixin.qq.com :443", |r| matches!(r, Malformed(_))),
        ("", |r| matches!(r, Malformed(_))),
        (":443", |r| matches!(r, Malformed(_))),
        ("[::1]", |r| matches!(r, Malformed(_))),
        ("a:b:443", |r| matches!(r, Malformed(_))),
    ];
    for (a, is) in refused {
        let r = pki::proxy_target_allowed(a).unwrap_err();
        assert!(is(&r), "{a}: {r:?}");
        assert_eq!(Refusal::STATUS, 403);
        let body = r.body();
        for h in pki::WECHAT_HOSTS {
            assert!(body.contains(&format!("{h}:443")), "{body}");
        }
    }
    let long = format!("{}:443", "a".repeat(10_000));
    let r = pki::proxy_target_allowed(&long).unwrap_err();
    assert!(matches!(r, Malformed(_)));
    assert!(
        r.body().len() < 1_000,
        "a refused target is not echoed whole"
    );
}

#[test]
fn env_text_for_each_shell() {
    let ca = Path::new("/tmp/my mock's $HOME/ca.pem");
    let sh = pki::env_text(Shell::Sh, "http://127.0.0.1:8119", ca);
    // sh evaluates it to the exact values.
    let out = Command::new("sh")
        .args([
            "-c",
            "eval \"$1\" && printf '%s|%s|%s|%s|%s' \"$HTTPS_PROXY\" \"$NO_PROXY\" \
             \"$REQUESTS_CA_BUNDLE\" \"$SSL_CERT_FILE\" \"$NODE_EXTRA_CA_CERTS\"",
            "sh",
            &sh,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = ca.to_str().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("http://127.0.0.1:8119|127.0.0.1,localhost|{c}|{c}|{c}")
    );
    assert!(
        sh.contains("export HTTPS_PROXY='http://127.0.0.1:8119'\n"),
        "{sh}"
    );
    assert!(sh.contains(r"'/tmp/my mock'\''s $HOME/ca.pem'"), "{sh}");
    assert!(sh.contains("# Java"), "{sh}");
    assert!(sh.contains("keytool -importcert"), "{sh}");
    assert!(
        sh.contains("-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=8119"),
        "{sh}"
    );

    let fish = pki::env_text(Shell::Fish, "http://127.0.0.1:8119", ca);
    assert!(
        fish.contains("set -gx HTTPS_PROXY 'http://127.0.0.1:8119'\n"),
        "{fish}"
    );
    assert!(
        fish.contains("set -gx NO_PROXY '127.0.0.1,localhost'\n"),
        "{fish}"
    );
    assert!(
        fish.contains(r"set -gx SSL_CERT_FILE '/tmp/my mock\'s $HOME/ca.pem'"),
        "{fish}"
    );
    assert_eq!(Shell::Fish.quote(r"a\b'c"), r"'a\\b\'c'");

    let ps = pki::env_text(Shell::PowerShell, "http://127.0.0.1:8119", ca);
    assert!(
        ps.contains("$env:HTTPS_PROXY = 'http://127.0.0.1:8119'\n"),
        "{ps}"
    );
    assert!(
        ps.contains("$env:NODE_EXTRA_CA_CERTS = '/tmp/my mock''s $HOME/ca.pem'\n"),
        "{ps}"
    );
    assert!(ps.contains("$env:REQUESTS_CA_BUNDLE = "), "{ps}");
    for text in [&sh, &fish, &ps] {
        // Every non-assignment line is a comment in all three shells.
        for line in text.lines() {
            assert!(
                line.starts_with('#')
                    || line.starts_with("export ")
                    || line.starts_with("set -gx ")
                    || line.starts_with("$env:"),
                "{line}"
            );
        }
    }
    assert_eq!(Shell::from_name("pwsh"), Some(Shell::PowerShell));
    assert_eq!(Shell::from_name("zsh"), Some(Shell::Sh));
    assert_eq!(Shell::from_name("cmd"), None);
}

#[test]
fn two_processes_starting_at_once_agree_on_one_ca() {
    let root = temp_home("race");
    let homes: Vec<MockHome> = (0..4).map(|_| MockHome::at(&root)).collect();
    let pems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = homes
            .iter()
            .map(|h| s.spawn(move || TlsCa::load_or_create(h).unwrap().cert_pem().to_owned()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        pems.windows(2).all(|w| w[0] == w[1]),
        "all loaded the same CA"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("ca.pem")).unwrap(),
        pems[0]
    );
    let leftovers: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(root);
}
