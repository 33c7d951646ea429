//! Fake gateways for the tests (feature `fake`): real HTTP servers on localhost that check
//! what the real services check (the signature recomputed from the request as received, the
//! clock within its window, a nonce used once, the required fields) and count what they accept.
//! They can be switched to answer 503, as a gateway that is down, or to refuse with a code.

mod alibaba;
mod platform;
mod receiver;
mod smtp;
mod tencent;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

pub use alibaba::FakeAlibaba;
pub use platform::{Delivered, FakeWeChat, FakeWeCom, PlatformHandle};
pub use receiver::{FakeReceiver, Hooked, ReceiverMode};
pub use smtp::{FakeSmtp, Mail, SmtpMode};
pub use tencent::FakeTencent;

/// One message a fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub phone: String,
    pub template: String,
    /// The template's parameters as sent (Alibaba's JSON object, Tencent's array).
    pub params: serde_json::Value,
    /// Our reference (OutId, SessionContext).
    pub reference: String,
    /// When the fake accepted it (for the benchmark's latencies).
    pub at: std::time::Instant,
}

/// What a fake answers next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Up,
    /// HTTP 503 with no body: down.
    Down,
    /// Refuses every message with this error code.
    Refuse(String),
}

/// A fake's shared state.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) received: Vec<Received>,
    /// Calls refused for a bad signature, clock or field.
    pub(crate) rejected: Vec<String>,
    pub(crate) nonces: HashSet<String>,
    pub(crate) mode: Mode,
}

#[derive(Debug, Clone)]
pub(crate) struct Shared(pub(crate) Arc<Mutex<State>>);

impl Shared {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(State {
            received: Vec::new(),
            rejected: Vec::new(),
            nonces: HashSet::new(),
            mode: Mode::Up,
        })))
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A running fake: its address, its counts, and its switch.
#[derive(Debug, Clone)]
pub struct Handle {
    pub addr: SocketAddr,
    shared: Shared,
}

impl Handle {
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The messages accepted, in order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.with(|s| s.received.clone())
    }

    /// Why calls were refused (a bad signature, a stale clock, a nonce seen before, a missing field).
    pub fn rejected(&self) -> Vec<String> {
        self.shared.with(|s| s.rejected.clone())
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.with(|s| s.mode = mode);
    }
}

/// Serves `app` on `addr` (port 0: a free one).
pub(crate) async fn serve(app: axum::Router, shared: Shared, addr: SocketAddr) -> std::io::Result<Handle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Handle { addr, shared })
}
