//! Integration tests: every endpoint, answer, switch and control call of
//! wxpay-mock, through real HTTP on 127.0.0.1 port 0.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod common;

mod binary;
mod control;
mod envelope;
mod jscode;
mod orders;
mod payment;
mod persistence;
mod refunds;
mod sandbox;
