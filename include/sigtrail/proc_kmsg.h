/* The kernel log (/dev/kmsg) and the OOM killer's lines in it. The OOM
 * killer writes no audit record: its two lines in the kernel log are the only
 * trace of who it killed and why.
 *   oom.c:  pure parsing of one record and of the OOM lines, and the merge of
 *           an "oom-kill:" line with its "Killed process" line;
 *   kmsg.c: the non-blocking reader (open at the end, read records, count
 *           overruns). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	KMSG_RECORD_MAX = 8192, /* the kernel's CONSOLE_EXT_LOG_MAX: one read() */
	OOM_TEXT_MAX = 256,     /* a memcg path or constraint, as the kernel wrote it */
	OOM_COMM_MAX = 64,      /* a comm of 15 bytes, \xNN-escaped by the kernel */
	OOM_PENDING = 8,        /* "oom-kill:" lines waiting for their "Killed" line */
};

/* One /dev/kmsg record: "PRI,SEQ,TS_USEC,FLAGS[,...];MESSAGE\n[ KEY=VAL\n]...". */
struct kmsg_record {
	int facility;    /* PRI >> 3: 0 for the kernel */
	int level;       /* PRI & 7: 3 is KERN_ERR */
	uint64_t seq;    /* the record's sequence number */
	int64_t ts_us;   /* the kernel's local clock, microseconds since boot */
	const char *msg; /* the message, not NUL-terminated; points into the input */
	size_t msg_len;  /* its length, without the newline */
};

/* Split one record as read() returns it. Returns 0, or -EINVAL for a record
 * without the "PRI,SEQ,TS,FLAGS;" prefix or with numbers out of range. */
int kmsg_parse_record(const char *buf, size_t len, struct kmsg_record *ret);

/* A number the kernel did not print (older kernels print fewer fields). */
#define OOM_UNKNOWN INT64_MIN

/* One victim of the OOM killer, from its two kernel log lines. Numbers not
 * printed by this kernel are OOM_UNKNOWN; strings not printed are "". */
struct oom_kill {
	int32_t pid;                   /* the victim (a thread group id) */
	int64_t uid;                   /* its uid */
	char comm[OOM_COMM_MAX];       /* its comm, as escaped by the kernel */
	char constraint[32];           /* CONSTRAINT_NONE, _MEMCG, _CPUSET, _MEMORY_POLICY */
	char oom_memcg[OOM_TEXT_MAX];  /* the memory cgroup that hit its limit ("" global) */
	char task_memcg[OOM_TEXT_MAX]; /* the victim's memory cgroup */
	int64_t total_vm_kb;           /* virtual size */
	int64_t anon_rss_kb, file_rss_kb, shmem_rss_kb; /* resident, by kind */
	int64_t rss_kb;                                 /* the three together: what it held */
	int64_t oom_score_adj;                          /* -1000..1000 */
	int64_t memcg_usage_kb, memcg_limit_kb; /* the cgroup's "memory: usage N, limit N" line */
	bool memcg;                             /* "Memory cgroup out of memory": a cgroup limit */
	bool have_summary; /* the "oom-kill:" line was seen (kernels >= 4.19) */
	int64_t ts_us;     /* kernel clock of the "Killed process" line */
};

/* What one message line is. */
enum oom_line {
	OOM_LINE_OTHER,   /* not an OOM killer line (or one we do not need) */
	OOM_LINE_SUMMARY, /* "oom-kill:constraint=...,task=NAME,pid=N,uid=N" */
	OOM_LINE_KILLED,  /* "...: Killed process N (comm) total-vm:...kB, ..." */
};

/* Parse one message (a kmsg_record's msg) into the fields its kind carries;
 * the other fields of *ret are untouched, so a caller can merge. Returns the
 * kind; OOM_LINE_OTHER also for a malformed OOM line (nothing is guessed). */
enum oom_line oom_parse_line(const char *msg, size_t len, struct oom_kill *ret);

/* Merges each "oom-kill:" summary with the "Killed process" line that follows
 * it for the same pid (other CPUs' lines may come in between). */
struct oom_asm {
	struct oom_kill pending[OOM_PENDING]; /* summaries waiting, oldest overwritten */
	unsigned next;                        /* slot of the next summary */
	uint64_t unmatched;                   /* summaries overwritten before their line */
	int64_t usage_kb, limit_kb; /* the last "memory: usage NkB, limit NkB" line, for the
	                               next kill (OOM_UNKNOWN: none since the last) */
};

/* Empty the assembler. Can't fail. */
void oom_asm_init(struct oom_asm *a);

/* Feed one kernel log message. Returns 1 and fills *ret when it completes a
 * victim (the "Killed process" line, merged with its summary when one was
 * seen), 0 otherwise. Can't fail. */
int oom_asm_feed(struct oom_asm *a, const char *msg, size_t len, int64_t ts_us,
                 struct oom_kill *ret);

/* The reader of /dev/kmsg. */
struct kmsg_reader {
	int fd;             /* O_RDONLY|O_NONBLOCK|O_CLOEXEC, positioned at the end at open */
	struct oom_asm oom; /* OOM lines in flight */
	uint64_t records;   /* records read */
	uint64_t overruns;  /* EPIPE: records overwritten in the ring before we read them */
	uint64_t malformed; /* records without a valid prefix */
	char buf[KMSG_RECORD_MAX + 1];
};

/* Open `path` (normally "/dev/kmsg"; tests pass a FIFO or a file) and seek
 * to its end, so only what the kernel logs from now on is read (a SEEK_END
 * that the file does not support is ignored). Needs CAP_SYSLOG when
 * kernel.dmesg_restrict is 1, at open time only. Returns 0 or -errno
 * (-EPERM, -EACCES, -ENOENT); *r is ready for kmsg_read() on success. */
int kmsg_open(struct kmsg_reader *r, const char *path);

/* Called for each OOM victim; `userdata` is kmsg_read()'s. */
typedef void (*kmsg_oom_fn)(void *userdata, const struct oom_kill *victim);

/* Read the records available now, at most `max` of them so a flood cannot
 * starve the caller's loop, and report OOM victims through `fn`. An overrun
 * (the kernel's ring wrapped past us) is counted and reading goes on.
 * Returns the number of records read (0 when none was waiting), or -errno
 * for a read error other than EAGAIN/EPIPE/EINTR. */
int kmsg_read(struct kmsg_reader *r, int max, kmsg_oom_fn fn, void *userdata);

/* Close the file. Accepts a reader never opened (fd -1) or already closed. */
void kmsg_close(struct kmsg_reader *r);
