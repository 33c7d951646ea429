//! Statements both backends run as written: SQLite and PostgreSQL share the `$n` placeholders and
//! the `ON CONFLICT ... DO UPDATE` upsert, and the bound values carry their own encoding
//! (`DbTime`, `sqlx::types::Json`: see `dialect`).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use jiesu_domain::escalation::EscalationState;

use crate::dialect::{DbTime, Dialect, Stmt};

/// Writes the request's part of a workflow change, if it is still at the version the change was
/// decided on ($6).
pub const UPDATE_REQUEST: &str =
    "UPDATE requests SET status = $1, area = $2, routing = $3, updated_at = $4, category = $7,
         version = version + 1
     WHERE id = $5 AND version = $6";

/// A new task, or a known one's state.
pub const UPSERT_TASK: &str =
    "INSERT INTO tasks (id, request_id, bureau, role, state, binding, dispatched_at, updated_at, scope)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, binding = excluded.binding,
         updated_at = excluded.updated_at, scope = excluded.scope";

/// A new clock, or a known one moved, settled or re-armed.
pub const UPSERT_DEADLINE: &str =
    "INSERT INTO deadlines (id, request_id, task_id, kind, class, due_at, state, settled_at, stage, next_action_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, state = excluded.state,
         settled_at = excluded.settled_at, stage = excluded.stage, next_action_at = excluded.next_action_at";

/// A new desk clock, or a known one settled or moved along its chain.
pub const UPSERT_DESK_CLOCK: &str =
    "INSERT INTO desk_clocks (id, request_id, kind, task_id, started_at, due_at, state, settled_at, stage,
         next_action_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, state = excluded.state,
         settled_at = excluded.settled_at, stage = excluded.stage, next_action_at = excluded.next_action_at";

/// A new disclaim, or the desk's decision on one. `(request_id, bureau)` is unique: a bureau
/// disclaims a request once.
pub const UPSERT_DISCLAIM: &str =
    "INSERT INTO disclaims (id, request_id, task_id, bureau, reason, explanation, by_user, at, state,
         decided_by, decided_at, decision_note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, decided_by = excluded.decided_by,
         decided_at = excluded.decided_at, decision_note = excluded.decision_note";

/// A new extension request, or a supervisor's decision on one.
pub const UPSERT_EXTENSION: &str =
    "INSERT INTO extensions (id, request_id, task_id, bureau, days, reason, requested_by, requested_at,
         state, decided_by, decided_at, decision_note, new_due)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, decided_by = excluded.decided_by,
         decided_at = excluded.decided_at, decision_note = excluded.decision_note,
         new_due = excluded.new_due";

/// A bureau's appeal or final reply, or a supervisor's decision on one.
pub const UPSERT_EXEMPTION: &str =
    "INSERT INTO exemptions (id, request_id, task_id, bureau, kind, visit_id, reason, photos, requested_by,
         requested_at, state, decided_by, decided_at, decision_note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, decided_by = excluded.decided_by,
         decided_at = excluded.decided_at, decision_note = excluded.decision_note";

pub const INSERT_VISIT: &str =
    "INSERT INTO return_visits (id, request_id, solved, satisfaction, comment, operator, at, stars)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub const EXTENSION_REQUEST: &str = "SELECT request_id FROM extensions WHERE id = $1";
pub const PENDING_EXTENSIONS: &str =
    "SELECT * FROM extensions WHERE state = 'pending' ORDER BY requested_at LIMIT $1";
pub const EXEMPTION_REQUEST: &str = "SELECT request_id FROM exemptions WHERE id = $1";
pub const PENDING_EXEMPTIONS: &str =
    "SELECT * FROM exemptions WHERE state = 'pending' ORDER BY requested_at LIMIT $1";

/// A new escalation, or a known one moved (state, level, owner, the clock it answers for). A
/// hotspot's linked requests are its rows in `hotspot_members`, never a column here.
pub const UPSERT_ESCALATION: &str =
    "INSERT INTO escalations (id, request_id, trigger, state, level, owner, deadline_id, opened_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, level = excluded.level, owner = excluded.owner,
         deadline_id = excluded.deadline_id, updated_at = excluded.updated_at";

/// A new meeting, or a known one rescheduled, confirmed, decided or lapsed.
pub const UPSERT_MEETING: &str =
    "INSERT INTO meetings (id, request_id, escalation_id, level, convener, scheduled_at, decide_by, state, place,
         invitees, agenda, decision, called_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (id) DO UPDATE SET scheduled_at = excluded.scheduled_at, decide_by = excluded.decide_by,
         state = excluded.state, place = excluded.place, invitees = excluded.invitees, agenda = excluded.agenda,
         decision = excluded.decision, updated_at = excluded.updated_at";

