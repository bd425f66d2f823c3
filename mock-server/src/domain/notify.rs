//! Notify delivery: payment and refund notifies POSTed to the merchant's
//! `notify_url`, retried on WeChat's schedule.
//!
//! - The first delivery is attempted at once, in real time.
//! - A delivery is acknowledged only by HTTP 200 with `return_code=SUCCESS`
//!   (judged by `wxpay_core::model::judge_notify_reply`). Otherwise the next
//!   attempt is due `NOTIFY_RETRY_SCHEDULE_SECS[n]` after the previous one,
//!   on the mock clock; after the last interval the notification is
//!   exhausted.
//! - At most `DELIVERIES_PER_RECEIVER` attempts are open to one receiver
//!   (`host:port`) at a time; under a burst the rest wait for a slot.
//! - Each attempt has `NOTIFY_TIMEOUT_SECS` (real time) to answer, and is
//!   recorded with the reason it was refused.
//! - `/mock/clock/advance` moves the clock and then attempts, in order,
//!   every delivery that falls due up to the new time (a retry made during
//!   the advance is timed at its due moment, so one long advance replays the
//!   whole schedule), and returns when all have been attempted.

use std::collections::BTreeMap;
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::Notify;
use wxpay_core::model::{judge_notify_reply, rules};

use crate::outbound::{PostError, post_xml};
use crate::store::journal::{Journal, NumTable};
use crate::store::lock;
use crate::store::orders::{EventKind, OrderWrite};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Kind {
    Payment,
    Refund,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::Refund => "refund",
        }
    }
}

/// How a notification's body is encoded (and so sent): the API version of
/// its order decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub(crate) enum Encoding {
    /// API v2: signed XML (`text/xml`).
    #[default]
    V2Xml,
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum State {
    Pending,
    Acknowledged,
    Exhausted,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Acknowledged => "acknowledged",
            Self::Exhausted => "exhausted",
        }
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Attempt {
    /// Mock time of the attempt, Unix milliseconds.
    at_ms: i64,
    http_status: Option<u16>,
    excerpt: String,
    accepted: bool,
    reason: String,
    duplicate: bool,
}

/// One notification and its delivery history. It is also the journal's
/// record (`--data-dir`), where `in_flight` is left out: an attempt cut off
/// by a restart is made again at the time it was due.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Notification {
    id: u64,
    kind: Kind,
    /// Absent in records written before it existed: those are v2 XML.
    #[serde(default)]
    encoding: Encoding,
    url: String,
    mch_id: String,
    out_trade_no: String,
    out_refund_no: Option<String>,
    #[serde(with = "body_text")]
    body: Bytes,
    created_at_ms: i64,
    state: State,
    attempts: Vec<Attempt>,
    /// When the next attempt is due (mock ms); `None` while one is in
    /// flight or when no more will be made. (Nothing is journaled while an
    /// attempt is in flight, so the journal still holds its due time.)
    next_attempt_ms: Option<i64>,
    /// How many retry intervals have been used.
    retries: usize,
    #[serde(skip)]
    in_flight: bool,
    /// Whether the first delivery also sends a duplicate.
    duplicate_first: bool,
}

/// Notify bodies are XML the mock wrote (UTF-8), stored as text.
mod body_text {
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(b))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        String::deserialize(d).map(Bytes::from)
    }
}

impl Notification {
    /// Sends this notification to the journal, if there is one. Never
    /// called while an attempt is in flight.
    fn journal(&self, journal: Option<&Journal>) {
        if let Some(j) = journal {
            j.put_num(NumTable::Notifications, self.id, self);
        }
    }
}

/// A notification made by [`Notifier::attach`], not yet queued.
pub(crate) struct Prepared(Notification);

/// A new notification to deliver.
pub(crate) struct NewNotification {
    pub(crate) kind: Kind,
    pub(crate) encoding: Encoding,
    pub(crate) url: String,
    pub(crate) mch_id: String,
    pub(crate) out_trade_no: String,
    pub(crate) out_refund_no: Option<String>,
    pub(crate) body: String,
    pub(crate) duplicate: bool,
}

/// A timed job that is not a delivery: a refund settling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RefundJob {
    pub(crate) due_ms: i64,
    pub(crate) order_seq: u64,
    pub(crate) idx: usize,
}

