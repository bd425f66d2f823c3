//! Writes the seed corpora: every XML sample in core's tests (inline
//! string literals in `core/tests/*.rs` and `core/src/**/*.rs`, the files of
//! `core/tests/documents/`, the plaintext of `vectors/wxpay-v2.json`), the
//! signature and req_info vectors, and a few hostile documents, each
//! converted to the input format of every target (see `src/checks.rs`).
//!
//! ```text
//! cd fuzz && cargo run --example seed -- /tmp/seeds   # then see README.md
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use wxpay_core::xml::{self, DecodeOptions};
use wxpay_fuzz::{FIXED_KEY, Input};

/// Hostile documents the codec must refuse (the issue's rejection cases).
const HOSTILE: &[&str] = &[
    "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><a>&xxe;</a></xml>",
    "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><xml><a>&lol1;</a></xml>",
    "<xml><a><b>1</b></a></xml>",
    "<xml><a>1</a><a>2</a></xml>",
    "<xml a=\"1\"><b>2</b></xml>",
    "<root><a>1</a></root>",
    "<xml><a>&#x4e2d;&#20013;&lt;&gt;&amp;&apos;&quot;<![CDATA[]]]]><![CDATA[>]]></a><!-- c --><b/></xml>",
    "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n <a>x</a>\n</xml>\n",
];

/// Unescapes the body of a Rust (byte) string literal.
fn unescape(body: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next()? {
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            't' => out.push(b'\t'),
            '0' => out.push(0),
            '\\' => out.push(b'\\'),
            '"' => out.push(b'"'),
            '\'' => out.push(b'\''),
            'x' => {
                let h: String = [chars.next()?, chars.next()?].iter().collect();
                out.push(u8::from_str_radix(&h, 16).ok()?);
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let mut h = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        '_' => {}
                        d => h.push(d),
                    }
                }
                let c = char::from_u32(u32::from_str_radix(&h, 16).ok()?)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            '\n' => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// String literals of a Rust source file whose text starts with `<`.
fn xml_literals(src: &str) -> Vec<Vec<u8>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // Line comments hold no samples (and may hold stray quotes).
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if b[i] == b'\'' {
            // A char literal such as '"' (lifetimes are skipped harmlessly).
            if let Some(len) = b[i + 1..].iter().take(12).position(|&c| c == b'\'') {
                i += len + 2;
                continue;
            }
        }
        let raw_start =
            if b[i] == b'r' && (i == 0 || !b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'b') {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                (b.get(i + 1 + hashes) == Some(&b'"')).then_some(hashes)
            } else {
                None
            };
        if let Some(hashes) = raw_start {
            let start = i + 1 + hashes + 1;
            let mut close = String::from("\"");
            close.push_str(&"#".repeat(hashes));
            let end = src[start..].find(&close).map_or(b.len(), |e| start + e);
            let body = &src[start..end];
            if body.trim_start().starts_with('<') {
                out.push(body.as_bytes().to_vec());
            }
            i = end + close.len();
            continue;
        }
        if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let body = &src[start..j.min(b.len())];
            if body.trim_start().starts_with('<')
                && let Some(bytes) = unescape(body)
            {
                out.push(bytes);
            }
            i = j + 1;
            continue;
        }
        i += 1;
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

struct Seeds {
    out: PathBuf,
    count: BTreeMap<&'static str, usize>,
}

