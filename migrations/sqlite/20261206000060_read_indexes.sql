-- Indexes the reads need, found from the plans of every statement the pages, the API, Open311
-- and the workers run (tests/tests/query_plans.rs reads them on a history of 100,000 requests).

-- A request's clocks, disclaims: read for every Open311 read and every staff action (without it,
-- GET one request went from 0.5 ms at 10,000 requests to 58 ms at 1,000,000).
CREATE INDEX deadlines_request ON deadlines (request_id);
CREATE INDEX disclaims_request ON disclaims (request_id);

-- Task listings, newest first: a bureau's own, and every bureau's for supervisors.
CREATE INDEX tasks_bureau_dispatched ON tasks (bureau, dispatched_at, id);
CREATE INDEX tasks_dispatched ON tasks (dispatched_at, id);
-- Every bureau's tasks in some states (the active ones, a few in a hundred), newest first.
CREATE INDEX tasks_state_dispatched ON tasks (state, dispatched_at, id);

-- The desk's queues: open requests (a few in a hundred of the history) by their last change.
CREATE INDEX requests_open_updated ON requests (updated_at, id) WHERE status <> 'closed';
