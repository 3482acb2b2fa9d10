/* The `sigtrail` CLI (collector/cli/): what its commands share. The database
 * is opened read-only (only `import` writes, through store.h), every filter
 * value is bound to a prepared statement, and every command returns an exit
 * status from the table below, having printed one error line when it fails. */
#pragma once

#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "sigtrail/schema.h"

/* Exit statuses, shared by every command (README.md, "Exit status").
 * Where sysexits.h has a code for the situation it is used: EX_USAGE 64 (bad
 * option, filter or time), EX_DATAERR 65 (not a sigtrail database, newer
 * schema, corrupt), EX_NOINPUT 66 (database or input file missing),
 * EX_SOFTWARE 70, EX_OSERR 71, EX_CANTCREAT 73 (output file or database not
 * writable), EX_IOERR 74 (write or read error), EX_TEMPFAIL 75 (database
 * busy, or changed under a snapshot read), EX_NOPERM 77 (permission denied).
 * These two are the command's answer rather than a failure: */
enum {
	CLI_EXIT_NOTHING = 1,     /* who: nothing recorded for that process */
	CLI_EXIT_NOT_RUNNING = 3, /* status: no sigtraild runs (LSB "program is not running") */
};

/* Long-option values shared by the commands; command-specific ones start at
 * CLI_OPT_COMMAND. */
enum {
	CLI_OPT_DB = 'd',
	CLI_OPT_HELP = 'h',
	CLI_OPT_SINCE = 1000,
	CLI_OPT_UNTIL,
	CLI_OPT_UTC,
	CLI_OPT_LOCAL,
	CLI_OPT_SIGNAL,
	CLI_OPT_SENDER_COMM,
	CLI_OPT_SENDER_USER,
	CLI_OPT_SENDER_PID,
	CLI_OPT_TARGET_COMM,
	CLI_OPT_TARGET_PID,
	CLI_OPT_FAILED,
	CLI_OPT_SYSCALL,
	CLI_OPT_HOST,
	CLI_OPT_CAUSE,
	CLI_OPT_EXCLUDE_SIGNAL,
	CLI_OPT_COMMAND = 1100,
};

/* getopt_long entries for --db, --help, --since, --until, --utc, --local. */
#define CLI_COMMON_OPTIONS                                                                         \
	{"db", required_argument, NULL, CLI_OPT_DB}, {"help", no_argument, NULL, CLI_OPT_HELP},    \
	    {"since", required_argument, NULL, CLI_OPT_SINCE},                                     \
	    {"until", required_argument, NULL, CLI_OPT_UNTIL},                                     \
	    {"utc", no_argument, NULL, CLI_OPT_UTC},                                               \
	{                                                                                          \
		"local", no_argument, NULL, CLI_OPT_LOCAL                                          \
	}

/* getopt_long entries for the row filters (list, export). */
#define CLI_FILTER_OPTIONS                                                                         \
	{"signal", required_argument, NULL, CLI_OPT_SIGNAL},                                       \
	    {"sender-comm", required_argument, NULL, CLI_OPT_SENDER_COMM},                         \
	    {"sender-user", required_argument, NULL, CLI_OPT_SENDER_USER},                         \
	    {"sender-pid", required_argument, NULL, CLI_OPT_SENDER_PID},                           \
	    {"target-comm", required_argument, NULL, CLI_OPT_TARGET_COMM},                         \
	    {"target-pid", required_argument, NULL, CLI_OPT_TARGET_PID},                           \
	    {"failed", no_argument, NULL, CLI_OPT_FAILED},                                         \
	    {"syscall", required_argument, NULL, CLI_OPT_SYSCALL},                                 \
	    {"exclude-signal", required_argument, NULL, CLI_OPT_EXCLUDE_SIGNAL},                   \
	{                                                                                          \
		"host", required_argument, NULL, CLI_OPT_HOST                                      \
	}

/* Which rows a command reads. Every value is bound, never pasted into SQL. */
struct cli_filter {
	int64_t since_ms;        /* inclusive; INT64_MIN when open */
	int64_t until_ms;        /* exclusive; INT64_MAX when open */
	int signal;              /* -1: any */
	int64_t sender_pid;      /* -1: any */
	int64_t target_pid;      /* -1: any */
	const char *sender_comm; /* NULL: any; the others likewise */
	const char *sender_user; /* matches sender_user or sender_login */
	const char *target_comm;
	const char *syscall;
	const char *host;
	bool failed; /* only calls the kernel refused or that reached nobody */
	/* --exclude-signal SIG[,SIG]: ",23,17," (bound text; "" excludes none),
	 * and the same signals as bits (bit N: signal N) for saying which. */
	char exclude[256];
	uint64_t exclude_bits[2];
	/* Deaths only (list/export --deaths, who): */
	const char *cause;     /* --cause: signal, oom, crash, pidns-teardown, kernel */
	const char *full_name; /* who NAME before its cut to 15 bytes: matches the
	                        * exe basename of a dead process or (schema 3) of a
	                        * signal's target; target_comm matches the comm */
	/* who NAME's string ids (who_name.c), when its signals are read through
	 * schema 20's indexes; NULL: through the view's strings. */
	const struct cli_who_name *name_ids;
};

