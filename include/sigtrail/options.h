/* The daemon's command-line options (arg_* values, rule 9), parsed once in
 * main() before anything else. */
#pragma once

#include <libaudit.h>
#include <stdbool.h>
#include <stdint.h>

enum { DEFAULT_COALESCE_MS = 1000 };

/* Where a collector records the audit state it changed (rules added, the
 * enabled flag, the backlog limit), so that a successor can undo it after a
 * crash: tmpfs, gone at reboot like the kernel's rules. */
#define DEFAULT_RUNTIME_DIR "/run/sigtrail"

extern const char *arg_db;          /* --db */
extern const char *arg_source;      /* --source: auto, unicast, multicast, stdin */
extern const char *arg_tee;         /* --tee FILE, or NULL */
extern const char *arg_inject;      /* --inject-status spec (tests), or NULL */
extern bool arg_foreground;         /* --foreground */
extern bool arg_include_sig0;       /* --include-sig0 */
extern bool arg_keep_rules;         /* --keep-rules */
extern bool arg_verbose;            /* --verbose */
extern int64_t arg_retention_days;  /* --retention, 0: keep everything */
extern int64_t arg_max_db_mb;       /* --max-db-size, 0: no cap */
extern int64_t arg_coalesce_ms;     /* --coalesce */
extern const char *arg_user;        /* --user NAME: run as NAME after setup, or NULL */
extern bool arg_processes;          /* the process table: deaths, ancestry (--no-processes) */
extern int64_t arg_db_buffer_mb;    /* --db-buffer: rows held while the database refuses */
extern const char *arg_runtime_dir; /* --runtime-dir: the owned-state record's directory */

/* Parse argv into the arg_* values. Prints --help/--version and exits 0;
 * exits EX_USAGE with a message naming the bad value on any error. */
void options_parse(int argc, char **argv);

/* Apply --inject-status to a status read from the kernel, so that tests can
 * exercise immutable mode or a foreign audit daemon without putting the
 * machine in that state. Exits EX_USAGE on a bad spec. */
void options_inject_status(struct audit_status *st);
