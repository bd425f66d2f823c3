//! Fuzz target `mock_requests`: the mock's request handling (parse →
//! validate → state machine) in-process, without sockets. See
//! `wxpay_mock::harness::Harness::run_fuzz_input` for the input format and
//! the checks; mock-server/tests/fuzz_corpus.rs replays the corpus on stable.
#![no_main]

use std::sync::OnceLock;

use wxpay_mock::harness::Harness;

static HARNESS: OnceLock<Harness> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let h = HARNESS.get_or_init(|| match Harness::for_fuzzing() {
        Ok(h) => h,
        Err(e) => panic!("cannot start the harness: {e}"),
    });
    h.run_fuzz_input(data);
});
