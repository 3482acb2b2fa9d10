-- sigtrail schema version 14: what a run knew of its clock and its kernel.
-- Public: the columns collector_runs.boot_epoch_ms and backlog_limit.
--
-- Start times (signals.target_start_time, deaths.start_time, ancestry's
-- start_time) are clock ticks after boot, as /proc/PID/stat gives them. A
-- reader turns them into wall-clock times with the boot's own wall-clock
-- time: CLOCK_REALTIME - CLOCK_BOOTTIME, sampled by the daemon when its run
-- starts (ms since the epoch, UTC). NULL for imports and older runs: their
-- start times stay ticks.
ALTER TABLE collector_runs ADD COLUMN boot_epoch_ms INTEGER;

-- The kernel's audit backlog limit in effect during the run (after the
-- daemon raised it, as the audit daemon), so that `sigtrail status` can warn
-- about a small one without the privilege to ask the kernel. NULL unknown
-- (an unprivileged stdin source, an import, an older run).
ALTER TABLE collector_runs ADD COLUMN backlog_limit INTEGER;
