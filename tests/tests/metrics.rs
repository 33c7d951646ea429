//! `/metrics` counts the requests each channel accepted, once the intake queue confirmed them: the
//! per-request log lines are at `debug`, so this counter is how an operator sees the traffic.

use jiesu::Roles;
use jiesu_e2e::{Backend, Open311Client};

const LAMP: [(&str, &str); 4] =
    [("service_code", "010101"), ("lat", "22.742"), ("long", "114.387"), ("phone", "13812345678")];

async fn metrics(base: &str) -> String {
    let resp = reqwest::get(format!("{base}/metrics")).await.expect("GET /metrics");
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_count_the_requests_each_channel_accepted() {
    let backend = Backend::embedded().await;
    let app = backend.start(Roles::ALL).await;
    let before = metrics(&app.base).await;
    assert!(before.contains("# TYPE jiesu_requests_received_total counter"), "{before}");
    assert!(before.contains("jiesu_requests_received_total{channel=\"open311\"} 0"), "{before}");

    let citizen = Open311Client::new(&app.base, &backend.api_key("metrics").await);
    for _ in 0..2 {
        let r = citizen.post(&LAMP, None).await.expect("POST");
        assert!(r.status.is_success(), "{}", r.body);
    }
    // Refused: counted nowhere.
    let refused = citizen.post(&[("service_code", "010101")], None).await.expect("POST");
    assert!(refused.status.is_client_error(), "{}", refused.body);

    let after = metrics(&app.base).await;
    assert!(after.contains("jiesu_requests_received_total{channel=\"open311\"} 2"), "{after}");
    assert!(after.contains("jiesu_requests_received_total{channel=\"web\"} 0"), "{after}");
    app.stop().await;
}
