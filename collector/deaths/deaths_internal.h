/* The attribution of deaths, shared by the files of collector/deaths/:
 *   attribute.c:  the decision. A pure function from one death and the
 *                 evidence around it (signal rows that targeted its pid, OOM
 *                 kills, ANOM_ABEND crash records, the exit of its pid
 *                 namespace's init) to a cause and a sentence saying what
 *                 decided it;
 *   candidates.c: the candidate signal rows of a death, read from the
 *                 database;
 *   decide.c:     both, for one death handed over by the tracker, and the
 *                 store's record of the result (deaths_write()).
 * The evidence itself (struct death, death_oom, death_abend,
 * death_init_exit) is gathered by the tracker: sigtrail/proc_deathq.h. Not
 * a public header: only collector/deaths and its tests include it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/proc_deathq.h"

enum death_cause {
	DEATH_SIGNAL, /* a recorded signal row sent the death signal: signal_id */
	DEATH_OOM,    /* the kernel OOM killer (kernel log) */
	DEATH_CRASH,  /* a fault or abort: a core-dumping signal no one else sent */
	DEATH_PIDNS,  /* SIGKILL because its pid namespace's init exited */
	DEATH_KERNEL, /* any other signal from the kernel, or a sender nothing recorded */
	DEATH_EXIT,   /* it exited on its own (death.signal 0), with its exit status */
};

/* "signal", "oom", "crash", "pidns-teardown", "kernel", "exit": the `cause` column. */
const char *death_cause_name(enum death_cause cause);

enum {
	DEATH_SIGNAL_BEFORE_MS = 10000, /* a signal row this long before the death can explain it */
	DEATH_SKEW_MS = 1000,           /* rows and kernel lines may be stamped this much later */
	DEATH_EVIDENCE_MAX = 512,       /* the evidence sentence, with its NUL */
};

/* A stored signal row whose target was this pid. */
struct death_signal_row {
	int64_t id;                 /* signal_rows.id */
	int64_t epoch_ms;           /* when it was sent */
	int signal;                 /* the signal it sent */
	bool success;               /* the kernel delivered it */
	int32_t sender_pid;         /* who sent it */
	const char *sender_comm;    /* the sender's comm, may be NULL */
	uint64_t target_start_time; /* the target's, as the row was written; 0 unknown */
};

/* Everything known around one death. Arrays may be empty (n = 0). */
struct death_candidates {
	const struct death_signal_row *rows;
	size_t n_rows;
	const struct death_oom *ooms;
	size_t n_ooms;
	const struct death_abend *abends;
	size_t n_abends;
	/* The exit of the init of the dying process's pid namespace (or of an
	 * ancestor that was a namespace init), NULL when none was seen. */
	const struct death_init_exit *init_exit;
	bool signals_recorded; /* false: no signal rows can exist (audit rules not loaded) */
};

/* The decision. */
struct death_verdict {
	enum death_cause cause;
	int64_t signal_id;                 /* the deciding signal row (DEATH_SIGNAL, or a self-sent
	                                      abort/raise under DEATH_CRASH); -1 when none, and
	                                      always for DEATH_EXIT (no signal ended it) */
	int oom_index;                     /* the deciding ooms[] entry, -1 when none */
	int abend_index;                   /* the deciding abends[] entry, -1 when none */
	char evidence[DEATH_EVIDENCE_MAX]; /* what decided it, for the `evidence` column */
};

/* Decide why `d` died. An exit (signal 0) is DEATH_EXIT, with its status,
 * its age and the newest signal that reached this very process shortly
 * before (one it handled or ignored) in the evidence. Otherwise rules, in
 * order:
 *  - the OOM killer named this pid within DEATH_OOM_WINDOW_MS and the signal
 *    is SIGKILL: oom (the OOM killer skips tasks that are already dying, so
 *    its line means it was the one);
 *  - a successful signal row with the death signal, sent to this pid at most
 *    DEATH_SIGNAL_BEFORE_MS before the death (DEATH_SKEW_MS after), to this
 *    very process: the row's target start time equals the death's (+-1 tick
 *    when either is an estimate), or, when the row has none, the row is not
 *    older than the process. The latest such row decides: signal; but a
 *    core-dumping signal that the process sent itself (abort(), raise()) is a
 *    crash linked to that row;
 *  - SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV with no sender: crash
 *    (with the ANOM_ABEND record, the core flag or the connector's core dump
 *    event as evidence);
 *  - SIGKILL with no sender when init_exit is set and the process was not
 *    that init: pidns-teardown;
 *  - anything else: kernel, with what the signal usually means.
 * Rows rejected for pid reuse are named in the evidence. Can't fail. */
void death_attribute(const struct death *d, const struct death_candidates *c,
                     struct death_verdict *ret);

struct sqlite3;

/* The signal rows that may explain a death of `pid` at `epoch_ms`: rows
 * targeting pid, sent within [epoch_ms - DEATH_SIGNAL_BEFORE_MS,
 * epoch_ms + DEATH_SKEW_MS], newest first, at most `max`, read from a
 * sigtrail database (schema 3: target_start_time is used when the store
 * wrote it). sender_comm strings are copied into `strbuf` (strbuf_size
 * bytes; NULL when out of room). Returns the number of rows, or -EIO with
 * nothing written. For the writer thread, which owns the connection. */
int deaths_query_rows(struct sqlite3 *db, int32_t pid, int64_t epoch_ms,
                      struct death_signal_row *out, size_t max, char *strbuf, size_t strbuf_size);
