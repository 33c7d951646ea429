//! The store contract on SQLite.
jiesu_testkit::store_contract!(jiesu_testkit::sqlite_store);

mod faults {
    jiesu_testkit::faults_contract!(jiesu_testkit::sqlite_store);
}