enum cli_zone { CLI_ZONE_AUTO, CLI_ZONE_UTC, CLI_ZONE_LOCAL };

/* The options every command shares, and the moment the command started. */
struct cli_common {
	const char *db;           /* --db, default SIGTRAIL_DEFAULT_DB */
	enum cli_zone zone;       /* --utc / --local; AUTO: local on a terminal */
	bool utc;                 /* resolved: print times in UTC */
	const char *since_arg;    /* parsed by cli_common_finish(), after --utc */
	const char *until_arg;    /* likewise */
	int64_t now_ms;           /* fixed at start, so every "2h" means the same */
	bool full;                /* who --full: never cut text to the terminal's width */
	struct cli_filter filter; /* --since/--until and the filter options */
};

/* Defaults: database, open time range, any signal, now. Can't fail. */
void cli_common_init(struct cli_common *c);

/* Handle one common or filter option. Returns 1 if it was one, 0 if not,
 * or -1 after printing an error naming the bad value (exit EX_USAGE). */
int cli_common_option(struct cli_common *c, int opt, const char *arg);

/* After all options: parse --since/--until (in UTC with --utc, else local
 * time), check since < until, resolve the display zone (local if `tty_out`
 * and neither --utc nor --local). Returns 0 or -1 after printing an error. */
int cli_common_finish(struct cli_common *c, bool tty_out);

/* Report an option getopt_long refused (opt is '?' or ':'). Returns EX_USAGE. */
int cli_bad_option(const char *cmd, int opt, char **argv);

/* A read-only handle on a sigtrail database. */
struct cli_db {
	sqlite3 *db;
	const char *path;
	int version;               /* PRAGMA user_version */
	bool has_col[COL__N];      /* the column is in this database's `signals` view */
	bool has_count;            /* schema >= 2: signals.count */
	bool has_coverage;         /* schema >= 2: the coverage view */
	bool has_process;          /* schema >= 3: signals.sender_ancestry ... target_container */
	bool has_deaths;           /* schema >= 3: the deaths and ancestry views */
	bool has_death_init;       /* schema >= 6: deaths.init_pid, init_start_time */
	bool has_exits;            /* schema >= 7: deaths.exit_status, cause 'exit' */
	bool has_proc_coverage;    /* schema >= 3: coverage.processes, deaths, lost_deaths... */
	bool has_loss_detail;      /* schema >= 5: coverage.lost_targets ... untracked_processes */
	int signal_cols;           /* columns (COL_*) that exports write: the view's, and count */
	char *select;              /* cli_signal_columns() of this database */
	char *ids_from;            /* cli_prepare_ids()'s FROM: the view with string ids */
	char *death_cols;          /* has_deaths: the select list for every column of enum
	                              cli_death_col ("id, time, ..."), NULL for those the
	                              database's view lacks */
	bool has_boot_epoch;       /* schema 14: collector_runs.boot_epoch_ms, backlog_limit */
	bool has_zombies;          /* schema 18: the zombies view */
	bool has_name_index;       /* schema 20: the indexes who NAME reads (who_name.c) */
	bool has_pid_eras;         /* schema 22: a search by pid reads pid_eras */
	sqlite3_stmt *boot_q;      /* cli_boot_epoch()'s query, prepared at its first use */
	bool snapshot;             /* opened immutable (see cli_db_open); checked at close */
	char centre_dir[PATH_MAX]; /* the centre's snapshot (cli_db_open_rows), removed at close */
	struct stat st;            /* the file when opened, for that check */
};

/* Open `path` read-only and check that it is a sigtrail database of a
 * schema this build understands. Never creates or modifies the file. When
 * its -wal file is missing and cannot be created (sigtraild is stopped and
 * the directory is not writable for this user), it falls back to a
 * read of the main file alone (SQLite's immutable=1), which cli_db_close()
 * checks was not raced by a writer. Returns 0, or an exit status after
 * printing one error: EX_NOINPUT (missing), EX_NOPERM (unreadable),
 * EX_DATAERR (not sigtrail, newer schema, corrupt), EX_TEMPFAIL (busy). */
int cli_db_open(const char *path, struct cli_db *ret);

/* cli_db_open() for a command that reads rows: `path` may also be the
 * fleet's centre, a postgres:// or postgresql:// URI, whose rows of f's
 * host (the role that sent them) and period (f may be NULL: all) are read
 * into a private snapshot with this build's schema (db_pg.c), deleted at
 * cli_db_close(); f->host is then cleared, the centre having applied it.
 * With `target` (who), only the rows the answer about f's target (its pid
 * or name) reads. Returns as cli_db_open(), or EX_UNAVAILABLE when the
 * centre cannot be read. */
int cli_db_open_rows(const char *path, struct cli_filter *f, bool target, struct cli_db *ret);

/* db_pg.c: is s a libpq URI? Make the snapshot of the centre `uri` in a new
 * directory (its path into dir, the database's into path); 0 or an exit
 * status after an error message. Remove it (its files, then dir). */
bool cli_is_pg_uri(const char *s);
int cli_pg_snapshot(const char *uri, const struct cli_filter *f, bool target, char *dir,
                    size_t dir_size, char *path, size_t path_size);
