//! An in-process entry into the mock's request handling, without sockets,
//! for fuzzing (`fuzz/fuzz_targets/mock_requests.rs`) and tests. Not part
//! of the supported API.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request};

use wxpay_core::model::sign_and_encode;
use wxpay_core::{ParamMap, SignType, xml};

use crate::config::Config;
use crate::domain::App;

/// A mock (state, switches, clock) whose requests are handled in-process.
/// The notify engine does not run: notifies are queued, never delivered,
/// and requests that would deliver (clock advance, redeliver), sleep
/// (faults) or wait for changes (the console, `/mock/ui`) are refused with
/// HTTP 403, so no input reaches the network or blocks.
pub struct Harness {
    app: Arc<App>,
    rt: tokio::runtime::Runtime,
}

impl core::fmt::Debug for Harness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Harness")
    }
}

/// The answer to one request.
#[derive(Debug, Clone)]
pub struct HarnessReply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Bytes,
    /// Whether the connection would be closed without an answer.
    pub dropped: bool,
}

impl Harness {
    /// A mock with `config`.
    ///
    /// # Errors
    /// The runtime cannot start.
    pub fn new(config: Config) -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            app: App::new(config),
            rt,
        })
    }

    /// Handles one request: `target` is the path with an optional query.
    /// Parse → validate → state machine, exactly as over HTTP.
    pub fn request(&self, method: &str, target: &str, body: &[u8]) -> HarnessReply {
        let path = target.split_once('?').map_or(target, |(p, _)| p);
        let lower = path.to_ascii_lowercase();
        if lower.contains("/mock/faults")
            || lower.contains("/mock/clock/advance")
            || lower.contains("/redeliver")
            || lower.starts_with("/mock/ui")
        {
            return HarnessReply {
                status: 403,
                content_type: "text/plain",
                body: Bytes::from_static(b"not served by the harness (it would deliver or sleep)"),
                dropped: false,
            };
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::POST);
        let uri = if target.starts_with('/') {
            target.to_owned()
        } else {
            format!("/{target}")
        };
        let req = Request::builder()
            .method(method.clone())
            .uri(uri.as_str())
            .body(Full::new(Bytes::copy_from_slice(body)));
        let req = match req {
            Ok(r) => r,
            Err(_) => {
                // Not a valid request target: hyper would have refused it.
                return HarnessReply {
                    status: 400,
                    content_type: "text/plain",
                    body: Bytes::from_static(b"invalid request target"),
                    dropped: false,
                };
            }
        };
        let path = req.uri().path().to_owned();
        let reply = self
            .rt
            .block_on(crate::routes::handle(Arc::clone(&self.app), &path, req));
        HarnessReply {
            status: reply.status.as_u16(),
            content_type: reply.content_type,
            body: reply.body,
            dropped: reply.drop_connection,
        }
    }

    /// Forgets all state, as `POST /mock/reset`.
    pub fn reset(&self) {
        self.rt.block_on(self.app.reset());
    }

    /// A small mock for fuzzing: the built-in merchant, low retention caps
    /// (bounded memory however long the run).
    ///
    /// # Errors
    /// The runtime cannot start.
    pub fn for_fuzzing() -> std::io::Result<Self> {
        Self::new(Config {
            max_orders: 2000,
            max_notifications: 2000,
            ..Config::default()
        })
    }

    /// Runs one fuzz input on fresh state and checks the answers.
    ///
    /// The input is up to 8 requests separated by NUL bytes; each is a
    /// route byte then the body. Route byte: low 5 bits pick the endpoint
    /// ([`FUZZ_ROUTES`]; `line` routes take the path segment, or the whole
    /// path, from the body's first line); bit 7 re-signs an XML body with
    /// the key the mock expects (so inputs reach validation and the state
    /// machine, not just the signature check).
    ///
    /// # Panics
    /// When an answer breaks an invariant: an HTTP 500, or an XML answer
    /// that core cannot decode, or a `return_code=SUCCESS` answer whose
    /// sign does not verify with the merchant's key.
    pub fn run_fuzz_input(&self, data: &[u8]) {
        self.reset();
        for chunk in data.split(|b| *b == 0).take(8) {
            let Some((&sel, body)) = chunk.split_first() else {
                continue;
            };
            let (method, route, kind) = FUZZ_ROUTES[usize::from(sel & 0x1f) % FUZZ_ROUTES.len()];
            let (target, body) = match kind {
                RouteKind::Line | RouteKind::Path => {
                    let (line, rest) = match body.iter().position(|b| *b == b'\n') {
                        Some(i) => (&body[..i], &body[i + 1..]),
                        None => (body, &[][..]),
                    };
                    let line = String::from_utf8_lossy(line);
                    let t = if kind == RouteKind::Path {
                        line.into_owned()
                    } else {
                        route.replace("{}", &line)
                    };
                    (t, rest.to_vec())
                }
                RouteKind::Xml if sel & 0x80 != 0 => (route.to_owned(), self.resign(route, body)),
                _ => (route.to_owned(), body.to_vec()),
            };
            let r = self.request(method, &target, &body);
            assert_ne!(r.status, 500, "HTTP 500 for {method} {target}");
            if kind == RouteKind::Xml && r.content_type.contains("xml") && r.status == 200 {
                self.check_xml_answer(route, &r.body);
            }
        }
    }

    fn key_for(&self, route: &str, mch_id: &str) -> Option<wxpay_core::ApiKey> {
        let m = self.app.config.merchant(mch_id)?;
        Some(if route.starts_with("/sandboxnew/") {
            self.app.sandbox_key(m)
        } else {
            m.key.clone()
        })
    }

    fn resign(&self, route: &str, body: &[u8]) -> Vec<u8> {
        let Ok(doc) = xml::decode(body) else {
            return body.to_vec();
        };
        let p: ParamMap = doc.to_param_map();
        let Some(key) = p.get("mch_id").and_then(|m| self.key_for(route, m)) else {
            return body.to_vec();
        };
        let t = p
            .get("sign_type")
            .and_then(|t| t.parse::<SignType>().ok())
            .unwrap_or_default();
        sign_and_encode(p, &key, t).map_or_else(|_| body.to_vec(), |(b, _)| b.into_bytes())
    }

    fn check_xml_answer(&self, route: &str, body: &[u8]) {
        let doc = match xml::decode(body) {
            Ok(d) => d,
            Err(e) => panic!("{route}: the answer is not WeChat XML ({e})"),
        };
        if doc.get("return_code") != Some("SUCCESS") || route.ends_with("getsignkey") {
            return;
        }
        let p = doc.to_param_map();
        let mch_id = p.get("mch_id").cloned().unwrap_or_default();
        if let Some(key) = self.key_for(route, &mch_id) {
            assert!(
                wxpay_core::verify(&p, &key, None).is_ok(),
                "{route}: a SUCCESS answer whose sign does not verify"
            );
        }
    }
}