/// A delivery taken for attempting.
#[derive(Debug, Clone)]
pub(crate) struct Due {
    id: u64,
    due_ms: i64,
    url: String,
    body: Bytes,
    duplicate: bool,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    items: BTreeMap<u64, Notification>,
    /// Ids of finished (acknowledged or exhausted) notifications, oldest
    /// first: the only ones retention may drop. An id whose notification
    /// was reopened by a redeliver, or already dropped, is skipped.
    finished: std::collections::VecDeque<u64>,
    /// Whether the "pending notifications exceed the cap" warning is out.
    over_cap_warned: bool,
    refund_jobs: Vec<RefundJob>,
    in_flight: usize,
}

/// The delivery engine's shared state.
pub(crate) struct Notifier {
    inner: Mutex<Inner>,
    /// Wakes the background loop (new work, clock moved, shutdown).
    pub(crate) wake: Notify,
    /// Signalled whenever an attempt completes.
    progress: Notify,
    max_items: usize,
    journal: Option<std::sync::Arc<Journal>>,
    /// Delivery slots per receiver (`host:port`).
    receivers: Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Semaphore>>>,
}

/// At most this many deliveries are open to one receiver at a time; the
/// others wait their turn (late, rather than a flood of connections that a
/// development server cannot take, whose timeouts would only add retries).
pub(crate) const DELIVERIES_PER_RECEIVER: usize = 32;

/// Beyond this many receivers, idle ones are forgotten.
const MAX_RECEIVERS_TRACKED: usize = 1024;

/// What is due now.
#[derive(Default)]
pub(crate) struct Taken {
    pub(crate) deliveries: Vec<Due>,
    pub(crate) refunds: Vec<RefundJob>,
    pub(crate) in_flight: usize,
    /// The earliest future due time (mock ms), if any.
    pub(crate) next_ms: Option<i64>,
}

