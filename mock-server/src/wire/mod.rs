//! The wire layer under every handler: the [`Reply`] a handler returns, the
//! size- and time-limited body reader, and query-string decoding. It knows
//! HTTP types but no route, handler or domain state, so the WeChat API
//! handlers, the control API and the console all build on it.

use std::collections::HashMap;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};

/// The value of the `X-Mock-Server-Version` header on every response.
pub const VERSION_HEADER: &str = concat!("wxpay-mock/", env!("CARGO_PKG_VERSION"));

/// How long a client may take to send a request's body once its headers
/// have arrived.
const BODY_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(30);

/// An answer, plus what the request log line says about it.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) content_type: &'static str,
    pub(crate) body: Bytes,
    /// A short outcome for the log, e.g. `SUCCESS`, `FAIL 签名错误`, `ORDERPAID`.
    pub(crate) outcome: String,
    /// Close the connection without answering (a `drop` fault).
    pub(crate) drop_connection: bool,
}

impl Reply {
    pub(crate) fn xml(body: String, outcome: impl Into<String>) -> Self {
        Self {
            status: StatusCode::OK,
            content_type: "text/xml; charset=utf-8",
            body: Bytes::from(body),
            outcome: outcome.into(),
            drop_connection: false,
        }
    }

    pub(crate) fn json(status: StatusCode, v: &serde_json::Value) -> Self {
        Self {
            status,
            content_type: "application/json; charset=utf-8",
            body: Bytes::from(v.to_string()),
            outcome: status.as_u16().to_string(),
            drop_connection: false,
        }
    }

    pub(crate) fn text(
        status: StatusCode,
        content_type: &'static str,
        body: impl Into<Bytes>,
        outcome: impl Into<String>,
    ) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            outcome: outcome.into(),
            drop_connection: false,
        }
    }

    /// The answer of a failing gateway: HTTP 502 with an HTML page.
    pub(crate) fn html_502() -> Self {
        Self::text(
            StatusCode::BAD_GATEWAY,
            "text/html; charset=utf-8",
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>stgw</center>\r\n</body>\r\n</html>\r\n",
            "fault: html 502",
        )
    }

    /// The answer when the data dir could not be written: the change is not
    /// stored, so the answer it would have given is withheld.
    pub(crate) fn not_stored(why: &str) -> Self {
        Self::text(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            format!(
                "wxpay-mock: the data dir could not be written ({why}); this request's answer is withheld because its change is not stored. Fix the disk and restart the mock.\n"
            ),
            "503 data dir write failed",
        )
    }

    pub(crate) fn dropped() -> Self {
        let mut r = Self::text(
            StatusCode::OK,
            "text/plain",
            Bytes::new(),
            "fault: connection dropped",
        );
        r.drop_connection = true;
        r
    }

    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let mut resp = Response::new(Full::new(self.body));
        *resp.status_mut() = self.status;
        let h = resp.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        h.insert(
            "x-mock-server-version",
            HeaderValue::from_static(VERSION_HEADER),
        );
        resp
    }
}

/// The body of a request, read under the size limit.
pub(crate) enum ReadBody {
    Ok(Bytes),
    TooLarge,
    Failed(String),
}

pub(crate) async fn read_body<B>(req: Request<B>, limit: usize) -> ReadBody
where
    B: Body,
    B::Error: Into<Box<dyn core::error::Error + Send + Sync>>,
{
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = core::pin::pin!(req.into_body());
    if declared.is_some_and(|n| n > limit as u64) {
        // Read (and drop) what the client sends so that it sees the answer
        // instead of a reset connection; give up past a hard cap.
        drain(body.as_mut()).await;
        return ReadBody::TooLarge;
    }
    let collect = Limited::new(body.as_mut(), limit).collect();
    match tokio::time::timeout(BODY_TIMEOUT, collect).await {
        Ok(Ok(b)) => ReadBody::Ok(b.to_bytes()),
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                drain(body.as_mut()).await;
                ReadBody::TooLarge
            } else {
                ReadBody::Failed(e.to_string())
            }
        }
        Err(_) => ReadBody::Failed(format!(
            "the body did not arrive within {} s",
            BODY_TIMEOUT.as_secs()
        )),
    }
}

/// Discards the rest of a body: at most 64 MiB, for at most the body timeout.
async fn drain<B: Body>(mut body: core::pin::Pin<&mut B>) {
    const CAP: usize = 64 << 20;
    let discard = async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                seen += bytes::Buf::remaining(&data);
                if seen > CAP {
                    break;
                }
            }
        }
    };
    let _ = tokio::time::timeout(BODY_TIMEOUT, discard).await;
}

/// Decodes an `application/x-www-form-urlencoded` query (the first of
/// repeated names wins; a bad `%` escape is kept as written).
pub(crate) fn parse_query(q: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        let q =
            parse_query("appid=wx1&secret=a%2Bb&js_code=c+d&x=%zz&grant_type=authorization_code");
        assert_eq!(q["secret"], "a+b");
        assert_eq!(q["js_code"], "c d");
        assert_eq!(q["x"], "%zz");
    }
}
