//! Flow 3 — notify retries on WeChat's schedule, driven by the mock clock.
//!
//! The merchant's notify endpoint refuses the payment notify in the ways
//! real endpoints do — HTTP 500, an HTML page, a `FAIL` reply, an empty
//! body — and the test advances the mock clock through WeChat's schedule
//! (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, each interval
//! from the previous attempt). Every attempt comes exactly at its offset —
//! not a second early — carries the same signed body, and is recorded with
//! the diagnosis `wxpay-core` gives for that reply; then the merchant
//! acknowledges and the retries stop. Another notify is never acknowledged
//! and is `exhausted` after 15 retries (16 attempts, 24 h 4 min); a manual
//! redelivery then reaches the repaired endpoint. A slow endpoint (over 5 s)
//! and a closed port are diagnosed as such.

use pretty_assertions::assert_eq;
use serde_json::Value;
use wxpay_core::model::{judge_notify_reply, rules};
use wxpay_core::{SignType, verify};
use wxpay_tests::{
    APPID, Behaviour, Bench, Merchant, assert_success, field, request_payment_object,
};

/// WeChat's documented schedule, in seconds.
const SCHEDULE: [u64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10_800, 10_800, 10_800, 21_600, 21_600,
];

fn attempts(n: &Value) -> &Vec<Value> {
    n["attempts"].as_array().unwrap()
}

fn at(a: &Value) -> u64 {
    a["at"].as_u64().unwrap()
}

/// Advances through one interval: the notification is due exactly
/// `interval` after the previous attempt; nothing is attempted until 2 s
/// before that (the margin covers wall-clock time passing, since the mock
/// clock is the wall clock plus an offset); then the attempt comes, recorded
/// at its due time.
async fn step(bench: &Bench, no: &str, interval: u64, before: usize) -> Value {
    let n = bench.notification(no, "payment").await;
    let prev = at(&attempts(&n)[before - 1]);
    let due = n["next_attempt_at"]
        .as_u64()
        .unwrap_or_else(|| panic!("nothing due: {n:#}"));
    assert_eq!(
        due,
        prev + interval,
        "the next attempt is due {interval} s after the previous one: {n:#}"
    );
    let now = bench.now().await as u64;
    if due > now + 2 {
        bench.advance(due - now - 2).await;
        let n = bench.notification(no, "payment").await;
        assert_eq!(
            attempts(&n).len(),
            before,
            "no attempt before the interval of {interval} s has passed: {n:#}"
        );
    }
    let now = bench.now().await as u64;
    bench.advance(due.saturating_sub(now)).await;
    let n = bench.wait_attempts(no, "payment", before + 1).await;
    let list = attempts(&n);
    assert_eq!(list.len(), before + 1, "{n:#}");
    assert_eq!(
        at(&list[before]) - at(&list[before - 1]),
        interval,
        "attempt {} comes {interval} s after the previous one: {n:#}",
        before + 1
    );
    n
}

/// Checks an attempt against the reply the receiver gave: the status, and
/// the diagnosis `wxpay-core` makes of it.
fn check_diagnosis(attempt: &Value, replied: &(u16, String), must_mention: &str) {
    let want = judge_notify_reply(replied.0, replied.1.as_bytes()).unwrap_err();
    assert_eq!(attempt["accepted"], false, "{attempt:#}");
    assert_eq!(attempt["http_status"], replied.0, "{attempt:#}");
    assert_eq!(attempt["reason"], want.as_str(), "{attempt:#}");
    assert!(
        want.contains(must_mention),
        "{want:?} mentions {must_mention:?}"
    );
}

async fn pay(bench: &Bench, m: &Merchant, no: &str) {
    let (_, openid) = bench.login(APPID, no).await;
    let o = bench.unifiedorder(m, no, 1, &openid, &[]).await;
    assert_success(&o);
    let p = m.payment_params(field(&o, "prepay_id"));
    assert_eq!(
        bench.request_payment(&request_payment_object(&p)).await,
        "requestPayment:ok"
    );
}

#[test]
fn the_schedule_is_wechats() {
    assert_eq!(rules::NOTIFY_RETRY_SCHEDULE_SECS, SCHEDULE);
    assert_eq!(SCHEDULE.iter().sum::<u64>(), 24 * 3600 + 4 * 60);
}