void cli_pg_snapshot_remove(const char *dir);

/* Close. Returns 0, or EX_TEMPFAIL after a warning when a snapshot read
 * was raced by a writer (the output may be inconsistent). Accepts a handle
 * whose open failed. */
int cli_db_close(struct cli_db *d);

/* Print "sigtrail: error: WHAT: <sqlite message>" and return the exit
 * status for SQLite result code `rc` (EX_TEMPFAIL, EX_DATAERR, EX_IOERR). */
int cli_db_fail(struct cli_db *d, int rc, const char *what);

/* The select list for every column of the `signals` view, in the order of
 * schema.h's column table (COL_*; their names, as exported, are
 * schema_signals[i].name). A column the database's view lacks reads as its
 * stand-in (a schema-1 database has no `count`: it reads as 1; before
 * schema 3 the process columns read as NULL). COL_TIME reads as NULL: get
 * it from cli_row_time(). Exports write the first d->signal_cols of them.
 * Can't fail. */
const char *cli_signal_columns(const struct cli_db *d);

/* The numbers of the filter's parameters in every query (?20 and above are
 * free for a query's own). */
enum cli_param {
	CLI_P_SINCE = 1,
	CLI_P_UNTIL,
	CLI_P_SIGNAL,
	CLI_P_SENDER_PID,
	CLI_P_TARGET_PID,
	CLI_P_SENDER_COMM,
	CLI_P_SENDER_USER,
	CLI_P_TARGET_COMM,
	CLI_P_SYSCALL,
	CLI_P_HOST,
	CLI_P_FULL_NAME, /* who NAME, uncut */
	CLI_P_CAUSE,     /* deaths */
	CLI_P_EXCLUDE,   /* --exclude-signal: ",23,17," */
};

/* The excluded signals as names, comma-separated ("SIGURG, SIGCHLD"), or
 * "" when none. Can't fail (cut to `size`). */
void cli_filter_excluded(const struct cli_filter *f, char *buf, size_t size);

/* Write the filter's conditions on the columns that signal_rows and the
 * `signals` view share under one name (epoch_ms, signal, sender_pid,
 * target_pid, target_arg, success), each as " AND ...", to m. Can't fail. */
void cli_filter_rows_sql(FILE *m, const struct cli_db *d, const struct cli_filter *f);

/* Does f filter on a text column besides target_comm (sender_comm,
 * sender_user, syscall, host)? */
bool cli_filter_has_text(const struct cli_filter *f);

/* Finish a query written into the memory stream m over *sql: close m,
 * prepare the SQL and bind every value of f by its number above (a value
 * the SQL does not use is skipped); frees the SQL. Returns SQLITE_OK and
 * sets *ret, or an SQLite code. */
int cli_prepare_sql(struct cli_db *d, const struct cli_filter *f, FILE *m, char **sql,
                    sqlite3_stmt **ret);

/* Prepare "SELECT <select> FROM signals WHERE <filter> <tail>" with every
 * filter value bound. `select` and `tail` are SQL written in this program,
 * never user input. Returns SQLITE_OK and sets *ret, or an SQLite code. */
int cli_prepare(struct cli_db *d, const struct cli_filter *f, const char *select, const char *tail,
                sqlite3_stmt **ret);

/* As cli_prepare(), over the signals view extended with signal_rows'
 * string ids (host_s, arch_s, ... target_container_s, those the schema
 * has), for a reader that resolves strings itself (export_rows.c). */
int cli_prepare_ids(struct cli_db *d, const struct cli_filter *f, const char *select,
                    const char *tail, sqlite3_stmt **ret);

/* The signal row `id`, selected with cli_signal_columns() and stepped onto
 * its row; *ret is NULL when there is none (the row was pruned). Returns
 * SQLITE_OK or an SQLite code. */
int cli_signal_by_id(struct cli_db *d, int64_t id, sqlite3_stmt **ret);

/* Collection coverage over a time window, from the `coverage` view. */
enum { CLI_MAX_GAPS = 32 };
struct cli_coverage {
	bool recorded;      /* the database has coverage rows at all */
	int64_t lo, hi;     /* the window actually examined (ms) */
	int64_t now_ms;     /* when it was examined: a time >= now_ms reads "now" */
	int64_t covered_ms; /* how much of it a collector was running */
	size_t runs;        /* runs overlapping the window */
	size_t n_gaps;      /* entries in gaps[] */
	size_t more_gaps;   /* gaps beyond CLI_MAX_GAPS, not listed */
	struct {
		int64_t from, to;
	} gaps[CLI_MAX_GAPS];
	struct {
		int64_t kernel, socket, serial_gaps, unparsable, queue, db, pruned;
	} lost; /* summed over the overlapping runs */
	/* The process table (deaths, ancestry) over the same runs (schema 3): */
	bool proc_recorded;       /* coverage has the processes column */
	size_t proc_on, proc_off; /* runs with it on, and off ('off: why', or NULL: older) */
	char proc_off_why[160];   /* the newest off run's reason */
	int64_t lost_deaths, lost_process_events;
	/* Schema 5: what the collector lost beside whole events and deaths. */
	int64_t lost_targets;        /* signal rows: targets beyond 4096 in one event */
	int64_t lost_kernel_log;     /* OOM lines overwritten: such a death reads as 'kernel' */
	int64_t lost_abends;         /* ANOM_ABEND records lost: a crash's evidence */
	int64_t lost_process_facts;  /* /proc reads that failed: ancestry incomplete */
	int64_t untracked_processes; /* never in the table (it was full) */
	bool running;                /* a run is open and its heartbeat is fresh */
	char running_source[16];     /* its source ("unicast"...) */
	int64_t running_pid;         /* its pid */
	/* Schema 015: rows of the window the disk cap deleted before the fleet's
	 * forwarder sent them (forward_drops), so the centre never had them. */
	int64_t dropped_unsent;
};

