//! The dispatch desk's and the supervisors' decisions on a request, over HTTP on both backends:
//! an extension refused, a return visit by phone (重办, then closed), a transfer to a named bureau,
//! held disclaims accepted (onward to the next candidate, or to a bureau the operator picks), and
//! assisting bureaus released so the lead's resolution resolves the request. Each asserts what
//! changed: states, deadlines, history events and who holds the task.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_domain::workflow::DisclaimReview;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    a_refused_extension_leaves_the_deadline_and_tells_the_bureau,
    a_phone_visit_not_solved_reopens_to_the_lead_and_a_satisfied_one_closes,
    an_operator_transfers_the_lead_to_a_named_bureau,
    the_desk_accepts_held_disclaims_onward_or_to_a_named_bureau,
    released_assists_let_the_leads_resolution_resolve_the_request,
);

/// The task states in which a bureau still holds the request.
const ACTIVE: &str = "dispatched,claimed,disclaim_requested";

/// Posts the lamp request over Open311 and waits until the dispatcher has stored it.
async fn submit(app_base: &str, key: &str) -> String {
    let citizen = Open311Client::new(app_base, key);
    let id = citizen.post(&LAMP, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    id
}

fn history_types(case: &Value) -> Vec<&str> {
    case["history"].as_array().expect("history").iter().map(|h| h["type"].as_str().expect("type")).collect()
}

/// The history entries of one type.
fn entries<'a>(case: &'a Value, ty: &str) -> Vec<&'a Value> {
    case["history"].as_array().expect("history").iter().filter(|h| h["type"] == ty).collect()
}

/// The task of `bureau` on the case, by role and state.
fn task_of<'a>(case: &'a Value, bureau: &str) -> Vec<&'a Value> {
    case["tasks"].as_array().expect("tasks").iter().filter(|t| t["bureau"]["code"] == bureau).collect()
}

