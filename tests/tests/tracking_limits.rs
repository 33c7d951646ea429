//! Guessing on the tracking page, over HTTP: failures count against the tracking number and
//! against the client's address (the peer's, or the one a proxy on this host names), and on
//! PostgreSQL the counts hold across intake processes (issue 11, item 6).

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::ids::TrackingNumber;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use reqwest::multipart::Form;

jiesu_e2e::e2e_on_both_backends!(
    a_wrong_digit_flood_from_one_address_is_refused_for_other_numbers_too,
    the_21st_wrong_lookup_in_a_minute_from_one_client_is_refused,
);

/// Reports a request with phone 138 1234 5678 and returns its tracking number once stored.
async fn reported(base: &str) -> String {
    let form = Form::new()
        .text("form_token", "limits-1")
        .text("lang", "zh")
        .text("category", "010101")
        .text("kind", "help")
        .text("description", "路灯不亮")
        .text("address", "坑梓街道秀新路")
        .text("phone", "13812345678");
    let page = reqwest::Client::new()
        .post(format!("{base}/requests"))
        .multipart(form)
        .send()
        .await
        .expect("POST")
        .text()
        .await
        .expect("page");
    let tracking =
        page.split("id=\"tracking\">").nth(1).map(|s| s[..14].replace('-', "")).expect("a tracking number");
    Open311Client::new(base, "").wait_for(&tracking, Duration::from_secs(10)).await;
    tracking
}

/// Looks a number up on the tracking page, as `client` behind a proxy on this host, or as the
/// test's own address when `None`.
async fn look(base: &str, number: &str, digits: &str, client: Option<&str>) -> StatusCode {
    let mut post =
        reqwest::Client::new().post(format!("{base}/track")).form(&[("n", number), ("last4", digits)]);
    if let Some(c) = client {
        post = post.header("x-forwarded-for", c);
    }
    post.send().await.expect("POST").status()
}

fn guessed(i: u32) -> String {
    TrackingNumber::for_key(&jiesu_domain::secret::test_key(), "test", "guessing", &i.to_string())
        .as_str()
        .to_owned()
}

async fn a_wrong_digit_flood_from_one_address_is_refused_for_other_numbers_too(backend: Backend) {
    let app = backend
        .start_with(Roles::ALL, |s| {
            s.web.track_failures_per_address = 4;
            s.web.track_failures_per_number = 5;
        })
        .await;
    let tracking = reported(&app.base).await;
    // One address, four numbers, one wrong guess each: no number is near its own limit.
    for i in 0..4 {
        assert_eq!(look(&app.base, &guessed(i), "0000", None).await, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        look(&app.base, &tracking, "5678", None).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing address is refused, even for a number it never tried"
    );
    assert_eq!(
        look(&app.base, &tracking, "5678", Some("203.0.113.9")).await,
        StatusCode::OK,
        "another client (named by a proxy on this host) is served"
    );
    app.stop().await;
}

/// With the shipped limits: one client enumerating numbers (a new number each time, so no
/// number's own limit is reached) gets twenty answers, then is refused; another client is not.
async fn the_21st_wrong_lookup_in_a_minute_from_one_client_is_refused(backend: Backend) {
    let app = backend.start(Roles::ALL).await;
    let client = Some("198.51.100.77");
    for i in 0..20 {
        assert_eq!(
            look(&app.base, &guessed(i), "0000", client).await,
            StatusCode::NOT_FOUND,
            "lookup {}",
            i + 1
        );
    }
    assert_eq!(
        look(&app.base, &guessed(20), "0000", client).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the 21st"
    );
    assert_eq!(
        look(&app.base, &guessed(21), "0000", Some("198.51.100.78")).await,
        StatusCode::NOT_FOUND,
        "another client is answered"
    );
    app.stop().await;
}

/// Two intake processes on one PostgreSQL database: the failures one counts lock the number on
/// the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_number_locked_through_one_intake_process_is_locked_on_another() {
    let backend = Backend::at_scale().await;
    let first = backend.start(Roles::ALL).await;
    let second =
        backend.start(Roles { dispatch: false, relay: false, escalation: false, ..Roles::ALL }).await;
    let tracking = reported(&first.base).await;
    // Five wrong guesses from five addresses, alternating between the processes.
    for i in 0..5u8 {
        let base = if i % 2 == 0 { &first.base } else { &second.base };
        let client = format!("198.51.100.{i}");
        assert_eq!(look(base, &tracking, "0000", Some(&client)).await, StatusCode::NOT_FOUND);
    }
    for base in [&first.base, &second.base] {
        assert_eq!(
            look(base, &tracking, "5678", Some("198.51.100.200")).await,
            StatusCode::TOO_MANY_REQUESTS,
            "locked on both, even for the right digits"
        );
    }
    second.stop().await;
    first.stop().await;
}
