//! The control API: JSON under `/mock/`. Errors are JSON
//! `{"error": "…"}` with a message that says how to fix the request.

use std::sync::Arc;

use hyper::body::Body;
use hyper::{Method, Request, StatusCode};
use serde_json::{Map, Value, json};
use wxpay_core::model::{ErrCode, rules};
use wxpay_core::{DiagnoseOptions, ParamMap, SignType, diagnose};

use crate::config::Switches;
use crate::domain::payments::{self as payment, Action};
use crate::domain::{App, Fault, FaultKind};
use crate::store::lock;
use crate::store::orders::{EventKind, Order, OrderRef, seq_of_prepay_id};
use crate::wire::{ReadBody, Reply, read_body};

/// The most a control request body may hold.
const MAX_JSON: usize = 64 * 1024;

fn err(status: StatusCode, msg: impl Into<String>) -> Reply {
    let msg = msg.into();
    let mut r = Reply::json(status, &json!({ "error": msg }));
    r.outcome = format!("{} {msg}", status.as_u16());
    r
}

fn ok(v: &Value) -> Reply {
    Reply::json(StatusCode::OK, v)
}

fn not_found(rest: &str) -> Reply {
    err(
        StatusCode::NOT_FOUND,
        format!(
            "no control endpoint /mock/{rest}: see GET /mock/ for the list (login, requestPayment, orders, orders/{{out_trade_no}}, orders/{{out_trade_no}}/pay, notifications, notifications/{{id}}/redeliver, clock, clock/advance, faults, switches, sandbox/rotate, reset)"
        ),
    )
}

fn method_not_allowed(rest: &str, allowed: &str) -> Reply {
    err(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("/mock/{rest} accepts {allowed} only"),
    )
}

async fn json_body<B>(req: Request<B>) -> Result<Map<String, Value>, Reply>
where
    B: Body,
    B::Error: Into<Box<dyn core::error::Error + Send + Sync>>,
{
    let bytes = match read_body(req, MAX_JSON).await {
        ReadBody::Ok(b) => b,
        ReadBody::TooLarge => {
            return Err(err(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the JSON body is over {MAX_JSON} bytes"),
            ));
        }
        ReadBody::Failed(e) => {
            return Err(err(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {e}"),
            ));
        }
    };
    if bytes.trim_ascii().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(err(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object, e.g. {\"seconds\": 60}",
        )),
        Err(e) => Err(err(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )),
    }
}

fn opt_str<'a>(m: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, Reply> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(err(
            StatusCode::BAD_REQUEST,
            format!("\"{k}\" must be a string, not {other}"),
        )),
    }
}

