//! The summary equals a direct recount from the raw tables, on both backends, after a randomized
//! workload (requests placed and not, claimed, disclaimed, resolved on time and late, reviewed,
//! sent back, visited solved and not, rated, recategorized by the desk, appealed and given final
//! replies, granted and refused) recorded the way the stats consumer would see it: after each
//! change, with duplicates, stale tallies delivered late (out of order), and two recorders at once.
//!
//! The recount reads the tables with plain SQL (JSON rows, so one decoder serves both backends)
//! and counts in this file, independently of `jiesu_rates::tally`; it shares only the district's
//! facts (the area hierarchy, the working-day calendar) and the definitions in `Counts`' docs.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiesu_domain::area::{AreaCode, AreaLevel};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::ids::RequestId;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::ports::{CaseTallies, Cases, Stats, Store};
use jiesu_domain::rates::Counts;
use jiesu_domain::request::{Channel, Kind, Location, NewRequest};
use jiesu_domain::staff::{Principal, StaffRole, UserId, Username};
use jiesu_domain::text::AddressText;
use jiesu_domain::time::LOCAL;
use jiesu_domain::workflow::{
    Caller, Command, DisclaimReason, ExemptionState, Note, Policy, Satisfaction, Stars,
};
use jiesu_stats::tallies_of;
use jiesu_testkit::fixtures::{district, new_request};
use jiesu_workflow::Workflow;
use serde::Deserialize;

/// A small, seeded generator: the same workload every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.roll(100) < percent
    }
}

fn person(role: StaffRole, bureau: Option<&BureauCode>) -> Principal {
    Principal {
        user_id: UserId::generate(),
        username: Username::parse("worker").expect("username"),
        role,
        bureau: bureau.cloned(),
    }
}

fn note(s: &str) -> Note {
    Note::parse(s).expect("note")
}

/// What the consumer does on an event of the request: its tallies as it stands, recorded (and
/// kept, to be delivered again late).
async fn record<S: Cases + Stats>(store: &S, id: RequestId, stale: &mut Vec<CaseTallies>) {
    let now = tallies_of(store, district(), &[id]).await.expect("tallies");
    store.record_tallies(&now).await.expect("record");
    stale.extend(now);
}

/// The lead bureau's appeal of the latest solved but 不满意 visit, if it may still ask one (a
/// "not solved" one may be appealed too, but the workload keeps those counted as reopened).
fn appeal_of(case: &jiesu_domain::workflow::Case) -> Option<(Principal, Command)> {
    let lead = case.lead()?;
    let visit =
        case.visits.iter().rev().find(|v| v.solved && v.satisfaction == Some(Satisfaction::Dissatisfied))?;
    let mine = || case.exemptions.iter().filter(|e| e.bureau == lead.bureau);
    if mine().any(|e| e.state != ExemptionState::Refused || e.visit == Some(visit.id)) {
        return None;
    }
    let c =
        Command::Appeal {
            task: lead.id, visit: visit.id, reason: note("评价针对其他事项"), photos: vec![]
        };
    Some((person(StaffRole::BureauStaff, Some(&lead.bureau)), c))
}