/// A meeting's proposed rule. A meeting proposes one: a redelivered decision inserts nothing. The
/// code lists ($4, $5, $7) are JSON.
pub const INSERT_PROPOSAL: &str =
    "INSERT INTO proposed_rules (id, request_id, meeting_id, categories, areas, lead, assists, note, state,
         proposed_at, decided_by, decided_at, decision_note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (meeting_id) DO NOTHING";

/// A supervisor's decision, with the edits, if the proposal is still undecided: a concurrent
/// decision leaves this one without a row to update.
pub const DECIDE_PROPOSAL: &str =
    "UPDATE proposed_rules SET categories = $2, areas = $3, lead = $4, assists = $5, note = $6, state = $7,
         decided_by = $8, decided_at = $9, decision_note = $10
     WHERE id = $1 AND state = 'proposed'";

/// In the order they were accepted: the order they compose in.
pub const ACCEPTED_RULES: &str =
    "SELECT * FROM proposed_rules WHERE state = 'accepted' ORDER BY decided_at, id";

/// Changes with every acceptance. Cheap: accepted proposals are few (tens, hundreds), found
/// through the `(state, proposed_at)` index.
pub const RULEBOOK_REVISION: &str =
    "SELECT count(*) AS accepted, max(decided_at) AS last FROM proposed_rules WHERE state = 'accepted'";

/// The hotspot trigger's view of one request, with the hotspot it is in.
pub const HOTSPOT_SUBJECT: &str =
    "SELECT r.id, r.category, r.lat, r.lon, r.received_at, r.status, m.escalation_id,
            e.request_id AS anchor_id, e.state AS escalation_state
     FROM requests r
     LEFT JOIN hotspot_members m ON m.request_id = r.id
     LEFT JOIN escalations e ON e.id = m.escalation_id
     WHERE r.id = $1";

/// The hotspot trigger's search around a point ($1 category; $2-$5 the rectangle; $6 received
/// since; $7-$11 the planar circle: centre latitude, metres per degree of latitude, centre
/// longitude, metres per degree of longitude, squared radius; $12 the request left out; $13 the
/// limit), through the partial index `requests_open_category_point`. The rectangle is what the
/// index narrows by; the circle keeps the `LIMIT` from being filled with the rectangle's corners.
/// The exact distance is the domain's (`Nearby::keep`).
fn near(joins: &str, filter: &str) -> String {
    format!(
        "SELECT r.id, r.lat, r.lon, r.received_at, m.escalation_id, e.request_id AS anchor_id,
                e.state AS escalation_state
         FROM requests r {joins}
         WHERE r.category = $1 AND r.status <> 'closed'
           AND r.lat BETWEEN $2 AND $3 AND r.lon BETWEEN $4 AND $5
           AND r.received_at >= $6
           AND ((r.lat - $7) * $8) * ((r.lat - $7) * $8) + ((r.lon - $9) * $10) * ((r.lon - $9) * $10) <= $11
           AND r.id <> $12 AND {filter}
         LIMIT $13"
    )
}

/// The open states of an escalation, as SQL literals.
fn open_states() -> String {
    let open = EscalationState::ALL.into_iter().filter(|s| s.is_open());
    open.map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// Members of open hotspots near a point (see `near`).
pub static OPEN_HOTSPOTS_NEAR: LazyLock<String> = LazyLock::new(|| {
    near(
        "JOIN hotspot_members m ON m.request_id = r.id JOIN escalations e ON e.id = m.escalation_id",
        &format!("e.state IN ({})", open_states()),
    )
});

/// Requests in no hotspot near a point (see `near`).
pub static FREE_NEAR: LazyLock<String> = LazyLock::new(|| {
    near(
        "LEFT JOIN hotspot_members m ON m.request_id = r.id LEFT JOIN escalations e ON e.id = m.escalation_id",
        "m.request_id IS NULL",
    )
});

/// Makes a request ($1) a member of a hotspot ($2) if the hotspot is still open and the request
/// in none: the key on `request_id` settles a race with another worker.
pub static JOIN_HOTSPOT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO hotspot_members (request_id, escalation_id)
         SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM escalations WHERE id = $2 AND state IN ({}))
         ON CONFLICT (request_id) DO NOTHING",
        open_states()
    )
});

/// The tracking number a channel's reference was received under: the stored request's first (it
/// wins if the dispatcher ever renumbered one), else the one an import recorded when it queued it.
pub const TRACKING_FOR: &str = "SELECT COALESCE(
        (SELECT tracking FROM requests WHERE channel = $1 AND channel_ref = $2),
        (SELECT tracking FROM queued_refs WHERE channel = $1 AND channel_ref = $2))";

