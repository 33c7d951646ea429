//! The queue contract on RabbitMQ, under a unique prefix per test.
jiesu_testkit::queue_contract!(jiesu_testkit::amqp_queue);
