//! Login hardening over HTTP, on both backends: a stranger failing a staff member's password locks
//! out only the stranger's address, an address that floods the login is answered 429 before any
//! password is checked, and `X-Forwarded-For` counts only from a trusted proxy.
//!
//! Every address of 127.0.0.0/8 is this machine's, so clients bound to 127.0.0.2, .3, ... are
//! distinct addresses to the server without leaving loopback.

use std::net::IpAddr;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::Backend;
use jiesu_e2e::staff::PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    a_stranger_failing_a_password_from_one_address_does_not_stop_the_owner_from_another,
    an_address_that_floods_the_login_gets_429_and_other_addresses_do_not,
    x_forwarded_for_names_the_client_only_behind_a_trusted_proxy,
);

/// An HTTP client whose connections come from `127.0.0.<last>`.
fn from(last: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::from([127, 0, 0, last])).build().expect("HTTP client")
}

async fn login(http: &reqwest::Client, base: &str, username: &str, password: &str) -> reqwest::Response {
    http.post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("POST login")
}

async fn code(resp: reqwest::Response) -> (StatusCode, String) {
    let status = resp.status();
    let body: Value = resp.json().await.expect("JSON");
    (status, body["error"]["code"].as_str().unwrap_or("").to_owned())
}

async fn a_stranger_failing_a_password_from_one_address_does_not_stop_the_owner_from_another(
    backend: Backend,
) {
    backend.add_staff("li.lei", StaffRole::BureauStaff, Some("water")).await;
    let app = backend.start(Roles::ALL).await;
    let (stranger, owner) = (from(66), from(7));
    for attempt in 1..=4 {
        let r = login(&stranger, &app.base, "li.lei", &format!("guess number {attempt}")).await;
        assert_eq!(code(r).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()), "{attempt}");
    }
    let fifth = login(&stranger, &app.base, "li.lei", "guess number 5").await;
    assert_eq!(code(fifth).await, (StatusCode::LOCKED, "account_locked".into()));
    // The stranger keeps trying: still locked, then throttled; never a longer lock for anyone else.
    for _ in 0..10 {
        let status = login(&stranger, &app.base, "li.lei", "another guess").await.status();
        assert!([StatusCode::LOCKED, StatusCode::TOO_MANY_REQUESTS].contains(&status), "{status}");
    }
    let r = login(&owner, &app.base, "li.lei", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK, "the owner signs in from their own address at once");
    // The owner mistyping once from their own address is one failure of theirs, not a lock.
    let typo = login(&owner, &app.base, "li.lei", "correct horse batery").await;
    assert_eq!(code(typo).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    app.stop().await;
}

async fn an_address_that_floods_the_login_gets_429_and_other_addresses_do_not(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let flooder = from(99);
    // The default quota: 10 a minute per address.
    for n in 0..10 {
        let r = login(&flooder, &app.base, &format!("made.up.{n}"), PASSWORD).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{n}");
    }
    let refused = login(&flooder, &app.base, "made.up.10", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=6).contains(&wait), "one attempt refills every 6 s: {wait}");
    assert_eq!(code(refused).await.1, "too_many_attempts");
    let other = login(&from(98), &app.base, "made.up.10", PASSWORD).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED, "another address is not throttled");
    app.stop().await;
}

async fn x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(backend: Backend) {
    let forwarded = |http: &reqwest::Client, base: &str, n: u32| {
        http.post(format!("{base}/api/v1/auth/login"))
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .json(&json!({ "username": format!("made.up.{n}"), "password": PASSWORD }))
            .send()
    };
    // Not trusted (the default): the header changes nothing, the peer is throttled.
    let app = backend.start(Roles::ALL).await;
    let http = from(50);
    let mut statuses = Vec::new();
    for n in 0..12 {
        statuses.push(forwarded(&http, &app.base, n).await.expect("POST").status());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 2, "{statuses:?}");
    app.stop().await;
    // The peer is a trusted proxy: each forwarded address is its own client.
    let proxy: IpAddr = [127, 0, 0, 51].into();
    let app = backend.start_with(Roles::ALL, |s| s.auth.trusted_proxies = vec![proxy]).await;
    let http = from(51);
    for n in 0..12 {
        let status = forwarded(&http, &app.base, n).await.expect("POST").status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{n}");
    }
    app.stop().await;
}
