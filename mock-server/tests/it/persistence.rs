//! `--data-dir`: state survives restarts, `kill -9` under load loses
//! nothing the mock answered for, and pending notifications resume.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wxpay_core::{ParamMap, SignType};
use wxpay_mock::{Config, MockServer};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_wxpay-mock");

/// A fresh, empty directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "wxpay-mock-{name}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The mock binary serving on a free port with `--data-dir dir`.
struct Proc {
    child: Mutex<Child>,
    url: String,
}

impl Proc {
    async fn start(dir: &Path) -> Self {
        let (child, url) = spawn_binary(
            Command::new(BIN)
                .args(["serve", "--port", "0", "--quiet", "--data-dir"])
                .arg(dir)
                .args(["--set", "refund_delay_seconds=600"])
                .stderr(Stdio::inherit()),
        )
        .await;
        Self {
            child: Mutex::new(child),
            url,
        }
    }

    /// `kill -9` (SIGKILL): no shutdown code runs.
    fn kill_9(&self) {
        let mut c = self.child.lock().unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }

    async fn xml(&self, path: &str, params: &[(&str, &str)]) -> Result<ParamMap, String> {
        let mut all: Vec<(&str, &str)> = vec![("appid", APPID), ("mch_id", MCH_ID)];
        all.extend_from_slice(params);
        let r = try_http(
            "POST",
            &format!("{}{path}", self.url),
            "text/xml",
            signed(&all, &key(), SignType::Md5),
        )
        .await?;
        if r.status != 200 {
            return Err(format!("HTTP {}: {}", r.status, r.text()));
        }
        Ok(r.xml())
    }

    async fn json(&self, method: &str, path: &str, body: &Value) -> Result<Value, String> {
        let r = try_http(
            method,
            &format!("{}{path}", self.url),
            "application/json",
            body.to_string(),
        )
        .await?;
        if r.status != 200 {
            return Err(format!("HTTP {}: {}", r.status, r.text()));
        }
        Ok(r.json())
    }

    async fn sandbox_key(&self) -> String {
        let p = self.xml("/sandboxnew/pay/getsignkey", &[]).await.unwrap();
        p["sandbox_signkey"].clone()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let c = self.child.get_mut().unwrap();
        let _ = c.kill();
        let _ = c.wait();
    }
}

fn succeeded(p: &ParamMap) -> bool {
    p.get("return_code").map(String::as_str) == Some("SUCCESS")
        && p.get("result_code").map(String::as_str) == Some("SUCCESS")
}

/// What the mock answered for, per out_trade_no.
#[derive(Debug, Default, Clone)]
struct Acked {
    paid: bool,
    /// out_refund_no and refund_fee of an accepted refund.
    refund: Option<(String, i64)>,
}

