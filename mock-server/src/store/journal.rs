//! Opt-in persistence (`--data-dir DIR`): the mock's state in an embedded
//! [redb](https://docs.rs/redb) database, `DIR/wxpay-mock.redb`.
//!
//! The mock still works from memory. Every change to an order (refunds
//! included), a notification (with its schedule), a login code, the clock
//! offset or a sandbox key generation is also sent, in the order it
//! happened, to one writer thread. The writer commits whatever has queued up
//! in one durable (fsync'd) transaction: group commit, so a burst of
//! requests shares one fsync. Before the server answers a request it waits
//! until every change sent so far is committed ([`Journal::durable`]); so
//! `kill -9` at any moment loses nothing the mock has answered for. On start
//! the state is read back, and pending notifications and processing refunds
//! resume their schedule.
//!
//! Why redb: it is pure Rust (no C toolchain, quick to build in CI), ACID
//! with copy-on-write B-trees and checksummed commits that survive a crash
//! at any point, a single file, and locked against a second process. The
//! mock needs key → bytes, not SQL.
//!
//! Records are JSON (tolerant of added fields); the `format` meta record
//! refuses a file written by an incompatible version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::store::lock;

/// The database file inside the data directory.
pub(crate) const FILE_NAME: &str = "wxpay-mock.redb";

/// The record format this build reads and writes. Records are JSON; a
/// field added with a serde default (an order's `api`, a notification's
/// `encoding`, both absent = v2) keeps the format: older records read as
/// before, and older builds ignore the new fields. A change that older
/// builds would misread must bump it (they then refuse the data dir).
const FORMAT: u64 = 1;

/// Most changes committed in one transaction.
const MAX_BATCH: usize = 8192;

/// redb's page cache (its default is 1 GiB). The mock reads the file once,
/// at start, and then only writes, so a small cache keeps RSS flat.
const CACHE_BYTES: usize = 16 << 20;

const ORDERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("orders");
const NOTIFICATIONS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("notifications");
const LOGINS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("logins");
const MINTED: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("minted");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

/// Tables keyed by a number.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NumTable {
    /// Orders by sequence number.
    Orders,
    /// Notifications by id.
    Notifications,
}

/// Tables keyed by text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TextTable {
    /// jscode2session codes by code.
    Logins,
    /// `appid \0 openid` pairs minted by `/mock/login` (empty values).
    Minted,
    /// Single values: clock offset, sandbox generations, counters.
    Meta,
}

/// Meta keys.
pub(crate) mod meta {
    /// The record format (a number).
    pub(crate) const FORMAT: &str = "format";
    /// The instance id inside every prepay_id (a number).
    pub(crate) const INSTANCE: &str = "instance";
    /// The mock clock's offset from the wall clock, ms (a number).
    pub(crate) const CLOCK_OFFSET_MS: &str = "clock_offset_ms";
    /// Sandbox key generation per mch_id (an object).
    pub(crate) const SANDBOX_GEN: &str = "sandbox_gen";
    /// The next order sequence number, written when orders are cleared.
    pub(crate) const NEXT_ORDER_SEQ: &str = "next_order_seq";
    /// The next notification id, written when notifications are cleared.
    pub(crate) const NEXT_NOTIFICATION_ID: &str = "next_notification_id";
}

enum Op {
    /// Records stored in one transaction: all or none survive a crash.
    Batch(Vec<(NumTable, u64, Vec<u8>)>),
    PutNum(NumTable, u64, Vec<u8>),
    DeleteNum(NumTable, u64),
    PutText(TextTable, String, Vec<u8>),
    DeleteText(TextTable, String),
    Clear,
    Stop,
}

/// How far the writer has got.
#[derive(Debug, Clone, Default)]
struct Status {
    /// Changes committed so far.
    committed: u64,
    /// Set when a commit failed; the writer stops there.
    failed: Option<Arc<str>>,
}

/// Everything read back from the data directory on start.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub(crate) orders: Vec<(u64, Vec<u8>)>,
    pub(crate) notifications: Vec<(u64, Vec<u8>)>,
    pub(crate) logins: Vec<(String, Vec<u8>)>,
    pub(crate) minted: Vec<String>,
    pub(crate) meta: HashMap<String, Vec<u8>>,
}

impl Loaded {
    /// A meta value, decoded.
    pub(crate) fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, String> {
        self.meta
            .get(key)
            .map(|v| decode(v, &format!("meta record {key:?}")))
            .transpose()
    }
}

/// Decodes one JSON record, naming it in the error.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{what} cannot be read: {e}"))
}

/// The write side: an ordered change log into the database.
pub(crate) struct Journal {
    tx: mpsc::Sender<Op>,
    submitted: AtomicU64,
    status: watch::Receiver<Status>,
    writer: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    path: PathBuf,
}

impl core::fmt::Debug for Journal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

