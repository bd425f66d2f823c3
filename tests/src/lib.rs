//! Helpers for the end-to-end flows of wxpay-devkit.

/// The top-level README's Rust examples, run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
