/* The exec reader: a thread of its own, at real-time priority where the
 * host allows it, that reads a process's name, executable and command line
 * from /proc the moment the kernel reports its exec. A program can exec and
 * crash (or exit) within two or three milliseconds, and its command line is
 * readable only until then: the main loop, busy with audit records or
 * waiting for a CPU on a loaded host, can be late. The process table takes
 * what this thread read whenever its own read came too late
 * (ptab_config.exec_snapshot). It subscribes to the proc connector for exec
 * events only, reads at most EXECREAD_PER_S processes a second, and skips
 * events it got too late to help. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct procfs_info; /* collector/proc/procfs.h */

enum {
	EXECREAD_SLOTS = 64,     /* snapshots kept: the table takes them within milliseconds */
	EXECREAD_PER_S = 2000,   /* reads a second at most: real-time time stays bounded */
	EXECREAD_FRESH_MS = 250, /* an event older than this when read is skipped */
};

struct execread;

struct execread_stats {
	uint64_t execs;    /* exec events received */
	uint64_t reads;    /* processes read, with their command line */
	uint64_t skipped;  /* events not read: over the budget or too late */
	uint64_t gone;     /* read too late all the same: no command line any more */
	uint64_t taken;    /* snapshots the table used */
	uint64_t overruns; /* its connector socket overflowed */
	bool realtime;     /* it runs at SCHED_FIFO */
};

/* Subscribe to exec events: this takes CAP_NET_ADMIN. Returns 0, or
 * -errno (the connector refused, no memory). */
int execread_open(const char *proc_root, struct execread **ret);

/* Start the thread. It inherits the caller's capabilities and scheduling
 * policy: start it after the capabilities are dropped, from a thread that
 * took SCHED_FIFO while it could (sigtraild's start_threads()). Returns 0
 * or -errno. */
int execread_start(struct execread *x);

/* Copy the snapshot of process `pid` taken at its exec event of
 * `exec_mono_ns` (proc_ev.mono_ns) into *in: comm, exe and cmdline, with
 * in->got saying which were read. Returns false when there is none.
 * Thread-safe; the snapshot is used once. */
bool execread_take(struct execread *x, int32_t pid, int64_t exec_mono_ns, struct procfs_info *in);

void execread_stats(struct execread *x, struct execread_stats *ret);

/* Stop the thread, unsubscribe and free. Accepts NULL. */
void execread_stop(struct execread *x);
