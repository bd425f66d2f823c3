//! The order store.
//!
//! Orders are kept compactly (one allocation for all of an order's request
//! fields) so that a stored order costs well under 1 KiB. Each order sits
//! behind its own `std::sync::Mutex`, which serializes payment, close and
//! refund on one order; the store's index sits behind another. No lock is
//! ever held across an `.await`, and the index lock is never taken while an
//! order lock is held (lock order: index, then order).
//!
//! An order is read through [`OrderCell::read`] and changed only through
//! [`OrderStore::write`], whose guard hands the changed order to the
//! journal (`--data-dir`) when it is dropped, still under the order's lock,
//! so the journal sees one order's changes in the order they happened.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use wxpay_core::model::rules;
use wxpay_core::model::{RefundStatus, TradeState};
use wxpay_core::{ParamMap, SignType};

use crate::store::journal::{Journal, NumTable};
use crate::store::lock;

/// An order's request fields in one allocation: `name \0 value \0 …`.
/// WeChat's XML cannot carry U+0000, and the codec refuses it, so the
/// separator is unambiguous.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields(Box<str>);

impl Fields {
    pub(crate) fn from_params(p: &ParamMap, skip: &[&str]) -> Self {
        let mut s = String::with_capacity(p.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
        for (k, v) in p {
            if v.is_empty() || skip.contains(&k.as_str()) || k.contains('\0') || v.contains('\0') {
                continue;
            }
            s.push_str(k);
            s.push('\0');
            s.push_str(v);
            s.push('\0');
        }
        Self(s.into_boxed_str())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut it = self.0.split('\0');
        core::iter::from_fn(move || {
            let k = it.next().filter(|k| !k.is_empty())?;
            let v = it.next()?;
            Some((k, v))
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    pub(crate) fn get_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.0.len()
    }

    /// Whether `p`'s non-empty fields, except those in `ignored`, are
    /// exactly this bag's fields except those in `ignored`.
    pub(crate) fn same_as(&self, p: &ParamMap, ignored: &[&str]) -> bool {
        let mut mine = self.iter().filter(|(k, _)| !ignored.contains(k));
        let mut theirs = p
            .iter()
            .filter(|(k, v)| !v.is_empty() && !ignored.contains(&k.as_str()));
        loop {
            match (mine.next(), theirs.next()) {
                (None, None) => return true,
                (Some((a, x)), Some((b, y))) if a == b.as_str() && x == y.as_str() => {}
                _ => return false,
            }
        }
    }
}

/// What happened to an order, for `GET /mock/orders/{out_trade_no}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum EventKind {
    Created,
    Reentered,
    ReentryRefused,
    PaymentCancelled,
    PaymentFailed,
    Paid,
    Closed,
    RefundAccepted(u8),
    RefundSucceeded(u8),
    Notified(u64),
}

/// One event: mock time (Unix seconds) and kind.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Event {
    pub(crate) at: i64,
    pub(crate) kind: EventKind,
}

/// One refund of an order.
#[derive(Debug, Clone)]
pub(crate) struct Refund {
    pub(crate) out_refund_no: Box<str>,
    pub(crate) refund_fee: i64,
    pub(crate) status: RefundStatus,
    pub(crate) created_at: i64,
    /// When a PROCESSING refund turns SUCCESS (mock seconds).
    pub(crate) settle_at: i64,
    pub(crate) success_at: Option<i64>,
    pub(crate) notify_url: Option<Box<str>>,
}

/// The WeChat Pay API version an order was created through. Orders of
/// every version share the store, the scheduler and the clock; the version
/// decides how the order's answers and notifies are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) enum ApiVersion {
    /// API v2: XML, MD5 / HMAC-SHA256 signatures.
    #[default]
    V2,
}

