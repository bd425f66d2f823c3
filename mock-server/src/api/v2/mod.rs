//! The WeChat Pay v2 XML endpoints: the one table of v2 paths, and the
//! checks every request passes before its endpoint (method, body, XML,
//! envelope fields, merchant, key, signature, appid). Signed answers are in
//! `envelope`; each endpoint's own logic is in its module. A `v3` sibling
//! would create orders with `ApiVersion::V3` and notifications with a JSON
//! encoding, over the same domain.

pub(crate) mod bill;
pub(crate) mod closeorder;
pub(crate) mod envelope;
pub(crate) mod explain;
pub(crate) mod orderquery;
pub(crate) mod refund;
pub(crate) mod refundquery;
pub(crate) mod sandbox;
pub(crate) mod unifiedorder;

use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use wxpay_core::model::rules;
use wxpay_core::model::{ErrCode, Failure};
use wxpay_core::xml::{self, DecodeOptions, XmlErrorKind};

use crate::domain::{App, FaultKind};
use crate::wire::{ReadBody, Reply};

use self::envelope::{Ctx, code_msg, encode, fail_xml, protocol_fail};

/// The XML endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    UnifiedOrder,
    OrderQuery,
    CloseOrder,
    Refund,
    RefundQuery,
    DownloadBill,
    Report,
    GetSignKey,
}

/// Every v2 path the mock serves, with its endpoint and whether the 404
/// answer lists it: the one table routing, the fault names and the 404
/// answer come from. Paths in `PATHS` are also served under each sandbox
/// prefix; the getsignkey paths are not (they are sandbox paths already).
/// Paths: docs/protocol.md §2.1; sandbox paths: §1.11.
const PATHS: &[(&str, Endpoint, bool)] = &[
    ("/pay/unifiedorder", Endpoint::UnifiedOrder, true),
    ("/pay/orderquery", Endpoint::OrderQuery, true),
    ("/pay/closeorder", Endpoint::CloseOrder, true),
    ("/secapi/pay/refund", Endpoint::Refund, true),
    // gopay's sandbox uses /sandboxnew/pay/refund.
    ("/pay/refund", Endpoint::Refund, false),
    ("/pay/refundquery", Endpoint::RefundQuery, true),
    ("/pay/downloadbill", Endpoint::DownloadBill, true),
    ("/payitil/report", Endpoint::Report, true),
];

/// The sandbox-key paths: the old `sandboxnew` one and the 2023 one.
const SIGN_KEY_PATHS: [&str; 2] = [
    "/sandboxnew/pay/getsignkey",
    "/xdc/apiv2getsignkey/sign/getsignkey",
];

impl Endpoint {
    /// Every endpoint, in the order the README lists them.
    const ALL: [Self; 8] = [
        Self::UnifiedOrder,
        Self::OrderQuery,
        Self::CloseOrder,
        Self::Refund,
        Self::RefundQuery,
        Self::DownloadBill,
        Self::Report,
        Self::GetSignKey,
    ];

    /// The name used by `/mock/faults` and the README.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::UnifiedOrder => "unifiedorder",
            Self::OrderQuery => "orderquery",
            Self::CloseOrder => "closeorder",
            Self::Refund => "refund",
            Self::RefundQuery => "refundquery",
            Self::DownloadBill => "downloadbill",
            Self::Report => "report",
            Self::GetSignKey => "getsignkey",
        }
    }
}

/// Every name a fault can target: each endpoint, `jscode2session`, and `*`
/// (any).
pub(crate) fn fault_targets() -> impl Iterator<Item = &'static str> {
    Endpoint::ALL
        .into_iter()
        .map(Endpoint::name)
        .chain(["jscode2session", "*"])
}

/// A routed request: which endpoint, and whether through a sandbox prefix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    pub(crate) endpoint: Endpoint,
    pub(crate) sandbox: bool,
}

/// The sandbox path prefixes: the old `sandboxnew` and the 2023 `xdc` one.
const SANDBOX_PREFIXES: [&str; 2] = ["/sandboxnew", "/xdc/apiv2sandbox"];

