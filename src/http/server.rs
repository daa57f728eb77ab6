//! The connection layer: accepts TCP connections and serves HTTP/1.1 on them with hyper,
//! bounding what `axum::serve` leaves open: how long a request head may take, how long
//! a kept-alive or silent connection stays, and how many connections are open at once.
//!
//! - Header read: hyper's `header_read_timeout`; its clock starts when the connection is
//!   ready for a request (accepted, or done with the previous response), so a client that
//!   sends nothing or trickles its head is closed when it runs out.
//! - Keep-alive: after a response, the next request must start within the keep-alive
//!   timeout (and its head finish within the header-read timeout).
//! - Idle: no byte read or written for the idle timeout closes the connection (a trickled
//!   body, a client that stops reading its response). It is kept above the request
//!   timeout, so a request still running is answered (504) before it would apply.
//! - Connections: beyond the cap, a new connection is answered 503 and closed; a
//!   WebSocket holds its place until it closes. The timeouts above end when a connection
//!   is upgraded to a WebSocket, whose protocol has its own (`ws.rs`).
//!
//! Nothing here knows GraphQL.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::ConnLimits;

/// When a connection last read, last wrote and last finished a request, in milliseconds
/// since it was accepted (atomics: the socket and the service touch it from one task,
/// the watchdog reads it).
struct Activity {
    accepted: Instant,
    last_read: AtomicU64,
    last_write: AtomicU64,
    last_done: AtomicU64,
    in_flight: AtomicUsize,
    served: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            accepted: Instant::now(),
            last_read: AtomicU64::new(0),
            last_write: AtomicU64::new(0),
            last_done: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            served: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Why the connection should be closed now, if it should.
    fn overdue(&self, limits: &ConnLimits) -> Option<&'static str> {
        let now = self.now();
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let last_io = self.last_read.load(Ordering::Relaxed).max(self.last_write.load(Ordering::Relaxed));
        if now.saturating_sub(last_io) > ms(limits.idle_timeout) {
            return Some("idle");
        }
        let done = self.last_done.load(Ordering::Relaxed);
        let waiting = self.in_flight.load(Ordering::Relaxed) == 0
            && self.served.load(Ordering::Relaxed) > 0
            && self.last_read.load(Ordering::Relaxed) <= done;
        if waiting && now.saturating_sub(done) > ms(limits.keep_alive_timeout) {
            return Some("keep-alive");
        }
        None
    }
}

/// A response whose length is not known in advance (an export streamed page by page)
/// keeps its request counted as running until its body is sent: otherwise the keep-alive
/// watchdog would see an idle connection after the handler returned and cut the body off.
/// A body of known length is written at once; its request ends with the handler.
fn in_flight_until_sent(r: axum::response::Response, flight: InFlight) -> axum::response::Response {
    use axum::body::HttpBody;
    if r.body().size_hint().exact().is_some() {
        return r;
    }
    r.map(|body| {
        Body::from_stream(futures_util::StreamExt::map(body.into_data_stream(), move |chunk| {
            let _running = &flight;
            chunk
        }))
    })
}

/// Counts a request as running while it is alive.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn enter(a: &Arc<Activity>) -> Self {
        a.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(a.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.last_done.store(self.0.now(), Ordering::Relaxed);
        self.0.served.fetch_add(1, Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, noting every byte that moves, and holding the connection's place under
/// the cap for as long as it lives (also inside an upgraded WebSocket).
struct Tracked {
    io: TcpStream,
    activity: Arc<Activity>,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Tracked {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let now = self.activity.now();
            self.activity.last_read.store(now, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            let now = self.activity.now();
            self.activity.last_write.store(now, Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            let now = self.activity.now();
            self.activity.last_write.store(now, Ordering::Relaxed);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then closes the listener (new
/// connections are refused by the kernel, not left waiting in its backlog), lets every
/// connection finish the request it is serving (hyper's graceful shutdown: no new request
/// is read on it) and waits up to `limits.shutdown_grace` for them. Requests carry
/// `ConnectInfo<SocketAddr>` like `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let places = Arc::new(Semaphore::new(limits.max_connections));
    let (close_tx, close_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        match places.clone().try_acquire_owned() {
            Ok(permit) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, remote, router.clone(), limits.clone(), permit, close_rx.clone()));
            }
            Err(_) => {
                tokio::spawn(refuse(stream));
            }
        }
    }
    drop(listener);
    let _ = close_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, places.acquire_many(all)).await.is_err() {
        tracing::warn!(grace = ?limits.shutdown_grace, "connections still open after the shutdown grace: closing them");
    }
    Ok(())
}

/// The answer to a connection over the cap.
async fn refuse(mut stream: TcpStream) {
    let body = serde_json::json!({ "errors": [{
        "message": "too many open connections: retry shortly",
        "extensions": { "code": crate::error::code::RATE_LIMITED },
    }] })
    .to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nx-content-type-options: nosniff\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// How often the watchdog looks: a quarter of the shortest timeout, within 10 ms..1 s.
fn watch_every(limits: &ConnLimits) -> Duration {
    (limits.keep_alive_timeout.min(limits.idle_timeout) / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
}

async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    limits: ConnLimits,
    permit: OwnedSemaphorePermit,
    mut close_rx: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked { io: stream, activity: activity.clone(), _permit: permit });
    let on_request = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let router = router.clone();
        let flight = InFlight::enter(&on_request);
        async move {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(remote));
            let resp = router.oneshot(req).await;
            Ok::<_, Infallible>(match resp {
                Ok(r) => in_flight_until_sent(r, flight),
                Err(never) => match never {},
            })
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    let conn = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(conn);
    let mut watchdog = tokio::time::interval(watch_every(&limits));
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closing = false;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(%remote, error = %e, "connection ended");
                }
                break;
            }
            changed = close_rx.changed(), if !closing => {
                let _ = changed;
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = watchdog.tick() => {
                if let Some(reason) = activity.overdue(&limits) {
                    tracing::debug!(%remote, reason, "closing connection");
                    break;
                }
            }
        }
    }
}
