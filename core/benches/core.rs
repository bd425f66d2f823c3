//! Speed of signing and of notify parsing, each beside its baseline.
//!
//! - `sign_md5`: full `sign()` of the 12-field unifiedorder set (~414-byte
//!   string to sign) vs raw MD5 of the same pre-built bytes.
//! - `sign_hmac`: the same with HMAC-SHA256 vs a raw HMAC of the same bytes.
//! - `notify_parse`: `xml::decode` of a ~1 KB, 21-field payment notify vs a
//!   naive quick-xml parse into a `BTreeMap<String, String>`.
//!
//! Targets: full MD5 ≤ 1.10× raw, full HMAC ≤ 1.25× raw, notify ≤ 1.6 µs.
//! Run: `cargo bench -p wxpay-core --bench core -- --warm-up-time 1 --measurement-time 3`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use quick_xml::events::Event;
use sha2::Sha256;
use wxpay_core::{ApiKey, ParamMap, SignType, sign, string_to_sign, xml};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

/// The 12-field JSAPI unifiedorder parameter set (as in
/// `tests/documents/unifiedorder_request_jsapi.xml`).
const UNIFIEDORDER: [(&str, &str); 12] = [
    ("appid", "wx2421b1c4370ec43b"),
    ("mch_id", "1230000109"),
    ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
    ("body", "腾讯充值中心-QQ会员充值"),
    ("out_trade_no", "20240611152233000187654321"),
    ("total_fee", "2990"),
    ("spbill_create_ip", "203.0.113.45"),
    (
        "notify_url",
        "https://pay.example.com/wxpay/v2/notify/payment",
    ),
    ("trade_type", "JSAPI"),
    ("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    ("attach", "store=SZ-0021;pos=A07"),
    ("time_expire", "20240611172233"),
];

/// A 21-field payment notify of 965 bytes.
const NOTIFY: &str = include_str!("../tests/documents/payment_notify_md5.xml");

/// The naive baseline: quick-xml events into an owned map.
fn naive_quick_xml(s: &str) -> Option<BTreeMap<String, String>> {
    let mut reader = quick_xml::Reader::from_str(s);
    let mut map = BTreeMap::new();
    let mut depth = 0usize;
    let mut name = String::new();
    let mut value = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                depth += 1;
                if depth == 2 {
                    name = e.name().as_ref().to_owned();
                    value.clear();
                }
            }
            Event::Text(t) if depth == 2 => value.push_str(&t.xml10_content()),
            Event::CData(c) if depth == 2 => value.push_str(&c.xml10_content()),
            Event::GeneralRef(r) if depth == 2 => {
                if let Some(c) = r.resolve_char_ref().ok()? {
                    value.push(c);
                } else {
                    value.push_str(quick_xml::escape::resolve_predefined_entity(
                        &r.xml10_content(),
                    )?);
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    map.insert(core::mem::take(&mut name), value.clone());
                }
                depth = depth.checked_sub(1)?;
            }
            Event::Eof => return Some(map),
            _ => {}
        }
    }
}

/// The `i`-th 3-character field name (as in `tests/xml.rs`).
fn short_name(i: usize) -> String {
    const START: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const REST: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.";
    [
        START[i / (64 * 64) % START.len()],
        REST[i / 64 % 64],
        REST[i % 64],
    ]
    .iter()
    .map(|&b| char::from(b))
    .collect()
}

/// `n` distinct 12-byte fields, optionally followed by a repeat of field 0.
fn distinct_fields(n: usize, duplicate: bool) -> Vec<u8> {
    let mut s = String::from("<xml>");
    for i in 0..n {
        let k = short_name(i);
        s.push_str(&format!("<{k}>v</{k}>"));
    }
    if duplicate {
        let k = short_name(0);
        s.push_str(&format!("<{k}>v</{k}>"));
    }
    s.push_str("</xml>");
    s.into_bytes()
}

/// Inputs meant to make a careless parser quadratic; each is near 1 MiB.
fn adversarial_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let max = xml::DEFAULT_MAX_BYTES;
    let mut open_tags = b"<xml>".to_vec();
    while open_tags.len() + 3 <= max {
        open_tags.extend_from_slice(b"<a>");
    }
    let mut cdata = b"<xml><a><![CDATA[".to_vec();
    cdata.resize(max, b']');
    let mut refs = b"<xml><a>".to_vec();
    while refs.len() + 17 + 10 <= max {
        refs.extend_from_slice(b"&amp;&#x4e2d;&lt;");
    }
    refs.extend_from_slice(b"</a></xml>");
    let mut text = b"<xml><a>".to_vec();
    text.resize(max - 10, b'x');
    text.extend_from_slice(b"</a></xml>");
    let mut comments = b"<xml><a/>".to_vec();
    while comments.len() + 13 + 6 <= max {
        comments.extend_from_slice(b"<!-- - -- -->");
    }
    comments.extend_from_slice(b"</xml>");
    vec![
        ("fields_15k", distinct_fields(15_000, false)),
        ("fields_60k", distinct_fields(60_000, false)),
        ("fields_60k_late_duplicate", distinct_fields(60_000, true)),
        ("open_tags_1mib", open_tags),
        ("unterminated_cdata_1mib", cdata),
        ("references_1mib", refs),
        ("plain_text_1mib", text),
        ("comments_1mib", comments),
    ]
}

