//! Fuzz target `paysign`: see `wxpay_fuzz::paysign` (src/checks.rs) for the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxpay_fuzz::paysign(data));
