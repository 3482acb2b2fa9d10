/* The database layout as C knows it: the embedded schema migrations
 * (generated from schema/NNN-*.sql by schema/embed.py), the columns of the
 * public `signals` view, and helpers for the store and the CLI
 * (collector/store/layout.c), which speak SQLite: they return SQLITE_OK or
 * an SQLite result code. schema/NNN-*.sql is the source of truth for the layout;
 * every list of the view's columns in C (the store's INSERT, the CLI's
 * select lists, names and exports) derives from SCHEMA_SIGNALS below, and
 * tests/unit/test_columns.c fails when the two disagree. */
#pragma once

#include <stdint.h>

struct sqlite3;

/* store_migrations[i] is the SQL that takes a database from PRAGMA user_version
 * i to i + 1. The last one defines the current layout. */
extern const char *const store_migrations[];
/* Number of migrations, which is also the schema version this build writes. */
extern const unsigned store_migrations_count;

/* SCHEMA_SIGNALS(X): the columns of the `signals` view, in its order. A new
 * column is one line here and its migration (schema/NNN-*.sql: the
 * signal_rows column, the view redefined with every earlier column in order
 * and then the new one, and string_refs redefined for a string). A line is
 *   X(ENUM, name, kind, since, absent, source)
 * ENUM    its index: COL_<ENUM>
 * name    the view's column: the public contract, never renamed
 * kind    INT      an integer, signal_rows.<name>
 *         STRING   a string, signal_rows.<name>_s (a strings.id)
 *         TIME     the view's text of signal_rows.epoch_ms
 *         SIGNAME  the view's name (signal_names) of signal_rows.signal
 * since   the schema version whose migration added it
 * absent  the SQL a reader puts in its place in an older database, whose
 *         view lacks it
 * source  where the store takes a new row's value from (the macros are
 *         collector/store/signals.c's):
 *         NONE          nothing: the database (id, count) or the view
 *                       (time, signame) makes it
 *         EV(f)         the integer f of the event (struct st_event)
 *         EV_ID(f)      the same, NULL when ST_ID_UNSET
 *         EV_NAME(f)    the string f of the event, stored as a name
 *         EV_TEXT(f)    the same, stored as a text (mostly new: command lines)
 *         EV_USER(f, n) the user name of the event's uid f: the name n its
 *                       log carried (ENRICHED), else this machine's for its
 *                       own records, else NULL (see signals.c user_of())
 *         EV_CALL(fn)   the name signals.c's fn() gives the event
 *         T(f), T_ID(f), T_NAME(f), T_USER(f, n)
 *                       the same of the row's target (struct st_target),
 *                       NULL when the call reached nobody
 *         X_NAME(f), X_TEXT(f)
 *                       the string f the process table knew of the sender
 *                       (struct proc_extra), NULL without one
 *         TX_NAME(f), TX_TEXT(f), TX_TICKS(f)
 *                       the same of the row's target (struct
 *                       proc_target_extra); TX_TICKS: a start time, NULL
 *                       when 0 (unknown)
 *         TX_CALL(fn)   the name signals.c's fn() gives the row's target
 *                       extra, NULL without one
 *         TX_PID(f)     a pid of the row's target extra, NULL when 0
 *         TX_USER(f)    the user name of a uid of the row's target extra
 *                       (NULL when -1) */
/* SCHEMA_DEATHS(X): the columns of the `deaths` view (schema 3 on), in its
 * order, as X(ENUM, name): the CLI's DCOL_<ENUM> and its select list come
 * from it, and test_columns checks it against the view; a column that an
 * older database's view lacks reads as NULL. A new column is a line here
 * and its migration. */
#define SCHEMA_DEATHS(X)                                                                           \
	X(ID, id)                                                                                  \
	X(TIME, time)                                                                              \
	X(EPOCH_MS, epoch_ms)                                                                      \
	X(PID, pid)                                                                                \
	X(START_TIME, start_time)                                                                  \
	X(SIGNAL, signal)                                                                          \
	X(SIGNAME, signame)                                                                        \
	X(CORE_DUMPED, core_dumped)                                                                \
	X(UID, uid)                                                                                \
	X(USER, user)                                                                              \
	X(COMM, comm)                                                                              \
	X(EXE, exe)                                                                                \
	X(CMDLINE, cmdline)                                                                        \
	X(PPID, ppid)                                                                              \
	X(CAUSE, cause)                                                                            \
	X(SIGNAL_ID, signal_id)                                                                    \
	X(EVIDENCE, evidence)                                                                      \
	X(OOM_CONSTRAINT, oom_constraint)                                                          \
	X(OOM_MEMCG, oom_memcg)                                                                    \
	X(OOM_RSS_KB, oom_rss_kb)                                                                  \
	X(UNIT, unit)                                                                              \
	X(CONTAINER, container)                                                                    \
	X(HOST, host)                                                                              \
	X(PIDNS, pidns)                                                                            \
	X(ABEND_SERIAL, abend_serial)                                                              \
	X(OOM_TASK_MEMCG, oom_task_memcg)                                                          \
	X(NSPID, nspid)                                                                            \
	X(INIT_PID, init_pid)                                                                      \
	X(INIT_START_TIME, init_start_time)                                                        \
	X(EXIT_STATUS, exit_status)

