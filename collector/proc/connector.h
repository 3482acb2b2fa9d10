/* The proc connector (NETLINK_CONNECTOR, CN_IDX_PROC): the kernel's
 * multicast of every fork, exec, comm change, core dump and exit, with the
 * exit code that says whether a signal ended the process. Subscribing needs
 * CAP_NET_ADMIN (once, at open); reading does not. Not a public header: only
 * collector/proc and its tests include it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum proc_ev_kind {
	PROC_EV_OTHER,    /* gid/sid/ptrace changes and anything newer: ignored */
	PROC_EV_ACK,      /* the kernel's answer to our subscription; err in exit_code */
	PROC_EV_FORK,     /* a new task: pid/tgid the child, parent_* the parent */
	PROC_EV_EXEC,     /* pid/tgid ran execve() */
	PROC_EV_COMM,     /* pid/tgid changed its comm (prctl PR_SET_NAME) */
	PROC_EV_COREDUMP, /* pid/tgid starts dumping core (before its exit) */
	PROC_EV_EXIT,     /* pid/tgid exited; exit_code and parent_* */
	PROC_EV_UID,      /* pid/tgid changed its uids (setuid() and friends): ruid, euid */
};

/* One decoded connector event. pid is the task (a thread id for threads),
 * tgid its process; the table follows processes, so events with
 * pid != tgid are about threads. */
struct proc_ev {
	enum proc_ev_kind kind;
	uint32_t cpu;        /* the CPU that sent it */
	int64_t mono_ns;     /* CLOCK_MONOTONIC nanoseconds at the event (ktime_get_ns) */
	int32_t pid, tgid;   /* the task and its thread group */
	int32_t parent_pid;  /* FORK: the forking task; EXIT/COREDUMP: the parent, 0 when
	                        the kernel no longer knew it (an autoreaped task) */
	int32_t parent_tgid; /* the parent's thread group, 0 likewise */
	uint32_t exit_code;  /* EXIT: the kernel's exit_code (wait status); ACK: errno */
	int32_t exit_signal; /* EXIT: the signal the parent is sent (SIGCHLD; -1 threads) */
	char comm[17];       /* COMM: the new name, NUL-terminated (not escaped) */
	uint32_t ruid, euid; /* UID: the new real and effective uid */
};

/* The signal that ended the task (1..64), 0 when it exited normally. */
static inline int proc_ev_death_signal(const struct proc_ev *ev)
{
	int sig = (int)(ev->exit_code & 0x7f);
	return sig == 0x7f ? 0 : sig; /* 0x7f is a stop status, never an exit */
}

/* The task dumped core (WCOREDUMP): exit_code & 0x80 with a signal. */
static inline bool proc_ev_core_dumped(const struct proc_ev *ev)
{
	return proc_ev_death_signal(ev) != 0 && (ev->exit_code & 0x80);
}

/* The exit status of a normal exit (0..255); meaningless after a signal. */
static inline int proc_ev_exit_status(const struct proc_ev *ev)
{
	return (int)((ev->exit_code >> 8) & 0xff);
}

enum {
	CONN_MAX_EVENTS = 16, /* events decoded from one datagram at most */
	CONN_BATCH = 64,      /* datagrams received per system call */
	CONN_DGRAM_MAX = 1024 /* one proc connector datagram is under 100 bytes */
};

/* Decode one datagram as recv() returned it (one or more netlink messages,
 * each a cn_msg with one proc_event) into out[0..max). Messages that are not
 * from the proc connector, or too short for their kind, are skipped and
 * counted in *ret_malformed (may be NULL). Older kernels whose exit events
 * lack the parent fields give parent_pid 0.
 * Returns the number of events written. Can't fail. */
size_t conn_parse(const void *buf, size_t len, struct proc_ev *out, size_t max,
                  uint64_t *ret_malformed);

/* The events a subscription asks for. Linux >= 6.6 sends only those; an
 * older kernel sends every event, and conn_read() hands them all over. */
enum conn_events {
	CONN_ALL,   /* fork, exec, uid, comm, core dump, exit: the process table's */
	CONN_EXECS, /* exec only: the exec reader's (proc_execread.h) */
};

/* An open subscription. */
struct conn {
	int fd;                   /* netlink socket, non-blocking, close-on-exec */
	enum conn_events which;   /* what it asked for */
	bool filtered;            /* the kernel took the event set (Linux >= 6.6) */
	uint64_t events;          /* events decoded */
	uint64_t overruns;        /* ENOBUFS: the socket overflowed and events were lost */
	uint64_t malformed;       /* datagrams or messages that could not be decoded */
	uint32_t seq;             /* sequence number of our next control message */
	struct conn_batch *batch; /* receive buffers: many datagrams per recvmmsg() */
};

/* Open the socket, enlarge its receive buffer, join CN_IDX_PROC, subscribe
 * (PROC_CN_MCAST_LISTEN) and wait up to one second for the kernel's
 * acknowledgement; then ask, where the kernel supports it, for only the
 * events `which` names. Returns 0, or -EPERM without
 * CAP_NET_ADMIN, -EPROTONOSUPPORT without CONFIG_PROC_EVENTS, -ETIMEDOUT when
 * the kernel never answered (a process outside the initial pid or user
 * namespace is refused silently), or another -errno. *c is usable only on
 * success. */
int conn_open(struct conn *c, enum conn_events which);

/* Called for each event by conn_read(). */
typedef void (*conn_event_fn)(void *userdata, const struct proc_ev *ev);

/* Read the datagrams waiting now, at most `max` (in batches of
 * CONN_BATCH per system call), and hand every decoded event to `fn`. An
 * overrun is counted and reading goes on.
 * Returns the number of datagrams read (0: none waiting), or -errno. */
int conn_read(struct conn *c, int max, conn_event_fn fn, void *userdata);

/* Unsubscribe (so the kernel stops building events nobody reads) and close.
 * Accepts a connection never opened (fd -1). */
void conn_close(struct conn *c);
