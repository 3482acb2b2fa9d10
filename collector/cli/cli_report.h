/* The data of `sigtrail report`, gathered once from the database
 * (collector/cli/report.c) and rendered as Markdown (report.c) or as one
 * self-contained HTML page with inline SVG charts (report_html.c). Every
 * string in it is already terminal-safe UTF-8 (control bytes and invalid
 * UTF-8 as \xNN, see cli_term_text) and bounded; renderers escape it for
 * their format. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

enum {
	REPORT_TOP = 10,            /* rows of each "top" table */
	REPORT_REFUSED = 20,        /* newest refused attempts listed */
	REPORT_TYPES = 66,          /* signals 0..64, and one for "other" */
	REPORT_MAX_BUCKETS = 120,   /* bars of the per-day chart; longer ranges use wider buckets */
	REPORT_TARGET_BUCKETS = 61, /* the chart's bucket is the narrowest giving at most this */
};

/* One line of a ranked table. */
struct report_item {
	char label[160];  /* user, program, command line, signal name ... */
	char detail[320]; /* a second text column (exe, users, signals ...) */
	int64_t n;        /* signals */
	int64_t n2;       /* a second figure (refused, distinct pids ...) */
};

/* One refused attempt. */
struct report_refused {
	int64_t ms;          /* when */
	char signal[24];     /* SIGKILL */
	char errno_name[24]; /* EPERM */
	char sender[160];    /* "pid 4242 alice (login bob)" */
	char cmd[320];       /* sender's command line */
	char target[160];    /* "pid 1 systemd, user root" */
	int64_t count;       /* coalesced repeats */
};

struct report {
	const char *db; /* database path */
	const struct cli_filter *filter;
	char host[256];  /* the host the report was made on */
	char hosts[256]; /* hosts of the rows, comma-separated */
	int64_t generated_ms;
	int64_t lo, hi;  /* the period shown (ms, UTC) */
	bool since_open; /* no --since: the period starts at the first row */
	int64_t rows;    /* rows (signal x target) */
	int64_t signals; /* rows counting coalesced repeats */
	int64_t events;  /* distinct audit events */
	int64_t delivered, refused, failed_other; /* by result, counting repeats */
	int64_t senders, targets;                 /* distinct sender and target pids */
	struct cli_coverage cov;
	struct report_item types[REPORT_TYPES]; /* label signame, n signals, n2 delivered */
	size_t n_types;
	struct report_item users[REPORT_TOP]; /* label user, detail programs, n2 refused */
	size_t n_users;
	struct report_item programs[REPORT_TOP]; /* label comm, detail exe and users */
	size_t n_programs;
	struct report_item cmdlines[REPORT_TOP]; /* label command line, n2 distinct pids */
	size_t n_cmdlines;
	struct report_item targets_top[REPORT_TOP]; /* label comm, detail signals, n2 pids */
	size_t n_targets_top;
	struct report_item refusers[REPORT_TOP]; /* label user (login), detail command line */
	size_t n_refusers;
	bool requests_recorded;                    /* schema >= 12: who asked supervisors */
	struct report_item requesters[REPORT_TOP]; /* label request command line ("no request
	                                            * seen"), detail user (login) via
	                                            * supervisors, n signals, n2 targets */
	size_t n_requesters;
	struct report_refused refused_rows[REPORT_REFUSED];
	size_t n_refused_rows;
	int64_t bucket_ms;       /* width of a bar of the chart: a day, or more */
	int64_t first_bucket_ms; /* start of the first bar (UTC midnight) */
	size_t n_buckets;
	int64_t kill[REPORT_MAX_BUCKETS], term[REPORT_MAX_BUCKETS]; /* SIGKILL, SIGTERM per bar */
	/* Deaths (schema 3), over the period, --host and --exclude-signal only:
	 * the other filters are about senders and targets of signals. */
	bool deaths_recorded; /* the database has the deaths view */
	int schema;           /* its schema version, to say why not */
	int64_t deaths;       /* processes that died of a signal */
	struct report_item
	    causes[CLI_DEATH_CAUSES]; /* label cause, detail comms, n deaths, n2 pids */
	size_t n_causes;
	struct report_item killers[REPORT_TOP]; /* label sender command line, detail user,
	                                         * n deaths, n2 pids */
	size_t n_killers;
	/* Zombies (schema 18): unreaped now, whatever the period, by parent. */
	struct cli_zombie_groups zombies;
};

/* The zombies section's lead sentence, the same in Markdown and HTML (only
 * digits and plain words): "5 processes exited and are still unreaped, under
 * 2 parents", or why there is no list. Can't fail. */
void report_zombies_sentence(FILE *out, const struct report *r);

/* One sentence saying what the report's three totals count (signals with
 * every repeat of a storm, rows, audit events), with their numbers, the
 * same in Markdown and HTML (only digits and plain words). Can't fail. */
void report_counts_line(FILE *out, const struct report *r);

/* Write the report as one HTML document with inline CSS and SVG and no
 * reference to anything outside it. Can't fail (stdio errors are found by
 * the caller's fflush). */
void report_html(FILE *out, const struct report *r);

/* "hour" for a bucket of 3600000 ms: the words of report.c's widths, or
 * "period" for a width chosen beyond them (years). Can't fail. */
const char *report_bucket_name(int64_t bucket_ms);