/* Total of the lost_* counters (not pruned rows, which were recorded). */
int64_t cli_coverage_lost(const struct cli_coverage *c);

/* Load coverage for [lo, hi) (INT64_MIN: from the first run). `now_ms`
 * closes a run that is still running. Returns SQLITE_OK or an SQLite code;
 * a database without coverage data gives recorded = false. */
int cli_coverage_load(struct cli_db *d, int64_t lo, int64_t hi, int64_t now_ms,
                      struct cli_coverage *ret);

/* One sentence for people: "the collector ran the whole window", "no
 * coverage data recorded...", "not running from X to Y...". Can't fail. */
void cli_coverage_text(FILE *out, const struct cli_coverage *c, bool utc);

/* One sentence on deaths: was the process table on over the window, did it
 * lose deaths ("the process table was on throughout; it lost no deaths").
 * Writes nothing when the database does not record it (!proc_recorded) or
 * no run overlaps. Can't fail. */
void cli_coverage_deaths_text(FILE *out, const struct cli_coverage *c);

/* The coverage as a JSON object, runs listed from the database (at most
 * `max_runs`). Returns SQLITE_OK or an SQLite code. */
int cli_coverage_json(FILE *out, struct cli_db *d, const struct cli_coverage *c, size_t max_runs);

/* The `time` column of a row selected with cli_signal_columns():
 * "2026-11-22T04:07:33.532Z", as the view writes it. Can't fail. */
void cli_row_time(sqlite3_stmt *stmt, char *buf, size_t size);

/* Write one row of `stmt` (selected with cli_signal_columns()) as a JSON
 * object with the view's column names as keys, the first `ncols` of them
 * (d->signal_cols). Can't fail (stdio errors are found by the caller's
 * final fflush). */
void cli_row_json(FILE *out, sqlite3_stmt *stmt, int ncols);

/* Deaths (deaths.c): the `deaths` view of a schema-3 database (d->has_deaths). */

/* Columns of the `deaths` view, in its order (SCHEMA_DEATHS). */
enum cli_death_col {
#define DCOL_ENUM(e, name) DCOL_##e,
	SCHEMA_DEATHS(DCOL_ENUM)
#undef DCOL_ENUM
	    DCOL__N,
};

/* The causes a death can have, as the view spells them ('exit' from schema 7). */
enum { CLI_DEATH_CAUSES = 6 };
extern const char *const cli_death_causes[CLI_DEATH_CAUSES];

/* Set d->death_cols from the columns of this database's `deaths` view.
 * Returns SQLITE_OK or an SQLite code. */
int cli_death_describe(struct cli_db *d);

/* A --cause value: 0 and *ret set to the view's spelling, or -1 after an
 * error naming the value. */
int cli_death_cause_parse(const char *arg, const char **ret);

/* The filters that make sense for deaths: --since, --until, --signal (the
 * death signal), --target-pid (the dead pid), --target-comm (its comm or
 * exe basename), --host, --cause. Returns 0, or -1 after an error naming
 * the first sender filter given (`cmd` is the command's name). */
int cli_death_filter_check(const struct cli_filter *f, const char *cmd);

/* Prepare "SELECT <select> FROM deaths WHERE <filter> <tail>" with every
 * filter value bound, as cli_prepare() does for signals; ?20 and above are
 * free for the tail. Returns SQLITE_OK and sets *ret, or an SQLite code
 * (SQLITE_ERROR on a database without deaths). */
int cli_prepare_deaths(struct cli_db *d, const struct cli_filter *f, const char *select,
                       const char *tail, sqlite3_stmt **ret);

/* Write the current row of any statement as a JSON object keyed by its
 * column names. Can't fail (stdio errors are the caller's fflush). */
void cli_stmt_json(FILE *out, sqlite3_stmt *stmt);

/* The death of the init (nspid 1) of `death`'s pid namespace whose exit
 * killed it, selected with d->death_cols: the init its row names (init_pid,
 * init_start_time, schema 6), else, for an older row, the init of that
 * namespace number that died nearest in time (within DEATH_INIT_WINDOW_MS
 * either side: the init exits last) and started before it. *ret, or NULL
 * when the init did not die of a signal (or the namespace is unknown).
 * Returns SQLITE_OK or an SQLite code. */
int cli_death_init(struct cli_db *d, sqlite3_stmt *death, sqlite3_stmt **ret);

