//! A listing's page as the end of its statement: the keyset condition, the order, the limit and
//! the offset, written once for every listing and both backends.
//!
//! A page after a cursor adds `AND (key, id) > ($n, $n+1)` (`<` newest first): a row value
//! comparison, which both SQLite and PostgreSQL turn into a range on an index ordered by
//! `(key, id)` (or by `(filter columns, key, id)`), so the database starts at the cursor instead
//! of counting the rows before it. The condition is in the statement only when there is a cursor:
//! a `$n IS NULL OR ...` form would give every page one generic plan, and that plan cannot seek.

use crate::dialect::{DbTime, Dialect, Stmt};
use jiesu_domain::ports::{Page, Start};

/// How a listing is ordered: by a time column, then by the id column, which breaks ties so the
/// order is total and a cursor names exactly one place in it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyset {
    pub key: &'static str,
    pub id: &'static str,
    pub newest_first: bool,
}

impl Keyset {
    /// What follows the listing's `WHERE` conditions, its parameters numbered from `$n`:
    /// ` AND (key, id) < ($n, $n+1) ORDER BY key DESC, id DESC LIMIT $n+2`, or
    /// ` ORDER BY ... LIMIT $n OFFSET $n+1` for a page at an offset.
    pub fn tail(&self, page: &Page, n: u8) -> String {
        let cmp = if self.newest_first { "<" } else { ">" };
        let Self { key, id, .. } = self;
        let order = self.order_by();
        match page.start {
            Start::After(_) => {
                format!(" AND ({key}, {id}) {cmp} (${n}, ${}) {order} LIMIT ${}", n + 1, n + 2)
            }
            Start::Offset(_) => format!(" {order} LIMIT ${n} OFFSET ${}", n + 1),
        }
    }

    /// `ORDER BY key, id` in the listing's direction.
    pub fn order_by(&self) -> String {
        let dir = if self.newest_first { " DESC" } else { "" };
        format!("ORDER BY {}{dir}, {}{dir}", self.key, self.id)
    }

    /// Binds the parameters `tail` wrote, in its order.
    pub fn bind<DB: Dialect>(page: &Page, s: Stmt<DB>) -> Stmt<DB> {
        let limit = i64::from(page.limit);
        match page.start {
            Start::After(c) => s.bind(DbTime(c.at)).bind(c.id).bind(limit),
            Start::Offset(offset) => s.bind(limit).bind(i64::from(offset)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiesu_domain::ports::Cursor;
    use uuid::Uuid;

    const TASKS: Keyset = Keyset { key: "t.dispatched_at", id: "t.id", newest_first: true };
    const DESK: Keyset = Keyset { key: "updated_at", id: "id", newest_first: false };

    #[test]
    fn a_cursor_page_seeks_past_the_cursor_in_the_listings_direction() {
        let after = Page::after(51, Cursor::new(chrono::Utc::now(), Uuid::nil()));
        assert_eq!(
            TASKS.tail(&after, 3),
            " AND (t.dispatched_at, t.id) < ($3, $4) ORDER BY t.dispatched_at DESC, t.id DESC LIMIT $5"
        );
        assert_eq!(DESK.tail(&after, 2), " AND (updated_at, id) > ($2, $3) ORDER BY updated_at, id LIMIT $4");
    }

    #[test]
    fn an_offset_page_counts_from_the_top() {
        assert_eq!(DESK.tail(&Page::numbered(2, 50), 2), " ORDER BY updated_at, id LIMIT $2 OFFSET $3");
    }
}
