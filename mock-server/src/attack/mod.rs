//! The attack kit: sends a merchant's payment-notify handler the forgeries
//! it must refuse and the genuine notifies it must accept, and judges each
//! answer as WeChat does (`wxpay_core::model::judge_notify_reply`).
//!
//! Every signature, XML document and judgement comes from `wxpay_core`;
//! this module only chooses the cases and does the HTTP.

use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use wxpay_core::model::{PaymentNotify, judge_notify_reply, rules};
use wxpay_core::{ApiKey, ParamMap, SignType, xml};

use crate::outbound::{PostError, post_xml};

/// The merchant whose handler is attacked, and the paid order it knows.
#[derive(Debug, Clone)]
pub struct Target {
    /// The handler's URL (`http://` only).
    pub notify_url: String,
    /// The appid of the order.
    pub appid: String,
    /// The merchant's mch_id.
    pub mch_id: String,
    /// The merchant's API key (never printed).
    pub key: ApiKey,
    /// An order the handler knows (unpaid, so the genuine notify pays it).
    pub out_trade_no: String,
    /// That order's amount in fen.
    pub total_fee: i64,
    /// The sign type of the genuine notify (the order's sign type).
    pub sign_type: SignType,
    /// How long to wait for each answer.
    pub timeout: Duration,
}

/// What a case needs from the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Acknowledge: HTTP 200 and `return_code` SUCCESS.
    Accept,
    /// Anything but an acknowledgement.
    Refuse,
}

/// One case of the report card.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Short name, e.g. `wrong-sign`.
    pub name: &'static str,
    /// What was sent.
    pub sent: String,
    /// What the handler must do.
    pub expect: Expect,
    /// The HTTP status, if an answer came.
    pub http_status: Option<u16>,
    /// The start of the answer's body, or the transport error.
    pub answer: String,
    /// Whether the answer is right.
    pub right: bool,
    /// Why it is right or wrong.
    pub why: String,
}

/// The report card.
#[derive(Debug, Clone)]
pub struct Report {
    /// The cases in the order they were sent.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// True when every answer was right.
    #[must_use]
    pub fn all_right(&self) -> bool {
        self.outcomes.iter().all(|o| o.right)
    }

    /// The outcome of one case, by name.
    #[must_use]
    pub fn case(&self, name: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.name == name)
    }

    /// The report card as text.
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::new();
        for o in &self.outcomes {
            let _ = writeln!(
                s,
                "[{}] {:<22} must {}",
                if o.right { "RIGHT" } else { "WRONG" },
                o.name,
                match o.expect {
                    Expect::Accept => "be accepted",
                    Expect::Refuse => "be refused",
                }
            );
            let _ = writeln!(s, "    sent:     {}", o.sent);
            let status = o
                .http_status
                .map_or_else(|| "no HTTP answer".to_owned(), |c| format!("HTTP {c}"));
            let _ = writeln!(s, "    answered: {status}: {}", o.answer);
            let _ = writeln!(s, "    verdict:  {}", o.why);
        }
        let wrong = self.outcomes.iter().filter(|o| !o.right).count();
        let _ = writeln!(
            s,
            "{} case(s), {} right, {} wrong",
            self.outcomes.len(),
            self.outcomes.len() - wrong,
            wrong
        );
        s
    }
}

/// The size of the oversize body.
pub const OVERSIZE_BYTES: usize = 4 * 1024 * 1024;
const EXCERPT_CHARS: usize = 160;
struct Case {
    name: &'static str,
    sent: String,
    body: Bytes,
    expect: Expect,
}

/// A genuine payment notify for the target's order, as params (unsigned).
fn notify_params(
    t: &Target,
    total_fee: i64,
    transaction_id: &str,
    attach: Option<&str>,
) -> ParamMap {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    PaymentNotify {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("OK".into()),
        appid: Some(t.appid.clone()),
        mch_id: Some(t.mch_id.clone()),
        nonce_str: Some(wxpay_core::nonce::nonce_from(32, fastrand::fill)),
        result_code: Some("SUCCESS".into()),
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        is_subscribe: Some("N".into()),
        trade_type: Some("JSAPI".into()),
        bank_type: Some("OTHERS".into()),
        total_fee: Some(total_fee),
        fee_type: Some("CNY".into()),
        cash_fee: Some(total_fee),
        transaction_id: Some(transaction_id.into()),
        out_trade_no: Some(t.out_trade_no.clone()),
        attach: attach.map(str::to_owned),
        time_end: Some(rules::format_time14(now)),
        ..PaymentNotify::default()
    }
    .to_params()
}

fn signed(mut p: ParamMap, key: &ApiKey, t: SignType) -> ParamMap {
    let s = wxpay_core::sign(&p, key, t);
    p.insert("sign".into(), s.as_str().into());
    p
}

