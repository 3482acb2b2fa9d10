-- sigtrail schema migration 020: `who NAME` reads the rows of the name only.
-- Internal only: no view changes.
--
-- Why: `who NAME` matches the view's target_comm, or the basename of its
-- target_exe, against NAME. Nothing indexed either, so its totals read every
-- row and resolved two strings for each: 5.3 s for a name with 624,024 rows
-- of 10M (BENCHMARKS.md, "Export and who NAME").
--
-- Now the CLI finds the name's string ids first (comm and exe are names,
-- gen NULL, in every database the store writes: schema 4), then the rows
-- through these indexes, newest first: one for the comm, one for the rows
-- that carry an executable (their basename may be NAME where the comm is
-- not: a thread, a truncated or renamed comm), and a small one of the
-- refused calls (about one row in twenty), so that a name's totals of rows
-- and of delivered signals are counts of index ranges, never reads of rows.
-- strings_basename finds the executables whose basename is NAME among the
-- names (few: hundreds to thousands). Its expression uses SQLite's built-in
-- functions only, so plain sqlite3 keeps writing and reading the file.
CREATE INDEX signal_rows_target_comm ON signal_rows(target_comm_s, epoch_ms);
CREATE INDEX signal_rows_target_comm_failed ON signal_rows(target_comm_s, epoch_ms)
	WHERE success = 0;
CREATE INDEX signal_rows_target_exe ON signal_rows(target_exe_s, target_comm_s, epoch_ms, success)
	WHERE target_exe_s IS NOT NULL;
CREATE INDEX strings_basename ON strings(replace(value, rtrim(value, replace(value, '/', '')), ''))
	WHERE gen IS NULL;
