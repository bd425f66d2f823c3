//! The v3 signature doctor: given what was signed and a failing
//! Authorization header or paySign, replay the mistakes integrators really
//! make and report the ones that reproduce the signature **exactly**.
//!
//! It only ever needs public keys: the merchant's public key (or
//! certificate) and, to recognise "signed with the wrong key", the public
//! halves of the other keys the caller might have used by mistake (the
//! platform certificate, the WeChat Pay public key). No key is ever printed.
//!
//! The mistakes come from the v3 rules ("签名生成", pay.weixin.qq.com/wiki/
//! doc/apiv3/wechatpay/wechatpay4_0.shtml; "常见问题" of the same chapter:
//! URL with host, missing trailing `\n`, body re-serialised) and from
//! language defaults: Python `json.dumps` (`", "`/`": "` separators,
//! `ensure_ascii`), Gson (HTML-safe `\u003c`), PHP `json_encode` (`\/`,
//! `\uXXXX`), `JSON.stringify(x, null, 2)`, JavaScript `Date.now()`.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};

use super::auth::Authorization;
use super::error::clip;
use super::key::VerifyKey;
use super::message::{pay_sign_message, request_message};

/// A key the caller may have signed with by mistake, by its public half.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// How the report names it (`platform certificate`, `WeChat Pay public key`).
    pub label: &'a str,
    /// Its public half.
    pub key: &'a VerifyKey,
}

/// What was signed.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Signed<'a> {
    /// A request and its `Authorization` header value.
    Request {
        /// HTTP method as sent.
        method: &'a str,
        /// The URL as sent: a path with query, or an absolute URL.
        url: &'a str,
        /// The exact body bytes sent.
        body: &'a [u8],
        /// The failing header value.
        authorization: &'a str,
    },
    /// A `wx.requestPayment` object.
    PaySign {
        /// `appId`.
        app_id: &'a str,
        /// `timeStamp`.
        time_stamp: &'a str,
        /// `nonceStr`.
        nonce_str: &'a str,
        /// `package`.
        package: &'a str,
        /// `signType` as sent.
        sign_type: &'a str,
        /// `paySign` as sent.
        pay_sign: &'a str,
    },
}

/// The doctor's input.
#[derive(Debug, Clone, Copy)]
pub struct DoctorInput<'a> {
    /// What was signed.
    pub signed: Signed<'a>,
    /// The merchant's public key; load it from the merchant certificate so
    /// the doctor can also check `serial_no`.
    pub merchant: &'a VerifyKey,
    /// Other keys the signer may have used by mistake.
    pub others: &'a [Candidate<'a>],
    /// The v2 API key, only to confirm a v2 MD5/HMAC paySign exactly.
    pub v2_api_key: Option<&'a crate::ApiKey>,
}

/// One reproduced mistake (or, with `confirmed == false`, an exact
/// observation about the input that WeChat would reject by itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable SCREAMING_SNAKE code.
    pub code: &'static str,
    /// `true` when the signature was reproduced exactly under this mistake.
    pub confirmed: bool,
    /// What happened.
    pub summary: String,
    /// What to change.
    pub fix: &'static str,
}

/// The doctor's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The signature verifies under the correct rules with the merchant key.
    pub ok: bool,
    /// Findings, confirmed ones first.
    pub findings: Vec<Finding>,
    /// How many (message, key) pairs were tried.
    pub variants_tried: usize,
}

impl Diagnosis {
    /// The finding with `code`, if any.
    #[must_use]
    pub fn finding(&self, code: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code == code)
    }
}

/// A plain-text report: one line per finding, then its fix. Contains no key
/// material (findings never hold any).
impl core::fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let verdict = if self.ok {
            "signature OK"
        } else {
            "signature NOT OK"
        };
        writeln!(
            f,
            "{verdict} ({} message/key combinations tried)",
            self.variants_tried
        )?;
        for x in &self.findings {
            let tag = if x.confirmed { "confirmed" } else { "observed" };
            writeln!(f, "- [{tag}] {}: {}", x.code, x.summary)?;
            writeln!(f, "  fix: {}", x.fix)?;
        }
        Ok(())
    }
}

struct Variant {
    codes: Vec<&'static str>,
    detail: String,
    message: Vec<u8>,
}