/// 500, HTML, FAIL, empty, then acknowledged by a verifying merchant.
#[tokio::test]
async fn refused_notifies_are_retried_on_schedule_then_acknowledged() {
    let bench = Bench::start().await;
    let m = Merchant::with(SignType::HmacSha256);
    bench.receiver.script([
        Behaviour::Status(500),
        Behaviour::Html,
        Behaviour::Fail("商户系统繁忙".into()),
        Behaviour::Empty,
    ]);
    bench.receiver.set_default(Behaviour::Verify(m.key.clone()));
    let no = "flow3-retry-01";
    pay(&bench, &m, no).await;

    // The first attempt, at once: HTTP 500.
    let n = bench.wait_attempts(no, "payment", 1).await;
    let got = bench.receiver.received_on("/pay");
    assert_eq!(got.len(), 1);
    check_diagnosis(&attempts(&n)[0], &got[0].replied, "HTTP 500");
    assert_eq!(n["state"], "pending");
    assert_eq!(
        n["next_attempt_at"].as_u64(),
        Some(at(&attempts(&n)[0]) + 15),
        "{n:#}"
    );

    let n = step(&bench, no, 15, 1).await;
    let got = bench.receiver.received_on("/pay");
    check_diagnosis(&attempts(&n)[1], &got[1].replied, "HTML");

    let n = step(&bench, no, 15, 2).await;
    let got = bench.receiver.received_on("/pay");
    check_diagnosis(&attempts(&n)[2], &got[2].replied, "FAIL: 商户系统繁忙");

    let n = step(&bench, no, 30, 3).await;
    let got = bench.receiver.received_on("/pay");
    check_diagnosis(&attempts(&n)[3], &got[3].replied, "empty body");

    // The fifth attempt, 3 minutes later, is verified and acknowledged.
    let n = step(&bench, no, 180, 4).await;
    let last = &attempts(&n)[4];
    assert_eq!(last["accepted"], true, "{n:#}");
    assert_eq!(last["http_status"], 200);
    assert_eq!(n["state"], "acknowledged");
    assert!(n["next_attempt_at"].is_null(), "{n:#}");

    // Every attempt carried the same correctly signed notify.
    let got = bench.receiver.received_on("/pay");
    assert_eq!(got.len(), 5);
    for r in &got {
        assert_eq!(r.body, got[0].body);
        assert_eq!(verify(&r.xml(), &m.key, None), Ok(SignType::HmacSha256));
    }
    // Acknowledged: nothing more, however long we wait.
    bench.advance(2 * 86_400).await;
    assert_eq!(bench.receiver.received_on("/pay").len(), 5);
    let n = bench.notification(no, "payment").await;
    assert_eq!(attempts(&n).len(), 5);
}

/// Never acknowledged: 1 + 15 attempts at the right offsets, then
/// `exhausted`; a manual redelivery reaches the repaired endpoint.
#[tokio::test]
async fn a_notify_never_acknowledged_is_exhausted_after_15_retries() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    bench.receiver.set_default(Behaviour::Status(503));
    let no = "flow3-exhaust-01";
    pay(&bench, &m, no).await;
    let mut n = bench.wait_attempts(no, "payment", 1).await;
    for (i, interval) in SCHEDULE.iter().enumerate() {
        assert_eq!(n["state"], "pending", "after {} attempts: {n:#}", i + 1);
        n = step(&bench, no, *interval, i + 1).await;
    }
    let list = attempts(&n);
    assert_eq!(list.len(), 16);
    assert_eq!(n["state"], "exhausted", "{n:#}");
    assert!(n["next_attempt_at"].is_null(), "{n:#}");
    assert_eq!(at(&list[15]) - at(&list[0]), 24 * 3600 + 4 * 60);
    let got = bench.receiver.received_on("/pay");
    assert_eq!(got.len(), 16);
    for (a, r) in list.iter().zip(&got) {
        check_diagnosis(a, &r.replied, "HTTP 503");
    }
    // Exhausted: no more attempts.
    bench.advance(7 * 86_400).await;
    assert_eq!(bench.receiver.received_on("/pay").len(), 16);

    // The merchant repairs the endpoint and asks for a redelivery.
    bench.receiver.set_default(Behaviour::Verify(m.key.clone()));
    let id = n["id"].as_u64().unwrap();
    let r = bench
        .client
        .post_json(&format!("/mock/notifications/{id}/redeliver"), &Value::Null)
        .await;
    assert_eq!(r["state"], "acknowledged", "{r:#}");
    assert_eq!(bench.receiver.received_on("/pay").len(), 17);
}

/// A reply later than WeChat's 5 s is a timeout; a closed port is a refused
/// connection. Both are retried.
#[tokio::test]
async fn a_slow_endpoint_and_a_closed_port_are_diagnosed() {
    let bench = Bench::start().await;
    let m = Merchant::md5();
    bench
        .receiver
        .script([Behaviour::Slow(std::time::Duration::from_millis(5600))]);
    let no = "flow3-slow-01";
    pay(&bench, &m, no).await;
    let n = bench.wait_attempts(no, "payment", 1).await;
    let a = &attempts(&n)[0];
    assert_eq!(a["accepted"], false, "{n:#}");
    assert!(a["http_status"].is_null(), "{n:#}");
    assert!(
        a["reason"].as_str().unwrap().starts_with("timeout: "),
        "{n:#}"
    );
    // The retry is answered in time.
    let n = step(&bench, no, 15, 1).await;
    assert_eq!(n["state"], "acknowledged", "{n:#}");

    // A notify_url where nothing listens.
    let port = {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = format!("http://127.0.0.1:{port}/pay");
    let no = "flow3-refused-01";
    let (_, openid) = bench.login(APPID, no).await;
    let o = bench
        .unifiedorder(&m, no, 1, &openid, &[("notify_url", &dead)])
        .await;
    let p = m.payment_params(field(&o, "prepay_id"));
    assert_eq!(
        bench.request_payment(&request_payment_object(&p)).await,
        "requestPayment:ok"
    );
    let n = bench.wait_attempts(no, "payment", 1).await;
    assert_eq!(n["url"], dead.as_str());
    assert_eq!(
        attempts(&n)[0]["reason"],
        format!("connection refused: nothing is listening at 127.0.0.1:{port}").as_str(),
        "{n:#}"
    );
    let n = step(&bench, no, 15, 1).await;
    assert_eq!(n["state"], "pending", "{n:#}");
}
