-- Keyset pages: a listing's next page seeks `(key, id)` past the previous page's last row, so each
-- listing needs an index in its exact order, the id included (the ties' order).

-- Open311 `GET requests`, newest received first. It does all that `requests_received`
-- (received_at alone) did: the received-time windows read it too.
CREATE INDEX requests_received_id ON requests (received_at, id);
DROP INDEX requests_received;

-- Supervisors' escalations, oldest opened first.
CREATE INDEX escalations_opened ON escalations (opened_at, id);