fn encode(p: &ParamMap) -> String {
    // Params built here are always encodable (valid names, text values).
    xml::encode(p).unwrap_or_default()
}

/// Puts `doctype` before the root and `attach` (raw, unescaped) as the
/// last field: a document only a DTD-processing parser reads as intended.
fn with_doctype(doc: &str, doctype: &str, attach_raw: &str) -> String {
    let inner = doc.trim_end().strip_suffix("</xml>").unwrap_or(doc);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doctype}\n{inner}<attach>{attach_raw}</attach></xml>"
    )
}

fn excerpt(b: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(b)
        .chars()
        .take(EXCERPT_CHARS)
        .collect();
    let s = s.replace(['\n', '\r'], " ");
    if b.len() > EXCERPT_CHARS {
        format!("{s}… ({} bytes)", b.len())
    } else {
        s
    }
}

fn cases(t: &Target) -> Vec<Case> {
    let txn = format!("4200{:024}", fastrand::u64(..) % 10u64.pow(18));
    let genuine = encode(&signed(
        notify_params(t, t.total_fee, &txn, None),
        &t.key,
        t.sign_type,
    ));
    let refuse = |name, sent: String, body: Vec<u8>| Case {
        name,
        sent,
        body: Bytes::from(body),
        expect: Expect::Refuse,
    };
    let mut v = Vec::new();

    let p = notify_params(t, t.total_fee, &txn, None);
    v.push(refuse(
        "no-sign",
        "a genuine-looking notify with no sign field".into(),
        encode(&p).into_bytes(),
    ));

    let mut p = signed(
        notify_params(t, t.total_fee, &txn, None),
        &t.key,
        t.sign_type,
    );
    if let Some(s) = p.get_mut("sign") {
        // Change the last hex digit: same length and case, wrong value.
        let last = s.pop().unwrap_or('0');
        s.push(if last == '0' { '1' } else { '0' });
    }
    v.push(refuse(
        "wrong-sign",
        format!(
            "a {} sign with its last digit changed",
            t.sign_type.as_str()
        ),
        encode(&p).into_bytes(),
    ));

    let other = ApiKey::new("0123456789abcdef0123456789abcdef");
    v.push(refuse(
        "other-key",
        format!(
            "signed ({}) with another merchant's key",
            t.sign_type.as_str()
        ),
        encode(&signed(
            notify_params(t, t.total_fee, &txn, None),
            &other,
            t.sign_type,
        ))
        .into_bytes(),
    ));

    let fee = t.total_fee.saturating_add(1);
    v.push(refuse(
        "amount-differs",
        format!(
            "correctly signed, total_fee {fee} instead of the order's {}",
            t.total_fee
        ),
        encode(&signed(
            notify_params(t, fee, &txn, None),
            &t.key,
            t.sign_type,
        ))
        .into_bytes(),
    ));

    // The DTD cases are signed over the fields without `attach`, so a parser
    // that reads the DTD but drops the entity still sees a valid sign.
    let base = encode(&signed(
        notify_params(t, t.total_fee, &txn, None),
        &t.key,
        t.sign_type,
    ));
    v.push(refuse(
        "xxe",
        "a correctly signed notify with <!DOCTYPE> declaring an external entity (file:///etc/passwd) used in attach".into(),
        with_doctype(
            &base,
            "<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
            "&xxe;",
        )
        .into_bytes(),
    ));
    let mut dtd = String::from("<!DOCTYPE xml [<!ENTITY lol0 \"lol\">");
    for i in 1..=9 {
        let prev = format!("&lol{};", i - 1);
        let _ = write!(dtd, "<!ENTITY lol{i} \"{}\">", prev.repeat(10));
    }
    dtd.push_str("]>");
    v.push(refuse(
        "billion-laughs",
        "a correctly signed notify whose attach expands to 10^9 \"lol\"s through nested entities"
            .into(),
        with_doctype(&base, &dtd, "&lol9;").into_bytes(),
    ));

    let pad = "A".repeat(OVERSIZE_BYTES);
    v.push(refuse(
        "oversize",
        format!(
            "a correctly signed notify of {} MiB (attach padded)",
            OVERSIZE_BYTES / (1024 * 1024)
        ),
        encode(&signed(
            notify_params(t, t.total_fee, &txn, Some(&pad)),
            &t.key,
            t.sign_type,
        ))
        .into_bytes(),
    ));

    // GBK bytes for 测试 in attach: not UTF-8, so no sign can cover them.
    let doc = encode(&signed(
        notify_params(t, t.total_fee, &txn, None),
        &t.key,
        t.sign_type,
    ));
    let mut bytes = doc
        .trim_end()
        .strip_suffix("</xml>")
        .unwrap_or(&doc)
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"<attach>\xb2\xe2\xca\xd4</attach></xml>");
    v.push(refuse(
        "non-utf8",
        "a signed notify with GBK bytes (not UTF-8) in attach".into(),
        bytes,
    ));

    v.push(Case {
        name: "genuine",
        sent: format!(
            "the genuine notify: {} sign, total_fee {}, out_trade_no {}",
            t.sign_type.as_str(),
            t.total_fee,
            t.out_trade_no
        ),
        body: Bytes::from(genuine.clone()),
        expect: Expect::Accept,
    });
    v.push(Case {
        name: "hmac-no-sign-type",
        sent: "the same payment, HMAC-SHA256 signed, without sign_type (as production sends for HMAC orders)".into(),
        body: Bytes::from(encode(&signed(
            notify_params(t, t.total_fee, &txn, None),
            &t.key,
            SignType::HmacSha256,
        ))),
        expect: Expect::Accept,
    });
    v.push(Case {
        name: "replay",
        sent: "the genuine notify again, byte for byte (WeChat retries and may deliver twice)"
            .into(),
        body: Bytes::from(genuine),
        expect: Expect::Accept,
    });
    v
}

