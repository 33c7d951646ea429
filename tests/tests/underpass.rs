//! The underpass case of DOMAIN.md, end to end on both backends: a request about a dark, flooded
//! underpass goes to seven candidate bureaus in turn and each disclaims it; the escalation service
//! calls a coordination meeting with all seven invited; the convener records a decision splitting
//! the work among three bureaus, whose binding tasks cannot be disclaimed; each resolves its share,
//! the desk reviews the result, the citizen's return visit closes it; the decision proposed a rule
//! for the responsibility list.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::json;

jiesu_e2e::e2e_on_both_backends!(the_underpass_goes_round_seven_bureaus_and_a_meeting_splits_it);

const SEVEN: [(&str, &str, &str); 7] = [
    ("transport", "not_our_function", "桥梁归我局，但通道照明不属桥梁养护范围"),
    ("water", "not_our_function", "积水系照明缺失导致的安全问题以外的次要问题，照明非水务职责"),
    ("urban-management", "not_our_area", "该通道不在市政道路移交清单内"),
    ("housing", "unclear_ownership", "通道未办理竣工移交，产权单位不明"),
    ("planning-natural-resources", "unclear_ownership", "涵洞用地权属待确认"),
    ("street-kengzi", "overlapping_duties", "涉及交通、城管、水务多部门职责"),
    ("service-centre", "overlapping_duties", "需多部门协同，建议召开协调会"),
];

const UNDERPASS: [(&str, &str); 5] = [
    ("service_code", "010106"),
    ("lat", "22.742"),
    ("long", "114.387"),
    ("description", "秀新路桥下的下穿通道（涵洞）没有路灯，晚上一片漆黑，雨后还积水，行人经过很危险"),
    ("phone", "13812345678"),
];

fn staff_name(bureau: &str) -> String {
    format!("{bureau}-staff")
}

