/* The SQLite store: schema creation and migration, and rows from events.
 * One connection, used by one thread at a time (the writer thread).
 * Every function here returns 0 (or a count) or -errno, never an SQLite
 * result code: collector/store/store_internal.h says where the two meet. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"
#include "sigtrail/zombie.h"

/* The file's PRAGMA application_id: 'SGTR'. A file without it (and with any
 * content) is not ours and is never written. */
#define STORE_APPLICATION_ID 0x53475452

struct store;
struct proc_extra; /* sigtrail/proc_extra.h: what the process table adds to an event */

/* Open (creating if needed) the database at `path`, check that its directory
 * is not writable by others (sticky directories such as /tmp excepted) and
 * that an existing file is ours, then create or migrate the schema.
 * `default_host` names rows whose records carry no node= field.
 * Returns 0 and sets *ret, or -errno with a sentence in err[errlen]:
 * -EACCES/-EPERM (cannot create or open), -ENOTDIR, -EEXIST (a file that is
 * not a sigtrail database), -EBADMSG (a damaged one), -EPROTO (schema newer
 * than this build), -EBUSY (locked by another writer), -EIO. */
int store_open(const char *path, const char *default_host, struct store **ret, char *err,
               size_t errlen);

/* Is `path` the database `db` or one of its companions (-wal, -shm,
 * -journal, .lock)? By the file it is (a hard link, a symlink) and by the
 * name it resolves to (a companion not created yet). Never fails: what
 * cannot be resolved is compared as given. */
bool store_is_database_file(const char *path, const char *db);

/* Write the rows of one event (one per target; one with NULL target when the
 * call reached nobody) inside the current transaction, opening one if
 * needed. Returns the number of rows written (0 when the event was a
 * duplicate or was coalesced into an earlier row), or -errno (-ENOSPC when the
 * disk is full, -EIO otherwise); on failure the open transaction is rolled
 * back and its rows are lost: store_stats() counts them. */
int store_insert(struct store *st, const struct st_event *ev);

/* The same, with what the process table knew (x, may be NULL): the
 * sender's ancestry (its members in ancestry_rows, once per distinct chain),
 * unit and container, and each target's executable, command line, start
 * time, unit and container. */
int store_insert_extra(struct store *st, const struct st_event *ev, const struct proc_extra *x);

/* --- deaths (deaths.c) --- */

/* One death whose cause is decided (collector/deaths/): its death_rows row.
 * Strings may be NULL (unknown); they are read only during the call that
 * takes the record. */
struct store_death {
	int64_t epoch_ms;      /* when it exited, wall-clock ms */
	int32_t pid;           /* thread group id */
	uint64_t start_time;   /* clock ticks after boot, 0 unknown */
	int signal;            /* the signal that ended it; 0: it exited (exit_status) */
	int exit_status;       /* signal 0: its exit code, 0..255; else -1 */
	bool core_dumped;      /* the exit status says so */
	int64_t uid;           /* real uid, -1 unknown; the store names its user */
	const char *comm;      /* its name (the process table's, else the ANOM_ABEND record's) */
	const char *exe;       /* its executable, likewise */
	const char *cmdline;   /* full command line, arguments separated by spaces */
	const char *unit;      /* systemd unit */
	const char *container; /* container id */
	int32_t ppid;          /* the parent that forked it, 0 unknown */
	uint64_t pidns;        /* pid namespace inode, 0 unknown */
	int32_t nspid;         /* its pid in that namespace, 0 unknown */
	const char *cause;     /* "signal", "oom", "crash", "pidns-teardown", "kernel" or "exit" */
	int64_t signal_id;     /* signal_rows.id of the deciding signal, -1 none */
	const char *evidence;  /* what decided the cause, in words; never NULL */
	bool have_abend;       /* the crash has its ANOM_ABEND record (abend_serial) */
	uint64_t abend_serial; /* its audit serial */
	const char *oom_constraint; /* the deciding OOM kill's, NULL none or not printed */
	const char *oom_memcg;      /* the memory cgroup that hit its limit */
	const char *oom_task_memcg; /* the victim's memory cgroup */
	bool have_oom_rss;          /* the deciding OOM kill printed its RSS */
	int64_t oom_rss_kb;         /* anon + file + shmem RSS when killed */
	int32_t init_pid;           /* pidns-teardown: the init whose exit killed it, 0 none */
	uint64_t init_start_time;   /* that init's start time, 0 unknown */
};

