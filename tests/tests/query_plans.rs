//! No statement the application runs scans a big table from end to end. On PostgreSQL with a
//! history of about 100,000 requests (their tasks, clocks, events and return visits), the test
//! drives what the district's people and the workers do (Open311 reads and writes, the tracking
//! page, every staff, desk and supervisor action and listing with its next page by cursor, a
//! bureau inbox's tabs with their counts, 秒回's queue, 我的诉求, dispatch, relay, escalation). The
//! database runs every statement on its generic plan (the plan PostgreSQL settles on once a
//! prepared statement has run a few times, whatever its parameters) and `auto_explain` sends
//! each plan to the application's connection as a notice, in JSON: no `Seq Scan` of a big table
//! may appear in any of them.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ports::{Cases, ClockWindow, Cursor, Listing, Page, TaskQuery};
use jiesu_domain::staff::{Scope, StaffRole};
use jiesu_domain::task::TaskState;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_store_postgres::{PgSettings, PgStore};
use serde_json::{Value, json};
use sqlx::{Executor, PgPool};

/// Tables that grow with the district's history: a sequential scan of any of them is a defect.
const BIG: &[&str] =
    &["requests", "tasks", "deadlines", "desk_clocks", "events", "return_visits", "disclaims", "extensions"];

/// The templates' categories; the first three are led by urban management.
const CATEGORIES: &[&str] = &["010101", "010101", "010101", "010102", "010105", "030101", "020102"];

/// Copies of each template request in the history.
const COPIES: i64 = 14_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_statement_scans_a_big_table_from_end_to_end() {
    let backend = Backend::at_scale().await;
    let pool = PgPool::connect(&backend.database_url).await.expect("connect");
    explain_everything(&pool).await;
    let key = backend.api_key("plans").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start(Roles::ALL).await;
    let citizen = Open311Client::new(&app.base, &key);

    // The templates, through the pipeline: three lamps out (urban management's), a damaged road,
    // a burst pipe, a smoky kitchen and a blocked walkway, so the history spreads over bureaus.
    let mut templates = Vec::new();
    for (i, code) in CATEGORIES.iter().enumerate() {
        templates.push(submit(&citizen, code, i).await);
    }
    let started = std::time::Instant::now();
    grow_history(&pool).await;
    eprintln!("history of {} requests in {:?}", CATEGORIES.len() as i64 * (COPIES + 1), started.elapsed());

    let inbox =
        PgStore::connect(&backend.database_url, &PgSettings { max_connections: 2, ..PgSettings::default() })
            .await
            .expect("connect");
    let ((), recorded) = jiesu_testkit::queries::record(async {
        people_and_workers(&app.base, &citizen, &templates).await;
        inbox_tabs(&inbox).await;
        desk_queues(&inbox).await;
        answers_and_mine(&inbox).await;
    })
    .await;
    app.stop().await;

    let plans: Vec<Value> = recorded.notices.iter().filter_map(|n| plan_in(n)).collect();
    let mut planned: Vec<&str> = plans.iter().filter_map(|p| p["Query Text"].as_str()).collect();
    planned.sort_unstable();
    planned.dedup();
    assert!(planned.len() > 40, "the scenario's statements were planned: {} of them", planned.len());
    // Each listing's next page, after a cursor, among them.
    for keyset in [
        "(t.dispatched_at, t.id) <",
        "(d.due_at, d.id) >",
        "(updated_at, id) >",
        "(due_at, id) >",
        "(opened_at, id) >",
        "(received_at, id) <",
    ] {
        assert!(planned.iter().any(|sql| sql.contains(keyset)), "no statement with `{keyset}` was planned");
    }
    // 秒回's queue and 我的诉求 among them.
    for table in ["kb_questions_done d WHERE d.request_id", "FROM kb_answers", "contact_openid ="] {
        assert!(planned.iter().any(|sql| sql.contains(table)), "no statement with `{table}` was planned");
    }
    let mut scans: Vec<String> = plans
        .iter()
        .flat_map(|p| {
            let mut found = Vec::new();
            walk(&p["Plan"], &mut found);
            let sql = one_line(p["Query Text"].as_str().unwrap_or_default());
            let mut tree = String::new();
            outline(&p["Plan"], 1, &mut tree);
            found.into_iter().map(move |table| format!("{table}: {sql}\n{tree}"))
        })
        .collect();
    scans.sort_unstable();
    scans.dedup();
    assert!(scans.is_empty(), "{} statements scan a big table:\n{}", scans.len(), scans.join("\n"));
}

