//! Fuzz target `xml_decode`: see `wxpay_fuzz::xml_decode` (src/checks.rs) for the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wxpay_fuzz::xml_decode(data));
