//! The bureau's day end to end over HTTP, on both backends: a citizen's request is dispatched,
//! claimed, disclaimed, re-dispatched to the next candidate, claimed, resolved with a photo,
//! reviewed by the dispatch desk and closed by the citizen's return visit; and the dispatch desk's
//! other work (unplaced requests, disclaims held for review, extensions, assists).

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    a_request_goes_from_submission_to_closure_through_a_disclaim,
    an_unplaced_request_waits_at_the_desk_until_an_operator_places_it,
    with_desk_review_a_disclaim_waits_and_a_refused_one_stays_with_the_bureau,
    an_extension_approved_by_a_supervisor_moves_the_deadline,
    the_lead_brings_in_an_assisting_bureau_and_resolution_waits_for_it,
    refused_progress_notes_leave_no_photo_behind,
);

const SOON: Duration = Duration::from_secs(15);

/// Posts a request over Open311 and waits until the dispatcher has stored it.
async fn submit(client: &Open311Client, fields: &[(&str, &str)]) -> String {
    let id = client.post(fields, None).await.expect("POST").id();
    client.wait_for(&id, SOON).await;
    id
}

fn history_types(case: &Value) -> Vec<String> {
    case["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["type"].as_str().expect("type").to_owned())
        .collect()
}

/// The smallest JPEG header the photo check accepts.
const JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F'];

async fn a_request_goes_from_submission_to_closure_through_a_disclaim(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let id = submit(&citizen, &LAMP).await;

    // The lead bureau sees the task, with why it was chosen.
    let um = StaffClient::login(&app.base, "um-staff").await;
    let first = um.task_for(&id, "dispatched").await.expect("the lead's task");
    let (status, task) = um.get(&format!("/api/v1/tasks/{first}")).await;
    assert_eq!(status, StatusCode::OK, "{task}");
    let candidates = task["case"]["routing"]["candidates"].as_array().expect("candidates").clone();
    assert_eq!(candidates[0]["bureau"]["code"], "urban-management");
    assert!(candidates[0]["explanation"].as_str().is_some_and(|e| e.contains("rule")), "{}", candidates[0]);
    assert!(task["resolution"]["due_at"].is_string(), "clocks run from dispatch: {task}");
    assert_eq!(task["case"]["request"]["contact"]["phone"], "138********", "masked for staff");
    let next = candidates[1]["bureau"]["code"].as_str().expect("a second candidate").to_owned();

    let claimed = um.ok(&format!("/api/v1/tasks/{first}/claim"), json!({})).await;
    assert_eq!(claimed["state"], "claimed");
    assert_eq!(claimed["response"]["state"], "met");
    let disclaimed = um
        .ok(
            &format!("/api/v1/tasks/{first}/disclaim"),
            json!({ "reason": "not_our_area", "explanation": "该路段路灯由街道管养" }),
        )
        .await;
    assert_eq!(disclaimed["state"], "disclaimed");
    assert_eq!(disclaimed["case"]["lead"]["code"], next.as_str(), "the next candidate leads now");

    // The next candidate claims it, reports progress with a photo, and resolves it.
    backend.add_staff("next-staff", StaffRole::BureauStaff, Some(&next)).await;
    let them = StaffClient::login(&app.base, "next-staff").await;
    let second = them.task_for(&id, "dispatched").await.expect("re-dispatched");
    them.ok(&format!("/api/v1/tasks/{second}/claim"), json!({})).await;
    let photo = reqwest::multipart::Part::bytes(JPEG.to_vec())
        .file_name("site.jpg")
        .mime_str("image/jpeg")
        .expect("mime");
    let form = reqwest::multipart::Form::new().text("note", "已到现场，更换灯泡").part("photos", photo);
    let (status, progressed) = them.post_form(&format!("/api/v1/tasks/{second}/progress"), form).await;
    assert_eq!(status, StatusCode::OK, "{progressed}");
    let photos = &progressed["case"]["history"].as_array().expect("history").last().expect("progress")["event"]
        ["photos"];
    let url = photos[0].as_str().expect("the photo's URL");
    assert_eq!(reqwest::get(url).await.expect("GET photo").bytes().await.expect("bytes").as_ref(), JPEG);
    them.ok(&format!("/api/v1/tasks/{second}/resolve"), json!({ "result": "已更换灯泡，路灯恢复照明" }))
        .await;

    // The desk reviews the result; the citizen answers the return visit on the tracking page.
    let desk = StaffClient::login(&app.base, "desk").await;
    let (_, queue) = desk.get("/api/v1/desk?queue=review").await;
    assert!(
        queue["requests"].as_array().expect("queue").iter().any(|r| r["tracking"] == id.as_str()),
        "{queue}"
    );
    let reviewed = desk.ok(&format!("/api/v1/requests/{id}/review"), json!({ "approve": true })).await;
    assert_eq!(reviewed["request"]["status"], "reviewed");
    let answers = [("solved", "yes"), ("satisfaction", "satisfied"), ("comment", "修得很快")];
    let (status, html) = jiesu_e2e::citizen::give_visit(&app.base, &id, "5678", &answers).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("感谢您的评价") && html.contains("已结案"), "{html}");

    // Closed for everyone, with the whole history in order.
    assert_eq!(citizen.get(&id).await.body[0]["status"], "closed");
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    assert_eq!(
        history_types(&case),
        [
            "request_received",
            "request_routed",
            "task_dispatched",
            "task_claimed",
            "task_disclaimed",
            "task_dispatched",
            "task_claimed",
            "task_progressed",
            "task_resolved",
            "request_resolved",
            "resolution_reviewed",
            "return_visit_recorded",
            "request_closed",
        ]
    );
    assert_eq!(case["return_visits"][0]["satisfaction"], "satisfied");
    assert_eq!(case["disclaims"][0]["bureau"]["code"], "urban-management");
    // The first bureau still sees the request it once had, and its disclaim.
    let (status, _) = um.get(&format!("/api/v1/requests/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

async fn an_unplaced_request_waits_at_the_desk_until_an_operator_places_it(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let id = citizen
        .post(
            &[("service_code", "010101"), ("address_string", "某条没人知道的小路"), ("phone", "13812345678")],
            None,
        )
        .await
        .expect("POST")
        .id();
    let record = citizen.wait_for(&id, SOON).await;
    assert_eq!(record["status_notes"], "awaiting_dispatch: 待分拨");
    assert!(record["agency_responsible"].is_null(), "{record}");
    let desk = StaffClient::login(&app.base, "desk").await;
    let (_, queue) = desk.get("/api/v1/desk?queue=dispatch").await;
    assert!(
        queue["requests"].as_array().expect("queue").iter().any(|r| r["tracking"] == id.as_str()),
        "{queue}"
    );
    // The operator called the citizen and found the street: the rules place it from there.
    let placed =
        desk.ok(&format!("/api/v1/requests/{id}/dispatch"), json!({ "area": "pingshan.kengzi" })).await;
    assert_eq!(placed["request"]["status"], "dispatched");
    assert_eq!(placed["lead"]["code"], "urban-management");
    assert_eq!(placed["request"]["area"]["code"], "pingshan.kengzi");
    app.stop().await;
}

async fn with_desk_review_a_disclaim_waits_and_a_refused_one_stays_with_the_bureau(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend
        .start_with(Roles::ALL, |s| {
            s.workflow.disclaim_review = jiesu_domain::workflow::DisclaimReview::Operator
        })
        .await;
    let id = submit(&Open311Client::new(&app.base, &key), &LAMP).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("task");
    let held = um
        .ok(
            &format!("/api/v1/tasks/{task}/disclaim"),
            json!({ "reason": "unclear_ownership", "explanation": "产权不明" }),
        )
        .await;
    assert_eq!(held["state"], "disclaim_requested");
    assert_eq!(held["case"]["request"]["status"], "awaiting_dispatch");
    let desk = StaffClient::login(&app.base, "desk").await;
    let refused = desk
        .ok(
            &format!("/api/v1/tasks/{task}/disclaim-review"),
            json!({ "accept": false, "note": "属城管职责" }),
        )
        .await;
    assert_eq!(refused["state"], "claimed");
    assert_eq!(refused["case"]["request"]["status"], "in_progress");
    // It cannot be disclaimed a second time; it can be resolved.
    let (status, again) = um
        .post(
            &format!("/api/v1/tasks/{task}/disclaim"),
            json!({ "reason": "not_our_function", "explanation": "再退" }),
        )
        .await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_disclaimed")));
    um.ok(&format!("/api/v1/tasks/{task}/resolve"), json!({ "result": "已修复" })).await;
    app.stop().await;
}

async fn an_extension_approved_by_a_supervisor_moves_the_deadline(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let id = submit(&Open311Client::new(&app.base, &key), &LAMP).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("task");
    let claimed = um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    let before = claimed["resolution"]["due_at"].as_str().expect("due").to_owned();
    um.ok(
        &format!("/api/v1/tasks/{task}/extension"),
        json!({ "days": 3, "reason": "灯杆需整体更换，等待配件" }),
    )
    .await;
    let (status, _) = um.get("/api/v1/extensions").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "bureau staff do not decide extensions");
    let boss = StaffClient::login(&app.base, "boss").await;
    let (_, pending) = boss.get("/api/v1/extensions").await;
    let ext = pending["extensions"][0]["id"].as_str().expect("a pending extension").to_owned();
    let decided = boss.ok(&format!("/api/v1/extensions/{ext}/decision"), json!({ "approve": true })).await;
    assert_eq!(decided["extensions"][0]["state"], "approved");
    let (_, after) = um.get(&format!("/api/v1/tasks/{task}")).await;
    let moved = after["resolution"]["due_at"].as_str().expect("due");
    assert!(moved > before.as_str(), "{before} → {moved}");
    app.stop().await;
}

async fn the_lead_brings_in_an_assisting_bureau_and_resolution_waits_for_it(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("power-staff", StaffRole::BureauStaff, Some("power-supply")).await;
    let app = backend.start(Roles::ALL).await;
    let id = submit(&Open311Client::new(&app.base, &key), &LAMP).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("task");
    um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    um.ok(
        &format!("/api/v1/requests/{id}/assists"),
        json!({ "bureau": "power-supply", "note": "线路故障需供电局配合" }),
    )
    .await;
    let lead_done = um.ok(&format!("/api/v1/tasks/{task}/resolve"), json!({ "result": "灯具已更换" })).await;
    assert_eq!(lead_done["case"]["request"]["status"], "in_progress", "the assist still owes work");
    let power = StaffClient::login(&app.base, "power-staff").await;
    let assist = power.task_for(&id, "dispatched").await.expect("the assisting task");
    power.ok(&format!("/api/v1/tasks/{assist}/claim"), json!({})).await;
    let done = power.ok(&format!("/api/v1/tasks/{assist}/resolve"), json!({ "result": "线路已修复" })).await;
    assert_eq!(done["case"]["request"]["status"], "resolved");
    app.stop().await;
}

/// Files in the media directory.
fn media_files(backend: &Backend) -> usize {
    std::fs::read_dir(backend.media.path()).map(|d| d.count()).unwrap_or(0)
}

/// A progress form with `photos` copies of a JPEG (and an extra part, if any).
fn progress_form(note: &str, photos: usize, extra: Option<&[u8]>) -> reqwest::multipart::Form {
    let part = |bytes: Vec<u8>| reqwest::multipart::Part::bytes(bytes).file_name("site.jpg");
    let mut form = reqwest::multipart::Form::new().text("note", note.to_owned());
    for _ in 0..photos {
        form = form.part("photos", part(JPEG.to_vec()));
    }
    if let Some(bytes) = extra {
        form = form.part("photos", part(bytes.to_vec()));
    }
    form
}

/// 50 refused progress notes with three photos each once left 150 files behind: every check
/// (the note, each photo, the task's state) comes before a photo is written.
async fn refused_progress_notes_leave_no_photo_behind(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    let app = backend.start(Roles::ALL).await;
    let id = submit(&Open311Client::new(&app.base, &key), &LAMP).await;
    let um = StaffClient::login(&app.base, "um-staff").await;
    let task = um.task_for(&id, "dispatched").await.expect("the lead's task");
    let path = format!("/api/v1/tasks/{task}/progress");
    let before = media_files(&backend);

    // Not claimed yet: a progress note is an illegal transition, whatever its photos.
    for _ in 0..5 {
        let (status, body) = um.post_form(&path, progress_form("已到现场", 3, None)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("illegal_transition"))
        );
    }
    um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    // Claimed: a blank note, a fourth photo, a photo that is not an image after good ones.
    for (form, code) in [
        (progress_form("  ", 3, None), "invalid_field"),
        (progress_form("已到现场", 4, None), "invalid_form"),
        (progress_form("已到现场", 2, Some(b"<svg onload=alert(1)>")), "invalid_form"),
    ] {
        let (status, body) = um.post_form(&path, form).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some(code)), "{body}");
    }
    assert_eq!(media_files(&backend), before, "no refused call left a file");

    // An accepted note keeps its photos, one file each.
    let (status, body) = um.post_form(&path, progress_form("已到现场", 2, None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(media_files(&backend), before + 2);
    app.stop().await;
}
