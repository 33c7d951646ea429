//! Escalations and coordination meetings over HTTP on both backends, beyond the underpass case:
//! the supervisors' list filters (state, trigger, age; meetings by date) select the right rows;
//! the convener reschedules a meeting (a new time clears the confirmations, an address takes it
//! off site; an invitee that does not convene is refused) and records the decision, read back
//! with its minutes and attendance; another bureau's staff and admins reach no escalation or
//! meeting of others, and nothing changes when they try.
//!
//! Escalations come from real disclaims: the lamp request's three candidates disclaim it in turn,
//! which is both "every candidate disclaimed" (exhausted) and three disclaims (ping-pong); the
//! escalation service opens both and calls one meeting.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    the_supervisors_filters_select_escalations_by_state_trigger_and_age_and_meetings_by_date,
    the_convener_reschedules_the_meeting_and_records_a_decision_read_back_in_full,
    another_bureaus_staff_and_admins_reach_no_escalation_or_meeting_and_nothing_changes,
);

/// The lamp request's candidates, in the rules' order, and their staff.
const CANDIDATES: [(&str, &str); 3] =
    [("urban-management", "um-staff"), ("street-kengzi", "sk-staff"), ("service-centre", "sc-staff")];

async fn add_candidates_staff(backend: &Backend) {
    for (bureau, name) in CANDIDATES {
        backend.add_staff(name, StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
}

/// A request escalated by its candidates' disclaims, as the supervisor reads it.
struct Escalated {
    tracking: String,
    /// `(trigger, id)`, sorted by trigger.
    escalations: Vec<(String, String)>,
    /// The meeting called, as `GET /api/v1/meetings/{id}` shows it.
    meeting: Value,
}

impl Escalated {
    fn meeting_id(&self) -> &str {
        self.meeting["id"].as_str().expect("meeting id")
    }

    fn escalation(&self, trigger: &str) -> &str {
        &self.escalations.iter().find(|(t, _)| t == trigger).expect("escalation").1
    }
}

/// The `(tracking, trigger, state)` of each listed escalation, sorted.
fn rows(listed: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = listed["escalations"]
        .as_array()
        .expect("escalations")
        .iter()
        .map(|e| {
            let s = |v: &Value| v.as_str().expect("text").to_owned();
            (s(&e["request"]["tracking"]), s(&e["trigger"]), s(&e["state"]))
        })
        .collect();
    out.sort();
    out
}

fn row(tracking: &str, trigger: &str, state: &str) -> (String, String, String) {
    (tracking.to_owned(), trigger.to_owned(), state.to_owned())
}

/// Submits the lamp request and has each candidate disclaim it; waits for the meeting.
async fn escalated(base: &str, key: &str, boss: &StaffClient) -> Escalated {
    let citizen = Open311Client::new(base, key);
    let tracking = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&tracking, Duration::from_secs(15)).await;
    for (bureau, name) in CANDIDATES {
        let who = StaffClient::login(base, name).await;
        let task = who.task_for(&tracking, "dispatched").await.unwrap_or_else(|| panic!("{bureau}'s task"));
        who.ok(
            &format!("/api/v1/tasks/{task}/disclaim"),
            json!({ "reason": "not_our_function", "explanation": format!("{bureau}：非本单位职责") }),
        )
        .await;
    }
    let listed = boss
        .get_until("/api/v1/escalations?page_size=200", |v| {
            rows(v).iter().filter(|(t, _, state)| *t == tracking && state == "meeting_called").count() == 2
        })
        .await;
    let mut escalations: Vec<(String, String)> = listed["escalations"]
        .as_array()
        .expect("escalations")
        .iter()
        .filter(|e| e["request"]["tracking"] == tracking.as_str())
        .map(|e| {
            (e["trigger"].as_str().expect("trigger").to_owned(), e["id"].as_str().expect("id").to_owned())
        })
        .collect();
    escalations.sort();
    let triggers: Vec<&str> = escalations.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(triggers, ["exhausted", "ping_pong"]);
    let (_, opened) = boss.get(&format!("/api/v1/escalations/{}", escalations[0].1)).await;
    let meetings = opened["case"]["meetings"].as_array().expect("meetings");
    assert_eq!(meetings.len(), 1, "one meeting for both escalations: {meetings:?}");
    let (status, meeting) =
        boss.get(&format!("/api/v1/meetings/{}", meetings[0]["id"].as_str().expect("id"))).await;
    assert_eq!(status, StatusCode::OK, "{meeting}");
    Escalated { tracking, escalations, meeting }
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// `days` from today, district time, at `hh:mm`.
fn local_day(days: u64) -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&jiesu_domain::time::LOCAL)
        .date_naive()
        .checked_add_days(Days::new(days))
        .expect("date")
}

