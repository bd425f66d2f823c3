//! Helpers for the end-to-end flows of wxpay-devkit.
//!
//! A flow plays the three parties of a mini-program payment against a real
//! [`MockServer`] on `127.0.0.1:0`:
//! - the **merchant's backend**: a [`Merchant`] builds and signs requests with
//!   `wxpay-core` exactly as an SDK does, and [`Bench::call`] verifies every
//!   signed answer before the flow looks at it;
//! - the **mini program**: [`Bench::login`], [`Bench::request_payment`] post
//!   what `wx.login` and `wx.requestPayment` would;
//! - the **merchant's notify endpoint**: a [`NotifyReceiver`], a tiny hyper
//!   server whose replies the test scripts ([`Behaviour`]) and which records
//!   every body it got.
//!
//! Every HTTP exchange (requests, answers, notifies, replies) goes into a
//! [`Transcript`]; when a flow panics, dropping its [`Bench`] prints the
//! transcript, so a failing flow shows the bodies it saw.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use wxpay_core::{ApiKey, ParamMap, PaymentParams, SignType, xml};

pub use wxpay_mock::{Config, MockServer};

/// The built-in merchant's appid (WeChat's documentation example).
pub const APPID: &str = wxpay_mock::config::DEFAULT_APPID;
/// The built-in merchant's mch_id.
pub const MCH_ID: &str = wxpay_mock::config::DEFAULT_MCH_ID;
/// The built-in merchant's API key (WeChat's documentation example).
pub const KEY: &str = wxpay_mock::config::DEFAULT_API_KEY;
/// The built-in mini program's AppSecret.
pub const SECRET: &str = wxpay_mock::config::DEFAULT_APP_SECRET;

/// How long a flow waits for a notify that the mock sends "at once".
pub const NOTIFY_WAIT: Duration = Duration::from_secs(10);

/// A body longer than this is cut in the transcript.
const TRANSCRIPT_BODY_CHARS: usize = 4000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn cut(s: &str) -> String {
    if s.chars().count() <= TRANSCRIPT_BODY_CHARS {
        return s.to_owned();
    }
    let head: String = s.chars().take(TRANSCRIPT_BODY_CHARS).collect();
    format!("{head}… ({} bytes in all)", s.len())
}

// ------------------------------------------------------------------ transcript

/// Every exchange a flow saw, in order, shared by the client and the
/// receiver. Printed by [`Bench`] when the flow fails. An entry equal to
/// the previous one (polling) is counted, not repeated.
#[derive(Debug, Clone, Default)]
pub struct Transcript(Arc<Mutex<Vec<(String, usize)>>>);

impl Transcript {
    /// Adds an entry.
    pub fn note(&self, entry: impl Into<String>) {
        let entry = entry.into();
        let mut entries = lock(&self.0);
        match entries.last_mut() {
            Some((last, times)) if *last == entry => *times += 1,
            _ => entries.push((entry, 1)),
        }
    }

    /// The whole transcript as text.
    #[must_use]
    pub fn dump(&self) -> String {
        let entries = lock(&self.0);
        let mut out = String::new();
        for (i, (e, times)) in entries.iter().enumerate() {
            let _ = write!(out, "--- #{} ", i + 1);
            if *times > 1 {
                let _ = write!(out, "({times} times) ");
            }
            let _ = writeln!(out, "{e}");
        }
        out
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        lock(&self.0).len()
    }

    /// Whether nothing was recorded yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// ------------------------------------------------------------------ client

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Bytes,
}

impl Resp {
    /// The body as (lossy) UTF-8.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as WeChat XML.
    ///
    /// # Panics
    /// When the body is not WeChat XML.
    #[must_use]
    pub fn xml(&self) -> ParamMap {
        match xml::decode(&self.body) {
            Ok(m) => m.to_param_map(),
            Err(e) => panic!("the answer is not WeChat XML ({e}): {}", self.text()),
        }
    }

    /// The body decoded as JSON.
    ///
    /// # Panics
    /// When the body is not JSON.
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {}", self.text()))
    }
}

