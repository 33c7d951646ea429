//! Several escalation workers at once on PostgreSQL and RabbitMQ: one full application and two more
//! in-process applications with only the escalation role, on the same database and broker prefix,
//! as three `jiesu serve --role escalation` processes would be. Requests are driven to exhaustion
//! (every candidate disclaims) and to ping-pong through the staff API, and every event the
//! escalation service consumes is published twice more (a redelivering broker). Each request gets
//! exactly one escalation per trigger and one meeting; the meeting decided by two supervisors at
//! once creates its binding tasks once.

use std::time::Duration;

use jiesu::{Roles, Settings};
use jiesu_domain::bureau::BureauCode;
use jiesu_domain::escalation::Share;
use jiesu_domain::ids::RequestId;
use jiesu_domain::live_district::LiveDistrict;
use jiesu_domain::messages::{EVENT, encode_event};
use jiesu_domain::ports::{Cases, Message, Queue, Store};
use jiesu_domain::staff::{Principal, StaffRole, UserId, Username};
use jiesu_domain::workflow::{Caller, Command, DecisionInput, Note, Policy, WorkflowError};
use jiesu_e2e::backend::Kind;
use jiesu_e2e::client::LAMP;
use jiesu_e2e::staff::StaffClient;
use jiesu_e2e::{Backend, Open311Client};
use jiesu_queue::AmqpQueue;
use jiesu_store_postgres::{PgSettings, PgStore};
use jiesu_workflow::{ActError, Workflow};
use serde_json::json;

const ESCALATION_ONLY: Roles = Roles {
    escalation: true,
    intake: false,
    api: false,
    dispatch: false,
    relay: false,
    stats: false,
    notify: false,
};
/// What the escalation service consumes (`jiesu_escalation::TOPICS`).
const TOPICS: [&str; 2] = ["event.task_disclaimed", "event.request_escalated"];
const SOON: Duration = Duration::from_secs(60);

/// The same policy in every process: two disclaims make a ping-pong.
fn policy(s: &mut Settings) {
    s.escalation.ping_pong_after = 2;
    // The requests are alike and close together: this test is about the other triggers.
    s.escalation.hotspot.min_requests = 0;
}

async fn submit(client: &Open311Client) -> String {
    let id = client.post(&LAMP, None).await.expect("POST").id();
    client.wait_for(&id, Duration::from_secs(15)).await;
    id
}

/// The candidates' staff disclaim the request in routing order, each from their own task list.
async fn disclaimed_by(staff: &[StaffClient], tracking: &str) {
    for s in staff {
        let task =
            s.task_for(tracking, "dispatched").await.unwrap_or_else(|| panic!("{}'s task", s.username));
        let body = json!({ "reason": "overlapping_duties", "explanation": "职能交叉，非本单位牵头" });
        s.ok(&format!("/api/v1/tasks/{task}/disclaim"), body).await;
    }
}

async fn scalar(pool: &sqlx::PgPool, sql: &'static str, request: RequestId) -> i64 {
    sqlx::query_scalar(sql).bind(request.as_uuid()).fetch_one(pool).await.expect("query")
}

async fn triggers(pool: &sqlx::PgPool, request: RequestId) -> Vec<String> {
    sqlx::query_scalar("SELECT trigger FROM escalations WHERE request_id = $1 ORDER BY trigger")
        .bind(request.as_uuid())
        .fetch_all(pool)
        .await
        .expect("query")
}

/// How many messages wait on one of the test's queues (taken without acknowledging, so they go
/// back when the probe's consumer goes away).
async fn waiting(q: &AmqpQueue, queue: &str) -> usize {
    let mut c = q.consume(queue, 500).await.expect("consume");
    jiesu_testkit::queue_contract::recv(&mut c, 500, Duration::from_millis(500)).await.len()
}

fn supervisor(name: &str) -> Principal {
    Principal {
        user_id: UserId::generate(),
        username: Username::parse(name).expect("username"),
        role: StaffRole::Supervisor,
        bureau: None,
    }
}