/* Write one decided death as a death_rows row inside the current
 * transaction, opening one if needed; the host is the store's default host.
 * Returns 1, or -errno as store_insert(). */
int store_insert_death(struct store *st, const struct store_death *d);

/* --- zombies (zombies.c) --- */

/* Write one zombie finding inside the current transaction, opening one if
 * needed: a zombie_rows row (none when this boot's pid and start time
 * already have an unreaped one: a zombie is found once), or, for a reap,
 * the zombie_reaps row of that unreaped zombie. Returns 1 (0: nothing to
 * write), or -errno as store_insert(). */
int store_insert_zombie(struct store *st, const struct zombie_note *z);

/* At a start, before the writer runs: zombies of earlier boots still
 * unreaped are reaped as of this boot's start, at the latest; each of
 * this boot's unreaped zombies is handed to fn, so the watch follows it
 * instead of finding it again. Returns how many were handed, or -errno. */
int store_zombies_resume(struct store *st,
                         void (*fn)(void *userdata, int32_t pid, uint64_t start_time),
                         void *userdata);

/* Whether signal rows can exist at all (the audit rules are loaded): when
 * not, a death without a recorded sender says so in its evidence. Off by
 * default. Can't fail. */
void store_set_signals_recorded(struct store *st, bool on);

/* The fleet forwarder's position file (`sigtrail forward --state-dir`'s
 * `position`), which the pruning honours: retention keeps rows not
 * forwarded yet, and the size cap records those it must delete anyway in
 * forward_drops (collector/store/unsent.c). NULL or "": none. Can't fail
 * (out of memory: none). */
void store_set_forward_position(struct store *st, const char *path);

/* Also write each signal row, once sealed and committed, as one JSON
 * object (the signals view's columns as keys) appended to `path`
 * (collector/store/jsonl.c): best effort, for SIEM shippers. NULL or "":
 * none. Returns 0, or -errno when the file cannot be opened. */
int store_set_jsonl(struct store *st, const char *path);

/* Whether rows wait to be sealed into the hash chain (chain.c: a
 * coalescing slot could still add to them) with no transaction open. Can't
 * fail. */
bool store_unsealed(const struct store *st);

/* Seal what can be sealed now, in a transaction of its own (every commit
 * seals; this is for a writer with nothing to commit). Returns 0 or -errno. */
int store_seal(struct store *st);

/* Ask for the JSON-lines file to be reopened (SIGHUP, logrotate) before
 * its next write. Safe from any thread. Can't fail. */
void store_jsonl_reopen(struct store *st);

/* The flag above, for the deaths decided against this store. Can't fail. */
bool store_signals_recorded(const struct store *st);

/* Commit the open transaction, if any. Returns 0 or -errno (the rows of the
 * transaction are then lost and counted). */
int store_commit(struct store *st);

/* Roll the open transaction back, if any (its rows are counted as lost in
 * store_stats(): a caller that keeps them to retry counts them itself).
 * Can't fail. */
void store_rollback(struct store *st);

/* Changes in the open transaction, rows and coalesced counts (0 when none
 * is open): the caller commits when this is not 0. */
unsigned store_pending(const struct store *st);

struct store_stats {
	uint64_t rows_written;   /* committed */
	uint64_t deaths_written; /* death rows committed */
	uint64_t deaths_lost;    /* death rows rolled back */
	uint64_t rows_lost;      /* rolled back because SQLite refused them */
	uint64_t commits;
	uint64_t coalesced;  /* events added to an earlier row's count */
	uint64_t redactions; /* secrets replaced in the texts of committed rows */
	uint64_t jsonl_lost; /* rows the JSON-lines file missed (write failed, buffer full) */
};
void store_stats(const struct store *st, struct store_stats *ret);