/// A tiny HTTP/1.1 client for loopback: one connection per request, every
/// exchange recorded in the transcript.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    transcript: Transcript,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:40123`).
    #[must_use]
    pub fn new(base: &str, transcript: Transcript) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            transcript,
        }
    }

    /// The base URL.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// One request. `target` is a path on the base URL or an absolute
    /// `http://` URL. `Err` when no complete HTTP answer arrives (refused,
    /// or a connection closed without an answer).
    ///
    /// # Errors
    /// The transport error, as text.
    pub async fn try_request(
        &self,
        method: &str,
        target: &str,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Result<Resp, String> {
        let url = if target.starts_with("http://") {
            target.to_owned()
        } else {
            format!("{}{target}", self.base)
        };
        let body: Bytes = body.into();
        let result = send(method, &url, content_type, body.clone()).await;
        let shown_body = String::from_utf8_lossy(&body);
        match &result {
            Ok(r) => self.transcript.note(format!(
                "{method} {url}\n{}\n=> HTTP {} {}\n{}",
                cut(&shown_body),
                r.status,
                r.content_type.as_deref().unwrap_or("(no content-type)"),
                cut(&r.text())
            )),
            Err(e) => self.transcript.note(format!(
                "{method} {url}\n{}\n=> no answer: {e}",
                cut(&shown_body)
            )),
        }
        result
    }

    /// [`Client::try_request`] that panics on a transport error.
    ///
    /// # Panics
    /// When no complete HTTP answer arrives.
    pub async fn request(
        &self,
        method: &str,
        target: &str,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Resp {
        match self.try_request(method, target, content_type, body).await {
            Ok(r) => r,
            Err(e) => panic!("{method} {target}: {e}"),
        }
    }

    /// POSTs an XML body as SDKs do (`Content-Type: text/xml`).
    pub async fn post_xml(&self, path: &str, body: impl Into<Bytes>) -> Resp {
        self.request("POST", path, "text/xml", body).await
    }

    /// GETs a control-API path and returns its JSON.
    ///
    /// # Panics
    /// When the answer is not HTTP 200 JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let r = self
            .request("GET", path, "application/json", Bytes::new())
            .await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text());
        r.json()
    }

    /// POSTs JSON to a control-API path and returns the answer as is.
    pub async fn post_json_resp(&self, path: &str, body: &Value) -> Resp {
        self.request("POST", path, "application/json", body.to_string())
            .await
    }

    /// POSTs JSON to a control-API path and returns its JSON.
    ///
    /// # Panics
    /// When the answer is not HTTP 200 JSON.
    pub async fn post_json(&self, path: &str, body: &Value) -> Value {
        let r = self.post_json_resp(path, body).await;
        assert_eq!(r.status, 200, "POST {path} {body}: {}", r.text());
        r.json()
    }
}

async fn send(method: &str, url: &str, content_type: &str, body: Bytes) -> Result<Resp, String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("bad URL {url}: {e}"))?;
    let host = uri.host().unwrap_or("127.0.0.1").to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("connect {host}:{port}: {e}"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let conn = tokio::spawn(conn);
    let req = Request::builder()
        .method(method)
        .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(hyper::header::HOST, format!("{host}:{port}"))
        .header(hyper::header::CONTENT_TYPE, content_type)
        .header(hyper::header::USER_AGENT, "wxpay-tests")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body: {e}"))?
            .to_bytes();
        Ok(Resp {
            status,
            content_type,
            body,
        })
    };
    // Bounded: an injected `delay` fault is at most a few seconds here.
    let out = match tokio::time::timeout(Duration::from_secs(30), exchange).await {
        Ok(r) => r,
        Err(_) => Err("no answer within 30 s".to_owned()),
    };
    conn.abort();
    out
}

// ------------------------------------------------------------------ merchant

