//! The responsibility list learns from coordination meetings: a rule a meeting proposed, once a
//! supervisor accepts it over HTTP, routes the next request of that kind at that place straight
//! to its lead, with no disclaims and an explanation naming the meeting, without a restart. An
//! edited acceptance routes by the edits, a declined rule changes nothing, and a rule that would
//! tie with the list in force is refused (409) until the supervisor narrows it. At scale, another
//! process that only dispatches follows an acceptance within `district.reload_secs`.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::rules::Proposal;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::{Value, json};

jiesu_e2e::e2e_on_both_backends!(
    an_accepted_rule_routes_the_next_request_of_its_kind_and_place_straight_to_its_lead,
    an_edited_acceptance_routes_by_the_edits,
    a_declined_rule_changes_nothing,
    a_rule_that_would_tie_is_refused_and_changes_nothing_until_narrowed,
    a_file_edit_that_overrides_an_accepted_rule_leaves_it_out_without_stopping_the_service,
);

const SOON: Duration = Duration::from_secs(15);
const URBAN: &str = "坪山区城市管理和综合执法局";
const TRANSPORT: &str = "坪山区交通运输局";
/// The underpass's lamps in Kengzi: street lights, which the files give to urban management.
const KENGZI_LAMP: [(&str, &str); 4] = [
    ("service_code", "010101"),
    ("lat", "22.742"),
    ("long", "114.387"),
    ("description", "桥下通道的路灯不亮"),
];
/// The same kind of request in another street, where the files still decide.
const ELSEWHERE_LAMP: [(&str, &str); 4] =
    [("service_code", "010101"), ("lat", "22.755"), ("long", "114.315"), ("description", "路灯不亮")];
/// What the meeting decided: Kengzi's street lights go to transport, urban management assisting.
const KENGZI_TO_TRANSPORT: Proposal<'static> = Proposal {
    categories: &["010101"],
    areas: &["pingshan.kengzi"],
    lead: "transport",
    assists: &["urban-management"],
};

/// Posts a request and waits until it is routed; answers its tracking number and lead's name.
async fn submit(citizen: &Open311Client, fields: &[(&str, &str)]) -> (String, String) {
    let id = citizen.post(fields, None).await.expect("POST").id();
    let record = citizen.wait_for(&id, SOON).await;
    (id, record["agency_responsible"].as_str().expect("routed").to_owned())
}

struct World {
    app: jiesu_e2e::backend::Running,
    citizen: Open311Client,
    boss: StaffClient,
}

async fn start(backend: &Backend) -> World {
    let key = backend.api_key("e2e").await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    backend.add_staff("root", StaffRole::Admin, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);
    let boss = StaffClient::login(&app.base, "boss").await;
    World { app, citizen, boss }
}

/// A request whose coordination meeting proposed `rule`; answers the proposal's id.
async fn proposed(backend: &Backend, w: &World, rule: Proposal<'_>) -> (String, String) {
    let (tracking, _) = submit(&w.citizen, &KENGZI_LAMP).await;
    let p = backend.propose_rule(&tracking, rule).await;
    (p.id.to_string(), p.meeting_id.to_string())
}

fn history_types(case: &Value) -> Vec<&str> {
    case["history"].as_array().expect("history").iter().map(|h| h["type"].as_str().expect("type")).collect()
}

