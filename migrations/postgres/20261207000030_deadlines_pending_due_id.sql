-- The overdue task listing walks the running clocks in the order they ran out, then by id (its
-- keyset): with the id in the index, a page after a cursor is a range read with no sort. The
-- escalation scanner's lease (due_at order) is served as before.
DROP INDEX deadlines_pending_due;
CREATE INDEX deadlines_pending_due ON deadlines (due_at, id) WHERE state = 'pending';