impl Notifier {
    pub(crate) fn new(max_items: usize, journal: Option<std::sync::Arc<Journal>>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                next_id: 1,
                ..Inner::default()
            }),
            wake: Notify::new(),
            progress: Notify::new(),
            max_items,
            journal,
            receivers: Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Puts back notifications read from the journal (on start, before the
    /// delivery engine runs); pending ones resume their schedule.
    ///
    /// # Errors
    /// Names a record that cannot be read.
    pub(crate) fn restore(&self, records: &[(u64, Vec<u8>)], next_id: u64) -> Result<(), String> {
        let mut g = lock(&self.inner);
        for (id, bytes) in records {
            let n: Notification =
                crate::store::journal::decode(bytes, &format!("notification record {id}"))?;
            g.next_id = g.next_id.max(n.id + 1);
            if n.state != State::Pending {
                g.finished.push_back(n.id);
            }
            g.items.insert(n.id, n);
        }
        g.next_id = g.next_id.max(next_id);
        drop(g);
        self.wake.notify_one();
        Ok(())
    }

    /// How many notifications are held.
    pub(crate) fn len(&self) -> usize {
        lock(&self.inner).items.len()
    }

    /// How many are waiting for an attempt.
    pub(crate) fn pending_count(&self) -> usize {
        lock(&self.inner)
            .items
            .values()
            .filter(|n| n.state == State::Pending)
            .count()
    }

    /// Makes a notification for the locked order `o`, due at once: its id
    /// goes into the order's events, and its record into the order's
    /// journal write, so a crash keeps both or neither. It is delivered once
    /// [`Notifier::publish`] is called (after the order's lock is released).
    pub(crate) fn attach(
        &self,
        o: &mut OrderWrite<'_>,
        n: NewNotification,
        now_ms: i64,
    ) -> Prepared {
        let p = self.make(n, now_ms);
        o.event(now_ms.div_euclid(1000), EventKind::Notified(p.0.id));
        o.journal_with(NumTable::Notifications, p.0.id, &p.0);
        p
    }

    /// A notification with the next id, due at `now_ms`.
    fn make(&self, n: NewNotification, now_ms: i64) -> Prepared {
        let id = {
            let mut g = lock(&self.inner);
            let id = g.next_id;
            g.next_id += 1;
            id
        };
        Prepared(Notification {
            id,
            kind: n.kind,
            encoding: n.encoding,
            url: n.url,
            mch_id: n.mch_id,
            out_trade_no: n.out_trade_no,
            out_refund_no: n.out_refund_no,
            body: Bytes::from(n.body),
            created_at_ms: now_ms,
            state: State::Pending,
            attempts: Vec::new(),
            next_attempt_ms: Some(now_ms),
            retries: 0,
            in_flight: false,
            duplicate_first: n.duplicate,
        })
    }

    /// Queues a notification made by [`Notifier::attach`] for delivery.
    pub(crate) fn publish(&self, p: Prepared) {
        {
            let mut g = lock(&self.inner);
            let n = p.0;
            g.items.insert(n.id, n);
            // Retention: drop the oldest finished notifications. A pending
            // one is never dropped (it would never be retried): when only
            // pending ones remain, the list grows past the cap and a warning
            // says so once.
            while g.items.len() > self.max_items {
                let Some(v) = g.finished.pop_front() else {
                    if !g.over_cap_warned {
                        g.over_cap_warned = true;
                        tracing::warn!(
                            cap = self.max_items,
                            "more pending notifications than max_notifications: none is dropped; raise the cap"
                        );
                    }
                    break;
                };
                if g.items
                    .get(&v)
                    .is_some_and(|x| x.state != State::Pending && !x.in_flight)
                {
                    g.items.remove(&v);
                    if let Some(j) = &self.journal {
                        j.delete_num(NumTable::Notifications, v);
                    }
                }
            }
            if g.items.len() <= self.max_items {
                g.over_cap_warned = false;
            }
        }
        self.wake.notify_one();
    }

    /// Schedules a refund to settle at `job.due_ms`.
    pub(crate) fn schedule_refund(&self, job: RefundJob) {
        lock(&self.inner).refund_jobs.push(job);
        self.wake.notify_one();
    }

    /// Takes everything due at `now_ms` (marking deliveries in flight).
    pub(crate) fn take_due(&self, now_ms: i64) -> Taken {
        let mut g = lock(&self.inner);
        let mut t = Taken::default();
        let (due, later): (Vec<RefundJob>, Vec<RefundJob>) =
            g.refund_jobs.iter().partition(|j| j.due_ms <= now_ms);
        t.next_ms = later.iter().map(|j| j.due_ms).min();
        g.refund_jobs = later;
        t.refunds = due;
        t.refunds.sort();
        let mut newly = 0;
        for n in g.items.values_mut() {
            let Some(at) = n.next_attempt_ms else {
                continue;
            };
            if n.in_flight {
                continue;
            }
            if at <= now_ms {
                n.in_flight = true;
                n.next_attempt_ms = None;
                let duplicate = n.duplicate_first && n.attempts.is_empty();
                t.deliveries.push(Due {
                    id: n.id,
                    due_ms: at,
                    url: n.url.clone(),
                    body: n.body.clone(),
                    duplicate,
                });
                newly += 1;
            } else {
                t.next_ms = Some(t.next_ms.map_or(at, |m| m.min(at)));
            }
        }
        g.in_flight += newly;
        t.in_flight = g.in_flight;
        t
    }

    /// Records the outcome of an attempt and schedules the next one.
    fn record(&self, id: u64, due_ms: i64, attempts: Vec<Attempt>) {
        {
            let mut g = lock(&self.inner);
            g.in_flight = g.in_flight.saturating_sub(1);
            let mut finished = false;
            let journal = self.journal.as_deref();
            if let Some(n) = g.items.get_mut(&id) {
                n.in_flight = false;
                let accepted = attempts.iter().any(|a| a.accepted);
                n.attempts.extend(attempts);
                if accepted {
                    n.state = State::Acknowledged;
                    n.next_attempt_ms = None;
                } else if let Some(secs) = rules::NOTIFY_RETRY_SCHEDULE_SECS.get(n.retries) {
                    n.retries += 1;
                    n.state = State::Pending;
                    let secs = i64::try_from(*secs).unwrap_or(i64::MAX / 1000);
                    n.next_attempt_ms = Some(due_ms.saturating_add(secs * 1000));
                } else {
                    n.state = State::Exhausted;
                    n.next_attempt_ms = None;
                }
                if n.state != State::Pending {
                    finished = true;
                }
                n.journal(journal);
            }
            if finished {
                g.finished.push_back(id);
            }
        }
        self.progress.notify_waiters();
        self.wake.notify_one();
    }

    /// Makes a notification due again now (re-opening it if it was
    /// acknowledged or exhausted).
    pub(crate) fn redeliver(&self, id: u64, now_ms: i64) -> Option<()> {
        {
            let mut g = lock(&self.inner);
            let n = g.items.get_mut(&id)?;
            if !n.in_flight {
                n.next_attempt_ms = Some(now_ms);
                n.state = State::Pending;
                n.journal(self.journal.as_deref());
            }
        }
        self.wake.notify_one();
        Some(())
    }

    /// The notifications as JSON, optionally filtered.
    pub(crate) fn list_json(&self, out_trade_no: Option<&str>, kind: Option<&str>) -> Value {
        let g = lock(&self.inner);
        Value::Array(
            g.items
                .values()
                .filter(|n| out_trade_no.is_none_or(|o| n.out_trade_no == o))
                .filter(|n| kind.is_none_or(|k| n.kind.as_str() == k))
                .map(Notification::to_json)
                .collect(),
        )
    }

    pub(crate) fn get_json(&self, id: u64) -> Option<Value> {
        lock(&self.inner).items.get(&id).map(Notification::to_json)
    }

    /// Forgets every notification; ids keep counting up. Returns the next
    /// id (which the journal keeps).
    pub(crate) fn clear(&self) -> u64 {
        let mut g = lock(&self.inner);
        g.items.clear();
        g.finished.clear();
        g.refund_jobs.clear();
        g.next_id
    }

    /// A future that completes at the next recorded attempt; enable it
    /// before checking the state to miss no wake-up.
    pub(crate) fn progress(&self) -> tokio::sync::futures::Notified<'_> {
        self.progress.notified()
    }

    /// The delivery slots of one receiver (`host:port`).
    fn slots(&self, url: &str) -> std::sync::Arc<tokio::sync::Semaphore> {
        let receiver = authority(url);
        let mut m = lock(&self.receivers);
        if let Some(s) = m.get(receiver) {
            return std::sync::Arc::clone(s);
        }
        if m.len() > MAX_RECEIVERS_TRACKED {
            // Forget receivers with nothing in flight.
            m.retain(|_, s| s.available_permits() < DELIVERIES_PER_RECEIVER);
        }
        std::sync::Arc::clone(m.entry(receiver.to_owned()).or_insert_with(|| {
            std::sync::Arc::new(tokio::sync::Semaphore::new(DELIVERIES_PER_RECEIVER))
        }))
    }

    /// Makes one attempt (two when it is a duplicated first delivery),
    /// once one of the receiver's delivery slots is free.
    pub(crate) async fn attempt(&self, d: Due) {
        let slots = self.slots(&d.url);
        // The semaphore is never closed, so this always yields a permit.
        let _permit = slots.acquire().await;
        let first = deliver(&d.url, d.body.clone(), d.due_ms, false);
        let attempts = if d.duplicate {
            let (a, b) = tokio::join!(first, deliver(&d.url, d.body.clone(), d.due_ms, true));
            vec![a, b]
        } else {
            vec![first.await]
        };
        self.record(d.id, d.due_ms, attempts);
    }
}

