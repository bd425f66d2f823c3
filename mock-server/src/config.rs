//! Configuration: merchants, mini-program apps and behaviour switches, from
//! a TOML file, environment variables and command-line flags (in rising
//! precedence).
//!
//! ```toml
//! host = "127.0.0.1"
//! port = 8787
//!
//! [switches]
//! refund_delay_seconds = 30
//!
//! [[apps]]
//! appid = "wx1111111111111111"
//! secret = "0123456789abcdef0123456789abcdef"
//! unionid = true
//!
//! [[merchants]]
//! mch_id = "1900000109"
//! key = "0123456789abcdef0123456789abcdef"
//! appids = ["wx1111111111111111"]
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use wxpay_core::ApiKey;

/// The default merchant's appid: the one in WeChat's documentation example,
/// so that the documented signing example works against the mock unchanged.
pub const DEFAULT_APPID: &str = "wxd930ea5d5a258f4f";
/// The default merchant's mch_id (WeChat's documentation example).
pub const DEFAULT_MCH_ID: &str = "10000100";
/// The default merchant's API key (WeChat's documentation example). It is
/// public: never use it for anything but this mock.
pub const DEFAULT_API_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
/// The default app's AppSecret, fixed so that jscode2session calls written
/// against the mock keep working. Public: mock use only.
pub const DEFAULT_APP_SECRET: &str = "7c1d0e5b2f3a4c6d8e9f0a1b2c3d4e5f";
/// The default port.
pub const DEFAULT_PORT: u16 = 8787;
/// The default host: loopback only, because the mock signs things.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// The default request-body limit: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// The default retention cap on stored orders.
pub const DEFAULT_MAX_ORDERS: usize = 100_000;
/// The default retention cap on stored notifications.
pub const DEFAULT_MAX_NOTIFICATIONS: usize = 10_000;

macro_rules! switches {
    ($( $(#[doc = $doc:literal])+ $name:ident : $ty:ty = $default:expr; )*) => {
        /// Behaviour switches. Every switch can be set in the `[switches]`
        /// table of the config file, by the environment variable
        /// `WXPAY_MOCK_<NAME>` (upper case), and at run time with
        /// `POST /mock/switches`.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Switches {
            $( $(#[doc = $doc])+ pub $name: $ty, )*
        }

        impl Default for Switches {
            fn default() -> Self {
                Self { $( $name: $default, )* }
            }
        }

        impl Switches {
            /// Every switch's name, with its one-line description.
            pub const ALL: &'static [(&'static str, &'static str)] = &[
                $( (stringify!($name), concat!($($doc),+)), )*
            ];

            /// Sets one switch from text (`true`/`false`/`1`/`0`/`on`/`off`
            /// for flags, digits for numbers).
            ///
            /// # Errors
            /// A message naming the switch and the values it accepts.
            pub fn set_text(&mut self, name: &str, value: &str) -> Result<(), String> {
                match name {
                    $( stringify!($name) => {
                        self.$name = <$ty as SwitchValue>::parse_text(value).ok_or_else(|| {
                            format!(
                                "switch {name}: {value:?} is not {}",
                                <$ty as SwitchValue>::EXPECTED
                            )
                        })?;
                        Ok(())
                    } )*
                    _ => Err(unknown_switch(name)),
                }
            }

            /// Sets one switch from a JSON value.
            ///
            /// # Errors
            /// A message naming the switch and the values it accepts.
            pub fn set_json(&mut self, name: &str, value: &serde_json::Value) -> Result<(), String> {
                match name {
                    $( stringify!($name) => {
                        self.$name = <$ty as SwitchValue>::parse_json(value).ok_or_else(|| {
                            format!(
                                "switch {name}: {value} is not {}",
                                <$ty as SwitchValue>::EXPECTED
                            )
                        })?;
                        Ok(())
                    } )*
                    _ => Err(unknown_switch(name)),
                }
            }

            /// Applies `WXPAY_MOCK_<NAME>` environment variables.
            ///
            /// # Errors
            /// A message naming the variable and the values it accepts.
            pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), String> {
                $(
                    let var = concat!("WXPAY_MOCK_", stringify!($name)).to_ascii_uppercase();
                    if let Some(v) = env.get(&var) {
                        self.set_text(stringify!($name), v).map_err(|e| format!("{var}: {e}"))?;
                    }
                )*
                Ok(())
            }
        }
    };
}

fn unknown_switch(name: &str) -> String {
    let names: Vec<&str> = Switches::ALL.iter().map(|(n, _)| *n).collect();
    format!(
        "unknown switch {name:?}: the switches are {}",
        names.join(", ")
    )
}

/// A type a switch can hold.
trait SwitchValue: Sized {
    const EXPECTED: &'static str;
    fn parse_text(s: &str) -> Option<Self>;
    fn parse_json(v: &serde_json::Value) -> Option<Self>;
}

impl SwitchValue for bool {
    const EXPECTED: &'static str = "a boolean (true/false, 1/0, on/off)";
    fn parse_text(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => Some(true),
            "false" | "0" | "off" | "no" => Some(false),
            _ => None,
        }
    }
    fn parse_json(v: &serde_json::Value) -> Option<Self> {
        v.as_bool()
    }
}

