//! The statement behind a task listing and behind its count: what it reads from, its conditions
//! and the values they bind, assembled from the query once for both.
//!
//! Only the conditions asked for are in the statement: a `($1 IS NULL OR bureau = $1)` form would
//! give every call one plan, which cannot use the bureau's index. The request is joined only when
//! a filter reads it.

use chrono::{DateTime, Utc};
use jiesu_domain::ports::{ClockWindow, Page, Start, TaskFilter, TaskQuery};
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
    /// The states asked for, one per branch when there are several (see `branches`).
    states: Vec<&'static str>,
    /// Listed by clock: the states are a plain condition then (the clocks give the order).
    by_clock: bool,
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
        let states = q.states.iter().map(|s| s.as_str()).collect();
        let by_clock = q.clock.is_some();
        let mut s = Self { from, conditions: Vec::new(), params: Vec::new(), keyset, states, by_clock };
        if let Some(bureau) = bureau {
            s.bound(Param::Text(bureau.as_str().to_owned()), |n| format!("t.bureau = ${n}"));
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

    /// The state condition of each branch of the statement. States are written out, not bound:
    /// they are the enum's own names (nothing a caller typed), and the planner sees that active
    /// tasks are a few in a hundred of the history rather than guessing for a list it cannot see.
    /// Several states newest first are one branch each (`t.state = 'claimed'`, ...), merged:
    /// each branch walks the index (bureau, state, dispatched_at) in order and stops at the
    /// page, where `t.state IN (...)` read every such task of the bureau and sorted them (87 ms
    /// for the 办理中 tab of a bureau with 231,000 tasks on SQLite).
    fn branches(&self) -> Vec<String> {
        match self.states.as_slice() {
            [] => vec![String::new()],
            [one] => vec![format!("t.state = '{one}'")],
            many if self.by_clock => {
                let listed: Vec<String> = many.iter().map(|s| format!("'{s}'")).collect();
                vec![format!("t.state IN ({})", listed.join(", "))]
            }
            many => many.iter().map(|s| format!("t.state = '{s}'")).collect(),
        }
    }

    fn source(&self, state: &str) -> String {
        let conditions: Vec<&str> =
            self.conditions.iter().map(String::as_str).chain(Some(state).filter(|s| !s.is_empty())).collect();
        let conditions = if conditions.is_empty() { "TRUE".to_owned() } else { conditions.join(" AND ") };
        format!("FROM {} WHERE {conditions}", self.from)
    }

    /// The page's tasks, in the listing's order. Several branches are merged: each gives its
    /// page's worth in order (`SELECT * FROM (...)` around each, as SQLite wants for an ordered
    /// member of a compound select), the union is ordered and cut again. A page at a non-zero
    /// offset (page numbers, kept for old clients) stays one statement.
    pub fn page<DB: Dialect>(self, page: &Page) -> Stmt<DB> {
        let branches = self.branches();
        let tail = self.keyset.tail(page, self.next());
        let sql = match page.start {
            Start::After(_) | Start::Offset(0) if branches.len() > 1 => {
                let merged: Vec<String> = branches
                    .iter()
                    .enumerate()
                    .map(|(i, b)| format!("SELECT * FROM (SELECT t.* {}{tail}) branch{i}", self.source(b)))
                    .collect();
                let limit = self.next() + if matches!(page.start, Start::After(_)) { 2 } else { 0 };
                let (key, id) = (unprefixed(self.keyset.key), unprefixed(self.keyset.id));
                let dir = if self.keyset.newest_first { " DESC" } else { "" };
                format!(
                    "SELECT * FROM ({}) merged ORDER BY {key}{dir}, {id}{dir} LIMIT ${limit}",
                    merged.join(" UNION ALL ")
                )
            }
            _ if branches.len() > 1 => {
                let listed: Vec<String> = self.states.iter().map(|s| format!("'{s}'")).collect();
                format!("SELECT t.* {}{tail}", self.source(&format!("t.state IN ({})", listed.join(", "))))
            }
            _ => format!("SELECT t.* {}{tail}", self.source(&branches[0])),
        };
        Keyset::bind(page, self.bind(Stmt::assembled(sql)))
    }

    /// How many tasks it lists, counting at most `cap`: the database stops after `cap` rows.
    /// They are the listing's first `cap`, in its order, so the count walks the index the
    /// listing does. Unordered, PostgreSQL's generic plan for a common state (resolved: most of
    /// the history) is a sequential scan that stops at the cap, which reads the whole table for
    /// a bureau with fewer such tasks than the cap.
    /// Several branches are counted each up to the cap and added (the caller caps the sum).
    pub fn count<DB: Dialect>(self, cap: u32) -> Stmt<DB> {
        let order = self.keyset.order_by();
        let counts: Vec<String> = self
            .branches()
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let source = self.source(b);
                format!("(SELECT count(*) FROM (SELECT 1 {source} {order} LIMIT ${}) listed{i})", self.next())
            })
            .collect();
        let sql = format!("SELECT {}", counts.join(" + "));
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

/// A column without its table's alias: how the merged branches' rows are named.
fn unprefixed(column: &str) -> &str {
    column.rsplit('.').next().unwrap_or(column)
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
        format!("SELECT t.* {}", s.source(&s.branches().join(" | ")))
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
    fn several_states_newest_first_are_merged_branches_each_walking_its_own_index_range() {
        use jiesu_domain::task::TaskState;
        let q = TaskQuery {
            bureau: Some(BureauCode::parse("water").expect("code")),
            states: vec![TaskState::Claimed, TaskState::DisclaimRequested],
            ..TaskQuery::default()
        };
        let page = |p: &Page| {
            let s = TaskSelect::new::<Sqlite>(&Scope::All, &q).expect("in scope");
            s.page::<Sqlite>(p).sql().to_owned()
        };
        let branch = |i: usize, state: &str| {
            format!(
                "SELECT * FROM (SELECT t.* FROM tasks t WHERE t.bureau = $1 AND t.state = '{state}' \
                 ORDER BY t.dispatched_at DESC, t.id DESC LIMIT $2 OFFSET $3) branch{i}"
            )
        };
        assert_eq!(
            page(&Page::first(30)),
            format!(
                "SELECT * FROM ({} UNION ALL {}) merged ORDER BY dispatched_at DESC, id DESC LIMIT $2",
                branch(0, "claimed"),
                branch(1, "disclaim_requested")
            )
        );
        // A numbered page past the first stays one statement.
        assert!(page(&Page::numbered(2, 30)).contains("t.state IN ('claimed', 'disclaim_requested')"));
        let count = TaskSelect::new::<Sqlite>(&Scope::All, &q).expect("in scope").count::<Sqlite>(1000);
        assert_eq!(count.sql().matches("LIMIT $2").count(), 2, "{}", count.sql());
    }

    #[test]
    fn another_bureau_asked_under_a_bureau_scope_is_nothing() {
        let q = TaskQuery { bureau: Some(BureauCode::parse("water").expect("code")), ..TaskQuery::default() };
        let mine = Scope::Bureau(BureauCode::parse("urban-management").expect("code"));
        assert!(TaskSelect::new::<Sqlite>(&mine, &q).is_none());
    }
}
