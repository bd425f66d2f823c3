//! The one scheduler. Every timed thing — notify deliveries, their retries
//! and duplicate deliveries, refund settlement — is kept by the notifier as
//! a job due at a mock-clock instant (`Notifier::take_due`), and is run
//! from here by one step, [`App::run_due`], which two drivers call:
//!
//! - the background loop ([`App::engine`]) sleeps until the next job falls
//!   due in real time (or until woken), runs the step and does not wait
//!   for deliveries to finish;
//! - `/mock/clock/advance` and redelivery ([`App::drain`]) run the step
//!   until nothing is due or in flight, waiting for each delivery.
//!
//! (`wx.login` codes expire lazily instead: an expired code answers as an
//! unknown one, so dropping it later changes nothing a client sees.)

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::domain::App;

/// The longest the background loop sleeps without being woken.
const MAX_SLEEP: core::time::Duration = core::time::Duration::from_secs(3600);

/// What one step did.
struct Step {
    /// The deliveries it started.
    deliveries: Vec<JoinHandle<()>>,
    /// Whether it settled any refund.
    settled: bool,
    /// Deliveries still in flight from earlier steps.
    in_flight: usize,
    /// The next due instant (mock ms), if any.
    next_ms: Option<i64>,
}

impl App {
    /// Runs every job due at the current mock time once: settles the due
    /// refunds (holding off a reset meanwhile) and starts the due
    /// deliveries, each signalling the console when it is done.
    async fn run_due(self: &Arc<Self>) -> Step {
        let change = self.change().await;
        let t = self.notifier.take_due(self.clock.now_ms());
        let settled = !t.refunds.is_empty();
        if settled {
            for j in t.refunds {
                super::refunds::settle(self, j);
            }
            self.console.changed();
        }
        drop(change);
        let deliveries = t
            .deliveries
            .into_iter()
            .map(|d| {
                let app = Arc::clone(self);
                tokio::spawn(async move {
                    app.notifier.attempt(d).await;
                    app.console.changed();
                })
            })
            .collect();
        Step {
            deliveries,
            settled,
            in_flight: t.in_flight,
            next_ms: t.next_ms,
        }
    }

    /// Moves the mock clock forward, then attempts every delivery due by
    /// the new time; returns when all have been attempted.
    pub(crate) async fn advance(self: &Arc<Self>, seconds: i64) {
        self.clock.advance_ms(seconds.saturating_mul(1000));
        self.journal_clock();
        self.notifier.wake.notify_one();
        self.drain().await;
    }

    /// Attempts everything due now, repeatedly, until nothing is due and
    /// nothing is in flight.
    pub(crate) async fn drain(self: &Arc<Self>) {
        loop {
            let progress = self.notifier.progress();
            tokio::pin!(progress);
            progress.as_mut().enable();
            let step = self.run_due().await;
            if !step.deliveries.is_empty() {
                for h in step.deliveries {
                    let _ = h.await;
                }
                continue;
            }
            if step.settled {
                continue;
            }
            if step.in_flight == 0 {
                return;
            }
            progress.await;
        }
    }

    /// The background loop: runs jobs as they fall due in real time, until
    /// `stop` is set.
    pub(crate) async fn engine(self: Arc<Self>) {
        let mut stop = self.stop.subscribe();
        loop {
            if *stop.borrow() {
                return;
            }
            // Deliveries run on their own; this loop does not wait for them.
            let step = self.run_due().await;
            let sleep = step
                .next_ms
                .map_or(MAX_SLEEP, |m| self.clock.real_delay_until(m).min(MAX_SLEEP));
            tokio::select! {
                () = self.notifier.wake.notified() => {}
                () = tokio::time::sleep(sleep) => {}
                _ = stop.changed() => return,
            }
        }
    }
}
