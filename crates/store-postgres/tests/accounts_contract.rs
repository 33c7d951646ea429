//! The accounts contract on PostgreSQL, one fresh database per test.
jiesu_testkit::accounts_contract!(jiesu_testkit::pg_store);
