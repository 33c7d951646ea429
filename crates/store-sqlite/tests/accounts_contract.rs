//! The accounts contract on SQLite.
jiesu_testkit::accounts_contract!(jiesu_testkit::sqlite_store);