/* One death (selected with d->death_cols) as a JSON object: the view's
 * columns, then for a pidns-teardown "init_death" (cli_death_init() as such
 * an object, or null), then "signal_row" (the linked signals row, or null)
 * and "ancestry" (its sender's chain from the ancestry view, depth 0 first;
 * [] when none).
 * Returns SQLITE_OK or an SQLite code. */
int cli_death_json(FILE *out, struct cli_db *d, sqlite3_stmt *death);

/* Deaths per cause over the whole database: ret_counts in the order of
 * cli_death_causes. Returns SQLITE_OK or an SQLite code. */
int cli_death_counts(struct cli_db *d, int64_t ret_counts[CLI_DEATH_CAUSES]);

/* The words of one sender for a verdict of `sigtrail who` (who_signals.c;
 * the deaths' verdicts in who_deaths.c use them too): "`sh -c kill -9 4242` (pid
 * 1400, user deploy, login alice)", from the current row of `s`, selected with
 * cli_signal_columns(). The command is the command line, else the exe, else
 * the comm, else "?"; the uid stands in for an unknown user; the login only
 * when it differs from the user. Database text is made terminal-safe and cut
 * to arg_who_text_width. Can't fail (stdio errors are found by the caller's fflush). */
void cli_sender_words(FILE *out, sqlite3_stmt *s);

/* Who asked, for a supervisor's signal (schema 12; nothing for any other
 * row): " stopping nginx.service, requested by `systemctl stop nginx` (pid
 * 4100, user root, login alice, tty pts/1) 12 ms before", or ", no request
 * seen"; and for the SIGKILL of a stop that timed out, "; SIGKILL 90.0 s
 * later when the stop timed out". s is a row of cli_signal_columns(). */
void cli_request_words(FILE *out, sqlite3_stmt *s);

/* systemd's journal lines of `unit` in the 30 s before epoch_ms (the last
 * five, each cut to width; 0: whole), as "\n  journal LINE" lines, read with
 * the host's journalctl. Prints nothing when there is no journalctl, no
 * readable journal or no line. Can't fail. */
void cli_journal_lines(FILE *out, const char *unit, int64_t epoch_ms, size_t width);

/* who: the width a command line or an ancestry inside a sentence (the
 * verdict, the container stop) is cut to, 0 for whole. Set once by who.c
 * from --full and the terminal (a value of the command line, as arg_ values
 * are): a global rather than a parameter through every sentence writer. */
extern size_t arg_who_text_width;

/* ", caught by its handler" / ", ignored: ... it changed nothing": what the
 * target of the current row of `s` (cli_signal_columns()) did with the
 * signal, when known and not its default action (who_teardown.c). */
void cli_disposition_words(FILE *out, sqlite3_stmt *s);

/* A pid-namespace teardown told in order (who_teardown.c), for `who`:
 * cli_who_teardown_chain() writes, under the line of the init's death
 * `init` (d->death_cols), the signals the init received in the minute
 * before it died, oldest first, with the time between them and what the
 * init did with each, then "teardown killed N processes"; and
 * cli_who_teardown_victims() writes, for a namespace init's own death `s`,
 * the processes whose deaths its death caused. Both return SQLITE_OK or an
 * SQLite code. */
int cli_who_teardown_chain(FILE *out, struct cli_db *d, sqlite3_stmt *init, bool utc);
int cli_who_teardown_victims(FILE *out, struct cli_db *d, sqlite3_stmt *s);

/* "Same sender: pid 1400 also signalled 3 other processes within a minute:
 * pid 5 (python3) SIGKILL, ...": the other targets that the sender of the
 * verdict's row (cli_signal_columns()) reached within a minute, the same
 * process by its pid and ancestry chain (its start time), the first 8 named
 * (who_signals.c): the `kill -9 $(pgrep ...)` that hit the wrong processes.
 * Nothing when there are none or row is NULL. Returns SQLITE_OK or an
 * SQLite code. */
int cli_who_same_sender(FILE *out, struct cli_db *d, sqlite3_stmt *row);

/* who NAME's signals through schema 20's indexes (who_name.c). */
struct cli_who_name;

/* Resolve f's who NAME (target_comm and full_name) into the string ids the
 * indexes are searched by: *ret is NULL when they cannot serve it (not a
 * name, a database before schema 20, a name with a dot, a filter on
 * another text, more than 1024 executables of that basename): the view's
 * query then serves it. Set f->name_ids to *ret to use it. Returns
 * SQLITE_OK or an SQLite code. */
int cli_who_name_load(struct cli_db *d, const struct cli_filter *f, struct cli_who_name **ret);

/* Free what cli_who_name_load() made; accepts NULL. */
void cli_who_name_free(struct cli_who_name *n);

/* As cli_who_signals_count() for f with name_ids: from index entries
 * alone (f's filters on epoch_ms only). */
int cli_who_name_count(struct cli_db *d, const struct cli_filter *f, int64_t *ret_rows,
                       int64_t *ret_delivered);

