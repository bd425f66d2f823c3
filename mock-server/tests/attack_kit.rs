//! The attack kit's report card tells a correct notify handler from
//! vulnerable ones. The handlers are tiny hyper servers on 127.0.0.1:0:
//! examples of what merchants write, good and bad.

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wxpay_core::model::NotifyReply;
use wxpay_core::{ApiKey, SignType, xml};
use wxpay_mock::attack::{Report, Target, run};

const APPID: &str = "wxd930ea5d5a258f4f";
const MCH_ID: &str = "10000100";
const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const ORDER: &str = "attack-order-1";
const FEE: i64 = 88;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Handler {
    /// Answers SUCCESS to anything.
    AcceptAnything,
    /// Parses with core's codec but verifies MD5 only, checks no amount and
    /// reads bodies of any size.
    Md5OnlyNoAmount,
    /// Correct, except that an already-paid order is answered FAIL.
    NotIdempotent,
    /// Correct: body limit, core's codec (no DTDs, UTF-8 only), sign type
    /// from the sign's length, amount checked against the order, idempotent.
    Correct,
}

/// The merchant's order book: out_trade_no → (total_fee, paid by).
#[derive(Default)]
struct Orders {
    orders: HashMap<String, (i64, Option<String>)>,
    /// How many times an order was marked paid (must stay 1).
    processed: u32,
}

fn reply(status: u16, r: &NotifyReply) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::from(r.to_xml())))
        .unwrap()
}

async fn handle(
    kind: Handler,
    orders: Arc<Mutex<Orders>>,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let careless = matches!(kind, Handler::Md5OnlyNoAmount | Handler::AcceptAnything);
    let limit = if careless {
        64 * 1024 * 1024
    } else {
        64 * 1024
    };
    let Ok(body) = Limited::new(req.into_body(), limit).collect().await else {
        return reply(413, &NotifyReply::fail("body too large"));
    };
    let body = body.to_bytes();
    if kind == Handler::AcceptAnything {
        return reply(200, &NotifyReply::success());
    }
    // Core's codec refuses DTDs, entities and non-UTF-8 (and, unless the
    // careless handler lifts it, bodies over 1 MiB).
    let opts = xml::DecodeOptions {
        max_bytes: if careless {
            usize::MAX
        } else {
            xml::DEFAULT_MAX_BYTES
        },
        ..xml::DecodeOptions::default()
    };
    let Ok(doc) = xml::decode_with(&body, &opts) else {
        return reply(400, &NotifyReply::fail("bad XML"));
    };
    let p = doc.to_param_map();
    let key = ApiKey::new(KEY);
    let want = if kind == Handler::Md5OnlyNoAmount {
        Some(SignType::Md5)
    } else {
        None
    };
    if wxpay_core::verify(&p, &key, want).is_err() {
        return reply(200, &NotifyReply::fail("签名错误"));
    }
    let no = p.get("out_trade_no").cloned().unwrap_or_default();
    let fee: Option<i64> = p.get("total_fee").and_then(|f| f.parse().ok());
    let txn = p.get("transaction_id").cloned().unwrap_or_default();
    let mut book = orders.lock().unwrap();
    let Some((order_fee, paid)) = book.orders.get(&no).cloned() else {
        return reply(200, &NotifyReply::fail("unknown order"));
    };
    if kind != Handler::Md5OnlyNoAmount && fee != Some(order_fee) {
        return reply(200, &NotifyReply::fail("amount differs from the order"));
    }
    match paid {
        Some(by) if by == txn => {
            if kind == Handler::NotIdempotent {
                return reply(200, &NotifyReply::fail("already processed"));
            }
        }
        Some(_) => return reply(200, &NotifyReply::fail("paid by another transaction")),
        None => {
            book.orders.insert(no, (order_fee, Some(txn)));
            book.processed += 1;
        }
    }
    reply(200, &NotifyReply::success())
}

