//! Sending a `Call` over HTTPS and reading the answer as an `Outcome`: the only IO of this crate's
//! gateways. A connection that fails, or an answer that does not come in time, is retried later
//! (the gateway may or may not have taken the message: its idempotency key, where it has one,
//! and our reference keep a second try from counting twice).

use std::time::Duration;

use crate::call::{Call, Outcome};

/// Why an HTTP client could not be built (its TLS roots would not load).
pub type HttpError = reqwest::Error;

/// How long one call may take before it counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client for the gateways: rustls, a timeout per call, no redirects (a gateway never
/// sends one; following it would send the signed request elsewhere).
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    builder().build()
}

/// `client`'s settings, for a client that adds its own (the webhooks' resolver).
pub fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().timeout(TIMEOUT).redirect(reqwest::redirect::Policy::none())
}

/// Sends `call`; `read` turns the gateway's answer (status, body) into the outcome.
pub async fn send(http: &reqwest::Client, call: &Call, read: fn(u16, &[u8]) -> Outcome) -> Outcome {
    match exchange(http, call).await {
        Ok((status, body)) => read(status, &body),
        Err(failed) => failed,
    }
}

/// Sends `call` and answers the gateway's status and body, or, when no answer came, the retry
/// that stands for it. The error never names the URL (a WeChat call carries its access token
/// there), only what failed.
pub async fn exchange(http: &reqwest::Client, call: &Call) -> Result<(u16, Vec<u8>), Outcome> {
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut request = http.request(method, &call.url).body(call.body.clone());
    for (k, v) in &call.headers {
        // reqwest sets Host from the URL; sending it again would duplicate it.
        if !k.eq_ignore_ascii_case("host") {
            request = request.header(k, v);
        }
    }
    let retry = |code: &str| Outcome::Retry { code: code.to_owned() };
    match request.send().await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            match answer.bytes().await {
                Ok(body) => Ok((status, body.to_vec())),
                Err(_) => Err(retry("answer_unreadable")),
            }
        }
        Err(e) if e.is_timeout() => Err(retry("timeout")),
        Err(_) => Err(retry("unreachable")),
    }
}