fn raw_hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Best time per call of `f` over `rounds` batches of `batch` calls.
fn best_of(batch: u32, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..batch {
        f();
    }
    t.elapsed().as_secs_f64() * 1e9 / f64::from(batch)
}

/// Times `a` and `b` in alternating batches and prints the best time of
/// each and their ratio: on a shared machine, interleaving keeps a burst of
/// load from landing on one side only.
fn interleaved(label: &str, mut a: impl FnMut(), mut b: impl FnMut()) {
    interleaved_n(label, 400, 500, &mut a, &mut b);
}

/// [`interleaved`] with `rounds` batches of `batch` calls each.
fn interleaved_n(label: &str, rounds: u32, batch: u32, mut a: impl FnMut(), mut b: impl FnMut()) {
    let (mut best_a, mut best_b) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..rounds {
        best_a = best_a.min(best_of(batch, &mut a));
        best_b = best_b.min(best_of(batch, &mut b));
    }
    println!(
        "interleaved best: {label}: {best_a:.0} ns vs {best_b:.0} ns, ratio {:.3}",
        best_a / best_b
    );
}

fn benches(c: &mut Criterion) {
    let key = ApiKey::new(KEY);
    let map: ParamMap = UNIFIEDORDER
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let prebuilt = string_to_sign(&map, &key).into_bytes();
    println!(
        "string to sign: {} bytes, {} fields; notify: {} bytes, {} fields",
        prebuilt.len(),
        map.len(),
        NOTIFY.len(),
        xml::decode(NOTIFY.as_bytes()).map_or(0, |m| m.len()),
    );
    // The baselines must compute the same thing as the full paths.
    assert_eq!(
        sign(&map, &key, SignType::Md5).as_str(),
        Md5::digest(&prebuilt)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
    );
    let naive = naive_quick_xml(NOTIFY).unwrap_or_default();
    let ours = xml::decode(NOTIFY.as_bytes()).map(|m| m.to_param_map());
    assert_eq!(ours.as_ref().ok(), Some(&naive));

    interleaved(
        "full MD5 sign (map) / raw MD5",
        || {
            black_box(sign(black_box(&map), black_box(&key), SignType::Md5));
        },
        || {
            black_box(Md5::digest(black_box(&prebuilt[..])));
        },
    );
    interleaved(
        "full MD5 sign (unsorted slice) / raw MD5",
        || {
            black_box(sign(
                black_box(&UNIFIEDORDER[..]),
                black_box(&key),
                SignType::Md5,
            ));
        },
        || {
            black_box(Md5::digest(black_box(&prebuilt[..])));
        },
    );
    interleaved(
        "full HMAC-SHA256 sign (map) / raw HMAC-SHA256",
        || {
            black_box(sign(black_box(&map), black_box(&key), SignType::HmacSha256));
        },
        || {
            black_box(raw_hmac(
                black_box(KEY.as_bytes()),
                black_box(&prebuilt[..]),
            ));
        },
    );
    interleaved(
        "xml::decode / naive quick-xml (notify)",
        || {
            let _ = black_box(xml::decode(black_box(NOTIFY.as_bytes())));
        },
        || {
            black_box(naive_quick_xml(black_box(NOTIFY)));
        },
    );

    let mut g = c.benchmark_group("sign_md5");
    g.bench_function("full_sign_map", |b| {
        b.iter(|| sign(black_box(&map), black_box(&key), SignType::Md5));
    });
    g.bench_function("full_sign_unsorted_slice", |b| {
        b.iter(|| sign(black_box(&UNIFIEDORDER[..]), black_box(&key), SignType::Md5));
    });
    g.bench_function("raw_md5", |b| {
        b.iter(|| Md5::digest(black_box(&prebuilt[..])));
    });
    g.finish();

    let mut g = c.benchmark_group("sign_hmac");
    g.bench_function("full_sign_map", |b| {
        b.iter(|| sign(black_box(&map), black_box(&key), SignType::HmacSha256));
    });
    g.bench_function("raw_hmac", |b| {
        b.iter(|| raw_hmac(black_box(KEY.as_bytes()), black_box(&prebuilt[..])));
    });
    let signer = wxpay_core::Signer::new(key.clone());
    g.bench_function("prepared_signer_map", |b| {
        b.iter(|| signer.sign(black_box(&map), SignType::HmacSha256));
    });
    g.finish();

    let adversarial = adversarial_inputs();
    let fields = |name: &str| {
        adversarial
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    };
    let (small, large) = (fields("fields_15k"), fields("fields_60k"));
    interleaved_n(
        "decode 60k fields / decode 15k fields (4.0 = linear)",
        15,
        4,
        || {
            let _ = black_box(xml::decode(black_box(&large)));
        },
        || {
            let _ = black_box(xml::decode(black_box(&small)));
        },
    );

    let mut g = c.benchmark_group("notify_parse");
    g.bench_function("xml_decode", |b| {
        b.iter(|| xml::decode(black_box(NOTIFY.as_bytes())));
    });
    g.bench_function("naive_quick_xml_btreemap", |b| {
        b.iter(|| naive_quick_xml(black_box(NOTIFY)));
    });
    g.finish();

    let mut g = c.benchmark_group("adversarial_decode");
    g.sample_size(20);
    for (name, doc) in &adversarial {
        g.bench_function(*name, |b| b.iter(|| xml::decode(black_box(doc))));
    }
    g.finish();
}

criterion_group!(core_benches, benches);
criterion_main!(core_benches);