/// A merchant's credentials and signing choices: what an SDK is configured
/// with. Requests are signed with `wxpay-core` as an SDK signs them.
#[derive(Debug, Clone)]
pub struct Merchant {
    /// The appid put in every request.
    pub appid: String,
    /// The mch_id.
    pub mch_id: String,
    /// The key that signs requests (the sandbox key in the sandbox).
    pub key: ApiKey,
    /// MD5 (no `sign_type` field is sent) or HMAC-SHA256 (`sign_type` sent).
    pub sign_type: SignType,
    /// A path prefix: `""`, or `/sandboxnew` / `/xdc/apiv2sandbox` in the sandbox.
    pub prefix: String,
}

impl Merchant {
    /// The built-in merchant, signing with MD5.
    #[must_use]
    pub fn md5() -> Self {
        Self {
            appid: APPID.into(),
            mch_id: MCH_ID.into(),
            key: ApiKey::new(KEY),
            sign_type: SignType::Md5,
            prefix: String::new(),
        }
    }

    /// The built-in merchant, signing with HMAC-SHA256.
    #[must_use]
    pub fn hmac() -> Self {
        Self {
            sign_type: SignType::HmacSha256,
            ..Self::md5()
        }
    }

    /// The built-in merchant with a sign type.
    #[must_use]
    pub fn with(sign_type: SignType) -> Self {
        Self {
            sign_type,
            ..Self::md5()
        }
    }

    /// This merchant in the sandbox under `prefix` (`/sandboxnew` or
    /// `/xdc/apiv2sandbox`): MD5 with the sandbox key.
    #[must_use]
    pub fn sandbox(&self, sandbox_key: &str, prefix: &str) -> Self {
        Self {
            key: ApiKey::new(sandbox_key),
            sign_type: SignType::Md5,
            prefix: prefix.into(),
            ..self.clone()
        }
    }

    /// The request parameters: the envelope (`appid`, `mch_id`, a fresh
    /// 32-character `nonce_str`, `sign_type` for HMAC-SHA256), then `params`
    /// (which replace envelope fields of the same name; an empty value
    /// removes the field). No `sign` yet.
    ///
    /// # Panics
    /// When the OS random generator fails.
    #[must_use]
    pub fn params(&self, params: &[(&str, &str)]) -> ParamMap {
        let mut p = ParamMap::new();
        p.insert("appid".into(), self.appid.clone());
        p.insert("mch_id".into(), self.mch_id.clone());
        let nonce = match wxpay_core::nonce::nonce(32) {
            Ok(n) => n,
            Err(e) => panic!("nonce: {e}"),
        };
        p.insert("nonce_str".into(), nonce);
        if self.sign_type == SignType::HmacSha256 {
            p.insert("sign_type".into(), "HMAC-SHA256".into());
        }
        for (k, v) in params {
            if v.is_empty() {
                p.remove(*k);
            } else {
                p.insert((*k).to_owned(), (*v).to_owned());
            }
        }
        p
    }

    /// Adds `sign` to `p`, computed over everything else in it.
    pub fn sign_into(&self, p: &mut ParamMap) {
        p.remove("sign");
        let s = wxpay_core::sign(&*p, &self.key, self.sign_type);
        p.insert("sign".into(), s.as_str().to_owned());
    }

    /// Encodes parameters as WeChat XML.
    ///
    /// # Panics
    /// When a field name cannot be written as XML.
    #[must_use]
    pub fn encode(p: &ParamMap) -> String {
        match xml::encode(p) {
            Ok(x) => x,
            Err(e) => panic!("xml::encode: {e}"),
        }
    }

    /// The signed XML body of a request.
    #[must_use]
    pub fn signed_xml(&self, params: &[(&str, &str)]) -> String {
        let mut p = self.params(params);
        self.sign_into(&mut p);
        Self::encode(&p)
    }

    /// The `wx.requestPayment` object for a prepay_id, built and signed by
    /// `wxpay-core` with a fresh timestamp and nonce.
    ///
    /// # Panics
    /// When core refuses the inputs.
    #[must_use]
    pub fn payment_params(&self, prepay_id: &str) -> PaymentParams {
        let ts = unix_now().to_string();
        let nonce = wxpay_core::nonce::nonce(32).unwrap_or_else(|e| panic!("nonce: {e}"));
        wxpay_core::build_payment_params(
            &self.appid,
            prepay_id,
            &self.key,
            self.sign_type,
            &ts,
            &nonce,
        )
        .unwrap_or_else(|e| panic!("build_payment_params: {e}"))
    }
}