/* Prepare "SELECT <select> FROM signals WHERE <f's rows> <and> ORDER BY
 * epoch_ms DESC, id DESC LIMIT <limit>" for f with name_ids: `and` (NULL,
 * or " AND ..." on signal_rows' columns) and `limit` (a number or a
 * parameter such as ?20) are SQL of this program. Returns SQLITE_OK and
 * sets *ret, or an SQLite code. */
int cli_who_name_prepare(struct cli_db *d, const struct cli_filter *f, const char *select,
                         const char *and, const char *limit, sqlite3_stmt **ret);

/* The signals part of `sigtrail who` (who_signals.c). Each returns
 * SQLITE_OK or an SQLite code. */

/* How many signal rows match `f` (as cli_prepare filters them), and how
 * many of them were delivered. */
int cli_who_signals_count(struct cli_db *d, const struct cli_filter *f, int64_t *ret_rows,
                          int64_t *ret_delivered);

/* Each matching signal row, newest first, at most `limit` (0: all). For
 * people a heading ("Signals to WHAT, newest first (times in ZONE):"), then
 * each row: time, signal, result, sender, target, syscall, and the death it
 * caused (cli_who_death_of_signal) or, when it reached another owner of the
 * pid than the one that died (whose start time is `died_start`; -1:
 * unknown), a line saying so. With `json`, ",\"signals\":[" and the rows as
 * comma-separated cli_row_json() objects; the caller closes the array.
 * *ret_shown says how many were listed, *ret_more whether `limit` left rows
 * out. Nothing is written when the query cannot be prepared. */
int cli_who_signals_list(FILE *out, struct cli_db *d, const struct cli_filter *f, const char *what,
                         const char *zone, int64_t limit, bool json, bool utc, int width,
                         int64_t died_start, int64_t *ret_shown, bool *ret_more);

/* The verdict sentence when no death decides, from the `rows` matching
 * signal rows of which `delivered` were delivered: the newest delivered
 * signal whose default action terminates ("killed"), else the newest
 * delivered one ("signalled"), else the newest failed attempt ("refused"),
 * each with its sender (cli_sender_words) and time; without rows, "nothing
 * recorded" and the window ("nothing"). *ret_kind is that word; *ret_row the
 * statement stepped onto the row the sentence names, or NULL (the caller
 * finalizes it). */
int cli_who_signals_verdict(FILE *out, struct cli_db *d, const struct cli_filter *f,
                            const char *what, int64_t rows, int64_t delivered, bool utc,
                            sqlite3_stmt **ret_row, const char **ret_kind);

/* The deaths part of `sigtrail who` (who_deaths.c). Each returns SQLITE_OK
 * or an SQLite code; on a database without deaths they find none. */

/* How many deaths match `f` (as cli_prepare_deaths filters them). */
int cli_who_deaths_count(struct cli_db *d, const struct cli_filter *f, int64_t *ret_total);

/* Each matching death, newest first, at most `limit` (0: all): its story in
 * text for people (the death, the process, cause and evidence, the killer's
 * signal row with its sender and the sender's ancestry, or the OOM, crash or
 * namespace details), or with `json` a comma-separated list of
 * cli_death_json() objects. *ret_shown says how many. */
int cli_who_deaths_list(FILE *out, struct cli_db *d, const struct cli_filter *f, int64_t limit,
                        bool json, bool utc, int width, int64_t *ret_shown);

/* The verdict sentence of the newest matching death ("pid 4242 (java) was
 * killed by the kernel's OOM killer at ..."), `total` being how many match.
 * Sets *ret_kind ("killed" for a signal, else the cause; NULL and nothing
 * written when no death matches), *ret_json (the death as cli_death_json(),
 * malloc'd, for the caller to free) and *ret_signal_id (the signal row that
 * killed it and is still in the database, else -1). */
int cli_who_death_verdict(FILE *out, struct cli_db *d, const struct cli_filter *f, const char *what,
                          int64_t total, bool utc, char **ret_json, const char **ret_kind,
                          int64_t *ret_signal_id);

/* The death that signal row `signal_id` caused: *ret_death_id (-1: none)
 * and its time *ret_ms. *cache holds the prepared statement between calls
 * (NULL at first; the caller finalizes it). */
int cli_who_death_of_signal(struct cli_db *d, int64_t signal_id, sqlite3_stmt **cache,
                            int64_t *ret_death_id, int64_t *ret_ms);

/* The deaths sentence of `sigtrail report` (report.c), one for its Markdown
 * and HTML renderers: "N processes died of a signal in this period", then,
 * when the process table's coverage is known (c->proc_recorded and a run
 * overlaps), "; " and cli_coverage_deaths_text() written through `escape`
 * (the format's text escaper: cli_md_text, cli_html_text). No final period.
 * Can't fail: without memory for the coverage part, that part is left out. */
void cli_report_deaths_sentence(FILE *out, int64_t deaths, const struct cli_coverage *c,
                                void (*escape)(FILE *, const char *));

/* A progress bar on stderr (progress.c). */
struct cli_progress {
	bool on;           /* draw at all */
	const char *label; /* "export" */
	const char *unit;  /* "rows", "bytes" */
	int64_t total;     /* 0: unknown, show a counter */
	int64_t done;
	int64_t start_ms, last_ms;
};

