//! The notification rows' contract on PostgreSQL.
jiesu_testkit::notifications_contract!(jiesu_testkit::pg_store);