/* Import mode: store_insert() skips an event whose (host, serial, epoch_ms)
 * is already stored and returns 0 for it, so a log imported twice adds
 * nothing. Off by default. Can't fail. */
void store_set_dedupe(struct store *st, bool on);

/* The redaction rules applied to every command line stored from now on
 * (copied). A new store applies every built-in rule. Can't fail. */
struct redact_rules;
void store_set_redact(struct store *st, const struct redact_rules *rules);

/* The name of this machine, whose passwd names the uids of its own events
 * (user columns). Events of any other host (node=, or the store's default
 * host when it is another, as `import --host web-3` makes it) keep only the
 * names their ENRICHED log carried, NULL in a RAW log: their ids are never
 * resolved here. Unset (NULL), events without node= are this machine's and
 * the default host is its name. Returns 0 or -ENOMEM. */
int store_set_local_host(struct store *st, const char *name);

/* Storm coalescing: an event identical to one stored less than window_ms
 * earlier (same sender pid, target pid, signal, syscall, success and errno;
 * single-target events only) increments that row's `count` instead of adding
 * a row. 0 turns it off. Can't fail. */
void store_set_coalesce_ms(struct store *st, int64_t window_ms);

/* Is a committed row of `signal` from sender_pid to target_pid at or after
 * since_ms stored? Returns 1, 0, or -errno. */
int store_has_signal(struct store *st, int32_t sender_pid, int32_t target_pid, int32_t signal,
                     int64_t since_ms);

/* Forget cached string ids and coalescing rows, after rows or strings were
 * deleted behind the store's back (prune.c). Can't fail. */
void store_invalidate_cache(struct store *st);

/* Run the WAL checkpoints on a thread of their own from now on
 * (collector/store/checkpoint.c), for a long-running writer: commits no
 * longer wait for a checkpoint's fsync, and the WAL is started over
 * between two transactions once it passed 64 MiB. Returns 0, or -errno
 * (an in-memory database, a second connection refused) with SQLite's own
 * checkpoints kept. */
int store_checkpoint_async(struct store *st);

/* With that thread: is the WAL past 64 MiB and not yet copied whole since
 * the last commit? A writer that can wait (a prune's next step) waits
 * while it is, so that the WAL starts over. False without the thread.
 * Can't fail. */
bool store_wal_behind(struct store *st);

/* The checkpoint passes run by that thread and the WAL's largest size in
 * pages (-1 without the thread), for the benchmarks. Can't fail. */
void store_wal_stats(struct store *st, uint64_t *ret_passes, int *ret_max_pages);

/* The connection, for the store's own modules (runs.c, prune.c) and for
 * collector/deaths/, which reads a death's candidate signal rows on it. */
struct sqlite3 *store_sqlite(struct store *st);

/* Commit and close. Accepts NULL. */
void store_close(struct store *st);

/* --- collector runs: the `coverage` view (runs.c) --- */

/* The counters of a run: each one a struct store_run field and the
 * collector_runs column of the same name, written at every heartbeat
 * (runs.c builds its UPDATE from this list). A new counter is one X() line
 * here, its column in a migration (and in the coverage view), and where its
 * value comes from (daemon/accounting.c or the writer). */
#define STORE_RUN_COUNTERS(X)                                                                      \
	X(events)              /* signal events assembled */                                       \
	X(rows)                /* rows committed */                                                \
	X(lost_kernel)         /* kernel `lost` counter delta */                                   \
	X(lost_socket)         /* socket overruns (ENOBUFS) */                                     \
	X(lost_serial_gaps)    /* audit serials never seen */                                      \
	X(lost_unparsable)     /* records or lines that could not be parsed */                     \
	X(lost_queue)          /* events dropped with the writer behind */                         \
	X(lost_db)             /* rows SQLite refused */                                           \
	X(pruned_rows)         /* rows removed by retention or the size cap */                     \
	X(deaths)              /* death rows committed */                                          \
	X(lost_process_events) /* proc connector overruns */                                       \
	X(lost_deaths)         /* deaths dropped (tracker full, queue full, database) */           \
	X(lost_targets)        /* OBJ_PID records beyond ST_MAX_TARGETS (schema 5) */              \
	X(lost_kernel_log)     /* kernel log records overwritten before they were read */          \
	X(lost_abends)         /* ANOM_ABEND records that could not be parsed */                   \
	X(lost_process_facts)  /* signal events stored without the table's facts */                \
	X(untracked_processes) /* processes the full table could not hold */                       \
	X(redactions)          /* secrets replaced in stored command lines (schema 13) */          \
	X(lost_zombies)        /* unreaped zombies beyond what the daemon tracks (schema 18) */

