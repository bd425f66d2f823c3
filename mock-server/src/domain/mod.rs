//! The domain layer: the server's shared state ([`App`], behind one `Arc`)
//! and what happens to it — orders paid as the user (`payments`), refunds
//! settled (`refunds`), notifications delivered (`notify`), `wx.login`
//! codes (`logins`), the console feed (`feed`), faults, the one scheduler
//! of timed jobs (`scheduler`) and the mock clock (`clock`). No request or
//! response types: handlers above decode and encode; notifies go out
//! through `outbound`; the `store` below keeps and journals.
//!
//! Every field uses a `std::sync::Mutex` (or atomics) held only for short,
//! synchronous critical sections: no lock is ever held across an `.await`.

pub(crate) mod clock;
pub(crate) mod feed;
pub(crate) mod logins;
pub(crate) mod notify;
pub(crate) mod payments;
pub(crate) mod refunds;
mod scheduler;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use wxpay_core::ApiKey;
use wxpay_core::model::ErrCode;

use crate::config::{Config, Merchant, Switches};
use crate::domain::clock::MockClock;
use crate::domain::feed::Feed;
use crate::domain::logins::{Login, Logins, md5_hex};
use crate::domain::notify::{Notifier, RefundJob};
use crate::store::journal::{Journal, Loaded, TextTable, meta};
use crate::store::lock;
use crate::store::orders::OrderStore;

/// A random `[0-9A-Za-z]` string from a fast non-cryptographic generator
/// (nonces and codes in a mock need uniqueness, not secrecy).
pub(crate) fn random_token(len: usize) -> String {
    wxpay_core::nonce::nonce_from(len, fastrand::fill)
}

/// An injected fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// Answer with this business err_code (SYSTEMERROR, BIZERR_NEED_RETRY, …).
    ErrCode(ErrCode),
    /// jscode2session only: answer with this errcode.
    JsErrcode(i32, &'static str),
    /// Wait this long, then answer normally.
    Delay(u64),
    /// Close the connection without an answer.
    Drop,
    /// Answer HTTP 502 with an HTML page, as a failing gateway does.
    Html502,
}

/// A fault armed for the next `remaining` calls of `endpoint`.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub(crate) endpoint: String,
    pub(crate) kind: FaultKind,
    pub(crate) remaining: u32,
}

/// The shared state of one server.
pub(crate) struct App {
    /// The configuration the server started with.
    pub(crate) config: Config,
    /// The current switches (start from `config.switches`).
    switches: Mutex<Switches>,
    /// The mock clock.
    pub(crate) clock: MockClock,
    /// Orders and refunds.
    pub(crate) orders: OrderStore,
    /// jscode2session codes.
    pub(crate) logins: Mutex<Logins>,
    /// Notify delivery.
    pub(crate) notifier: Notifier,
    /// Armed faults.
    pub(crate) faults: Mutex<Vec<Fault>>,
    /// Whether any fault may be armed (a lock-free fast path for the
    /// common case of none).
    pub(crate) faults_armed: core::sync::atomic::AtomicBool,
    /// Sandbox key generation per mch_id (bumped by rotation).
    sandbox_gen: Mutex<HashMap<String, u32>>,
    /// A random id of this server instance, inside every prepay_id.
    pub(crate) instance: u16,
    /// Set to stop the background tasks.
    pub(crate) stop: watch::Sender<bool>,
    /// The web console's change feed and recorded XML exchanges.
    pub(crate) console: Feed,
    /// Where changes go with `--data-dir` (none: memory only).
    pub(crate) journal: Option<Arc<Journal>>,
    /// The reset gate: a request that changes state holds a read guard
    /// while it changes memory and queues its journal writes; `reset` takes
    /// the write guard, so a change lands wholly before a reset (in memory
    /// and on disk) or wholly after it, never half.
    changes: tokio::sync::RwLock<()>,
}

