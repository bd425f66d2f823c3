//! Fuzz target `sign_verify`: see `wxpay_fuzz::sign_verify` (src/checks.rs) for the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxpay_fuzz::sign_verify(data));
