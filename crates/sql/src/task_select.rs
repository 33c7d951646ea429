//! The statement behind a task listing and behind its count: what it reads from, its conditions
//! and the values they bind, assembled from the query once for both.
//!
//! Only the conditions asked for are in the statement: a `($1 IS NULL OR bureau = $1)` form would
//! give every call one plan, which cannot use the bureau's index. The request is joined only when
//! a filter reads it.

use chrono::{DateTime, Utc};
use jiesu_domain::ports::{ClockWindow, Page, TaskFilter, TaskQuery};
use jiesu_domain::staff::Scope;

use crate::dialect::{DbTime, Dialect, Stmt};
use crate::paging::Keyset;

/// Staff task lists: newest dispatched first (`Listing::Tasks`), seeking through
/// `tasks_bureau_state_dispatched`, `tasks_bureau_dispatched`, `tasks_state_dispatched` or
/// `tasks_dispatched` to the cursor.
const TASKS: Keyset = Keyset { key: "t.dispatched_at", id: "t.id", newest_first: true };
/// Tasks by their first running clock, soonest due first (`Listing::ByClock`), seeking through
/// `deadlines_pending_due` (due_at, id).
const BY_CLOCK: Keyset = Keyset { key: "d.due_at", id: "d.id", newest_first: false };

/// Walked from the running clocks in the order they fall due, each task at its first one: a
/// page costs the same however many tasks are late (sorting every overdue task by dispatch time
/// cost 116 ms with a million requests). That the clock is the task's first running one is what
/// keeps an overdue task out of the due-soon window whatever its later clocks.
const FIRST_RUNNING_CLOCK: &str = "d.state = 'pending' AND NOT EXISTS (SELECT 1 FROM deadlines e
    WHERE e.task_id = d.task_id AND e.state = 'pending' AND (e.due_at, e.id) < (d.due_at, d.id))";

/// A value a condition binds.
enum Param {
    Text(String),
    Time(DateTime<Utc>),
}

/// A task query as SQL, before its page or its count.
pub(crate) struct TaskSelect {
    from: String,
    conditions: Vec<String>,
    params: Vec<Param>,
    keyset: Keyset,
}

impl TaskSelect {
    /// The query within the scope; `None` when the scope and the asked bureau exclude each other
    /// (a bureau scope always wins over a bureau asked for: staff cannot widen their own view).
    pub fn new<DB: Dialect>(scope: &Scope, q: &TaskQuery) -> Option<Self> {
        let bureau = match (scope.bureau(), &q.bureau) {
            (Some(own), Some(asked)) if own != asked => return None,
            (Some(own), _) => Some(own),
            (None, asked) => asked.as_ref(),
        };
        let (from, keyset) = match q.clock {
            // A cross join, its condition among the others: SQLite (which keeps no statistics
            // here) then walks the clocks in order, as PostgreSQL does, for which it is the same
            // as an inner join. Otherwise SQLite walked every task the bureau ever had, then
            // sorted (1.8 s for a page of the overdue tab of a bureau with 330,000 tasks in a
            // 1,000,000-request history; 3 ms walking the clocks).
            Some(_) => ("deadlines d CROSS JOIN tasks t", BY_CLOCK),
            None => ("tasks t", TASKS),
        };
        let from = if reads_request(&q.filter) {
            format!("{from} JOIN requests r ON r.id = t.request_id")
        } else {
            from.to_owned()
        };
        let mut s = Self { from, conditions: Vec::new(), params: Vec::new(), keyset };
        if let Some(bureau) = bureau {
            s.bound(Param::Text(bureau.as_str().to_owned()), |n| format!("t.bureau = ${n}"));
        }
        if !q.states.is_empty() {
            // Written out, not bound: the states are the enum's own names (nothing a caller
            // typed), and the planner sees that active tasks are a few in a hundred of the
            // history rather than guessing for a list it cannot see.
            let states: Vec<String> = q.states.iter().map(|s| format!("'{}'", s.as_str())).collect();
            s.conditions.push(format!("t.state IN ({})", states.join(", ")));
        }
        if let Some(window) = &q.clock {
            s.clock(window);
        }
        s.filter::<DB>(&q.filter);
        Some(s)
    }

    fn clock(&mut self, w: &ClockWindow) {
        self.conditions.push("t.id = d.task_id".to_owned());
        self.conditions.push(FIRST_RUNNING_CLOCK.to_owned());
        if let Some(from) = w.due_from {
            self.bound(Param::Time(from), |n| format!("d.due_at >= ${n}"));
        }
        if let Some(before) = w.due_before {
            self.bound(Param::Time(before), |n| format!("d.due_at < ${n}"));
        }
    }

