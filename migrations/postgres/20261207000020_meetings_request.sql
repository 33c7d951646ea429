-- Every case load reads the request's meetings by request_id (`Cases::load_case`, so every staff
-- action and the case view). Without this index that read scanned the whole table: 63 ms per case
-- on a SQLite history of 1,000,000 requests (scripts/reads), where every other part of the case
-- took under half a millisecond.
CREATE INDEX meetings_request ON meetings (request_id);
