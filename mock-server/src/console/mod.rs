//! The sandbox console: a web page served at `/` and `/mock/ui` to watch and
//! drive orders, notifies, the clock and the signature doctor.
//!
//! The page is a client of the control API (`/mock/…`) and of the XML
//! endpoints; this module only serves its embedded assets, a long-poll
//! change feed (`/mock/ui/events`) and the raw XML exchanges it records.

use bytes::Bytes;
use hyper::body::Body;
use hyper::{Method, Request, StatusCode};
use serde_json::json;

use crate::domain::App;
use crate::wire::Reply;

mod web_pkg {
    include!(concat!(env!("OUT_DIR"), "/web_pkg.rs"));
}

const INDEX_HTML: &str = include_str!("../../console/index.html");
const APP_JS: &str = include_str!("../../console/app.js");
const STYLE_CSS: &str = include_str!("../../console/style.css");

/// How long a long-poll waits for a change before answering anyway.
const POLL_WAIT: core::time::Duration = core::time::Duration::from_secs(20);

/// Whether `path` is served by the console.
pub(crate) fn is_console_path(path: &str) -> bool {
    path == "/" || path == "/mock/ui" || path.starts_with("/mock/ui/")
}

fn asset(content_type: &'static str, body: impl Into<Bytes>, name: &str) -> Reply {
    Reply::text(
        StatusCode::OK,
        content_type,
        body,
        format!("console {name}"),
    )
}

fn error(status: StatusCode, msg: String) -> Reply {
    Reply::json(status, &json!({ "error": msg }))
}

/// Serves a console path.
pub(crate) async fn handle<B>(app: &App, path: &str, req: Request<B>) -> Reply
where
    B: Body,
{
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{path} answers GET only; actions go through the control API under /mock/"),
        );
    }
    let query = crate::wire::parse_query(req.uri().query().unwrap_or_default());
    let rest = path
        .strip_prefix("/mock/ui")
        .unwrap_or("")
        .trim_start_matches('/');
    match rest {
        "" | "index.html" => asset("text/html; charset=utf-8", INDEX_HTML, "index.html"),
        "app.js" => asset("text/javascript; charset=utf-8", APP_JS, "app.js"),
        "style.css" => asset("text/css; charset=utf-8", STYLE_CSS, "style.css"),
        "pkg" | "pkg/" => Reply::json(
            StatusCode::OK,
            &json!({ "embedded": web_pkg::WEB_PKG.iter().map(|(n, b)| json!({"name": n, "bytes": b.len()})).collect::<Vec<_>>() }),
        ),
        "events" => {
            let since = query.get("since").and_then(|s| s.parse::<u64>().ok());
            let mut rx = app.console.subscribe();
            let current = *rx.borrow_and_update();
            // Without `since` (the first call) answer at once; a server
            // shutting down answers at once too, so polls never delay it.
            if since == Some(current) {
                let mut stop = app.stop.subscribe();
                if !*stop.borrow_and_update() {
                    tokio::select! {
                        _ = tokio::time::timeout(POLL_WAIT, rx.changed()) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
            let v = *rx.borrow();
            Reply::json(StatusCode::OK, &json!({ "version": v }))
        }
        "exchanges" => Reply::json(
            StatusCode::OK,
            &app.console
                .exchanges_json(query.get("out_trade_no").map(String::as_str)),
        ),
        _ => {
            if let Some(name) = rest.strip_prefix("pkg/") {
                if let Some((_, bytes)) = web_pkg::WEB_PKG.iter().find(|(n, _)| *n == name) {
                    let ct = if name.ends_with(".wasm") {
                        "application/wasm"
                    } else {
                        "text/javascript; charset=utf-8"
                    };
                    return asset(ct, Bytes::from_static(bytes), name);
                }
                if web_pkg::WEB_PKG.is_empty() {
                    return error(
                        StatusCode::NOT_FOUND,
                        "this binary was built without the wxpay-devkit/web package: run `bash js/scripts/ci.sh`, then rebuild the mock (cargo build -p wxpay-mock)".to_owned(),
                    );
                }
            }
            error(
                StatusCode::NOT_FOUND,
                format!("no console file {path:?}: the console is at / and /mock/ui"),
            )
        }
    }
}