enum Transport {
    Connect(String),
    Broken(String),
    Timeout,
}

/// Runs every case against the target, in order: the forgeries first (so
/// the order is still unpaid when they arrive), then the genuine notify,
/// its HMAC-SHA256 twin and a replay.
///
/// # Errors
/// The notify URL is not an `http://` URL.
pub async fn run(t: &Target) -> Result<Report, String> {
    let uri: hyper::Uri = t
        .notify_url
        .parse()
        .map_err(|e| format!("--notify-url {:?}: not a URL: {e}", t.notify_url))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(format!(
            "--notify-url {:?}: only http://host[:port]/path URLs are supported",
            t.notify_url
        ));
    }
    let mut outcomes = Vec::new();
    for c in cases(t) {
        let sent = format!(
            "{} ({} bytes: {})",
            c.sent,
            c.body.len(),
            excerpt(&c.body[..c.body.len().min(90)])
        );
        let result = match tokio::time::timeout(t.timeout, post(&uri, c.body)).await {
            Ok(r) => r,
            Err(_) => Err(Transport::Timeout),
        };
        let (http_status, answer, right, why) = match result {
            Ok((status, reply)) => {
                let judged = judge_notify_reply(status, &reply);
                let (right, why) = match (c.expect, judged) {
                    (Expect::Accept, Ok(())) => (true, "acknowledged, as it must be".to_owned()),
                    (Expect::Accept, Err(e)) => (false, format!("not acknowledged: {e}")),
                    (Expect::Refuse, Ok(())) => (
                        false,
                        "acknowledged (HTTP 200 + SUCCESS): the handler accepted a notify it must refuse".to_owned(),
                    ),
                    (Expect::Refuse, Err(e)) => (true, format!("refused ({e})")),
                };
                (Some(status), excerpt(&reply), right, why)
            }
            Err(Transport::Connect(e)) => (
                None,
                e,
                false,
                "could not reach the handler: nothing was judged".to_owned(),
            ),
            Err(Transport::Broken(e)) => {
                let right = c.expect == Expect::Refuse;
                let why = if right {
                    "refused by closing the connection without an acknowledgement".to_owned()
                } else {
                    "no complete HTTP answer: WeChat would retry".to_owned()
                };
                (None, e, right, why)
            }
            Err(Transport::Timeout) => (
                None,
                format!("no answer within {} s", t.timeout.as_secs_f32()),
                false,
                "hung: a handler must answer promptly (WeChat gives up after 5 s); entity expansion or an unbounded read?".to_owned(),
            ),
        };
        outcomes.push(Outcome {
            name: c.name,
            sent,
            expect: c.expect,
            http_status,
            answer,
            right,
            why,
        });
    }
    Ok(Report { outcomes })
}

async fn post(uri: &hyper::Uri, body: Bytes) -> Result<(u16, Bytes), Transport> {
    let user_agent = concat!("wxpay-mock-attack/", env!("CARGO_PKG_VERSION"));
    post_xml(uri, body, user_agent).await.map_err(|e| match e {
        PostError::Connect(e) => Transport::Connect(format!(
            "cannot connect to {}:{}: {e}",
            uri.host().unwrap_or_default(),
            uri.port_u16().unwrap_or(80)
        )),
        PostError::Handshake(e) => Transport::Broken(e),
        PostError::Send(e) => Transport::Broken(format!("connection closed: {e}")),
        PostError::Read(e) => Transport::Broken(format!("reading the answer: {e}")),
    })
}
