-- sigtrail schema version 8: a kill that found no process (ESRCH) is found
-- by the pid it was aimed at. Such a row has only target_arg (its target
-- columns are NULL), and `who PID` / `list --target-pid PID` read
-- "target_pid = PID OR (target_pid IS NULL AND target_arg = PID)". A
-- partial index holds only those rows: nothing for the common row to
-- maintain. Internal; no view changes.
CREATE INDEX signal_rows_esrch_arg ON signal_rows(target_arg) WHERE target_pid IS NULL;