fn local_at(days: u64, hh: u32, mm: u32) -> DateTime<Utc> {
    let at = local_day(days).and_time(NaiveTime::from_hms_opt(hh, mm, 0).expect("time"));
    jiesu_domain::time::LOCAL.from_local_datetime(&at).single().expect("one instant").with_timezone(&Utc)
}

fn meeting_ids(listed: &Value) -> Vec<&str> {
    listed["meetings"].as_array().expect("meetings").iter().map(|m| m["id"].as_str().expect("id")).collect()
}

async fn the_supervisors_filters_select_escalations_by_state_trigger_and_age_and_meetings_by_date(
    backend: Backend,
) {
    let key = backend.api_key("e2e").await;
    add_candidates_staff(&backend).await;
    let app = backend.start_with(Roles::ALL, |s| s.escalation.hotspot.min_requests = 0).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let a = escalated(&app.base, &key, &boss).await;
    let b = escalated(&app.base, &key, &boss).await;
    let (ta, tb) = (a.tracking.as_str(), b.tracking.as_str());
    // B's exhausted escalation needs no action; its ping-pong one keeps the meeting.
    let dismissed = boss
        .ok(
            &format!("/api/v1/escalations/{}/dismiss", b.escalation("exhausted")),
            json!({ "note": "已另行处理" }),
        )
        .await;
    assert!(
        dismissed["history"].as_array().expect("history").iter().any(|h| h["type"] == "escalation_closed")
    );

    let list = |q: &str| {
        let boss = boss.clone();
        let q = q.to_owned();
        async move {
            let (status, v) = boss.get(&format!("/api/v1/escalations{q}")).await;
            assert_eq!(status, StatusCode::OK, "{q}: {v}");
            rows(&v)
        }
    };
    assert_eq!(list("?state=dismissed").await, [row(tb, "exhausted", "dismissed")]);
    let mut called = vec![
        row(ta, "exhausted", "meeting_called"),
        row(ta, "ping_pong", "meeting_called"),
        row(tb, "ping_pong", "meeting_called"),
    ];
    called.sort();
    assert_eq!(list("?state=meeting_called").await, called);
    assert_eq!(list("?state=meeting_called,dismissed").await.len(), 4);
    assert!(list("?state=decided").await.is_empty(), "?state=decided");
    let mut ping_pong = vec![row(ta, "ping_pong", "meeting_called"), row(tb, "ping_pong", "meeting_called")];
    ping_pong.sort();
    assert_eq!(list("?trigger=ping_pong&state=meeting_called").await, ping_pong);
    assert_eq!(list("?trigger=exhausted&state=dismissed").await, [row(tb, "exhausted", "dismissed")]);
    let (status, bad) = boss.get("/api/v1/escalations?state=forgotten").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));

    // One a page, from cursor to cursor: the four in the list's order (each request's two opened
    // at one instant, ordered by id), the last page without `next`.
    let ids = |v: &Value| -> Vec<String> {
        v["escalations"].as_array().expect("escalations").iter().map(|e| e["id"].to_string()).collect()
    };
    let (_, whole) = boss.get("/api/v1/escalations?page_size=200").await;
    let (mut walked, mut path) = (Vec::new(), "/api/v1/escalations?page_size=1".to_owned());
    while walked.len() < 10 {
        let (status, page) = boss.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        walked.extend(ids(&page));
        let Some(next) = page["next"].as_str() else { break };
        path = format!("/api/v1/escalations?page_size=1&after={next}");
    }
    assert_eq!(walked, ids(&whole));
    assert_eq!(walked.len(), 4);

    // Meetings by date: A's is moved 25 days ahead; B's stays in its slot within a few days.
    let far = local_at(25, 10, 0);
    let moved = boss
        .ok(
            &format!("/api/v1/meetings/{}/reschedule", a.meeting_id()),
            json!({ "scheduled_at": far.to_rfc3339() }),
        )
        .await;
    assert_eq!(time(&moved["scheduled_at"]), far);
    let day = |n: u64| local_day(n).format("%Y-%m-%d").to_string();
    let (_, that_day) = boss.get(&format!("/api/v1/meetings?from={}&to={}", day(25), day(26))).await;
    assert_eq!(meeting_ids(&that_day), [a.meeting_id()]);
    let (_, before) = boss.get(&format!("/api/v1/meetings?from={}&to={}", day(0), day(25))).await;
    assert_eq!(meeting_ids(&before), [b.meeting_id()], "`to` is exclusive");
    let (_, later) = boss.get(&format!("/api/v1/meetings?from={}&to={}", day(26), day(40))).await;
    assert_eq!(meeting_ids(&later), Vec::<&str>::new());
    let (_, default) = boss.get("/api/v1/meetings").await;
    let mut both = meeting_ids(&default);
    both.sort_unstable();
    let mut expected = vec![a.meeting_id(), b.meeting_id()];
    expected.sort_unstable();
    assert_eq!(both, expected, "a week back to a month ahead by default");
    let (status, bad) = boss.get("/api/v1/meetings?from=2026-13-01").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));

    // By age: all were opened moments ago. Then A's are made five hours old.
    assert!(list("?older_than_hours=1").await.is_empty(), "?older_than_hours=1");
    assert_eq!(list("?older_than_hours=0").await.len(), 4);
    let backdate = match backend.name() {
        "embedded" => "opened_at = opened_at - 18000000000", // microseconds
        _ => "opened_at = opened_at - interval '5 hours'",
    };
    let touched = backend
        .execute(&format!(
            "UPDATE escalations SET {backdate} WHERE request_id = (SELECT id FROM requests WHERE tracking = '{ta}')"
        ))
        .await;
    assert_eq!(touched, 2);
    let mut a_rows = vec![row(ta, "exhausted", "meeting_called"), row(ta, "ping_pong", "meeting_called")];
    a_rows.sort();
    assert_eq!(list("?older_than_hours=4").await, a_rows);
    assert_eq!(list("?older_than_hours=4&trigger=ping_pong").await, [row(ta, "ping_pong", "meeting_called")]);
    assert!(
        list("?older_than_hours=4&state=dismissed").await.is_empty(),
        "?older_than_hours=4&state=dismissed"
    );
    assert!(list("?older_than_hours=6").await.is_empty(), "?older_than_hours=6");
    let (_, aged) = boss.get("/api/v1/escalations?older_than_hours=4").await;
    assert!(aged["escalations"].as_array().expect("rows").iter().all(|e| e["age_hours"] == 5), "{aged}");
    app.stop().await;
}

