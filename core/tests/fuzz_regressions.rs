//! Replays the fuzz corpora and crash artifacts on stable.
//!
//! The fuzz targets (`fuzz/`, cargo-fuzz, nightly) are thin wrappers over
//! the functions of `fuzz/src/checks.rs`; this test includes that same file,
//! so every committed input under `fuzz/corpus/<target>/` and
//! `fuzz/artifacts/<target>/` goes through exactly the checks the fuzzer
//! ran, without nightly. A crash the fuzzer found gets a test of its own
//! below, named `crash_<target>_<hash>`, ignored until core is fixed.
#![allow(clippy::unwrap_used)]

#[path = "../../fuzz/src/checks.rs"]
mod checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

type Check = fn(&[u8]);

/// Every fuzz target and its check.
const TARGETS: &[(&str, Check)] = &[
    ("xml_decode", checks::xml_decode),
    ("sign_verify", checks::sign_verify),
    ("req_info", checks::req_info),
    ("paysign", checks::paysign),
    ("models", checks::models),
    ("diagnose", checks::diagnose),
];

/// Artifacts that reproduce a crash whose fix is pending: each has its own
/// ignored `crash_*` test below, so the artifact sweep skips them.
const PENDING: &[&str] = &[];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    v.sort();
    v
}

fn check_of(target: &str) -> Check {
    TARGETS
        .iter()
        .find(|(t, _)| *t == target)
        .unwrap_or_else(|| panic!("no fuzz target {target}"))
        .1
}

/// Runs every file through `check`; fails naming every file that panicked.
fn replay(target: &str, paths: &[PathBuf]) {
    let check = check_of(target);
    let failed: Vec<String> = paths
        .iter()
        .filter(|p| {
            let data = std::fs::read(p).unwrap();
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs fail the fuzz checks:\n{}",
        failed.len(),
        paths.len(),
        failed.join("\n")
    );
}

fn replay_corpus(target: &str) {
    let paths = files(&fuzz_dir().join("corpus").join(target));
    assert!(
        !paths.is_empty(),
        "fuzz/corpus/{target} is missing or empty"
    );
    replay(target, &paths);
}

/// One artifact, by target and file name (used by the `crash_*` tests).
fn replay_artifact(target: &str, file: &str) {
    let path = fuzz_dir().join("artifacts").join(target).join(file);
    assert!(path.is_file(), "missing artifact {}", path.display());
    replay(target, &[path]);
}

#[test]
fn corpus_xml_decode() {
    replay_corpus("xml_decode");
}

#[test]
fn corpus_sign_verify() {
    replay_corpus("sign_verify");
}

#[test]
fn corpus_req_info() {
    replay_corpus("req_info");
}

#[test]
fn corpus_paysign() {
    replay_corpus("paysign");
}

#[test]
fn corpus_models() {
    replay_corpus("models");
}

#[test]
fn corpus_diagnose() {
    replay_corpus("diagnose");
}

/// Every artifact (crash, timeout, oom, slow unit) of every target, except
/// the pending ones, which have their own ignored tests.
#[test]
fn artifacts_replay() {
    for (target, _) in TARGETS {
        let dir = fuzz_dir().join("artifacts").join(target);
        let paths: Vec<PathBuf> = files(&dir)
            .into_iter()
            .filter(|p| !PENDING.contains(&&*p.file_name().unwrap().to_string_lossy()))
            .collect();
        replay(target, &paths);
    }
}

#[test]
fn every_pending_artifact_exists() {
    for file in PENDING {
        assert!(
            TARGETS
                .iter()
                .any(|(t, _)| fuzz_dir().join("artifacts").join(t).join(file).is_file()),
            "pending artifact {file} not found"
        );
    }
}

/// `rules::format_time14(i64::MAX)` overflowed in `beijing_parts` ("attempt
/// to add with overflow"). Fixed: times are clamped to Beijing years
/// 1-9999. Input: selector 9, `now` = dictionary entry `9223372036854775807`.
#[test]
fn crash_models_223dba31() {
    replay_artifact("models", "crash-223dba31fc1e2eb3427519fa2c5ee2378972385d");
}

/// `UnifiedOrderRequest::check_time_expire(i64::MIN, 60)` with a
/// `time_expire` and no `time_start`: `exp - start` overflowed. Fixed with a
/// saturating difference. Derived by hand from the `models` input format.
#[test]
fn crash_models_722b6d65() {
    replay_artifact("models", "crash-722b6d65241f03f06a12727d9bca54be8718522e");
}

/// `rules::parse_time14("00000101000000")` accepts year 0, but
/// `format_time14` clamps to year 1 and gives `00010101000000`: the round
/// trip fails (every year-0 time formats as 0001-01-01 00:00:00). Either
/// `parse_time14`/`parse_date8` refuse year 0000, or `TIME_RANGE` starts at
/// year 0. Input: selector 0, one pair (empty name, dictionary value
/// `00000101000000`).
#[test]
fn crash_models_171051cf() {
    replay_artifact("models", "crash-171051cf0291074336a7e08644e7452916ac6f40");
}

/// The fuzzer's inputs stay under a few KiB; the doctor's bound on work must
/// also hold for a 1 MiB parameter set (a 1 MiB notify body is within the
/// XML codec's default limit). Same checks, bigger input.
#[test]
fn diagnose_one_mib_input_goes_through_the_checks() {
    let big = "a b&c=d%".repeat(1 << 17);
    for mode in [0u8, 2, 0x13] {
        let input = checks::Input::with_header(&[0x04, 0x00, mode])
            .seg("192006250b4c09247ec02edce69f6a2d")
            .seg("0123456789ABCDEF0123456789ABCDEF")
            .seg("an-app-secret-of-32-bytes-000000")
            .seg("")
            .seg("")
            .pairs([("appid", "wxd930ea5d5a258f4f"), ("body", big.as_str())])
            .into_bytes();
        assert!(input.len() > 1 << 20);
        checks::diagnose(&input);
    }
}
