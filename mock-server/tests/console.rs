//! The console's routes: the page and its assets, the long-poll change
//! feed and the recorded XML exchanges. (The page itself is tested in a
//! browser by `console/test.sh`.)

#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

#[path = "it/common.rs"]
mod common;

use bytes::Bytes;
use common::{get_json, http, order};
use wxpay_mock::MockServer;

async fn get(server: &MockServer, path: &str) -> common::Resp {
    http(
        "GET",
        &format!("{}{path}", server.uri()),
        "text/plain",
        Bytes::new(),
    )
    .await
}

#[tokio::test]
async fn page_and_assets_are_served() {
    let server = MockServer::start().await;
    for path in ["/", "/mock/ui", "/mock/ui/"] {
        let r = get(&server, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.text().contains("/mock/ui/app.js"), "{path}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    let js = get(&server, "/mock/ui/app.js").await;
    assert_eq!(js.status, 200);
    assert!(
        js.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(get(&server, "/mock/ui/style.css").await.status, 200);
    let missing = get(&server, "/mock/ui/nope.js").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.json()["error"]
            .as_str()
            .unwrap()
            .contains("/mock/ui")
    );
    // The package files are listed; each listed one is served as wasm or JS.
    let pkg = get_json(&server, "/mock/ui/pkg").await;
    for f in pkg["embedded"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let r = get(&server, &format!("/mock/ui/pkg/{name}")).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body.len() as u64, f["bytes"].as_u64().unwrap());
        let ct = r.headers["content-type"].to_str().unwrap();
        assert!(if name.ends_with(".wasm") {
            ct == "application/wasm"
        } else {
            ct.starts_with("text/javascript")
        });
    }
    if pkg["embedded"].as_array().unwrap().is_empty() {
        let r = get(&server, "/mock/ui/pkg/index.js").await;
        assert_eq!(r.status, 404);
        assert!(r.text().contains("js/scripts/ci.sh"), "{}", r.text());
    }
}

#[tokio::test]
async fn a_post_to_root_still_gets_the_xml_404() {
    let server = MockServer::start().await;
    let r = http(
        "POST",
        &format!("{}/", server.uri()),
        "text/xml",
        "<xml></xml>",
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("return_code"), "{}", r.text());
}

#[tokio::test]
async fn events_wake_on_change_and_exchanges_are_recorded() {
    let server = MockServer::start().await;
    let v0 = get_json(&server, "/mock/ui/events").await["version"]
        .as_u64()
        .unwrap();
    // A waiting poll returns once an order is created.
    let uri = server.uri().to_owned();
    let poll = tokio::spawn(async move {
        let r = http(
            "GET",
            &format!("{uri}/mock/ui/events?since={v0}"),
            "text/plain",
            Bytes::new(),
        )
        .await;
        r.json()["version"].as_u64().unwrap()
    });
    tokio::time::sleep(core::time::Duration::from_millis(100)).await;
    assert!(!poll.is_finished(), "the poll must wait for a change");
    let a = order(&server, "CONSOLE1", "1", "http://127.0.0.1:9/notify", &[]).await;
    common::ok(&a);
    let v1 = tokio::time::timeout(core::time::Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert!(v1 > v0);
    // A stale `since` answers at once.
    let again = get_json(&server, &format!("/mock/ui/events?since={v0}")).await;
    assert!(again["version"].as_u64().unwrap() >= v1);

    let ex = get_json(&server, "/mock/ui/exchanges?out_trade_no=CONSOLE1").await;
    let ex = ex.as_array().unwrap();
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0]["path"], "/pay/unifiedorder");
    assert_eq!(ex[0]["status"], 200);
    assert!(ex[0]["request"].as_str().unwrap().contains("CONSOLE1"));
    assert!(ex[0]["response"].as_str().unwrap().contains("<prepay_id>"));
    assert!(
        get_json(&server, "/mock/ui/exchanges?out_trade_no=OTHER")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A reset forgets them.
    common::post_json(&server, "/mock/reset", &serde_json::json!({})).await;
    assert!(
        get_json(&server, "/mock/ui/exchanges")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}
