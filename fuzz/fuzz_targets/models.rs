//! Fuzz target `models`: see `wxpay_fuzz::models` (src/checks.rs) for the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxpay_fuzz::models(data));
