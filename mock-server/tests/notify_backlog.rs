//! 10,000 pending payment notifies whose receiver is down, then comes back:
//! after the clock is advanced past the next retry, every one is
//! acknowledged, exactly once per order, with bounded memory.

#![allow(clippy::unwrap_used, missing_docs)]

#[allow(unreachable_pub)]
#[path = "it/common.rs"]
mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use wxpay_core::model::rules::NOTIFY_RETRY_SCHEDULE_SECS;
use wxpay_core::xml;
use wxpay_mock::MockServer;

use common::{advance, dead_url, get_json, order, pay};

const N: usize = 10_000;
const PARALLEL: usize = 16;

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

fn count(ns: &[Value], state: &str) -> usize {
    ns.iter().filter(|n| n["state"] == state).count()
}

/// A receiver on a given address that acknowledges everything and records
/// the out_trade_no of each notify.
async fn receiver(addr: std::net::SocketAddr, seen: Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let seen = Arc::clone(&seen);
                    async move {
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let no = xml::decode(&body)
                            .ok()
                            .and_then(|m| m.get("out_trade_no").map(str::to_owned))
                            .unwrap_or_default();
                        seen.lock().unwrap().push(no);
                        Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from_static(
                            xml::NOTIFY_REPLY_SUCCESS.as_bytes(),
                        ))))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "about a minute: cargo test -p wxpay-mock --release --test notify_backlog -- --ignored --nocapture"]
async fn ten_thousand_pending_notifies_drain_when_the_receiver_returns() {
    let server = Arc::new(MockServer::start().await);
    let (url, held) = dead_url();
    let addr = held.local_addr().unwrap();
    let rss0 = rss_mib();
    let t0 = Instant::now();

    // N paid orders; each notify's first attempt is refused.
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..PARALLEL {
        let server = Arc::clone(&server);
        let url = url.clone();
        tasks.spawn(async move {
            for i in (w..N).step_by(PARALLEL) {
                let no = format!("backlog{i:06}");
                let p = order(&server, &no, "1", &url, &[]).await;
                assert_eq!(
                    p.get("result_code").map(String::as_str),
                    Some("SUCCESS"),
                    "{p:?}"
                );
                pay(&server, &no).await;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let created = t0.elapsed();

    // Advancing by 0 s waits for the deliveries in flight: every first
    // attempt has then been made (and refused).
    advance(&server, 0).await;
    let ns = get_json(&server, "/mock/notifications").await;
    let mut ns = ns.as_array().cloned().unwrap_or_default();
    assert_eq!(ns.len(), N);
    assert_eq!(
        count(&ns, "pending"),
        N,
        "all pending while the receiver is down"
    );
    assert!(
        ns.iter().all(|n| n["attempts"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("connection refused")),
        "first attempts are refused connections"
    );
    let pending_at = t0.elapsed();
    let rss_pending = rss_mib();

    // The receiver comes back on the same port; advance past the retries
    // until all are acknowledged.
    drop(held);
    let seen = Arc::new(Mutex::new(Vec::new()));
    receiver(addr, Arc::clone(&seen)).await;
    let mut acked = Vec::new();
    for step in NOTIFY_RETRY_SCHEDULE_SECS {
        advance(&server, i64::try_from(step).unwrap()).await;
        let v = get_json(&server, "/mock/notifications").await;
        ns = v.as_array().cloned().unwrap_or_default();
        acked.push(count(&ns, "acknowledged"));
        if count(&ns, "acknowledged") == N {
            break;
        }
    }
    assert_eq!(
        count(&ns, "acknowledged"),
        N,
        "pending {}",
        count(&ns, "pending")
    );
    let seen = seen.lock().unwrap().clone();
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), N, "every order's notify arrived");
    let rss_end = rss_mib();
    eprintln!(
        "notify backlog: {N} orders paid in {:.1} s; all pending after {:.1} s; \
         acknowledged after each clock advance {acked:?}, {:.1} s in all; \
         {} deliveries received; RSS {rss0} -> {rss_pending} (pending) -> {rss_end} MiB",
        created.as_secs_f64(),
        pending_at.as_secs_f64(),
        t0.elapsed().as_secs_f64(),
        seen.len()
    );
    // Bounded memory: the test process (client and server) stays well
    // under 1 GiB of growth for 10,000 orders and notifications.
    assert!(
        rss_end.saturating_sub(rss0) < 1024,
        "RSS grew {rss0} -> {rss_end} MiB"
    );
}