impl App {
    /// A server's state in memory only.
    pub(crate) fn new(config: Config) -> Arc<Self> {
        Self::build(config, None, fastrand::u16(..))
    }

    fn build(config: Config, journal: Option<Arc<Journal>>, instance: u16) -> Arc<Self> {
        let (stop, _) = watch::channel(false);
        Arc::new(Self {
            switches: Mutex::new(config.switches.clone()),
            clock: MockClock::new(),
            orders: OrderStore::new(config.max_orders, journal.clone()),
            logins: Mutex::new(Logins::default()),
            notifier: Notifier::new(config.max_notifications, journal.clone()),
            faults: Mutex::new(Vec::new()),
            faults_armed: core::sync::atomic::AtomicBool::new(false),
            sandbox_gen: Mutex::new(HashMap::new()),
            instance,
            stop,
            console: Feed::new(),
            config,
            journal,
            changes: tokio::sync::RwLock::new(()),
        })
    }

    /// The state for `config`: from `config.data_dir` when it is set (read
    /// back, and journaled from now on), else empty and in memory.
    ///
    /// # Errors
    /// When the data dir cannot be opened or holds a record this build
    /// cannot read; the message names it.
    pub(crate) fn open(config: Config) -> Result<Arc<Self>, String> {
        let Some(dir) = config.data_dir.clone() else {
            return Ok(Self::new(config));
        };
        let (journal, loaded) = Journal::open(&dir)?;
        let restored = Self::restore(config, &journal, loaded);
        if restored.is_err() {
            journal.close();
        }
        let app = restored?;
        tracing::info!(
            "data dir {}: {} order(s), {} notification(s) pending of {}, clock offset {} s",
            dir.display(),
            app.orders.len(),
            app.notifier.pending_count(),
            app.notifier.len(),
            app.clock.offset_ms() / 1000
        );
        Ok(app)
    }

    fn restore(
        config: Config,
        journal: &Arc<Journal>,
        loaded: Loaded,
    ) -> Result<Arc<Self>, String> {
        let instance = match loaded.meta::<u16>(meta::INSTANCE)? {
            Some(i) => i,
            None => {
                let i = fastrand::u16(..);
                journal.put_text(TextTable::Meta, meta::INSTANCE, &i);
                i
            }
        };
        let app = Self::build(config, Some(Arc::clone(journal)), instance);
        if let Some(ms) = loaded.meta::<i64>(meta::CLOCK_OFFSET_MS)? {
            app.clock.advance_ms(ms);
        }
        if let Some(g) = loaded.meta::<HashMap<String, u32>>(meta::SANDBOX_GEN)? {
            *lock(&app.sandbox_gen) = g;
        }
        let mut orders = Vec::with_capacity(loaded.orders.len());
        for (seq, bytes) in &loaded.orders {
            let rec = crate::store::journal::decode(bytes, &format!("order record {seq}"))?;
            orders.push(crate::store::orders::Order::from_record(rec)?);
        }
        // Refunds still processing settle on their schedule.
        for o in &orders {
            for (idx, r) in o.refunds.iter().enumerate() {
                if r.status == wxpay_core::model::RefundStatus::Processing {
                    app.notifier.schedule_refund(RefundJob {
                        due_ms: r.settle_at.saturating_mul(1000),
                        order_seq: o.seq,
                        idx,
                    });
                }
            }
        }
        let next_seq = loaded.meta::<u64>(meta::NEXT_ORDER_SEQ)?.unwrap_or(1);
        app.orders.restore(orders, next_seq);
        let next_id = loaded.meta::<u64>(meta::NEXT_NOTIFICATION_ID)?.unwrap_or(1);
        app.notifier.restore(&loaded.notifications, next_id)?;
        let mut logins = lock(&app.logins);
        let mut codes = Vec::with_capacity(loaded.logins.len());
        for (code, bytes) in &loaded.logins {
            let l: Login = crate::store::journal::decode(bytes, &format!("login code {code:?}"))?;
            codes.push((code.clone(), l));
        }
        codes.sort_by_key(|(_, l)| l.created_at);
        for (code, l) in codes {
            logins.restore(code, l);
        }
        for k in &loaded.minted {
            if let Some((a, o)) = k.split_once('\0') {
                logins.minted.insert((a.to_owned(), o.to_owned()));
            }
        }
        drop(logins);
        Ok(app)
    }