/// The object the mini program passes to `wx.requestPayment` (no `appId`:
/// the mini program does not send it).
#[must_use]
pub fn request_payment_object(p: &PaymentParams) -> Value {
    json!({
        "timeStamp": p.time_stamp,
        "nonceStr": p.nonce_str,
        "package": p.package,
        "signType": p.sign_type.as_str(),
        "paySign": p.pay_sign,
    })
}

/// Seconds since the Unix epoch (wall clock).
#[must_use]
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A value of a parameter map, or `""`.
#[must_use]
pub fn field<'a>(p: &'a ParamMap, name: &str) -> &'a str {
    p.get(name).map_or("", String::as_str)
}

/// Asserts `return_code` and `result_code` are both `SUCCESS`.
///
/// # Panics
/// When they are not.
pub fn assert_success(p: &ParamMap) {
    assert_eq!(field(p, "return_code"), "SUCCESS", "return_code: {p:#?}");
    assert_eq!(field(p, "result_code"), "SUCCESS", "result_code: {p:#?}");
}

/// Asserts a business failure (`return_code=SUCCESS`, `result_code=FAIL`)
/// and returns `(err_code, err_code_des)`.
///
/// # Panics
/// When the answer is not a business failure.
#[must_use]
pub fn business_failure(p: &ParamMap) -> (&str, &str) {
    assert_eq!(field(p, "return_code"), "SUCCESS", "return_code: {p:#?}");
    assert_eq!(field(p, "result_code"), "FAIL", "result_code: {p:#?}");
    (field(p, "err_code"), field(p, "err_code_des"))
}

/// Asserts a protocol failure (`return_code=FAIL`, unsigned) and returns
/// its `return_msg`.
///
/// # Panics
/// When the answer is not a protocol failure.
#[must_use]
pub fn protocol_failure(p: &ParamMap) -> &str {
    assert_eq!(field(p, "return_code"), "FAIL", "return_code: {p:#?}");
    assert!(
        !p.contains_key("sign"),
        "a return_code=FAIL answer is unsigned: {p:#?}"
    );
    field(p, "return_msg")
}

// ------------------------------------------------------------------ receiver

/// How the merchant's notify endpoint answers one delivery.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// HTTP 200 with WeChat's exact acknowledgement.
    Success,
    /// HTTP 200 with `return_code=FAIL` and this `return_msg`.
    Fail(String),
    /// This HTTP status with a short text body.
    Status(u16),
    /// HTTP 200 with an HTML page (a framework's default or error page).
    Html,
    /// HTTP 200 with an empty body.
    Empty,
    /// Waits this long, then answers WeChat's acknowledgement (too late
    /// when over WeChat's 5 s).
    Slow(Duration),
    /// Verifies the notify like a careful merchant: a payment notify's sign
    /// with `wxpay-core` (sign type inferred from its length, since HMAC
    /// notifies carry no `sign_type`), a refund notify's `req_info` by
    /// decrypting it; SUCCESS if it checks out, FAIL otherwise.
    Verify(ApiKey),
}

/// One notify the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request path.
    pub path: String,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body.
    pub body: String,
    /// What the receiver answered (status and body).
    pub replied: (u16, String),
}

impl Received {
    /// The body decoded as WeChat XML.
    ///
    /// # Panics
    /// When it is not WeChat XML.
    #[must_use]
    pub fn xml(&self) -> ParamMap {
        match xml::decode(self.body.as_bytes()) {
            Ok(m) => m.to_param_map(),
            Err(e) => panic!("the notify is not WeChat XML ({e}): {}", self.body),
        }
    }
}

#[derive(Debug, Default)]
struct ReceiverState {
    script: VecDeque<Behaviour>,
    default: Option<Behaviour>,
    received: Vec<Received>,
}