async fn an_accepted_rule_routes_the_next_request_of_its_kind_and_place_straight_to_its_lead(
    backend: Backend,
) {
    let w = start(&backend).await;
    let (first, lead) = submit(&w.citizen, &KENGZI_LAMP).await;
    assert_eq!(lead, URBAN, "the files decide before the meeting");
    let rule = backend.propose_rule(&first, KENGZI_TO_TRANSPORT).await;
    let (id, meeting) = (rule.id.to_string(), rule.meeting_id.to_string());

    let (status, listed) = w.boss.get("/api/v1/rules/proposed?state=proposed").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["proposals"][0]["id"], id.as_str());
    let (_, shown) = w.boss.get(&format!("/api/v1/rules/proposed/{id}")).await;
    assert_eq!(shown["request"]["tracking"], first.as_str());
    assert_eq!(shown["rule"]["in_force"], false, "proposed is not in force");
    assert_eq!(submit(&w.citizen, &KENGZI_LAMP).await.1, URBAN, "not before a supervisor accepts it");

    let accepted =
        w.boss.ok(&format!("/api/v1/rules/proposed/{id}/accept"), json!({ "note": "依会议纪要" })).await;
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["rule"]["in_force"], true);
    assert_eq!(accepted["decision"]["by"], "boss");
    // And in the administrators' audit log, by whom.
    let root = jiesu_e2e::pages::PageSession::sign_in(&w.app.base, "root").await;
    let (_, log) = root.get("/staff/admin/audit.csv?action=rule_decided").await;
    let decided: Vec<&str> = log.lines().skip(1).collect();
    assert_eq!(decided.len(), 1, "{log}");
    assert!(decided[0].contains(",boss,rule_decided,") && decided[0].contains("accepted"), "{log}");

    // The next request of that kind at that place goes straight to transport, no disclaims.
    let (next, lead) = submit(&w.citizen, &KENGZI_LAMP).await;
    assert_eq!(lead, TRANSPORT);
    let (status, case) = w.boss.get(&format!("/api/v1/requests/{next}")).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let lead = &case["routing"]["candidates"][0];
    assert_eq!(lead["bureau"]["code"], "transport");
    assert_eq!(lead["assists"][0]["code"], "urban-management");
    let explanation = lead["explanation"].as_str().expect("explained");
    assert!(explanation.contains(&format!("coordination meeting {meeting}")), "{explanation}");
    assert_eq!(case["disclaims"], json!([]));
    assert!(!history_types(&case).contains(&"task_disclaimed"));
    let routed = case["history"].as_array().expect("history").iter().find(|h| h["type"] == "request_routed");
    assert!(routed.is_some_and(|h| h["text"].as_str().is_some_and(|t| t.contains("协调会"))), "{case}");

    // Elsewhere the files still decide; the meeting's request records the decision.
    assert_eq!(submit(&w.citizen, &ELSEWHERE_LAMP).await.1, URBAN);
    let (_, origin) = w.boss.get(&format!("/api/v1/requests/{first}")).await;
    assert_eq!(history_types(&origin).last(), Some(&"rule_accepted"), "{origin}");
    let (_, none) = w.boss.get("/api/v1/rules/proposed/00000000-0000-7000-8000-000000000000").await;
    assert_eq!(none["error"]["code"], "not_found");
    w.app.stop().await;
}

async fn an_edited_acceptance_routes_by_the_edits(backend: Backend) {
    let w = start(&backend).await;
    let (id, _) = proposed(&backend, &w, KENGZI_TO_TRANSPORT).await;
    let edits = json!({ "note": "改由水务局主办", "edits": {
        "lead": "water", "assists": [], "areas": ["pingshan.kengzi"], "note": "桥下通道积水与照明一并处理",
    }});
    let accepted = w.boss.ok(&format!("/api/v1/rules/proposed/{id}/accept"), edits).await;
    assert_eq!(accepted["lead"]["code"], "water");
    assert_eq!(accepted["assists"], json!([]));
    assert_eq!(accepted["note"], "桥下通道积水与照明一并处理");
    let (next, lead) = submit(&w.citizen, &KENGZI_LAMP).await;
    assert_eq!(lead, "坪山区水务局", "routed by the edited rule, not the meeting's");
    let (_, case) = w.boss.get(&format!("/api/v1/requests/{next}")).await;
    assert_eq!(case["routing"]["candidates"][0]["assists"], json!([]));
    let (_, listed) = w.boss.get("/api/v1/rules/proposed?state=accepted").await;
    assert_eq!(listed["proposals"].as_array().map(Vec::len), Some(1));
    w.app.stop().await;
}

