/* The death tracker: turns the proc connector's exit events into deaths and
 * holds each one for a moment (hold_ns) while the rest of its evidence
 * arrives from other sources: the kernel log's OOM line, the ANOM_ABEND
 * audit record, and the exit of its pid namespace's init (which the kernel
 * reports after the children it killed). A held death is then handed over
 * with that evidence; the store adds the signal rows it has written by then
 * (deaths_query_rows()) and decides with death_attribute().
 *
 * Single-threaded, on the daemon's main loop, beside the process table. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sigtrail/deaths.h"
#include "sigtrail/proc_clock.h"
#include "sigtrail/proc_conn.h"
#include "sigtrail/proc_kmsg.h"
#include "sigtrail/proc_table.h"

enum {
	DEATHQ_HOLD_MS = 2000,     /* default hold: audit records and kernel lines lag by ms */
	DEATHQ_MAX_PENDING = 4096, /* deaths held at once; over half, the oldest go early */
	DEATHQ_RECENT = 64,    /* OOM kills, ANOM_ABENDs, init exits and core dumps remembered */
	DEATHQ_MAX_OOMS = 4,   /* per death */
	DEATHQ_MAX_ABENDS = 4, /* per death */
};

struct deathq_config {
	int64_t hold_ns;    /* how long a death waits for evidence (0: DEATHQ_HOLD_MS) */
	size_t max_pending; /* 0: DEATHQ_MAX_PENDING */
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
