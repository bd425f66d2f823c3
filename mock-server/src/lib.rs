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

mod app;
pub mod attack;
mod clock;
pub mod config;
mod console;
mod control;
mod jscode;
mod notify;
mod orders;
mod pay;
mod persist;
pub mod pki;
mod server;

#[doc(hidden)]
pub mod bare;
#[doc(hidden)]
pub mod harness;

pub use crate::clock::MockClock;
pub use crate::config::{AppConfig, Config, Merchant, Switches};
pub use crate::server::{MockServer, Server, VERSION_HEADER, run, shutdown_signal};