/// Runs the workload; returns the requests' ids.
async fn workload<S: Store + Cases + Stats>(store: &S) -> Vec<RequestId> {
    let d = district();
    let wf = Workflow::new(store.clone(), LiveDistrict::new(d.clone()), Policy::default());
    let mut dice = Dice(7);
    let start = LOCAL.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().expect("time").with_timezone(&Utc);
    let operator = person(StaffRole::Operator, None);
    let supervisor = person(StaffRole::Supervisor, None);
    let mut ids = Vec::new();
    let mut stale: Vec<CaseTallies> = Vec::new();
    for i in 0..36u32 {
        let mut t = start + Duration::hours(i64::from(i) * 7);
        let mut new = NewRequest { received_at: t, ..new_request() };
        new.channel = Channel::ALL[dice.roll(4) as usize];
        new.kind = [Kind::Help, Kind::Complaint, Kind::Report][dice.roll(3) as usize];
        if dice.chance(15) {
            let address = AddressText::parse("某个没人知道的地方").expect("address");
            new.location = Location::new(None, Some(address)).expect("location");
        }
        let a = jiesu_domain::admission::admit(new, d, t);
        let id = a.request.submitted.id;
        store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
        ids.push(id);
        record(store, id, &mut stale).await;
        // Up to a dozen steps, each what the request's state allows.
        for _ in 0..12 {
            t += Duration::hours(1 + dice.roll(40) as i64);
            let case = store.load_case(id).await.expect("load").expect("stored");
            let lead = case.active_lead().cloned();
            let status = case.request.status;
            use jiesu_domain::request::RequestStatus as R;
            use jiesu_domain::task::TaskState as T;
            // A bureau appeals an unfair visit (申诉); a supervisor decides what waits.
            let pending = case.exemptions.iter().find(|e| e.state == ExemptionState::Pending).map(|e| e.id);
            let mut appeal = appeal_of(&case);
            let (who, command) = match (status, lead) {
                _ if pending.is_some() && dice.chance(60) => {
                    let exemption = pending.expect("pending");
                    let grant = dice.chance(60);
                    (supervisor.clone(), Command::DecideExemption { exemption, grant, note: note("已审核") })
                }
                _ if appeal.is_some() && dice.chance(60) => appeal.take().expect("an appeal"),
                (_, Some(l)) if l.state == T::Claimed && pending.is_none() && dice.chance(8) => {
                    let c =
                        Command::ProposeFinalReply {
                            task: l.id, reply: note("已多次答复"), photos: vec![]
                        };
                    (person(StaffRole::BureauStaff, Some(&l.bureau)), c)
                }
                (R::AwaitingDispatch, None) => {
                    let category = dice
                        .chance(50)
                        .then(|| jiesu_domain::category::CategoryCode::parse("010102").expect("code"));
                    let area = Some(AreaCode::parse("pingshan.kengzi").expect("area"));
                    (operator.clone(), Command::Dispatch { bureau: None, area, category, note: None })
                }
                (_, Some(l))
                    if l.state == T::Dispatched && dice.chance(25) && !case.has_disclaimed(&l.bureau) =>
                {
                    let c = Command::Disclaim {
                        task: l.id,
                        reason: DisclaimReason::NotOurFunction,
                        explanation: note("不属本单位职责"),
                    };
                    (person(StaffRole::BureauStaff, Some(&l.bureau)), c)
                }
                (_, Some(l)) if l.state == T::Dispatched => {
                    (person(StaffRole::BureauStaff, Some(&l.bureau)), Command::Claim { task: l.id })
                }
                (_, Some(l)) if l.state == T::Claimed => {
                    let c = Command::Resolve { task: l.id, result: note("已处理"), photos: vec![] };
                    (person(StaffRole::BureauStaff, Some(&l.bureau)), c)
                }
                (R::Resolved, _) => {
                    (operator.clone(), Command::ReviewResolution { approve: dice.chance(80), note: None })
                }
                (R::Reviewed, _) => {
                    let satisfaction = [
                        None,
                        Some(Satisfaction::Satisfied),
                        Some(Satisfaction::BasicallySatisfied),
                        Some(Satisfaction::Dissatisfied),
                    ][dice.roll(4) as usize];
                    (
                        operator.clone(),
                        Command::RecordVisit {
                            solved: dice.chance(75),
                            satisfaction,
                            // Stars in half the visits, so the summary's sum of them is checked too.
                            stars: dice
                                .chance(50)
                                .then(|| Stars::new(1 + dice.roll(5) as u8).expect("1 to 5")),
                            comment: None,
                        },
                    )
                }
                _ => break,
            };
            if wf.act_at(Caller::Staff(&who), id, command, t).await.is_err() {
                continue;
            }
            record(store, id, &mut stale).await;
            // Redeliveries: the same event again; now and then an older one, late.
            if dice.chance(30) {
                record(store, id, &mut stale).await;
            }
            if dice.chance(20) && !stale.is_empty() {
                let old = stale[dice.roll(stale.len() as u64) as usize].clone();
                store.record_tallies(std::slice::from_ref(&old)).await.expect("a late one changes nothing");
            }
        }
    }
    // Three consultations answered where they came in (直办), closed on receipt.
    for i in 0..3 {
        let at = start + Duration::days(i);
        let mut new = NewRequest { received_at: at, ..new_request() };
        new.kind = Kind::Consultation;
        new.details.answer = Some(jiesu_domain::text::Answer::parse("已当场答复").expect("answer"));
        let a = jiesu_domain::admission::admit(new, d, at);
        store.ingest(std::slice::from_ref(&a)).await.expect("ingest");
        record(store, a.request.submitted.id, &mut stale).await;
        ids.push(a.request.submitted.id);
    }
    // Two recorders at once over every request, and the stale tallies all over again.
    let everything = tallies_of(store, d, &ids).await.expect("tallies");
    let (a, b) = tokio::join!(store.record_tallies(&everything), store.record_tallies(&everything));
    a.expect("one");
    b.expect("two");
    // Every event again, newest first: each request's oldest tallies come last.
    stale.reverse();
    for old in stale.chunks(7) {
        store.record_tallies(old).await.expect("stale");
    }
    ids
}

