//! The queue contract on the durable local queue (SQLite).
jiesu_testkit::queue_contract!(jiesu_testkit::local_queue);
