/* The process table: what the daemon knows about every live process, and
 * about each dead one for a few seconds after its exit, so that a signal row
 * or a death written after the process is gone still gets its command line,
 * start time, unit and container, and a sender's ancestry can be told after
 * the short script that sent the signal has exited.
 *
 * Seeded from /proc at start, then kept current by the proc connector: a
 * fork copies its parent (same program, same command line), an exec is read
 * again from /proc. Reading /proc costs a few syscalls per process: up to
 * eager_reads_per_s execs each second are read at once, the rest of a storm
 * (and every fork, which only needs confirming) after refresh_delay_ns, so
 * that a process that exits sooner (most of a fork/exec storm) is never
 * read at all; its start time is then estimated from the fork event's
 * timestamp (to one clock tick).
 *
 * Known limit: the connector reports no cgroup moves. A process moved to
 * another cgroup after its last exec keeps its old unit and container here
 * (systemd and the container runtimes move a process before they exec it).
 *
 * Single-threaded: the daemon's main loop owns it. The writer thread gets
 * copies (see ptab_describe() and ptab_ancestry()). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Private to collector/proc (clock.h, connector.h, procfs.h), named only. */
struct proc_clock;
struct proc_ev;
struct procfs_info;

enum {
	PTAB_MAX_DEPTH = 16,           /* ancestry members at most */
	PTAB_DEFAULT_MAX = 65536,      /* processes tracked at most (live and lingering) */
	PTAB_STRING_BUDGET = 64 << 20, /* bytes of strings; beyond, command lines are cut to 128 */
};

/* Flags of one process (struct ptab_proc.flags). */
enum {
	PTAB_EXITED = 1 << 0,      /* exited; kept until exit_mono_ns + linger */
	PTAB_STALE = 1 << 1,       /* a read is due (one of the two below) */
	PTAB_START_GUESS = 1 << 2, /* start_time estimated from the fork event (+-1 tick) */
	PTAB_PARTIAL = 1 << 3,     /* a read found the process gone: some fields unknown */
	PTAB_EXEC_UNREAD = 1 << 4, /* exec'd and not read since: comm, exe, cmdline, cgroup */
	PTAB_UNCONFIRMED = 1 << 5, /* start time, namespace and nspid copied or guessed */
	PTAB_SIGNALLED = 1 << 6,   /* a recorded signal reached it: its exit is recorded */
};

/* One process. Strings are NULL when unknown, else escaped UTF-8. Valid
 * until the next call that changes the table. */
struct ptab_proc {
	int32_t pid;         /* thread group id */
	int32_t ppid;        /* the parent that forked it (not the reaper it was handed to) */
	uint64_t start_time; /* clock ticks after boot (/proc/PID/stat field 22); 0 unknown */
	int64_t uid;         /* real uid (kept by uid events), -1 unknown */
	uint64_t pidns;      /* pid namespace inode, 0 unknown */
	int32_t nspid;  /* pid inside its own pid namespace (1: that namespace's init), 0 unknown */
	uint32_t flags; /* PTAB_* */
	int64_t fork_mono_ns;  /* fork event time (0 for seeded processes) */
	int64_t exec_mono_ns;  /* its last exec event's time, 0 none seen */
	int64_t exit_mono_ns;  /* exit event time, 0 while alive */
	uint32_t exit_code;    /* the exit event's wait status */
	char comm[64];         /* escaped comm; "" unknown */
	const char *exe;       /* executable path */
	const char *cmdline;   /* arguments separated by spaces */
	const char *unit;      /* systemd unit (collector/proc/cgroup.h) */
	const char *container; /* container id */
	const char *runtime;   /* container runtime, static string */
	/* The table's own bookkeeping. */
	char *strings;                     /* owns exe, cmdline, unit, container */
	size_t strings_size;               /* bytes allocated there */
	struct ptab_proc *q_prev, *q_next; /* linger or refresh queue */
	int64_t due_mono_ns;               /* when the queue wants it */
	uint8_t queue;                     /* 0 none, 1 refresh, 2 linger */
};

struct ptab_config {
	const char *proc_root;      /* "/proc", or a test tree */
	size_t max_procs;           /* hard cap (0: PTAB_DEFAULT_MAX) */
	int64_t linger_ns;          /* how long an exited process stays (e.g. 5 s) */
	int64_t refresh_delay_ns;   /* wait this long after a fork (or an exec beyond
	                               eager_reads_per_s) before reading /proc; 0: execs
	                               at once, forks at the next ptab_tick() */
	uint32_t eager_reads_per_s; /* exec reads done at once each second (0: none) */
	size_t string_budget;       /* bytes of strings (0: PTAB_STRING_BUDGET) */
	/* Asked when the read after an exec found the process gone or a zombie:
	 * fill in->got, comm, exe and cmdline from a read made at the exec
	 * event of `exec_mono_ns` (proc_execread.h), or return false. NULL:
	 * nothing to ask. */
	bool (*exec_snapshot)(void *userdata, int32_t pid, int64_t exec_mono_ns,
	                      struct procfs_info *in);
	void *exec_snapshot_data;
	/* Told whenever a read gives a process's command line (after an exec,
	 * at the seed, at a lookup), with when it exec'd (epoch ms; its start
	 * for a process seen at the seed): the request log watches for
	 * `systemctl stop` and its kind there (sigtrail/requests.h). NULL:
	 * nobody is told. */
	void (*on_program)(void *userdata, const struct ptab_proc *p, int64_t exec_epoch_ms);
	void *on_program_data;
};

