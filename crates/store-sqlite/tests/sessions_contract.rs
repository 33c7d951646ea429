//! The sessions contract on SQLite.
jiesu_testkit::sessions_contract!(jiesu_testkit::sqlite_store);
