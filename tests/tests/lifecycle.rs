//! The lifecycle benchmark's driver (`scripts/lifecycle`) against the real application on both
//! backends, briefly: every lifecycle it starts ends closed (or in coordination), each with one
//! disclaim on the way, and every step is timed. Keeps the benchmark from rotting unnoticed.

use std::time::Duration;

use jiesu::Roles;
use jiesu_domain::staff::StaffRole;
use jiesu_e2e::Backend;
use jiesu_e2e::lifecycle::{Plan, Sample, Step, run};
use jiesu_e2e::staff::PASSWORD;

jiesu_e2e::e2e_on_both_backends!(whole_lifecycles_with_a_disclaim_each_run_to_closure);

/// Every bureau code of the sample district.
fn bureaus() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/bureaus.toml");
    std::fs::read_to_string(path)
        .expect("bureaus.toml")
        .lines()
        .filter_map(|l| l.strip_prefix("code = \"")?.strip_suffix('"').map(str::to_owned))
        .collect()
}

async fn whole_lifecycles_with_a_disclaim_each_run_to_closure(backend: Backend) {
    let key = backend.api_key("lifecycle").await;
    let bureaus = bureaus();
    for bureau in &bureaus {
        backend.add_staff(&format!("life.{bureau}"), StaffRole::BureauStaff, Some(bureau)).await;
    }
    backend.add_staff("life.desk", StaffRole::Operator, None).await;
    // Every clerk signs in from this one address.
    let app = backend.start_with(Roles::ALL, |s| s.auth.per_address_per_minute = 0).await;
    let plan = Plan {
        base: app.base.clone(),
        api_key: key,
        prefix: "life.".into(),
        password: PASSWORD.into(),
        users: 3,
        duration: Duration::from_secs(3),
        disclaims_per_mille: 1000,
        samples: Sample::parse_lines("010101|22.742|114.387\n"),
        fallback: "urban-management".into(),
        bureaus,
    };
    let tally = run(&plan).await;
    assert!(tally.errors.is_empty(), "{}", tally.report());
    assert!(tally.closed >= 3, "{}", tally.report());
    assert_eq!(tally.disclaimed, tally.closed + tally.escalated, "{}", tally.report());
    for step in
        [Step::Submit, Step::Routed, Step::Open, Step::Claim, Step::Progress, Step::Review, Step::Visit]
    {
        assert!(
            tally.count(step) as u64 >= tally.closed,
            "{step:?} timed for every closure: {}",
            tally.report()
        );
    }
    assert!(tally.quantile(Step::Visit, 0.99).is_some_and(|d| d > Duration::ZERO));
    app.stop().await;
}