/// One client of the load: orders, pays and refunds until the server dies;
/// records only what was answered.
async fn client(
    p: Arc<Proc>,
    task: usize,
    notify_url: String,
    acked: Arc<Mutex<BTreeMap<String, Acked>>>,
) {
    for i in 0.. {
        let no = format!("load{task}x{i:05}");
        let fee = (100 + i % 50).to_string();
        let Ok(r) = p
            .xml(
                "/pay/unifiedorder",
                &[
                    ("body", "load"),
                    ("out_trade_no", &no),
                    ("total_fee", &fee),
                    ("spbill_create_ip", "127.0.0.1"),
                    ("notify_url", &notify_url),
                    ("trade_type", "JSAPI"),
                    ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
                ],
            )
            .await
        else {
            return;
        };
        assert!(succeeded(&r), "{r:?}");
        acked.lock().unwrap().insert(no.clone(), Acked::default());
        if i % 3 == 0 {
            continue;
        }
        if p.json("POST", &format!("/mock/orders/{no}/pay"), &json!({}))
            .await
            .is_err()
        {
            return;
        }
        acked.lock().unwrap().get_mut(&no).unwrap().paid = true;
        if i % 3 == 1 {
            continue;
        }
        let refund_no = format!("R{no}");
        let Ok(r) = p
            .xml(
                "/secapi/pay/refund",
                &[
                    ("out_trade_no", &no),
                    ("out_refund_no", &refund_no),
                    ("total_fee", &fee),
                    ("refund_fee", "1"),
                    ("notify_url", &notify_url),
                ],
            )
            .await
        else {
            return;
        };
        assert!(succeeded(&r), "{r:?}");
        acked.lock().unwrap().get_mut(&no).unwrap().refund = Some((refund_no, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_nothing_answered() {
    let dir = temp_dir("kill9");
    // Notifies go to a port where nothing listens yet: every one stays
    // pending, on its retry schedule.
    let (notify_url, sock) = dead_url();
    let first = Arc::new(Proc::start(&dir).await);
    first
        .json("POST", "/mock/clock/advance", &json!({ "seconds": 1000 }))
        .await
        .unwrap();
    first
        .json("POST", "/mock/sandbox/rotate", &json!({ "mch_id": MCH_ID }))
        .await
        .unwrap();
    let sandbox_key = first.sandbox_key().await;
    let code = first.json("POST", "/mock/login", &json!({})).await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();

    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    let clients: Vec<_> = (0..6)
        .map(|t| {
            tokio::spawn(client(
                Arc::clone(&first),
                t,
                notify_url.clone(),
                Arc::clone(&acked),
            ))
        })
        .collect();
    // Kill mid-load, once a good number of answers are in.
    for _ in 0..600 {
        let n = acked
            .lock()
            .unwrap()
            .values()
            .filter(|a| a.refund.is_some())
            .count();
        if n >= 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let answered_before_kill = acked.lock().unwrap().len();
    first.kill_9();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= answered_before_kill && acked.values().any(|a| a.refund.is_some()),
        "the load made too little progress: {} orders",
        acked.len()
    );

    let second = Proc::start(&dir).await;
    // The clock offset, the rotated sandbox key and the login code survive.
    let clock = second.json("GET", "/mock/clock", &json!({})).await.unwrap();
    assert_eq!(clock["offset_seconds"], 1000, "{clock}");
    assert_eq!(second.sandbox_key().await, sandbox_key);
    let r = http(
        "GET",
        &format!(
            "{}/sns/jscode2session?appid={APPID}&secret={SECRET}&js_code={code}&grant_type=authorization_code",
            second.url
        ),
        "",
        "",
    )
    .await
    .json();
    assert!(r["openid"].is_string(), "the login code was lost: {r}");

    // Every answered order, payment and refund is there.
    for (no, a) in &acked {
        let q = second
            .xml("/pay/orderquery", &[("out_trade_no", no)])
            .await
            .unwrap();
        assert!(succeeded(&q), "order {no} was answered but is lost: {q:?}");
        let state = q["trade_state"].as_str();
        if a.refund.is_some() {
            assert_eq!(state, "REFUND", "order {no}");
        } else if a.paid {
            assert!(matches!(state, "SUCCESS" | "REFUND"), "order {no}: {state}");
        }
        if let Some((refund_no, fee)) = &a.refund {
            let r = second
                .xml("/pay/refundquery", &[("out_refund_no", refund_no)])
                .await
                .unwrap();
            assert!(succeeded(&r), "refund {refund_no} lost: {r:?}");
            assert_eq!(r["refund_status_0"], "PROCESSING", "{r:?}");
            assert_eq!(r["refund_fee_0"], fee.to_string());
        }
    }
    // Every answered payment has its notify pending (the engine may be
    // retrying it right now, against the still-dead receiver).
    let list = second
        .json("GET", "/mock/notifications?kind=payment", &json!({}))
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    let pending: HashSet<&str> = list
        .iter()
        .filter(|n| n["state"] == "pending")
        .filter_map(|n| n["out_trade_no"].as_str())
        .collect();
    let paid: Vec<&String> = acked
        .iter()
        .filter(|(_, a)| a.paid)
        .map(|(no, _)| no)
        .collect();
    for no in &paid {
        assert!(
            pending.contains(no.as_str()),
            "payment notify of {no} is not pending"
        );
    }
    // ...on its schedule: each next attempt is due one interval of WeChat's
    // schedule after the previous attempt (made before or after the kill).
    let schedule = wxpay_core::model::rules::NOTIFY_RETRY_SCHEDULE_SECS;
    let mut resumed = 0;
    for n in list.iter().filter(|n| n["state"] == "pending") {
        let (Some(next), Some(attempts)) =
            (n["next_attempt_at"].as_i64(), n["attempts"].as_array())
        else {
            continue; // being attempted right now
        };
        let Some(last) = attempts.last() else {
            continue; // due now, not attempted yet
        };
        let gap = next - last["at"].as_i64().unwrap();
        let interval = i64::try_from(schedule[attempts.len() - 1]).unwrap();
        assert_eq!(gap, interval, "notification {}: {n}", n["id"]);
        resumed += 1;
    }
    assert!(
        resumed > 0,
        "no pending notification had a next attempt scheduled"
    );

    // The receiver comes back: the retries (and the refunds settling after
    // their 600 s) reach it when the clock moves on.
    let mut receiver = Receiver::start_on(sock.listen(1024).unwrap(), vec![]);
    second
        .json("POST", "/mock/clock/advance", &json!({ "seconds": 3600 }))
        .await
        .unwrap();
    let mut delivered = HashSet::new();
    while let Ok(body) = receiver.rx.try_recv() {
        let p = wxpay_core::xml::decode(&body).unwrap().to_param_map();
        if let Some(no) = p.get("out_trade_no") {
            delivered.insert(no.clone());
        }
    }
    for no in &paid {
        assert!(
            delivered.contains(no.as_str()),
            "payment notify of {no} never arrived"
        );
    }
    let list = second
        .json("GET", "/mock/notifications", &json!({}))
        .await
        .unwrap();
    let acknowledged: HashSet<(String, Option<String>)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["state"] == "acknowledged")
        .map(|n| {
            (
                n["out_trade_no"].as_str().unwrap().to_owned(),
                n["out_refund_no"].as_str().map(str::to_owned),
            )
        })
        .collect();
    for (no, a) in &acked {
        if a.paid {
            assert!(acknowledged.contains(&(no.clone(), None)), "{no}");
        }
        if let Some((refund_no, _)) = &a.refund {
            assert!(
                acknowledged.contains(&(no.clone(), Some(refund_no.clone()))),
                "refund notify of {refund_no} not delivered after restart"
            );
        }
    }
    eprintln!(
        "kill -9 after {} answered orders ({} paid, {} refunded): all present after restart",
        acked.len(),
        paid.len(),
        acked.values().filter(|a| a.refund.is_some()).count()
    );
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

fn config(dir: &Path) -> Config {
    Config {
        data_dir: Some(dir.to_owned()),
        ..Config::default()
    }
}

#[tokio::test]
async fn a_data_dir_in_use_is_refused() {
    let dir = temp_dir("inuse");
    let s = MockServer::start_with(config(&dir)).await;
    let e = MockServer::try_start_with(config(&dir)).await.unwrap_err();
    assert!(e.to_string().contains("in use"), "{e}");
    s.stop().await;
    // Free again once the first has stopped.
    MockServer::start_with(config(&dir)).await.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_file_that_is_not_a_mock_database_is_a_clear_error() {
    let dir = temp_dir("garbage");
    std::fs::write(dir.join("wxpay-mock.redb"), b"this is not a database").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wxpay-mock.redb"), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "nothing is announced before the state is open"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn reset_is_stored_and_ids_keep_counting() {
    let dir = temp_dir("reset");
    let s = MockServer::start_with(config(&dir)).await;
    let index = get_json(&s, "/mock/").await;
    assert!(
        index["data_dir"]
            .as_str()
            .is_some_and(|d| d.ends_with("wxpay-mock.redb")),
        "{index}"
    );
    let (url, _sock) = dead_url();
    let a = order(&s, "keep-1", "1", &url, &[]).await;
    ok(&a);
    let old_prepay = a["prepay_id"].clone();
    s.stop().await;

    let s = MockServer::start_with(config(&dir)).await;
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "keep-1")]).await;
    ok(&q);
    let r = post_json(&s, "/mock/reset", &json!({})).await;
    assert_eq!(r.status, 200);
    s.stop().await;

    let s = MockServer::start_with(config(&dir)).await;
    let q = call(&s, "/pay/orderquery", &[("out_trade_no", "keep-1")]).await;
    assert_eq!(err_code(&q), "ORDERNOTEXIST", "the reset was stored");
    let b = order(&s, "keep-1", "1", &url, &[]).await;
    ok(&b);
    // prepay_id ends with the order's sequence number (16 hex digits).
    let seq = |p: &str| u64::from_str_radix(&p[p.len() - 16..], 16).unwrap();
    assert!(
        seq(&b["prepay_id"]) > seq(&old_prepay),
        "sequence numbers keep counting across reset and restart: {} then {}",
        old_prepay,
        b["prepay_id"]
    );
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