/// The merchant's notify endpoint: a hyper server on `127.0.0.1:0` in its
/// own thread. It answers from a script of [`Behaviour`]s (then from a
/// default, [`Behaviour::Success`] unless set) and records every body.
/// Stops when dropped.
#[derive(Debug)]
pub struct NotifyReceiver {
    base: String,
    state: Arc<Mutex<ReceiverState>>,
    stop: Option<oneshot::Sender<()>>,
}

impl NotifyReceiver {
    /// Starts a receiver.
    ///
    /// # Panics
    /// When no port can be bound or no thread started.
    #[must_use]
    pub fn start(transcript: Transcript) -> Self {
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap_or_else(|e| panic!("bind the notify receiver: {e}"));
        let addr = std_listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local_addr: {e}"));
        std_listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("set_nonblocking: {e}"));
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread_state = Arc::clone(&state);
        std::thread::Builder::new()
            .name("notify-receiver".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap_or_else(|e| panic!("receiver runtime: {e}"));
                rt.block_on(serve_receiver(
                    std_listener,
                    thread_state,
                    transcript,
                    stop_rx,
                ));
            })
            .unwrap_or_else(|e| panic!("receiver thread: {e}"));
        Self {
            base: format!("http://{addr}"),
            state,
            stop: Some(stop_tx),
        }
    }

    /// The URL of `path` on this receiver, e.g. `http://127.0.0.1:41234/pay`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Appends behaviours: one is used per delivery, in order.
    pub fn script(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        lock(&self.state).script.extend(behaviours);
    }

    /// The behaviour once the script is used up (default: [`Behaviour::Success`]).
    pub fn set_default(&self, b: Behaviour) {
        lock(&self.state).default = Some(b);
    }

    /// Everything received so far.
    #[must_use]
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state).received.clone()
    }

    /// Everything received so far on `path`.
    #[must_use]
    pub fn received_on(&self, path: &str) -> Vec<Received> {
        lock(&self.state)
            .received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits (up to [`NOTIFY_WAIT`]) until at least `n` deliveries arrived
    /// on `path`, and returns them.
    ///
    /// # Panics
    /// When fewer arrive in time.
    pub async fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + NOTIFY_WAIT;
        loop {
            let got = self.received_on(path);
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {NOTIFY_WAIT:?} for {n} notifies on {path}, got {}: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for NotifyReceiver {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

async fn serve_receiver(
    listener: std::net::TcpListener,
    state: Arc<Mutex<ReceiverState>>,
    transcript: Transcript,
    mut stop: oneshot::Receiver<()>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = Arc::clone(&state);
                let transcript = transcript.clone();
                let svc = service_fn(move |req| {
                    receive(req, Arc::clone(&state), transcript.clone())
                });
                tokio::spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            _ = &mut stop => break,
        }
    }
}

async fn receive(
    req: Request<Incoming>,
    state: Arc<Mutex<ReceiverState>>,
    transcript: Transcript,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = req.uri().path().to_owned();
    let content_type = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = req.into_body().collect().await?.to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    let behaviour = {
        let mut s = lock(&state);
        s.script
            .pop_front()
            .or_else(|| s.default.clone())
            .unwrap_or(Behaviour::Success)
    };
    if let Behaviour::Slow(d) = &behaviour {
        tokio::time::sleep(*d).await;
    }
    let (status, ctype, reply) = answer(&behaviour, &body);
    transcript.note(format!(
        "notify receiver got POST {path} ({})\n{}\n=> replied HTTP {status} ({behaviour:?})\n{reply}",
        content_type.as_deref().unwrap_or("no content-type"),
        cut(&body)
    ));
    lock(&state).received.push(Received {
        path,
        content_type,
        body,
        replied: (status, reply.clone()),
    });
    let mut resp = Response::new(Full::new(Bytes::from(reply)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Ok(v) = hyper::header::HeaderValue::from_str(ctype) {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    Ok(resp)
}

/// The reply for one behaviour: (status, content type, body).
fn answer(b: &Behaviour, body: &str) -> (u16, &'static str, String) {
    const XML: &str = "text/xml; charset=utf-8";
    match b {
        Behaviour::Success | Behaviour::Slow(_) => {
            (200, XML, xml::NOTIFY_REPLY_SUCCESS.to_owned())
        }
        Behaviour::Fail(msg) => (200, XML, xml::notify_reply(false, msg)),
        Behaviour::Status(code) => (*code, "text/plain", format!("HTTP {code} from the test")),
        Behaviour::Html => (
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>\n"
                .to_owned(),
        ),
        Behaviour::Empty => (200, "text/plain", String::new()),
        Behaviour::Verify(key) => match check_notify(body, key) {
            Ok(()) => (200, XML, xml::NOTIFY_REPLY_SUCCESS.to_owned()),
            Err(why) => (200, XML, xml::notify_reply(false, &why)),
        },
    }
}

/// What a careful merchant checks on a notify before acknowledging it.
///
/// # Errors
/// Why the notify does not check out.
pub fn check_notify(body: &str, key: &ApiKey) -> Result<(), String> {
    let m = xml::decode(body.as_bytes()).map_err(|e| format!("not XML: {e}"))?;
    if let Some(enc) = m.get("req_info") {
        wxpay_core::req_info::decrypt_fields(enc, key)
            .map(|_| ())
            .map_err(|e| format!("req_info: {e}"))
    } else {
        wxpay_core::verify(&m, key, None)
            .map(|_| ())
            .map_err(|e| format!("签名失败: {e}"))
    }
}

// ------------------------------------------------------------------ bench

/// One flow's world: a mock server, a client, a notify receiver and the
/// transcript. Dropping it during a panic prints the transcript.
#[derive(Debug)]
pub struct Bench {
    /// The mock, in-process on `127.0.0.1:0`.
    pub mock: MockServer,
    /// The HTTP client pointed at the mock.
    pub client: Client,
    /// The merchant's notify endpoint.
    pub receiver: NotifyReceiver,
    /// Every exchange so far.
    pub transcript: Transcript,
}

impl Drop for Bench {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "\n===== the flow failed; the HTTP exchanges it saw ({} entries) =====\n{}===== end of transcript =====",
                self.transcript.len(),
                self.transcript.dump()
            );
        }
    }
}

impl Bench {
    /// A mock with the default configuration.
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    /// A mock with a configuration.
    pub async fn start_with(config: Config) -> Self {
        let transcript = Transcript::default();
        let mock = MockServer::start_with(config).await;
        let client = Client::new(mock.uri(), transcript.clone());
        let receiver = NotifyReceiver::start(transcript.clone());
        Self {
            mock,
            client,
            receiver,
            transcript,
        }
    }

    /// Sends a signed request, as an SDK does. Transport errors and
    /// non-200 answers are `Err`; a `return_code=SUCCESS` answer must carry
    /// `appid`, `mch_id`, `nonce_str` and a `sign` that verifies with the
    /// merchant's key and the request's sign type, else this panics.
    ///
    /// # Errors
    /// A transport failure or a non-200 status, as text.
    ///
    /// # Panics
    /// When a `SUCCESS` answer is not correctly signed.
    pub async fn try_call(
        &self,
        m: &Merchant,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<ParamMap, String> {
        let mut p = m.params(params);
        m.sign_into(&mut p);
        let needs_appid = p.contains_key("appid");
        let body = Merchant::encode(&p);
        let r = self
            .client
            .try_request("POST", &format!("{}{path}", m.prefix), "text/xml", body)
            .await?;
        if r.status != 200 {
            return Err(format!("HTTP {}: {}", r.status, r.text()));
        }
        let p = r.xml();
        check_answer_signature(&p, m, needs_appid);
        Ok(p)
    }

    /// [`Bench::try_call`] that panics on transport errors.
    ///
    /// # Panics
    /// As [`Bench::try_call`], and on a transport error.
    pub async fn call(&self, m: &Merchant, path: &str, params: &[(&str, &str)]) -> ParamMap {
        match self.try_call(m, path, params).await {
            Ok(p) => p,
            Err(e) => panic!("{path}: {e}"),
        }
    }

    /// Calls like an SDK with a retry policy: a transport failure, a non-200
    /// answer, or `err_code` `SYSTEMERROR`/`BIZERR_NEED_RETRY` is retried
    /// (the same business parameters, a fresh nonce and signature), up to
    /// `max_attempts`. Returns the final answer and the attempts made.
    ///
    /// # Panics
    /// When every attempt failed in transport.
    pub async fn call_retrying(
        &self,
        m: &Merchant,
        path: &str,
        params: &[(&str, &str)],
        max_attempts: usize,
    ) -> (ParamMap, usize) {
        let mut last_err = String::new();
        for attempt in 1..=max_attempts {
            match self.try_call(m, path, params).await {
                Ok(p) => {
                    let retry = field(&p, "return_code") == "SUCCESS"
                        && matches!(field(&p, "err_code"), "SYSTEMERROR" | "BIZERR_NEED_RETRY");
                    if !retry || attempt == max_attempts {
                        return (p, attempt);
                    }
                }
                Err(e) => last_err = e,
            }
        }
        panic!("{path}: all {max_attempts} attempts failed; the last: {last_err}");
    }

    /// `POST /mock/login` as the user `user`: `(code, openid)`.
    ///
    /// # Panics
    /// When the answer has no code or openid.
    pub async fn login(&self, appid: &str, user: &str) -> (String, String) {
        let v = self
            .client
            .post_json("/mock/login", &json!({"appid": appid, "user": user}))
            .await;
        let code = v["code"].as_str().unwrap_or_default().to_owned();
        let openid = v["openid"].as_str().unwrap_or_default().to_owned();
        assert!(!code.is_empty() && !openid.is_empty(), "login: {v}");
        (code, openid)
    }

    /// `GET /sns/jscode2session` as the merchant's backend does.
    ///
    /// # Panics
    /// When the answer is not HTTP 200 JSON.
    pub async fn jscode2session(&self, appid: &str, secret: &str, code: &str) -> Value {
        let r = self
            .client
            .request(
                "GET",
                &format!(
                    "/sns/jscode2session?appid={appid}&secret={secret}&js_code={code}&grant_type=authorization_code"
                ),
                "application/json",
                Bytes::new(),
            )
            .await;
        assert_eq!(r.status, 200, "jscode2session: {}", r.text());
        r.json()
    }

    /// A JSAPI unifiedorder for `openid`, with the receiver's `/pay` as
    /// notify_url, plus `extra` fields.
    pub async fn unifiedorder(
        &self,
        m: &Merchant,
        out_trade_no: &str,
        total_fee: u32,
        openid: &str,
        extra: &[(&str, &str)],
    ) -> ParamMap {
        let fee = total_fee.to_string();
        let notify_url = self.receiver.url("/pay");
        let mut params: Vec<(&str, &str)> = vec![
            ("body", "wxpay-devkit 测试商品"),
            ("out_trade_no", out_trade_no),
            ("total_fee", &fee),
            ("spbill_create_ip", "127.0.0.1"),
            ("notify_url", &notify_url),
            ("trade_type", "JSAPI"),
            ("openid", openid),
        ];
        for (k, v) in extra {
            params.retain(|(x, _)| x != k);
            params.push((k, v));
        }
        self.call(m, "/pay/unifiedorder", &params).await
    }

    /// An order that is created and paid through `wx.requestPayment` with a
    /// core-built paySign. Returns the unifiedorder answer.
    ///
    /// # Panics
    /// When ordering or paying fails.
    pub async fn paid_order(
        &self,
        m: &Merchant,
        out_trade_no: &str,
        total_fee: u32,
        openid: &str,
    ) -> ParamMap {
        let o = self
            .unifiedorder(m, out_trade_no, total_fee, openid, &[])
            .await;
        assert_success(&o);
        let pay = m.payment_params(field(&o, "prepay_id"));
        assert_eq!(
            self.request_payment(&request_payment_object(&pay)).await,
            "requestPayment:ok"
        );
        o
    }

    /// `POST /mock/requestPayment` with the object the mini program passes
    /// to `wx.requestPayment`; returns `errMsg`.
    ///
    /// # Panics
    /// When the answer has no `errMsg`.
    pub async fn request_payment(&self, obj: &Value) -> String {
        let v = self.client.post_json("/mock/requestPayment", obj).await;
        v["errMsg"]
            .as_str()
            .unwrap_or_else(|| panic!("no errMsg: {v}"))
            .to_owned()
    }

    /// The mock clock's `now` (Unix seconds).
    ///
    /// # Panics
    /// When the answer has no `now`.
    pub async fn now(&self) -> i64 {
        let v = self.client.get_json("/mock/clock").await;
        v["now"].as_i64().unwrap_or_else(|| panic!("clock: {v}"))
    }

    /// Advances the mock clock; returns after every due delivery was attempted.
    pub async fn advance(&self, seconds: u64) -> Value {
        self.client
            .post_json("/mock/clock/advance", &json!({ "seconds": seconds }))
            .await
    }

    /// `GET /mock/notifications` with a query (e.g. `?out_trade_no=…`).
    ///
    /// # Panics
    /// When the answer is not a list.
    pub async fn notifications(&self, query: &str) -> Vec<Value> {
        let v = self
            .client
            .get_json(&format!("/mock/notifications{query}"))
            .await;
        v.as_array()
            .unwrap_or_else(|| panic!("notifications: {v}"))
            .clone()
    }

    /// The one notification of `kind` for `out_trade_no`.
    ///
    /// # Panics
    /// When there is not exactly one.
    pub async fn notification(&self, out_trade_no: &str, kind: &str) -> Value {
        let list = self
            .notifications(&format!("?out_trade_no={out_trade_no}&kind={kind}"))
            .await;
        assert_eq!(
            list.len(),
            1,
            "{kind} notifications of {out_trade_no}: {list:#?}"
        );
        list[0].clone()
    }

    /// Waits (up to [`NOTIFY_WAIT`]) until the one notification of `kind`
    /// for `out_trade_no` has at least `attempts` recorded attempts, and
    /// returns it. The receiver gets a body before the mock records the
    /// attempt, so a flow polls here rather than reading once.
    ///
    /// # Panics
    /// When it does not happen in time.
    pub async fn wait_attempts(&self, out_trade_no: &str, kind: &str, attempts: usize) -> Value {
        let deadline = tokio::time::Instant::now() + NOTIFY_WAIT;
        loop {
            let n = self.notification(out_trade_no, kind).await;
            let got = n["attempts"].as_array().map_or(0, Vec::len);
            if got >= attempts {
                return n;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {NOTIFY_WAIT:?} for {attempts} attempts of the {kind} notify of {out_trade_no}: {n:#}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Arms a fault (`POST /mock/faults`).
    pub async fn fault(&self, spec: &Value) -> Value {
        self.client.post_json("/mock/faults", spec).await
    }

    /// Sets switches (`POST /mock/switches`).
    pub async fn switches(&self, switches: &Value) -> Value {
        self.client.post_json("/mock/switches", switches).await
    }
}

/// Checks a `return_code=SUCCESS` answer's envelope and signature the way a
/// careful SDK does: with the merchant's key and the request's sign type.
/// `appid` is required when the request carried one (getsignkey's does not).
///
/// # Panics
/// When a field is missing or the sign does not verify.
pub fn check_answer_signature(p: &ParamMap, m: &Merchant, needs_appid: bool) {
    if field(p, "return_code") != "SUCCESS" {
        return;
    }
    let fields: &[&str] = if needs_appid {
        &["appid", "mch_id", "nonce_str", "sign"]
    } else {
        &["mch_id", "nonce_str", "sign"]
    };
    for f in fields {
        assert!(
            !field(p, f).is_empty(),
            "a return_code=SUCCESS answer must carry {f}: {p:#?}"
        );
    }
    assert_eq!(
        wxpay_core::verify(p, &m.key, Some(m.sign_type)),
        Ok(m.sign_type),
        "the answer's sign does not verify with the merchant's key as {}: {p:#?}",
        m.sign_type
    );
}

/// The top-level README's Rust examples, run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