/* Counters of one run, as of its last heartbeat. */
struct store_run {
	int64_t id;             /* collector_runs.id */
	const char *stopped_by; /* who sent the stop signal, or NULL */
	const char *processes;  /* "on", or "off: why" (the process table); NULL keeps it */
	int64_t backlog_limit; /* the kernel's audit backlog limit in effect; 0 unknown, keeps it */
#define STORE_RUN_FIELD(name) uint64_t name;
	STORE_RUN_COUNTERS(STORE_RUN_FIELD)
#undef STORE_RUN_FIELD
};

/* Close runs that are still open (their daemon died: SIGKILL, power loss)
 * as 'crashed' at their last heartbeat, then open a new run. Returns the
 * number of crashed runs closed (>= 0) and sets ret->id, or -errno. */
int store_run_begin(struct store *st, const char *source, const char *host, int64_t pid,
                    int64_t now_ms, struct store_run *ret);

/* A run that is already over, such as an import's: a `stopped` row for
 * [started_ms, until_ms] with run's counters, leaving every other run as it
 * is (a daemon may be running on the same database). Sets run->id. Returns
 * 0 or -errno. */
int store_run_record(struct store *st, const char *source, const char *host, int64_t pid,
                     int64_t started_ms, int64_t until_ms, struct store_run *run);

/* Record the counters and a heartbeat (ended NULL) or the end of the run
 * (ended "stopped"). Returns 0 or -errno. */
int store_run_update(struct store *st, const struct store_run *run, int64_t now_ms,
                     const char *ended);

/* --- pruning (prune.c) --- */

/* One step of a prune, in one transaction of about budget_ms (the open
 * one is committed first): delete rows older than retention_days (0: keep
 * all) and, while the live data exceeds max_bytes (0: no cap), the oldest
 * rows; then the strings and ancestry chains no remaining row can refer to;
 * then give free pages back to the filesystem. Rows the forwarder has not
 * sent (store_set_forward_position()) are kept by the retention and deleted
 * by the cap last, recorded in forward_drops. Its cost is that of what it
 * deletes, whatever the size of the database. *ret_done says that nothing
 * is left to do. Returns the number of signal rows deleted, or -errno (the
 * step is rolled back; what earlier steps deleted stays deleted). */
int64_t store_prune_step(struct store *st, int64_t now_ms, int64_t retention_days,
                         int64_t max_bytes, int64_t budget_ms, bool *ret_done);

/* A whole prune (store_prune_step until done), for callers that can wait.
 * Returns the number of rows deleted, or -errno. */
int64_t store_prune(struct store *st, int64_t now_ms, int64_t retention_days, int64_t max_bytes);

/* --- the target pids of past eras (pid_eras.c) --- */

/* Whether a whole era of rows is not yet copied into pid_eras. */
bool store_pid_eras_due(struct store *st);

/* One step of the copy, in one transaction of about budget_ms (the open
 * one is committed first). *ret_done says that every whole era is copied.
 * Returns 0 or -errno (the step is rolled back). */
int store_pid_era_step(struct store *st, int64_t budget_ms, bool *ret_done);

/* The copy until done, for callers that can wait (nlfeed, tests). */
int store_pid_eras_build(struct store *st);

/* For the prune: delete up to `limit` entries of eras whose rows are all
 * gone. Returns the entries deleted, or -errno. */
int64_t store_pid_eras_prune(struct store *st, int64_t limit);