async fn the_convener_reschedules_the_meeting_and_records_a_decision_read_back_in_full(backend: Backend) {
    let key = backend.api_key("e2e").await;
    add_candidates_staff(&backend).await;
    backend.add_staff("outsider", StaffRole::BureauStaff, Some("market-regulation")).await;
    let app = backend.start(Roles::ALL).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let e = escalated(&app.base, &key, &boss).await;
    let path = format!("/api/v1/meetings/{}", e.meeting_id());
    let m = &e.meeting;
    assert_eq!(m["state"], "called");
    assert_eq!(m["convener"]["code"], "service-centre");
    assert_eq!(m["place"]["on_site"], true, "on site unless moved: {m}");
    assert_eq!(m["request"]["tracking"], e.tracking.as_str());
    let (um, sk, sc, outsider) = (
        StaffClient::login(&app.base, "um-staff").await,
        StaffClient::login(&app.base, "sk-staff").await,
        StaffClient::login(&app.base, "sc-staff").await,
        StaffClient::login(&app.base, "outsider").await,
    );
    let confirmed = |m: &Value, bureau: &str| {
        let invitee =
            m["invitees"].as_array().expect("invitees").iter().find(|i| i["bureau"]["code"] == bureau);
        invitee.unwrap_or_else(|| panic!("{bureau} invited: {m}"))["confirmed_at"].is_string()
    };
    let first = um.ok(&format!("{path}/confirm"), json!({})).await;
    assert!(confirmed(&first, "urban-management"));

    // An invitee that does not convene may not move it; a bureau not invited does not see it.
    let t1 = local_at(5, 15, 0);
    let (status, refused) =
        um.post(&format!("{path}/reschedule"), json!({ "scheduled_at": t1.to_rfc3339() })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (status, _) =
        outsider.post(&format!("{path}/reschedule"), json!({ "scheduled_at": t1.to_rfc3339() })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let past = (Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (status, _) = sc.post(&format!("{path}/reschedule"), json!({ "scheduled_at": past })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not into the past");
    let (_, unchanged) = sc.get(&path).await;
    assert_eq!(unchanged["scheduled_at"], m["scheduled_at"]);
    assert!(confirmed(&unchanged, "urban-management"), "refused moves change nothing");

    // The convener moves it: a new time needs new confirmations; still on site.
    let moved = sc.ok(&format!("{path}/reschedule"), json!({ "scheduled_at": t1.to_rfc3339() })).await;
    assert_eq!(time(&moved["scheduled_at"]), t1);
    assert!(time(&moved["decide_by"]) > t1, "decided after it is held: {moved}");
    assert_eq!(moved["place"], m["place"], "the time alone moved");
    assert!(!confirmed(&moved, "urban-management"), "confirmations are asked again");
    // Then to a meeting room: off site, at that address.
    let t2 = local_at(6, 9, 30);
    let room = "坑梓街道办事处三楼会议室";
    let moved = sc
        .ok(&format!("{path}/reschedule"), json!({ "scheduled_at": t2.to_rfc3339(), "address": room }))
        .await;
    assert_eq!(time(&moved["scheduled_at"]), t2);
    assert_eq!(moved["place"], json!({ "on_site": false, "address": room }));
    let (_, case) = boss.get(&format!("/api/v1/requests/{}", e.tracking)).await;
    let history: Vec<&Value> = case["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["type"] == "meeting_rescheduled")
        .collect();
    assert_eq!(history.len(), 2, "each move is recorded");
    assert_eq!(time(&history[0]["event"]["scheduled_at"]), t1);
    assert!(history[0]["event"].get("place").is_none(), "{}", history[0]);
    assert_eq!(history[1]["event"]["place"], room);
    assert_eq!(history[1]["actor"]["username"], "sc-staff");
    assert!(history[1]["text"].as_str().is_some_and(|t| t.contains("改期")), "{}", history[1]);

    // Invitees confirm the new time; the convener records the decision.
    for who in [&um, &sk] {
        who.ok(&format!("{path}/confirm"), json!({})).await;
    }
    let due = (Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let minutes = "协调会：城管局主办路灯抢修，坑梓街道协助排查线路；服务中心未到会的单位另行通报。";
    let body = json!({
        "lead": { "bureau": "urban-management", "scope": "更换路灯灯具并恢复照明", "due": due },
        "assists": [{ "bureau": "street-kengzi", "scope": "排查片区供电线路", "due": due }],
        "minutes": minutes,
        "attended": ["urban-management", "service-centre"],
    });
    let (status, _) = sk.post(&format!("{path}/decision"), body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an invitee does not decide");
    sc.ok(&format!("{path}/decision"), body).await;

    // Read back in full, by an invitee: minutes, shares, who decided, who attended.
    let (status, read) = sk.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["state"], "decided");
    let d = &read["decision"];
    assert_eq!(d["minutes"], minutes);
    assert_eq!(d["decided_by"], "sc-staff");
    assert_eq!(d["lead"]["bureau"]["code"], "urban-management");
    assert_eq!(d["lead"]["scope"], "更换路灯灯具并恢复照明");
    assert_eq!(d["assists"][0]["bureau"]["code"], "street-kengzi");
    assert!(d["proposal"].is_null(), "no rule proposed: {d}");
    let attendance: Vec<(&str, Option<bool>, bool)> = read["invitees"]
        .as_array()
        .expect("invitees")
        .iter()
        .map(|i| {
            (
                i["bureau"]["code"].as_str().expect("code"),
                i["attended"].as_bool(),
                i["confirmed_at"].is_string(),
            )
        })
        .collect();
    assert_eq!(attendance.len(), 3, "the three candidates are invited: {read}");
    for (bureau, attended, confirmed) in attendance {
        let expected = bureau != "street-kengzi";
        assert_eq!(attended, Some(expected), "{bureau}'s attendance");
        assert_eq!(confirmed, bureau != "service-centre", "{bureau} confirmed the new time");
    }
    assert_eq!(time(&read["scheduled_at"]), t2);
    assert_eq!(read["place"]["address"], room);
    let (status, late) =
        sc.post(&format!("{path}/reschedule"), json!({ "scheduled_at": t1.to_rfc3339() })).await;
    assert_eq!((status, late["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("wrong_status")));
    let (_, case) = boss.get(&format!("/api/v1/requests/{}", e.tracking)).await;
    assert!(case["escalations"].as_array().expect("escalations").iter().all(|x| x["state"] == "decided"));
    let lead = um.task_for(&e.tracking, "dispatched").await.expect("the binding lead task");
    let (_, task) = um.get(&format!("/api/v1/tasks/{lead}")).await;
    assert_eq!((task["binding"].as_bool(), task["role"].as_str()), (Some(true), Some("lead")));
    app.stop().await;
}

async fn another_bureaus_staff_and_admins_reach_no_escalation_or_meeting_and_nothing_changes(
    backend: Backend,
) {
    let key = backend.api_key("e2e").await;
    add_candidates_staff(&backend).await;
    backend.add_staff("mr-staff", StaffRole::BureauStaff, Some("market-regulation")).await;
    backend.add_staff("mr-admin", StaffRole::BureauAdmin, Some("market-regulation")).await;
    let app = backend.start(Roles::ALL).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let e = escalated(&app.base, &key, &boss).await;
    let escalation = e.escalation("exhausted");
    let meeting = e.meeting_id();
    let (_, before) = boss.get(&format!("/api/v1/escalations/{escalation}")).await;

    let soon = (Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let due = (Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let unknown = "00000000-0000-7000-8000-000000000000";
    let tries: Vec<(&str, String, Value, StatusCode)> = vec![
        ("GET", "/api/v1/escalations".into(), Value::Null, StatusCode::FORBIDDEN),
        ("GET", format!("/api/v1/escalations/{escalation}"), Value::Null, StatusCode::FORBIDDEN),
        (
            "POST",
            format!("/api/v1/escalations/{escalation}/dismiss"),
            json!({ "note": "无需处理" }),
            StatusCode::FORBIDDEN,
        ),
        ("GET", format!("/api/v1/meetings/{meeting}"), Value::Null, StatusCode::NOT_FOUND),
        ("POST", format!("/api/v1/meetings/{meeting}/confirm"), json!({}), StatusCode::NOT_FOUND),
        (
            "POST",
            format!("/api/v1/meetings/{meeting}/reschedule"),
            json!({ "scheduled_at": soon, "address": "市场监管局会议室" }),
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            format!("/api/v1/meetings/{meeting}/decision"),
            json!({
                "lead": { "bureau": "market-regulation", "scope": "由我局处理", "due": due },
                "minutes": "越权记录的决定",
                "attended": ["market-regulation"],
            }),
            StatusCode::NOT_FOUND,
        ),
        // Exactly as for a meeting that does not exist.
        ("GET", format!("/api/v1/meetings/{unknown}"), Value::Null, StatusCode::NOT_FOUND),
    ];
    for name in ["mr-staff", "mr-admin"] {
        let outsider = StaffClient::login(&app.base, name).await;
        for (method, path, body, expected) in &tries {
            let (status, answer) = if *method == "GET" {
                outsider.get(path).await
            } else {
                outsider.post(path, body.clone()).await
            };
            let code = if *expected == StatusCode::FORBIDDEN { "forbidden" } else { "not_found" };
            assert_eq!(
                (status, answer["error"]["code"].as_str().unwrap_or_default()),
                (*expected, code),
                "{name} {method} {path}: {answer}"
            );
        }
        let (_, listed) = outsider.get("/api/v1/meetings").await;
        assert_eq!(listed["meetings"], json!([]), "{name} is invited to no meeting");
        assert_eq!(outsider.task_for(&e.tracking, "dispatched,claimed").await, None);
    }

    // Nothing the refused calls asked for happened.
    let (_, after) = boss.get(&format!("/api/v1/escalations/{escalation}")).await;
    assert_eq!(after["state"], "meeting_called");
    assert_eq!(after["updated_at"], before["updated_at"]);
    assert_eq!(after["case"]["history"], before["case"]["history"], "no event was written");
    assert_eq!(after["case"]["meetings"], before["case"]["meetings"], "the meeting is as it was");
    assert_eq!(after["case"]["tasks"], before["case"]["tasks"], "no task was made");
    let (_, meeting_now) = boss.get(&format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(meeting_now, e.meeting);
    app.stop().await;
}