/// From now on, every session of this test's database plans on generic plans and has
/// `auto_explain` send it each plan as a notice.
async fn explain_everything(pool: &PgPool) {
    let db: String = sqlx::query_scalar("SELECT current_database()").fetch_one(pool).await.expect("name");
    for setting in [
        "session_preload_libraries = 'auto_explain'",
        "auto_explain.log_min_duration = 0",
        "auto_explain.log_level = 'notice'",
        "auto_explain.log_format = 'json'",
        "plan_cache_mode = 'force_generic_plan'",
    ] {
        pool.execute(sqlx::AssertSqlSafe(format!("ALTER DATABASE \"{db}\" SET {setting}")))
            .await
            .expect("set");
    }
}

/// The plan in one of `auto_explain`'s notices ("duration: 0.1 ms  plan:\n{...}").
fn plan_in(notice: &str) -> Option<Value> {
    let (_, json) = notice.split_once("plan:")?;
    serde_json::from_str(json.trim()).ok()
}

/// Posts a report of category `code`, `i` × 300 m east of the lamp, and waits until it is
/// stored; its tracking number.
async fn submit(citizen: &Open311Client, code: &str, i: usize) -> String {
    let long = format!("{:.4}", 114.387 + 0.003 * i as f64);
    let report: Vec<(&str, &str)> = LAMP
        .iter()
        .map(|&(k, v)| match k {
            "long" => (k, long.as_str()),
            "service_code" => (k, code),
            _ => (k, v),
        })
        .collect();
    let id = citizen.post(&report, None).await.expect("POST").id();
    citizen.wait_for(&id, Duration::from_secs(15)).await;
    id
}