/// Counts one failed attempt against a key ($1) in the window that began at $2 and returns the
/// window's count: one statement, so concurrent failures each get their own number. A newer window
/// starts again from one; an older one (a lagging clock) adds to the newer.
pub const COUNT_ATTEMPT: &str =
    "INSERT INTO channel_attempts (key_hash, window_start, attempts) VALUES ($1, $2, 1)
     ON CONFLICT (key_hash) DO UPDATE SET
         attempts = CASE WHEN channel_attempts.window_start < excluded.window_start THEN 1
                         ELSE channel_attempts.attempts + 1 END,
         window_start = CASE WHEN channel_attempts.window_start < excluded.window_start
                             THEN excluded.window_start ELSE channel_attempts.window_start END
     RETURNING attempts";

/// The attempts counted against a key ($1) in the window that began at $2, or a later one.
pub const ATTEMPTS: &str = "SELECT attempts FROM channel_attempts WHERE key_hash = $1 AND window_start >= $2";

/// Forgets attempt windows that began before $1.
pub const PURGE_ATTEMPTS: &str = "DELETE FROM channel_attempts WHERE window_start < $1";

// Failed logins per account and client address (the accounts port), the same on both backends.

/// Forgets an account's failures that no longer count: no running lock ($3: now), last failure at
/// or before $2 (now minus the lockout).
pub const PURGE_STALE_LOGIN_FAILURES: &str = "DELETE FROM login_failures
     WHERE user_id = $1 AND last_failed_at <= $2 AND (locked_until IS NULL OR locked_until <= $3)";

/// Counts one failure of ($1 user, $2 client) at $3 in one statement, so concurrent failures each
/// count and the one reaching $4 (the limit) locks until $5. A lock that has run out, or a last
/// failure at or before $6 (now minus the lockout), starts the count again. No row for a user
/// that does not exist.
pub const RECORD_LOGIN_FAILURE: &str =
    "INSERT INTO login_failures (user_id, client, failed_logins, locked_until, last_failed_at)
     SELECT id, $2, 1, CASE WHEN 1 >= $4 THEN $5 END, $3 FROM users WHERE id = $1
     ON CONFLICT (user_id, client) DO UPDATE SET
        failed_logins = CASE
            WHEN login_failures.locked_until <= $3 OR login_failures.last_failed_at <= $6 THEN 1
            ELSE login_failures.failed_logins + 1 END,
        locked_until = CASE
            WHEN (CASE
                WHEN login_failures.locked_until <= $3 OR login_failures.last_failed_at <= $6 THEN 1
                ELSE login_failures.failed_logins + 1 END) >= $4 THEN $5
            WHEN login_failures.locked_until <= $3 THEN NULL
            ELSE login_failures.locked_until END,
        last_failed_at = $3
     RETURNING failed_logins, locked_until";

/// Clears the failures of ($1 user, $2 client), unless locked at $3.
pub const CLEAR_LOGIN_FAILURES: &str = "DELETE FROM login_failures
     WHERE user_id = $1 AND client = $2 AND (locked_until IS NULL OR locked_until <= $3)";

pub const LOGIN_FAILURE_STATE: &str =
    "SELECT failed_logins, locked_until FROM login_failures WHERE user_id = $1 AND client = $2";

/// A leasing statement for a table of rows due at a time and tried a number of times: the rows
/// leased, and which of them, named by the table's own columns. Every constant, never input.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    pub table: &'static str,
    pub key: &'static str,
    pub due: &'static str,
    /// What makes a row still to do (besides being due).
    pub pending: &'static str,
    /// After `ORDER BY {due}`: the rest of the order (", id"), if any.
    pub then_by: &'static str,
    pub returning: &'static str,
}

impl Lease {
    /// Up to `limit` rows due at `now` get the lease's end (`until`) as their due time and one
    /// more try. With the dialect's SKIP LOCKED, so that on PostgreSQL two workers leasing at once
    /// take disjoint rows (SQLite's one writer already holds them).
    pub fn stmt<DB: Dialect>(&self, now: DateTime<Utc>, until: DateTime<Utc>, limit: u32) -> Stmt<DB> {
        Stmt::<DB>::assembled(self.sql(DB::SKIP_LOCKED))
            .bind(DbTime(now))
            .bind(DbTime(until))
            .bind(i64::from(limit))
    }

    fn sql(&self, skip_locked: &str) -> String {
        let Self { table, key, due, pending, then_by, returning } = self;
        format!(
            "UPDATE {table} SET {due} = $2, attempts = attempts + 1
             WHERE {key} IN (SELECT {key} FROM {table} WHERE {pending} AND {due} <= $1
                             ORDER BY {due}{then_by} LIMIT $3{skip_locked})
             RETURNING {returning}"
        )
    }
}