fn db_err(e: impl Into<redb::Error>) -> String {
    e.into().to_string()
}

impl Journal {
    /// Opens (or creates) `dir/wxpay-mock.redb`, reads everything back and
    /// starts the writer thread.
    ///
    /// # Errors
    /// A message naming the directory and what went wrong: it cannot be
    /// created, another process has the file open, the file is not a mock
    /// database of this format, or a record cannot be read.
    pub(crate) fn open(dir: &Path) -> Result<(Arc<Self>, Loaded), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the data dir {}: {e}", dir.display()))?;
        let path = dir.join(FILE_NAME);
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => format!(
                "the data dir {} is in use by another wxpay-mock (or another open of it in this process)",
                dir.display()
            ),
            e => format!("cannot open {}: {}", path.display(), db_err(e)),
        })?;
        let loaded = init_and_load(&db).map_err(|e| format!("{}: {e}", path.display()))?;
        let (tx, rx) = mpsc::channel();
        let (status_tx, status) = watch::channel(Status::default());
        let writer = std::thread::Builder::new()
            .name("wxpay-mock-journal".into())
            .spawn(move || write_loop(&db, &rx, &status_tx))
            .map_err(|e| format!("cannot start the journal thread: {e}"))?;
        Ok((
            Arc::new(Self {
                tx,
                submitted: AtomicU64::new(0),
                status,
                writer: std::sync::Mutex::new(Some(writer)),
                path,
            }),
            loaded,
        ))
    }

    fn send(&self, op: Op) {
        self.submitted.fetch_add(1, Ordering::AcqRel);
        // After a failure or `close` the writer is gone: `durable` reports
        // the failure, so the error is not lost here.
        let _ = self.tx.send(op);
    }

    /// Stores a record in a table keyed by number.
    pub(crate) fn put_num(&self, table: NumTable, key: u64, value: &impl Serialize) {
        self.send(Op::PutNum(table, key, encode(value)));
    }

    /// Stores several records in one transaction (all or none survive a
    /// crash), e.g. a paid order and its notify.
    pub(crate) fn put_batch(&self, records: Vec<(NumTable, u64, Vec<u8>)>) {
        self.send(Op::Batch(records));
    }

    /// Removes a record from a table keyed by number.
    pub(crate) fn delete_num(&self, table: NumTable, key: u64) {
        self.send(Op::DeleteNum(table, key));
    }

    /// Stores a record in a table keyed by text.
    pub(crate) fn put_text(&self, table: TextTable, key: &str, value: &impl Serialize) {
        self.send(Op::PutText(table, key.to_owned(), encode(value)));
    }

    /// Removes a record from a table keyed by text.
    pub(crate) fn delete_text(&self, table: TextTable, key: &str) {
        self.send(Op::DeleteText(table, key.to_owned()));
    }

    /// Empties every table but `meta` (for `/mock/reset`).
    pub(crate) fn clear(&self) {
        self.send(Op::Clear);
    }

    /// Waits until every change sent so far is committed.
    ///
    /// # Errors
    /// The reason, when a commit failed: the change is in memory but not on
    /// disk, and the caller must not answer as if it were stored.
    pub(crate) async fn durable(&self) -> Result<(), Arc<str>> {
        let target = self.submitted.load(Ordering::Acquire);
        let mut rx = self.status.clone();
        let ok = rx
            .wait_for(|s| s.committed >= target || s.failed.is_some())
            .await
            .map(|s| (s.committed >= target, s.failed.clone()));
        match ok {
            Ok((true, _)) => Ok(()),
            Ok((false, Some(why))) => Err(why),
            Ok((false, None)) | Err(_) => Err("the journal writer has stopped".into()),
        }
    }

    /// Commits what is queued and closes the database (releasing its lock).
    pub(crate) fn close(&self) {
        let _ = self.tx.send(Op::Stop);
        if let Some(h) = lock(&self.writer).take()
            && h.join().is_err()
        {
            tracing::error!("the journal writer panicked");
        }
    }
}

/// A record as the journal stores it.
pub(crate) fn encode(value: &impl Serialize) -> Vec<u8> {
    // Serializing the mock's own record types cannot fail (no maps with
    // non-string keys, no custom serializers).
    serde_json::to_vec(value).unwrap_or_default()
}

