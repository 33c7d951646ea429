//! The fault run: a deployment at scale (PostgreSQL and RabbitMQ, each role its own `jiesu serve
//! --role ...` process: two intake, two dispatchers, a relay, an escalation worker) takes a
//! bounded Open311 load in which every request carries a unique marker, while faults are
//! injected in turn: `kill -9` of every role (each restarted), the broker's connections cut,
//! the database refusing connections for a while (`ALLOW_CONNECTIONS false`, SQLSTATE 55000)
//! and its backends terminated. Then it waits for the pipeline to settle and counts, by marker:
//! answered (HTTP 200), stored, lost (answered, never stored), duplicated (stored twice),
//! dead-lettered (in either dead-letter queue), and what is left unpublished or queued.
//!
//! The broker is reached through a TCP proxy of the run's own, so cutting "the broker's
//! connections" cuts only this run's, never another test's on the same server. The database is
//! a fresh one per run, so refusing its connections touches nothing else.
//!
//! `scripts/chaos` runs the full version (the `chaos` binary); `tests/tests/chaos.rs` a short one.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiesu_domain::ports::Queue;
use jiesu_queue::AmqpQueue;
use jiesu_testkit::amqp::TestBroker;
use jiesu_testkit::pg::TestDatabase;
use jiesu_testkit::queue_contract::recv;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::Open311Client;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The `jiesu` binary.
    pub exe: PathBuf,
    /// How long the load lasts; the faults are spread over it.
    pub seconds: u64,
    /// Requests per second offered, in all.
    pub rate: u32,
    /// How long the database refuses connections.
    pub outage: Duration,
    /// How long to wait, after the load, for every answered request to be stored.
    pub settle: Duration,
}

/// What came of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub offered: usize,
    pub answered: usize,
    /// Refused with a status (503 while the broker was away, say): the client knows to retry.
    pub refused: usize,
    /// The connection failed (a killed intake): the client knows nothing was confirmed.
    pub failed: usize,
    pub stored: usize,
    /// Stored though never answered: queued just before its intake process died.
    pub stored_unanswered: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub dead_intake: usize,
    pub dead_escalation: usize,
    pub left_on_intake: usize,
    pub unpublished_events: i64,
    /// What happened when, for the report.
    pub timeline: Vec<String>,
}

impl Tally {
    pub fn dead_lettered(&self) -> usize {
        self.dead_intake + self.dead_escalation
    }

    /// Zero lost, zero duplicated, nothing dead-lettered or stuck.
    pub fn clean(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.dead_lettered() == 0
            && self.left_on_intake == 0
            && self.unpublished_events == 0
    }

    pub fn report(&self) -> String {
        let mut out = String::new();
        for line in &self.timeline {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str(&format!(
            "offered {}  answered {}  refused {}  failed {}\n\
             stored {} (+{} stored though unanswered)  lost {}  duplicated {}\n\
             dead-lettered {} (intake {}, escalation {})  left on intake {}  events stuck in the outbox {}\n",
            self.offered,
            self.answered,
            self.refused,
            self.failed,
            self.stored,
            self.stored_unanswered,
            self.lost,
            self.duplicated,
            self.dead_lettered(),
            self.dead_intake,
            self.dead_escalation,
            self.left_on_intake,
            self.unpublished_events,
        ));
        out
    }
}

/// A TCP proxy to the broker whose connections can be cut at once.
struct Proxy {
    addr: SocketAddr,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let held = links.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().expect("lock").push(link);
            }
        });
        Self { addr, links, accept }
    }

    /// Drops every open connection, as a broker restart or a network blip does.
    fn cut(&self) -> usize {
        let links: Vec<_> = self.links.lock().expect("lock").drain(..).collect();
        let n = links.iter().filter(|l| !l.is_finished()).count();
        for l in links {
            l.abort();
        }
        n
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// One `jiesu serve --role ...` process.
struct Role {
    name: &'static str,
    role: &'static str,
    child: Child,
    base: Option<String>,
}

struct Deployment {
    exe: PathBuf,
    env: Vec<(&'static str, String)>,
    dir: tempfile::TempDir,
}

impl Deployment {
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.exe);
        cmd.current_dir(self.dir.path()).stdin(Stdio::null()).kill_on_drop(true);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs a subcommand to the end and returns its stdout.
    async fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().await.expect("run jiesu");
        assert!(out.status.success(), "jiesu {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    async fn start(&self, name: &'static str, role: &'static str) -> Role {
        let mut child = self
            .command()
            .args(["serve", "--role", role])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start jiesu");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let base = if role == "intake" {
            let base = tokio::time::timeout(Duration::from_secs(30), async {
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(rest) = line.strip_prefix("Jiesu is listening on ") {
                        return rest.trim_end_matches('/').to_owned();
                    }
                }
                panic!("{name} exited before listening")
            })
            .await
            .unwrap_or_else(|_| panic!("{name} listens within 30 s"));
            Some(base)
        } else {
            None
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Role { name, role, child, base }
    }
}