/// Copies the stored requests `COPIES` times each, spread back over two years, nearly all closed
/// with their tasks resolved, clocks met and a return visit, as a district's history is; then
/// refreshes the planner's statistics.
async fn grow_history(pool: &PgPool) {
    let statements = [
        format!(
            "CREATE TABLE copy_requests AS SELECT r.id AS old_id, gen_random_uuid() AS new_id, g,
                    g <= {COPIES} / 50 AS open
             FROM requests r, generate_series(1, {COPIES}) g"
        ),
        "CREATE TABLE copy_tasks AS SELECT t.id AS old_id, gen_random_uuid() AS new_id, c.new_id AS request_id,
                c.g, c.open
         FROM tasks t JOIN copy_requests c ON c.old_id = t.request_id"
            .to_owned(),
        "INSERT INTO requests (id, tracking, channel, channel_ref, kind, category, description, lat, lon,
                address, contact_name, contact_phone, contact_email, contact_openid, attributes, media, area,
                status, received_at, created_at, updated_at, contact_confidential, title, urgency,
                category_text, area_hint, answer, operator, version, routing)
         SELECT c.new_id, upper(substr(md5(c.new_id::text), 1, 12)), r.channel, r.channel_ref || '-' || c.g,
                r.kind, r.category, r.description, r.lat + (random() - 0.5) * 0.1, r.lon + (random() - 0.5) * 0.1,
                r.address, r.contact_name, r.contact_phone, r.contact_email, r.contact_openid, r.attributes,
                r.media, r.area, CASE WHEN c.open THEN r.status ELSE 'closed' END,
                r.received_at - c.g * interval '10 minutes', r.created_at - c.g * interval '10 minutes',
                r.updated_at - c.g * interval '10 minutes', r.contact_confidential, r.title, r.urgency,
                r.category_text, r.area_hint, r.answer, r.operator, r.version, r.routing
         FROM requests r JOIN copy_requests c ON c.old_id = r.id"
            .to_owned(),
        "INSERT INTO tasks (id, request_id, bureau, role, state, binding, dispatched_at, updated_at, scope)
         SELECT c.new_id, c.request_id, t.bureau, t.role, CASE WHEN c.open THEN t.state ELSE 'resolved' END,
                t.binding, t.dispatched_at - c.g * interval '10 minutes', t.updated_at - c.g * interval '10 minutes',
                t.scope
         FROM tasks t JOIN copy_tasks c ON c.old_id = t.id"
            .to_owned(),
        "INSERT INTO deadlines (id, request_id, task_id, kind, class, due_at, state, settled_at, stage,
                next_action_at)
         SELECT gen_random_uuid(), c.request_id, c.new_id, d.kind, d.class, d.due_at - c.g * interval '10 minutes',
                CASE WHEN c.open THEN d.state ELSE 'met' END,
                CASE WHEN c.open THEN d.settled_at ELSE d.due_at - c.g * interval '10 minutes' END, d.stage,
                CASE WHEN c.open THEN d.next_action_at END
         FROM deadlines d JOIN copy_tasks c ON c.old_id = d.task_id"
            .to_owned(),
        "INSERT INTO events (id, request_id, task_id, kind, payload, occurred_at)
         SELECT gen_random_uuid(), c.new_id, t.new_id, e.kind, e.payload,
                e.occurred_at - c.g * interval '10 minutes'
         FROM events e JOIN copy_requests c ON c.old_id = e.request_id
         LEFT JOIN copy_tasks t ON t.old_id = e.task_id AND t.g = c.g"
            .to_owned(),
        "INSERT INTO return_visits (id, request_id, solved, satisfaction, comment, operator, at)
         SELECT gen_random_uuid(), c.new_id, true, 'satisfied', NULL, 'desk',
                now() - c.g * interval '10 minutes'
         FROM copy_requests c WHERE NOT c.open"
            .to_owned(),
        // One in ten disclaimed once (and accepted), one in twenty given a longer deadline.
        "INSERT INTO disclaims (id, request_id, task_id, bureau, reason, explanation, by_user, at, state,
                decided_by, decided_at)
         SELECT gen_random_uuid(), c.request_id, c.new_id, t.bureau, 'not_our_function', '不属本单位职责',
                'clerk', t.dispatched_at - c.g * interval '10 minutes', 'accepted', 'desk',
                t.dispatched_at - c.g * interval '10 minutes'
         FROM tasks t JOIN copy_tasks c ON c.old_id = t.id WHERE c.g % 10 = 0"
            .to_owned(),
        "INSERT INTO extensions (id, request_id, task_id, bureau, days, reason, requested_by, requested_at,
                state, decided_by, decided_at)
         SELECT gen_random_uuid(), c.request_id, c.new_id, t.bureau, 2, '等待配件', 'clerk',
                t.dispatched_at - c.g * interval '10 minutes', 'approved', 'boss',
                t.dispatched_at - c.g * interval '10 minutes'
         FROM tasks t JOIN copy_tasks c ON c.old_id = t.id WHERE c.g % 20 = 0"
            .to_owned(),
        // Every closed copy's result was reviewed at the desk in time: a settled desk clock each.
        "INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, settled_at, stage)
         SELECT gen_random_uuid(), c.new_id, 'closure_review', NULL, now() - c.g * interval '10 minutes',
                now() - c.g * interval '10 minutes' + interval '1 day', 'met',
                now() - c.g * interval '10 minutes' + interval '1 hour', 0
         FROM copy_requests c WHERE NOT c.open"
            .to_owned(),
        "DROP TABLE copy_tasks".to_owned(),
        "DROP TABLE copy_requests".to_owned(),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        pool.execute(sqlx::AssertSqlSafe(sql)).await.expect("grow the history");
    }
}

