//! A TCP proxy between the application and PostgreSQL or RabbitMQ, which a test can freeze (bytes
//! stop flowing both ways, new connections hang: a server that hangs) or close (connections drop
//! and new ones are refused: a server that is gone).

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Frozen,
    Closed,
}

#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    state: watch::Sender<State>,
}

impl Proxy {
    /// Listens on a free local port and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("address");
        let (state, watcher) = watch::channel(State::Open);
        tokio::spawn(async move {
            let mut closed = watcher.clone();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else { return };
                        tokio::spawn(forward(client, upstream, watcher.clone()));
                    }
                    // Dropping the listener: new connections are refused.
                    _ = closed.wait_for(|s| *s == State::Closed) => return,
                }
            }
        });
        Self { addr, state }
    }

    /// A proxy in front of the server `url` names (`scheme://user@host:port/...`).
    pub async fn in_front_of(url: &str) -> Self {
        let (at, end) = authority(url);
        let host = &url[at..end];
        let upstream = tokio::net::lookup_host(host).await.ok().and_then(|mut a| a.next());
        Self::start(upstream.unwrap_or_else(|| panic!("no host:port in {url}"))).await
    }

    /// `url` with its `host:port` replaced by the proxy's address.
    pub fn url(&self, url: &str) -> String {
        let (at, end) = authority(url);
        format!("{}{}{}", &url[..at], self.addr, &url[end..])
    }

    pub fn freeze(&self) {
        self.state.send_replace(State::Frozen);
    }

    pub fn thaw(&self) {
        self.state.send_replace(State::Open);
    }

    pub fn close(&self) {
        self.state.send_replace(State::Closed);
    }
}

/// Where `host:port` starts and ends in `url`.
fn authority(url: &str) -> (usize, usize) {
    let at = url.find('@').map_or_else(|| url.find("://").map_or(0, |i| i + 3), |i| i + 1);
    let end = url[at..].find('/').map_or(url.len(), |i| at + i);
    (at, end)
}

async fn forward(client: TcpStream, upstream: SocketAddr, state: watch::Receiver<State>) {
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    tokio::join!(pipe(cr, sw, state.clone()), pipe(sr, cw, state));
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut state: watch::Receiver<State>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Frozen: hold on to what arrives; closed: drop both sockets.
        let n = tokio::select! {
            read = from.read(&mut buf) => match read { Ok(0) | Err(_) => return, Ok(n) => n },
            _ = state.wait_for(|s| *s == State::Closed) => return,
        };
        match state.wait_for(|s| *s != State::Frozen).await {
            Ok(s) if *s == State::Open => {}
            _ => return,
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