impl Notification {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "kind": self.kind.as_str(),
            "url": self.url,
            "mch_id": self.mch_id,
            "out_trade_no": self.out_trade_no,
            "out_refund_no": self.out_refund_no,
            "state": self.state.as_str(),
            "created_at": self.created_at_ms.div_euclid(1000),
            "body": String::from_utf8_lossy(&self.body),
            "attempts": self.attempts.iter().map(|a| json!({
                "at": a.at_ms.div_euclid(1000),
                "at_beijing": rules::format_datetime(a.at_ms.div_euclid(1000)),
                "http_status": a.http_status,
                "response_excerpt": a.excerpt,
                "accepted": a.accepted,
                "reason": a.reason,
                "duplicate": a.duplicate,
            })).collect::<Vec<_>>(),
            "next_attempt_at": self.next_attempt_ms.map(|m| m.div_euclid(1000)),
            "next_attempt_at_beijing": self.next_attempt_ms.map(|m| rules::format_datetime(m.div_euclid(1000))),
        })
    }
}

/// Why a delivery could not even get an HTTP answer.
enum Transport {
    Unsupported(String),
    Connect(std::io::Error),
    Http(String),
    Timeout,
}

const EXCERPT_CHARS: usize = 200;

/// POSTs one notify and judges the answer.
async fn deliver(url: &str, body: Bytes, at_ms: i64, duplicate: bool) -> Attempt {
    let timeout = core::time::Duration::from_secs(rules::NOTIFY_TIMEOUT_SECS);
    let result = match tokio::time::timeout(timeout, post(url, body)).await {
        Ok(r) => r,
        Err(_) => Err(Transport::Timeout),
    };
    let mut a = Attempt {
        at_ms,
        http_status: None,
        excerpt: String::new(),
        accepted: false,
        reason: String::new(),
        duplicate,
    };
    match result {
        Ok((status, reply)) => {
            a.http_status = Some(status);
            a.excerpt = String::from_utf8_lossy(&reply)
                .chars()
                .take(EXCERPT_CHARS)
                .collect();
            match judge_notify_reply(status, &reply) {
                Ok(()) => {
                    a.accepted = true;
                    "acknowledged".clone_into(&mut a.reason);
                }
                Err(why) => a.reason = why,
            }
        }
        Err(Transport::Unsupported(why)) => a.reason = why,
        Err(Transport::Connect(e)) => {
            a.reason = if e.kind() == std::io::ErrorKind::ConnectionRefused {
                format!(
                    "connection refused: nothing is listening at {}",
                    authority(url)
                )
            } else {
                format!("could not connect to {}: {e}", authority(url))
            };
        }
        Err(Transport::Http(e)) => {
            a.reason = format!("the connection failed before a complete HTTP reply: {e}")
        }
        Err(Transport::Timeout) => {
            a.reason = format!(
                "timeout: no complete reply within {} s (WeChat gives up on an attempt after {} s)",
                rules::NOTIFY_TIMEOUT_SECS,
                rules::NOTIFY_TIMEOUT_SECS
            );
        }
    }
    a
}

