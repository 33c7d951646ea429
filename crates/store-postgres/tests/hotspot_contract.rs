//! The hotspot part of the cases contract on PostgreSQL.
jiesu_testkit::hotspot_contract!(jiesu_testkit::pg_store);