/* Start a bar; nothing is drawn unless `on`. Can't fail. */
void cli_progress_start(struct cli_progress *p, const char *label, const char *unit, int64_t total,
                        bool on);

/* Record progress; redraws at most every 100 ms. Cheap enough per row. */
void cli_progress_update(struct cli_progress *p, int64_t done);

/* Draw the final state and end the line. */
void cli_progress_end(struct cli_progress *p);

/* The signal rows of an export (export_rows.c): the query of `f` in
 * (epoch_ms, id) order, each row written whole as CSV (the columns of the
 * database's view, CRLF) or as a JSON object (no line end), byte for byte
 * what the generic writers (cli_csv_field, cli_row_json) would write. */
struct export_rows;
int export_rows_open(struct cli_db *d, const struct cli_filter *f, bool json,
                     struct export_rows **ret);
/* Read and format the next row: SQLITE_ROW, SQLITE_DONE or an SQLite code. */
int export_rows_next(struct export_rows *x);
/* Write the row export_rows_next() formatted. */
void export_rows_put(struct export_rows *x, FILE *out);
void export_rows_close(struct export_rows *x); /* accepts NULL */

/* An output file (-o FILE) that appears whole or not at all (outfile.c):
 * written under a temporary name, renamed over FILE by cli_out_commit().
 * A FILE that exists and is not a regular file (/dev/null, a FIFO) is
 * written in place, never replaced. */
struct cli_out {
	FILE *f;          /* write here */
	const char *path; /* FILE */
	char *tmp;        /* the temporary name; NULL when written in place */
};
/* Open; a new file gets `mode`. Returns 0 or a negative errno. */
int cli_out_open(struct cli_out *o, const char *path, mode_t mode);
/* Flush to disk, close and rename into place. Returns 0 or a negative
 * errno, after which nothing is left behind (as cli_out_abort()). */
int cli_out_commit(struct cli_out *o);
/* Close and remove the temporary file. Harmless after a commit. */
void cli_out_abort(struct cli_out *o);
/* Refuse an output file (`option` of `command`: "--output") that is the
 * database `db` or one of its companions (-wal, -shm, -journal, .lock): by
 * the file it is (a hard link, a symlink) and by the name it resolves to (a
 * companion not created yet). Returns 0, or EX_CANTCREAT after saying so.
 * Every output file is checked before anything is read or written. */
int cli_out_check(const char *command, const char *option, const char *path, const char *db);

/* Rows as they are stored (follow.c), for `watch` and `list --follow`. */
struct cli_follow {
	struct cli_db *d;
	const struct cli_filter *signals; /* the signals to show; NULL: none */
	const struct cli_filter *deaths;  /* the deaths to show; NULL: none */
	int64_t signal_id, death_id;      /* the newest ids handled: rows after them are new */
	/* Print one row: signals selected with cli_signal_columns(), deaths
	 * with cli_death_columns. Called in time order. */
	void (*signal_row)(void *ctx, sqlite3_stmt *s);
	void (*death_row)(void *ctx, sqlite3_stmt *s);
	void *ctx;
};

/* Where to start: the `backlog` newest matching rows of each kind are shown
 * first, in the order they were stored (0: none, only what is stored from
 * now on; < 0: every matching row). Drops deaths on a database without them.
 * Returns SQLITE_OK or an SQLite code. */
int cli_follow_start(struct cli_follow *f, int64_t backlog);

/* Show new rows within a second of their commit until SIGINT or SIGTERM,
 * or until the reader of `out` goes away (a closed pipe: POLLERR or EPIPE;
 * SIGPIPE is ignored), each of which returns EX_OK. Touches the database
 * only when its files changed (and every 2 s, PRAGMA data_version). Returns
 * an exit status after one error line when a read or a write fails. */
int cli_follow_run(struct cli_follow *f, FILE *out);

/* The commands. Each takes its own argv (argv[0] is the command name)
 * and returns an exit status. */
