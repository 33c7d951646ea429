//! The cases contract on PostgreSQL, a fresh database per test.
jiesu_testkit::cases_contract!(jiesu_testkit::pg_store);