impl Seeds {
    fn put(&mut self, target: &'static str, label: &str, bytes: &[u8]) {
        let dir = self.out.join(target);
        fs::create_dir_all(&dir).unwrap();
        let n = self.count.entry(target).or_default();
        *n += 1;
        let safe: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        fs::write(dir.join(format!("seed-{n:03}-{safe}")), bytes).unwrap();
    }
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: seed OUT_DIR"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seeds = Seeds {
        out,
        count: BTreeMap::new(),
    };

    // Every XML sample, labelled by where it came from.
    let mut samples: Vec<(String, Vec<u8>)> = Vec::new();
    let mut docs: Vec<PathBuf> = fs::read_dir(repo.join("core/tests/documents"))
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    docs.sort();
    for p in docs {
        let label = p.file_name().unwrap().to_string_lossy().into_owned();
        samples.push((label, fs::read(&p).unwrap()));
    }
    let mut files = Vec::new();
    rust_files(&repo.join("core/tests"), &mut files);
    rust_files(&repo.join("core/src"), &mut files);
    for p in files {
        let src = fs::read_to_string(&p).unwrap();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        for (i, lit) in xml_literals(&src).into_iter().enumerate() {
            samples.push((format!("{stem}_{i}"), lit));
        }
    }
    let vectors: Value =
        serde_json::from_str(&fs::read_to_string(repo.join("vectors/wxpay-v2.json")).unwrap())
            .unwrap();
    for c in vectors["refund_req_info"].as_array().unwrap() {
        let plain = c["plaintext"].as_str().unwrap();
        samples.push((
            format!("vector_{}", c["name"].as_str().unwrap()),
            plain.into(),
        ));
        let input = Input::new(0)
            .seg(c["api_key"].as_str().unwrap())
            .seg(c["req_info"].as_str().unwrap())
            .seg(plain);
        seeds.put("req_info", c["name"].as_str().unwrap(), &input.into_bytes());
    }
    for (i, h) in HOSTILE.iter().enumerate() {
        samples.push((format!("hostile_{i}"), h.as_bytes().to_vec()));
    }
    samples.sort();
    samples.dedup_by(|a, b| a.1 == b.1);

    let opts = DecodeOptions {
        roots: &["xml", "root"],
        ..DecodeOptions::default()
    };
    for (label, bytes) in &samples {
        seeds.put("xml_decode", label, bytes);
        let text = String::from_utf8_lossy(bytes);
        seeds.put(
            "req_info",
            label,
            &Input::new(0).seg(FIXED_KEY).seg("").seg(&text).into_bytes(),
        );
        let Ok(m) = xml::decode_with(bytes, &opts) else {
            continue;
        };
        let fields: Vec<(&str, &str)> = m.iter().collect();
        seeds.put(
            "sign_verify",
            label,
            &Input::new(0)
                .seg(FIXED_KEY)
                .pairs(fields.iter().copied())
                .into_bytes(),
        );
        if let Some(enc) = m.get("req_info") {
            seeds.put(
                "req_info",
                label,
                &Input::new(1).seg(FIXED_KEY).seg(enc).seg("").into_bytes(),
            );
        }
        for mode in 0..8u8 {
            // [flags] [caps] [claim mode]: flags 0x04 passes the AppSecret;
            // odd modes derive the claim with HMAC-SHA256.
            let input = Input::with_header(&[0x04, 0x00, mode | (mode & 1) << 4])
                .seg(FIXED_KEY)
                .seg(m.get("sign").unwrap_or_default())
                .seg("3ab5b6d0c1e5f1d98d2b4c0b6c7d6a1e")
                .seg("")
                .seg("")
                .pairs(fields.iter().copied());
            seeds.put("diagnose", label, &input.into_bytes());
        }
        for sel in 0..17 {
            let input = Input::new(sel)
                .seg("1790000000")
                .seg("60")
                .pairs(fields.iter().copied());
            seeds.put("models", label, &input.into_bytes());
        }
    }

    for c in vectors["signatures"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let key = c["key"].as_str().unwrap();
        let params: Vec<(&str, &str)> = c["params"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        seeds.put(
            "sign_verify",
            name,
            &Input::new(0)
                .seg(key)
                .pairs(params.iter().copied())
                .into_bytes(),
        );
        let input = Input::with_header(&[0, 0, 0])
            .seg(key)
            .seg(c["sign"].as_str().unwrap())
            .seg("")
            .seg("")
            .seg("")
            .pairs(params.iter().copied());
        seeds.put("diagnose", name, &input.into_bytes());
        if params
            .iter()
            .any(|(k, _)| *k == "paySign" || *k == "package")
        {
            let sign = c["sign"].as_str().unwrap();
            let obj = Input::new(0)
                .seg(key)
                .pairs(params.iter().copied())
                .pairs([("paySign", sign)]);
            seeds.put("paysign", name, &obj.into_bytes());
            let get = |f: &str| params.iter().find(|(k, _)| *k == f).unwrap().1;
            let ctl = if c["sign_type"] == "MD5" { 1 } else { 3 };
            let build = Input::new(ctl)
                .seg(key)
                .seg(get("appId"))
                .seg(get("package"))
                .seg(get("timeStamp"))
                .seg(get("nonceStr"));
            seeds.put("paysign", name, &build.into_bytes());
        }
    }

    for (target, n) in &seeds.count {
        println!("{target}: {n} seeds");
    }
}