/// Where the load goes: the intake processes alive now.
type Intakes = Arc<Mutex<Vec<Option<Open311Client>>>>;

#[derive(Default)]
struct Answers {
    answered: HashSet<String>,
    refused: usize,
    failed: usize,
}

/// Runs the plan and counts. Panics only if the deployment cannot be set up at all.
pub async fn run(plan: &Plan) -> Tally {
    let started = Instant::now();
    let db = TestDatabase::create().await;
    let broker = TestBroker::new();
    let proxy = Proxy::start(authority(&broker.url)).await;
    let marker = format!("chaos-{}", uuid::Uuid::new_v4().simple());
    let deployment = Deployment {
        // The processes run in a directory of their own: a relative path would not be found.
        exe: std::fs::canonicalize(&plan.exe).unwrap_or_else(|_| plan.exe.clone()),
        env: vec![
            ("JIESU__DATABASE__URL", db.url.clone()),
            ("JIESU__DATABASE__MAX_CONNECTIONS", "4".into()),
            ("JIESU__QUEUE__URL", with_authority(&broker.url, &proxy.addr.to_string())),
            ("JIESU__QUEUE__PREFIX", broker.settings.prefix.clone()),
            ("JIESU__SERVER__LISTEN", "127.0.0.1:0".into()),
            ("JIESU__DISTRICT__DIR", "does-not-exist".into()),
            ("JIESU__LOG__FILTER", "error".into()),
            ("JIESU__OUTBOX__IDLE_MS", "100".into()),
        ],
        dir: tempfile::tempdir().expect("working directory"),
    };
    deployment.run(&["migrate"]).await;
    let key = deployment.run(&["api-key", "add", "chaos"]).await;

    let mut roles = Vec::new();
    for (name, role) in [
        ("intake-1", "intake"),
        ("intake-2", "intake"),
        ("dispatch-1", "dispatch"),
        ("dispatch-2", "dispatch"),
        ("relay", "relay"),
        ("escalation", "escalation"),
    ] {
        roles.push(deployment.start(name, role).await);
    }
    let client = |r: &Role| r.base.as_deref().map(|b| Open311Client::new(b, &key));
    let intakes: Intakes =
        Arc::new(Mutex::new(roles.iter().filter(|r| r.role == "intake").map(client).collect()));

    let timeline = Arc::new(Mutex::new(Vec::new()));
    let note = |t: &Arc<Mutex<Vec<String>>>, what: String| {
        t.lock().expect("lock").push(format!("{:>6.1} s  {what}", started.elapsed().as_secs_f64()));
    };
    note(&timeline, format!("load: {} s at {} req/s over two intake processes", plan.seconds, plan.rate));

    let answers = Arc::new(Mutex::new(Answers::default()));
    let offered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let load = tokio::spawn(offer_load(
        plan.clone(),
        marker.clone(),
        intakes.clone(),
        answers.clone(),
        offered.clone(),
    ));

    // The faults, spread over the load.
    let step = Duration::from_secs_f64(plan.seconds as f64 / 10.0);
    for fault in [
        "dispatch-1",
        "relay",
        "escalation",
        "intake-1",
        "broker",
        "database",
        "backends",
        "dispatch-2",
        "intake-2",
    ] {
        tokio::time::sleep(step).await;
        match fault {
            "broker" => {
                let n = proxy.cut();
                note(&timeline, format!("cut every broker connection ({n})"));
            }
            "database" => {
                db.refuse_connections().await;
                note(
                    &timeline,
                    format!(
                        "database refuses connections for {:?} (55000), backends terminated",
                        plan.outage
                    ),
                );
                tokio::time::sleep(plan.outage).await;
                db.accept_connections().await;
                note(&timeline, "database accepts connections again".into());
            }
            "backends" => {
                db.terminate_connections().await;
                note(&timeline, "every database backend terminated".into());
            }
            name => {
                let at = roles.iter().position(|r| r.name == name).expect("a role");
                let mut victim = roles.remove(at);
                let _ = victim.child.start_kill();
                let _ = victim.child.wait().await;
                if victim.role == "intake" {
                    intakes.lock().expect("lock")[usize::from(name == "intake-2")] = None;
                }
                note(&timeline, format!("kill -9 {name}"));
                tokio::time::sleep(Duration::from_millis(500)).await;
                let fresh = deployment.start(name, victim.role).await;
                if fresh.role == "intake" {
                    intakes.lock().expect("lock")[usize::from(name == "intake-2")] = client(&fresh);
                }
                note(&timeline, format!("{name} restarted"));
                roles.insert(at.min(roles.len()), fresh);
            }
        }
    }
    load.await.expect("the load ran");
    note(&timeline, "load over; waiting for the pipeline to settle".into());

    let answered = std::mem::take(&mut answers.lock().expect("lock").answered);
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect to the run's database");
    let deadline = Instant::now() + plan.settle;
    let mut stored = stored_markers(&pool, &marker).await;
    while Instant::now() < deadline
        && (!answered.iter().all(|m| stored.contains_key(m)) || unpublished(&pool).await > 0)
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stored = stored_markers(&pool, &marker).await;
    }
    // Redeliveries still in flight would show up as duplicates only later: give them a moment.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stored = stored_markers(&pool, &marker).await;
    // The escalation service keeps writing events (hotspots) as the last requests arrive: the
    // outbox is drained when the relay catches up, not at one instant.
    let drained_by = Instant::now() + Duration::from_secs(60);
    while unpublished(&pool).await > 0 && Instant::now() < drained_by {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    note(&timeline, "settled; counting".into());

    let direct = {
        let settings = broker.settings.clone();
        AmqpQueue::connect(&broker.url, settings).await.expect("connect to RabbitMQ")
    };
    for r in &mut roles {
        let _ = r.child.start_kill();
    }
    let (refused, failed) = {
        let a = answers.lock().expect("lock");
        (a.refused, a.failed)
    };
    let tally = Tally {
        offered: offered.load(std::sync::atomic::Ordering::Relaxed),
        answered: answered.len(),
        refused,
        failed,
        stored: stored.len(),
        stored_unanswered: stored.keys().filter(|m| !answered.contains(*m)).count(),
        lost: answered.iter().filter(|m| !stored.contains_key(*m)).count(),
        duplicated: stored.values().filter(|n| **n > 1).count(),
        dead_intake: waiting(&direct, "intake.dlq").await,
        dead_escalation: waiting(&direct, "escalation.dlq").await,
        left_on_intake: waiting(&direct, "intake").await,
        unpublished_events: unpublished(&pool).await,
        timeline: timeline.lock().expect("lock").clone(),
    };
    let queues = ["intake", "intake.dlq", "escalation", "escalation.dlq", "hotspot", "hotspot.dlq"];
    let _ = direct.delete(&queues.map(|n| format!("{}.{n}", broker.settings.prefix))).await;
    pool.close().await;
    tally
}

