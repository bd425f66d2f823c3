//! `GET /sns/jscode2session` (`auth.code2Session`, docs/protocol.md §2.12).
//!
//! Codes come from `POST /mock/login`; each is single-use and valid for
//! `JSCODE_TTL_SECS` of mock time. Success bodies omit `errcode`. Extra
//! query parameters are ignored. The mock never answers 40001/40014/42001
//! (SDKs react to those by calling the real token endpoint).

use std::collections::HashMap;
use std::sync::Arc;

use hyper::body::Body;
use hyper::{Method, Request, StatusCode};
use serde_json::json;
use wxpay_core::model::rules;

use crate::domain::{App, FaultKind};
use crate::store::lock;
use crate::wire::{Reply, parse_query};

fn rid() -> String {
    format!(
        "{:08x}-{:08x}-{:08x}",
        fastrand::u32(..),
        fastrand::u32(..),
        fastrand::u32(..)
    )
}

fn error(code: (i32, &str)) -> Reply {
    let mut r = Reply::json(
        StatusCode::OK,
        &json!({ "errcode": code.0, "errmsg": format!("{}, rid: {}", code.1, rid()) }),
    );
    r.outcome = format!("errcode {}", code.0);
    r
}

pub(crate) async fn handle<B>(app: &Arc<App>, req: Request<B>) -> Reply
where
    B: Body,
    B::Error: Into<Box<dyn core::error::Error + Send + Sync>>,
{
    match app.take_fault("jscode2session", true) {
        Some(FaultKind::Delay(ms)) => {
            tokio::time::sleep(core::time::Duration::from_millis(ms)).await
        }
        Some(FaultKind::Drop) => return Reply::dropped(),
        Some(FaultKind::Html502) => return Reply::html_502(),
        _ => {}
    }
    if req.method() != Method::GET && req.method() != Method::POST {
        let mut r = Reply::json(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"errcode": -1, "errmsg": "use GET /sns/jscode2session?appid=…&secret=…&js_code=…&grant_type=authorization_code"}),
        );
        r.outcome = "405".into();
        return r;
    }
    let q = parse_query(req.uri().query().unwrap_or_default());
    answer(app, &q)
}

fn answer(app: &App, q: &HashMap<String, String>) -> Reply {
    let get = |k: &str| q.get(k).map_or("", String::as_str);
    if get("grant_type") != "authorization_code" {
        return error(rules::jscode::INVALID_GRANT_TYPE);
    }
    let appid = get("appid");
    let Some(app_cfg) = app.config.app(appid) else {
        return error(rules::jscode::INVALID_APPID);
    };
    if get("secret") != app_cfg.secret {
        return error(rules::jscode::INVALID_SECRET);
    }
    match app.take_fault("jscode2session", false) {
        Some(FaultKind::JsErrcode(code, msg)) => return error((code, msg)),
        Some(FaultKind::ErrCode(_)) => return error(rules::jscode::SYSTEM_BUSY),
        _ => {}
    }
    let now = app.clock.now();
    let ttl = i64::try_from(rules::JSCODE_TTL_SECS).unwrap_or(i64::MAX);
    let mut logins = lock(&app.logins);
    let Some(login) = logins.get_mut(get("js_code")) else {
        return error(rules::jscode::INVALID_CODE);
    };
    if login.appid != appid || login.created_at + ttl <= now {
        return error(rules::jscode::INVALID_CODE);
    }
    if login.used {
        return error(rules::jscode::CODE_USED);
    }
    login.used = true;
    app.journal_login(get("js_code"), login);
    let mut body = json!({ "session_key": login.session_key, "openid": login.openid });
    if let Some(u) = &login.unionid {
        body["unionid"] = json!(u);
    }
    let mut r = Reply::json(StatusCode::OK, &body);
    r.outcome = "session".into();
    r
}

/// `GET /cgi-bin/token?grant_type=client_credential&appid&secret`: some SDKs
/// attach an access_token to every api.weixin.qq.com call, jscode2session
/// included, so they fetch one first. The token is stable per appid (valid
/// 7200 s, as WeChat's); the mock never checks it.
pub(crate) fn token<B>(app: &App, req: &Request<B>) -> Reply {
    let q = parse_query(req.uri().query().unwrap_or_default());
    let get = |k: &str| q.get(k).map_or("", String::as_str);
    if get("grant_type") != "client_credential" {
        return error(rules::jscode::INVALID_GRANT_TYPE);
    }
    let Some(app_cfg) = app.config.app(get("appid")) else {
        return error(rules::jscode::INVALID_APPID);
    };
    if get("secret") != app_cfg.secret {
        return error(rules::jscode::INVALID_SECRET);
    }
    let token = format!(
        "MOCK_{}",
        crate::domain::logins::md5_hex(&format!("access_token|{}", app_cfg.appid))
    );
    let mut r = Reply::json(
        StatusCode::OK,
        &json!({ "access_token": token, "expires_in": 7200 }),
    );
    r.outcome = "token".into();
    r
}
