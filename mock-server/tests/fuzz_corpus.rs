//! Replays the `mock_requests` fuzz corpus and every crash input found by
//! fuzzing through the same in-process harness, on stable (the fuzz target
//! itself needs nightly: see fuzz/README.md).

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use wxpay_mock::harness::Harness;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn corpus_and_artifacts_replay_without_a_finding() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let corpus = inputs(&fuzz.join("corpus/mock_requests"));
    assert!(corpus.len() >= 10, "the seed corpus is missing");
    let h = Harness::for_fuzzing().unwrap();
    for (name, data) in corpus
        .iter()
        .chain(inputs(&fuzz.join("artifacts/mock_requests")).iter())
    {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.run_fuzz_input(data)));
        assert!(r.is_ok(), "{name} breaks an invariant");
    }
}

#[test]
fn seeds_reach_the_state_machine() {
    // A re-signed unifiedorder creates an order, the backend pays it, and
    // orderquery then answers SUCCESS with a verifying sign.
    let h = Harness::for_fuzzing().unwrap();
    let uo = "<xml><appid>wxd930ea5d5a258f4f</appid><mch_id>10000100</mch_id><nonce_str>n1</nonce_str>\
              <body>test</body><out_trade_no>h1-order</out_trade_no><total_fee>1</total_fee>\
              <spbill_create_ip>127.0.0.1</spbill_create_ip><notify_url>http://127.0.0.1:9/n</notify_url>\
              <trade_type>JSAPI</trade_type><openid>oUpF8uMEb4qRXf22hE3X68TekukE</openid><sign>0</sign></xml>";
    let mut input = vec![0x80];
    input.extend_from_slice(uo.as_bytes());
    h.run_fuzz_input(&input);
    let r = h.request("GET", "/mock/orders/h1-order", b"");
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(String::from_utf8_lossy(&r.body).contains("NOTPAY"));
    // Paths that would deliver, sleep or wait are refused.
    for p in [
        "/mock/faults",
        "/mock/clock/advance",
        "/mock/notifications/1/redeliver",
        "/mock/ui/x",
    ] {
        assert_eq!(h.request("POST", p, b"{}").status, 403, "{p}");
    }
}
