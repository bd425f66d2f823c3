//! jscode2session and /mock/login.

use serde_json::{Value, json};
use wxpay_mock::MockServer;

use crate::common::*;

async fn session(s: &MockServer, appid: &str, secret: &str, code: &str, grant: &str) -> Value {
    let url = format!(
        "{}/sns/jscode2session?appid={appid}&secret={secret}&js_code={code}&grant_type={grant}&extra=ignored",
        s.uri()
    );
    let r = http("GET", &url, "", "").await;
    assert_eq!(r.status, 200);
    r.json()
}

async fn login(s: &MockServer, body: Value) -> Value {
    let r = post_json(s, "/mock/login", &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn codes_are_single_use_and_expire() {
    let s = MockServer::start().await;
    let l = login(&s, json!({"appid": APPID, "user": "alice"})).await;
    let code = l["code"].as_str().unwrap();
    let ok = session(&s, APPID, SECRET, code, "authorization_code").await;
    assert!(
        ok.get("errcode").is_none(),
        "success bodies omit errcode: {ok}"
    );
    assert_eq!(ok["openid"], l["openid"]);
    assert_eq!(ok["session_key"].as_str().unwrap().len(), 24);
    assert!(ok.get("unionid").is_none());
    let used = session(&s, APPID, SECRET, code, "authorization_code").await;
    assert_eq!(used["errcode"], 40163);
    assert!(
        used["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("code been used, rid: ")
    );
    let unknown = session(&s, APPID, SECRET, "nope", "authorization_code").await;
    assert_eq!(unknown["errcode"], 40029);
    assert!(
        unknown["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("invalid code, rid: ")
    );
    // Expiry on the mock clock.
    let l = login(&s, json!({"appid": APPID})).await;
    advance(&s, 301).await;
    let expired = session(
        &s,
        APPID,
        SECRET,
        l["code"].as_str().unwrap(),
        "authorization_code",
    )
    .await;
    assert_eq!(expired["errcode"], 40029);
}

#[tokio::test]
async fn secret_appid_grant_type() {
    let s = MockServer::start().await;
    let l = login(&s, json!({"appid": APPID})).await;
    let code = l["code"].as_str().unwrap();
    assert_eq!(
        session(&s, APPID, "wrong", code, "authorization_code").await["errcode"],
        40125
    );
    assert_eq!(
        session(&s, "wx0000000000000000", SECRET, code, "authorization_code").await["errcode"],
        40013
    );
    assert_eq!(
        session(&s, APPID, SECRET, code, "client_credential").await["errcode"],
        40002
    );
    // Not consumed by the failures above.
    assert!(
        session(&s, APPID, SECRET, code, "authorization_code")
            .await
            .get("openid")
            .is_some()
    );
}

#[tokio::test]
async fn deterministic_openids_and_unionid() {
    let mut cfg = wxpay_mock::Config::default();
    cfg.add_app(wxpay_mock::AppConfig {
        appid: "wx3333333333333333".into(),
        secret: "s3".into(),
        unionid: true,
    })
    .unwrap();
    let s = MockServer::start_with(cfg).await;
    let a = login(&s, json!({"appid": APPID, "user": "bob"})).await;
    let b = login(&s, json!({"appid": APPID, "user": "bob"})).await;
    let c = login(&s, json!({"appid": "wx3333333333333333", "user": "bob"})).await;
    assert_eq!(a["openid"], b["openid"]);
    assert_ne!(a["openid"], c["openid"], "openids are per appid");
    assert_eq!(a["openid"].as_str().unwrap().len(), 28);
    let d = session(
        &s,
        "wx3333333333333333",
        "s3",
        c["code"].as_str().unwrap(),
        "authorization_code",
    )
    .await;
    assert_eq!(d["unionid"], c["unionid"]);
    let e = login(&s, json!({"appid": APPID, "openid": "oCustomOpenid_123"})).await;
    assert_eq!(e["openid"], "oCustomOpenid_123");
    // Errors say how to fix the request.
    let r = post_json(&s, "/mock/login", &json!({"appid": "wxnope"})).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains(APPID));
    let r = post_json(
        &s,
        "/mock/login",
        &json!({"appid": APPID, "openid": "bad openid!"}),
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn access_token_for_sdks_that_want_one() {
    let s = MockServer::start().await;
    let get = |q: String| {
        let url = format!("{}/cgi-bin/token?{q}", s.uri());
        async move { http("GET", &url, "", "").await.json() }
    };
    let t = get(format!(
        "grant_type=client_credential&appid={APPID}&secret={SECRET}"
    ))
    .await;
    assert_eq!(t["expires_in"], 7200);
    let again = get(format!(
        "grant_type=client_credential&appid={APPID}&secret={SECRET}"
    ))
    .await;
    assert_eq!(t["access_token"], again["access_token"]);
    assert_eq!(
        get(format!(
            "grant_type=client_credential&appid={APPID}&secret=x"
        ))
        .await["errcode"],
        40125
    );
    assert_eq!(
        get(format!(
            "grant_type=client_credential&appid=wxno&secret={SECRET}"
        ))
        .await["errcode"],
        40013
    );
    assert_eq!(
        get(format!("grant_type=x&appid={APPID}&secret={SECRET}")).await["errcode"],
        40002
    );
    // jscode2session ignores an access_token parameter.
    let l = post_json(&s, "/mock/login", &json!({"appid": APPID}))
        .await
        .json();
    let code = l["code"].as_str().unwrap();
    let r = session(
        &s,
        APPID,
        SECRET,
        &format!("{code}&access_token=abc"),
        "authorization_code",
    )
    .await;
    assert_eq!(r["openid"], l["openid"]);
}
