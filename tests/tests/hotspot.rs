//! The hotspot trigger end to end: street-light reports posted over Open311 close together become
//! one hotspot escalation on the oldest, with the others linked, visible to supervisors in
//! `GET /api/v1/requests/{tracking}`; a report far away, or of another category, stays out; a later
//! report nearby is linked to the same hotspot. With two more escalation workers (PostgreSQL and
//! RabbitMQ, competing for the events), reports posted all at once still make exactly one.

use std::time::Duration;

use fantoccini::Locator;
use jiesu::{Roles, Settings};
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::browser::Browser;
use jiesu_e2e::pages::{PageSession, assert_accessible, click, sign_in, text};
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::Value;

jiesu_e2e::e2e_on_both_backends!(
    reports_close_together_become_one_hotspot_on_the_oldest_and_a_later_one_joins_it,
);

const SOON: Duration = Duration::from_secs(15);

/// At least three open reports of a category within 200 m in 30 days.
fn three_make_a_hotspot(s: &mut Settings) {
    s.escalation.hotspot.min_requests = 3;
    s.escalation.hotspot.radius_m = 200.0;
    s.escalation.hotspot.days = 30;
}

/// Posts a report of `category` at a point and waits until the dispatcher has stored it.
async fn report(client: &Open311Client, category: &str, lat: &str, long: &str) -> String {
    let fields = [
        ("service_code", category),
        ("lat", lat),
        ("long", long),
        ("description", "路口的路灯连续几晚不亮"),
        ("phone", "13812345678"),
    ];
    let id = client.post(&fields, None).await.expect("POST").id();
    client.wait_for(&id, SOON).await;
    id
}

async fn case(supervisor: &StaffClient, tracking: &str) -> Value {
    let (status, case) = supervisor.get(&format!("/api/v1/requests/{tracking}")).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    case
}

fn escalations(case: &Value) -> &Vec<Value> {
    case["escalations"].as_array().expect("escalations")
}