#[derive(Deserialize)]
struct RawRequest {
    id: String,
    category: Option<String>,
    channel: String,
    kind: String,
    area: Option<String>,
    status: String,
    received_at: i64,
    answered: i64,
}

#[derive(Deserialize)]
struct RawTask {
    id: String,
    request_id: String,
    bureau: String,
    role: String,
    state: String,
    dispatched_at: i64,
    updated_at: i64,
}

#[derive(Deserialize)]
struct RawClock {
    task_id: String,
    kind: String,
    due_at: i64,
    state: String,
    settled_at: Option<i64>,
}

#[derive(Deserialize)]
struct RawDisclaim {
    request_id: String,
    bureau: String,
    at: i64,
}

#[derive(Deserialize)]
struct RawVisit {
    request_id: String,
    solved: bool,
    satisfaction: Option<String>,
    stars: Option<i64>,
    at: i64,
}

#[derive(Deserialize)]
struct RawExemption {
    request_id: String,
    bureau: String,
    state: String,
}

#[derive(Deserialize)]
struct RawSum {
    dim: String,
    value: String,
    day: String,
    counts: Vec<i64>,
}

fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("a time")
}

fn day(micros: i64) -> NaiveDate {
    time(micros).with_timezone(&LOCAL).date_naive()
}

/// The key as the summary table writes it (empty text for a missing dimension).
type TableKey = (String, String, String, String, String, String, String);

/// The raw rows the recount reads.
struct Raw {
    requests: Vec<RawRequest>,
    tasks: Vec<RawTask>,
    clocks: Vec<RawClock>,
    disclaims: Vec<RawDisclaim>,
    visits: Vec<RawVisit>,
    exemptions: Vec<RawExemption>,
}