fn authority(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or(rest)
    })
}

async fn post(url: &str, body: Bytes) -> Result<(u16, Bytes), Transport> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| Transport::Unsupported(format!("notify_url is not a valid URL: {e}")))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(Transport::Unsupported(
                "https notify_url: the mock delivers over plain HTTP only; give an http:// notify_url for a local receiver"
                    .into(),
            ));
        }
        _ => {
            return Err(Transport::Unsupported(
                "notify_url must start with http://".into(),
            ));
        }
    }
    post_xml(
        &uri,
        body,
        concat!("wxpay-mock/", env!("CARGO_PKG_VERSION")),
    )
    .await
    .map_err(|e| match e {
        PostError::Connect(e) => Transport::Connect(e),
        PostError::Handshake(e) | PostError::Send(e) => Transport::Http(e),
        PostError::Read(e) => Transport::Http(format!("reading the reply: {e}")),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn new(i: usize) -> NewNotification {
        NewNotification {
            kind: Kind::Payment,
            encoding: Encoding::V2Xml,
            url: "http://127.0.0.1:9/notify".into(),
            mch_id: "10000100".into(),
            out_trade_no: format!("order-{i:06}"),
            out_refund_no: None,
            body: "<xml/>".into(),
            duplicate: false,
        }
    }

    fn ids(n: &Notifier) -> Vec<u64> {
        lock(&n.inner).items.keys().copied().collect()
    }

    /// Retention drops only finished notifications: a pending one would
    /// never be retried, so past the cap the list grows instead.
    #[test]
    fn retention_never_drops_pending() {
        let n = Notifier::new(2, None);
        for i in 0..4 {
            n.publish(n.make(new(i), 0));
        }
        assert_eq!(ids(&n), vec![1, 2, 3, 4], "all pending: none dropped");
        let attempt = |accepted| Attempt {
            at_ms: 0,
            http_status: Some(if accepted { 200 } else { 500 }),
            excerpt: String::new(),
            accepted,
            reason: String::new(),
            duplicate: false,
        };
        n.record(2, 0, vec![attempt(false)]);
        assert_eq!(
            lock(&n.inner).items[&2].state,
            State::Pending,
            "a failed attempt stays pending"
        );
        n.record(3, 0, vec![attempt(true)]);
        n.publish(n.make(new(5), 0));
        assert_eq!(ids(&n), vec![1, 2, 4, 5], "the finished one went first");
    }
}
