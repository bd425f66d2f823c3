//! The host names the mock serves over TLS and through its proxy.

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

/// A WeChat host the proxy intercepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// `api.mch.weixin.qq.com` (WeChat Pay).
    ApiMch,
    /// `api2.mch.weixin.qq.com` (WeChat Pay's backup domain).
    Api2Mch,
    /// `api.weixin.qq.com` (mini-program APIs: `jscode2session`).
    ApiWeixin,
}

impl Host {
    /// Every served host.
    pub const ALL: [Host; 3] = [Host::ApiMch, Host::Api2Mch, Host::ApiWeixin];

    /// The host name (lower case); also the SNI the proxy's leaf is for.
    pub fn name(self) -> &'static str {
        match self {
            Host::ApiMch => WECHAT_HOSTS[0],
            Host::Api2Mch => WECHAT_HOSTS[1],
            Host::ApiWeixin => WECHAT_HOSTS[2],
        }
    }

    /// The served host named `name` (ASCII case-insensitive; one trailing
    /// dot, as in a fully qualified name, is allowed). For absolute-form
    /// `http://` requests, whose port the caller checks.
    pub fn from_name(name: &str) -> Option<Host> {
        let name = name.strip_suffix('.').unwrap_or(name);
        Host::ALL
            .into_iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))
    }
}
