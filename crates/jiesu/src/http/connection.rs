//! One connection held to its deadlines. hyper's own `header_read_timeout` restarts whenever
//! hyper waits for a head, kept-alive idle time included, so a connection idle for longer than
//! the header deadline would be cut there and a separate idle timeout could never apply. We keep
//! the deadlines ourselves instead, from what the connection does:
//!
//! - waiting for a head (from the accept, or from the first byte after the last request): the head
//!   must be complete within the header deadline;
//! - a request in flight: no deadline here (the router's request timeout bounds the handler);
//! - nothing in flight and no head begun: the idle deadline, from the last byte read or written
//!   (so a response still being written to a slow reader is not idle while it moves).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::Service;

use super::Limits;

/// Serves one connection until the client closes it, a deadline passes or the server shuts down.
/// The permit is the connection's place under the cap: dropped with it.
pub(super) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
    _permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new(Instant::now()));
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let on_request = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let in_flight = InFlight::start(on_request.clone());
        let mut router = router.clone();
        async move {
            let response: Result<axum::response::Response, Infallible> = router.call(request).await;
            drop(in_flight);
            response
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    // Our deadlines replace hyper's (see the module's header).
    http.header_read_timeout(None);
    let conn = http.serve_connection(io, service).with_upgrades();
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        let deadline = activity.deadline(limits);
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = activity.changed.notified() => {}
            () = sleep_until(deadline) => {
                if activity.deadline(limits).is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!("closing a connection past its header or idle deadline");
                    return;
                }
            }
            () = shutdown.cancelled(), if !closing => {
                // Finishes the request in flight, if any, then closes.
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// What the connection is doing, as its deadlines need to know.
#[derive(Debug)]
struct Activity {
    state: Mutex<State>,
    /// Woken when a deadline may have moved earlier (a head began, a request ended).
    changed: Notify,
}

#[derive(Debug)]
struct State {
    in_flight: usize,
    /// When the head now awaited began: the accept for the first request, else its first byte.
    head_since: Option<Instant>,
    /// The last byte read or written, or the last request started or finished.
    last: Instant,
}

impl Activity {
    fn new(now: Instant) -> Self {
        Self {
            state: Mutex::new(State { in_flight: 0, head_since: Some(now), last: now }),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When the connection must be closed if nothing changes; `None` while a request is in flight.
    fn deadline(&self, limits: Limits) -> Option<Instant> {
        let s = self.state();
        if s.in_flight > 0 {
            return None;
        }
        Some(match s.head_since {
            Some(since) => since + limits.header_read_timeout,
            None => s.last + limits.idle_timeout,
        })
    }

    fn read(&self) {
        let now = Instant::now();
        let mut s = self.state();
        s.last = now;
        if s.in_flight == 0 && s.head_since.is_none() {
            s.head_since = Some(now);
            drop(s);
            self.changed.notify_one();
        }
    }

    fn wrote(&self) {
        self.state().last = Instant::now();
    }
}

/// A request between the end of its head and its response: the connection has no deadline then.
#[derive(Debug)]
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> Self {
        let mut s = activity.state();
        s.in_flight += 1;
        s.head_since = None;
        s.last = Instant::now();
        drop(s);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.state();
        s.in_flight = s.in_flight.saturating_sub(1);
        s.last = Instant::now();
        drop(s);
        self.0.changed.notify_one();
    }
}

/// The socket, reporting to `Activity` every read and write that moved bytes.
#[derive(Debug)]
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const LIMITS: Limits = Limits {
        header_read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        max_connections: 1,
    };

    #[test]
    fn a_kept_alive_connection_gets_the_idle_deadline_and_a_new_head_the_header_deadline() {
        let start = Instant::now();
        let a = Arc::new(Activity::new(start));
        assert_eq!(
            a.deadline(LIMITS),
            Some(start + LIMITS.header_read_timeout),
            "first head: from the accept"
        );
        let request = InFlight::start(a.clone());
        assert_eq!(a.deadline(LIMITS), None, "in flight");
        drop(request);
        let idle = a.deadline(LIMITS).expect("a deadline");
        assert!(idle >= start + LIMITS.idle_timeout, "idle, not the header deadline");
        a.read();
        let head = a.deadline(LIMITS).expect("a deadline");
        assert!(head < idle && head >= start + LIMITS.header_read_timeout, "a new head began");
    }
}
