//! End-to-end flows of wxpay-devkit: `wxpay-core` signing as a merchant's
//! SDK does, against the `wxpay-mock` server, with a scripted merchant
//! notify endpoint. One integration-test binary; one module per flow, each
//! opening with the scenario it tells. A failing flow prints every HTTP
//! exchange it saw (see `wxpay_tests::Bench`).

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

#[path = "errors.rs"]
mod errors;
#[path = "faults.rs"]
mod faults;
#[path = "notify_retry.rs"]
mod notify_retry;
#[path = "pay_flow.rs"]
mod pay_flow;
#[path = "refunds.rs"]
mod refunds;
#[path = "sandbox.rs"]
mod sandbox;
