//! The console's change feed (a counter that long-polls wait on) and the
//! recent XML exchanges, as sent on the wire.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::store::lock;

/// How many XML exchanges the console keeps (the oldest are dropped).
const MAX_EXCHANGES: usize = 1000;
/// The longest request or response body kept per exchange.
const MAX_EXCHANGE_BYTES: usize = 16 * 1024;

/// One XML request and its answer, as sent on the wire.
struct Exchange {
    seq: u64,
    at: i64,
    path: String,
    request: Bytes,
    response: Bytes,
    status: u16,
}

/// The console's state: a change counter and the recent XML exchanges.
pub(crate) struct Feed {
    version: watch::Sender<u64>,
    exchanges: Mutex<VecDeque<Exchange>>,
}

impl Feed {
    pub(crate) fn new() -> Self {
        let (version, _) = watch::channel(0);
        Self {
            version,
            exchanges: Mutex::new(VecDeque::new()),
        }
    }

    /// A receiver of the change counter, for a long-poll.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Tells waiting consoles that something changed.
    pub(crate) fn changed(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Records an XML exchange (bodies cut at 16 KiB) and signals a change.
    pub(crate) fn record(&self, at: i64, path: &str, request: Bytes, response: Bytes, status: u16) {
        let cut = |b: Bytes| {
            if b.len() > MAX_EXCHANGE_BYTES {
                b.slice(..MAX_EXCHANGE_BYTES)
            } else {
                b
            }
        };
        {
            let mut ex = lock(&self.exchanges);
            let seq = ex.back().map_or(1, |e| e.seq + 1);
            if ex.len() >= MAX_EXCHANGES {
                ex.pop_front();
            }
            ex.push_back(Exchange {
                seq,
                at,
                path: path.to_owned(),
                request: cut(request),
                response: cut(response),
                status,
            });
        }
        self.changed();
    }

    pub(crate) fn clear(&self) {
        lock(&self.exchanges).clear();
        self.changed();
    }

    /// The exchanges whose request or response names `out_trade_no`.
    pub(crate) fn exchanges_json(&self, out_trade_no: Option<&str>) -> Value {
        let needle = out_trade_no.map(|n| format!("<out_trade_no>{n}</out_trade_no>"));
        let needle_cdata =
            out_trade_no.map(|n| format!("<out_trade_no><![CDATA[{n}]]></out_trade_no>"));
        let ex = lock(&self.exchanges);
        let list: Vec<Value> = ex
            .iter()
            .filter_map(|e| {
                let req = String::from_utf8_lossy(&e.request);
                let resp = String::from_utf8_lossy(&e.response);
                if let (Some(n), Some(c)) = (&needle, &needle_cdata) {
                    let hit = |s: &str| s.contains(n.as_str()) || s.contains(c.as_str());
                    if !hit(&req) && !hit(&resp) {
                        return None;
                    }
                }
                Some(json!({
                    "seq": e.seq,
                    "at": e.at,
                    "at_beijing": wxpay_core::model::rules::format_datetime(e.at),
                    "path": e.path,
                    "status": e.status,
                    "request": req,
                    "response": resp,
                }))
            })
            .collect();
        Value::Array(list)
    }
}
