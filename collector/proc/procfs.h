/* Reading one process's files under /proc (or a fake tree for tests),
 * pinned to one process: every file is opened relative to a descriptor of
 * the /proc/PID directory, so if the process dies and its pid is reused
 * between two reads, the later reads fail (ESRCH/ENOENT) instead of
 * describing the newcomer. Processes vanish at any moment: a file that is
 * gone leaves its fields unknown and the rest stands. Not a public header:
 * only collector/proc and its tests include it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	PROCFS_COMM_MAX = 64,     /* 15 bytes of comm, \xNN-escaped */
	PROCFS_EXE_MAX = 1024,    /* escaped exe path kept (PATH_MAX is 4096) */
	PROCFS_CMDLINE_MAX = 4096 /* escaped command line kept */
};

/* What to read (a bit set). */
enum {
	PROCFS_STAT = 1 << 0,    /* ppid, start time, comm, state */
	PROCFS_STATUS = 1 << 1,  /* uid, thread group, pid in its own namespace */
	PROCFS_CMDLINE = 1 << 2, /* argv, NULs as spaces */
	PROCFS_EXE = 1 << 3,     /* needs ptrace access (CAP_SYS_PTRACE for other users) */
	PROCFS_CGROUP = 1 << 4,  /* the raw /proc/PID/cgroup text */
	PROCFS_PIDNS = 1 << 5,   /* inode of ns/pid; needs ptrace access too */
	PROCFS_COMM = 1 << 6,    /* the comm file alone (stat has it too, at a higher cost) */
	PROCFS_ALL = 0x3f,       /* everything but the comm file, which stat covers */
};

/* One process as read. `got` says which parts were read; the others hold
 * their "unknown" values (0, -1 or ""). */
struct procfs_info {
	unsigned got;               /* PROCFS_* bits actually read */
	int32_t pid;                /* as asked */
	int32_t ppid;               /* stat field 4 */
	char state;                 /* stat field 3: R S D Z X ... */
	uint64_t start_time;        /* stat field 22: clock ticks after boot */
	int32_t threads;            /* stat field 20, 0 unknown */
	int32_t exit_code;          /* stat field 52 of a zombie (its wait status), -1 unknown */
	char comm[PROCFS_COMM_MAX]; /* stat field 2 or the comm file, escaped */
	int64_t uid;                /* status Uid (real), -1 unknown */
	int32_t tgid;               /* status Tgid: differs from pid for a thread */
	int32_t nspid;              /* status NSpid, last value: 1 for a namespace's init */
	uint64_t pidns;             /* ns/pid inode */
	char exe[PROCFS_EXE_MAX];   /* escaped */
	char cmdline[PROCFS_CMDLINE_MAX]; /* escaped, NULs between arguments as spaces */
	size_t cgroup_len;                /* bytes in cgroup[] */
	char cgroup[2048];                /* raw text of /proc/PID/cgroup, NUL-terminated */
};

/* Parse the text of /proc/PID/stat into info's stat fields. Returns 0, or
 * -EINVAL when it does not have the "PID (COMM) S PPID ..." shape up to the
 * start time. Pure. */
int procfs_parse_stat(const char *text, size_t len, struct procfs_info *info);

/* Parse the text of /proc/PID/status into uid, tgid and nspid. Returns 0,
 * or -EINVAL when the Uid line is missing. Pure. */
int procfs_parse_status(const char *text, size_t len, struct procfs_info *info);

/* Read the parts `what` of process `pid` under `root` ("/proc" or a test
 * tree) into *ret (fully overwritten). Returns 0 when the stat part (if
 * asked) was read: other parts may still be missing (ret->got says);
 * -ESRCH when the process does not exist (or died during the reads of the
 * part asked first), -EINVAL when pid <= 0, -errno otherwise. */
int procfs_read(const char *root, int32_t pid, unsigned what, struct procfs_info *ret);

/* Is `name` (a /proc directory entry) a pid? Returns it, or 0. Pure. */
int32_t procfs_pid_of(const char *name);