/// Offers `rate` requests a second for `seconds`, each with its own marker, from 16 clients
/// sharing the intake processes alive at the moment.
async fn offer_load(
    plan: Plan,
    marker: String,
    intakes: Intakes,
    answers: Arc<Mutex<Answers>>,
    offered: Arc<std::sync::atomic::AtomicUsize>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<usize>(64);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (rx, intakes, answers, marker) =
                (rx.clone(), intakes.clone(), answers.clone(), marker.clone());
            tokio::spawn(async move {
                loop {
                    let Some(n) = rx.lock().await.recv().await else { return };
                    let description = format!("{marker}-{n}");
                    let alive: Vec<Open311Client> =
                        intakes.lock().expect("lock").iter().flatten().cloned().collect();
                    let Some(client) = alive.get(n % alive.len().max(1)).cloned() else {
                        answers.lock().expect("lock").failed += 1;
                        continue;
                    };
                    // Spread over the district (sample data), as real reports are.
                    let lat = format!("{:.5}", 22.66 + (n * 7919 % 1000) as f64 * 0.00008);
                    let long = format!("{:.5}", 114.31 + (n * 104_729 % 1000) as f64 * 0.00008);
                    let fields = [
                        ("service_code", "010101"),
                        ("lat", lat.as_str()),
                        ("long", long.as_str()),
                        ("description", description.as_str()),
                    ];
                    let reply = client.post(&fields, None).await;
                    let mut a = answers.lock().expect("lock");
                    match reply {
                        Ok(r) if r.status == reqwest::StatusCode::OK => {
                            a.answered.insert(description);
                        }
                        Ok(_) => a.refused += 1,
                        Err(_) => a.failed += 1,
                    }
                }
            })
        })
        .collect();
    let total = plan.seconds as usize * plan.rate as usize;
    let mut tick = tokio::time::interval(Duration::from_secs(1) / plan.rate.max(1));
    for n in 0..total {
        tick.tick().await;
        offered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if tx.send(n).await.is_err() {
            break;
        }
    }
    drop(tx);
    for w in workers {
        let _ = w.await;
    }
}

