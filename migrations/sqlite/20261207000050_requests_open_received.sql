-- Open311's list of open requests, newest received first. With only partial indexes ordered by
-- something else, PostgreSQL's plan for `status <> 'closed'` read every open request and sorted
-- them (29 ms with 8,000 open in a 1,000,000-request history; 146 requests/s against about 1,000
-- for the other list pages). Open requests are a few in a hundred: a small index, and a page is
-- a range of it.
CREATE INDEX requests_open_received ON requests (received_at, id) WHERE status <> 'closed';
