//! Which CONNECT targets the proxy serves. It is never an open proxy: only
//! WeChat's API hosts on 443 are intercepted (and served by the mock
//! itself); everything else is refused without any outbound connection.

use std::fmt;

use super::hosts::Host;

/// Why a CONNECT target is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not `host:port` (empty, no port, a port that is not a number,
    /// user info, a path, spaces, too long).
    Malformed(String),
    /// An IP address: the proxy only intercepts WeChat's host names.
    IpAddress(String),
    /// A host the mock does not serve.
    NotServed(String),
    /// A served host on a port other than 443.
    Port {
        /// The host.
        host: Host,
        /// The port asked.
        port: u16,
    },
}

impl Refusal {
    /// HTTP status of the refusal (403 Forbidden).
    pub const STATUS: u16 = 403;

    /// The `text/plain; charset=utf-8` body of the 403: what was refused,
    /// why, and which hosts are served.
    pub fn body(&self) -> String {
        let mut body = format!(
            "wxpay-mock proxy: refused: {self}.\n\
             This proxy opens no outbound connection; it serves only CONNECT to these hosts, \
             on port 443, with the mock itself:\n"
        );
        for host in Host::ALL {
            body.push_str("  ");
            body.push_str(host.name());
            body.push_str(":443\n");
        }
        body.push_str("Other traffic must not use this proxy: set NO_PROXY for it.\n");
        body
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(a) => write!(f, "{a:?} is not a host:port CONNECT target"),
            Self::IpAddress(a) => write!(f, "{a:?} is an IP address, not a served host name"),
            Self::NotServed(h) => write!(f, "{h:?} is not a host this mock serves"),
            Self::Port { host, port } => {
                write!(f, "{}:{port}: only port 443 is served", host.name())
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// Longest authority considered (a DNS name is at most 253 characters).
const MAX_AUTHORITY: usize = 262;

/// Decides a CONNECT request's authority-form target (`host:port`,
/// RFC 9110 §9.3.6): one of WeChat's hosts on port 443, or a [`Refusal`].
///
/// # Errors
/// The [`Refusal`] to answer with a 403 (see [`Refusal::body`]).
pub fn proxy_target_allowed(authority: &str) -> Result<Host, Refusal> {
    let malformed = || Refusal::Malformed(shorten(authority));
    if authority.is_empty()
        || authority.len() > MAX_AUTHORITY
        || !authority
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'@' | b'/' | b'?' | b'#' | b'\\'))
    {
        return Err(malformed());
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        // An IPv6 literal `[addr]:port`.
        let (addr, port) = rest.split_once("]:").ok_or_else(malformed)?;
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(malformed());
        }
        let _ = parse_port(port).ok_or_else(malformed)?;
        return Err(Refusal::IpAddress(shorten(authority)));
    } else {
        authority.rsplit_once(':').ok_or_else(malformed)?
    };
    let port = parse_port(port).ok_or_else(malformed)?;
    if host.is_empty() || host.contains(':') || host.contains('[') || host.contains(']') {
        return Err(malformed());
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() || looks_numeric(host) {
        return Err(Refusal::IpAddress(shorten(authority)));
    }
    let Some(served) = Host::from_name(host) else {
        return Err(Refusal::NotServed(shorten(host)));
    };
    if port != 443 {
        return Err(Refusal::Port { host: served, port });
    }
    Ok(served)
}

/// A decimal port 1..=65535 (no sign, no leading `+`, at most 5 digits).
fn parse_port(port: &str) -> Option<u16> {
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    port.parse::<u16>().ok().filter(|p| *p != 0)
}

/// Dotted numbers other resolvers read as IPv4 (`127.1`, `0x7f.1`,
/// `2130706433`): refused as addresses too.
fn looks_numeric(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || last
                .strip_prefix("0x")
                .or_else(|| last.strip_prefix("0X"))
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())))
}

/// Echoes at most 80 characters of a refused target.
fn shorten(s: &str) -> String {
    s.chars().take(80).collect()
}
