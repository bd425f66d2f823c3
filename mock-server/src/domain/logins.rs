//! `wx.login` codes: minting (for `/mock/login`), the deterministic openid
//! and unionid of a simulated user, and expiry of codes past their 5
//! minutes.

use std::collections::{HashMap, HashSet, VecDeque};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use wxpay_core::model::rules;
use wxpay_core::{SignType, sign_message};

use crate::store::journal::{Journal, TextTable};

/// Uppercase hex MD5 (through core's signing primitive).
pub(crate) fn md5_hex(data: &str) -> String {
    sign_message(data.as_bytes(), &[], SignType::Md5)
        .as_str()
        .to_owned()
}

pub(crate) fn md5_b64url(data: &str) -> String {
    // md5_hex is 32 hex digits; re-encode its bytes compactly.
    let hex = md5_hex(data);
    let bytes: Vec<u8> = (0..16)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// One `wx.login` code.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Login {
    pub(crate) appid: String,
    pub(crate) openid: String,
    pub(crate) unionid: Option<String>,
    pub(crate) session_key: String,
    pub(crate) created_at: i64,
    pub(crate) used: bool,
}

/// Codes and the openids the mock has minted.
#[derive(Default)]
pub(crate) struct Logins {
    codes: HashMap<String, Login>,
    /// Codes in the order they were issued, to drop them once expired.
    issued: VecDeque<(i64, String)>,
    /// `(appid, openid)` pairs minted by `/mock/login`.
    pub(crate) minted: HashSet<(String, String)>,
}

/// At most this many codes are kept; beyond it the oldest go early (a code
/// normally goes when its 5 minutes are up).
const MAX_CODES: usize = 200_000;

impl Logins {
    /// The code, if it is held.
    pub(crate) fn get_mut(&mut self, code: &str) -> Option<&mut Login> {
        self.codes.get_mut(code)
    }

    /// Adds a code, first dropping the codes whose time is up at `now`: an
    /// expired code gets the same answer as an unknown one (40029), so
    /// nothing changes for a client.
    pub(crate) fn add(&mut self, code: String, login: Login, now: i64, journal: Option<&Journal>) {
        let ttl = i64::try_from(rules::JSCODE_TTL_SECS).unwrap_or(i64::MAX);
        while let Some((at, _)) = self.issued.front() {
            if *at + ttl > now && self.issued.len() < MAX_CODES {
                break;
            }
            if let Some((_, old)) = self.issued.pop_front() {
                self.codes.remove(&old);
                if let Some(j) = journal {
                    j.delete_text(TextTable::Logins, &old);
                }
            }
        }
        if let Some(j) = journal {
            j.put_text(TextTable::Logins, &code, &login);
        }
        self.issued.push_back((login.created_at, code.clone()));
        self.codes.insert(code, login);
    }

    /// Puts back a code read from the journal (call in issue order).
    pub(crate) fn restore(&mut self, code: String, login: Login) {
        self.issued.push_back((login.created_at, code.clone()));
        self.codes.insert(code, login);
    }

    /// How many codes are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.codes.len()
    }
}

/// The deterministic openid of `user` under `appid`.
pub(crate) fn openid_for(appid: &str, user: &str) -> String {
    let a = md5_b64url(&format!("openid|{appid}|{user}"));
    let b = md5_b64url(&format!("openid2|{user}|{appid}"));
    format!("o{}{}", &a[..22], &b[..5])
}

/// The deterministic unionid of `user` (the same for every appid).
pub(crate) fn unionid_for(user: &str) -> String {
    let a = md5_b64url(&format!("unionid|{user}"));
    let b = md5_b64url(&format!("unionid2|{user}"));
    format!("o{}{}", &a[..22], &b[..5])
}

/// A fresh `session_key` (base64 of 16 random bytes).
pub(crate) fn session_key() -> String {
    let mut b = [0u8; 16];
    fastrand::fill(&mut b);
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// The journal key of a minted `(appid, openid)` pair.
pub(crate) fn minted_key(appid: &str, openid: &str) -> String {
    format!("{appid}\0{openid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(at: i64) -> Login {
        Login {
            appid: "wx1".into(),
            openid: "o1".into(),
            unionid: None,
            session_key: String::new(),
            created_at: at,
            used: false,
        }
    }

    /// Codes go once their 5 minutes are up, so a steady stream of logins
    /// holds about 5 minutes' worth of codes, not an ever-growing map.
    #[test]
    fn codes_go_when_their_time_is_up() {
        let ttl = i64::try_from(rules::JSCODE_TTL_SECS).unwrap_or(i64::MAX);
        let mut l = Logins::default();
        for (i, at) in [0, 1, 2].into_iter().enumerate() {
            l.add(format!("c{i}"), login(at), at, None);
        }
        assert_eq!(l.len(), 3);
        l.add("c3".into(), login(ttl + 1), ttl + 1, None);
        assert_eq!(l.len(), 2, "c0 and c1 are past their time");
        assert!(l.get_mut("c1").is_none());
        assert!(l.get_mut("c2").is_some());
        assert!(l.get_mut("c3").is_some());
    }
}
