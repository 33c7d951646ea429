//! The sessions contract on PostgreSQL, one fresh database per test.
jiesu_testkit::sessions_contract!(jiesu_testkit::pg_store);
