//! What `wxpay-mock env` prints: the variables that send an unchanged SDK
//! through the mock's proxy and make it trust the mock's CA.

use std::fmt::Write as _;
use std::path::Path;

/// The shell whose syntax [`env_text`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// POSIX sh, bash, zsh: `export NAME='value'`.
    Sh,
    /// fish: `set -gx NAME 'value'`.
    Fish,
    /// PowerShell: `$env:NAME = 'value'`.
    PowerShell,
}

impl Shell {
    /// The shell named `sh` (also `bash`, `zsh`), `fish` or `powershell`
    /// (also `pwsh`), as `--shell` takes it.
    pub fn from_name(name: &str) -> Option<Shell> {
        match name.to_ascii_lowercase().as_str() {
            "sh" | "bash" | "zsh" => Some(Shell::Sh),
            "fish" => Some(Shell::Fish),
            "powershell" | "pwsh" => Some(Shell::PowerShell),
            _ => None,
        }
    }

    /// `value` as one literal word of this shell (single quotes; nothing
    /// inside is expanded).
    pub fn quote(self, value: &str) -> String {
        match self {
            // '…' cannot hold ', so close, add \', reopen.
            Shell::Sh => format!("'{}'", value.replace('\'', r"'\''")),
            // fish single quotes take \\ and \' as escapes.
            Shell::Fish => format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'")),
            // PowerShell doubles ' inside '…' (and its typographic quotes).
            Shell::PowerShell => {
                let mut out = String::from("'");
                for c in value.chars() {
                    if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
                        out.push(c);
                    }
                    out.push(c);
                }
                out.push('\'');
                out
            }
        }
    }

    fn set(self, out: &mut String, name: &str, value: &str) {
        let v = self.quote(value);
        let _ = match self {
            Shell::Sh => writeln!(out, "export {name}={v}"),
            Shell::Fish => writeln!(out, "set -gx {name} {v}"),
            Shell::PowerShell => writeln!(out, "$env:{name} = {v}"),
        };
    }
}

/// The `env` output for `shell`: `HTTPS_PROXY` (the mock's proxy),
/// `NO_PROXY=127.0.0.1,localhost` (so the merchant server's own notify
/// endpoint and the mock's plain port are reached directly),
/// `REQUESTS_CA_BUNDLE` and `SSL_CERT_FILE` (Python requests/urllib3,
/// OpenSSL-based clients), `NODE_EXTRA_CA_CERTS` (Node), and, as comments,
/// a Java truststore recipe.
///
/// `REQUESTS_CA_BUNDLE` / `SSL_CERT_FILE` replace the system roots with the
/// mock's CA for those clients: fine for a test shell, which then reaches
/// only the mock over HTTPS.
pub fn env_text(shell: Shell, proxy_url: &str, ca_path: &Path) -> String {
    let ca = ca_path.display().to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# wxpay-mock: send WeChat's API hosts to the mock and trust its CA"
    );
    shell.set(&mut out, "HTTPS_PROXY", proxy_url);
    shell.set(&mut out, "NO_PROXY", "127.0.0.1,localhost");
    shell.set(&mut out, "REQUESTS_CA_BUNDLE", &ca);
    shell.set(&mut out, "SSL_CERT_FILE", &ca);
    shell.set(&mut out, "NODE_EXTRA_CA_CERTS", &ca);
    let (host, port) = proxy_host_port(proxy_url);
    let store = "wxpay-mock-truststore.p12";
    let _ = writeln!(
        out,
        "# Java (JDK 9+): import the CA into a truststore once, then run the JVM with it:\n\
         #   keytool -importcert -noprompt -alias wxpay-mock -file {} -keystore {store} \
         -storetype PKCS12 -storepass changeit\n\
         #   JAVA_TOOL_OPTIONS=\"-Dhttps.proxyHost={host} -Dhttps.proxyPort={port} \
         -Dhttp.nonProxyHosts=localhost|127.0.0.1 -Djavax.net.ssl.trustStore={store} \
         -Djavax.net.ssl.trustStorePassword=changeit\"",
        Shell::Sh.quote(&ca),
    );
    out
}

/// Host and port of `http://host:port[/]` (port 80 when absent).
fn proxy_host_port(url: &str) -> (String, String) {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .trim_end_matches('/');
    let rest = rest.split('/').next().unwrap_or(rest);
    match rest.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            (h.to_owned(), p.to_owned())
        }
        _ => (rest.to_owned(), "80".to_owned()),
    }
}