/// Each marker stored, with how many requests carry it.
async fn stored_markers(pool: &sqlx::PgPool, marker: &str) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT description, count(*) FROM requests WHERE description LIKE $1 GROUP BY description",
    )
    .bind(format!("{marker}-%"))
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    rows.into_iter().collect()
}

/// Events the outbox should have published by now and no relay holds: unpublished, older than a
/// few seconds, not under a live lease. (A snapshot of all unpublished events is never zero for
/// sure while the escalation service still writes.)
async fn unpublished(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM outbox o JOIN events e ON e.seq = o.seq
         WHERE e.occurred_at < now() - interval '5 seconds' AND (o.lease_until IS NULL OR o.lease_until < now())",
    )
    .fetch_one(pool)
    .await
    .unwrap_or(-1)
}

/// Messages waiting on a queue, taken and left unacknowledged (they go back when the consumer closes).
async fn waiting(q: &AmqpQueue, queue: &str) -> usize {
    let Ok(mut c) = q.consume(queue, 1000).await else { return 0 };
    let mut n = 0;
    loop {
        let got = recv(&mut c, 1000, Duration::from_millis(700)).await.len();
        if got == 0 {
            return n;
        }
        n += got;
    }
}

/// `host:port` of an `amqp://user:pass@host:port/vhost` URL.
fn authority(url: &str) -> String {
    let rest = url.split_once('@').map_or(url, |(_, r)| r);
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// The URL with its `host:port` replaced.
fn with_authority(url: &str, authority: &str) -> String {
    url.replacen(&self::authority(url), authority, 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_broker_url_is_rewritten_to_the_proxy() {
        let url = "amqp://guest:guest@127.0.0.1:5672/%2f";
        assert_eq!(super::authority(url), "127.0.0.1:5672");
        assert_eq!(super::with_authority(url, "127.0.0.1:40000"), "amqp://guest:guest@127.0.0.1:40000/%2f");
    }
}
