//! The knowledge base queue's contract (`jiesu_testkit::answers_contract`) on this adapter.
jiesu_testkit::answers_contract!(jiesu_testkit::pg_store);