struct ptab_stats {
	uint64_t procs;        /* entries now (live and lingering) */
	uint64_t lingering;    /* of which exited */
	uint64_t capacity;     /* hash slots */
	uint64_t string_bytes; /* bytes of strings held */
	uint64_t peak_procs;
	uint64_t forks, execs, exits; /* events applied (threads excluded) */
	uint64_t reads;               /* /proc reads done */
	uint64_t reads_gone;          /* reads that found the process gone */
	uint64_t reads_skipped;       /* refreshes never needed: the process exited first */
	uint64_t late_exec_reads;     /* exec reads too late, answered by the exec reader */
	uint64_t full;                /* processes not tracked because the table was full */
	uint64_t reused;              /* entries replaced because their pid was reused */
	uint64_t truncated;           /* command lines cut because of the string budget */
};

struct ptab;

/* Create an empty table. `clock` converts fork timestamps into start-time
 * estimates; it is copied, and ptab_set_clock() updates it. Returns 0 and
 * sets *ret, or -ENOMEM. */
int ptab_new(const struct ptab_config *cfg, const struct proc_clock *clock, struct ptab **ret);

/* Update the clock offsets (call after proc_clock_sample()). Can't fail. */
void ptab_set_clock(struct ptab *t, const struct proc_clock *clock);

/* Read every process under proc_root. Call after the connector has been
 * subscribed, so nothing is missed between the two. Returns the number of
 * processes added, or -errno when proc_root cannot be listed. */
int ptab_seed(struct ptab *t);

/* Apply one connector event: fork (copy the parent), exec (read again),
 * comm, exit (keep for linger_ns). Thread events are ignored. Can't fail:
 * when the table is full, the process is counted and not tracked. */
void ptab_on_event(struct ptab *t, const struct proc_ev *ev);

/* Do the reads that are due and forget processes that exited more than
 * linger_ns ago. At most `budget` reads, so a storm spreads over several
 * ticks. Returns the reads done. Can't fail. */
int ptab_tick(struct ptab *t, int64_t now_mono_ns, int budget);

/* When the next delayed read or expiry is due (CLOCK_MONOTONIC ns), so the
 * caller's loop can wake for it; INT64_MAX when nothing is queued. */
int64_t ptab_next_due(const struct ptab *t);

/* The process with thread group id `pid`, or NULL. No I/O. */
const struct ptab_proc *ptab_get(const struct ptab *t, int32_t pid);

/* Like ptab_get(), but brings the answer up to date first: a process not in
 * the table (a thread id is mapped to its thread group) or whose read is
 * still due is read from /proc now, and added if the table has room. NULL
 * when the process is unknown and gone. */
const struct ptab_proc *ptab_lookup(struct ptab *t, int32_t pid);

/* A signal's sender that exited before the table could read what its exec
 * changed (a script that kills and exits within a millisecond) keeps its
 * name, executable and command line unknown; the audit event itself names
 * them as the kernel saw them at the call (comm, exe, PROCTITLE). Fill what
 * the entry of pid does not know from them (any may be NULL). Can't fail. */
void ptab_note_sender(struct ptab *t, int32_t pid, const char *comm, const char *exe,
                      const char *cmdline);

/* The /proc tree the table reads (its config's proc_root). Can't fail. */
const char *ptab_proc_root(const struct ptab *t);

/* A recorded signal reached pid: mark it PTAB_SIGNALLED, so that its exit
 * is recorded whatever its age. Does nothing for a pid the table does not
 * hold. Can't fail. */
void ptab_note_signalled(struct ptab *t, int32_t pid);

/* The process's ancestors, itself first, following the parent that forked
 * each one, up to PTAB_MAX_DEPTH members or `max`, stopping at pid 1, at an
 * unknown parent, or at a parent that started after its child (its pid was
 * reused). Returns the number written to out[]. */
size_t ptab_ancestry(struct ptab *t, int32_t pid, const struct ptab_proc **out, size_t max);

/* Format an ancestry as "sh[1400] ← cleanup.sh[1390] ← crond[812] ←
 * systemd[1]" into buf (truncated on a member boundary, with "…" when cut).
 * A member without a comm is "?[PID]". Returns the length. Can't fail. */
size_t ptab_format_ancestry(const struct ptab_proc *const *chain, size_t n, char *buf, size_t size);

/* Counters and sizes. Can't fail. */
void ptab_stats(const struct ptab *t, struct ptab_stats *ret);

/* Free everything. Accepts NULL. */
void ptab_free(struct ptab *t);
