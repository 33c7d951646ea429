//! The cases contract on SQLite.
jiesu_testkit::cases_contract!(jiesu_testkit::sqlite_store);