/// Routes a control request (`rest` is the path after `/mock/`).
pub(crate) async fn handle<B>(app: &Arc<App>, rest: &str, req: Request<B>) -> Reply
where
    B: Body,
    B::Error: Into<Box<dyn core::error::Error + Send + Sync>>,
{
    let rest = rest.trim_end_matches('/');
    let method = req.method().clone();
    let query = crate::wire::parse_query(req.uri().query().unwrap_or_default());
    let parts: Vec<&str> = rest.split('/').collect();
    let is_get = method == Method::GET;
    let is_post = method == Method::POST;
    match parts.as_slice() {
        [""] | ["health"] => ok(&index(app)),
        ["login"] if is_post => match json_body(req).await {
            Ok(b) => {
                let _change = app.change().await;
                login(app, &b)
            }
            Err(r) => r,
        },
        ["login"] => method_not_allowed(rest, "POST"),
        ["requestPayment"] if is_post => match json_body(req).await {
            Ok(b) => {
                let _change = app.change().await;
                request_payment(app, &b)
            }
            Err(r) => r,
        },
        ["requestPayment"] => method_not_allowed(rest, "POST"),
        ["orders"] if is_get => ok(&list_orders(app, &query)),
        ["orders"] => method_not_allowed(rest, "GET"),
        ["orders", no] if is_get => match find_order(app, no, &query) {
            Ok(o) => ok(&order_json(app, &o.read())),
            Err(r) => r,
        },
        ["orders", no, "pay"] if is_post => {
            let body = match json_body(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let _change = app.change().await;
            pay_backend(app, no, &query, &body)
        }
        ["orders", ..] => method_not_allowed(
            rest,
            "GET /mock/orders[/{out_trade_no}] or POST /mock/orders/{out_trade_no}/pay",
        ),
        ["notifications"] if is_get => ok(&app.notifier.list_json(
            query.get("out_trade_no").map(String::as_str),
            query.get("kind").map(String::as_str),
        )),
        ["notifications", id] if is_get => match id
            .parse::<u64>()
            .ok()
            .and_then(|i| app.notifier.get_json(i))
        {
            Some(v) => ok(&v),
            None => err(
                StatusCode::NOT_FOUND,
                format!("no notification {id}: GET /mock/notifications lists them"),
            ),
        },
        ["notifications", id, "redeliver"] if is_post => {
            let Some(n) = id.parse::<u64>().ok() else {
                return err(
                    StatusCode::BAD_REQUEST,
                    format!("{id:?} is not a notification id (a number)"),
                );
            };
            if app.notifier.redeliver(n, app.clock.now_ms()).is_none() {
                return err(
                    StatusCode::NOT_FOUND,
                    format!("no notification {n}: GET /mock/notifications lists them"),
                );
            }
            app.drain().await;
            ok(&app.notifier.get_json(n).unwrap_or(Value::Null))
        }
        ["notifications", ..] => method_not_allowed(rest, "GET, or POST …/{id}/redeliver"),
        ["clock"] if is_get => ok(&clock_json(app)),
        ["clock", "advance"] if is_post => {
            let body = match json_body(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let Some(seconds) = body
                .get("seconds")
                .and_then(Value::as_i64)
                .filter(|s| *s >= 0)
            else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "send {\"seconds\": N} with N a non-negative integer (the clock only moves forward)",
                );
            };
            app.advance(seconds).await;
            ok(&clock_json(app))
        }
        ["clock", ..] => method_not_allowed(rest, "GET /mock/clock or POST /mock/clock/advance"),
        ["faults"] if is_post => match json_body(req).await {
            Ok(b) => {
                let _change = app.change().await;
                add_fault(app, &b)
            }
            Err(r) => r,
        },
        ["faults"] if is_get => ok(&faults_json(app)),
        ["faults"] if method == Method::DELETE => {
            let _change = app.change().await;
            lock(&app.faults).clear();
            ok(&faults_json(app))
        }
        ["faults"] => method_not_allowed(rest, "GET, POST or DELETE"),
        ["switches"] if is_get => ok(&switches_json(&app.switches())),
        ["switches"] if is_post => match json_body(req).await {
            Ok(b) => {
                let _change = app.change().await;
                set_switches(app, &b)
            }
            Err(r) => r,
        },
        ["switches"] => method_not_allowed(rest, "GET or POST"),
        ["sandbox", "rotate"] if is_post => match json_body(req).await {
            Ok(b) => {
                let _change = app.change().await;
                rotate(app, &b)
            }
            Err(r) => r,
        },
        ["reset"] if is_post => {
            app.reset().await;
            ok(&json!({ "reset": true }))
        }
        ["reset"] => method_not_allowed(rest, "POST"),
        _ => not_found(rest),
    }
}

fn index(app: &App) -> Value {
    json!({
        "server": crate::wire::VERSION_HEADER,
        "merchants": app.config.merchants.iter().map(|m| json!({"mch_id": m.mch_id, "appids": m.appids})).collect::<Vec<_>>(),
        "apps": app.config.apps.iter().map(|a| json!({"appid": a.appid, "unionid": a.unionid})).collect::<Vec<_>>(),
        "orders": app.orders.len(),
        // Where the state is kept across restarts (null: in memory only).
        "data_dir": app.config.data_dir.as_ref().map(|d| d.join(crate::store::journal::FILE_NAME).display().to_string()),
        "control": [
            "POST /mock/login {appid, openid?, user?}",
            "POST /mock/requestPayment {timeStamp, nonceStr, package, signType, paySign, action?}",
            "GET /mock/orders", "GET /mock/orders/{out_trade_no}", "POST /mock/orders/{out_trade_no}/pay {action?}",
            "GET /mock/notifications", "GET /mock/notifications/{id}", "POST /mock/notifications/{id}/redeliver",
            "GET /mock/clock", "POST /mock/clock/advance {seconds}",
            "GET|POST|DELETE /mock/faults", "GET|POST /mock/switches", "POST /mock/sandbox/rotate {mch_id?}", "POST /mock/reset"
        ],
    })
}