fn share(bureau: &str, scope: &str) -> Share {
    Share {
        bureau: BureauCode::parse(bureau).expect("code"),
        scope: Note::parse(scope).expect("note"),
        due: jiesu_domain::time::now() + chrono::Duration::days(7),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_escalation_workers_open_each_escalation_and_meeting_once_under_redelivery() {
    let backend = Backend::at_scale().await;
    let key = backend.api_key("e2e").await;
    let candidates = [
        ("um-staff", "urban-management"),
        ("kengzi-staff", "street-kengzi"),
        ("centre-staff", "service-centre"),
    ];
    for (user, bureau) in candidates {
        backend.add_staff(user, StaffRole::BureauStaff, Some(bureau)).await;
    }
    let app = backend.start_with(Roles::ALL, policy).await;
    let workers = [
        backend.start_with(ESCALATION_ONLY, policy).await,
        backend.start_with(ESCALATION_ONLY, policy).await,
    ];
    let citizen = Open311Client::new(&app.base, &key);
    let mut staff = Vec::new();
    for (user, _) in candidates {
        staff.push(StaffClient::login(&app.base, user).await);
    }

    // Three requests every candidate disclaims (a ping-pong at the second, exhausted at the third),
    // two disclaimed twice (a ping-pong with a candidate left holding the lead).
    let (mut exhausted, mut ping_pong) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let t = submit(&citizen).await;
        disclaimed_by(&staff, &t).await;
        exhausted.push(t);
    }
    for _ in 0..2 {
        let t = submit(&citizen).await;
        disclaimed_by(&staff[..2], &t).await;
        ping_pong.push(t);
    }

    let pool = sqlx::PgPool::connect(&backend.database_url).await.expect("connect");
    let store =
        PgStore::connect(&backend.database_url, &PgSettings { max_connections: 2, ..PgSettings::default() })
            .await
            .expect("connect");
    let id_of = |t: String| {
        let pool = pool.clone();
        async move {
            let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM requests WHERE tracking = $1")
                .bind(t)
                .fetch_one(&pool)
                .await
                .expect("stored");
            RequestId::from_uuid(id)
        }
    };
    let mut expected: Vec<(RequestId, Vec<String>)> = Vec::new();
    for t in exhausted {
        expected.push((id_of(t).await, vec!["exhausted".into(), "ping_pong".into()]));
    }
    for t in ping_pong {
        expected.push((id_of(t).await, vec!["ping_pong".into()]));
    }
    let until = tokio::time::Instant::now() + SOON;
    for (id, want) in &expected {
        while triggers(&pool, *id).await != *want {
            assert!(tokio::time::Instant::now() < until, "{id}: {:?}", triggers(&pool, *id).await);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    // A redelivering broker: every event the workers consume, twice more.
    let Kind::AtScale { broker, .. } = &backend.kind else { unreachable!("an at-scale backend") };
    let q = AmqpQueue::connect(&broker.url, broker.settings.clone()).await.expect("connect");
    let mut copies = Vec::new();
    for (id, _) in &expected {
        for e in store.request_events(*id).await.expect("events") {
            if TOPICS.contains(&e.topic().as_str()) {
                for _ in 0..2 {
                    copies.push((e.topic(), Message::new(e.id.as_uuid(), EVENT, encode_event(&e))));
                }
            }
        }
    }
    assert_eq!(copies.len(), 2 * (3 * 4 + 2 * 2));
    q.publish(&copies).await.expect("publish");
    let until = tokio::time::Instant::now() + SOON;
    while waiting(&q, "escalation").await > 0 {
        assert!(tokio::time::Instant::now() < until, "the workers take the copies");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for w in workers {
        w.stop().await;
    }
    assert_eq!(waiting(&q, "escalation").await, 0, "every copy was handled");
    assert_eq!(waiting(&q, "escalation.dlq").await, 0, "none failed");

    for (id, want) in &expected {
        assert_eq!(triggers(&pool, *id).await, *want);
        let opened = "SELECT count(*) FROM events WHERE request_id = $1 AND kind = 'escalation_opened'";
        assert_eq!(scalar(&pool, opened, *id).await, i64::try_from(want.len()).expect("small"), "{id}");
        let called = "SELECT count(*) FROM events WHERE request_id = $1 AND kind = 'meeting_called'";
        assert_eq!(scalar(&pool, called, *id).await, 1, "{id}: one meeting, the other escalation joins it");
        assert_eq!(scalar(&pool, "SELECT count(*) FROM meetings WHERE request_id = $1", *id).await, 1);
    }

    // Two supervisors record the meeting's decision at once: one decision, its binding tasks once.
    let (request, _) = expected[0].clone();
    let workflow = Workflow::new(
        store.clone(),
        LiveDistrict::new(jiesu_testkit::fixtures::district().clone()),
        Policy::default(),
    );
    let meeting = store.load_case(request).await.expect("load").expect("stored").meetings[0].id;
    let decide = |lead: &str, assist: &str| Command::DecideMeeting {
        meeting,
        decision: DecisionInput {
            lead: share(lead, "安装路灯并恢复照明"),
            assists: vec![share(assist, "配合现场施工")],
            minutes: Note::parse("现场协调会确定分工").expect("note"),
            attended: vec![BureauCode::parse(lead).expect("code"), BureauCode::parse(assist).expect("code")],
            propose_rule: true,
        },
    };
    let (one, two) = (supervisor("supervisor-one"), supervisor("supervisor-two"));
    let (a, b) = tokio::join!(
        workflow.act(Caller::Staff(&one), request, decide("urban-management", "street-kengzi")),
        workflow.act(Caller::Staff(&two), request, decide("street-kengzi", "urban-management")),
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{outcomes:?}");
    let refused = if outcomes[0] { b } else { a };
    assert!(matches!(refused, Err(ActError::Refused(WorkflowError::WrongStatus(..)))), "{refused:?}");
    let binding = "SELECT count(*) FROM tasks WHERE request_id = $1 AND binding";
    assert_eq!(scalar(&pool, binding, request).await, 2, "the lead's and the assist's share");
    let proposed = "SELECT count(*) FROM events WHERE request_id = $1 AND kind = 'rule_proposed'";
    assert_eq!(scalar(&pool, proposed, request).await, 1, "one rule proposed");
    let open = "SELECT count(*) FROM escalations WHERE request_id = $1 AND state <> 'decided'";
    assert_eq!(scalar(&pool, open, request).await, 0, "both escalations settled by the one meeting");
    app.stop().await;
}