#define SCHEMA_SIGNALS(X)                                                                          \
	X(ID, id, INT, 1, NULL, NONE)                                                              \
	X(TIME, time, TIME, 1, NULL, NONE)                                                         \
	X(EPOCH_MS, epoch_ms, INT, 1, NULL, EV(epoch_ms))                                          \
	X(SERIAL, serial, INT, 1, NULL, EV(serial))                                                \
	X(HOST, host, STRING, 1, NULL, EV_CALL(host_name))                                         \
	X(ARCH, arch, STRING, 1, NULL, EV_CALL(arch_name))                                         \
	X(SYSCALL, syscall, STRING, 1, NULL, EV_CALL(syscall_name))                                \
	X(SIGNAL, signal, INT, 1, NULL, EV(signal))                                                \
	X(SIGNAME, signame, SIGNAME, 1, NULL, NONE)                                                \
	X(SUCCESS, success, INT, 1, NULL, EV(success))                                             \
	X(ERRNO, errno, STRING, 1, NULL, EV_CALL(errno_name))                                      \
	X(TARGET_ARG, target_arg, INT, 1, NULL, EV(target_arg))                                    \
	X(SENDER_PID, sender_pid, INT, 1, NULL, EV(pid))                                           \
	X(SENDER_PPID, sender_ppid, INT, 1, NULL, EV(ppid))                                        \
	X(SENDER_UID, sender_uid, INT, 1, NULL, EV_ID(uid))                                        \
	X(SENDER_EUID, sender_euid, INT, 1, NULL, EV_ID(euid))                                     \
	X(SENDER_AUID, sender_auid, INT, 1, NULL, EV_ID(auid))                                     \
	X(SENDER_SES, sender_ses, INT, 1, NULL, EV_ID(ses))                                        \
	X(SENDER_USER, sender_user, STRING, 1, NULL, EV_USER(uid, user))                           \
	X(SENDER_LOGIN, sender_login, STRING, 1, NULL, EV_USER(auid, login))                       \
	X(SENDER_TTY, sender_tty, STRING, 1, NULL, EV_NAME(tty))                                   \
	X(SENDER_COMM, sender_comm, STRING, 1, NULL, EV_NAME(comm))                                \
	X(SENDER_EXE, sender_exe, STRING, 1, NULL, EV_NAME(exe))                                   \
	X(SENDER_CMDLINE, sender_cmdline, STRING, 1, NULL, EV_TEXT(cmdline))                       \
	X(TARGET_PID, target_pid, INT, 1, NULL, T(pid))                                            \
	X(TARGET_UID, target_uid, INT, 1, NULL, T_ID(uid))                                         \
	X(TARGET_AUID, target_auid, INT, 1, NULL, T_ID(auid))                                      \
	X(TARGET_SES, target_ses, INT, 1, NULL, T_ID(ses))                                         \
	X(TARGET_USER, target_user, STRING, 1, NULL, T_USER(uid, user))                            \
	X(TARGET_COMM, target_comm, STRING, 1, NULL, T_NAME(comm))                                 \
	X(COUNT, count, INT, 2, 1, NONE)                                                           \
	X(SENDER_ANCESTRY, sender_ancestry, STRING, 3, NULL, X_TEXT(sender_ancestry))              \
	X(TARGET_EXE, target_exe, STRING, 3, NULL, TX_NAME(exe))                                   \
	X(TARGET_CMDLINE, target_cmdline, STRING, 3, NULL, TX_TEXT(cmdline))                       \
	X(TARGET_START_TIME, target_start_time, INT, 3, NULL, TX_TICKS(start_time))                \
	X(SENDER_UNIT, sender_unit, STRING, 3, NULL, X_NAME(sender_unit))                          \
	X(TARGET_UNIT, target_unit, STRING, 3, NULL, TX_NAME(unit))                                \
	X(SENDER_CONTAINER, sender_container, STRING, 3, NULL, X_NAME(sender_container))           \
	X(TARGET_CONTAINER, target_container, STRING, 3, NULL, TX_NAME(container))                 \
	X(TARGET_DISPOSITION, target_disposition, STRING, 9, NULL, TX_CALL(target_disposition))    \
	X(REQUESTED_BY_PID, requested_by_pid, INT, 12, NULL, TX_PID(req.pid))                      \
	X(REQUESTED_BY_CMDLINE, requested_by_cmdline, STRING, 12, NULL, TX_TEXT(req.cmdline))      \
	X(REQUESTED_BY_USER, requested_by_user, STRING, 12, NULL, TX_USER(req.uid))                \
	X(REQUESTED_BY_LOGIN, requested_by_login, STRING, 12, NULL, TX_USER(req.auid))             \
	X(REQUESTED_BY_TTY, requested_by_tty, STRING, 12, NULL, TX_NAME(req.tty))                  \
	X(REQUEST_EVIDENCE, request_evidence, STRING, 12, NULL, TX_TEXT(req.evidence))