async fn a_refused_extension_leaves_the_deadline_and_tells_the_bureau(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let id = submit(&app.base, &key).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("task");
    let claimed = um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    let before = claimed["resolution"]["due_at"].as_str().expect("due").to_owned();
    um.ok(&format!("/api/v1/tasks/{task}/extension"), json!({ "days": 3, "reason": "等待灯杆配件" })).await;

    let boss = StaffClient::login(&app.base, "boss").await;
    let (_, pending) = boss.get("/api/v1/extensions").await;
    let ext = pending["extensions"]
        .as_array()
        .expect("extensions")
        .iter()
        .find(|e| e["task_id"] == task.as_str())
        .expect("the pending extension")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let decided = boss
        .ok(
            &format!("/api/v1/extensions/{ext}/decision"),
            json!({ "approve": false, "note": "配件可从仓库调剂，不予延期" }),
        )
        .await;
    let e = &decided["extensions"][0];
    assert_eq!((e["id"].as_str(), e["state"].as_str()), (Some(ext.as_str()), Some("refused")), "{e}");
    assert!(e["new_due"].is_null(), "a refusal moves nothing: {e}");
    assert_eq!(e["decided_by"], "boss");
    assert_eq!(e["note"], "配件可从仓库调剂，不予延期");
    let (_, pending) = boss.get("/api/v1/extensions").await;
    assert_eq!(pending["extensions"], json!([]), "no longer waits for a decision");

    // The deadline stands; the bureau reads the refusal in its task's history.
    let (_, after) = um.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(after["resolution"]["due_at"], before.as_str(), "the deadline did not move");
    assert_eq!(after["state"], "claimed");
    let told = entries(&after["case"], "extension_decided");
    assert_eq!(told.len(), 1, "{:?}", history_types(&after["case"]));
    let told = told[0];
    assert_eq!(told["task_id"], task.as_str());
    assert_eq!(told["actor"]["username"], "boss");
    assert_eq!(told["event"]["bureau"], "urban-management");
    assert_eq!(told["event"]["approved"], false);
    assert!(told["event"].get("new_due").is_none(), "{told}");
    assert!(told["text"].as_str().is_some_and(|t| t.contains("未获批准") && t.contains("调剂")), "{told}");
    // The event leaves through the outbox, for the bureau's notifications.
    let relayed = "SELECT count(*) FROM events e WHERE kind = 'extension_decided'
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = e.seq)";
    let mut published = 0;
    for _ in 0..100 {
        published = backend.count(relayed).await;
        if published == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(published, 1, "the refusal is published");
    // Refused, it no longer blocks a new request; a second decision on it is refused.
    let (status, again) =
        boss.post(&format!("/api/v1/extensions/{ext}/decision"), json!({ "approve": true })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{again}");
    um.ok(&format!("/api/v1/tasks/{task}/extension"), json!({ "days": 1, "reason": "再申请一天" })).await;
    let (_, after) = um.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(after["resolution"]["due_at"], before.as_str());
    app.stop().await;
}

async fn a_phone_visit_not_solved_reopens_to_the_lead_and_a_satisfied_one_closes(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("sk-staff", StaffRole::BureauStaff, Some("street-kengzi")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let id = submit(&app.base, &key).await;
    let (um, sk, desk) = (
        StaffClient::login(&app.base, "um-staff").await,
        StaffClient::login(&app.base, "sk-staff").await,
        StaffClient::login(&app.base, "desk").await,
    );
    // Urban management sends it on; the street office leads, resolves, and the desk approves.
    let first = um.task_for(&id, "dispatched").await.expect("urban management's task");
    let sent_on = um
        .ok(
            &format!("/api/v1/tasks/{first}/disclaim"),
            json!({ "reason": "not_our_area", "explanation": "该路段路灯由街道管养" }),
        )
        .await;
    assert_eq!(sent_on["case"]["lead"]["code"], "street-kengzi");
    let resolved = sk.task_for(&id, "dispatched").await.expect("the street office's task");
    sk.ok(&format!("/api/v1/tasks/{resolved}/claim"), json!({})).await;
    sk.ok(&format!("/api/v1/tasks/{resolved}/resolve"), json!({ "result": "已更换灯泡" })).await;
    let visit = format!("/api/v1/requests/{id}/visit");
    let (status, early) = desk.post(&visit, json!({ "solved": true })).await;
    assert_eq!((status, early["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("wrong_status")));
    desk.ok(&format!("/api/v1/requests/{id}/review"), json!({ "approve": true })).await;
    let (status, _) = sk.post(&visit, json!({ "solved": true })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "bureaus do not record return visits");

    // Not solved: back to the bureau that resolved it (not the one that disclaimed), fresh clocks.
    let reopened = desk
        .ok(&visit, json!({ "solved": false, "satisfaction": "dissatisfied", "comment": "路灯晚上仍不亮" }))
        .await;
    assert_eq!(reopened["request"]["status"], "dispatched", "重办");
    assert_eq!(reopened["lead"]["code"], "street-kengzi");
    let v = &reopened["return_visits"][0];
    assert_eq!((v["solved"].as_bool(), v["satisfaction"].as_str()), (Some(false), Some("dissatisfied")));
    assert_eq!(v["by"], json!({ "type": "operator", "username": "desk" }));
    let tail: Vec<&str> = history_types(&reopened).into_iter().rev().take(3).collect();
    assert_eq!(tail, ["task_assigned", "request_reopened", "return_visit_recorded"]);
    assert_eq!(entries(&reopened, "return_visit_recorded")[0]["event"]["by_phone"], true);
    assert_eq!(entries(&reopened, "request_reopened")[0]["event"]["bureau"], "street-kengzi");
    let assigned = entries(&reopened, "task_assigned")[0];
    assert_eq!(assigned["event"]["why"]["by"], "reopened");
    assert_eq!(assigned["event"]["bureau"], "street-kengzi");
    assert!(assigned["event"]["resolution_due"].is_string(), "{assigned}");
    let again = sk.task_for(&id, "dispatched").await.expect("a new task for the street office");
    assert_ne!(again, resolved);
    assert_eq!(um.task_for(&id, ACTIVE).await, None, "the bureau that disclaimed is not asked again");

    // Handled again; this time the citizen is satisfied: closed.
    sk.ok(&format!("/api/v1/tasks/{again}/claim"), json!({})).await;
    sk.ok(&format!("/api/v1/tasks/{again}/resolve"), json!({ "result": "已更换整条线路" })).await;
    desk.ok(&format!("/api/v1/requests/{id}/review"), json!({ "approve": true })).await;
    let closed = desk.ok(&visit, json!({ "solved": true, "satisfaction": "satisfied" })).await;
    assert_eq!(closed["request"]["status"], "closed");
    assert_eq!(closed["return_visits"].as_array().map(Vec::len), Some(2));
    assert_eq!(closed["return_visits"][1]["satisfaction"], "satisfied");
    let tail: Vec<&str> = history_types(&closed).into_iter().rev().take(2).collect();
    assert_eq!(tail, ["request_closed", "return_visit_recorded"]);
    assert_eq!(Open311Client::new(&app.base, &key).get(&id).await.body[0]["status"], "closed");
    let (status, _) = desk.post(&visit, json!({ "solved": true })).await;
    assert_eq!(status, StatusCode::CONFLICT, "one visit per review");
    app.stop().await;
}

async fn an_operator_transfers_the_lead_to_a_named_bureau(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("water-staff", StaffRole::BureauStaff, Some("water")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let id = submit(&app.base, &key).await;
    let (um, water, desk) = (
        StaffClient::login(&app.base, "um-staff").await,
        StaffClient::login(&app.base, "water-staff").await,
        StaffClient::login(&app.base, "desk").await,
    );
    let old = um.task_for(&id, "dispatched").await.expect("urban management's task");
    um.ok(&format!("/api/v1/tasks/{old}/claim"), json!({})).await;
    let transfer = format!("/api/v1/requests/{id}/transfer");
    let (status, same) = desk.post(&transfer, json!({ "bureau": "urban-management" })).await;
    assert_eq!((status, same["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_involved")));

    let moved = desk.ok(&transfer, json!({ "bureau": "water", "note": "系雨水井堵塞导致线路浸水" })).await;
    assert_eq!(moved["lead"]["code"], "water");
    assert_eq!(moved["request"]["status"], "dispatched");
    assert_eq!(task_of(&moved, "urban-management")[0]["state"], "cancelled");
    let new = task_of(&moved, "water");
    assert_eq!(
        (new.len(), new[0]["role"].as_str(), new[0]["state"].as_str()),
        (1, Some("lead"), Some("dispatched"))
    );
    assert!(new[0]["resolution"]["due_at"].is_string(), "fresh clocks: {}", new[0]);
    let tail: Vec<&str> = history_types(&moved).into_iter().rev().take(2).collect();
    assert_eq!(tail, ["task_assigned", "task_cancelled"]);
    let why = &entries(&moved, "task_assigned")[0]["event"]["why"];
    assert_eq!(
        *why,
        json!({ "by": "transfer", "from": "urban-management", "note": "系雨水井堵塞导致线路浸水" })
    );

    // The new bureau has it; the old one holds nothing and can no longer act on its task.
    let theirs = water.task_for(&id, "dispatched").await.expect("water's task");
    assert_eq!(theirs, new[0]["id"].as_str().expect("id"));
    assert_eq!(um.task_for(&id, ACTIVE).await, None, "urban management no longer holds it");
    let (status, refused) =
        um.post(&format!("/api/v1/tasks/{old}/resolve"), json!({ "result": "已修复" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let record = Open311Client::new(&app.base, &key).get(&id).await.body[0].clone();
    assert_eq!(record["agency_responsible"], "坪山区水务局", "{record}");
    water.ok(&format!("/api/v1/tasks/{theirs}/claim"), json!({})).await;
    let done = water.ok(&format!("/api/v1/tasks/{theirs}/resolve"), json!({ "result": "已疏通" })).await;
    assert_eq!(done["case"]["request"]["status"], "resolved");
    app.stop().await;
}

/// Submits a lamp request and has urban management disclaim it; the disclaim waits for the desk.
async fn held_disclaim(app_base: &str, key: &str, um: &StaffClient) -> (String, String) {
    let id = submit(app_base, key).await;
    let task = um.task_for(&id, "dispatched").await.expect("task");
    let held = um
        .ok(
            &format!("/api/v1/tasks/{task}/disclaim"),
            json!({ "reason": "not_our_area", "explanation": "该路段由街道管养" }),
        )
        .await;
    assert_eq!(held["state"], "disclaim_requested");
    assert_eq!(held["case"]["request"]["status"], "awaiting_dispatch");
    (id, task)
}

async fn the_desk_accepts_held_disclaims_onward_or_to_a_named_bureau(backend: Backend) {
    let key = backend.api_key("e2e").await;
    for (name, bureau) in
        [("um-staff", "urban-management"), ("sk-staff", "street-kengzi"), ("water-staff", "water")]
    {
        backend.add_staff(name, StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start_with(Roles::ALL, |s| s.workflow.disclaim_review = DisclaimReview::Operator).await;
    let (um, sk, water, desk) = (
        StaffClient::login(&app.base, "um-staff").await,
        StaffClient::login(&app.base, "sk-staff").await,
        StaffClient::login(&app.base, "water-staff").await,
        StaffClient::login(&app.base, "desk").await,
    );

    // (a) Accepted without a bureau: onward to the next candidate of the routing.
    let (onward, task) = held_disclaim(&app.base, &key, &um).await;
    assert_eq!(sk.task_for(&onward, ACTIVE).await, None, "nobody else has it while it waits");
    let (_, queue) = desk.get("/api/v1/desk?queue=dispatch").await;
    assert!(queue["requests"].as_array().expect("queue").iter().any(|r| r["tracking"] == onward.as_str()));
    let review = format!("/api/v1/tasks/{task}/disclaim-review");
    let accepted = desk.ok(&review, json!({ "accept": true, "note": "同意退单" })).await;
    assert_eq!(accepted["state"], "disclaimed");
    let case = &accepted["case"];
    assert_eq!(case["request"]["status"], "dispatched");
    assert_eq!(case["lead"]["code"], "street-kengzi");
    assert_eq!(case["disclaims"][0]["state"], "accepted");
    assert_eq!(case["disclaims"][0]["decided_by"], "desk");
    let tail: Vec<&str> = history_types(case).into_iter().rev().take(4).collect();
    assert_eq!(
        tail,
        ["task_dispatched", "disclaim_reviewed", "request_awaiting_operator", "task_disclaimed"]
    );
    assert_eq!(entries(case, "task_disclaimed")[0]["event"]["pending_review"], true);
    let reviewed = &entries(case, "disclaim_reviewed")[0]["event"];
    assert_eq!((reviewed["accepted"].as_bool(), reviewed["note"].as_str()), (Some(true), Some("同意退单")));
    assert_eq!(entries(case, "task_dispatched")[1]["event"]["bureau"], "street-kengzi");
    assert!(sk.task_for(&onward, "dispatched").await.is_some(), "the next candidate has it");
    assert_eq!(um.task_for(&onward, ACTIVE).await, None);
    let (status, twice) = desk.post(&review, json!({ "accept": true })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no disclaim waits any more: {twice}");

    // (b) Accepted to a bureau the operator names, past the remaining candidates.
    let (named, task) = held_disclaim(&app.base, &key, &um).await;
    let review = format!("/api/v1/tasks/{task}/disclaim-review");
    let (status, unknown) = desk.post(&review, json!({ "accept": true, "to": "no-such-bureau" })).await;
    assert_eq!(
        (status, unknown["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_bureau"))
    );
    let (_, still) = um.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(still["state"], "disclaim_requested", "a refused review changes nothing");
    let accepted = desk.ok(&review, json!({ "accept": true, "to": "water", "note": "系排水设施问题" })).await;
    assert_eq!(accepted["state"], "disclaimed");
    let case = &accepted["case"];
    assert_eq!(
        (case["request"]["status"].as_str(), case["lead"]["code"].as_str()),
        (Some("dispatched"), Some("water"))
    );
    let tail: Vec<&str> = history_types(case).into_iter().rev().take(2).collect();
    assert_eq!(tail, ["task_assigned", "disclaim_reviewed"]);
    let assigned = &entries(case, "task_assigned")[0]["event"];
    assert_eq!(assigned["bureau"], "water");
    assert_eq!(assigned["why"], json!({ "by": "operator", "note": "系排水设施问题" }));
    assert!(water.task_for(&named, "dispatched").await.is_some(), "the named bureau has it");
    assert_eq!(sk.task_for(&named, ACTIVE).await, None, "the next candidate was skipped");
    assert_eq!(um.task_for(&named, ACTIVE).await, None);
    app.stop().await;
}

async fn released_assists_let_the_leads_resolution_resolve_the_request(backend: Backend) {
    let key = backend.api_key("e2e").await;
    for (name, bureau) in
        [("um-staff", "urban-management"), ("power-staff", "power-supply"), ("water-staff", "water")]
    {
        backend.add_staff(name, StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let (um, power, water, desk) = (
        StaffClient::login(&app.base, "um-staff").await,
        StaffClient::login(&app.base, "power-staff").await,
        StaffClient::login(&app.base, "water-staff").await,
        StaffClient::login(&app.base, "desk").await,
    );

    // Two assists; the lead resolves first. Releasing one leaves the other owing work; when that
    // one is done the request is resolved.
    let id = submit(&app.base, &key).await;
    let lead = um.task_for(&id, "dispatched").await.expect("task");
    um.ok(&format!("/api/v1/tasks/{lead}/claim"), json!({})).await;
    for bureau in ["power-supply", "water"] {
        um.ok(&format!("/api/v1/requests/{id}/assists"), json!({ "bureau": bureau })).await;
    }
    let done = um.ok(&format!("/api/v1/tasks/{lead}/resolve"), json!({ "result": "灯具已更换" })).await;
    assert_eq!(done["case"]["request"]["status"], "in_progress", "two assists owe work");
    let assist = power.task_for(&id, "dispatched").await.expect("power supply's task");
    let release = format!("/api/v1/tasks/{assist}/release");
    let (status, own) = power.post(&release, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an assist does not let itself go: {own}");
    let released = um.ok(&release, json!({ "note": "线路无故障，无需协办" })).await;
    assert_eq!(task_of(&released, "power-supply")[0]["state"], "released");
    assert_eq!(released["request"]["status"], "in_progress", "water still owes work");
    let ev = &entries(&released, "task_released")[0];
    assert_eq!(ev["task_id"], assist.as_str());
    assert_eq!(ev["event"]["note"], "线路无故障，无需协办");
    assert_eq!(power.task_for(&id, ACTIVE).await, None, "power supply no longer holds it");
    let theirs = water.task_for(&id, "dispatched").await.expect("water's task");
    water.ok(&format!("/api/v1/tasks/{theirs}/claim"), json!({})).await;
    let last = water.ok(&format!("/api/v1/tasks/{theirs}/resolve"), json!({ "result": "井盖已复位" })).await;
    assert_eq!(last["case"]["request"]["status"], "resolved");
    assert_eq!(entries(&last["case"], "request_resolved").len(), 1);

    // The desk releases the only assist before the lead is done: the lead's resolution resolves it.
    let id = submit(&app.base, &key).await;
    let lead = um.task_for(&id, "dispatched").await.expect("task");
    um.ok(&format!("/api/v1/tasks/{lead}/claim"), json!({})).await;
    desk.ok(&format!("/api/v1/requests/{id}/assists"), json!({ "bureau": "power-supply" })).await;
    let assist = power.task_for(&id, "dispatched").await.expect("power supply's task");
    let released = desk.ok(&format!("/api/v1/tasks/{assist}/release"), json!({})).await;
    assert_eq!(released["request"]["status"], "in_progress", "the lead still owes work");
    assert_eq!(history_types(&released).last(), Some(&"task_released"));
    let done = um.ok(&format!("/api/v1/tasks/{lead}/resolve"), json!({ "result": "灯具已更换" })).await;
    assert_eq!(done["case"]["request"]["status"], "resolved", "nobody else owes work");
    let tail: Vec<&str> = history_types(&done["case"]).into_iter().rev().take(2).collect();
    assert_eq!(tail, ["request_resolved", "task_resolved"]);
    let (_, queue) = desk.get("/api/v1/desk?queue=review").await;
    assert!(queue["requests"].as_array().expect("queue").iter().any(|r| r["tracking"] == id.as_str()));
    app.stop().await;
}