    /// Waits until every change so far is on disk (at once without a
    /// data dir).
    ///
    /// # Errors
    /// Why the data dir could not be written.
    pub(crate) async fn durable(&self) -> Result<(), Arc<str>> {
        match &self.journal {
            Some(j) => j.durable().await,
            None => Ok(()),
        }
    }

    /// Records the clock offset in the journal.
    fn journal_clock(&self) {
        if let Some(j) = &self.journal {
            j.put_text(
                TextTable::Meta,
                meta::CLOCK_OFFSET_MS,
                &self.clock.offset_ms(),
            );
        }
    }

    /// A copy of the current switches.
    pub(crate) fn switches(&self) -> Switches {
        lock(&self.switches).clone()
    }

    /// Changes switches under the lock.
    pub(crate) fn update_switches<R>(&self, f: impl FnOnce(&mut Switches) -> R) -> R {
        f(&mut lock(&self.switches))
    }

    /// The sandbox key of a merchant: 32 characters derived from the
    /// merchant's key, the mch_id and a generation bumped by rotation, so it
    /// is stable across restarts (SDKs cache it) until rotated.
    pub(crate) fn sandbox_key(&self, m: &Merchant) -> ApiKey {
        let generation = lock(&self.sandbox_gen).get(&m.mch_id).copied().unwrap_or(0);
        let seed = format!(
            "wxpay-mock sandbox|{}|{}|{generation}",
            m.mch_id,
            m.key.expose()
        );
        ApiKey::new(md5_hex(&seed).to_ascii_lowercase())
    }

    /// The key that verifies and signs for `m`: the sandbox key on the
    /// sandbox paths, else the merchant's API key (docs/protocol.md §1.11).
    pub(crate) fn key_for(&self, m: &Merchant, sandbox: bool) -> ApiKey {
        if sandbox {
            self.sandbox_key(m)
        } else {
            m.key.clone()
        }
    }

    /// Rotates a merchant's sandbox key.
    pub(crate) fn rotate_sandbox_key(&self, mch_id: &str) {
        let mut g = lock(&self.sandbox_gen);
        *g.entry(mch_id.to_owned()).or_insert(0) += 1;
        if let Some(j) = &self.journal {
            j.put_text(TextTable::Meta, meta::SANDBOX_GEN, &*g);
        }
    }

    /// Stores a code (new or used) in the journal.
    pub(crate) fn journal_login(&self, code: &str, login: &Login) {
        if let Some(j) = &self.journal {
            j.put_text(TextTable::Logins, code, login);
        }
    }

    /// Takes one use of the first fault armed for `endpoint` (or `*`).
    pub(crate) fn take_fault(&self, endpoint: &str, pre_auth: bool) -> Option<FaultKind> {
        if !self
            .faults_armed
            .load(core::sync::atomic::Ordering::Acquire)
        {
            return None;
        }
        let mut faults = lock(&self.faults);
        if faults.is_empty() {
            self.faults_armed
                .store(false, core::sync::atomic::Ordering::Release);
            return None;
        }
        let i = faults.iter().position(|f| {
            (f.endpoint == endpoint || f.endpoint == "*")
                && f.remaining > 0
                && pre_auth
                    == matches!(
                        f.kind,
                        FaultKind::Delay(_) | FaultKind::Drop | FaultKind::Html502
                    )
        })?;
        let kind = faults[i].kind.clone();
        faults[i].remaining -= 1;
        if faults[i].remaining == 0 {
            faults.remove(i);
        }
        if faults.is_empty() {
            self.faults_armed
                .store(false, core::sync::atomic::Ordering::Release);
        }
        Some(kind)
    }

