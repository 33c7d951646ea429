//! Listings walked page by page over HTTP on both backends, as a client following the next page
//! does: the staff API's task lists and desk queues by `next`, Open311's public list by its
//! `Link: <...>; rel="next"` header. Every row once, in order, rows sharing a time included,
//! nothing repeated when requests arrive mid-walk; no next page after the last; a bureau's cursor
//! shows another bureau nothing of its own; a malformed cursor, another listing's cursor, or
//! `page` with `after` is a 400 in each API's own error format.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use reqwest::StatusCode;
use serde_json::Value;

jiesu_e2e::e2e_on_both_backends!(
    task_pages_follow_next_to_the_end_each_task_once_and_only_the_callers_bureau,
    desk_pages_follow_next_to_the_end_each_request_once,
    a_bad_cursor_or_a_cursor_with_a_page_number_is_a_400,
    open311_link_headers_walk_the_public_list_each_request_once,
    open311_refuses_a_bad_cursor_or_one_with_a_page_number_in_its_error_format,
);

/// Posts the lamp request (urban management's) `n` times and waits until each is stored.
async fn submit(base: &str, key: &str, n: usize) -> Vec<String> {
    let citizen = Open311Client::new(base, key);
    let mut ids = Vec::new();
    for _ in 0..n {
        let id = citizen.post(&LAMP, None).await.expect("POST").id();
        citizen.wait_for(&id, Duration::from_secs(15)).await;
        ids.push(id);
    }
    ids
}

/// Follows `next` from `path` (which has a query) until a page has none: every item of every page
/// under `items`, in order. `between(n)` runs after page `n` (from 0).
async fn walk(
    client: &StaffClient,
    path: &str,
    items: &str,
    mut between: impl AsyncFnMut(usize),
) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut at = path.to_owned();
    for n in 0..100 {
        let (status, page) = client.get(&at).await;
        assert_eq!(status, StatusCode::OK, "{at}: {page}");
        let rows = page[items].as_array().unwrap_or_else(|| panic!("{at}: {page}"));
        assert!(!rows.is_empty(), "{at}: a page with `next` before it is never empty");
        seen.extend(rows.iter().cloned());
        between(n).await;
        match page["next"].as_str() {
            Some(next) => {
                assert!(page.get("page").is_none() || n == 0, "no page number after a cursor: {page}");
                at = format!("{path}&after={next}");
            }
            None => return seen,
        }
    }
    panic!("{path}: the walk does not end");
}

fn ids<'a>(rows: &'a [Value], field: &str) -> Vec<&'a str> {
    rows.iter().map(|r| r[field].as_str().unwrap_or_else(|| panic!("{field} in {r}"))).collect()
}

async fn task_pages_follow_next_to_the_end_each_task_once_and_only_the_callers_bureau(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("um-staff", StaffRole::BureauStaff, Some("urban-management")).await;
    backend.add_staff("water-staff", StaffRole::BureauStaff, Some("water")).await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start_with(Roles::ALL, |s| s.escalation.hotspot.min_requests = 0).await;
    submit(&app.base, &key, 7).await;
    // Every task dispatched at one instant (only their ids order them), three of them water's.
    assert_eq!(
        backend.execute("UPDATE tasks SET dispatched_at = (SELECT max(dispatched_at) FROM tasks)").await,
        7
    );
    backend
        .execute("UPDATE tasks SET bureau = 'water' WHERE id IN (SELECT id FROM tasks ORDER BY id LIMIT 3)")
        .await;
    let (um, water, boss) = (
        StaffClient::login(&app.base, "um-staff").await,
        StaffClient::login(&app.base, "water-staff").await,
        StaffClient::login(&app.base, "boss").await,
    );
    let (_, all) = um.get("/api/v1/tasks?page_size=200").await;
    let all = all["tasks"].as_array().expect("tasks").clone();
    assert_eq!(all.len(), 4);

    // A request arriving after the first page is newer than it: the walk, newest first, has passed
    // its place and does not show it; nothing repeats and nothing is skipped.
    let walked = walk(&um, "/api/v1/tasks?page_size=2", "tasks", async |n| {
        if n == 0 {
            submit(&app.base, &key, 1).await;
        }
    })
    .await;
    assert_eq!(ids(&walked, "id"), ids(&all, "id"), "pages of 2 and 2, the second without `next`");
    let (_, now) = um.get("/api/v1/tasks?page_size=200").await;
    assert_eq!(now["tasks"].as_array().expect("tasks").len(), 5, "the new one is there from the top");
    let walked = walk(&boss, "/api/v1/tasks?page_size=3", "tasks", async |_| {}).await;
    let (_, everyone) = boss.get("/api/v1/tasks?page_size=200").await;
    assert_eq!(ids(&walked, "id"), ids(everyone["tasks"].as_array().expect("tasks"), "id"));
    assert_eq!(walked.len(), 8);

    // Urban management's cursor (at its newest task) in water's hands: water's own tasks after
    // that place, all three of them, and none of urban management's, even when asked by name.
    let (_, first) = um.get("/api/v1/tasks?page_size=1").await;
    let cursor = first["next"].as_str().expect("more pages");
    for (path, want) in [
        (format!("/api/v1/tasks?after={cursor}"), 3),
        (format!("/api/v1/tasks?bureau=urban-management&after={cursor}"), 0),
    ] {
        let (status, theirs) = water.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{theirs}");
        let tasks = theirs["tasks"].as_array().expect("tasks");
        assert_eq!(tasks.len(), want, "{path}: {theirs}");
        assert!(tasks.iter().all(|t| t["bureau"]["code"] == "water"), "{path}: {theirs}");
    }
    app.stop().await;
}