/// A stored order.
#[derive(Debug)]
pub(crate) struct Order {
    pub(crate) seq: u64,
    /// Which API created it.
    pub(crate) api: ApiVersion,
    pub(crate) sandbox: bool,
    pub(crate) sign_type: SignType,
    pub(crate) state: TradeState,
    pub(crate) total_fee: i64,
    pub(crate) created_at: i64,
    /// When the current prepay_id was issued (re-entry after its 2 hours
    /// issues a new one).
    pub(crate) prepay_at: i64,
    pub(crate) expire_at: Option<i64>,
    pub(crate) paid_at: Option<i64>,
    pub(crate) closed_at: Option<i64>,
    /// The request's fields (without nonce_str and sign).
    pub(crate) fields: Fields,
    pub(crate) refunds: Vec<Refund>,
    pub(crate) events: Vec<Event>,
    /// The `sign` of the last unifiedorder answer, so that the doctor can
    /// name its reuse as a paySign (a classic mistake).
    pub(crate) answer_sign: Option<wxpay_core::Sign>,
}

/// How ids encode the order's sequence number (so lookups need no extra
/// index): `wx` + yyyyMMddHHmmss + 4 hex (instance) + 16 hex (seq).
pub(crate) fn prepay_id(instance: u16, created_at: i64, seq: u64) -> String {
    format!(
        "wx{}{instance:04x}{seq:016x}",
        rules::format_time14(created_at)
    )
}

/// The sequence number inside a prepay_id made by [`prepay_id`].
pub(crate) fn seq_of_prepay_id(id: &str) -> Option<u64> {
    if id.len() != 36 || !id.starts_with("wx") {
        return None;
    }
    u64::from_str_radix(id.get(20..)?, 16).ok()
}

/// A 28-digit transaction_id starting `4200`: `4200000` + yyyyMMdd (Beijing,
/// payment day) + 13-digit seq.
pub(crate) fn transaction_id(paid_at: i64, seq: u64) -> String {
    format!("4200000{}{seq:013}", rules::format_date8(paid_at))
}

pub(crate) fn seq_of_transaction_id(id: &str) -> Option<u64> {
    if id.len() != 28 || !id.starts_with("4200") || !id.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    id.get(15..)?.parse().ok()
}

/// A 29-digit refund_id: `50300` + yyyyMMdd + 14-digit seq + 2-digit index.
pub(crate) fn refund_id(created_at: i64, seq: u64, idx: usize) -> String {
    format!("50300{}{seq:014}{idx:02}", rules::format_date8(created_at))
}

pub(crate) fn parse_refund_id(id: &str) -> Option<(u64, usize)> {
    if id.len() != 29 || !id.starts_with("503") || !id.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((id.get(13..27)?.parse().ok()?, id.get(27..)?.parse().ok()?))
}

impl Order {
    pub(crate) fn appid(&self) -> &str {
        self.fields.get_or_empty("appid")
    }
    pub(crate) fn mch_id(&self) -> &str {
        self.fields.get_or_empty("mch_id")
    }
    pub(crate) fn out_trade_no(&self) -> &str {
        self.fields.get_or_empty("out_trade_no")
    }
    pub(crate) fn prepay_id(&self, instance: u16) -> String {
        prepay_id(instance, self.prepay_at, self.seq)
    }
    pub(crate) fn transaction_id(&self) -> Option<String> {
        self.paid_at.map(|t| transaction_id(t, self.seq))
    }
    pub(crate) fn refund_id(&self, idx: usize) -> String {
        let at = self
            .refunds
            .get(idx)
            .map_or(self.created_at, |r| r.created_at);
        refund_id(at, self.seq, idx)
    }
    pub(crate) fn refunded_fee(&self) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.status != RefundStatus::RefundClose)
            .map(|r| r.refund_fee)
            .sum()
    }
    pub(crate) fn event(&mut self, at: i64, kind: EventKind) {
        self.events.push(Event { at, kind });
    }
    /// Approximate bytes this order holds (struct + heap).
    pub(crate) fn approx_bytes(&self) -> usize {
        size_of::<Self>()
            + self.fields.heap_bytes()
            + self.events.capacity() * size_of::<Event>()
            + self
                .refunds
                .iter()
                .map(|r| {
                    size_of::<Refund>()
                        + r.out_refund_no.len()
                        + r.notify_url.as_ref().map_or(0, |u| u.len())
                })
                .sum::<usize>()
    }
}

/// One order behind its lock. Read it with [`OrderCell::read`]; change it
/// with [`OrderStore::write`].
#[derive(Debug)]
pub(crate) struct OrderCell(Mutex<Order>);

/// A shared handle on one order.
pub(crate) type OrderRef = Arc<OrderCell>;