/// Creates the tables (a new file), checks the format and reads everything.
fn init_and_load(db: &Database) -> Result<Loaded, String> {
    let w = db.begin_write().map_err(db_err)?;
    {
        w.open_table(ORDERS).map_err(db_err)?;
        w.open_table(NOTIFICATIONS).map_err(db_err)?;
        w.open_table(LOGINS).map_err(db_err)?;
        w.open_table(MINTED).map_err(db_err)?;
        let mut m = w.open_table(META).map_err(db_err)?;
        let format = m
            .get(meta::FORMAT)
            .map_err(db_err)?
            .map(|v| v.value().to_vec());
        match format {
            None => {
                m.insert(meta::FORMAT, encode(&FORMAT).as_slice())
                    .map_err(db_err)?;
            }
            Some(v) if v == encode(&FORMAT) => {}
            Some(v) => {
                return Err(format!(
                    "written by an incompatible wxpay-mock (record format {}, this build reads {FORMAT}); use another --data-dir",
                    String::from_utf8_lossy(&v)
                ));
            }
        }
    }
    w.commit().map_err(db_err)?;

    let r = db.begin_read().map_err(db_err)?;
    let mut out = Loaded::default();
    for (def, into) in [
        (ORDERS, &mut out.orders),
        (NOTIFICATIONS, &mut out.notifications),
    ] {
        let t = r.open_table(def).map_err(db_err)?;
        for e in t.iter().map_err(db_err)? {
            let (k, v) = e.map_err(db_err)?;
            into.push((k.value(), v.value().to_vec()));
        }
    }
    let t = r.open_table(LOGINS).map_err(db_err)?;
    for e in t.iter().map_err(db_err)? {
        let (k, v) = e.map_err(db_err)?;
        out.logins.push((k.value().to_owned(), v.value().to_vec()));
    }
    let t = r.open_table(MINTED).map_err(db_err)?;
    for e in t.iter().map_err(db_err)? {
        let (k, _) = e.map_err(db_err)?;
        out.minted.push(k.value().to_owned());
    }
    let t = r.open_table(META).map_err(db_err)?;
    for e in t.iter().map_err(db_err)? {
        let (k, v) = e.map_err(db_err)?;
        out.meta.insert(k.value().to_owned(), v.value().to_vec());
    }
    Ok(out)
}

fn num_def(t: NumTable) -> TableDefinition<'static, u64, &'static [u8]> {
    match t {
        NumTable::Orders => ORDERS,
        NumTable::Notifications => NOTIFICATIONS,
    }
}

fn text_def(t: TextTable) -> TableDefinition<'static, &'static str, &'static [u8]> {
    match t {
        TextTable::Logins => LOGINS,
        TextTable::Minted => MINTED,
        TextTable::Meta => META,
    }
}

/// Applies a batch in one transaction and commits it durably. Returns
/// whether a `Stop` was in the batch.
fn commit(db: &Database, batch: &[Op]) -> Result<bool, String> {
    let w = db.begin_write().map_err(db_err)?;
    let mut stop = false;
    for op in batch {
        match op {
            Op::Batch(records) => {
                for (t, k, v) in records {
                    w.open_table(num_def(*t))
                        .map_err(db_err)?
                        .insert(*k, v.as_slice())
                        .map_err(db_err)?;
                }
            }
            Op::PutNum(t, k, v) => {
                w.open_table(num_def(*t))
                    .map_err(db_err)?
                    .insert(*k, v.as_slice())
                    .map_err(db_err)?;
            }
            Op::DeleteNum(t, k) => {
                w.open_table(num_def(*t))
                    .map_err(db_err)?
                    .remove(*k)
                    .map_err(db_err)?;
            }
            Op::PutText(t, k, v) => {
                w.open_table(text_def(*t))
                    .map_err(db_err)?
                    .insert(k.as_str(), v.as_slice())
                    .map_err(db_err)?;
            }
            Op::DeleteText(t, k) => {
                w.open_table(text_def(*t))
                    .map_err(db_err)?
                    .remove(k.as_str())
                    .map_err(db_err)?;
            }
            Op::Clear => {
                for t in [NumTable::Orders, NumTable::Notifications] {
                    w.open_table(num_def(t))
                        .map_err(db_err)?
                        .retain(|_, _| false)
                        .map_err(db_err)?;
                }
                for t in [TextTable::Logins, TextTable::Minted] {
                    w.open_table(text_def(t))
                        .map_err(db_err)?
                        .retain(|_, _| false)
                        .map_err(db_err)?;
                }
            }
            Op::Stop => stop = true,
        }
    }
    w.commit().map_err(db_err)?;
    Ok(stop)
}

/// The writer thread: takes what has queued, commits it, reports progress.
fn write_loop(db: &Database, rx: &mpsc::Receiver<Op>, status: &watch::Sender<Status>) {
    let mut committed = 0u64;
    let mut batch = Vec::new();
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        match commit(db, &batch) {
            Ok(stop) => {
                // `Stop` is not a change anyone waits for, but counting it
                // keeps the count equal to what `send` counted.
                committed += batch.len() as u64;
                status.send_modify(|s| s.committed = committed);
                if stop {
                    return;
                }
            }
            Err(e) => {
                tracing::error!(
                    "the data dir could not be written ({e}); the mock now refuses to answer requests"
                );
                status.send_modify(|s| s.failed = Some(e.into()));
                return;
            }
        }
        batch.clear();
    }
}
