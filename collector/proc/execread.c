/* execread.c: the exec reader (proc_execread.h). One thread, woken by the
 * kernel at each exec event, reads the new program's comm, exe and command
 * line at once and keeps them in a small ring that the process table asks
 * when its own read found the process gone or a zombie. At SCHED_FIFO it
 * runs as soon as the exec is reported, ahead of whatever else wants the
 * CPU: a crash two milliseconds after its exec, on a host whose cores are
 * busy, still has its command line. Its real-time work is bounded: at most
 * EXECREAD_PER_S reads a second, and none for an event it got too late.
 * Exercise it with the kernel suite's proc_crash (which crashes programs
 * while every core is busy) and watch its counters in sigtraild's stop
 * line ("exec reader"). */
#include "sigtrail/clock.h"
#include "sigtrail/proc_execread.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "connector.h"
#include "procfs.h"

enum { READ_BATCH = 64 };

struct snapshot {
	int32_t pid; /* 0: free */
	unsigned got;
	int64_t mono_ns;
	char comm[PROCFS_COMM_MAX];
	char exe[PROCFS_EXE_MAX];
	char cmdline[PROCFS_CMDLINE_MAX];
};

struct execread {
	const char *proc_root;
	struct conn conn;
	int stop_fd; /* eventfd: written by execread_stop() */
	pthread_t thread;
	bool started;
	/* The thread's own: its scratch read and its budget. */
	struct procfs_info scratch;
	int64_t window_ns;
	uint32_t window_reads;
	/* Shared, under lock. */
	pthread_mutex_t lock;
	struct snapshot slots[EXECREAD_SLOTS];
	unsigned next; /* the slot to fill next */
	struct execread_stats st;
};

/* May this event be read now? Within the second's budget, and only while
 * it is fresh: a late read helps nobody (the main loop reads late too). */
static bool worth_reading(struct execread *x, const struct proc_ev *ev, int64_t now)
{
	if (now - ev->mono_ns > EXECREAD_FRESH_MS * INT64_C(1000000))
		return false;
	if (now - x->window_ns >= 1000000000 || now < x->window_ns) {
		x->window_ns = now;
		x->window_reads = 0;
	}
	if (x->window_reads >= EXECREAD_PER_S)
		return false;
	x->window_reads++;
	return true;
}

static void on_event(void *userdata, const struct proc_ev *ev)
{
	struct execread *x = userdata;
	struct procfs_info *in = &x->scratch;
	bool read = false;

	if (ev->kind != PROC_EV_EXEC)
		return; /* an older kernel sends every event */
	bool worth = worth_reading(x, ev, now_mono_ns());
	if (worth)
		read = procfs_read(x->proc_root, ev->tgid,
		                   PROCFS_COMM | PROCFS_EXE | PROCFS_CMDLINE, in) == 0 &&
		       (in->got & PROCFS_CMDLINE);
	pthread_mutex_lock(&x->lock);
	x->st.execs++;
	if (!worth) {
		x->st.skipped++;
	} else if (!read) {
		x->st.gone++;
	} else {
		struct snapshot *s = &x->slots[x->next];
		x->next = (x->next + 1) % EXECREAD_SLOTS;
		s->pid = ev->tgid;
		s->mono_ns = ev->mono_ns;
		s->got = in->got;
		memcpy(s->comm, in->comm, sizeof(s->comm));
		memcpy(s->exe, in->exe, sizeof(s->exe));
		memcpy(s->cmdline, in->cmdline, sizeof(s->cmdline));
		x->st.reads++;
	}
	pthread_mutex_unlock(&x->lock);
}

/* Touch every page the thread writes (its ring, its scratch read, the
 * stack procfs_read() uses) before the first event: a page fault takes the
 * process's mmap lock, which another thread's mmap or munmap (SQLite's WAL
 * index, the allocator) can hold for milliseconds, and a late read is a
 * lost command line. */
static void prefault(struct execread *x)
{
	volatile unsigned char stack[64 * 1024];

	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
	/* Only the thread's own parts: the rest is shared under the lock. */
	memset(&x->scratch, 0, sizeof(x->scratch));
	pthread_mutex_lock(&x->lock);
	memset(x->slots, 0, sizeof(x->slots));
	pthread_mutex_unlock(&x->lock);
}

static void *run(void *arg)
{
	struct execread *x = arg;
	bool rt = sched_getscheduler(0) == SCHED_FIFO; /* inherited from its starter */

	prefault(x);

	pthread_mutex_lock(&x->lock);
	x->st.realtime = rt;
	pthread_mutex_unlock(&x->lock);
	for (;;) {
		struct pollfd p[2] = {{.fd = x->conn.fd, .events = POLLIN},
		                      {.fd = x->stop_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (conn_read(&x->conn, READ_BATCH, on_event, x) < 0)
			break; /* the table's own reads go on */
		pthread_mutex_lock(&x->lock);
		x->st.overruns = x->conn.overruns;
		pthread_mutex_unlock(&x->lock);
	}
	return NULL;
}

int execread_open(const char *proc_root, struct execread **ret)
{
	struct execread *x = calloc(1, sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	x->proc_root = proc_root;
	x->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->stop_fd < 0) {
		r = -errno;
		free(x);
		return r;
	}
	r = conn_open(&x->conn, CONN_EXECS);
	if (r < 0) {
		(void)close(x->stop_fd);
		free(x);
		return r;
	}
	pthread_mutex_init(&x->lock, NULL);
	*ret = x;
	return 0;
}

int execread_start(struct execread *x)
{
	int r = pthread_create(&x->thread, NULL, run, x);

	if (r != 0)
		return -r;
	(void)pthread_setname_np(x->thread, "sigtrail-exec"); /* top -H, ps -L */
	x->started = true;
	return 0;
}

bool execread_take(struct execread *x, int32_t pid, int64_t exec_mono_ns, struct procfs_info *in)
{
	bool found = false;

	pthread_mutex_lock(&x->lock);
	for (size_t i = 0; i < EXECREAD_SLOTS && !found; i++) {
		struct snapshot *s = &x->slots[i];
		if (s->pid != pid || s->mono_ns != exec_mono_ns)
			continue;
		in->got = s->got;
		memcpy(in->comm, s->comm, sizeof(in->comm));
		memcpy(in->exe, s->exe, sizeof(in->exe));
		memcpy(in->cmdline, s->cmdline, sizeof(in->cmdline));
		s->pid = 0;
		x->st.taken++;
		found = true;
	}
	pthread_mutex_unlock(&x->lock);
	return found;
}

void execread_stats(struct execread *x, struct execread_stats *ret)
{
	pthread_mutex_lock(&x->lock);
	*ret = x->st;
	pthread_mutex_unlock(&x->lock);
}

void execread_stop(struct execread *x)
{
	if (!x)
		return;
	if (x->started) {
		(void)!write(x->stop_fd, &(uint64_t){1}, sizeof(uint64_t));
		pthread_join(x->thread, NULL);
	}
	conn_close(&x->conn);
	(void)close(x->stop_fd);
	pthread_mutex_destroy(&x->lock);
	free(x);
}
