//! The one outbound HTTP client: a single HTTP/1.1 `POST` of an XML body to
//! an `http://` URL, its answer read under a size limit. The notifier
//! delivers notifies with it and the attack kit sends its cases with it;
//! each words the errors for its own readers.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The most of an answer that is read (the rest is refused).
pub(crate) const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Where a `POST` failed before a complete answer.
#[derive(Debug)]
pub(crate) enum PostError {
    /// No TCP connection.
    Connect(std::io::Error),
    /// The HTTP handshake, or building the request, failed.
    Handshake(String),
    /// The request could not be sent or no answer head came back.
    Send(String),
    /// The answer's body could not be read (or passed the size limit).
    Read(String),
}

/// POSTs `body` as `text/xml` to `uri` (`http://` only: the caller checks
/// the scheme) and returns the status and the answer's body.
///
/// # Errors
/// Where the exchange failed (see [`PostError`]).
pub(crate) async fn post_xml(
    uri: &hyper::Uri,
    body: Bytes,
    user_agent: &'static str,
) -> Result<(u16, Bytes), PostError> {
    let host = uri.host().unwrap_or_default();
    let port = uri.port_u16().unwrap_or(80);
    let connect_host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((connect_host, port))
        .await
        .map_err(PostError::Connect)?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| PostError::Handshake(e.to_string()))?;
    let conn = tokio::spawn(conn);
    let path = uri
        .path_and_query()
        .map_or("/", hyper::http::uri::PathAndQuery::as_str);
    let authority = uri
        .authority()
        .map_or(host, hyper::http::uri::Authority::as_str);
    let result = async {
        let req = Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::CONTENT_TYPE, "text/xml")
            .header(hyper::header::USER_AGENT, user_agent)
            .body(Full::new(body))
            .map_err(|e| PostError::Handshake(e.to_string()))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| PostError::Send(e.to_string()))?;
        let status = resp.status().as_u16();
        let reply = Limited::new(resp.into_body(), MAX_REPLY_BYTES)
            .collect()
            .await
            .map_err(|e| PostError::Read(e.to_string()))?
            .to_bytes();
        Ok((status, reply))
    }
    .await;
    conn.abort();
    result
}
