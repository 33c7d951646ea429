//! The store contract on PostgreSQL, one fresh database per test.
jiesu_testkit::store_contract!(jiesu_testkit::pg_store);

mod faults {
    jiesu_testkit::faults_contract!(jiesu_testkit::pg_store);
}
