//! Property tests: the XML codec round trip, the sign/verify round trip, and
//! the rules of the canonical string, over arbitrary maps.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use wxpay_core::{
    ApiKey, Error, Sign, SignType, canonical_string, sign, string_to_sign, verify, verify_sign, xml,
};

/// A name the codec reads and writes: `[A-Za-z_][A-Za-z0-9_.-]*`.
fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_.-]{0,15}"
}

/// Values that stress the codec and the signature: markup, CDATA
/// terminators, entity look-alikes, `&` and `=` (the canonical string's own
/// separators), CJK, emoji, whitespace-only and empty.
fn value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(String::new()),
        Just("&".to_owned()),
        Just("=".to_owned()),
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("]]>".to_owned()),
        Just("]]".to_owned()),
        Just("]".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("&amp;".to_owned()),
        Just("&#20013;".to_owned()),
        Just("&xxe;".to_owned()),
        Just("<!DOCTYPE".to_owned()),
        Just(" ".to_owned()),
        Just("\t\r\n".to_owned()),
        Just("中文".to_owned()),
        Just("支付测试".to_owned()),
        Just("😀".to_owned()),
        Just("👨‍👩‍👧".to_owned()),
        "[a-zA-Z0-9]{1,8}",
        // Any character XML 1.0 allows (the codec refuses the others; see
        // `xml_encode_refuses_forbidden_characters`).
        any::<char>()
            .prop_filter("an XML 1.0 Char", |c| xml::is_xml_char(*c))
            .prop_map(String::from),
        "\\PC{0,6}",
    ];
    prop_oneof![
        4 => prop::collection::vec(piece, 0..6).prop_map(|v| v.concat()),
        1 => Just(String::new()),
        1 => "[ \t\r\n]{1,4}",
        1 => "-?[0-9]{1,19}",
    ]
}

/// Arbitrary parameter maps.
fn map() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(name(), value(), 0..24)
}

/// A key like a merchant's (32 ASCII characters), or anything at all.
fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9a-zA-Z]{32}", "\\PC{0,40}",]
}

fn sign_type() -> impl Strategy<Value = SignType> {
    prop_oneof![Just(SignType::Md5), Just(SignType::HmacSha256)]
}