impl SwitchValue for u64 {
    const EXPECTED: &'static str = "a non-negative integer";
    fn parse_text(s: &str) -> Option<Self> {
        s.trim().parse().ok()
    }
    fn parse_json(v: &serde_json::Value) -> Option<Self> {
        v.as_u64()
    }
}

switches! {
    /// Add the signature doctor's finding to `签名错误` answers (field
    /// `mock_sign_diagnosis`). Off by default: it is an oracle.
    explain: bool = false;
    /// Answer a bad signature with `result_code=FAIL` + `err_code=SIGNERROR`
    /// instead of the default `return_code=FAIL` + `签名错误`.
    sign_error_as_business: bool = false;
    /// Refuse payment after `time_expire` (Beijing time), and check that it
    /// lies far enough ahead when the order is placed.
    enforce_time_expire: bool = true;
    /// The shortest allowed gap between order time and `time_expire`, in
    /// seconds (WeChat's current text recommends 1 minute, older text 5).
    time_expire_min_seconds: u64 = wxpay_core::model::rules::TIME_EXPIRE_MIN_SECS;
    /// Answer a re-entry with changed parameters with `INVALID_REQUEST`
    /// instead of the default `OUT_TRADE_NO_USED`.
    reentry_mismatch_invalid_request: bool = false;
    /// Refuse closeorder within 5 minutes of the order's creation.
    close_min_age: bool = true;
    /// Accept only openids minted by `/mock/login` for the order's appid.
    strict_openid: bool = false;
    /// Refuse a `wx.requestPayment` whose `signType` differs from the
    /// unifiedorder sign type.
    strict_pay_sign_type: bool = false;
    /// In the sandbox, accept only the old sandbox's test-case amounts.
    strict_sandbox_amounts: bool = false;
    /// Add `sign_type` to HMAC-SHA256 payment notifies (production omits it).
    notify_sign_type: bool = false;
    /// Deliver every notify twice (WeChat may deliver from several servers).
    notify_duplicates: bool = false;
    /// Seconds of mock time a refund stays PROCESSING before SUCCESS (0: at once).
    refund_delay_seconds: u64 = 0;
}

/// A mini program (or official account) known to the mock.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// The appid.
    pub appid: String,
    /// Its AppSecret, checked by jscode2session.
    pub secret: String,
    /// Whether jscode2session answers carry a `unionid`.
    #[serde(default)]
    pub unionid: bool,
}

impl core::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AppConfig")
            .field("appid", &self.appid)
            .field("secret", &"<redacted>")
            .field("unionid", &self.unionid)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMerchant {
    mch_id: String,
    key: String,
    #[serde(default)]
    appids: Vec<String>,
    #[serde(default)]
    refund_notify_url: Option<String>,
}