fn finding(code: &'static str, confirmed: bool, summary: String) -> Finding {
    let fix = match code {
        "SIGNATURE_VALID" => {
            "the signature is right; if WeChat still refuses, check the other findings"
        }
        "AUTH_HEADER_INVALID" => {
            "format the header as WECHATPAY2-SHA256-RSA2048 mchid=\"…\",nonce_str=\"…\",signature=\"…\",timestamp=\"…\",serial_no=\"…\""
        }
        "SERIAL_MISMATCH" => {
            "send the serial of the merchant API certificate (apiclient_cert.pem), uppercase hex"
        }
        "SERIAL_LOWERCASE" => "send the certificate serial in uppercase hex",
        "SIGNATURE_NOT_BASE64" => "send the signature in standard base64 (+/ and = padding)",
        "SIGNATURE_LENGTH" => "send the whole signature: 344 base64 characters for RSA-2048",
        "URL_SAFE_BASE64" => {
            "encode with standard base64 (+/ and = padding), not the URL-safe alphabet"
        }
        "HOST_IN_URL" => "sign only the path and query (/v3/…), without scheme and host",
        "QUERY_DROPPED" => "sign the path together with its ?query exactly as sent",
        "BODY_RESERIALISED" => {
            "sign the exact bytes you send: serialise once, sign that string, send that string"
        }
        "MILLISECOND_TIMESTAMP" => {
            "use Unix time in seconds (10 digits), e.g. Math.floor(Date.now() / 1000)"
        }
        "MISSING_FINAL_NEWLINE" => "end every line of the message with \\n, the last one too",
        "METHOD_CASE" => "sign the method in uppercase, as sent",
        "WRONG_KEY" => {
            "sign with the merchant private key (apiclient_key.pem); platform and WeChat Pay public keys only verify"
        }
        "PACKAGE_PREFIX" => "sign and send package as prepay_id=<id>",
        "SIGN_TYPE_NOT_RSA" => "send signType: \"RSA\" for an API v3 order",
        "V2_PAYSIGN" => {
            "an API v3 order needs the RSA paySign (SHA256withRSA over appId\\ntimeStamp\\nnonceStr\\npackage\\n), not the v2 MD5/HMAC one"
        }
        _ => "compare the signed message byte for byte with what is sent",
    };
    Finding {
        code,
        confirmed,
        summary,
        fix,
    }
}

/// Run the doctor. Never fails: defects in the input become findings.
#[must_use]
pub fn diagnose(input: &DoctorInput<'_>) -> Diagnosis {
    let mut findings = Vec::new();
    let (signature, variants) = match input.signed {
        Signed::Request {
            method,
            url,
            body,
            authorization,
        } => {
            let auth = match Authorization::parse(authorization) {
                Ok(a) => a,
                Err(e) => {
                    findings.push(finding("AUTH_HEADER_INVALID", true, format!("{e}")));
                    return Diagnosis {
                        ok: false,
                        findings,
                        variants_tried: 0,
                    };
                }
            };
            check_serial(&auth.serial_no, input, &mut findings);
            if auth.timestamp.len() == 13 && auth.timestamp.bytes().all(|b| b.is_ascii_digit()) {
                findings.push(finding(
                    "MILLISECOND_TIMESTAMP",
                    false,
                    format!(
                        "timestamp `{}` has 13 digits: milliseconds, not seconds",
                        auth.timestamp
                    ),
                ));
            }
            let variants = request_variants(method, url, &auth.timestamp, &auth.nonce_str, body);
            (auth.signature, variants)
        }
        Signed::PaySign {
            app_id,
            time_stamp,
            nonce_str,
            package,
            sign_type,
            pay_sign,
        } => {
            if sign_type != "RSA" {
                findings.push(finding(
                    "SIGN_TYPE_NOT_RSA",
                    false,
                    format!("signType is `{}`, API v3 needs `RSA`", clip(sign_type)),
                ));
            }
            if time_stamp.len() == 13 && time_stamp.bytes().all(|b| b.is_ascii_digit()) {
                findings.push(finding(
                    "MILLISECOND_TIMESTAMP",
                    false,
                    format!("timeStamp `{time_stamp}` has 13 digits: milliseconds, not seconds"),
                ));
            }
            if let Some(f) = v2_pay_sign(
                input, app_id, time_stamp, nonce_str, package, sign_type, pay_sign,
            ) {
                findings.push(f);
                return Diagnosis {
                    ok: false,
                    findings,
                    variants_tried: 0,
                };
            }
            (
                String::from(pay_sign),
                pay_sign_variants(app_id, time_stamp, nonce_str, package),
            )
        }
    };
    let sig = match decode_signature(&signature, input.merchant, &mut findings) {
        Some(s) => s,
        None => {
            return Diagnosis {
                ok: false,
                findings,
                variants_tried: 0,
            };
        }
    };
    let mut keys: Vec<(&str, &VerifyKey)> = vec![("merchant key", input.merchant)];
    keys.extend(input.others.iter().map(|c| (c.label, c.key)));
    let mut tried = 0;
    for (ki, (label, key)) in keys.iter().enumerate() {
        for v in &variants {
            tried += 1;
            if key.verify_raw(&v.message, &sig).is_err() {
                continue;
            }
            if ki == 0 && v.codes.is_empty() {
                findings.insert(
                    0,
                    finding(
                        "SIGNATURE_VALID",
                        true,
                        String::from(
                            "the signature verifies over the correct message with the merchant key",
                        ),
                    ),
                );
            }
            if ki > 0 {
                findings.insert(
                    0,
                    finding(
                        "WRONG_KEY",
                        true,
                        format!("signed with the key of the {label}, not the merchant key"),
                    ),
                );
            }
            for code in v.codes.iter().rev() {
                findings.insert(0, finding(code, true, v.detail.clone()));
            }
            for f in &mut findings {
                if f.code == "URL_SAFE_BASE64" || f.code == "MILLISECOND_TIMESTAMP" {
                    f.confirmed = true;
                }
            }
            let ok = findings
                .iter()
                .all(|f| f.code == "SIGNATURE_VALID" || !f.confirmed);
            return Diagnosis {
                ok,
                findings,
                variants_tried: tried,
            };
        }
    }
    findings.push(finding(
        "NOT_REPRODUCED",
        false,
        format!("none of {tried} (message, key) combinations reproduces the signature"),
    ));
    Diagnosis {
        ok: false,
        findings,
        variants_tried: tried,
    }
}