/// A locked order, read-only.
pub(crate) struct OrderRead<'a>(MutexGuard<'a, Order>);

impl core::ops::Deref for OrderRead<'_> {
    type Target = Order;
    fn deref(&self) -> &Order {
        &self.0
    }
}

impl OrderCell {
    fn new(o: Order) -> Self {
        Self(Mutex::new(o))
    }

    /// Locks the order for reading.
    pub(crate) fn read(&self) -> OrderRead<'_> {
        OrderRead(lock(&self.0))
    }
}

/// A locked order that may be changed; on drop, the order goes to the
/// journal (when there is one) before the lock is released.
pub(crate) struct OrderWrite<'a> {
    guard: MutexGuard<'a, Order>,
    journal: Option<&'a Journal>,
    /// Records that go to the journal in the same transaction as the order.
    with: Vec<(NumTable, u64, Vec<u8>)>,
}

impl OrderWrite<'_> {
    /// Journals `value` in the same transaction as this order (a crash keeps
    /// both or neither): a notify that the order's events name.
    pub(crate) fn journal_with(&mut self, table: NumTable, key: u64, value: &impl Serialize) {
        if self.journal.is_some() {
            self.with
                .push((table, key, crate::store::journal::encode(value)));
        }
    }
}

impl core::ops::Deref for OrderWrite<'_> {
    type Target = Order;
    fn deref(&self) -> &Order {
        &self.guard
    }
}

impl core::ops::DerefMut for OrderWrite<'_> {
    fn deref_mut(&mut self) -> &mut Order {
        &mut self.guard
    }
}

impl Drop for OrderWrite<'_> {
    fn drop(&mut self) {
        if let Some(j) = self.journal {
            if self.with.is_empty() {
                j.put_num(NumTable::Orders, self.guard.seq, &self.guard.record());
            } else {
                let mut records = core::mem::take(&mut self.with);
                records.push((
                    NumTable::Orders,
                    self.guard.seq,
                    crate::store::journal::encode(&self.guard.record()),
                ));
                j.put_batch(records);
            }
        }
    }
}

/// An order as the journal stores it.
#[derive(Serialize, Deserialize)]
pub(crate) struct OrderRecord {
    seq: u64,
    /// Absent in records written before it existed: those are v2 orders.
    #[serde(default)]
    api: ApiVersion,
    sandbox: bool,
    sign_type: String,
    state: String,
    total_fee: i64,
    created_at: i64,
    prepay_at: i64,
    expire_at: Option<i64>,
    paid_at: Option<i64>,
    closed_at: Option<i64>,
    /// `name \0 value \0 …`, as in memory.
    fields: String,
    refunds: Vec<RefundRecord>,
    events: Vec<Event>,
    answer_sign: Option<String>,
}

/// A refund as the journal stores it.
#[derive(Serialize, Deserialize)]
pub(crate) struct RefundRecord {
    out_refund_no: String,
    refund_fee: i64,
    status: String,
    created_at: i64,
    settle_at: i64,
    success_at: Option<i64>,
    notify_url: Option<String>,
}

impl Order {
    /// The journal's record of this order.
    pub(crate) fn record(&self) -> OrderRecord {
        OrderRecord {
            seq: self.seq,
            api: self.api,
            sandbox: self.sandbox,
            sign_type: self.sign_type.as_str().into(),
            state: self.state.as_str().into(),
            total_fee: self.total_fee,
            created_at: self.created_at,
            prepay_at: self.prepay_at,
            expire_at: self.expire_at,
            paid_at: self.paid_at,
            closed_at: self.closed_at,
            fields: self.fields.0.to_string(),
            refunds: self
                .refunds
                .iter()
                .map(|r| RefundRecord {
                    out_refund_no: r.out_refund_no.to_string(),
                    refund_fee: r.refund_fee,
                    status: r.status.as_str().into(),
                    created_at: r.created_at,
                    settle_at: r.settle_at,
                    success_at: r.success_at,
                    notify_url: r.notify_url.as_deref().map(str::to_owned),
                })
                .collect(),
            events: self.events.clone(),
            answer_sign: self.answer_sign.map(|s| s.as_str().to_owned()),
        }
    }