/// A merchant known to the mock.
#[derive(Debug, Clone)]
pub struct Merchant {
    /// The mch_id.
    pub mch_id: String,
    /// The APIv2 key (its `Debug` never shows it).
    pub key: ApiKey,
    /// The appids bound to this merchant.
    pub appids: Vec<String>,
    /// Where refund notifies go when a refund request names no
    /// `notify_url` (WeChat's merchant-platform setting); none by default.
    pub refund_notify_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    host: Option<String>,
    port: Option<u16>,
    max_body_bytes: Option<usize>,
    max_orders: Option<usize>,
    max_notifications: Option<usize>,
    data_dir: Option<PathBuf>,
    default_merchant: Option<bool>,
    #[serde(default)]
    switches: Switches,
    #[serde(default)]
    apps: Vec<AppConfig>,
    #[serde(default)]
    merchants: Vec<RawMerchant>,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind (default `127.0.0.1`).
    pub host: String,
    /// Port to bind (default 8787; 0 picks a free one).
    pub port: u16,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Retention cap on stored orders: the oldest are dropped beyond it.
    pub max_orders: usize,
    /// Retention cap on stored notifications.
    pub max_notifications: usize,
    /// Where to keep state across restarts (an embedded database file
    /// inside it); `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// Behaviour switches (their values at start and after `/mock/reset`).
    pub switches: Switches,
    /// Known apps (appid → secret).
    pub apps: Vec<AppConfig>,
    /// Known merchants.
    pub merchants: Vec<Merchant>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: DEFAULT_HOST.into(),
            port: DEFAULT_PORT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_orders: DEFAULT_MAX_ORDERS,
            max_notifications: DEFAULT_MAX_NOTIFICATIONS,
            data_dir: None,
            switches: Switches::default(),
            apps: vec![default_app()],
            merchants: vec![default_merchant()],
        }
    }
}

/// The built-in app (WeChat's documentation appid, the fixed AppSecret).
#[must_use]
pub fn default_app() -> AppConfig {
    AppConfig {
        appid: DEFAULT_APPID.into(),
        secret: DEFAULT_APP_SECRET.into(),
        unionid: false,
    }
}

/// The built-in merchant (WeChat's documentation example).
#[must_use]
pub fn default_merchant() -> Merchant {
    Merchant {
        mch_id: DEFAULT_MCH_ID.into(),
        key: ApiKey::new(DEFAULT_API_KEY),
        appids: vec![DEFAULT_APPID.into()],
        refund_notify_url: None,
    }
}