async fn desk_pages_follow_next_to_the_end_each_request_once(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("desk", StaffRole::Operator, None).await;
    let app = backend.start_with(Roles::ALL, |s| s.escalation.hotspot.min_requests = 0).await;
    submit(&app.base, &key, 5).await;
    // Five awaiting dispatch, all last changed at one instant.
    backend
        .execute(
            "UPDATE requests SET status = 'awaiting_dispatch', updated_at = (SELECT min(updated_at) FROM requests)",
        )
        .await;
    let desk = StaffClient::login(&app.base, "desk").await;
    let (_, all) = desk.get("/api/v1/desk?queue=dispatch&page_size=200").await;
    let all = all["requests"].as_array().expect("requests").clone();
    assert_eq!(all.len(), 5);
    let walked = walk(&desk, "/api/v1/desk?queue=dispatch&page_size=2", "requests", async |_| {}).await;
    assert_eq!(ids(&walked, "tracking"), ids(&all, "tracking"), "pages of 2, 2 and 1");
    app.stop().await;
}

async fn a_bad_cursor_or_a_cursor_with_a_page_number_is_a_400(backend: Backend) {
    let key = backend.api_key("e2e").await;
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let app = backend.start_with(Roles::ALL, |s| s.escalation.hotspot.min_requests = 0).await;
    submit(&app.base, &key, 2).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let (_, first) = boss.get("/api/v1/tasks?page_size=1").await;
    let tasks = first["next"].as_str().expect("more pages").to_owned();
    for path in [
        "/api/v1/tasks?after=not-a-cursor".to_owned(),
        format!("/api/v1/tasks?after={}", &tasks[..tasks.len() - 2]),
        format!("/api/v1/tasks?after={tasks}&page=2"),
        // Overdue tasks are ordered by their clocks, not by dispatch: a listing of its own.
        format!("/api/v1/tasks?overdue=true&after={tasks}"),
        format!("/api/v1/desk?after={tasks}"),
        format!("/api/v1/escalations?after={tasks}"),
    ] {
        let (status, bad) = boss.get(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {bad}");
        assert_eq!(bad["error"]["code"], "invalid_query", "{path}: {bad}");
        assert!(bad["error"]["message"].as_str().is_some_and(|m| m.contains("after")), "{path}: {bad}");
    }
    let (status, second) = boss.get(&format!("/api/v1/tasks?after={tasks}&page_size=1")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert!(second.get("next").is_none(), "the last page: {second}");
    app.stop().await;
}

/// GETs an Open311 URL: status, the next page's URL from the `Link` header if any, and the body.
async fn open311(url: &str) -> (StatusCode, Option<String>, String) {
    let resp = reqwest::get(url).await.expect("GET");
    let link = resp.headers().get("link").map(|v| v.to_str().expect("ASCII").to_owned());
    let next = link.map(|l| {
        assert!(l.ends_with(">; rel=\"next\""), "{l}");
        l.trim_start_matches('<').split('>').next().expect("<url>").to_owned()
    });
    (resp.status(), next, resp.text().await.expect("body"))
}

async fn open311_link_headers_walk_the_public_list_each_request_once(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start_with(Roles::ALL, |s| s.escalation.hotspot.min_requests = 0).await;
    submit(&app.base, &key, 5).await;
    // All received at one instant: only their ids order them.
    assert_eq!(
        backend.execute("UPDATE requests SET received_at = (SELECT max(received_at) FROM requests)").await,
        5
    );
    let list = format!("{}/open311/v2/requests.json", app.base);
    let (_, none, all) = open311(&format!("{list}?service_code=010101")).await;
    assert_eq!(none, None, "one page holds them all: no next page");
    let all: Value = serde_json::from_str(&all).expect("JSON");
    let all = all.as_array().expect("a list").clone();
    assert_eq!(all.len(), 5);

    // Pages of two: the Link keeps the filter and replaces the page number. A request arriving
    // after the first page is newer: the walk has passed its place and never shows it.
    let (mut walked, mut url, mut pages) =
        (Vec::new(), Some(format!("{list}?service_code=010101&page_size=2&page=1")), 0);
    while let Some(at) = url {
        let (status, next, body) = open311(&at).await;
        assert_eq!(status, StatusCode::OK, "{at}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON");
        walked.extend(body.as_array().expect("a list").iter().cloned());
        if let Some(next) = &next {
            assert!(next.starts_with(&format!("{list}?service_code=010101&page_size=2&after=")), "{next}");
        }
        if pages == 0 {
            submit(&app.base, &key, 1).await;
        }
        (url, pages) = (next, pages + 1);
        assert!(pages < 10, "the walk does not end");
    }
    assert_eq!(pages, 3, "2 + 2 + 1");
    assert_eq!(ids(&walked, "service_request_id"), ids(&all, "service_request_id"));

    // The XML list links to XML pages.
    let (status, next, xml) = open311(&format!("{}/open311/v2/requests.xml?page_size=4", app.base)).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let next = next.expect("six requests: a second page");
    assert!(next.contains("/open311/v2/requests.xml?page_size=4&after="), "{next}");
    let (status, last, xml) = open311(&next).await;
    assert_eq!((status, last), (StatusCode::OK, None), "{xml}");
    assert_eq!(xml.matches("<service_request_id>").count(), 2, "{xml}");
    app.stop().await;
}

async fn open311_refuses_a_bad_cursor_or_one_with_a_page_number_in_its_error_format(backend: Backend) {
    let key = backend.api_key("e2e").await;
    let app = backend.start_with(Roles::ALL, |s| s.escalation.hotspot.min_requests = 0).await;
    submit(&app.base, &key, 2).await;
    let list = format!("{}/open311/v2/requests", app.base);
    let (_, next, _) = open311(&format!("{list}.json?page_size=1")).await;
    let cursor = next.expect("a second page").split("after=").nth(1).expect("a cursor").to_owned();
    for query in
        ["after=not-a-cursor".to_owned(), format!("after={}", &cursor[1..]), format!("after={cursor}&page=2")]
    {
        let (status, next, body) = open311(&format!("{list}.json?{query}")).await;
        assert_eq!((status, next), (StatusCode::BAD_REQUEST, None), "{query}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body[0]["code"], 400, "{query}: {body}");
        assert!(body[0]["description"].as_str().is_some_and(|d| d.contains("after")), "{query}: {body}");
        let (status, _, xml) = open311(&format!("{list}.xml?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {xml}");
        assert!(xml.contains("<errors><error><code>400</code>"), "{query}: {xml}");
    }
    // A staff listing's cursor is not the public list's.
    backend.add_staff("boss", StaffRole::Supervisor, None).await;
    let boss = StaffClient::login(&app.base, "boss").await;
    let (_, tasks) = boss.get("/api/v1/tasks?page_size=1").await;
    let tasks = tasks["next"].as_str().expect("a second page");
    let (status, _, body) = open311(&format!("{list}.json?after={tasks}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    app.stop().await;
}