    fn filter<DB: Dialect>(&mut self, f: &TaskFilter) {
        if let Some(tracking) = &f.tracking {
            self.bound(Param::Text(tracking.to_string()), |n| format!("r.tracking = ${n}"));
        }
        if let Some(text) = &f.text {
            self.bound(Param::Text(text.clone()), |n| DB::contains_text("r.description", n));
        }
        // Prefixes compared as text, not with LIKE: nothing in a code can act as a wildcard.
        if let Some(category) = &f.category {
            // Codes are digit pairs, each level one more pair: `01` is the prefix of `0101`.
            let sql = |n| format!("substr(r.category, 1, length(${n})) = ${n}");
            self.bound(Param::Text(category.as_str().to_owned()), sql);
        }
        if let Some(area) = &f.area {
            // The area itself, or one whose code continues it after a dot: `pingshan.kengzi`
            // holds `pingshan.kengzi.jinsha`, not `pingshan.kengzi2`.
            let sql = |n| format!("(r.area = ${n} OR substr(r.area, 1, length(${n}) + 1) = ${n} || '.')");
            self.bound(Param::Text(area.as_str().to_owned()), sql);
        }
        if let Some(from) = f.dispatched_from {
            self.bound(Param::Time(from), |n| format!("t.dispatched_at >= ${n}"));
        }
        if let Some(before) = f.dispatched_before {
            self.bound(Param::Time(before), |n| format!("t.dispatched_at < ${n}"));
        }
    }

    /// A condition on one value, written for the value's parameter number.
    fn bound(&mut self, value: Param, condition: impl FnOnce(u8) -> String) {
        let n = self.next();
        self.params.push(value);
        self.conditions.push(condition(n));
    }

    /// The number of the parameter after those bound so far (a query binds a dozen at most).
    fn next(&self) -> u8 {
        u8::try_from(self.params.len() + 1).unwrap_or(u8::MAX)
    }

    fn source(&self) -> String {
        let conditions =
            if self.conditions.is_empty() { "TRUE".to_owned() } else { self.conditions.join(" AND ") };
        format!("FROM {} WHERE {conditions}", self.from)
    }

    /// The page's tasks, in the listing's order.
    pub fn page<DB: Dialect>(self, page: &Page) -> Stmt<DB> {
        let sql = format!("SELECT t.* {}{}", self.source(), self.keyset.tail(page, self.next()));
        Keyset::bind(page, self.bind(Stmt::assembled(sql)))
    }

    /// How many tasks it lists, counting at most `cap`: the database stops after `cap` rows.
    /// They are the listing's first `cap`, in its order, so the count walks the index the
    /// listing does. Unordered, PostgreSQL's generic plan for a common state (resolved: most of
    /// the history) is a sequential scan that stops at the cap, which reads the whole table for
    /// a bureau with fewer such tasks than the cap.
    pub fn count<DB: Dialect>(self, cap: u32) -> Stmt<DB> {
        let (source, order) = (self.source(), self.keyset.order_by());
        let sql = format!("SELECT count(*) FROM (SELECT 1 {source} {order} LIMIT ${}) listed", self.next());
        self.bind(Stmt::assembled(sql)).bind(i64::from(cap))
    }

    fn bind<DB: Dialect>(self, mut s: Stmt<DB>) -> Stmt<DB> {
        for p in self.params {
            s = match p {
                Param::Text(t) => s.bind(t),
                Param::Time(t) => s.bind(DbTime(t)),
            };
        }
        s
    }
}

/// Whether any of the filter's conditions is on the request.
fn reads_request(f: &TaskFilter) -> bool {
    f.tracking.is_some() || f.text.is_some() || f.category.is_some() || f.area.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiesu_domain::area::AreaCode;
    use jiesu_domain::bureau::BureauCode;
    use sqlx::Sqlite;

    fn sql(q: &TaskQuery) -> String {
        let s = TaskSelect::new::<Sqlite>(&Scope::All, q).expect("in scope");
        format!("SELECT t.* {}", s.source())
    }

    #[test]
    fn an_unfiltered_listing_reads_tasks_alone() {
        assert_eq!(sql(&TaskQuery::default()), "SELECT t.* FROM tasks t WHERE TRUE");
    }

    #[test]
    fn each_value_gets_its_own_parameter_in_order() {
        let q = TaskQuery {
            bureau: Some(BureauCode::parse("water").expect("code")),
            filter: TaskFilter {
                area: Some(AreaCode::parse("pingshan.kengzi").expect("code")),
                dispatched_from: Some(Utc::now()),
                ..TaskFilter::default()
            },
            ..TaskQuery::default()
        };
        assert_eq!(
            sql(&q),
            "SELECT t.* FROM tasks t JOIN requests r ON r.id = t.request_id WHERE t.bureau = $1 \
             AND (r.area = $2 OR substr(r.area, 1, length($2) + 1) = $2 || '.') AND t.dispatched_at >= $3"
        );
    }

    #[test]
    fn another_bureau_asked_under_a_bureau_scope_is_nothing() {
        let q = TaskQuery { bureau: Some(BureauCode::parse("water").expect("code")), ..TaskQuery::default() };
        let mine = Scope::Bureau(BureauCode::parse("urban-management").expect("code"));
        assert!(TaskSelect::new::<Sqlite>(&mine, &q).is_none());
    }
}
