//! The rates end to end, on both backends: requests reported over Open311 and worked through the
//! staff API (claimed, resolved, reviewed, visited: one satisfied and closed, one unsolved and
//! reopened) reach the summary through the relay and the stats role, and a supervisor reads the
//! rates from `GET /api/v1/stats`; bureau staff and operators are refused.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::staff::{StaffClient, work_to_visit};
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::Value;

jiesu_e2e::e2e_on_both_backends!(the_rates_follow_the_work_and_only_supervisors_read_them);

async fn submit(base: &str, key: &str) -> String {
    let citizen = Open311Client::new(base, key);
    let id = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    id
}

fn counts(v: &Value) -> (i64, i64, i64, i64, i64, i64) {
    let c = &v["total"]["counts"];
    let n = |k: &str| c[k].as_i64().unwrap_or(-1);
    (n("received"), n("dispatched"), n("responded"), n("visits"), n("closed"), n("reopened"))
}

async fn the_rates_follow_the_work_and_only_supervisors_read_them(backend: Backend) {
    let key = backend.api_key("stats").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let desk = StaffClient::login(&app.base, "desk").await;
    let boss = StaffClient::login(&app.base, "boss").await;

    let ids = [submit(&app.base, &key).await, submit(&app.base, &key).await, submit(&app.base, &key).await];
    work_to_visit(&um, &desk, &ids[0], true, "satisfied").await;
    work_to_visit(&um, &desk, &ids[1], false, "dissatisfied").await;

    // Three received; three first tasks and the reopened one's second dispatched; two claimed in
    // time; two visits, one closing, one reopening.
    let total = boss.get_until("/api/v1/stats", |v| counts(v) == (3, 4, 2, 2, 1, 1)).await;
    let r = &total["total"]["rates"];
    assert_eq!(r["closure"]["value"].as_f64(), Some(1.0 / 3.0), "办结率: {r}");
    assert_eq!(r["resolution"]["value"].as_f64(), Some(0.5), "解决率");
    assert_eq!(r["satisfaction"]["value"].as_f64(), Some(0.5), "满意率");
    assert_eq!(r["reopen"]["value"].as_f64(), Some(1.0), "重办率");
    assert_eq!(r["response"]["value"].as_f64(), Some(0.5), "响应率: two of four claimed");

    // By bureau: every count here is urban management's, named as the district names it.
    let (status, by) = boss.get("/api/v1/stats?by=bureau").await;
    assert_eq!(status, StatusCode::OK);
    let groups = by["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{by}");
    assert_eq!(groups[0]["group"], "urban-management");
    assert!(groups[0]["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(groups[0]["counts"], by["total"]["counts"]);
    // By month: the same totals in this month's one row.
    let (_, by_month) = boss.get("/api/v1/stats?by=month").await;
    assert_eq!(by_month["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(by_month["groups"][0]["counts"], by["total"]["counts"]);
    // A filter that matches nothing, and one the API does not know.
    let (_, none) = boss.get("/api/v1/stats?channel=wechat").await;
    assert_eq!(none["total"]["counts"]["received"], 0);
    assert_eq!(none["total"]["rates"]["closure"]["value"], Value::Null, "0 of 0 is no rate");
    let (status, _) = boss.get("/api/v1/stats?by=planet").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // One dimension at a time: a bureau's months, yes; a bureau's streets, no.
    let (status, months) = boss.get("/api/v1/stats?bureau=urban-management&by=month").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(months["groups"][0]["counts"], by["total"]["counts"]);
    let (status, _) = boss.get("/api/v1/stats?bureau=urban-management&by=street").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    for who in [&um, &desk] {
        let (status, _) = who.get("/api/v1/stats").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{} reads no rates", who.username);
    }
}