/// Maps a path to an endpoint. Repeated slashes are collapsed, so a base
/// URL with a trailing slash joined to `/pay/…` still routes.
pub(crate) fn route(raw: &str) -> Option<Route> {
    let collapsed;
    let path = if raw.contains("//") {
        collapsed = collapse_slashes(raw);
        collapsed.as_str()
    } else {
        raw
    };
    let path = path.strip_suffix('/').unwrap_or(path);
    if SIGN_KEY_PATHS.contains(&path) {
        return Some(Route {
            endpoint: Endpoint::GetSignKey,
            sandbox: false,
        });
    }
    let (sandbox, inner) = SANDBOX_PREFIXES
        .iter()
        .find_map(|p| {
            path.strip_prefix(p)
                .filter(|r| r.starts_with('/'))
                .map(|r| (true, r))
        })
        .unwrap_or((false, path));
    let endpoint = PATHS.iter().find(|(p, _, _)| *p == inner)?.1;
    Some(Route { endpoint, sandbox })
}

fn collapse_slashes(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for c in p.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The answer for a path the mock does not serve: HTTP 404 with a FAIL body
/// that lists what it does serve.
pub(crate) fn unknown_path(path: &str) -> Reply {
    let served: Vec<&str> = PATHS
        .iter()
        .filter(|(_, _, listed)| *listed)
        .map(|(p, _, _)| *p)
        .chain(SIGN_KEY_PATHS)
        .collect();
    let msg = format!(
        "wxpay-mock does not serve {path}: it serves {}, the same under {} and {}, GET /sns/jscode2session and the control API under /mock/",
        served.join(", "),
        SANDBOX_PREFIXES[0],
        SANDBOX_PREFIXES[1]
    );
    let mut r = Reply::xml(fail_xml(&msg), "404 unknown path");
    r.status = StatusCode::NOT_FOUND;
    r
}

/// Handles a routed XML request (synchronous: no lock meets an await).
pub(crate) fn handle(app: &Arc<App>, route: Route, is_post: bool, body: ReadBody) -> Reply {
    if route.endpoint == Endpoint::Report {
        // The official Java SDK reports latency in the background: accept
        // and ignore anything.
        return Reply::xml(
            "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>".into(),
            "report ignored",
        );
    }
    if !is_post {
        return protocol_fail(&code_msg(
            ErrCode::RequirePostMethod,
            Some("send the XML body with POST".into()),
        ));
    }
    let bytes: Bytes = match body {
        ReadBody::Ok(b) => b,
        ReadBody::TooLarge => {
            return protocol_fail(&code_msg(
                ErrCode::XmlFormatError,
                Some(format!(
                    "the body is larger than the {}-byte limit",
                    app.config.max_body_bytes
                )),
            ));
        }
        ReadBody::Failed(e) => {
            return protocol_fail(&code_msg(
                ErrCode::PostDataEmpty,
                Some(format!("the body could not be read: {e}")),
            ));
        }
    };
    if bytes.trim_ascii().is_empty() {
        return protocol_fail(&code_msg(
            ErrCode::PostDataEmpty,
            Some(
                "the body is empty: POST the request as <xml>…</xml> with Content-Type text/xml"
                    .into(),
            ),
        ));
    }
    let opts = DecodeOptions {
        max_bytes: app.config.max_body_bytes,
        ..DecodeOptions::default()
    };
    let params = match xml::decode_with(&bytes, &opts) {
        Ok(m) => m.to_param_map(),
        Err(e) => {
            let code = match e.kind {
                XmlErrorKind::NotUtf8 => ErrCode::NotUtf8,
                XmlErrorKind::Empty => ErrCode::PostDataEmpty,
                _ => ErrCode::XmlFormatError,
            };
            return protocol_fail(&code_msg(code, Some(e.to_string())));
        }
    };
    let needs_appid = route.endpoint != Endpoint::GetSignKey;
    let sign_type = match rules::check_envelope(&params, needs_appid) {
        Ok(t) => t,
        Err(f) => return Reply::xml(encode(&f.to_params()), format!("{f}")),
    };
    let mch_id = params.get("mch_id").map_or("", String::as_str);
    let Some(merchant) = app.config.merchant(mch_id) else {
        return protocol_fail(&code_msg(
            ErrCode::MchidNotExist,
            Some(format!(
                "mch_id {mch_id} is not configured in the mock (the built-in merchant is {})",
                crate::config::DEFAULT_MCH_ID
            )),
        ));
    };
    if route.endpoint == Endpoint::GetSignKey {
        return sandbox::getsignkey(app, merchant, &params, sign_type);
    }
    if route.sandbox && sign_type != rules::SANDBOX_SIGN_TYPE {
        return protocol_fail(wxpay_core::model::answers::SANDBOX_MD5_ONLY);
    }
    let key = app.key_for(merchant, route.sandbox);
    let switches = app.switches();
    let ctx = Ctx {
        app,
        sandbox: route.sandbox,
        merchant,
        key,
        sign_type,
        params,
        now: app.clock.now(),
        switches,
    };
    if let Err(e) = wxpay_core::verify(&ctx.params, &ctx.key, Some(sign_type)) {
        return explain::sign_error(&ctx, &e);
    }
    let appid = ctx.appid();
    if !app.config.appid_exists(appid) {
        return ctx.fail(&Failure::business(ErrCode::AppidNotExist));
    }
    if !merchant.appids.iter().any(|a| a == appid) {
        return ctx.fail(&Failure::business(ErrCode::AppidMchidNotMatch));
    }
    if let Some(FaultKind::ErrCode(code)) = app.take_fault(route.endpoint.name(), false) {
        return ctx.fail(&Failure::business(code));
    }
    let result = match route.endpoint {
        Endpoint::UnifiedOrder => unifiedorder::handle(&ctx),
        Endpoint::OrderQuery => orderquery::handle(&ctx),
        Endpoint::CloseOrder => closeorder::handle(&ctx),
        Endpoint::Refund => refund::handle(&ctx),
        Endpoint::RefundQuery => refundquery::handle(&ctx),
        Endpoint::DownloadBill => bill::handle(&ctx),
        Endpoint::Report | Endpoint::GetSignKey => Ok(protocol_fail("unreachable")),
    };
    result.unwrap_or_else(|f| ctx.fail(&f))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 404 answer lists exactly what it listed before the path table.
    #[test]
    fn unknown_path_lists_the_served_paths() {
        let r = unknown_path("/nope");
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains("wxpay-mock does not serve /nope: it serves /pay/unifiedorder, /pay/orderquery, /pay/closeorder, /secapi/pay/refund, /pay/refundquery, /pay/downloadbill, /payitil/report, /sandboxnew/pay/getsignkey, /xdc/apiv2getsignkey/sign/getsignkey, the same under /sandboxnew and /xdc/apiv2sandbox, GET /sns/jscode2session and the control API under /mock/"), "{body}");
    }

    #[test]
    fn routes_from_the_table() {
        let r = route("/sandboxnew/pay/refund").expect("gopay's sandbox refund path");
        assert_eq!((r.endpoint, r.sandbox), (Endpoint::Refund, true));
        let r = route("//xdc/apiv2sandbox/pay/orderquery/").expect("collapsed");
        assert_eq!((r.endpoint, r.sandbox), (Endpoint::OrderQuery, true));
        let r = route("/xdc/apiv2getsignkey/sign/getsignkey").expect("sign key");
        assert_eq!((r.endpoint, r.sandbox), (Endpoint::GetSignKey, false));
        assert!(route("/pay/micropay").is_none());
        assert_eq!(
            fault_targets().collect::<Vec<_>>().join(","),
            "unifiedorder,orderquery,closeorder,refund,refundquery,downloadbill,report,getsignkey,jscode2session,*"
        );
    }
}
