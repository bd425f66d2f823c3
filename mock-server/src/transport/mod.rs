//! The transport layer: TCP listeners, the hyper service, graceful
//! shutdown, durability before answering, the request log line, and
//! [`MockServer`] for tests. Every request goes to `routes`. A TLS listener
//! or an intercepting proxy belongs here.

use core::future::Future;
use core::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::Config;
use crate::domain::App;
use crate::routes::handle;
use crate::wire::Reply;

/// How long graceful shutdown waits for open connections.
const SHUTDOWN_GRACE: core::time::Duration = core::time::Duration::from_secs(5);

/// The connection is closed without an answer (a `drop` fault).
#[derive(Debug)]
struct Dropped;

impl core::fmt::Display for Dropped {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl core::error::Error for Dropped {}

async fn service(
    app: Arc<App>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let started = Instant::now();
    let method = req.method().clone();
    // The path only: query strings may carry an AppSecret (jscode2session).
    let path = req.uri().path().to_owned();
    let mut reply = handle(Arc::clone(&app), &path, req).await;
    // With a data dir: nothing is answered before it is on disk.
    if let Err(why) = app.durable().await {
        reply = Reply::not_stored(&why);
    }
    tracing::info!(
        target: "wxpay_mock::request",
        "{peer} {method} {path} -> {} {} ({} us)",
        reply.status.as_u16(),
        reply.outcome,
        started.elapsed().as_micros()
    );
    if reply.drop_connection {
        return Err(Dropped);
    }
    Ok(reply.into_response())
}

/// Serves on `listener` until `shutdown` completes, then stops accepting,
/// lets open connections finish (up to 5 s) and stops notify delivery.
///
/// With `config.data_dir`, the state is first read back from it (pending
/// notifications resume) and every change is stored before it is answered.
///
/// # Errors
/// When the data dir cannot be opened or read (nothing is served then).
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    Server::open(config)?.serve(listener, shutdown).await;
    Ok(())
}

/// A server whose state is ready (read back from the data dir, if one is
/// configured) but which does not serve yet: open it before announcing the
/// address, so that a data dir in use fails before anyone connects.
pub struct Server {
    app: Arc<App>,
}

impl core::fmt::Debug for Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("data_dir", &self.app.config.data_dir)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Opens the state for `config`.
    ///
    /// # Errors
    /// When the data dir cannot be opened or read; the message names it.
    pub fn open(config: Config) -> std::io::Result<Self> {
        App::open(config)
            .map(|app| Self { app })
            .map_err(std::io::Error::other)
    }

    /// Serves on `listener` until `shutdown` completes (see [`run`]).
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        serve_then_close(listener, self.app, shutdown).await;
    }
}

/// Serves, then closes the journal (committing what is queued and
/// releasing the data dir).
async fn serve_then_close(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) {
    serve(listener, Arc::clone(&app), shutdown).await;
    if let Some(j) = &app.journal {
        j.close();
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) {
    let engine = tokio::spawn(Arc::clone(&app).engine());
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    // No header-read timeout: hyper would arm a timer for every request on
    // a keep-alive connection, and an idle client only holds its own socket.
    http.keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(core::time::Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = Arc::clone(&app);
                let svc = service_fn(move |req| service(Arc::clone(&app), req, peer));
                let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), svc));
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!("connection from {peer}: {e}");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = app.stop.send(true);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}; closing them");
        }
    }
    engine.abort();
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => core::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = core::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// A mock server running in-process on its own thread, for tests — like the
/// `wiremock` crate's `MockServer`. It binds `127.0.0.1` on a free port and
/// stops when dropped.
///
/// ```no_run
/// # async fn demo() {
/// let server = wxpay_mock::MockServer::start().await;
/// let url = format!("{}/pay/unifiedorder", server.uri());
/// # let _ = url;
/// # }
/// ```
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    uri: String,
    stop: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Receiver<()>>,
}

impl MockServer {
    /// Starts a server with the default configuration (the built-in
    /// merchant, default switches).
    ///
    /// # Panics
    /// If no port can be bound on 127.0.0.1 or no thread can be spawned.
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    /// Starts a server with a configuration. `host` and `port` are
    /// ignored: it always binds `127.0.0.1:0`.
    ///
    /// # Panics
    /// If no port can be bound on 127.0.0.1, no thread can be spawned, or
    /// the configured data dir cannot be opened.
    pub async fn start_with(config: Config) -> Self {
        match Self::try_start_with(config).await {
            Ok(s) => s,
            Err(e) => panic!("wxpay-mock: cannot start the mock server: {e}"),
        }
    }

    /// Like [`MockServer::start_with`], returning errors instead of panicking.
    ///
    /// # Errors
    /// When no port can be bound, no thread or runtime can be created, or
    /// the configured data dir cannot be opened.
    pub async fn try_start_with(config: Config) -> std::io::Result<Self> {
        let (addr_tx, addr_rx) = oneshot::channel::<std::io::Result<SocketAddr>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("wxpay-mock".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = addr_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match TcpListener::bind(("127.0.0.1", 0)).await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = addr_tx.send(Err(e));
                            return;
                        }
                    };
                    let addr = match listener.local_addr() {
                        Ok(a) => a,
                        Err(e) => {
                            let _ = addr_tx.send(Err(e));
                            return;
                        }
                    };
                    let app = match App::open(config) {
                        Ok(a) => a,
                        Err(e) => {
                            let _ = addr_tx.send(Err(std::io::Error::other(e)));
                            return;
                        }
                    };
                    let _ = addr_tx.send(Ok(addr));
                    serve_then_close(listener, app, async {
                        let _ = stop_rx.await;
                    })
                    .await;
                });
                let _ = done_tx.send(());
            })?;
        let addr = addr_rx
            .await
            .map_err(|_| std::io::Error::other("the server thread ended before binding"))??;
        Ok(Self {
            addr,
            uri: format!("http://{addr}"),
            stop: Some(stop_tx),
            done: Some(done_rx),
        })
    }

    /// Stops the server and waits until it has: open connections are
    /// finished (up to 5 s) and, with a data dir, everything is on disk and
    /// the directory is free for another server. Dropping a `MockServer`
    /// stops it without waiting.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The bound address.
    #[must_use]
    pub fn address(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