/// What the district's people do in a day, and the workers behind them.
async fn people_and_workers(base: &str, citizen: &Open311Client, templates: &[String]) {
    // Citizens and Open311 clients.
    let fresh = submit(citizen, "010101", 9).await;
    for q in [
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests.json?service_code=010101",
        "/open311/v2/requests.json?status=open",
        "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-02-01T00:00:00Z",
        "/open311/v2/requests.json?page_size=20",
        "/open311/v2/requests.json?status=closed&service_code=010101&page_size=20",
    ] {
        let got = reqwest::get(format!("{base}{q}")).await.expect("GET");
        assert!(got.status().is_success(), "{q}: {}", got.status());
        // And the next page, where the Link header says there is one.
        if let Some(next) = got.headers().get("link").and_then(|l| l.to_str().ok()) {
            let next = next.trim_start_matches('<').split('>').next().expect("<url>");
            let got = reqwest::get(next).await.expect("GET");
            assert!(got.status().is_success(), "{next}: {}", got.status());
        }
    }
    citizen.get(&fresh).await;

    let um = StaffClient::login(base, "um-staff").await;
    let desk = StaffClient::login(base, "desk").await;
    let boss = StaffClient::login(base, "boss").await;

    // Listings as each of them opens them, and their next pages. The history holds no escalations
    // and its open requests wait for no desk: their next pages are asked for after a cursor made
    // here, a year back.
    let a_year_back = |listing| {
        let at = chrono::Utc::now() - chrono::Duration::days(365);
        Cursor::new(at, uuid::Uuid::nil()).encode(listing)
    };
    for q in [
        "/api/v1/tasks?page_size=20",
        "/api/v1/tasks?state=dispatched&page_size=20",
        "/api/v1/tasks?state=claimed&overdue=true&page_size=20",
        "/api/v1/tasks?bureau=urban-management&page_size=20",
    ] {
        um.get_next(q).await;
        boss.get_next(q).await;
    }
    for q in ["dispatch", "review", "visit", "escalated"] {
        desk.get_next(&format!("/api/v1/desk?queue={q}&page_size=2")).await;
        desk.get_next(&format!("/api/v1/desk?queue={q}&after={}", a_year_back(Listing::Desk))).await;
    }
    for q in
        ["?page_size=20", "?state=open", "?trigger=exhausted,ping_pong&state=open", "?older_than_hours=4"]
    {
        boss.get_next(&format!("/api/v1/escalations{q}")).await;
        boss.get_next(&format!("/api/v1/escalations{q}&after={}", a_year_back(Listing::Escalations))).await;
    }
    boss.get("/api/v1/extensions").await;
    boss.get("/api/v1/meetings?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z").await;
    boss.get("/api/v1/rules/proposed").await;

    // A whole lifecycle: claimed, progress, an extension asked and refused, resolved, reviewed,
    // visited; another disclaimed and placed again; the phone number revealed.
    let task = um.task_for(&templates[0], "dispatched").await.expect("a task to claim");
    um.get(&format!("/api/v1/tasks/{task}")).await;
    um.ok(&format!("/api/v1/tasks/{task}/claim"), json!({})).await;
    um.ok(&format!("/api/v1/tasks/{task}/progress"), json!({ "note": "已派人查看" })).await;
    let asked =
        um.ok(&format!("/api/v1/tasks/{task}/extension"), json!({ "days": 2, "reason": "等待配件" })).await;
    if let Some(ext) = extension_id(&asked) {
        boss.ok(&format!("/api/v1/extensions/{ext}/decision"), json!({ "approve": false })).await;
    }
    um.ok(&format!("/api/v1/tasks/{task}/resolve"), json!({ "result": "灯具已更换" })).await;
    desk.ok(&format!("/api/v1/requests/{}/review", templates[0]), json!({ "approve": true })).await;
    desk.ok(&format!("/api/v1/requests/{}/visit", templates[0]), json!({ "solved": true })).await;
    desk.ok(&format!("/api/v1/requests/{}/reveal-phone", templates[1]), json!({})).await;
    boss.get(&format!("/api/v1/requests/{}", templates[1])).await;

    let other = um.task_for(&templates[2], "dispatched").await.expect("a task to disclaim");
    um.ok(
        &format!("/api/v1/tasks/{other}/disclaim"),
        json!({ "reason": "unclear_ownership", "explanation": "产权不明" }),
    )
    .await;
    // Held for the desk only where the district reviews disclaims; otherwise it went onward.
    let _ = desk.post(&format!("/api/v1/tasks/{other}/disclaim-review"), json!({ "accept": true })).await;
    desk.ok(&format!("/api/v1/requests/{}/transfer", templates[3]), json!({ "bureau": "water" })).await;

    // The citizen's tracking page, and the workers catching up (relay, escalation, scanner).
    let _ = jiesu_e2e::citizen::track(base, &templates[1], "5678").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
}

