//! The one route table: method + path to handler, for WeChat's v2 pay
//! paths, `jscode2session` and `cgi-bin/token`, the control API (`/mock/…`)
//! and the console. It also applies the faults that act before any parsing
//! and records XML exchanges for the console. Handlers live below it in
//! `api/`, `control/` and `console/`.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Body;
use hyper::{Method, Request};

use crate::domain::{App, FaultKind};
use crate::wire::{ReadBody, Reply, read_body};

/// Handles one request: routing, the fault hooks that apply before any
/// parsing, and the log line.
pub(crate) async fn handle<B>(app: Arc<App>, path: &str, req: Request<B>) -> Reply
where
    B: Body,
    B::Error: Into<Box<dyn core::error::Error + Send + Sync>>,
{
    // GET only: a misdirected POST to `/` still gets the XML 404 below.
    if (req.method() == Method::GET || req.method() == Method::HEAD)
        && crate::console::is_console_path(path)
    {
        return crate::console::handle(&app, path, req).await;
    }
    if let Some(rest) = path.strip_prefix("/mock/") {
        let mutates = req.method() != Method::GET;
        let reply = crate::control::handle(&app, rest, req).await;
        if mutates {
            app.console.changed();
        }
        return reply;
    }
    if path == "/mock" {
        return crate::control::handle(&app, "", req).await;
    }
    if path == "/sns/jscode2session" {
        let _change = app.change().await;
        return crate::api::login::handle(&app, req).await;
    }
    if path == "/cgi-bin/token" {
        return crate::api::login::token(&app, &req);
    }
    let Some(route) = crate::api::v2::route(path) else {
        return crate::api::v2::unknown_path(path);
    };
    match app.take_fault(route.endpoint.name(), true) {
        Some(FaultKind::Delay(ms)) => {
            tokio::time::sleep(core::time::Duration::from_millis(ms)).await;
        }
        Some(FaultKind::Drop) => return Reply::dropped(),
        Some(FaultKind::Html502) => return Reply::html_502(),
        _ => {}
    }
    let is_post = req.method() == Method::POST;
    let body = if is_post {
        read_body(req, app.config.max_body_bytes).await
    } else {
        ReadBody::Ok(Bytes::new())
    };
    let sent = match &body {
        ReadBody::Ok(b) => b.clone(),
        _ => Bytes::new(),
    };
    let change = app.change().await;
    let reply = crate::api::v2::handle(&app, route, is_post, body);
    drop(change);
    app.console.record(
        app.clock.now(),
        path,
        sent,
        reply.body.clone(),
        reply.status.as_u16(),
    );
    reply
}
