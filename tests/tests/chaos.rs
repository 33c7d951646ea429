//! The short fault run (the full one is `scripts/chaos`): a deployment of separate role
//! processes on PostgreSQL and RabbitMQ under a bounded load, with every role killed and
//! restarted, the broker's connections cut, the database refusing connections and its backends
//! terminated. Nothing answered may be lost, nothing stored twice, nothing dead-lettered.

use std::time::Duration;

use jiesu_e2e::chaos::{Plan, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_short_fault_run_loses_duplicates_and_dead_letters_nothing() {
    let plan = Plan {
        exe: env!("CARGO_BIN_EXE_jiesu-under-test").into(),
        seconds: 20,
        rate: 40,
        outage: Duration::from_secs(3),
        settle: Duration::from_secs(90),
    };
    let tally = run(&plan).await;
    eprintln!("{}", tally.report());
    assert!(tally.answered > 0, "the load was answered at all");
    assert!(tally.clean(), "{}", tally.report());
}
