//! The hotspot part of the cases contract on SQLite.
jiesu_testkit::hotspot_contract!(jiesu_testkit::sqlite_store);
