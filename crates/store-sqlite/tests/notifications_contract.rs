//! The notification rows' contract on SQLite.
jiesu_testkit::notifications_contract!(jiesu_testkit::sqlite_store);
