-- What an operator needs to know of a dead letter in the local queue, beside `dead_reason`: when
-- it died and how many times it had been delivered (`deliveries` restarts at zero in the
-- dead-letter queue, so a consumer of that queue sees a first delivery).

ALTER TABLE queue_messages ADD COLUMN dead_at INTEGER;
ALTER TABLE queue_messages ADD COLUMN dead_deliveries INTEGER;
