/* The death tracker and the evidence it gathers: turns the proc connector's
 * exit events into deaths and holds each one for a moment (hold_ns) while
 * the rest of its evidence arrives from other sources: the kernel log's OOM
 * line, the ANOM_ABEND audit record, and the exit of its pid namespace's
 * init (which the kernel reports after the children it killed). A held death
 * is then handed over with that evidence, as plain records (struct death and
 * the others below), to collector/deaths/, which adds the signal rows the
 * store has written by then and decides (deaths_write(), sigtrail/deaths.h).
 *
 * Single-threaded, on the daemon's main loop, beside the process table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/proc_kmsg.h"

/* The tracker's inputs (collector/proc/clock.h and connector.h,
 * proc_table.h), named only: who takes the evidence needs none of them. */
struct proc_clock;
struct proc_ev;
struct ptab;

/* Evidence this close to a death concerns it: the tracker gathers it, and
 * the decision weighs it, within these windows. */
enum {
	DEATH_OOM_WINDOW_MS = 5000,   /* an OOM kill line this close to the death */
	DEATH_ABEND_WINDOW_MS = 5000, /* an ANOM_ABEND record this close */
	DEATH_INIT_WINDOW_MS = 5000,  /* a namespace init exit this close (it exits last) */
	DEATH_TEXT_MAX = 256,         /* an ANOM_ABEND record's exe */
};

/* The audit record type of ANOM_ABEND (AUDIT_ANOM_ABEND in linux/audit.h):
 * the records to hand to procwatch_abend(). */
#define DEATH_AUDIT_ANOM_ABEND 1701

/* One process that a signal ended, as known when it exited. Strings may be
 * NULL (unknown). */
struct death {
	int32_t pid;              /* thread group id */
	uint64_t start_time;      /* clock ticks after boot, 0 unknown */
	bool start_guess;         /* start_time estimated to +-1 tick (never read from /proc) */
	int64_t start_epoch_ms;   /* start_time as wall-clock ms, 0 unknown */
	int signal;               /* the signal that ended it, 1..64; 0: it exited */
	int exit_status;          /* signal 0: its exit code (0..255); else -1 */
	bool core_dumped;         /* the exit status says so (WCOREDUMP) */
	bool coredump_event;      /* the connector reported a core dump for it */
	bool core_limit_known;    /* core_limit was read (a core-dumping signal) */
	int64_t core_limit;       /* RLIMIT_CORE's soft limit in bytes at its exit,
	                             INT64_MAX unlimited */
	const char *core_pattern; /* kernel.core_pattern then (core-dumping signal), NULL
	                             unknown */
	int64_t epoch_ms;         /* when it exited, wall-clock ms */
	int32_t ppid;             /* the parent that forked it, 0 unknown */
	int32_t exit_parent;      /* the parent in the exit event: 0 when the kernel reaped it
	                             itself (a dying namespace init ignores SIGCHLD) */
	int64_t uid;              /* real uid, -1 unknown */
	uint64_t pidns;           /* pid namespace inode, 0 unknown */
	int32_t nspid;            /* its pid in that namespace (1: it was the init), 0 unknown */
	const char *comm, *exe, *cmdline, *unit, *container;
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
	int32_t pid;            /* its pid in the initial namespace */
	uint64_t start_time;    /* clock ticks after boot, 0 unknown */
	int64_t start_epoch_ms; /* start_time as wall-clock ms, 0 unknown */
	uint64_t pidns;         /* the namespace it was init of */
	int64_t epoch_ms;       /* when it exited */
	uint32_t exit_code;     /* wait status */
	char comm[64];
};

enum {
	DEATHQ_HOLD_MS = 2000,     /* default hold: audit records and kernel lines lag by ms */
	DEATHQ_MAX_PENDING = 4096, /* deaths held at once; over half, the oldest go early */
	DEATHQ_RECENT = 64,    /* OOM kills, ANOM_ABENDs, init exits and core dumps remembered */
	DEATHQ_MAX_OOMS = 4,   /* per death */
	DEATHQ_MAX_ABENDS = 4, /* per death */
};

struct deathq_config {
	int64_t hold_ns;         /* how long a death waits for evidence (0: DEATHQ_HOLD_MS) */
	size_t max_pending;      /* 0: DEATHQ_MAX_PENDING */
	bool exits;              /* exits too, not only deaths by a signal: */
	int64_t exit_min_age_ms; /* of a process that lived this long (0: every one), or
	                            that a signal reached (PTAB_SIGNALLED) */
};

/* A death whose hold is over, with the evidence the tracker gathered. One
 * allocation: death's strings point into strbuf, so it cannot be copied by
 * value. Owned by the caller, who
 * may hand it to another thread, and frees it with deathq_ready_free(). */
struct deathq_ready {
	struct death death;
	struct death_oom ooms[DEATHQ_MAX_OOMS]; /* OOM kills of this pid near its death */
	size_t n_ooms;
	struct death_abend abends[DEATHQ_MAX_ABENDS]; /* ANOM_ABEND records of this pid */
	size_t n_abends;
	struct death_init_exit init_exit; /* valid when have_init_exit */
	bool have_init_exit;
	bool early;         /* handed over before its hold was over (too many pending) */
	int64_t mono_ns;    /* the exit event's CLOCK_MONOTONIC time */
	uint32_t exit_code; /* the exit event's wait status */
	char strbuf[];      /* the strings of death, sized to fit */
};

struct deathq_stats {
	uint64_t deaths;    /* processes ended by a signal */
	uint64_t exits;     /* exits held under the exit policy */
	uint64_t pending;   /* held now */
	uint64_t early;     /* decided before their hold was over */
	uint64_t untracked; /* deaths of processes the table did not know (fewer facts) */
	uint64_t init_exits, ooms, abends, coredumps; /* evidence seen */
	uint64_t dropped; /* deaths lost: no memory, or max_pending held (nobody popped) */
};

struct deathq;

/* Create a tracker. Returns 0 and sets *ret, or -ENOMEM. */
int deathq_new(const struct deathq_config *cfg, struct deathq **ret);

/* Feed one connector event, before ptab_on_event() applies it (the table
 * keeps an exited process for its linger time either way). An exit by a
 * signal of a thread group leader becomes a held death with what the table
 * knows of it (a process the table has not read yet is read now, as the
 * zombie it is: one /proc read per such death); an exit of a pid namespace's init is remembered; a
 * core dump event marks its process. Can't fail: a death that cannot be allocated, or that finds
 * max_pending deaths held, is counted in dropped. */
void deathq_on_event(struct deathq *q, struct ptab *t, const struct proc_ev *ev,
                     const struct proc_clock *clk);

/* Remember an OOM kill from the kernel log. Can't fail. */
void deathq_on_oom(struct deathq *q, const struct oom_kill *k, const struct proc_clock *clk);

/* Remember an ANOM_ABEND record. Can't fail. */
void deathq_on_abend(struct deathq *q, const struct death_abend *a);

/* The oldest held death whose hold is over at now_mono_ns, with its
 * evidence; NULL when none is ready. While more than max_pending / 2 are
 * held, the oldest goes early (marked so). Call until NULL after every batch
 * of events. */
struct deathq_ready *deathq_pop(struct deathq *q, int64_t now_mono_ns);

/* Free a popped death. Accepts NULL. */
void deathq_ready_free(struct deathq_ready *r);

/* Counters, and the deaths held now. Can't fail. */
void deathq_stats(const struct deathq *q, struct deathq_stats *ret);

/* Free the tracker and every held death. Accepts NULL. */
void deathq_free(struct deathq *q);
