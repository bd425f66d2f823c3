//! `wxpay-mock`: a stateful mock of WeChat Pay API v2 and
//! `jscode2session`, for integration tests, CI and shared team sandboxes.
//!
//! Any WeChat Pay v2 SDK pointed at it works unchanged but for its base
//! URL: it verifies and signs like WeChat (MD5 / HMAC-SHA256, the sandbox
//! key in the sandbox), keeps orders and refunds, pays "as the user", and
//! POSTs real-signed payment and refund notifies on WeChat's retry
//! schedule. Every protocol rule comes from `wxpay_core::model`.
//!
//! In a Rust test, start it in-process:
//!
//! ```no_run
//! # async fn demo() {
//! let server = wxpay_mock::MockServer::start().await;
//! println!("unifiedorder at {}/pay/unifiedorder", server.uri());
//! # }
//! ```
//!
//! See the crate README for every endpoint, answer, switch and the control
//! API.

#![forbid(unsafe_code)]

// Layers; arrows point down only:
//   transport (listeners, hyper service, shutdown)
//   -> routes (the one route table)
//   -> control, console, api::{v2, login} (handlers: decode, call, encode)
//   -> wire (Reply, body limits, queries)  and  domain (state, payments,
//      refunds, notifications, logins, scheduler, clock)
//   -> outbound (the HTTP client), store (order store, journal)
//   -> config, wxpay-core.
// Beside the server, not under it: `attack` (the attack kit), which shares
// `outbound` with the notifier.
mod api;
pub mod attack;
pub mod config;
mod console;
mod control;
mod domain;
mod outbound;
pub mod pki;
mod routes;
mod store;
mod transport;
mod wire;

#[doc(hidden)]
pub mod harness;

pub use crate::config::{AppConfig, Config, Merchant, Switches};
pub use crate::domain::clock::MockClock;
pub use crate::transport::{MockServer, Server, run, shutdown_signal};
pub use crate::wire::VERSION_HEADER;