    /// Arms a fault.
    pub(crate) fn add_fault(&self, f: Fault) {
        let mut faults = lock(&self.faults);
        faults.push(f);
        self.faults_armed
            .store(true, core::sync::atomic::Ordering::Release);
    }

    /// Holds off `reset` while the caller changes state (see
    /// [`App::reset`]). Hold it only over the change itself, not over a
    /// body read or a delivery.
    pub(crate) async fn change(&self) -> tokio::sync::RwLockReadGuard<'_, ()> {
        self.changes.read().await
    }

    /// Forgets every order, code, notification and fault; puts the clock
    /// back and the switches to their configured values. Waits for the
    /// changes in flight (holders of [`App::change`]) to finish first.
    pub(crate) async fn reset(&self) {
        let _gate = self.changes.write().await;
        let next_seq = self.orders.clear();
        *lock(&self.logins) = Logins::default();
        let next_id = self.notifier.clear();
        lock(&self.faults).clear();
        lock(&self.sandbox_gen).clear();
        self.clock.reset();
        *lock(&self.switches) = self.config.switches.clone();
        self.console.clear();
        if let Some(j) = &self.journal {
            j.clear();
            j.put_text(TextTable::Meta, meta::NEXT_ORDER_SEQ, &next_seq);
            j.put_text(TextTable::Meta, meta::NEXT_NOTIFICATION_ID, &next_id);
            j.put_text(
                TextTable::Meta,
                meta::SANDBOX_GEN,
                &HashMap::<String, u32>::new(),
            );
            self.journal_clock();
        }
    }

    /// Issues a code for `POST /mock/login`.
    pub(crate) fn login(
        &self,
        appid: &str,
        openid: Option<&str>,
        user: Option<&str>,
    ) -> Result<(String, String, Option<String>), String> {
        let Some(app_cfg) = self.config.app(appid) else {
            let known: Vec<&str> = self.config.apps.iter().map(|a| a.appid.as_str()).collect();
            return Err(format!(
                "appid {appid:?} is not configured: the mock knows {} (add [[apps]] to the config file)",
                known.join(", ")
            ));
        };
        let user = user.unwrap_or("user");
        let openid = match openid {
            Some(o) => {
                if !wxpay_core::model::rules::is_well_formed_openid(o) {
                    return Err(format!(
                        "openid {o:?} is not well-formed: use 1 to 128 characters of [0-9A-Za-z_-]"
                    ));
                }
                o.to_owned()
            }
            None => logins::openid_for(appid, user),
        };
        let unionid = app_cfg.unionid.then(|| logins::unionid_for(user));
        let code = random_token(32);
        let now = self.clock.now();
        let mut logins = lock(&self.logins);
        if logins.minted.insert((appid.to_owned(), openid.clone()))
            && let Some(j) = &self.journal
        {
            j.put_text(TextTable::Minted, &logins::minted_key(appid, &openid), &());
        }
        let login = Login {
            appid: appid.to_owned(),
            openid: openid.clone(),
            unionid: unionid.clone(),
            session_key: logins::session_key(),
            created_at: now,
            used: false,
        };
        logins.add(code.clone(), login, now, self.journal.as_deref());
        Ok((code, openid, unionid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reset waits for a change in flight, so the change cannot land half
    /// before and half after it (memory and journal disagreeing).
    #[tokio::test]
    async fn reset_waits_for_changes_in_flight() {
        let app = App::new(Config::default());
        let change = app.change().await;
        let resetting = tokio::spawn({
            let app = Arc::clone(&app);
            async move { app.reset().await }
        });
        tokio::time::sleep(core::time::Duration::from_millis(50)).await;
        assert!(!resetting.is_finished(), "reset ran during a change");
        drop(change);
        tokio::time::timeout(core::time::Duration::from_secs(5), resetting)
            .await
            .expect("reset finishes once the change is done")
            .expect("reset task");
    }
}