fn check_serial(serial: &str, input: &DoctorInput<'_>, findings: &mut Vec<Finding>) {
    let Some(expected) = input.merchant.serial() else {
        return;
    };
    if serial == expected {
        return;
    }
    if serial.eq_ignore_ascii_case(expected) {
        findings.push(finding(
            "SERIAL_LOWERCASE",
            true,
            String::from("serial_no is the merchant certificate's serial in lowercase"),
        ));
        return;
    }
    let whose = input
        .others
        .iter()
        .find(|c| {
            c.key
                .serial()
                .is_some_and(|s| s.eq_ignore_ascii_case(serial))
        })
        .map_or("an unknown certificate", |c| c.label);
    findings.push(finding(
        "SERIAL_MISMATCH",
        true,
        format!(
            "serial_no `{}` is the serial of {whose}, not of the merchant certificate `{expected}`",
            clip(serial)
        ),
    ));
}

fn decode_signature(text: &str, key: &VerifyKey, findings: &mut Vec<Finding>) -> Option<Vec<u8>> {
    let expected = key.bits() / 8;
    let sig = if let Ok(s) = STANDARD.decode(text.as_bytes()) {
        s
    } else if let Ok(s) = URL_SAFE
        .decode(text.as_bytes())
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.as_bytes()))
    {
        findings.push(finding(
            "URL_SAFE_BASE64",
            false,
            String::from("the signature uses the URL-safe base64 alphabet (- and _)"),
        ));
        s
    } else {
        findings.push(finding(
            "SIGNATURE_NOT_BASE64",
            true,
            String::from("the signature is not base64"),
        ));
        return None;
    };
    if sig.len() != expected {
        findings.push(finding(
            "SIGNATURE_LENGTH",
            true,
            format!(
                "the signature decodes to {} bytes; the key needs {expected}",
                sig.len()
            ),
        ));
        return None;
    }
    Some(sig)
}

#[allow(clippy::too_many_arguments)]
fn v2_pay_sign(
    input: &DoctorInput<'_>,
    app_id: &str,
    time_stamp: &str,
    nonce_str: &str,
    package: &str,
    sign_type: &str,
    pay_sign: &str,
) -> Option<Finding> {
    let hex = pay_sign.bytes().all(|b| b.is_ascii_hexdigit());
    if !(hex && (pay_sign.len() == 32 || pay_sign.len() == 64)) {
        return None;
    }
    let kind = if pay_sign.len() == 32 {
        "MD5"
    } else {
        "HMAC-SHA256"
    };
    if let Some(api_key) = input.v2_api_key {
        let pairs = [
            ("appId", app_id),
            ("timeStamp", time_stamp),
            ("nonceStr", nonce_str),
            ("package", package),
            ("signType", sign_type),
            ("paySign", pay_sign),
        ];
        if crate::paysign::verify_payment_params(&pairs[..], api_key).is_ok() {
            return Some(finding(
                "V2_PAYSIGN",
                true,
                format!("paySign is the v2 {kind} sign, reproduced with the v2 API key"),
            ));
        }
    }
    Some(finding(
        "V2_PAYSIGN",
        false,
        format!(
            "paySign is {} hex characters: a v2 {kind} sign, not a base64 RSA signature",
            pay_sign.len()
        ),
    ))
}