/// The recount, from the raw rows.
fn recount(raw: Raw) -> BTreeMap<TableKey, Counts> {
    let Raw { requests, tasks, clocks, disclaims, visits, exemptions } = raw;
    let d = district();
    let mut out: BTreeMap<TableKey, Counts> = BTreeMap::new();
    let tasks_of = |r: &str| tasks.iter().filter(|t| t.request_id == r).collect::<Vec<_>>();
    for r in &requests {
        let (street, community) = r.area.as_ref().map_or((String::new(), String::new()), |a| {
            let code = AreaCode::parse(a).expect("area");
            let up = d.areas().ancestry(&code);
            let at = |l| up.iter().find(|x| x.level == l).map(|x| x.code.to_string()).unwrap_or_default();
            (at(AreaLevel::Street), at(AreaLevel::Community))
        });
        // A request exempted for a bureau counts nothing for it but the exemption.
        let exempt: Vec<&str> = exemptions
            .iter()
            .filter(|e| e.request_id == r.id && e.state == "granted")
            .map(|e| e.bureau.as_str())
            .collect();
        let mut add = |on: NaiveDate, bureau: &str, c: Counts| {
            if c.exempted == 0 && exempt.contains(&bureau) {
                return;
            }
            let key = (
                on.format("%Y-%m-%d").to_string(),
                bureau.to_owned(),
                street.clone(),
                community.clone(),
                r.category.clone().unwrap_or_default(),
                r.channel.clone(),
                r.kind.clone(),
            );
            *out.entry(key).or_default() += c;
        };
        // The lead: the newest active lead task, else the newest resolved one.
        let leads: Vec<&RawTask> = {
            let mut l: Vec<&RawTask> = tasks_of(&r.id).into_iter().filter(|t| t.role == "lead").collect();
            l.sort_by_key(|t| (t.dispatched_at, t.id.clone()));
            l
        };
        let active =
            |t: &&&RawTask| matches!(t.state.as_str(), "dispatched" | "claimed" | "disclaim_requested");
        let lead =
            leads.iter().rev().find(active).or_else(|| leads.iter().rev().find(|t| t.state == "resolved"));
        let lead = lead.map(|t| t.bureau.clone()).unwrap_or_default();
        for b in exempt.clone() {
            add(day(r.received_at), b, Counts { exempted: 1, ..Counts::default() });
        }
        add(day(r.received_at), &lead, Counts { received: 1, direct: r.answered, ..Counts::default() });
        let mut my_visits: Vec<&RawVisit> = visits.iter().filter(|v| v.request_id == r.id).collect();
        my_visits.sort_by_key(|v| v.at);
        // Closed and reopened go with the request's own day.
        let c = Counts {
            closed: i64::from(r.status == "closed"),
            reopened: my_visits.iter().filter(|v| !v.solved).count() as i64,
            ..Counts::default()
        };
        add(day(r.received_at), &lead, c);
        for v in &my_visits {
            let s = |x: &str| i64::from(v.satisfaction.as_deref() == Some(x));
            let c = Counts {
                visits: 1,
                solved: i64::from(v.solved),
                satisfied: s("satisfied"),
                basically_satisfied: s("basically_satisfied"),
                dissatisfied: s("dissatisfied"),
                rated: i64::from(v.stars.is_some()),
                stars: v.stars.unwrap_or(0),
                ..Counts::default()
            };
            add(day(v.at), &lead, c);
        }
        for x in disclaims.iter().filter(|x| x.request_id == r.id) {
            add(day(x.at), &x.bureau, Counts { disclaimed: 1, ..Counts::default() });
        }
        for t in tasks_of(&r.id) {
            let latest = |kind: &str| {
                clocks
                    .iter()
                    .filter(|c| c.task_id == t.id && c.kind == kind)
                    .max_by_key(|c| (c.due_at, c.settled_at))
            };
            let in_time = |c: Option<&RawClock>| {
                c.is_some_and(|c| c.state == "met" && c.settled_at.is_some_and(|s| s <= c.due_at))
            };
            let responded = in_time(latest("response"));
            add(
                day(t.dispatched_at),
                &t.bureau,
                Counts { dispatched: 1, responded: i64::from(responded), ..Counts::default() },
            );
            if t.state == "resolved" {
                let resolution = latest("resolution");
                let at = resolution.and_then(|c| c.settled_at).unwrap_or(t.updated_at);
                let w = jiesu_domain::left::working_time(d.calendar(), time(t.dispatched_at), time(at));
                let minutes = (i64::from(w.days) * 24 + i64::from(w.hours)) * 60 + i64::from(w.minutes);
                let c = Counts {
                    resolved: 1,
                    resolved_on_time: i64::from(in_time(resolution)),
                    handling_minutes: minutes,
                    ..Counts::default()
                };
                add(day(at), &t.bureau, c);
            }
        }
    }
    out.retain(|_, c| !c.is_zero());
    out
}

/// The JSON rows a statement returns, one text column each.
macro_rules! rows {
    ($pool:expr, $sql:expr) => {{
        let texts: Vec<(String,)> =
            sqlx::query_as(sqlx::AssertSqlSafe($sql)).fetch_all($pool).await.expect("read");
        texts
            .into_iter()
            .map(|(t,)| serde_json::from_str(&t).unwrap_or_else(|e| panic!("{t}: {e}")))
            .collect::<Vec<_>>()
    }};
}