fn clock_json(app: &App) -> Value {
    let now = app.clock.now();
    json!({
        "now": now,
        "now_beijing": rules::format_datetime(now),
        "offset_seconds": app.clock.offset_ms().div_euclid(1000),
    })
}

fn login(app: &App, b: &Map<String, Value>) -> Reply {
    let (appid, openid, user) = match (
        opt_str(b, "appid"),
        opt_str(b, "openid"),
        opt_str(b, "user"),
    ) {
        (Ok(a), Ok(o), Ok(u)) => (a, o, u),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    let appid = appid.unwrap_or(crate::config::DEFAULT_APPID);
    match app.login(appid, openid, user) {
        Ok((code, openid, unionid)) => ok(&json!({
            "code": code,
            "openid": openid,
            "unionid": unionid,
            "appid": appid,
            "expires_in": rules::JSCODE_TTL_SECS,
        })),
        Err(e) => err(StatusCode::BAD_REQUEST, e),
    }
}

fn pay_reply(result: Result<(), String>) -> Reply {
    let msg = match result {
        Ok(()) => "requestPayment:ok".to_owned(),
        Err(why) => format!("requestPayment:fail {why}"),
    };
    let mut r = ok(&json!({ "errMsg": msg }));
    r.outcome = msg;
    r
}

/// `wx.requestPayment` as the mini program calls it.
fn request_payment(app: &App, b: &Map<String, Value>) -> Reply {
    let action = match opt_str(b, "action").map(|a| Action::parse(a)) {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return err(StatusCode::BAD_REQUEST, e),
        Err(r) => return r,
    };
    // Exactly the parameter checks wx.requestPayment makes on its object.
    let mut obj = ParamMap::new();
    for k in ["timeStamp", "nonceStr", "package", "signType", "paySign"] {
        match b.get(k) {
            Some(Value::String(s)) => {
                obj.insert(k.into(), s.clone());
            }
            other => {
                let found = match other {
                    None | Some(Value::Null) => "Undefined",
                    Some(Value::Number(_)) => "Number",
                    Some(Value::Bool(_)) => "Boolean",
                    Some(Value::Array(_)) => "Array",
                    Some(_) => "Object",
                };
                return pay_reply(Err(format!(
                    "parameter error: parameter.{k} should be String instead of {found};"
                )));
            }
        }
    }
    let package = obj.get("package").cloned().unwrap_or_default();
    let Some(prepay_id) = package.strip_prefix("prepay_id=") else {
        return pay_reply(Err(format!(
            "package {package:?} must be \"prepay_id=<the prepay_id unifiedorder returned>\""
        )));
    };
    let Some(order) = seq_of_prepay_id(prepay_id).and_then(|s| app.orders.by_seq(s)) else {
        return pay_reply(Err(format!(
            "prepay_id {prepay_id} is unknown to this mock (made by another server, or before /mock/reset?)"
        )));
    };
    let (appid, order_sign_type, key, current, answer_sign) = {
        let o = order.read();
        (
            o.appid().to_owned(),
            o.sign_type,
            crate::domain::refunds::order_key(app, &o),
            o.prepay_id(app.instance),
            o.answer_sign,
        )
    };
    if current != prepay_id {
        return pay_reply(Err(format!(
            "prepay_id {prepay_id} is no longer this order's prepay_id (now {current})"
        )));
    }
    let Some(key) = key else {
        return pay_reply(Err("the order's merchant is no longer configured".into()));
    };
    obj.insert("appId".into(), appid.clone());
    let declared: Result<SignType, _> = obj.get("signType").map_or("", String::as_str).parse();
    let Ok(declared) = declared else {
        return pay_reply(Err(format!(
            "signType {:?} is not supported: use \"MD5\" or \"HMAC-SHA256\", the unifiedorder sign type",
            obj.get("signType").map_or("", String::as_str)
        )));
    };
    if let Err(e) = wxpay_core::verify_payment_params(&obj, &key) {
        let d = diagnose(
            &obj,
            &key,
            obj.get("paySign").map_or("", String::as_str),
            &DiagnoseOptions {
                sign_type: Some(declared),
                app_id: Some(&appid),
                app_secret: app.config.app(&appid).map(|a| a.secret.as_str()),
                kind: Some(wxpay_core::diagnose::SignKind::PaySign),
                order_sign: answer_sign.as_ref().map(wxpay_core::Sign::as_str),
                ..DiagnoseOptions::default()
            },
        );
        return pay_reply(Err(format!(
            "支付验证签名失败 (paySign does not verify: {e}; the doctor says: {})",
            crate::api::v2::explain::summary(&d)
        )));
    }
    if app.switches().strict_pay_sign_type && declared != order_sign_type {
        return pay_reply(Err(format!(
            "signType {} differs from the unifiedorder sign_type {} (it must be the same)",
            declared.as_str(),
            order_sign_type.as_str()
        )));
    }
    pay_reply(payment::act(app, &order, action, Some(prepay_id)))
}

fn find_order(
    app: &App,
    no: &str,
    q: &std::collections::HashMap<String, String>,
) -> Result<OrderRef, Reply> {
    let mch = q.get("mch_id");
    let sandbox = match q.get("sandbox").map(String::as_str) {
        None => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => {
            return Err(err(
                StatusCode::BAD_REQUEST,
                format!("sandbox={other}: use true or false"),
            ));
        }
    };
    let mut found = Vec::new();
    for m in &app.config.merchants {
        if mch.is_some_and(|x| *x != m.mch_id) {
            continue;
        }
        for sb in [false, true] {
            if sandbox.is_some_and(|s| s != sb) {
                continue;
            }
            if let Some(o) = app.orders.by_out_trade_no(sb, &m.mch_id, no) {
                found.push((m.mch_id.clone(), sb, o));
            }
        }
    }
    match found.len() {
        0 => Err(err(
            StatusCode::NOT_FOUND,
            format!(
                "no order {no:?}: create it with /pay/unifiedorder first (GET /mock/orders lists the orders)"
            ),
        )),
        1 => Ok(found.remove(0).2),
        _ => Err(err(
            StatusCode::CONFLICT,
            format!(
                "several orders are numbered {no:?} ({}): add ?mch_id=…&sandbox=true|false",
                found
                    .iter()
                    .map(|(m, sb, _)| format!("mch_id {m}, sandbox {sb}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
    }
}

fn pay_backend(
    app: &App,
    no: &str,
    q: &std::collections::HashMap<String, String>,
    b: &Map<String, Value>,
) -> Reply {
    let action = match opt_str(b, "action").map(|a| Action::parse(a)) {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return err(StatusCode::BAD_REQUEST, e),
        Err(r) => return r,
    };
    match find_order(app, no, q) {
        Ok(o) => pay_reply(payment::act(app, &o, action, None)),
        Err(r) => r,
    }
}

fn summary_json(app: &App, o: &Order) -> Value {
    json!({
        "out_trade_no": o.out_trade_no(),
        "mch_id": o.mch_id(),
        "appid": o.appid(),
        "sandbox": o.sandbox,
        "trade_state": o.state.as_str(),
        "total_fee": o.total_fee,
        "refunded_fee": o.refunded_fee(),
        "prepay_id": o.prepay_id(app.instance),
        "transaction_id": o.transaction_id(),
        "created_at": o.created_at,
    })
}

fn list_orders(app: &App, q: &std::collections::HashMap<String, String>) -> Value {
    let orders: Vec<Value> = app
        .orders
        .all()
        .iter()
        .filter_map(|o| {
            let o = o.read();
            if q.get("mch_id").is_some_and(|m| m != o.mch_id()) {
                return None;
            }
            if q.get("trade_state").is_some_and(|s| s != o.state.as_str()) {
                return None;
            }
            Some(summary_json(app, &o))
        })
        .collect();
    Value::Array(orders)
}

fn event_json(e: &crate::store::orders::Event, o: &Order) -> Value {
    let (name, detail) = match e.kind {
        EventKind::Created => ("created", Value::Null),
        EventKind::Reentered => ("reentered", Value::Null),
        EventKind::ReentryRefused => (
            "reentry_refused",
            json!("the same out_trade_no with different parameters"),
        ),
        EventKind::PaymentCancelled => ("payment_cancelled", Value::Null),
        EventKind::PaymentFailed => ("payment_failed", Value::Null),
        EventKind::Paid => ("paid", json!(o.transaction_id())),
        EventKind::Closed => ("closed", Value::Null),
        EventKind::RefundAccepted(i) => (
            "refund_accepted",
            json!(
                o.refunds
                    .get(usize::from(i))
                    .map(|r| r.out_refund_no.to_string())
            ),
        ),
        EventKind::RefundSucceeded(i) => (
            "refund_succeeded",
            json!(
                o.refunds
                    .get(usize::from(i))
                    .map(|r| r.out_refund_no.to_string())
            ),
        ),
        EventKind::Notified(id) => ("notify_queued", json!(id)),
    };
    json!({ "at": e.at, "at_beijing": rules::format_datetime(e.at), "event": name, "detail": detail })
}

fn order_json(app: &App, o: &Order) -> Value {
    let mut v = summary_json(app, o);
    let fields: Map<String, Value> = o
        .fields
        .iter()
        .map(|(k, x)| (k.to_owned(), json!(x)))
        .collect();
    v["trade_state_desc"] = json!(o.state.desc());
    v["sign_type"] = json!(o.sign_type.as_str());
    v["paid_at"] = json!(o.paid_at);
    v["closed_at"] = json!(o.closed_at);
    v["expire_at"] = json!(o.expire_at);
    v["fields"] = Value::Object(fields);
    v["refunds"] = o
        .refunds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "out_refund_no": r.out_refund_no.as_ref(),
                "refund_id": o.refund_id(i),
                "refund_fee": r.refund_fee,
                "refund_status": r.status.as_str(),
                "created_at": r.created_at,
                "success_at": r.success_at,
                "notify_url": r.notify_url.as_deref(),
            })
        })
        .collect();
    let created = crate::store::orders::Event {
        at: o.created_at,
        kind: EventKind::Created,
    };
    v["events"] = core::iter::once(&created)
        .chain(o.events.iter())
        .map(|e| event_json(e, o))
        .collect();
    v["approx_bytes"] = json!(o.approx_bytes());
    v
}

fn faults_json(app: &App) -> Value {
    Value::Array(
        lock(&app.faults)
            .iter()
            .map(|f| {
                let kind = match &f.kind {
                    FaultKind::ErrCode(c) => json!({"kind": "err_code", "err_code": c.as_str()}),
                    FaultKind::JsErrcode(c, _) => json!({"kind": "errcode", "errcode": c}),
                    FaultKind::Delay(ms) => json!({"kind": "delay", "delay_ms": ms}),
                    FaultKind::Drop => json!({"kind": "drop"}),
                    FaultKind::Html502 => json!({"kind": "html502"}),
                };
                json!({"endpoint": f.endpoint, "fault": kind, "remaining": f.remaining})
            })
            .collect(),
    )
}

const JS_ERRCODES: &[(i32, &str)] = &[
    rules::jscode::SYSTEM_BUSY,
    rules::jscode::INVALID_CODE,
    rules::jscode::CODE_USED,
    rules::jscode::INVALID_SECRET,
    rules::jscode::INVALID_APPID,
    rules::jscode::BLOCKED,
    rules::jscode::RATE_LIMIT,
    rules::jscode::INVALID_GRANT_TYPE,
];

fn add_fault(app: &App, b: &Map<String, Value>) -> Reply {
    let endpoint = match opt_str(b, "endpoint") {
        Ok(Some(e)) if crate::api::v2::fault_targets().any(|n| n == e) => e.to_owned(),
        Ok(Some(e)) => {
            return err(
                StatusCode::BAD_REQUEST,
                format!(
                    "unknown endpoint {e:?}: use one of {}",
                    crate::api::v2::fault_targets()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        Ok(None) => {
            return err(
                StatusCode::BAD_REQUEST,
                format!(
                    "\"endpoint\" is required: one of {}",
                    crate::api::v2::fault_targets()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        Err(r) => return r,
    };
    let count = match b.get("count") {
        None | Some(Value::Null) => 1,
        Some(v) => match v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
        {
            Some(n) => n,
            None => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "\"count\" must be a positive integer (how many calls the fault affects)",
                );
            }
        },
    };
    let kinds = "SYSTEMERROR, BIZERR_NEED_RETRY, err_code (with \"err_code\"), errcode (jscode2session, with \"errcode\"), delay (with \"delay_ms\"), drop, html502";
    let kind = match opt_str(b, "kind") {
        Ok(Some(k)) => k,
        Ok(None) => {
            return err(
                StatusCode::BAD_REQUEST,
                format!("\"kind\" is required: one of {kinds}"),
            );
        }
        Err(r) => return r,
    };
    let kind = match kind {
        "delay" => match b.get("delay_ms").and_then(Value::as_u64) {
            Some(ms) if ms <= 600_000 => FaultKind::Delay(ms),
            _ => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "a delay fault needs \"delay_ms\": 0 to 600000",
                );
            }
        },
        "drop" => FaultKind::Drop,
        "html502" => FaultKind::Html502,
        "errcode" => {
            let code = b.get("errcode").and_then(Value::as_i64);
            match JS_ERRCODES
                .iter()
                .find(|(c, _)| Some(i64::from(*c)) == code)
            {
                Some(&(c, m)) => FaultKind::JsErrcode(c, m),
                None => {
                    return err(
                        StatusCode::BAD_REQUEST,
                        format!(
                            "\"errcode\" must be one of {}",
                            JS_ERRCODES
                                .iter()
                                .map(|(c, _)| c.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        other => {
            let name = if other == "err_code" {
                match opt_str(b, "err_code") {
                    Ok(Some(n)) => n,
                    Ok(None) => {
                        return err(
                            StatusCode::BAD_REQUEST,
                            "an err_code fault needs \"err_code\", e.g. \"NOTENOUGH\"",
                        );
                    }
                    Err(r) => return r,
                }
            } else {
                other
            };
            match ErrCode::parse(name) {
                Some(c) => FaultKind::ErrCode(c),
                None => {
                    return err(
                        StatusCode::BAD_REQUEST,
                        format!("unknown fault kind or err_code {name:?}: use one of {kinds}"),
                    );
                }
            }
        }
    };
    if endpoint == "jscode2session"
        && matches!(kind, FaultKind::ErrCode(c) if c != ErrCode::SystemError)
    {
        return err(
            StatusCode::BAD_REQUEST,
            "jscode2session answers errcodes: use kind SYSTEMERROR (-1) or kind errcode with \"errcode\"",
        );
    }
    app.add_fault(Fault {
        endpoint,
        kind,
        remaining: count,
    });
    ok(&faults_json(app))
}

fn switches_json(s: &Switches) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

fn set_switches(app: &App, b: &Map<String, Value>) -> Reply {
    let result = app.update_switches(|s| {
        let mut next = s.clone();
        for (k, v) in b {
            next.set_json(k, v)?;
        }
        *s = next;
        Ok::<_, String>(s.clone())
    });
    match result {
        Ok(s) => ok(&switches_json(&s)),
        Err(e) => err(StatusCode::BAD_REQUEST, e),
    }
}

fn rotate(app: &App, b: &Map<String, Value>) -> Reply {
    let mch = match opt_str(b, "mch_id") {
        Ok(m) => m.unwrap_or(crate::config::DEFAULT_MCH_ID),
        Err(r) => return r,
    };
    if app.config.merchant(mch).is_none() {
        return err(
            StatusCode::BAD_REQUEST,
            format!("mch_id {mch:?} is not configured"),
        );
    }
    app.rotate_sandbox_key(mch);
    ok(&json!({ "mch_id": mch, "rotated": true }))
}