/// A bureau inbox's tabs as the staff pages read them from the store, for a bureau and for the
/// whole district: each tab's count up to a cap, and its first page and the page after it, newest
/// first and (the open tabs) most urgent first.
async fn inbox_tabs(store: &PgStore) {
    let now = chrono::Utc::now();
    let states = |states: &[TaskState]| TaskQuery { states: states.to_vec(), ..TaskQuery::default() };
    let clock = |w| TaskQuery { clock: Some(w), ..TaskQuery::default() };
    let urgent = |q: &TaskQuery| TaskQuery { clock: Some(ClockWindow::any()), ..q.clone() };
    let (waiting, working) =
        (states(&[TaskState::Dispatched]), states(&[TaskState::Claimed, TaskState::DisclaimRequested]));
    let tabs = [
        vec![urgent(&waiting), waiting],
        vec![urgent(&working), working],
        vec![clock(ClockWindow::due_soon(now, now + chrono::Duration::days(1)))],
        vec![clock(ClockWindow::overdue(now))],
        vec![states(&[TaskState::Resolved])],
    ];
    let um = Scope::Bureau(BureauCode::parse("urban-management").expect("code"));
    for scope in [um, Scope::All] {
        for orders in &tabs {
            store.count_tasks(&scope, orders.last().expect("a tab"), 1000).await.expect("count");
            for q in orders {
                let key = if q.clock.is_some() { Cursor::of_task_by_clock } else { Cursor::of_task };
                let first = TaskQuery { page: Page::first(2), ..q.clone() };
                let listed = store.list_tasks(&scope, &first).await.expect("list");
                // The page after the first's last row, or after a place a year back where the
                // first was empty (no task of this history is due soon).
                let a_year_back = || Cursor::new(now - chrono::Duration::days(365), uuid::Uuid::nil());
                let cursor = listed.last().map_or_else(a_year_back, key);
                let next = TaskQuery { page: Page::after(20, cursor), ..q.clone() };
                store.list_tasks(&scope, &next).await.expect("list");
            }
        }
    }
}

/// The desk's timed queues as its pages read them: each kind's first page, and the page after a
/// place a year back.
async fn desk_queues(store: &PgStore) {
    let a_year_back = Cursor::new(chrono::Utc::now() - chrono::Duration::days(365), uuid::Uuid::nil());
    for kind in jiesu_domain::desk::DeskClockKind::ALL {
        store.desk_clocks_due(kind, Page::first(30)).await.expect("list");
        store.desk_clocks_due(kind, Page::after(30, a_year_back)).await.expect("list");
    }
}

/// 秒回's queue as a bureau's page and the desk's read it (its questions, the answers waiting and
/// what each covers, a question set aside), and a WeChat citizen's 我的诉求.
async fn answers_and_mine(store: &PgStore) {
    use jiesu_domain::ports::{AnswerBook, AnswerState, Store};
    let um = BureauCode::parse("urban-management").expect("code");
    let since = chrono::Utc::now() - chrono::Duration::days(90);
    store.open_questions(Some(&um), since, 400).await.expect("a bureau's questions");
    store.open_questions(None, since, 1000).await.expect("every bureau's");
    store.stored_answers(AnswerState::Proposed, None, 50).await.expect("to review");
    store.stored_answers(AnswerState::Approved, Some(&um), 20).await.expect("approved");
    store.covered_questions(uuid::Uuid::nil()).await.expect("covered");
    let by = jiesu_domain::staff::Username::parse("um-staff").expect("name");
    let none = jiesu_domain::ids::RequestId::generate();
    store.set_aside(none, &um, &by, chrono::Utc::now()).await.expect("set aside");
    let openid = jiesu_domain::contact::OpenId::parse("oJiesuPlans000000000000001").expect("openid");
    store.requests_of_openid(&openid, 50).await.expect("我的诉求");
}

/// The extension's id in a task's reply, wherever the API puts it.
fn extension_id(task: &Value) -> Option<String> {
    let pending = task["extensions"].as_array()?.iter().find(|e| e["state"] == "pending")?;
    pending["id"].as_str().map(str::to_owned)
}

fn walk(node: &Value, found: &mut Vec<String>) {
    if node["Node Type"] == "Seq Scan"
        && let Some(table) = node["Relation Name"].as_str().filter(|t| BIG.contains(t))
    {
        found.push(table.to_owned());
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        walk(child, found);
    }
}

/// The plan as an indented list of nodes with their estimated rows, for the failure message.
fn outline(node: &Value, depth: usize, out: &mut String) {
    let relation = node["Relation Name"].as_str().map(|r| format!(" on {r}")).unwrap_or_default();
    let index = node["Index Name"].as_str().map(|i| format!(" using {i}")).unwrap_or_default();
    out.push_str(&format!(
        "{}{}{relation}{index} (rows {})\n",
        "  ".repeat(depth),
        node["Node Type"],
        node["Plan Rows"]
    ));
    for child in node["Plans"].as_array().into_iter().flatten() {
        outline(child, depth + 1, out);
    }
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}