/// The summary against the recount; then `jiesu stats rebuild` (a few requests a commit) comes to
/// the same.
macro_rules! verify {
    ($store:expr, $pool:expr, $dialect:expr) => {{
        let [r, t, c, x, v, e, s] = statements(&$dialect);
        let expected = recount(Raw {
            requests: rows!($pool, r),
            tasks: rows!($pool, t),
            clocks: rows!($pool, c),
            disclaims: rows!($pool, x),
            visits: rows!($pool, v),
            exemptions: rows!($pool, e),
        });
        compare($store, table(rows!($pool, s.clone())), expected.clone()).await;
        let rebuilt = jiesu_stats::rebuild($store, district(), 5).await.expect("rebuild");
        assert_eq!(rebuilt.requests, 39, "36 worked, 3 answered on receipt");
        compare($store, table(rows!($pool, s)), expected).await;
    }};
}

/// Per backend: how a statement writes an id, a time in microseconds, and a JSON object.
struct Dialect {
    id: fn(&str) -> String,
    micros: fn(&str) -> String,
    boolean: fn(&str) -> String,
    object: &'static str,
    to_text: &'static str,
}

const SQLITE: Dialect = Dialect {
    id: |c| format!("lower(hex({c}))"),
    micros: |c| c.to_owned(),
    boolean: |c| format!("json(CASE WHEN {c} THEN 'true' ELSE 'false' END)"),
    object: "json_object",
    to_text: "",
};

const POSTGRES: Dialect = Dialect {
    id: |c| format!("replace({c}::text, '-', '')"),
    micros: |c| format!("(extract(epoch from {c}) * 1000000)::bigint"),
    boolean: |c| c.to_owned(),
    object: "json_build_object",
    to_text: "::text",
};

/// The statements of the recount and of reading the summary back.
fn statements(x: &Dialect) -> [String; 7] {
    let (id, us, o, t) = (x.id, x.micros, x.object, x.to_text);
    let counters: Vec<&str> = Counts::NAMES.to_vec();
    [
        format!(
            "SELECT {o}('id', {}, 'category', category, 'channel', channel, 'kind', kind, 'area', area,
                'status', status, 'received_at', {}, 'answered', CASE WHEN answer IS NULL THEN 0 ELSE 1 END){t} FROM requests",
            id("id"),
            us("received_at")
        ),
        format!(
            "SELECT {o}('id', {}, 'request_id', {}, 'bureau', bureau, 'role', role, 'state', state,
                'dispatched_at', {}, 'updated_at', {}){t} FROM tasks",
            id("id"),
            id("request_id"),
            us("dispatched_at"),
            us("updated_at")
        ),
        format!(
            "SELECT {o}('task_id', {}, 'kind', kind, 'due_at', {}, 'state', state, 'settled_at', {}){t} FROM deadlines",
            id("task_id"),
            us("due_at"),
            us("settled_at")
        ),
        format!(
            "SELECT {o}('request_id', {}, 'bureau', bureau, 'at', {}){t} FROM disclaims",
            id("request_id"),
            us("at")
        ),
        format!(
            "SELECT {o}('request_id', {}, 'solved', {}, 'satisfaction', satisfaction, 'stars', stars, 'at', {}){t} FROM return_visits",
            id("request_id"),
            (x.boolean)("solved"),
            us("at")
        ),
        format!(
            "SELECT {o}('request_id', {}, 'bureau', bureau, 'state', state){t} FROM exemptions",
            id("request_id")
        ),
        format!(
            "SELECT {o}('dim', dim, 'value', value, 'day', day, 'counts', {}({})){t} FROM stats_daily",
            if t.is_empty() { "json_array" } else { "json_build_array" },
            counters.join(", ")
        ),
    ]
}

/// A row of the summary as the table keeps it: dimension, value, day.
type SumKey = (String, String, String);

fn table(sums: Vec<RawSum>) -> BTreeMap<SumKey, Counts> {
    let mut out: BTreeMap<SumKey, Counts> =
        sums.into_iter().map(|s| ((s.dim, s.value, s.day), Counts::from_values(&s.counts))).collect();
    out.retain(|_, c| !c.is_zero());
    out
}