impl Config {
    /// Parses a TOML document. The built-in merchant and app stay unless
    /// `default_merchant = false`.
    ///
    /// # Errors
    /// A message naming the line and what is wrong.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| format!("config: {e}"))?;
        let mut cfg = Self::default();
        if raw.default_merchant == Some(false) {
            cfg.apps.clear();
            cfg.merchants.clear();
        }
        if let Some(h) = raw.host {
            cfg.host = h;
        }
        if let Some(p) = raw.port {
            cfg.port = p;
        }
        if let Some(n) = raw.max_body_bytes {
            cfg.max_body_bytes = n;
        }
        if let Some(n) = raw.max_orders {
            cfg.max_orders = n;
        }
        if let Some(n) = raw.max_notifications {
            cfg.max_notifications = n;
        }
        cfg.data_dir = raw.data_dir;
        cfg.switches = raw.switches;
        for app in raw.apps {
            cfg.add_app(app)?;
        }
        for m in raw.merchants {
            cfg.add_merchant(Merchant {
                mch_id: m.mch_id,
                key: ApiKey::new(m.key),
                appids: m.appids,
                refund_notify_url: m.refund_notify_url,
            })?;
        }
        cfg.check()?;
        Ok(cfg)
    }

    /// Reads and parses a TOML file.
    ///
    /// # Errors
    /// A message naming the file and the problem.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Adds (or replaces) an app.
    ///
    /// # Errors
    /// When the appid or secret is empty.
    pub fn add_app(&mut self, app: AppConfig) -> Result<(), String> {
        if app.appid.is_empty() || app.secret.is_empty() {
            return Err("config: every [[apps]] entry needs a non-empty appid and secret".into());
        }
        self.apps.retain(|a| a.appid != app.appid);
        self.apps.push(app);
        Ok(())
    }

    /// Adds (or replaces) a merchant.
    ///
    /// # Errors
    /// When the mch_id or key is empty, or the key is not 32 characters
    /// (WeChat's APIv2 keys are exactly 32 bytes).
    pub fn add_merchant(&mut self, m: Merchant) -> Result<(), String> {
        if m.mch_id.is_empty() {
            return Err("config: every [[merchants]] entry needs a non-empty mch_id".into());
        }
        if m.key.len() != 32 {
            return Err(format!(
                "config: merchant {}: the key is {} bytes long; an APIv2 key is exactly 32 bytes",
                m.mch_id,
                m.key.len()
            ));
        }
        self.merchants.retain(|x| x.mch_id != m.mch_id);
        self.merchants.push(m);
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        if self.max_body_bytes < 1024 {
            return Err("config: max_body_bytes must be at least 1024".into());
        }
        if self.max_orders == 0 || self.max_notifications == 0 {
            return Err("config: max_orders and max_notifications must be at least 1".into());
        }
        Ok(())
    }

    /// Applies the environment: `WXPAY_MOCK_HOST`, `WXPAY_MOCK_PORT`,
    /// `WXPAY_MOCK_MAX_BODY_BYTES`, `WXPAY_MOCK_MAX_ORDERS`,
    /// `WXPAY_MOCK_MAX_NOTIFICATIONS`, `WXPAY_MOCK_DATA_DIR` and
    /// `WXPAY_MOCK_<SWITCH>`.
    ///
    /// # Errors
    /// A message naming the variable and what it accepts.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), String> {
        if let Some(h) = env.get("WXPAY_MOCK_HOST") {
            self.host.clone_from(h);
        }
        if let Some(d) = env.get("WXPAY_MOCK_DATA_DIR").filter(|d| !d.is_empty()) {
            self.data_dir = Some(PathBuf::from(d));
        }
        let num = |name: &str| -> Result<Option<u64>, String> {
            env.get(name)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("{name}: {v:?} is not a non-negative integer"))
                })
                .transpose()
        };
        if let Some(p) = num("WXPAY_MOCK_PORT")? {
            self.port = u16::try_from(p)
                .map_err(|_| format!("WXPAY_MOCK_PORT: {p} is not a port (0-65535)"))?;
        }
        if let Some(n) = num("WXPAY_MOCK_MAX_BODY_BYTES")? {
            self.max_body_bytes = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = num("WXPAY_MOCK_MAX_ORDERS")? {
            self.max_orders = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = num("WXPAY_MOCK_MAX_NOTIFICATIONS")? {
            self.max_notifications = usize::try_from(n).unwrap_or(usize::MAX);
        }
        self.switches.apply_env(env)?;
        self.check()
    }

    /// The merchant with this mch_id.
    #[must_use]
    pub fn merchant(&self, mch_id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.mch_id == mch_id)
    }

    /// The app with this appid.
    #[must_use]
    pub fn app(&self, appid: &str) -> Option<&AppConfig> {
        self.apps.iter().find(|a| a.appid == appid)
    }

    /// Whether any merchant or app knows this appid.
    #[must_use]
    pub fn appid_exists(&self, appid: &str) -> bool {
        self.app(appid).is_some()
            || self
                .merchants
                .iter()
                .any(|m| m.appids.iter().any(|a| a == appid))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn toml_and_env() {
        let cfg = Config::from_toml(
            r#"
            port = 0
            [switches]
            refund_delay_seconds = 30
            explain = true
            [[apps]]
            appid = "wx1111111111111111"
            secret = "s"
            unionid = true
            [[merchants]]
            mch_id = "1900000109"
            key = "0123456789abcdef0123456789abcdef"
            appids = ["wx1111111111111111"]
            "#,
        )
        .unwrap();
        assert_eq!(cfg.port, 0);
        assert_eq!(cfg.switches.refund_delay_seconds, 30);
        assert!(cfg.switches.explain);
        assert!(cfg.merchant(DEFAULT_MCH_ID).is_some());
        assert!(cfg.merchant("1900000109").is_some());
        assert!(cfg.app("wx1111111111111111").unwrap().unionid);

        let mut cfg = cfg;
        let env: HashMap<String, String> = [
            ("WXPAY_MOCK_STRICT_OPENID".to_string(), "on".to_string()),
            ("WXPAY_MOCK_PORT".to_string(), "9000".to_string()),
        ]
        .into();
        cfg.apply_env(&env).unwrap();
        assert!(cfg.switches.strict_openid);
        assert_eq!(cfg.port, 9000);
    }

    #[test]
    fn errors_are_specific() {
        let e = Config::from_toml("[switches]\nno_such = true\n").unwrap_err();
        assert!(e.contains("no_such"), "{e}");
        let e = Config::from_toml("[[merchants]]\nmch_id = \"1\"\nkey = \"short\"\n").unwrap_err();
        assert!(e.contains("32 bytes") && !e.contains("short"), "{e}");
        let mut s = Switches::default();
        assert!(
            s.set_text("explain", "maybe")
                .unwrap_err()
                .contains("boolean")
        );
        assert!(
            s.set_text("nope", "1")
                .unwrap_err()
                .contains("refund_delay_seconds")
        );
        let env: HashMap<String, String> =
            [("WXPAY_MOCK_PORT".to_string(), "x".to_string())].into();
        assert!(
            Config::default()
                .apply_env(&env)
                .unwrap_err()
                .contains("WXPAY_MOCK_PORT")
        );
    }
}
