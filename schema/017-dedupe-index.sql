-- sigtrail schema migration 017: import's duplicate checks are index searches.
-- Internal only: no view changes.
--
-- Why: `sigtrail import` (the store's dedupe mode) asks for each event
-- whether its (epoch_ms, serial, host) is stored already. With an index on
-- epoch_ms alone that read every row of the event's millisecond, so a log
-- whose events share a millisecond (a crafted one: 20,000 SYSCALL records at
-- one time took 24 s) cost the square of its size. An index on
-- (epoch_ms, serial) answers it in one search, and serves every epoch_ms
-- range and order the old one served, which it replaces.
--
-- Its second question, whether the event is inside a coalesced row (one
-- whose serial < S <= last_serial, same target), read every row of the
-- target through signal_rows_target_pid: 50,000 events to one pid took
-- 678 s. Only coalesced rows can answer it, and they alone are in
-- signal_rows_coalesced, which the question names (INDEXED BY).
DROP INDEX signal_rows_epoch_ms;
CREATE INDEX signal_rows_epoch_serial ON signal_rows(epoch_ms, serial);
CREATE INDEX signal_rows_coalesced ON signal_rows(target_pid, serial)
	WHERE last_serial IS NOT NULL;