/// How a fuzz route takes its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// A WeChat XML endpoint: the body as is (or re-signed).
    Xml,
    /// A JSON or other body.
    Body,
    /// `{}` in the route is replaced by the body's first line.
    Line,
    /// The body's first line is the whole request target.
    Path,
}

/// The endpoints a fuzz input picks from.
pub const FUZZ_ROUTES: &[(&str, &str, RouteKind)] = &[
    ("POST", "/pay/unifiedorder", RouteKind::Xml),
    ("POST", "/pay/orderquery", RouteKind::Xml),
    ("POST", "/pay/closeorder", RouteKind::Xml),
    ("POST", "/secapi/pay/refund", RouteKind::Xml),
    ("POST", "/pay/refundquery", RouteKind::Xml),
    ("POST", "/pay/downloadbill", RouteKind::Xml),
    ("POST", "/sandboxnew/pay/getsignkey", RouteKind::Xml),
    ("POST", "/sandboxnew/pay/unifiedorder", RouteKind::Xml),
    ("POST", "/sandboxnew/pay/orderquery", RouteKind::Xml),
    ("POST", "/sandboxnew/pay/refund", RouteKind::Xml),
    ("POST", "/payitil/report", RouteKind::Body),
    ("POST", "/mock/login", RouteKind::Body),
    ("POST", "/mock/requestPayment", RouteKind::Body),
    ("GET", "/sns/jscode2session?{}", RouteKind::Line),
    ("POST", "/mock/orders/{}/pay", RouteKind::Line),
    ("GET", "/mock/orders/{}", RouteKind::Line),
    ("GET", "/mock/orders", RouteKind::Body),
    ("GET", "/mock/notifications", RouteKind::Body),
    ("POST", "/mock/switches", RouteKind::Body),
    ("POST", "", RouteKind::Path),
    ("GET", "", RouteKind::Path),
    ("GET", "/pay/unifiedorder", RouteKind::Xml),
];