/* The columns' indices, in the view's order. */
enum schema_signals_col {
#define SCHEMA_COL_ENUM(E, name, kind, since, absent, source) COL_##E,
	SCHEMA_SIGNALS(SCHEMA_COL_ENUM) COL__N
#undef SCHEMA_COL_ENUM
};

enum schema_kind { SCHEMA_INT, SCHEMA_STRING, SCHEMA_TIME, SCHEMA_SIGNAME };

/* One line of SCHEMA_SIGNALS, as data. */
struct schema_column {
	/* the view's column */
	const char *name;
	enum schema_kind kind;
	/* the schema version that added it */
	unsigned since;
	/* the SQL in its place where an older view lacks it: "NULL", "1" */
	const char *absent;
	/* its signal_rows column: name or name_s; epoch_ms (TIME), signal (SIGNAME) */
	const char *row_col;
};

/* SCHEMA_SIGNALS as data, indexed by COL_*. */
extern const struct schema_column schema_signals[COL__N];

/* Schema 22: an era of row ids is id >> SCHEMA_PID_ERA_SHIFT (64 blocks of
 * schema 21's id >> 16); pid_eras holds the target pids of the done ones. */
#define SCHEMA_PID_ERA_SHIFT 22
#define SCHEMA_PID_ERA_SHIFT_S "22"

/* SQL: the ids of the rows whose target_pid is PID (a parameter, "?5"), in
 * the snapshot of the statement it is part of (schema/022-pid-eras.sql): a
 * seek into pid_eras for each era the writer has copied, from the oldest
 * era with rows up to the first not done, and into the block index for each
 * block after them. A database whose ids leave a gap of more than 4,096
 * blocks there (written by hand) has the rest read by the block index
 * alone, so that no list runs over the blocks of a gap. ESRCH rows
 * (target_pid NULL) are not among them. Lists (IN e, IN b), not joins:
 * SQLite 3.40's Bloom filter on a join into an index on an expression
 * loses rows. */
#define SCHEMA_PID_IDS(PID)                                                                        \
	"(WITH RECURSIVE bounds(lo, hi, top) AS (SELECT l, CASE WHEN EXISTS (SELECT 1 FROM "       \
	"pid_eras_done WHERE era = l) THEN (SELECT min(d.era) + 1 FROM pid_eras_done AS d WHERE "  \
	"d.era >= l AND NOT EXISTS (SELECT 1 FROM pid_eras_done AS n WHERE n.era = d.era + 1)) "   \
	"ELSE l END, t FROM (SELECT coalesce((SELECT min(id) FROM signal_rows) "                   \
	">> " SCHEMA_PID_ERA_SHIFT_S                                                               \
	", 0) AS l, coalesce((SELECT max(id) FROM signal_rows) >> 16, -1) "                        \
	"AS t)), b(x) AS (SELECT hi * 64 FROM bounds WHERE hi * 64 <= top UNION ALL SELECT x + 1 " \
	"FROM b, bounds WHERE x < top AND x < hi * 64 + 4095) SELECT pe.id FROM pid_eras AS pe "   \
	"WHERE pe.era IN (SELECT era FROM pid_eras_done, bounds WHERE era >= lo AND era < hi) "    \
	"AND "                                                                                     \
	"pe.target_pid = " PID " UNION ALL SELECT pr.id FROM signal_rows AS pr WHERE (pr.id >> "   \
	"16) IN b AND pr.target_pid = " PID " UNION ALL SELECT pr.id FROM signal_rows AS pr, "     \
	"bounds WHERE top >= hi * 64 + 4096 AND pr.target_pid = " PID " AND pr.id >= (hi * 64 + "  \
	"4096) << 16)"

/* Run `sql` (PRAGMA user_version, SELECT count(*) FROM sqlite_master...) and
 * set *ret to the first column of its first row. Returns SQLITE_OK,
 * SQLITE_DONE when there is no row (*ret untouched), or an SQLite error code
 * (*ret untouched). */
int schema_query_int(struct sqlite3 *db, const char *sql, int64_t *ret);