/// Starts a handler; returns its URL and order book.
async fn start(kind: Handler) -> (String, Arc<Mutex<Orders>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut book = Orders::default();
    book.orders.insert(ORDER.into(), (FEE, None));
    let orders = Arc::new(Mutex::new(book));
    let o = orders.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let o = o.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let o = o.clone();
                    async move { Ok::<_, std::convert::Infallible>(handle(kind, o, req).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}/pay/notify"), orders)
}

fn target(url: &str) -> Target {
    Target {
        notify_url: url.into(),
        appid: APPID.into(),
        mch_id: MCH_ID.into(),
        key: ApiKey::new(KEY),
        out_trade_no: ORDER.into(),
        total_fee: FEE,
        sign_type: SignType::Md5,
        timeout: Duration::from_secs(10),
    }
}

fn wrong(r: &Report) -> Vec<&'static str> {
    r.outcomes
        .iter()
        .filter(|o| !o.right)
        .map(|o| o.name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correct_handler_gets_a_clean_card() {
    let (url, orders) = start(Handler::Correct).await;
    let r = run(&target(&url)).await.unwrap();
    assert!(r.all_right(), "{}", r.render());
    assert_eq!(r.outcomes.len(), 11);
    // Processed exactly once despite the HMAC twin and the replay.
    assert_eq!(orders.lock().unwrap().processed, 1);
    let card = r.render();
    assert!(card.contains("11 case(s), 11 right, 0 wrong"), "{card}");
    assert!(!card.contains(KEY), "the key must never be printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_anything_handler_fails_every_forgery() {
    let (url, _) = start(Handler::AcceptAnything).await;
    let r = run(&target(&url)).await.unwrap();
    assert!(!r.all_right());
    assert_eq!(
        wrong(&r),
        [
            "no-sign",
            "wrong-sign",
            "other-key",
            "amount-differs",
            "xxe",
            "billion-laughs",
            "oversize",
            "non-utf8"
        ],
        "{}",
        r.render()
    );
    let o = r.case("xxe").unwrap();
    assert_eq!(o.http_status, Some(200));
    assert!(o.why.contains("HTTP 200 + SUCCESS"), "{}", o.why);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn md5_only_handler_without_amount_check_is_caught() {
    let (url, _) = start(Handler::Md5OnlyNoAmount).await;
    let r = run(&target(&url)).await.unwrap();
    assert_eq!(
        wrong(&r),
        ["amount-differs", "oversize", "hmac-no-sign-type"],
        "{}",
        r.render()
    );
    // The MD5-only verifier refuses the genuine HMAC-SHA256 notify.
    let o = r.case("hmac-no-sign-type").unwrap();
    assert!(o.why.contains("not acknowledged"), "{}", o.why);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_idempotent_handler_fails_the_replay() {
    let (url, _) = start(Handler::NotIdempotent).await;
    let r = run(&target(&url)).await.unwrap();
    assert_eq!(wrong(&r), ["hmac-no-sign-type", "replay"], "{}", r.render());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_handler_is_not_a_pass() {
    // Bind then drop: nothing listens on that port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = run(&target(&format!("http://127.0.0.1:{port}/n")))
        .await
        .unwrap();
    assert!(r.outcomes.iter().all(|o| !o.right), "{}", r.render());
    assert!(run(&target("https://example.com/n")).await.is_err());
}

/// Runs the `wxpay-mock attack` binary against `url` for the test order,
/// with `merchant` arguments and an optional `WXPAY_MOCK_ATTACK_KEY`.
async fn run_binary(
    url: String,
    merchant: &'static [&'static str],
    env_key: Option<&'static str>,
) -> std::process::Output {
    let exe = env!("CARGO_BIN_EXE_wxpay-mock");
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(exe);
        if let Some(key) = env_key {
            cmd.env("WXPAY_MOCK_ATTACK_KEY", key);
        }
        cmd.args(["attack", "--notify-url", &url])
            .args(merchant)
            .args(["--out-trade-no", ORDER, "--total-fee", &FEE.to_string()])
            .output()
    })
    .await
    .unwrap()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_exit_code_follows_the_card() {
    for (kind, ok) in [(Handler::Correct, true), (Handler::AcceptAnything, false)] {
        let (url, _) = start(kind).await;
        let out = run_binary(url, &["--merchant", MCH_ID], None).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.success(), ok, "{stdout}");
        assert_eq!(out.status.code(), Some(if ok { 0 } else { 1 }));
        assert!(stdout.contains("[RIGHT] genuine"), "{stdout}");
        assert!(!stdout.contains(KEY));
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wxpay-mock"))
        .args(["attack", "--total-fee", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The key can come from `WXPAY_MOCK_ATTACK_KEY` (kept out of the process
/// list); a wrong key there makes the genuine notify fail, proving it is used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_from_the_environment() {
    for (key, ok) in [(KEY, true), ("00000000000000000000000000000000", false)] {
        let (url, _) = start(Handler::Correct).await;
        let out = run_binary(url, &["--appid", APPID, "--mch-id", MCH_ID], Some(key)).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.success(), ok, "{stdout}");
        assert!(!stdout.contains(key), "the key is never printed");
    }
}
