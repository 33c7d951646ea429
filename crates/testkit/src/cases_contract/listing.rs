//! The cases port's listings stay batched: a page of tasks costs a handful of statements, not a
//! few per task (SQLite's listing once made two queries per task while PostgreSQL batched).

use jiesu_domain::ports::{Cases, Page, Store, TaskQuery};
use jiesu_domain::staff::Scope;

use crate::fixtures::{admission, new_request};
use crate::queries;

pub async fn a_listing_of_500_tasks_issues_a_bounded_number_of_queries<S: Store + Cases>(store: S) {
    for _ in 0..5 {
        let batch: Vec<_> = (0..100).map(|_| admission(new_request())).collect();
        store.ingest(&batch).await.expect("ingest");
    }
    let q = TaskQuery { page: Page::first(500), ..TaskQuery::default() };
    let (listed, statements) = queries::count(store.list_tasks(&Scope::All, &q)).await;
    let listed = listed.expect("list");
    assert_eq!(listed.len(), 500);
    assert!(listed.iter().all(|l| l.request.submitted.id == l.task.request_id && !l.deadlines.is_empty()));
    assert!(statements > 0, "statements are counted (sqlx's debug events reach the counter)");
    assert!(statements < 10, "{statements} statements for one page of 500 tasks");
}
