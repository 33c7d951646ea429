//! Walking a listing page by page, as a client following `next` does, for the contract cases of
//! every paged listing.

use jiesu_domain::admission::Admission;
use jiesu_domain::ids::TaskId;
use jiesu_domain::ports::{Cursor, Page};
use uuid::Uuid;

/// Every row of a listing, fetched `size` at a time, each page after the last row of the one
/// before (`key` makes the cursor), until a page comes back empty; `between(n)` runs after page
/// `n` (from 0), e.g. to store rows while the walk is under way.
pub async fn walk<T>(
    size: u32,
    mut fetch: impl AsyncFnMut(Page) -> Vec<T>,
    key: impl Fn(&T) -> Cursor,
    mut between: impl AsyncFnMut(usize),
) -> Vec<T> {
    let mut seen = Vec::new();
    let mut page = Page::first(size);
    for n in 0.. {
        let rows = fetch(page).await;
        assert!(rows.len() <= size as usize, "page {n}: {} rows, more than {size}", rows.len());
        let Some(last) = rows.last() else { break };
        page = Page::after(size, key(last));
        seen.extend(rows);
        between(n).await;
        assert!(n < 1000, "the walk does not end");
    }
    seen
}

/// The admission with its lead task's id replaced (in its clocks and history too), so a test
/// decides where the task falls among others dispatched at the same instant.
pub fn with_task_id(mut a: Admission, id: u128) -> Admission {
    let (old, new) = (a.tasks[0].id, TaskId::from_uuid(Uuid::from_u128(id)));
    a.tasks[0].id = new;
    for d in a.deadlines.iter_mut().filter(|d| d.task_id == old) {
        d.task_id = new;
    }
    for e in a.events.iter_mut().filter(|e| e.task_id == Some(old)) {
        e.task_id = Some(new);
    }
    a
}