/// The tracking numbers the request's hotspot links, once it links `n` of them.
async fn linked_when(supervisor: &StaffClient, anchor: &str, n: usize) -> (Value, Vec<String>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let c = case(supervisor, anchor).await;
        let linked: Vec<String> = escalations(&c)
            .iter()
            .filter(|e| e["trigger"] == "hotspot")
            .flat_map(|e| e["linked"].as_array().expect("linked").iter())
            .map(|r| r["tracking"].as_str().expect("a brief, for a supervisor").to_owned())
            .collect();
        if linked.len() >= n {
            return (c, linked);
        }
        assert!(tokio::time::Instant::now() < deadline, "no hotspot of {n} linked on {anchor}: {c}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn history_types(case: &Value) -> Vec<&str> {
    case["history"].as_array().expect("history").iter().map(|h| h["type"].as_str().expect("type")).collect()
}

async fn reports_close_together_become_one_hotspot_on_the_oldest_and_a_later_one_joins_it(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("supervisor", StaffRole::Supervisor, None).await;
    let app = backend.start_with(Roles::ALL, three_make_a_hotspot).await;
    let citizen = Open311Client::new(&app.base, &key);
    let supervisor = StaffClient::login(&app.base, "supervisor").await;

    let oldest = report(&citizen, "010101", "22.742", "114.387").await;
    let north = report(&citizen, "010101", "22.7425", "114.387").await; // about 56 m
    let far = report(&citizen, "010101", "22.76", "114.387").await; // about 2 km
    let road = report(&citizen, "010102", "22.742", "114.387").await; // another category
    let east = report(&citizen, "010101", "22.742", "114.388").await; // about 103 m: the third

    let (c, linked) = linked_when(&supervisor, &oldest, 2).await;
    assert_eq!(linked, vec![north.clone(), east.clone()], "the others, oldest first");
    let hotspot = &escalations(&c)[0];
    assert_eq!(escalations(&c).len(), 1, "{c}");
    assert_eq!((&hotspot["state"], &hotspot["level"]), (&"open".into(), &"district".into()));
    assert!(hotspot["owner"]["code"].is_string(), "the convener answers for it: {hotspot}");
    assert!(history_types(&c).contains(&"escalation_opened"));

    // A sixth report nearby joins it rather than opening a second one.
    let later = report(&citizen, "010101", "22.7415", "114.3875").await;
    let (c, linked) = linked_when(&supervisor, &oldest, 3).await;
    assert_eq!(linked, vec![north.clone(), east.clone(), later.clone()]);
    assert_eq!(escalations(&c).len(), 1);
    assert!(history_types(&c).contains(&"hotspot_linked"), "{c}");

    for other in [&north, &east, &later, &far, &road] {
        assert!(
            escalations(&case(&supervisor, other).await).is_empty(),
            "{other} has no escalation of its own"
        );
    }
    assert_eq!(backend.count("SELECT count(*) FROM escalations WHERE trigger = 'hotspot'").await, 1);
    assert_eq!(backend.count("SELECT count(*) FROM hotspot_members").await, 4, "the oldest and three linked");

    // On the console: the hotspot on the map and in the list with its reports; settled with how.
    let browser = Browser::start().await;
    let b = &browser.client;
    sign_in(b, &app.base, "supervisor", "/staff/console").await;
    click(b, "#link-hotspots").await;
    b.find(Locator::Css("#hotspot-map svg circle")).await.expect("a dot on the map");
    let listed = text(b, "#hotspots").await;
    for tracking in [&oldest, &north, &east, &later] {
        let grouped = format!("{}-{}-{}", &tracking[..4], &tracking[4..8], &tracking[8..]);
        assert!(listed.contains(&grouped), "{tracking} listed: {listed}");
    }
    assert!(listed.contains("4 件"), "{listed}");
    assert_accessible(b, "the hotspots").await;
    browser.close().await;
    let id = hotspot["id"].as_str().expect("id");
    let page = PageSession::sign_in(&app.base, "supervisor").await;
    let resolve = format!("/staff/console/hotspots/{id}/resolve");
    assert_eq!(page.post(&resolve, &[("csrf", &page.csrf), ("note", " ")]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(escalations(&case(&supervisor, &oldest).await)[0]["state"], "open", "not without how");
    let how = "路灯线路已整体更换";
    assert_eq!(page.post(&resolve, &[("csrf", &page.csrf), ("note", how)]).await.0, StatusCode::SEE_OTHER);
    let c = case(&supervisor, &oldest).await;
    assert_eq!(escalations(&c)[0]["state"], "resolved");
    assert!(c["history"].to_string().contains(how), "how is in the history");
    let (_, after) = page.get("/staff/console/hotspots").await;
    assert!(after.contains("没有待处理的热点"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_more_escalation_workers_racing_on_one_cluster_still_make_one_hotspot() {
    let backend = Backend::at_scale().await;
    let key = backend.api_key("e2e").await;
    backend.add_staff("supervisor", StaffRole::Supervisor, None).await;
    let app = backend.start_with(Roles::ALL, three_make_a_hotspot).await;
    let only_escalation = Roles {
        intake: false,
        api: false,
        dispatch: false,
        relay: false,
        escalation: true,
        stats: false,
        notify: false,
    };
    let workers = [
        backend.start_with(only_escalation, three_make_a_hotspot).await,
        backend.start_with(only_escalation, three_make_a_hotspot).await,
    ];
    let citizen = Open311Client::new(&app.base, &key);
    let supervisor = StaffClient::login(&app.base, "supervisor").await;

    // Eight reports within about 80 m, posted at once: routed in the same batches, their events
    // spread over three consumers that all see the cluster at about the same time.
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..8 {
        let citizen = citizen.clone();
        posts.spawn(async move {
            let lat = format!("{:.5}", 22.742 + 0.0001 * f64::from(i));
            report(&citizen, "010101", &lat, "114.387").await
        });
    }
    let all: Vec<String> = posts.join_all().await;

    // The oldest anchors it: parsed, since RFC 3339 text with trimmed fractions does not sort.
    let mut received = Vec::new();
    for t in &all {
        let at = case(&supervisor, t).await["request"]["received_at"].as_str().expect("time").to_owned();
        received.push((chrono::DateTime::parse_from_rfc3339(&at).expect("RFC 3339"), t.clone()));
    }
    let oldest = received.iter().min().map(|(_, t)| t.clone()).expect("eight reports");
    let (_, linked) = linked_when(&supervisor, &oldest, 7).await;
    let mut expected: Vec<String> = all.iter().filter(|t| **t != oldest).cloned().collect();
    let mut got = linked.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "every other report linked once");
    // Let any straggling worker finish, then count what is stored.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(backend.count("SELECT count(*) FROM escalations WHERE trigger = 'hotspot'").await, 1);
    assert_eq!(backend.count("SELECT count(*) FROM hotspot_members").await, 8);
    for t in all.iter().filter(|t| **t != oldest) {
        assert!(escalations(&case(&supervisor, t).await).is_empty(), "{t} has no hotspot of its own");
    }
    for w in workers {
        w.stop().await;
    }
    app.stop().await;
}