async fn a_declined_rule_changes_nothing(backend: Backend) {
    let w = start(&backend).await;
    let (id, _) = proposed(&backend, &w, KENGZI_TO_TRANSPORT).await;
    let declined =
        w.boss.ok(&format!("/api/v1/rules/proposed/{id}/decline"), json!({ "note": "维持现行清单" })).await;
    assert_eq!(declined["state"], "declined");
    assert_eq!(declined["decision"]["note"], "维持现行清单");
    assert_eq!(submit(&w.citizen, &KENGZI_LAMP).await.1, URBAN, "the list is as it was");
    let (status, again) = w.boss.post(&format!("/api/v1/rules/proposed/{id}/accept"), json!({})).await;
    assert_eq!(
        (status, &again["error"]["code"]),
        (StatusCode::CONFLICT, &json!("already_decided")),
        "{again}"
    );
    assert_eq!(submit(&w.citizen, &KENGZI_LAMP).await.1, URBAN);
    w.app.stop().await;
}

async fn a_rule_that_would_tie_is_refused_and_changes_nothing_until_narrowed(backend: Backend) {
    let w = start(&backend).await;
    // Sanitation in Shijing: the files already have a street-level rule for exactly that.
    let sanitation =
        Proposal { categories: &["0102"], areas: &["pingshan.shijing"], lead: "water", assists: &[] };
    let (id, _) = proposed(&backend, &w, sanitation).await;
    let accept = format!("/api/v1/rules/proposed/{id}/accept");
    let (status, refused) = w.boss.post(&accept, json!({})).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (StatusCode::CONFLICT, &json!("rule_conflict")),
        "{refused}"
    );
    let message = refused["error"]["message"].as_str().expect("message");
    assert!(message.contains("ties with rule `shijing-sanitation`"), "{message}");
    let (status, unknown) = w.boss.post(&accept, json!({ "edits": { "lead": "no-such-bureau" } })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{unknown}");
    assert!(
        unknown["error"]["message"].as_str().is_some_and(|m| m.contains("unknown bureau `no-such-bureau`"))
    );
    let (_, shown) = w.boss.get(&format!("/api/v1/rules/proposed/{id}")).await;
    assert_eq!((&shown["state"], &shown["rule"]["in_force"]), (&json!("proposed"), &json!(false)));
    assert_eq!(submit(&w.citizen, &KENGZI_LAMP).await.1, URBAN, "nothing changed");

    // A rule accepted earlier is part of the list a new one must fit.
    let (lamps, _) = proposed(&backend, &w, KENGZI_TO_TRANSPORT).await;
    w.boss.ok(&format!("/api/v1/rules/proposed/{lamps}/accept"), json!({})).await;
    let rival = Proposal { lead: "street-kengzi", assists: &[], ..KENGZI_TO_TRANSPORT };
    let (rival, _) = proposed(&backend, &w, rival).await;
    let (status, tie) = w.boss.post(&format!("/api/v1/rules/proposed/{rival}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{tie}");
    assert_eq!(submit(&w.citizen, &KENGZI_LAMP).await.1, TRANSPORT, "the accepted rule stays in force");

    // Narrowed to one community, the sanitation rule fits: the more specific rule wins there.
    let narrowed = w.boss.ok(&accept, json!({ "edits": { "areas": ["pingshan.shijing.tiantou"] } })).await;
    assert_eq!((&narrowed["state"], &narrowed["rule"]["in_force"]), (&json!("accepted"), &json!(true)));
    w.app.stop().await;
}

/// Posts lamp requests in Kengzi until one goes to `to`, for at most `within`; answers the last lead.
async fn lead_becomes(citizen: &Open311Client, to: &str, within: Duration) -> String {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let lead = submit(citizen, &KENGZI_LAMP).await.1;
        if lead == to || tokio::time::Instant::now() > deadline {
            return lead;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// A file rule for exactly the accepted rule's category and area, with another lead: a tie.
const FILE_OVERRIDE: &str = r#"version = "2026-12-01"

[[rule]]
id = "kengzi-street-lights"
categories = ["010101"]
areas = ["pingshan.kengzi"]
lead = "water"
"#;

async fn a_file_edit_that_overrides_an_accepted_rule_leaves_it_out_without_stopping_the_service(
    backend: Backend,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    jiesu_e2e::copy_sample_district(dir.path());
    let key = backend.api_key("e2e").await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let settings = |s: &mut jiesu::Settings| {
        s.district.dir = dir.path().to_owned();
        s.district.reload_secs = 1;
    };
    let app = backend.start_with(Roles::ALL, settings).await;
    let citizen = Open311Client::new(&app.base, &key);
    let boss = StaffClient::login(&app.base, "boss").await;
    let (first, _) = submit(&citizen, &KENGZI_LAMP).await;
    let id = backend.propose_rule(&first, KENGZI_TO_TRANSPORT).await.id;
    boss.ok(&format!("/api/v1/rules/proposed/{id}/accept"), json!({})).await;
    assert_eq!(submit(&citizen, &KENGZI_LAMP).await.1, TRANSPORT);

    // The files now say otherwise: they win, the accepted rule is left out (and logged).
    let file = dir.path().join("rules/zz-kengzi.toml");
    std::fs::write(&file, FILE_OVERRIDE).expect("write a rule file");
    assert_eq!(lead_becomes(&citizen, "坪山区水务局", SOON).await, "坪山区水务局");
    let (_, shown) = boss.get(&format!("/api/v1/rules/proposed/{id}")).await;
    assert_eq!((&shown["state"], &shown["rule"]["in_force"]), (&json!("accepted"), &json!(false)));
    app.stop().await;

    // A restart composes the same way instead of refusing to start.
    let app = backend.start_with(Roles::ALL, settings).await;
    let citizen = Open311Client::new(&app.base, &key);
    assert_eq!(submit(&citizen, &KENGZI_LAMP).await.1, "坪山区水务局");
    // Without the file rule, the accepted rule is in force again.
    std::fs::remove_file(&file).expect("remove the rule file");
    assert_eq!(lead_becomes(&citizen, TRANSPORT, SOON).await, TRANSPORT);
    app.stop().await;
}

/// Two processes on one database and broker: one takes requests and decisions (no dispatcher),
/// the other only dispatches. The dispatcher has no API to hear of the acceptance: it polls the
/// rulebook every `district.reload_secs`.
mod at_scale_only {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_dispatch_only_process_routes_by_an_accepted_rule_within_reload_secs() {
        let backend = Backend::at_scale().await;
        let key = backend.api_key("e2e").await;
        backend.add_staff("boss", StaffRole::Supervisor, None).await;
        let front = Roles {
            intake: true,
            api: true,
            dispatch: false,
            relay: true,
            escalation: false,
            stats: false,
            notify: false,
        };
        let app = backend.start(front).await;
        let dispatch = Roles {
            intake: false,
            api: false,
            dispatch: true,
            relay: false,
            escalation: false,
            stats: false,
            notify: false,
        };
        let dispatcher = backend.start_with(dispatch, |s| s.district.reload_secs = 1).await;
        let citizen = Open311Client::new(&app.base, &key);
        let boss = StaffClient::login(&app.base, "boss").await;

        let (first, lead) = submit(&citizen, &KENGZI_LAMP).await;
        assert_eq!(lead, URBAN);
        let id = backend.propose_rule(&first, KENGZI_TO_TRANSPORT).await.id;
        boss.ok(&format!("/api/v1/rules/proposed/{id}/accept"), json!({})).await;
        let accepted_at = tokio::time::Instant::now();
        // Within a poll (1 s), give or take a request's trip through the queue.
        let mut lead = submit(&citizen, &KENGZI_LAMP).await.1;
        while lead != TRANSPORT && accepted_at.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            lead = submit(&citizen, &KENGZI_LAMP).await.1;
        }
        assert_eq!(lead, TRANSPORT, "the dispatcher follows within reload_secs");
        assert!(accepted_at.elapsed() < Duration::from_secs(5));
        dispatcher.stop().await;
        app.stop().await;
    }
}
