//! The npm package's `ErrorCode` type (`js/src/index.d.ts`) declares exactly
//! the codes that can be thrown: wxpay-core's [`Error::ALL_CODES`] plus the
//! few the JS layer raises itself, each checked to occur where it is said to
//! originate, and no code literal anywhere in the JS layer is undeclared.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wxpay_core::Error;

/// Codes raised outside core, with the files that raise them.
const JS_LAYER_CODES: &[(&str, &[&str])] = &[
    (
        "ERR_INVALID_ARG_TYPE",
        &["js/src/api.js", "js/scripts/build.mjs"],
    ),
    (
        "ERR_INVALID_ARG_VALUE",
        &["js/src/api.js", "wasm/src/lib.rs"],
    ),
    ("ERR_INVALID_PARAM_TYPE", &["js/src/api.js"]),
    ("ERR_NOT_INITIALIZED", &["js/scripts/build.mjs"]),
    ("ERR_NO_RANDOM", &["js/scripts/build.mjs"]),
    ("ERR_NO_WASM", &["js/scripts/build.mjs"]),
    ("ERR_INTERNAL", &["wasm/src/lib.rs"]),
];

/// Core codes the JS layer never throws: `verify` and
/// `verifyPaymentParams` answer `false` for them (`verified` in
/// `wasm/src/api.rs`, checked below).
const VERIFY_FALSE: &[(&str, &str)] = &[
    ("ERR_MISSING_SIGN", "Error::MissingSign"),
    ("ERR_MALFORMED_SIGN", "Error::MalformedSign"),
    ("ERR_SIGN_MISMATCH", "Error::SignMismatch"),
];

/// Files of the JS layer whose quoted `ERR_…` literals must all be declared.
const JS_LAYER_FILES: &[&str] = &[
    "js/src/api.js",
    "js/src/utf8.js",
    "js/scripts/build.mjs",
    "wasm/src/lib.rs",
    "wasm/src/api.rs",
    "wasm/src/doctor.rs",
    "wasm/src/io.rs",
];

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every `ERR_[A-Z0-9_]+` directly inside single or double quotes.
fn quoted_codes(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while let Some(p) = text[i..].find("ERR_") {
        let start = i + p;
        let mut end = start + 4;
        while end < b.len()
            && (b[end].is_ascii_uppercase() || b[end].is_ascii_digit() || b[end] == b'_')
        {
            end += 1;
        }
        let quoted = |at: Option<&u8>| matches!(at, Some(b'\'' | b'"'));
        if start > 0 && quoted(b.get(start - 1)) && quoted(b.get(end)) {
            out.insert(text[start..end].to_owned());
        }
        i = end;
    }
    out
}

/// The members of `export type ErrorCode = … ;`.
fn declared() -> BTreeSet<String> {
    let dts = read("js/src/index.d.ts");
    let from = dts
        .find("export type ErrorCode =")
        .expect("ErrorCode in index.d.ts");
    let body = &dts[from..from + dts[from..].find(';').unwrap()];
    quoted_codes(body)
}

#[test]
fn the_declared_codes_are_exactly_core_plus_the_js_layer() {
    let mut expected: BTreeSet<String> = Error::ALL_CODES
        .iter()
        .filter(|c| !VERIFY_FALSE.iter().any(|(v, _)| v == *c))
        .map(|c| (*c).to_owned())
        .collect();
    for (c, _) in JS_LAYER_CODES {
        assert!(
            expected.insert((*c).to_owned()),
            "{c} is core's and the JS layer's: list it once"
        );
    }
    let declared = declared();
    let missing: Vec<_> = expected.difference(&declared).collect();
    let extra: Vec<_> = declared.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "js/src/index.d.ts ErrorCode drifted: missing {missing:?}, declared but never thrown {extra:?}"
    );
}

#[test]
fn each_js_layer_code_occurs_where_it_originates() {
    for (code, files) in JS_LAYER_CODES {
        for f in *files {
            assert!(
                quoted_codes(&read(f)).contains(*code),
                "{code} is said to come from {f}, which does not raise it"
            );
        }
    }
}

#[test]
fn no_code_literal_in_the_js_layer_is_undeclared() {
    let declared = declared();
    for f in JS_LAYER_FILES {
        for c in quoted_codes(&read(f)) {
            assert!(
                declared.contains(&c),
                "{f} raises {c}, which index.d.ts does not declare"
            );
        }
    }
}

#[test]
fn the_scanner_finds_quoted_codes_only() {
    let found = quoted_codes("a 'ERR_A' \"ERR_B_2\" `ERR_C` ERR_D 'ERR_E_*' x");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["ERR_A", "ERR_B_2"]);
}

#[test]
fn the_codes_left_out_are_the_ones_verify_answers_false_for() {
    let api = read("wasm/src/api.rs");
    let from = api
        .find("fn verified(")
        .expect("fn verified in wasm/src/api.rs");
    let body = &api[from..from + api[from..].find("\n}\n").unwrap()];
    let false_arm = body
        .lines()
        .find(|l| l.contains("=> Ok(false)"))
        .expect("an arm answering false");
    for (code, variant) in VERIFY_FALSE {
        assert!(Error::ALL_CODES.contains(code), "{code} is not core's");
        assert!(
            false_arm.contains(variant),
            "verify no longer answers false for {variant} ({code})"
        );
    }
    assert_eq!(
        false_arm.matches("Error::").count(),
        VERIFY_FALSE.len(),
        "{false_arm}"
    );
}
