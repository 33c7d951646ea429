//! The rulebook contract on SQLite.
jiesu_testkit::rulebook_contract!(jiesu_testkit::sqlite_store);
