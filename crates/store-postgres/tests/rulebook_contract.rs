//! The rulebook contract on PostgreSQL, a fresh database per test.
jiesu_testkit::rulebook_contract!(jiesu_testkit::pg_store);