/// The rules of §2.2 written out plainly, as the reference to compare with.
fn reference_canonical(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .filter(|(k, v)| !v.is_empty() && k.as_str() != "sign")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Changes byte `i % len` of `s` by xoring it with `delta`, keeping the
/// string valid UTF-8: an ASCII byte stays ASCII (and changes); a byte of a
/// multi-byte character is left to `prop_assume` if the result is invalid.
fn flip_byte(s: &str, i: usize, delta: u8) -> Option<String> {
    let mut b = s.as_bytes().to_vec();
    if b.is_empty() {
        return None;
    }
    let i = i % b.len();
    let d = if b[i].is_ascii() {
        (delta % 127) + 1 // 1..=127: stays below 128, never zero
    } else {
        (delta % 63) + 1 // stays within the continuation/lead byte class more often
    };
    b[i] ^= d;
    String::from_utf8(b).ok().filter(|t| t != s)
}

fn with_sign(m: &BTreeMap<String, String>, s: &str) -> BTreeMap<String, String> {
    let mut m = m.clone();
    m.insert("sign".to_owned(), s.to_owned());
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// decode(encode(m)) == m, for every map.
    #[test]
    fn xml_round_trip(m in map()) {
        let text = xml::encode(&m).unwrap();
        let back = xml::decode(text.as_bytes()).unwrap();
        prop_assert_eq!(back.to_param_map(), m.clone());
        prop_assert_eq!(back.root(), "xml");
        // The encoding is stable: the same map always gives the same bytes.
        prop_assert_eq!(xml::encode(&m).unwrap(), text);
    }

    /// The same under `<root>`, decoded only when `root` is allowed.
    #[test]
    fn xml_round_trip_under_root(m in map()) {
        let text = xml::encode_root("root", &m).unwrap();
        let opts = xml::DecodeOptions { roots: &["root"], ..Default::default() };
        prop_assert_eq!(xml::decode_with(text.as_bytes(), &opts).unwrap().to_param_map(), m);
        let refused = xml::decode(text.as_bytes()).unwrap_err();
        prop_assert_eq!(
            refused.kind,
            xml::XmlErrorKind::UnexpectedRoot { found: "root".to_owned() }
        );
    }

    /// A map whose names are all valid encodes; a map with an invalid name
    /// is refused naming that field.
    #[test]
    fn xml_encode_refuses_invalid_names(m in map(), bad in "([0-9.-]|[^A-Za-z_])\\PC{0,6}") {
        let mut m = m;
        m.insert(bad.clone(), "v".to_owned());
        let e = xml::encode(&m).unwrap_err();
        prop_assert_eq!(e.kind, xml::XmlErrorKind::InvalidName);
        prop_assert!(e.field.is_some());
    }

    /// A value holding a character XML 1.0 forbids is refused, naming its
    /// field, and never written.
    #[test]
    fn xml_encode_refuses_forbidden_characters(
        m in map(),
        pre in value(),
        c in prop_oneof![proptest::char::range('\0', '\u{1F}'), Just('\u{FFFE}'), Just('\u{FFFF}')],
    ) {
        prop_assume!(!matches!(c, '\t' | '\n' | '\r'));
        let mut m = m;
        m.insert("zz_bad".to_owned(), format!("{pre}{c}"));
        let e = xml::encode(&m).unwrap_err();
        prop_assert_eq!(e.kind, xml::XmlErrorKind::InvalidChar { ch: u32::from(c) });
        prop_assert_eq!(e.field.as_deref(), Some("zz_bad"));
    }

    /// sign then verify succeeds for both types, with the type given and
    /// inferred from the sign's length.
    #[test]
    fn sign_verify_round_trip(m in map(), k in key(), t in sign_type()) {
        let key = ApiKey::new(k);
        let s = sign(&m, &key, t);
        prop_assert_eq!(s.as_str().len(), t.hex_len());
        prop_assert!(s.as_str().bytes().all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F')));
        let signed = with_sign(&m, s.as_str());
        prop_assert_eq!(verify(&signed, &key, Some(t)), Ok(t));
        prop_assert_eq!(verify(&signed, &key, None), Ok(t));
        prop_assert_eq!(verify_sign(&m, &key, s.as_str(), None), Ok(t));
        // Read back from its text, the sign is the same sign; lowercase or
        // cut short it is not a sign.
        prop_assert_eq!(Sign::from_hex(s.as_str()), Some(s));
        let lower = s.as_str().to_ascii_lowercase();
        prop_assert_eq!(Sign::from_hex(&lower).is_none(), lower != s.as_str());
        prop_assert_eq!(Sign::from_hex(&s.as_str()[1..]), None);
        // Through the XML codec too: the decoded map carries the same sign.
        let text = xml::encode(&signed).unwrap();
        let decoded = xml::decode(text.as_bytes()).unwrap();
        prop_assert_eq!(verify(&decoded, &key, None), Ok(t));
    }

    /// Changing one byte of any signed value makes verification fail.
    #[test]
    fn verify_rejects_changed_value(
        m in map(), k in key(), t in sign_type(),
        pick in any::<prop::sample::Index>(), at in any::<usize>(), delta in any::<u8>(),
    ) {
        let key = ApiKey::new(k);
        let s = sign(&m, &key, t);
        let signed: Vec<_> = m.iter().filter(|(n, v)| !v.is_empty() && n.as_str() != "sign").collect();
        prop_assume!(!signed.is_empty());
        let (name, value) = signed[pick.index(signed.len())];
        let changed = flip_byte(value, at, delta);
        prop_assume!(changed.is_some());
        let mut m2 = m.clone();
        m2.insert(name.clone(), changed.unwrap());
        prop_assert_eq!(verify_sign(&m2, &key, s.as_str(), Some(t)), Err(Error::SignMismatch));
        prop_assert_eq!(verify_sign(&m2, &key, s.as_str(), None), Err(Error::SignMismatch));
    }

    /// Changing one byte of the key makes verification fail.
    #[test]
    fn verify_rejects_changed_key(
        m in map(), k in key(), t in sign_type(), at in any::<usize>(), delta in any::<u8>(),
    ) {
        let s = sign(&m, &ApiKey::new(k.clone()), t);
        let changed = flip_byte(&k, at, delta);
        prop_assume!(changed.is_some());
        let other = ApiKey::new(changed.unwrap());
        prop_assert_eq!(verify_sign(&m, &other, s.as_str(), Some(t)), Err(Error::SignMismatch));
    }

    /// Changing one byte of the sign makes verification fail: including a
    /// hex letter turned lowercase, which WeChat also refuses.
    #[test]
    fn verify_rejects_changed_sign(
        m in map(), k in key(), t in sign_type(), at in any::<usize>(), delta in any::<u8>(),
        lower in any::<bool>(),
    ) {
        let key = ApiKey::new(k);
        let s = sign(&m, &key, t);
        let changed = if lower && s.as_str().bytes().any(|c| c.is_ascii_uppercase()) {
            let i = s.as_str().find(|c: char| c.is_ascii_uppercase()).unwrap();
            let mut b = s.as_str().as_bytes().to_vec();
            b[i] = b[i].to_ascii_lowercase();
            String::from_utf8(b).unwrap()
        } else {
            flip_byte(s.as_str(), at, delta).unwrap()
        };
        prop_assert_ne!(&changed, s.as_str());
        prop_assert_eq!(verify_sign(&m, &key, &changed, Some(t)), Err(Error::SignMismatch));
        prop_assert_eq!(
            verify(&with_sign(&m, &changed), &key, None),
            Err(Error::SignMismatch)
        );
    }

    /// The canonical string is exactly: non-empty values, `sign` left out,
    /// names in byte order, `k=v` joined by `&`, values raw.
    #[test]
    fn canonical_string_rules(m in map(), s in value(), k in key()) {
        let expected = reference_canonical(&m);
        prop_assert_eq!(canonical_string(&m), expected.clone());
        // `sign` never takes part, whatever its value.
        prop_assert_eq!(canonical_string(&with_sign(&m, &s)), expected.clone());
        // Empty values never take part.
        let mut with_empty = m.clone();
        with_empty.insert("zz_empty".to_owned(), String::new());
        with_empty.insert("AA_empty".to_owned(), String::new());
        let mut without = m.clone();
        without.remove("zz_empty");
        without.remove("AA_empty");
        prop_assert_eq!(canonical_string(&with_empty), reference_canonical(&without));
        // The string to sign is the canonical string plus `&key=`.
        let key = ApiKey::new(k.clone());
        let sep = if expected.is_empty() { "" } else { "&" };
        prop_assert_eq!(string_to_sign(&m, &key), format!("{expected}{sep}key={k}"));
    }

    /// Any order of the same pairs gives the same canonical string and sign,
    /// whatever the container.
    #[test]
    fn canonical_string_ignores_order(
        pairs in map().prop_map(|m| m.into_iter().collect::<Vec<_>>()).prop_shuffle(),
        k in key(), t in sign_type(),
    ) {
        let m: BTreeMap<String, String> = pairs.iter().cloned().collect();
        let h: HashMap<String, String> = pairs.iter().cloned().collect();
        let key = ApiKey::new(k);
        prop_assert_eq!(canonical_string(&pairs), canonical_string(&m));
        prop_assert_eq!(canonical_string(&h), canonical_string(&m));
        let s = sign(&m, &key, t);
        prop_assert_eq!(sign(&pairs, &key, t), s);
        prop_assert_eq!(sign(&h, &key, t), s);
        let mut rev = pairs.clone();
        rev.reverse();
        prop_assert_eq!(sign(&rev, &key, t), s);
    }
}

/// Maps with more pairs than the signer sorts on the stack, and strings to
/// sign far longer than its buffer, in every order.
#[test]
fn sign_large_maps_any_order() {
    let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
    for n in [0usize, 1, 31, 32, 33, 100] {
        for vlen in [0usize, 1, 63, 64, 65, 255, 256, 257, 5000] {
            let m: BTreeMap<String, String> = (0..n)
                .map(|i| (format!("f{i:03}"), "v".repeat(vlen) + &i.to_string()))
                .collect();
            let sorted: Vec<(String, String)> = m.clone().into_iter().collect();
            let mut reversed = sorted.clone();
            reversed.reverse();
            let mut interleaved: Vec<_> = sorted.iter().step_by(2).cloned().collect();
            interleaved.extend(sorted.iter().skip(1).step_by(2).cloned());
            for t in [SignType::Md5, SignType::HmacSha256] {
                let expected = wxpay_core::sign_message(
                    string_to_sign(&m, &key).as_bytes(),
                    key.expose().as_bytes(),
                    t,
                );
                for (label, s) in [
                    ("map", sign(&m, &key, t)),
                    ("sorted", sign(&sorted, &key, t)),
                    ("reversed", sign(&reversed, &key, t)),
                    ("interleaved", sign(&interleaved, &key, t)),
                ] {
                    assert_eq!(s, expected, "{label} n={n} vlen={vlen} {t}");
                }
            }
        }
    }
}

/// Duplicate names (which no well-formed source has) are all signed, in the
/// order given, whether the input was sorted or not.
#[test]
fn duplicate_names_are_all_signed_in_given_order() {
    let key = ApiKey::new("k");
    let p = [("b", "2"), ("a", "x"), ("a", "y")];
    assert_eq!(canonical_string(&p), "a=x&a=y&b=2");
    let q = [("a", "y"), ("a", "x"), ("b", "2")];
    assert_eq!(canonical_string(&q), "a=y&a=x&b=2");
    for t in [SignType::Md5, SignType::HmacSha256] {
        let direct = wxpay_core::sign_message(b"a=x&a=y&b=2&key=k", b"k", t);
        assert_eq!(sign(&p, &key, t), direct);
    }
}
