//! Test helpers: a tiny HTTP client, signed XML built with wxpay-core the
//! way an SDK builds it, and a notify receiver that answers from a script.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use wxpay_core::{ApiKey, ParamMap, SignType, xml};
use wxpay_mock::MockServer;

pub const APPID: &str = "wxd930ea5d5a258f4f";
pub const MCH_ID: &str = "10000100";
pub const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
pub const SECRET: &str = wxpay_mock::config::DEFAULT_APP_SECRET;

pub fn key() -> ApiKey {
    ApiKey::new(KEY)
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn xml(&self) -> ParamMap {
        xml::decode(&self.body)
            .unwrap_or_else(|e| panic!("not XML ({e}): {}", self.text()))
            .to_param_map()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One request on a fresh connection. `Err` when the connection closes
/// without an answer.
pub async fn try_http(
    method: &str,
    url: &str,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Result<Resp, String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{e}"))?;
    let host = uri.host().unwrap_or("127.0.0.1").to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = Request::builder()
        .method(method)
        .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header("host", format!("{host}:{port}"))
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub async fn http(method: &str, url: &str, content_type: &str, body: impl Into<Bytes>) -> Resp {
    try_http(method, url, content_type, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

pub async fn post_xml(server: &MockServer, path: &str, body: impl Into<Bytes>) -> Resp {
    http("POST", &format!("{}{path}", server.uri()), "text/xml", body).await
}

pub async fn get_json(server: &MockServer, path: &str) -> Value {
    let r = http(
        "GET",
        &format!("{}{path}", server.uri()),
        "application/json",
        Bytes::new(),
    )
    .await;
    r.json()
}

pub async fn post_json(server: &MockServer, path: &str, body: &Value) -> Resp {
    http(
        "POST",
        &format!("{}{path}", server.uri()),
        "application/json",
        body.to_string(),
    )
    .await
}

/// Signs params (adding nonce_str unless present) and encodes them, as an SDK does.
pub fn signed(params: &[(&str, &str)], key: &ApiKey, sign_type: SignType) -> String {
    let mut p: ParamMap = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    p.entry("nonce_str".into())
        .or_insert_with(|| "5K8264ILTKCH16CQ2502SI8ZNMTM67VS".into());
    if sign_type == SignType::HmacSha256 {
        p.insert("sign_type".into(), "HMAC-SHA256".into());
    }
    let s = wxpay_core::sign(&p, key, sign_type);
    p.insert("sign".into(), s.as_str().into());
    xml::encode(&p).unwrap()
}

/// Calls an endpoint with the default merchant, MD5.
pub async fn call(server: &MockServer, path: &str, params: &[(&str, &str)]) -> ParamMap {
    call_with(server, path, params, &key(), SignType::Md5).await
}

pub async fn call_with(
    server: &MockServer,
    path: &str,
    params: &[(&str, &str)],
    key: &ApiKey,
    t: SignType,
) -> ParamMap {
    let mut all: Vec<(&str, &str)> = vec![("appid", APPID), ("mch_id", MCH_ID)];
    for (k, v) in params {
        all.retain(|(x, _)| x != k);
        all.push((k, v));
    }
    let r = post_xml(server, path, signed(&all, key, t)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.xml();
    if p.get("return_code").map(String::as_str) == Some("SUCCESS") {
        for f in ["appid", "mch_id", "nonce_str", "sign"] {
            assert!(p.contains_key(f), "{f} missing from {p:?}");
        }
        assert_eq!(
            wxpay_core::verify(&p, key, Some(t)),
            Ok(t),
            "response sign: {p:?}"
        );
    }
    p
}

pub fn ok(p: &ParamMap) {
    assert_eq!(
        p.get("return_code").map(String::as_str),
        Some("SUCCESS"),
        "{p:?}"
    );
    assert_eq!(
        p.get("result_code").map(String::as_str),
        Some("SUCCESS"),
        "{p:?}"
    );
}

pub fn err_code(p: &ParamMap) -> &str {
    assert_eq!(
        p.get("return_code").map(String::as_str),
        Some("SUCCESS"),
        "{p:?}"
    );
    assert_eq!(
        p.get("result_code").map(String::as_str),
        Some("FAIL"),
        "{p:?}"
    );
    p.get("err_code").map_or("", String::as_str)
}

pub fn return_msg(p: &ParamMap) -> &str {
    assert_eq!(
        p.get("return_code").map(String::as_str),
        Some("FAIL"),
        "{p:?}"
    );
    p.get("return_msg").map_or("", String::as_str)
}

/// A JSAPI unifiedorder with the usual fields; `extra` overrides or adds.
pub async fn order(
    server: &MockServer,
    out_trade_no: &str,
    total_fee: &str,
    notify_url: &str,
    extra: &[(&str, &str)],
) -> ParamMap {
    let mut p = vec![
        ("body", "test"),
        ("out_trade_no", out_trade_no),
        ("total_fee", total_fee),
        ("spbill_create_ip", "127.0.0.1"),
        ("notify_url", notify_url),
        ("trade_type", "JSAPI"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
    ];
    for (k, v) in extra {
        p.retain(|(x, _)| x != k);
        p.push((k, v));
    }
    let t = if extra
        .iter()
        .any(|(k, v)| *k == "sign_type" && *v == "HMAC-SHA256")
    {
        SignType::HmacSha256
    } else {
        SignType::Md5
    };
    p.retain(|(k, _)| *k != "sign_type");
    call_with(server, "/pay/unifiedorder", &p, &key(), t).await
}

/// Pays an order through the backend shortcut.
pub async fn pay(server: &MockServer, out_trade_no: &str) -> Value {
    let r = post_json(
        server,
        &format!("/mock/orders/{out_trade_no}/pay"),
        &serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

pub async fn advance(server: &MockServer, seconds: i64) {
    let r = post_json(
        server,
        "/mock/clock/advance",
        &serde_json::json!({ "seconds": seconds }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

pub async fn notifications(server: &MockServer) -> Vec<Value> {
    get_json(server, "/mock/notifications")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until `f` holds on the notification list (for real-time deliveries).
pub async fn wait_notifications(server: &MockServer, f: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..200 {
        let n = notifications(server).await;
        if f(&n) {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!(
        "condition not reached; notifications: {:#?}",
        notifications(server).await
    );
}

/// How a receiver answers one notify.
#[derive(Debug, Clone)]
pub enum Answer {
    Success,
    Status(u16, &'static str),
    Html,
    Empty,
    Fail(&'static str),
    NoReturnCode,
    Sleep(u64),
}

/// A notify receiver: records each body, answers from a script (then
/// `Success` once the script is used up).
pub struct Receiver {
    pub url: String,
    pub rx: mpsc::UnboundedReceiver<Bytes>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Receiver {
    pub async fn start(script: Vec<Answer>) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await.unwrap(), script)
    }

    /// A receiver on a listener the test already holds (e.g. one made from
    /// [`dead_url`]'s socket, to bring a dead notify_url back to life).
    pub fn start_on(listener: TcpListener, script: Vec<Answer>) -> Self {
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = &mut stop_rx => return,
                };
                let Ok((stream, _)) = accepted else { continue };
                let tx = tx.clone();
                let script = Arc::clone(&script);
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let tx = tx.clone();
                        let script = Arc::clone(&script);
                        async move {
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let _ = tx.send(body);
                            let next = script
                                .lock()
                                .unwrap()
                                .pop_front()
                                .unwrap_or(Answer::Success);
                            let (status, text): (u16, String) = match next {
                                Answer::Success => (200, xml::NOTIFY_REPLY_SUCCESS.into()),
                                Answer::Status(s, b) => (s, b.into()),
                                Answer::Html => (200, "<!DOCTYPE html><html><body>Whitelabel Error Page</body></html>".into()),
                                Answer::Empty => (200, String::new()),
                                Answer::Fail(m) => (200, xml::notify_reply(false, m)),
                                Answer::NoReturnCode => (200, "<xml><return_msg>OK</return_msg></xml>".into()),
                                Answer::Sleep(ms) => {
                                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                                    (200, xml::NOTIFY_REPLY_SUCCESS.into())
                                }
                            };
                            let mut r = Response::new(Full::new(Bytes::from(text)));
                            *r.status_mut() = StatusCode::from_u16(status).unwrap();
                            Ok::<_, hyper::Error>(r)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self {
            url: format!("http://{addr}/pay/notify"),
            rx,
            stop: Some(stop_tx),
        }
    }

    /// The next notify body, waiting up to 5 s.
    pub async fn next(&mut self) -> Bytes {
        tokio::time::timeout(std::time::Duration::from_secs(5), self.rx.recv())
            .await
            .expect("no notify within 5 s")
            .expect("receiver closed")
    }
}

/// A URL where nothing listens: the port is held by a bound socket that
/// never listens (so no other test can take it), and connections to it are
/// refused. Keep the socket alive while the URL is in use.
pub fn dead_url() -> (String, tokio::net::TcpSocket) {
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = s.local_addr().unwrap();
    (format!("http://{addr}/notify"), s)
}

/// Starts the `wxpay-mock` binary as `cmd` sets it up (arguments, env) and
/// waits for its first line; returns the process and the URL it announced.
pub async fn spawn_binary(cmd: &mut std::process::Command) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next().and_then(Result::ok).unwrap_or_default());
        for _ in lines {}
    });
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), rx)
        .await
        .expect("the mock did not start within 30 s")
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("wxpay-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}
