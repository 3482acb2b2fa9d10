/* Deaths: every process that a signal ended, and why.
 *   deaths/attribute.c:  the decision. A pure function from one death and
 *                        the evidence around it (signal rows that targeted
 *                        its pid, OOM kills, ANOM_ABEND crash records, the
 *                        exit of its pid namespace's init) to a cause and a
 *                        sentence saying what decided it;
 *   proc/abend.c:        the ANOM_ABEND audit record (the kernel's note of a
 *                        core dump), parsed;
 *   deaths/candidates.c: the candidate signal rows of a death, read from the
 *                        store.
 * The tracker that collects the evidence over time is proc_deathq.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/proc_kmsg.h"

enum death_cause {
	DEATH_SIGNAL, /* a recorded signal row sent the death signal: signal_id */
	DEATH_OOM,    /* the kernel OOM killer (kernel log) */
	DEATH_CRASH,  /* a fault or abort: a core-dumping signal no one else sent */
	DEATH_PIDNS,  /* SIGKILL because its pid namespace's init exited */
	DEATH_KERNEL, /* any other signal from the kernel, or a sender nothing recorded */
};

/* "signal", "oom", "crash", "pidns-teardown", "kernel": the `cause` column. */
const char *death_cause_name(enum death_cause cause);

enum {
	DEATH_SIGNAL_BEFORE_MS = 10000, /* a signal row this long before the death can explain it */
	DEATH_SKEW_MS = 1000,           /* rows and kernel lines may be stamped this much later */
	DEATH_OOM_WINDOW_MS = 5000,     /* an OOM kill line this close to the death */
	DEATH_ABEND_WINDOW_MS = 5000,   /* an ANOM_ABEND record this close */
	DEATH_INIT_WINDOW_MS = 5000,    /* a namespace init exit this close (it exits last) */
	DEATH_EVIDENCE_MAX = 512,
	DEATH_TEXT_MAX = 256,
};

/* One process that a signal ended, as known when it exited. Strings may be
 * NULL (unknown). */
struct death {
	int32_t pid;            /* thread group id */
	uint64_t start_time;    /* clock ticks after boot, 0 unknown */
	bool start_guess;       /* start_time estimated to +-1 tick (never read from /proc) */
	int64_t start_epoch_ms; /* start_time as wall-clock ms, 0 unknown */
	int signal;             /* the signal that ended it, 1..64 */
	bool core_dumped;       /* the exit status says so (WCOREDUMP) */
	bool coredump_event;    /* the connector reported a core dump for it */
	int64_t epoch_ms;       /* when it exited, wall-clock ms */
	int32_t ppid;           /* the parent that forked it, 0 unknown */
	int32_t exit_parent;    /* the parent in the exit event: 0 when the kernel reaped it
	                           itself (a dying namespace init ignores SIGCHLD) */
	int64_t uid;            /* real uid, -1 unknown */
	uint64_t pidns;         /* pid namespace inode, 0 unknown */
	int32_t nspid;          /* its pid in that namespace (1: it was the init), 0 unknown */
	const char *comm, *exe, *cmdline, *unit, *container;
};

/* A stored signal row whose target was this pid. */
struct death_signal_row {
	int64_t id;       /* signal_rows.id */
	int64_t epoch_ms; /* when it was sent */
	int signal;
	bool success; /* the kernel delivered it */
	int32_t sender_pid;
	const char *sender_comm; /* may be NULL */
	uint64_t
	    target_start_time; /* the target's start time when the row was written, 0 unknown */
};

/* An OOM kill line of the kernel log, with its time as wall-clock ms. */
struct death_oom {
	struct oom_kill kill;
	int64_t epoch_ms;
};

/* An ANOM_ABEND audit record: the kernel began a core dump. */
struct death_abend {
	int32_t pid;
	int signal;
	int64_t epoch_ms;         /* the record's audit timestamp */
	uint64_t serial;          /* the record's audit serial */
	int64_t uid;              /* -1 unknown */
	char comm[64];            /* decoded, escaped */
	char exe[DEATH_TEXT_MAX]; /* decoded, escaped */
};

/* The exit of a pid namespace's init (the process with nspid 1). */
struct death_init_exit {
	int32_t pid;    /* its pid in the initial namespace */
	uint64_t pidns; /* the namespace it was init of */
	int64_t epoch_ms;
	uint32_t exit_code; /* wait status */
	char comm[64];
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
	                                      abort/raise under DEATH_CRASH); -1 when none */
	int oom_index;                     /* the deciding ooms[] entry, -1 when none */
	int abend_index;                   /* the deciding abends[] entry, -1 when none */
	char evidence[DEATH_EVIDENCE_MAX]; /* what decided it, for the `evidence` column */
};

/* Decide why `d` died. Rules, in order:
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

/* Parse an ANOM_ABEND record: its body as the netlink source delivers it
 * ("audit(1795317685.572:59): auid=... pid=4680 comm=\"bash\" exe=... sig=11
 * res=1") or a whole auditd log line ("type=ANOM_ABEND msg=audit(...): ...").
 * Returns 0, or -EINVAL when the timestamp, pid or sig is missing or
 * malformed. *ret is written only on success. */
int abend_parse(const char *text, size_t len, struct death_abend *ret);

/* The audit record type of ANOM_ABEND (AUDIT_ANOM_ABEND in linux/audit.h). */
#define DEATH_AUDIT_ANOM_ABEND 1701

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

struct deathq_ready;
struct store;

/* Decide why the process of `r` died (death_attribute(), against the signal
 * rows written so far on st's connection, committed or not, and the
 * evidence in r) and write its death_rows row inside st's current
 * transaction (store_insert_death()). For the writer thread, which owns st.
 * Returns 1, or -errno as store_insert(). */
int deaths_write(struct store *st, const struct deathq_ready *r);