async fn the_underpass_goes_round_seven_bureaus_and_a_meeting_splits_it(backend: Backend) {
    let key = backend.api_key("e2e").await;
    for (bureau, ..) in SEVEN {
        backend.add_staff(&staff_name(bureau), StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    // Eleven staff sign in from this one address within seconds: more than the per-address
    // login throttle lets through by default (an office behind one NAT would see the same).
    let app = backend.start_with(Roles::ALL, |s| s.auth.per_address_per_minute = 100).await;
    let citizen = Open311Client::new(&app.base, &key);
    let id = citizen.post(&UNDERPASS, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    let desk = StaffClient::login(&app.base, "desk").await;
    let boss = StaffClient::login(&app.base, "boss").await;

    // Seven candidates, in the order the rules give; each disclaims in turn, with its reasons.
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    let order: Vec<&str> = case["routing"]["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c["bureau"]["code"].as_str().expect("code"))
        .collect();
    assert_eq!(order, SEVEN.map(|(b, ..)| b), "seven candidates, in the rules' order");
    for (bureau, reason, explanation) in SEVEN {
        let who = StaffClient::login(&app.base, &staff_name(bureau)).await;
        let task =
            who.task_for(&id, "dispatched").await.unwrap_or_else(|| panic!("{bureau} has the request"));
        who.ok(
            &format!("/api/v1/tasks/{task}/disclaim"),
            json!({ "reason": reason, "explanation": explanation }),
        )
        .await;
    }
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    assert_eq!(case["request"]["status"], "escalated");

    // The escalation service calls a meeting with all seven.
    let listed = boss
        .get_until("/api/v1/escalations?trigger=exhausted", |v| {
            v["escalations"]
                .as_array()
                .is_some_and(|a| a.iter().any(|e| e["request"]["tracking"] == id.as_str()))
        })
        .await;
    let escalation = listed["escalations"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["request"]["tracking"] == id.as_str()))
        .expect("the escalation")
        .clone();
    assert_eq!(escalation["state"], "meeting_called");
    // The README's example query finds it: such an escalation waits in `meeting_called` at once
    // (a meeting is called as it opens), so asking for `state=open` finds nothing.
    let (_, readme) = boss.get("/api/v1/escalations?trigger=exhausted,ping_pong&state=meeting_called").await;
    let found = readme["escalations"].as_array().expect("escalations");
    assert!(found.iter().any(|e| e["id"] == escalation["id"] && e["trigger_name"].is_string()), "{readme}");
    let (_, open) = boss.get("/api/v1/escalations?trigger=exhausted,ping_pong&state=open").await;
    assert_eq!(open["escalations"], json!([]), "{open}");
    let (_, opened) =
        boss.get(&format!("/api/v1/escalations/{}", escalation["id"].as_str().expect("id"))).await;
    // Opened, the escalation shows the request's whole history: every disclaim that led here.
    let history = opened["case"]["history"].as_array().expect("history");
    let disclaims = history.iter().filter(|h| h["type"] == "task_disclaimed").count();
    assert_eq!(disclaims, 7, "{history:?}");
    assert!(history.iter().all(|h| h["at"].is_string() && h["text"].is_string()), "{history:?}");
    let meeting = opened["case"]["meetings"][0].clone();
    let meeting_id = meeting["id"].as_str().expect("a meeting").to_owned();
    let mut invited: Vec<&str> = meeting["invitees"]
        .as_array()
        .expect("invitees")
        .iter()
        .map(|i| i["bureau"]["code"].as_str().expect("code"))
        .collect();
    invited.sort_unstable();
    let mut seven = SEVEN.map(|(b, ..)| b).to_vec();
    seven.sort_unstable();
    assert_eq!(invited, seven, "every bureau that disclaimed is invited");
    assert_eq!(meeting["convener"]["code"], "service-centre");
    assert_eq!(meeting["place"]["on_site"], true);
    assert!(meeting["place"]["address"].is_null() || meeting["place"]["address"].is_string());
    assert_eq!(
        meeting["agenda"]["disclaims"].as_array().map(Vec::len),
        Some(7),
        "the agenda lists every reason"
    );
    let at = meeting["scheduled_at"].as_str().expect("time");
    assert!(at > jiesu_domain::time::now().to_rfc3339().as_str(), "scheduled ahead: {at}");
    // The invitation leaves through the outbox (the event names the invitees), for notifications.
    let relayed = "SELECT count(*) FROM events e WHERE kind = 'meeting_called'
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = e.seq)";
    let mut published = 0;
    for _ in 0..100 {
        published = backend.count(relayed).await;
        if published > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(published, 1, "the meeting's invitation is published once");

    // Outside the meeting, nobody reaches it; inside, only the convener runs it.
    backend.add_staff("outsider", StaffRole::BureauStaff, Some("market-regulation")).await;
    let outsider = StaffClient::login(&app.base, "outsider").await;
    let escalation_path = format!("/api/v1/escalations/{}", escalation["id"].as_str().expect("id"));
    let decision_path = format!("/api/v1/meetings/{meeting_id}/decision");
    let refused = [
        ("GET", format!("/api/v1/meetings/{meeting_id}"), StatusCode::NOT_FOUND),
        ("POST", format!("/api/v1/meetings/{meeting_id}/confirm"), StatusCode::NOT_FOUND),
        ("POST", format!("/api/v1/meetings/{meeting_id}/reschedule"), StatusCode::NOT_FOUND),
        ("POST", decision_path.clone(), StatusCode::NOT_FOUND),
        ("GET", escalation_path.clone(), StatusCode::FORBIDDEN),
        ("POST", format!("{escalation_path}/dismiss"), StatusCode::FORBIDDEN),
    ];
    let tomorrow = (jiesu_domain::time::now() + chrono::Duration::days(1)).to_rfc3339();
    let any_body = json!({ "scheduled_at": tomorrow, "lead": { "bureau": "water", "scope": "x", "due": tomorrow }, "minutes": "x" });
    for (method, path, status) in refused {
        let got = if method == "GET" {
            outsider.get(&path).await
        } else {
            outsider.post(&path, any_body.clone()).await
        };
        assert_eq!(got.0, status, "{method} {path}: {}", got.1);
    }
    let (_, listed) = outsider.get("/api/v1/meetings").await;
    assert_eq!(listed["meetings"], json!([]), "no meeting of theirs");
    let housing = StaffClient::login(&app.base, &staff_name("housing")).await;
    let (status, _) = housing.post(&decision_path, any_body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an invitee does not decide");
    let (_, theirs) = housing.get("/api/v1/meetings").await;
    assert_eq!(theirs["meetings"][0]["id"], meeting_id.as_str(), "invitees see the meeting");

    // Invitees confirm; the convener records the decision: three binding shares.
    for bureau in ["transport", "water", "urban-management"] {
        let who = StaffClient::login(&app.base, &staff_name(bureau)).await;
        let confirmed = who.ok(&format!("/api/v1/meetings/{meeting_id}/confirm"), json!({})).await;
        let me = confirmed["invitees"]
            .as_array()
            .expect("invitees")
            .iter()
            .find(|i| i["bureau"]["code"] == bureau)
            .cloned();
        assert!(me.is_some_and(|i| i["confirmed_at"].is_string()), "{bureau} confirmed");
    }
    let due = (jiesu_domain::time::now() + chrono::Duration::days(10)).to_rfc3339();
    let convener = StaffClient::login(&app.base, &staff_name("service-centre")).await;
    let decided = convener
        .ok(
            &format!("/api/v1/meetings/{meeting_id}/decision"),
            json!({
                "lead": { "bureau": "urban-management", "scope": "安装通道照明灯具并负责日常维护", "due": due },
                "assists": [
                    { "bureau": "transport", "scope": "对桥体及桥下空间进行美化整治", "due": due },
                    { "bureau": "water", "scope": "修复通道路面并疏通排水", "due": due },
                ],
                "minutes": "现场协调会：按谁出面处置最有效原则，城管局主办照明，交通运输局、水务局协办。",
                "attended": SEVEN.map(|(b, ..)| b),
                "propose_rule": true,
            }),
        )
        .await;
    assert_eq!(decided["state"], "decided");
    assert!(decided["decision"]["proposal"].is_string(), "a rule is proposed: {decided}");

    // Binding tasks: no disclaiming them; each bureau resolves its share.
    for (bureau, result) in [
        ("transport", "桥体已美化"),
        ("water", "路面已修复，排水已疏通"),
        ("urban-management", "已安装照明灯具"),
    ] {
        let who = StaffClient::login(&app.base, &staff_name(bureau)).await;
        let task = who.task_for(&id, "dispatched").await.unwrap_or_else(|| panic!("{bureau}'s binding task"));
        let (_, t) = who.get(&format!("/api/v1/tasks/{task}")).await;
        assert_eq!(t["binding"], true);
        let (status, refused) = who
            .post(
                &format!("/api/v1/tasks/{task}/disclaim"),
                json!({ "reason": "not_our_function", "explanation": "再退" }),
            )
            .await;
        assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("binding_task")));
        who.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
        who.ok(&format!("/api/v1/tasks/{task}/resolve"), json!({ "result": result })).await;
    }
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    assert_eq!(case["request"]["status"], "resolved", "the lead and both assists are done");
    desk.ok(&format!("/api/v1/requests/{id}/review"), json!({ "approve": true })).await;
    let answers = [("solved", "yes"), ("satisfaction", "satisfied")];
    let (status, _) = jiesu_e2e::citizen::give_visit(&app.base, &id, "5678", &answers).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(citizen.get(&id).await.body[0]["status"], "closed");
    let (_, case) = desk.get(&format!("/api/v1/requests/{id}")).await;
    let types: Vec<&str> = case["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types.iter().filter(|t| **t == "task_disclaimed").count(), 7);
    for t in [
        "request_escalated",
        "meeting_called",
        "meeting_decided",
        "rule_proposed",
        "return_visit_recorded",
        "request_closed",
    ] {
        assert_eq!(types.iter().filter(|x| **x == t).count(), 1, "{t} once: {types:?}");
    }
    // Disclaimed three times (ping-pong) it was escalated and the meeting called while the last
    // candidates were still tried; when they had all disclaimed too (exhausted), that escalation
    // joined the same meeting.
    let escalations = case["escalations"].as_array().expect("escalations");
    let mut triggers: Vec<&str> =
        escalations.iter().map(|e| e["trigger"].as_str().expect("trigger")).collect();
    triggers.sort_unstable();
    assert_eq!(triggers, ["exhausted", "ping_pong"]);
    assert!(escalations.iter().all(|e| e["state"] == "decided"), "{escalations:?}");
    assert_eq!(case["return_visits"][0]["satisfaction"], "satisfied");

    // A supervisor accepts the rule the meeting proposed: the next such request at the same place
    // goes straight to urban management, no disclaims, and its explanation names the meeting.
    let proposal = decided["decision"]["proposal"].as_str().expect("proposal");
    let (status, proposed) = boss.get(&format!("/api/v1/rules/proposed/{proposal}")).await;
    assert_eq!(status, StatusCode::OK, "{proposed}");
    assert_eq!(proposed["lead"]["code"], "urban-management");
    boss.ok(&format!("/api/v1/rules/proposed/{proposal}/accept"), json!({ "note": "写入职责清单" })).await;
    let next = citizen.post(&UNDERPASS, None).await.expect("POST").id();
    let record = citizen.wait_for(&next, Duration::from_secs(15)).await;
    assert_eq!(record["agency_responsible"], "坪山区城市管理和综合执法局");
    let (_, next_case) = desk.get(&format!("/api/v1/requests/{next}")).await;
    let lead = &next_case["routing"]["candidates"][0];
    assert_eq!(lead["bureau"]["code"], "urban-management");
    assert!(lead["explanation"].as_str().is_some_and(|e| e.contains("coordination meeting")), "{lead}");
    assert_eq!(next_case["disclaims"], json!([]));
    let assists: Vec<&str> = next_case["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|t| t["role"] == "assist")
        .map(|t| t["bureau"]["code"].as_str().expect("code"))
        .collect();
    assert_eq!(assists, ["transport", "water"], "with the assists the meeting named");
    app.stop().await;
}
