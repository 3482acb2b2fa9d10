/* The daemon's options (arg_* values, rule 9), set once in main() before
 * anything else: defaults, then the configuration file, then the command
 * line. Each is described in the option table (optable.h), which also
 * defines them. */
#pragma once

#include <libaudit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern const char *arg_db;             /* --db */
extern const char *arg_config;         /* --config: the configuration file */
extern const char *arg_source;         /* --source: auto, unicast, multicast, stdin */
extern const char *arg_tee;            /* --tee FILE, or NULL */
extern const char *arg_inject;         /* --inject-status spec (tests), or NULL */
extern bool arg_foreground;            /* --foreground */
extern bool arg_include_sig0;          /* --include-sig0 */
extern bool arg_keep_rules;            /* --keep-rules */
extern bool arg_verbose;               /* --verbose */
extern int64_t arg_retention_days;     /* --retention, 0: keep everything */
extern int64_t arg_max_db_mb;          /* --max-db-size, 0: no cap */
extern int64_t arg_coalesce_ms;        /* --coalesce */
extern const char *arg_user;           /* --user NAME: run as NAME after setup, or NULL */
extern bool arg_processes;             /* the process table: deaths, ancestry (--no-processes) */
extern bool arg_exits;                 /* record exits too (--no-exits) */
extern int64_t arg_zombie_delay_ms;    /* unreaped this long after its exit: a zombie (0: off) */
extern int64_t arg_exit_min_age_ms;    /* ...of processes that lived this long, or were signalled */
extern int64_t arg_db_buffer_mb;       /* --db-buffer: rows held while the database refuses */
extern const char *arg_runtime_dir;    /* --runtime-dir: the owned-state record's directory */
extern bool arg_redact;                /* redact secrets in command lines (--no-redact) */
extern const char *arg_redact_disable; /* --redact-disable: built-in rules off, or NULL */
extern const char *arg_redact_flags;   /* --redact-flag: the operator's names, or NULL */
extern const char
    *arg_request_dirs; /* --request-dirs: trusted request tools' directories, or NULL */

/* --forward-position: the fleet forwarder's position file (pruning keeps
 * what it has not sent) */
extern const char *arg_forward_position;
/* --jsonl: the JSON-lines file for SIEM shippers, or NULL */
extern const char *arg_jsonl;

/* What options_parse_args() found. */
enum options_verdict {
	OPTIONS_RUN,        /* the arg_* values are set: start */
	OPTIONS_HELP,       /* --help: print options_usage() */
	OPTIONS_VERSION,    /* --version */
	OPTIONS_USAGE,      /* getopt said what is wrong on stderr: a usage error */
	OPTIONS_BAD_FLAG,   /* err names the flag, its value and what it accepts */
	OPTIONS_BAD_CONFIG, /* err names the file, the line and what is wrong */
};

/* Set the arg_* values: every option's default, then what the
 * configuration file (--config, else the default file if it exists) sets,
 * then every flag of argv, so that a flag wins. It stops at the first
 * --help or --version, and at the first bad flag (whose message it writes
 * into err) before it reads the file. Can be called again (tests): it starts
 * over. */
enum options_verdict options_parse_args(int argc, char **argv, char *err, size_t errlen);

/* Print `sigtraild --help`: the option table's lines, then examples. */
void options_usage(FILE *out);

/* options_parse_args() for main(): prints --help/--version and exits 0;
 * exits EX_USAGE on a bad flag and EX_CONFIG on a bad configuration file,
 * with a message that names it. */
void options_parse(int argc, char **argv);

/* Apply --inject-status to a status read from the kernel, so that tests can
 * exercise immutable mode or a foreign audit daemon without putting the
 * machine in that state. Exits EX_USAGE on a bad spec. */
void options_inject_status(struct audit_status *st);
