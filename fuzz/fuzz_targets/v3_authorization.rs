//! Fuzz target `v3_authorization`: the strict API v3 `Authorization` header
//! parser. Invariants: never panics; whatever parses formats back to a
//! header that parses to the same items; a parse error has a stable code.
#![no_main]

use wxpay_core::v3::Authorization;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Half the inputs get the scheme prepended so the fuzzer spends its time
    // on the items rather than rediscovering the scheme.
    let candidates = [text.to_string(), format!("WECHATPAY2-SHA256-RSA2048 {text}")];
    for header in &candidates {
        match Authorization::parse(header) {
            Ok(a) => {
                let again = Authorization::parse(&a.to_string()).expect("formatted header parses");
                assert_eq!(again, a, "round trip");
                let _ = a.timestamp_secs();
            }
            Err(e) => assert!(e.code().starts_with("ERR_V3_AUTH_"), "{e:?}"),
        }
    }
});