fn request_variants(method: &str, url: &str, ts: &str, nonce: &str, body: &[u8]) -> Vec<Variant> {
    // The canonical URL: path + query, without scheme and host.
    let (host_part, path) = split_url(url);
    let mut out = Vec::new();
    let mut push = |codes: Vec<&'static str>, detail: String, m: Vec<u8>| {
        if !out.iter().any(|v: &Variant| v.message == m) {
            out.push(Variant {
                codes,
                detail,
                message: m,
            });
        }
    };
    let canonical = request_message(method, path, ts, nonce, body);
    push(vec![], String::new(), canonical.clone());
    let mut no_nl = canonical.clone();
    no_nl.pop();
    push(
        vec!["MISSING_FINAL_NEWLINE"],
        String::from("the signed message lacks the final \\n"),
        no_nl,
    );
    if let Some(host) = host_part {
        push(
            vec!["HOST_IN_URL"],
            format!("the URL was signed with `{host}`"),
            request_message(method, url, ts, nonce, body),
        );
        let no_scheme = url.split_once("://").map_or(url, |(_, r)| r);
        push(
            vec!["HOST_IN_URL"],
            String::from("the URL was signed with the host"),
            request_message(method, no_scheme, ts, nonce, body),
        );
    } else {
        for host in [
            "https://api.mch.weixin.qq.com",
            "https://api2.mch.weixin.qq.com",
            "api.mch.weixin.qq.com",
        ] {
            let full = format!("{host}{path}");
            push(
                vec!["HOST_IN_URL"],
                format!("the URL was signed as `{host}…`"),
                request_message(method, &full, ts, nonce, body),
            );
        }
    }
    if let Some((p, _)) = path.split_once('?') {
        push(
            vec!["QUERY_DROPPED"],
            String::from("the URL was signed without its ?query"),
            request_message(method, p, ts, nonce, body),
        );
    }
    let lower = method.to_ascii_lowercase();
    push(
        vec!["METHOD_CASE"],
        format!("the method was signed as `{lower}`"),
        request_message(&lower, path, ts, nonce, body),
    );
    if let Ok(text) = core::str::from_utf8(body) {
        for (b, detail) in body_variants(text) {
            push(
                vec!["BODY_RESERIALISED"],
                detail,
                request_message(method, path, ts, nonce, b.as_bytes()),
            );
        }
    }
    out
}

fn pay_sign_variants(app_id: &str, ts: &str, nonce: &str, package: &str) -> Vec<Variant> {
    let canonical = pay_sign_message(app_id, ts, nonce, package).into_bytes();
    let mut no_nl = canonical.clone();
    no_nl.pop();
    let mut out = vec![
        Variant {
            codes: vec![],
            detail: String::new(),
            message: canonical,
        },
        Variant {
            codes: vec!["MISSING_FINAL_NEWLINE"],
            detail: String::from("the signed message lacks the final \\n"),
            message: no_nl,
        },
    ];
    if let Some(id) = package.strip_prefix("prepay_id=") {
        out.push(Variant {
            codes: vec!["PACKAGE_PREFIX"],
            detail: String::from("package was signed without `prepay_id=`"),
            message: pay_sign_message(app_id, ts, nonce, id).into_bytes(),
        });
    } else {
        let with = format!("prepay_id={package}");
        out.push(Variant {
            codes: vec!["PACKAGE_PREFIX"],
            detail: String::from("package was signed with `prepay_id=` but sent without it"),
            message: pay_sign_message(app_id, ts, nonce, &with).into_bytes(),
        });
    }
    out
}

/// `(Some("https://host"), "/path?q")` for an absolute URL, `(None, url)` otherwise.
fn split_url(url: &str) -> (Option<&str>, &str) {
    if let Some((scheme, rest)) = url.split_once("://")
        && !scheme.is_empty()
        && scheme.bytes().all(|b| b.is_ascii_alphabetic())
    {
        let cut = rest.find('/').map_or(url.len(), |i| scheme.len() + 3 + i);
        return (
            Some(&url[..cut]),
            if cut == url.len() { "/" } else { &url[cut..] },
        );
    }
    (None, url)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    Keep,
    /// Python `ensure_ascii`: non-ASCII as `\uxxxx` (lowercase hex).
    Ascii,
    /// Gson: `<`, `>`, `&`, `=`, `'` as `\u003c` …
    Html,
    /// PHP `json_encode`: `\/` and non-ASCII as `\uxxxx`.
    Php,
    /// Unescape `\uXXXX` and `\/` into raw characters.
    Raw,
}

