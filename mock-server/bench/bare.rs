//! The load test's baseline: a bare hyper handler that only parses,
//! verifies and signs a unifiedorder request (no validation, no state, no
//! logging), with the mock's allocator and runtime. Not part of the mock:
//! `cargo run --release -p wxpay-mock --example bare-bench -- --port N`
//! (`bench/load.sh` runs it).

use std::io::Write as _;
use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use wxpay_core::model::sign_and_encode;
use wxpay_core::{ApiKey, ParamMap, SignType, xml};

use wxpay_mock::config::{DEFAULT_API_KEY, DEFAULT_MAX_BODY_BYTES};

/// The same allocator as the `wxpay-mock` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn answer(body: &[u8], key: &ApiKey) -> String {
    let Ok(m) = xml::decode(body) else {
        return xml::notify_reply(false, "XML格式错误");
    };
    let sign_type = match m.get("sign_type") {
        Some("HMAC-SHA256") => SignType::HmacSha256,
        _ => SignType::Md5,
    };
    if wxpay_core::verify(&m, key, Some(sign_type)).is_err() {
        return xml::notify_reply(false, "签名错误");
    }
    let mut p = ParamMap::new();
    p.insert("return_code".into(), "SUCCESS".into());
    p.insert("return_msg".into(), "OK".into());
    p.insert("result_code".into(), "SUCCESS".into());
    p.insert("appid".into(), m.get("appid").unwrap_or_default().into());
    p.insert("mch_id".into(), m.get("mch_id").unwrap_or_default().into());
    p.insert(
        "trade_type".into(),
        m.get("trade_type").unwrap_or_default().into(),
    );
    p.insert(
        "prepay_id".into(),
        format!("wx{}", wxpay_core::nonce::nonce_from(34, fastrand::fill)),
    );
    p.insert(
        "nonce_str".into(),
        wxpay_core::nonce::nonce_from(32, fastrand::fill),
    );
    sign_and_encode(p, key, sign_type)
        .map(|(body, _)| body)
        .unwrap_or_default()
}

async fn service(
    req: Request<Incoming>,
    key: ApiKey,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let body = match Limited::new(req.into_body(), DEFAULT_MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let mut resp = Response::new(Full::new(Bytes::from(answer(&body, &key))));
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    Ok(resp)
}

/// Serves the bare handler on `listener` forever.
async fn serve(listener: TcpListener) {
    let key = ApiKey::new(DEFAULT_API_KEY);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let key = key.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| service(req, key.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut port: u16 = 8788;
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().map(|v| v.parse::<u16>())) {
            ("--port", Some(Ok(p))) => port = p,
            _ => {
                eprintln!("usage: bare-bench [--port N]");
                return ExitCode::FAILURE;
            }
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bare-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("bare-bench: cannot bind 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Ok(a) = listener.local_addr() {
            let _ = writeln!(std::io::stdout(), "bare handler listening on http://{a}");
        }
        tokio::select! {
            () = serve(listener) => {}
            () = wxpay_mock::shutdown_signal() => {}
        }
        ExitCode::SUCCESS
    })
}