    /// Rebuilds an order from its journal record.
    ///
    /// # Errors
    /// Names the field that holds a value this build does not know.
    pub(crate) fn from_record(r: OrderRecord) -> Result<Self, String> {
        let bad = |what: &str, v: &str| format!("order {}: unknown {what} {v:?}", r.seq);
        let refunds = r
            .refunds
            .into_iter()
            .map(|x| {
                Ok(Refund {
                    status: RefundStatus::parse(&x.status)
                        .ok_or_else(|| bad("refund_status", &x.status))?,
                    out_refund_no: x.out_refund_no.into(),
                    refund_fee: x.refund_fee,
                    created_at: x.created_at,
                    settle_at: x.settle_at,
                    success_at: x.success_at,
                    notify_url: x.notify_url.map(String::into_boxed_str),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let answer_sign = match &r.answer_sign {
            Some(s) => Some(wxpay_core::Sign::from_hex(s).ok_or_else(|| bad("answer sign", s))?),
            None => None,
        };
        Ok(Self {
            seq: r.seq,
            api: r.api,
            sandbox: r.sandbox,
            sign_type: r
                .sign_type
                .parse()
                .map_err(|_| bad("sign_type", &r.sign_type))?,
            state: TradeState::parse(&r.state).ok_or_else(|| bad("trade_state", &r.state))?,
            total_fee: r.total_fee,
            created_at: r.created_at,
            prepay_at: r.prepay_at,
            expire_at: r.expire_at,
            paid_at: r.paid_at,
            closed_at: r.closed_at,
            fields: Fields(r.fields.into_boxed_str()),
            refunds,
            events: r.events,
            answer_sign,
        })
    }
}

/// The key orders are unique under: sandbox flag + mch_id + out_trade_no.
fn order_key(sandbox: bool, mch_id: &str, out_trade_no: &str) -> Box<str> {
    let mut k = String::with_capacity(mch_id.len() + out_trade_no.len() + 2);
    k.push(if sandbox { 's' } else { 'p' });
    k.push_str(mch_id);
    k.push('\0');
    k.push_str(out_trade_no);
    k.into_boxed_str()
}

/// The index. Sequence numbers are handed out in order and orders are
/// evicted oldest first, so the orders themselves sit in a deque indexed by
/// `seq - first` (no second hash map, no separate FIFO).
/// foldhash: much cheaper than SipHash on these short keys, and still seeded
/// per process.
type Map<V> = HashMap<Box<str>, V, foldhash::fast::RandomState>;

#[derive(Default)]
struct Index {
    by_key: Map<u64>,
    /// Orders by sequence number: `slots[i]` holds seq `first + i` (`None`
    /// only for a gap in orders read back from a data dir).
    slots: VecDeque<Option<OrderRef>>,
    first: u64,
    refunds: Map<u64>,
    /// How many slots hold an order.
    len: usize,
}

impl Index {
    fn get(&self, seq: u64) -> Option<&OrderRef> {
        let i = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.slots.get(i)?.as_ref()
    }

    /// Indexes an order under its keys.
    fn add_keys(&mut self, o: &Order) {
        self.by_key
            .insert(order_key(o.sandbox, o.mch_id(), o.out_trade_no()), o.seq);
        for r in &o.refunds {
            self.refunds
                .insert(order_key(o.sandbox, o.mch_id(), &r.out_refund_no), o.seq);
        }
    }

    fn next_seq(&self) -> u64 {
        self.first + self.slots.len() as u64
    }
}

/// Every order the mock holds.
pub(crate) struct OrderStore {
    index: Mutex<Index>,
    max_orders: usize,
    journal: Option<Arc<Journal>>,
}

/// The outcome of [`OrderStore::insert_or_get`].
pub(crate) enum Insert {
    /// A new order was stored.
    Created(OrderRef),
    /// An order with this out_trade_no already exists.
    Existing(OrderRef),
}

impl OrderStore {
    pub(crate) fn new(max_orders: usize, journal: Option<Arc<Journal>>) -> Self {
        Self {
            index: Mutex::new(Index {
                first: 1,
                ..Index::default()
            }),
            max_orders,
            journal,
        }
    }

    /// Locks an order for changing; the change reaches the journal when the
    /// guard is dropped.
    pub(crate) fn write<'a>(&'a self, order: &'a OrderRef) -> OrderWrite<'a> {
        OrderWrite {
            guard: lock(&order.0),
            journal: self.journal.as_deref(),
            with: Vec::new(),
        }
    }

    /// Puts back orders read from the journal (on start, before serving).
    /// `next_seq` is the first sequence number never handed out. Beyond
    /// `max_orders` the oldest are dropped, as at run time.
    pub(crate) fn restore(&self, mut orders: Vec<Order>, next_seq: u64) {
        orders.sort_by_key(|o| o.seq);
        let next = orders.last().map_or(next_seq, |o| o.seq + 1).max(next_seq);
        let mut ix = lock(&self.index);
        *ix = Index {
            first: orders.first().map_or(next, |o| o.seq),
            ..Index::default()
        };
        for o in orders {
            while ix.next_seq() < o.seq {
                ix.slots.push_back(None);
            }
            ix.add_keys(&o);
            ix.slots.push_back(Some(Arc::new(OrderCell::new(o))));
            ix.len += 1;
        }
        self.evict(&mut ix);
        // Sequence numbers continue after the highest ever handed out.
        while ix.next_seq() < next {
            ix.slots.push_back(None);
        }
    }

    /// Drops the oldest orders beyond `max_orders`.
    fn evict(&self, ix: &mut Index) {
        while ix.len > self.max_orders {
            let Some(old) = ix.slots.pop_front() else {
                break;
            };
            ix.first += 1;
            let Some(old) = old else {
                continue;
            };
            ix.len -= 1;
            let o = old.read();
            let k = order_key(o.sandbox, o.mch_id(), o.out_trade_no());
            ix.by_key.remove(&k);
            for r in &o.refunds {
                ix.refunds
                    .remove(&order_key(o.sandbox, o.mch_id(), &r.out_refund_no));
            }
            if let Some(j) = &self.journal {
                j.delete_num(NumTable::Orders, o.seq);
            }
        }
        while ix.slots.front().is_some_and(Option::is_none) {
            ix.slots.pop_front();
            ix.first += 1;
        }
    }

    /// Stores the order `make(seq)` builds unless one exists under the same
    /// key; atomic, so two concurrent creations of one out_trade_no make one
    /// order.
    pub(crate) fn insert_or_get(
        &self,
        sandbox: bool,
        mch_id: &str,
        out_trade_no: &str,
        make: impl FnOnce(u64) -> Order,
    ) -> Insert {
        let key = order_key(sandbox, mch_id, out_trade_no);
        let mut ix = lock(&self.index);
        if let Some(o) = ix.by_key.get(&key).and_then(|s| ix.get(*s)) {
            return Insert::Existing(Arc::clone(o));
        }
        let seq = ix.next_seq();
        let made = make(seq);
        if let Some(j) = &self.journal {
            j.put_num(NumTable::Orders, seq, &made.record());
        }
        let order = Arc::new(OrderCell::new(made));
        ix.by_key.insert(key, seq);
        ix.slots.push_back(Some(Arc::clone(&order)));
        ix.len += 1;
        self.evict(&mut ix);
        Insert::Created(order)
    }

    pub(crate) fn by_out_trade_no(
        &self,
        sandbox: bool,
        mch_id: &str,
        out_trade_no: &str,
    ) -> Option<OrderRef> {
        let ix = lock(&self.index);
        let seq = ix.by_key.get(&order_key(sandbox, mch_id, out_trade_no))?;
        ix.get(*seq).cloned()
    }

    pub(crate) fn by_seq(&self, seq: u64) -> Option<OrderRef> {
        lock(&self.index).get(seq).cloned()
    }

    /// The order of a transaction_id, if it is this merchant's and paid.
    pub(crate) fn by_transaction_id(
        &self,
        sandbox: bool,
        mch_id: &str,
        id: &str,
    ) -> Option<OrderRef> {
        let o = self.by_seq(seq_of_transaction_id(id)?)?;
        {
            let g = o.read();
            if g.sandbox != sandbox
                || g.mch_id() != mch_id
                || g.transaction_id().as_deref() != Some(id)
            {
                return None;
            }
        }
        Some(o)
    }

    /// The order holding a refund, by out_refund_no.
    pub(crate) fn by_out_refund_no(
        &self,
        sandbox: bool,
        mch_id: &str,
        out_refund_no: &str,
    ) -> Option<OrderRef> {
        let ix = lock(&self.index);
        let seq = ix.refunds.get(&order_key(sandbox, mch_id, out_refund_no))?;
        ix.get(*seq).cloned()
    }

    /// Records that `out_refund_no` belongs to order `seq`; returns the
    /// order it already belongs to when that is another one.
    pub(crate) fn claim_out_refund_no(
        &self,
        sandbox: bool,
        mch_id: &str,
        out_refund_no: &str,
        seq: u64,
    ) -> Result<(), u64> {
        let mut ix = lock(&self.index);
        let k = order_key(sandbox, mch_id, out_refund_no);
        match ix.refunds.get(&k) {
            Some(&s) if s != seq => Err(s),
            Some(_) => Ok(()),
            None => {
                ix.refunds.insert(k, seq);
                Ok(())
            }
        }
    }

    /// Undoes a claim made by a refund that was then refused.
    pub(crate) fn release_out_refund_no(
        &self,
        sandbox: bool,
        mch_id: &str,
        out_refund_no: &str,
        seq: u64,
    ) {
        let mut ix = lock(&self.index);
        let k = order_key(sandbox, mch_id, out_refund_no);
        if ix.refunds.get(&k) == Some(&seq) {
            ix.refunds.remove(&k);
        }
    }

    /// Every order, oldest first.
    pub(crate) fn all(&self) -> Vec<OrderRef> {
        lock(&self.index).slots.iter().flatten().cloned().collect()
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.index).len
    }

    /// Forgets every order; sequence numbers keep counting up, so ids made
    /// before the reset never match a new order. Returns the next sequence
    /// number (which the journal keeps).
    pub(crate) fn clear(&self) -> u64 {
        let mut ix = lock(&self.index);
        let next = ix.next_seq();
        *ix = Index {
            first: next,
            ..Index::default()
        };
        next
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_roundtrip() {
        let t = 1_700_000_000;
        let p = prepay_id(0xabcd, t, 42);
        assert_eq!(p.len(), 36);
        assert_eq!(seq_of_prepay_id(&p), Some(42));
        let x = transaction_id(t, 123_456);
        assert_eq!(x.len(), 28);
        assert!(x.starts_with("4200"));
        assert_eq!(seq_of_transaction_id(&x), Some(123_456));
        let r = refund_id(t, 77, 3);
        assert_eq!(r.len(), 29);
        assert_eq!(parse_refund_id(&r), Some((77, 3)));
    }

    #[test]
    fn fields_roundtrip() {
        let mut p = ParamMap::new();
        p.insert("body".into(), "测试".into());
        p.insert("attach".into(), String::new());
        p.insert("sign".into(), "X".into());
        let f = Fields::from_params(&p, &["sign"]);
        assert_eq!(f.get("body"), Some("测试"));
        assert_eq!(f.get("attach"), None);
        assert_eq!(f.get("sign"), None);
        assert_eq!(f.iter().count(), 1);
        // Re-entry comparison: ignored fields and empty values do not count.
        let mut q = p.clone();
        q.insert("sign".into(), "Y".into());
        q.insert("extra".into(), String::new());
        assert!(f.same_as(&q, &["sign"]));
        q.insert("body".into(), "changed".into());
        assert!(!f.same_as(&q, &["sign"]));
        q.insert("body".into(), "测试".into());
        q.insert("new".into(), "x".into());
        assert!(!f.same_as(&q, &["sign"]));
    }

    /// A record written before orders knew their API version reads back as
    /// a v2 order (the journal format did not change).
    #[test]
    fn record_without_api_version_is_v2() {
        let old = r#"{"seq":7,"sandbox":false,"sign_type":"MD5","state":"NOTPAY","total_fee":1,"created_at":0,"prepay_at":0,"expire_at":null,"paid_at":null,"closed_at":null,"fields":"","refunds":[],"events":[],"answer_sign":null}"#;
        let rec: OrderRecord = serde_json::from_str(old).expect("an old record");
        let o = Order::from_record(rec).expect("readable");
        assert_eq!((o.seq, o.api), (7, ApiVersion::V2));
        let again = String::from_utf8(crate::store::journal::encode(&o.record())).expect("utf-8");
        assert!(again.contains(r#""api":"V2""#), "{again}");
    }
}