/// The recount summed along each dimension, as the table keeps it.
fn along(recounted: &BTreeMap<TableKey, Counts>) -> BTreeMap<SumKey, Counts> {
    let mut out: BTreeMap<SumKey, Counts> = BTreeMap::new();
    for ((day, bureau, street, community, category, channel, kind), c) in recounted {
        for (dim, value) in [
            ("total", ""),
            ("bureau", bureau.as_str()),
            ("street", street.as_str()),
            ("community", community.as_str()),
            ("category", category.as_str()),
            ("channel", channel.as_str()),
            ("kind", kind.as_str()),
        ] {
            *out.entry((dim.to_owned(), value.to_owned(), day.clone())).or_default() += *c;
        }
    }
    out.retain(|_, c| !c.is_zero());
    out
}

fn totals(m: &BTreeMap<TableKey, Counts>) -> Counts {
    let mut all = Counts::default();
    for c in m.values() {
        all += *c;
    }
    all
}

/// The summary must equal the recount, key by key; and a sample of keys is checked through the
/// port's totals too (the console's reading).
async fn compare<S: Stats>(
    store: &S,
    summary: BTreeMap<SumKey, Counts>,
    expected: BTreeMap<TableKey, Counts>,
) {
    let all = totals(&expected);
    let want_rows = along(&expected);
    assert!(
        all.received + all.exempted >= 36 && all.dispatched > 30 && all.visits > 5 && all.disclaimed > 0,
        "a varied workload: {all:?}"
    );
    assert!(all.resolved_on_time > 0 && all.closed > 0 && all.reopened > 0, "{all:?}");
    assert!(all.exempted > 0, "an appeal or a final reply was granted: {all:?}");
    assert!(all.direct > 0 && all.direct < all.closed, "some answered on receipt: {all:?}");
    let missing: Vec<_> = want_rows.iter().filter(|(k, c)| summary.get(*k) != Some(*c)).collect();
    let extra: Vec<_> = summary.iter().filter(|(k, _)| !want_rows.contains_key(*k)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "differ:\nrecount {missing:#?}\nsummary only {extra:#?}");
    // Through the port: by bureau over the whole period.
    let q = jiesu_domain::ports::StatsQuery {
        from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        until: NaiveDate::from_ymd_opt(2028, 1, 1).expect("date"),
        by: jiesu_domain::ports::StatsBy::Bureau,
        filter: Default::default(),
    };
    let by_bureau = store.stats_totals(&q).await.expect("totals");
    let mut want: HashMap<String, Counts> = HashMap::new();
    for (k, c) in &expected {
        *want.entry(k.1.clone()).or_default() += *c;
    }
    for row in &by_bureau {
        assert_eq!(Some(&row.counts), want.get(&row.group), "bureau `{}`", row.group);
    }
    assert_eq!(by_bureau.len(), want.len());
    // And one total.
    let one = jiesu_domain::ports::StatsQuery { by: jiesu_domain::ports::StatsBy::Nothing, ..q };
    let total = store.stats_totals(&one).await.expect("total");
    assert_eq!(total.iter().map(|r| r.counts).collect::<Vec<_>>(), vec![all]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_summary_equals_a_recount_from_the_raw_tables() {
    let (url, _dir) = jiesu_testkit::sqlite_file();
    let pools = jiesu_store_sqlite::SqlitePools::open(&url, &Default::default()).await.expect("open");
    pools.migrate().await.expect("migrate");
    let store = jiesu_store_sqlite::SqliteStore::new(pools);
    workload(&store).await;
    let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
    verify!(&store, &pool, SQLITE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_scale_summary_equals_a_recount_from_the_raw_tables() {
    let db = jiesu_testkit::pg::TestDatabase::create().await;
    let settings = jiesu_store_postgres::PgSettings { max_connections: 4, ..Default::default() };
    let store = jiesu_store_postgres::PgStore::connect(&db.url, &settings).await.expect("connect");
    store.migrate().await.expect("migrate");
    workload(&store).await;
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    verify!(&store, &pool, POSTGRES);
}
