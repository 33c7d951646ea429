//! The HTTP server's accept loop: ours, not `axum::serve`, because of what a load test showed
//! (issue 11, item 5). 1,100 sockets that sent half a request header and then nothing held 1,100
//! descriptors for as long as they liked; under the default limit of 1,024 descriptors every other
//! client was starved, and the district reload could not open its files (EMFILE). `axum::serve`
//! has no header-read deadline, no idle deadline and no connection cap. Here:
//!
//! - a request's head must arrive within `server.header_read_timeout_secs` of the connection
//!   opening (or of its first byte, for the next request on a kept-alive connection);
//! - a kept-alive connection with no request in flight and no bytes moving for
//!   `server.idle_timeout_secs` is closed;
//! - at most `server.max_connections` connections are open at once. A permit is taken *before*
//!   accepting, so clients beyond the cap wait in the kernel's backlog, where they hold no
//!   descriptor of ours. At start-up the cap is checked against RLIMIT_NOFILE and lowered, with a
//!   warning, when it would not leave room for the database pool, the district's files and the
//!   reload;
//! - an accept that fails for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM)
//!   pauses briefly and tries again: the server never stops accepting;
//! - on shutdown it stops accepting, lets every request in flight finish, then closes.
//!
//! HTTP/1.1 only (hyper's `http1`): the service sits behind a reverse proxy, and a cleartext
//! HTTP/2 connection could not be held to a header deadline. Handlers may take the client's
//! address with `axum::extract::ConnectInfo<SocketAddr>`.

mod connection;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Descriptors kept free beyond the database pool: the district's files during a reload, the log,
/// the SQLite files and their WAL, the broker's socket, the runtime's own (epoll, signals).
pub const HEADROOM: u64 = 128;

/// How long an accept that failed for lack of resources waits before the next try.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// The deadlines and the cap the server holds connections to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// The connection cap to use: `requested`, unless this process's descriptor limit
/// (RLIMIT_NOFILE) does not leave `HEADROOM` plus `pool` descriptors beside it; then as many as
/// fit (at least one), with a warning saying how to raise the limit.
pub fn connection_cap(requested: usize, pool: u32) -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    cap_within(requested, pool, limit)
}

fn cap_within(requested: usize, pool: u32, limit: Option<u64>) -> usize {
    let requested = requested.max(1);
    // `None`: no limit at all.
    let Some(limit) = limit else { return requested };
    let reserved = HEADROOM + u64::from(pool);
    let fits = usize::try_from(limit.saturating_sub(reserved)).unwrap_or(usize::MAX).max(1);
    if requested > fits {
        tracing::warn!(
            max_connections = requested,
            nofile_limit = limit,
            reserved,
            using = fits,
            "server.max_connections does not fit under the open-file limit; lowered (raise LimitNOFILE, or ulimit -n)"
        );
        return fits;
    }
    requested
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then waits for the connections to
/// finish what they are doing. Never returns early: accept errors are waited out.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: CancellationToken) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let connections = TaskTracker::new();
    let mut failing = Failing::default();
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break, // never closed
            },
        };
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                failing.recovered();
                // Responses are written whole; waiting for more bytes to fill a packet only adds delay.
                let _ = stream.set_nodelay(true);
                connections.spawn(connection::serve(
                    stream,
                    peer,
                    router.clone(),
                    limits,
                    shutdown.clone(),
                    permit,
                ));
            }
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                failing.failed(&e);
                drop(permit);
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_PAUSE) => {}
                }
            }
        }
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// An error about one client's connection (it went away before we accepted it): the next accept
/// is unaffected.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// A run of failed accepts, logged once when it starts and once when it ends rather than ten times
/// a second.
#[derive(Debug, Default)]
struct Failing {
    count: u64,
}

impl Failing {
    fn failed(&mut self, e: &io::Error) {
        if self.count == 0 {
            let errno = rustix::io::Errno::from_io_error(e);
            let exhausted = errno.is_some_and(|n| {
                use rustix::io::Errno;
                [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM].contains(&n)
            });
            if exhausted {
                tracing::warn!(error = %e, "cannot accept connections: out of descriptors or memory; retrying");
            } else {
                tracing::warn!(error = %e, "cannot accept connections; retrying");
            }
        }
        self.count += 1;
    }

    fn recovered(&mut self) {
        if self.count > 0 {
            tracing::warn!(failed_accepts = self.count, "accepting connections again");
            self.count = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cap_that_leaves_no_headroom_under_the_descriptor_limit_is_lowered() {
        assert_eq!(cap_within(2000, 10, Some(1024)), 1024 - 128 - 10);
        assert_eq!(cap_within(500, 10, Some(1024)), 500, "fits: kept");
        assert_eq!(cap_within(500, 10, None), 500, "no limit: kept");
        assert_eq!(cap_within(500, 10, Some(64)), 1, "never zero");
    }
}
