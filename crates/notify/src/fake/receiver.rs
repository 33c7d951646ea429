//! A fake webhook receiver (feature `fake`): a real HTTP server on localhost that checks a
//! delivery the way a client application's receiver should (the signature recomputed over the
//! timestamp and the body as received, the timestamp within five minutes, the headers present)
//! and counts what it accepts: each delivery id once, a repeat counted apart. It can be set to
//! answer 503 (down) or 410 (gone for good).

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

use crate::sign::webhook::signature;
use crate::webhook::{DELIVERY, EVENT, SIGNATURE, TIMESTAMP};

/// A delivery the receiver accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Hooked {
    pub delivery: String,
    pub event: String,
    pub body: Value,
}

/// What the receiver answers next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverMode {
    Up,
    /// 503.
    Down,
    /// 410 Gone.
    Gone,
}

#[derive(Debug)]
struct Ledger {
    secret: String,
    mode: ReceiverMode,
    accepted: Vec<Hooked>,
    seen: HashSet<String>,
    repeats: usize,
    rejected: Vec<String>,
    /// Calls answered while down or gone.
    refused: usize,
}

/// A running receiver.
#[derive(Debug, Clone)]
pub struct FakeReceiver {
    pub addr: SocketAddr,
    state: Arc<Mutex<Ledger>>,
}

impl FakeReceiver {
    /// Starts a receiver on a free port; it takes deliveries signed with `secret` (`set_secret`
    /// when the secret is issued after the URL is known).
    pub async fn start(secret: &str) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(Ledger {
            secret: secret.to_owned(),
            mode: ReceiverMode::Up,
            accepted: Vec::new(),
            seen: HashSet::new(),
            repeats: 0,
            rejected: Vec::new(),
            refused: 0,
        }));
        let app = axum::Router::new().route("/hook", post(receive)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    pub fn set_secret(&self, secret: &str) {
        self.with(|l| secret.clone_into(&mut l.secret));
    }

    pub fn set_mode(&self, mode: ReceiverMode) {
        self.with(|l| l.mode = mode);
    }

    /// The deliveries accepted, each once, in order.
    pub fn accepted(&self) -> Vec<Hooked> {
        self.with(|l| l.accepted.clone())
    }

    /// Deliveries that came again after being accepted (a retry after a lost answer).
    pub fn repeats(&self) -> usize {
        self.with(|l| l.repeats)
    }

    /// Why calls were refused (a bad signature, a stale timestamp, a missing header).
    pub fn rejected(&self) -> Vec<String> {
        self.with(|l| l.rejected.clone())
    }

    /// Calls answered 503 or 410.
    pub fn refused(&self) -> usize {
        self.with(|l| l.refused)
    }
}

async fn receive(State(state): State<Arc<Mutex<Ledger>>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut l = state.lock().unwrap_or_else(PoisonError::into_inner);
    match l.mode {
        ReceiverMode::Up => {}
        ReceiverMode::Down => {
            l.refused += 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        ReceiverMode::Gone => {
            l.refused += 1;
            return StatusCode::GONE;
        }
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (Some(event), Some(delivery), Some(ts), Some(sig)) =
        (header(EVENT), header(DELIVERY), header(TIMESTAMP), header(SIGNATURE))
    else {
        l.rejected.push("missing header".to_owned());
        return StatusCode::BAD_REQUEST;
    };
    let Ok(ts) = ts.parse::<i64>() else {
        l.rejected.push("timestamp not a number".to_owned());
        return StatusCode::BAD_REQUEST;
    };
    if (chrono::Utc::now().timestamp() - ts).abs() > 300 {
        l.rejected.push("stale timestamp".to_owned());
        return StatusCode::UNAUTHORIZED;
    }
    if signature(l.secret.as_bytes(), ts, &body) != sig {
        l.rejected.push("bad signature".to_owned());
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        l.rejected.push("body not JSON".to_owned());
        return StatusCode::BAD_REQUEST;
    };
    if json["id"].as_str() != Some(delivery.as_str()) || json["topic"].as_str() != Some(event.as_str()) {
        l.rejected.push("headers and body disagree".to_owned());
        return StatusCode::BAD_REQUEST;
    }
    if l.seen.insert(delivery.clone()) {
        l.accepted.push(Hooked { delivery, event, body: json });
    } else {
        l.repeats += 1;
    }
    StatusCode::NO_CONTENT
}
