/* What the process table adds to one signal event: the sender's ancestry,
 * unit and container, and for each target its executable, command line,
 * start time, unit and container. Built on the main loop, where the table
 * lives, right after the event is assembled; then it travels with the event
 * to the writer thread, which owns it. One allocation, no pointers into the
 * table. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/proc_table.h"
#include "sigtrail/requests.h"

/* One member of the sender's ancestry (depth = its index in members[]). */
struct proc_member {
	int32_t pid;
	uint64_t start_time; /* clock ticks after boot, 0 unknown */
	const char *comm;    /* NULL when unknown, as every string here */
	const char *exe;
	const char *cmdline;
};

/* What a target would do with a signal, as /proc/PID/status said when the
 * signal's audit record was processed (it arrives after the delivery). Bit
 * sig - 1 of each mask is signal sig. */
struct proc_sigstate {
	bool known;         /* read; false: gone, a zombie, or beyond the targets read */
	bool init;          /* the init of a pid namespace (NSpid 1) */
	bool sender_inside; /* the sender is in that namespace too (init only) */
	uint64_t caught;    /* SigCgt: a handler is installed */
	uint64_t ignored;   /* SigIgn */
	uint64_t blocked;   /* SigBlk of every thread (of the thread itself for tkill) */
	uint64_t pending;   /* SigPnd | ShdPnd: sent and not yet delivered */
};

/* The `target_disposition` of signal sig to a target in state s: "default",
 * "caught", "ignored", "blocked" or "init-ignored" (a namespace init
 * without a handler), or NULL when unknown. The kernel's rules: SIGKILL and
 * SIGSTOP are never caught, blocked or ignored, except that an init drops
 * them from inside its own namespace; a blocked signal is not ignored (it
 * stays pending). The state is read after the delivery: a handler that is
 * running has its own signal in its mask, so a caught signal that is
 * blocked but no longer pending was caught, not blocked. Pure. */
const char *proc_disposition(const struct proc_sigstate *s, int sig);

/* One target of the signal, in the event's target order. */
struct proc_target_extra {
	int32_t pid;         /* as asked (a thread id stays as the event had it) */
	uint64_t start_time; /* of its process, 0 unknown: the row's target_start_time */
	const char *exe;
	const char *cmdline;
	const char *unit;
	const char *container;
	struct proc_sigstate sig;  /* what it would do with a signal */
	struct request_answer req; /* who asked, when the sender is a supervisor */
};

struct proc_extra {
	uint64_t id;      /* set by the builder's owner: equal ids, equal contents (0: none) */
	atomic_uint refs; /* references; proc_extra_free() drops one */
	const char *sender_ancestry; /* "sh[1400] ← cleanup.sh[1390] ← ..."; NULL unknown sender */
	const char *sender_unit;
	const char *sender_container;
	uint32_t n_members;                         /* entries in members[] */
	struct proc_member members[PTAB_MAX_DEPTH]; /* [0] the sender, [1] its parent, ... */
	char *requests;                     /* the targets' req strings (proc_extra_requests) */
	uint32_t n_targets;                 /* entries in targets[] */
	struct proc_target_extra targets[]; /* then the strings */
};

/* Build the extra of a signal sent by sender_pid to target_pids[0..n)
 * (n may be 0: ESRCH). Processes not in the table are read from /proc when
 * they still exist. Returns 0 and sets *ret, or -ENOMEM. */
int proc_extra_build(struct ptab *t, int32_t sender_pid, const int32_t *target_pids, size_t n,
                     struct proc_extra **ret);

/* Who asked for the signal `sig` (audit serial, epoch_ms) from sender_pid
 * that x describes, when the sender is a supervisor: each target's
 * request columns (its req) from the request log, for the first
 * SIGSTATE_TARGETS_MAX targets. Call once, before x is shared. Returns 0
 * (nothing done for any other sender), or -ENOMEM with the requests
 * unknown. */
int proc_extra_requests(struct proc_extra *x, struct ptab *t, struct reqlog *reqs,
                        int32_t sender_pid, int sig, int64_t epoch_ms, uint64_t serial);

/* Another reference to x, which may then travel to another thread: a storm
 * of signals from one sender to one target shares one extra. Returns x. */
struct proc_extra *proc_extra_ref(struct proc_extra *x);

/* Drop a reference; the last one frees it. Thread-safe. Accepts NULL. */
void proc_extra_free(struct proc_extra *x);