int cli_who(int argc, char **argv);
int cli_list(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_watch(int argc, char **argv);
int cli_metrics(int argc, char **argv);

/* A stream whose bytes a thread of their own writes to fd (not closed) and,
 * with `hash`, hashes with SHA-256 (pipeout.c): *ret_f is the stream.
 * Returns 0, or a negative errno. */
struct cli_pipe;
int cli_pipe_open(int fd, bool hash, struct cli_pipe **ret, FILE **ret_f);

/* Flush and close the stream, wait until every byte is written, and free
 * p (NULL: nothing). With ret_hex (and `hash`), the SHA-256 of the bytes as
 * 64 lowercase hex digits and a NUL; with ret_bytes, how many there were.
 * Returns 0, or the negative errno of the first failed write (-EIO when
 * libcrypto fails), leaving the outputs untouched. */
int cli_pipe_close(struct cli_pipe *p, char ret_hex[65], int64_t *ret_bytes);

/* collector/forward/forward.c: `sigtrail forward --to CONNINFO [--once]`,
 * sends the local rows to the fleet's central PostgreSQL. Returns an exit
 * status (0; EX_USAGE, EX_CONFIG, EX_UNAVAILABLE, the database's). */
int cli_forward(int argc, char **argv);

/* verify.c: `sigtrail verify [--db PATH]`, checks the signal rows' hash
 * chain. Returns an exit status: 0 intact, 1 broken, sysexits otherwise. */
int cli_verify(int argc, char **argv);

/* verify_pg.c: the same of one host at the centre (conninfo: a libpq
 * connection string or URI). Returns 0 intact, 1 broken, EX_UNAVAILABLE
 * when the centre cannot be read. */
int cli_verify_central(const char *conninfo, const char *host);

/* The same, its sentence into buf ("central chain of host H intact: ..."
 * or "... BROKEN at ...", or why the centre cannot be read) instead of
 * printed. */
int cli_verify_central_text(const char *conninfo, const char *host, char *buf, size_t size);

/* fleet.c: `sigtrail fleet --db postgres://...`, each host of the centre:
 * its newest row and how late it arrived, its collector's last heartbeat,
 * the last day's gaps and losses, rows dropped before forwarding, and
 * (--verify) its hash chain. Returns 0 when every host is well, 1 when one
 * needs a look, sysexits otherwise. */
int cli_fleet(int argc, char **argv);

/* collector/central/central.c: `sigtrail central init|add-host NAME --to
 * CONNINFO`, the central schema and a host's role. Returns an exit status
 * (0; EX_USAGE, EX_DATAERR, EX_UNAVAILABLE). */
int cli_central(int argc, char **argv);

/* Milliseconds since the epoch, now. */
int64_t cli_now_ms(void);

/* Terminal width of `fd`, or 0 when it is not a terminal. */
int cli_term_width(int fd);

/* Process facts in words (procwords.c). */

/* The wall-clock time of the boot (ms since the epoch) that the run which
 * recorded an event at `at_ms` sampled, or -1 when no such run recorded it
 * (an import, a run before schema 14). Can't fail: errors read as -1. */
int64_t cli_boot_epoch(struct cli_db *d, int64_t at_ms);

/* A start time of `ticks` after boot, for an event at `event_ms`: "started
 * 01:54:33, 2 h 13 m before EVENT" (the date too when it is another day
 * than the event's; no age when `event` is NULL), or "start time N ticks
 * after boot (the boot's time was not recorded)" (without the parenthesis
 * when `event` is NULL). Can't fail. */
void cli_start_words(FILE *out, struct cli_db *d, int64_t ticks, int64_t event_ms, bool utc,
                     const char *event);

/* Why the sender ancestry of signal row `row` (selected with
 * cli_signal_columns()) ends before pid 1, in words into buf ("chain cut:
 * parent pid 812 not in the process table ..."), or "" when it reaches pid
 * 1 or 2, or none is recorded. Returns SQLITE_OK or an SQLite code. */
int cli_chain_cut_words(struct cli_db *d, sqlite3_stmt *row, char *buf, size_t size);

/* `sigtrail status`: how the collector of source `source` ("unicast",
 * "multicast", "stdin"; another writes nothing) shares the audit stream
 * with auditd, and a warning when `backlog_limit` (0: unknown) is below
 * 8192 records (status_mode.c). Can't fail. */
void cli_status_mode(FILE *out, const char *source, int64_t backlog_limit);

/* Zombies (schema 18; collector/cli/zombies.c). */
enum { CLI_ZOMBIE_GROUPS = 8 }; /* parents named by status and report; the rest counted */

/* who: the zombies of the process `f` names (its pid or comm, in its
 * period), newest first, at most `limit` (0: all): "pid 4242 (sh): zombie
 * since T (2 min), not reaped by its parent pid 4100 (sleep: sleep 600)",
 * or when it was reaped. Text, or with `json` the member ,"zombies":{...}.
 * Nothing (text) when the database has none. Sets *ret_n to how many were
 * shown. Returns SQLITE_OK or an SQLite code. */
int cli_who_zombies(FILE *out, struct cli_db *d, const struct cli_filter *f, int64_t limit,
                    bool json, bool utc, int64_t now_ms, int64_t *ret_n);

/* who's verdict for a process that is a zombie now (unreaped, of the newest
 * boot): "pid 4242 (sh) is a zombie since T, not reaped by its parent ...".
 * Writes nothing and sets *ret_found false when it is not. */
int cli_who_zombie_verdict(FILE *out, struct cli_db *d, const struct cli_filter *f, bool utc,
                           bool *ret_found);

/* status and report: the unreaped zombies of the newest boot that exited
 * in [since, until) (INT64_MIN/MAX: open) on `host` (NULL: any), by parent. */
struct cli_zombie_groups {
	bool recorded;    /* the database has the zombies view */
	int64_t unreaped; /* zombies */
	int64_t parents;  /* parents they are under */
	size_t n;         /* groups below, the largest first (at most CLI_ZOMBIE_GROUPS) */
	int64_t counts[CLI_ZOMBIE_GROUPS];
	char lines[CLI_ZOMBIE_GROUPS][512]; /* "120 unreaped zombies under node[3400] (npm
	                                     * start) in container 3f2a..., since T: a
	                                     * namespace init that does not reap its children" */
};
int cli_zombie_groups(struct cli_db *d, int64_t since_ms, int64_t until_ms, const char *host,
                      bool utc, struct cli_zombie_groups *ret);
