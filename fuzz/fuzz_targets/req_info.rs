//! Fuzz target `req_info`: see `wxpay_fuzz::req_info` (src/checks.rs) for the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxpay_fuzz::req_info(data));
