//! Fuzz target `diagnose`: see `wxpay_fuzz::diagnose` (src/checks.rs) for the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxpay_fuzz::diagnose(data));