#[derive(Clone, Copy)]
struct Style {
    item_sep: &'static str,
    key_sep: &'static str,
    indent: usize,
    escape: Escape,
}

fn body_variants(text: &str) -> Vec<(String, String)> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let layouts: [(&str, &str, usize, &str); 4] = [
        (",", ":", 0, "compact"),
        (
            ", ",
            ": ",
            0,
            "Python json.dumps separators (\", \", \": \")",
        ),
        (",", ": ", 2, "indented by 2 (JSON.stringify(x, null, 2))"),
        (",", ": ", 4, "indented by 4 (json.dumps(indent=4))"),
    ];
    let escapes = [
        (Escape::Keep, ""),
        (Escape::Ascii, ", non-ASCII escaped as \\uXXXX"),
        (Escape::Html, ", <>&=' escaped as \\u003c… (Gson)"),
        (Escape::Php, ", / and non-ASCII escaped (PHP json_encode)"),
        (Escape::Raw, ", \\u escapes decoded"),
    ];
    let mut out: Vec<(String, String)> = Vec::new();
    for sort in [false, true] {
        for (item_sep, key_sep, indent, what) in layouts {
            for (escape, ewhat) in escapes {
                let style = Style {
                    item_sep,
                    key_sep,
                    indent,
                    escape,
                };
                let mut s = String::new();
                if sort {
                    write_value(&value, style, 0, &mut s);
                } else if !reformat(text, style, &mut s) {
                    continue;
                }
                if s != text && !out.iter().any(|(b, _)| *b == s) {
                    let keys = if sort { "keys sorted, " } else { "" };
                    out.push((
                        s,
                        format!("the body was re-serialised before signing: {keys}{what}{ewhat}"),
                    ));
                }
            }
        }
    }
    out
}

fn newline(out: &mut String, indent: usize, depth: usize) {
    if indent > 0 {
        out.push('\n');
        for _ in 0..indent * depth {
            out.push(' ');
        }
    }
}

fn write_str(s: &str, escape: Escape, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '/' if escape == Escape::Php => out.push_str("\\/"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '<' | '>' | '&' | '=' | '\'' if escape == Escape::Html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if !c.is_ascii() && matches!(escape, Escape::Ascii | Escape::Php) => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_value(v: &serde_json::Value, st: Style, depth: usize, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(if st.indent > 0 { "," } else { st.item_sep });
                }
                newline(out, st.indent, depth + 1);
                write_str(k, st.escape, out);
                out.push_str(st.key_sep);
                if let Some(v) = map.get(k.as_str()) {
                    write_value(v, st, depth + 1, out);
                }
            }
            newline(out, st.indent, depth);
            out.push('}');
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(if st.indent > 0 { "," } else { st.item_sep });
                }
                newline(out, st.indent, depth + 1);
                write_value(v, st, depth + 1, out);
            }
            newline(out, st.indent, depth);
            out.push(']');
        }
        Value::String(s) => write_str(s, st.escape, out),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Re-lay-out JSON text token by token, keeping key order and numbers as
/// written. Returns `false` if the text is not well-formed enough.
fn reformat(text: &str, st: Style, out: &mut String) -> bool {
    let mut chars = text.chars().peekable();
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\n' | '\r' | '\t' => {}
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(c);
                    out.push(close);
                } else {
                    depth += 1;
                    out.push(c);
                    newline(out, st.indent, depth);
                }
            }
            '}' | ']' => {
                let Some(d) = depth.checked_sub(1) else {
                    return false;
                };
                depth = d;
                newline(out, st.indent, depth);
                out.push(c);
            }
            ',' => {
                out.push_str(if st.indent > 0 { "," } else { st.item_sep });
                newline(out, st.indent, depth);
            }
            ':' => out.push_str(st.key_sep),
            '"' => {
                let mut raw = String::new();
                let mut escaped = false;
                loop {
                    let Some(c) = chars.next() else { return false };
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                    raw.push(c);
                }
                let mut quoted = String::from("\"");
                quoted.push_str(&raw);
                quoted.push('"');
                if st.escape == Escape::Keep {
                    out.push_str(&quoted);
                } else {
                    let Ok(s) = serde_json::from_str::<String>(&quoted) else {
                        return false;
                    };
                    write_str(&s, st.escape, out);
                }
            }
            c => out.push(c),
        }
    }
    depth == 0
}
