/* proctable.c: the process table: what it knows of each process and when it
 * learns it. Its memory (ptab_slots.c: an open-addressing hash of pid ->
 * process, sized to the live process count with a hard cap, and two
 * time-ordered queues) holds processes waiting for their /proc read
 * (refresh_delay_ns after a fork or exec) and exited processes waiting to be
 * forgotten (linger_ns after their exit). The file is laid out as: reading
 * /proc, connector events, lookups, ancestry, life cycle.
 * Exercise it with `meson test -C build proc_table` (a fake /proc tree), or
 * live as root: the kernel suite's proc_* tests, and
 * `build/tests/proc/forkbench` for its cost under a fork/exec storm. */
#include "sigtrail/proc_table.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/decode.h"

#include "cgroup.h"
#include "clock.h"
#include "connector.h"
#include "procfs.h"
#include "ptab_internal.h"

/* --- reading /proc ---------------------------------------------------------------- */

/* Clock ticks after boot at a CLOCK_MONOTONIC time, as the kernel computes
 * start_time (nsec_to_clock_t of CLOCK_BOOTTIME). */
static uint64_t ticks_at(const struct ptab *t, int64_t mono_ns)
{
	int64_t boot_ns = mono_ns + (t->clock.real_minus_mono_ns - t->clock.real_minus_boot_ns);

	if (boot_ns < 0)
		return 0;
	return (uint64_t)(boot_ns / (1000000000 / t->clock.ticks_per_s));
}

static bool same_start(uint64_t a, uint64_t b, bool guessed)
{
	if (guessed)
		return a + 1 >= b && b + 1 >= a;
	return a == b;
}

/* What an exec changes, and what only a fork can. */
enum {
	EXEC_PART = PROCFS_COMM | PROCFS_CMDLINE | PROCFS_EXE | PROCFS_CGROUP,
	ID_PART = PROCFS_STAT | PROCFS_STATUS | PROCFS_PIDNS,
};

/* Copy what a read of the parts `asked` found into p; parts not asked keep
 * their values, parts asked and not found become unknown. */
static void apply_info(struct ptab *t, struct ptab_proc *p, const struct procfs_info *in,
                       unsigned asked, bool take_ppid)
{
	struct cgroup_info cg;
	bool have_cg = false;
	const char *exe = p->exe, *cmdline = p->cmdline;

	if (in->got & PROCFS_STAT) {
		p->start_time = in->start_time;
		p->flags &= ~(uint32_t)PTAB_START_GUESS;
		if (take_ppid || p->ppid == 0)
			p->ppid = in->ppid;
	}
	if (in->got & (PROCFS_STAT | PROCFS_COMM))
		memcpy(p->comm, in->comm, sizeof(p->comm));
	if (in->got & PROCFS_STATUS) {
		p->uid = in->uid;
		p->nspid = in->nspid;
	}
	if (in->got & PROCFS_PIDNS)
		p->pidns = in->pidns;
	if (in->got & PROCFS_CGROUP)
		have_cg = cgroup_parse_file(in->cgroup, in->cgroup_len, &cg) >= 0;
	if (asked & PROCFS_EXE)
		exe = (in->got & PROCFS_EXE) ? in->exe : NULL;
	if (asked & PROCFS_CMDLINE)
		cmdline = (in->got & PROCFS_CMDLINE) ? in->cmdline : NULL;
	pt_strings_set(t, p, exe, cmdline, have_cg ? (cg.unit[0] ? cg.unit : NULL) : p->unit,
	               have_cg ? (cg.container[0] ? cg.container : NULL) : p->container);
	if (have_cg)
		p->runtime = cg.container[0] ? cg.runtime : NULL;
	if ((asked & PROCFS_CMDLINE) && p->cmdline && t->cfg.on_program && p != &t->overflow)
		t->cfg.on_program(t->cfg.on_program_data, p,
		                  p->exec_mono_ns
		                      ? proc_clock_mono_to_epoch_ms(&t->clock, p->exec_mono_ns)
		                      : proc_clock_ticks_to_epoch_ms(&t->clock, p->start_time));
}

/* What an exec changes that only a live process shows: its name (a
 * zombie's stat still has it), executable and command line. */
enum { EXEC_STRINGS = PROCFS_COMM | PROCFS_EXE | PROCFS_CMDLINE };

/* The read after p's exec came too late (the process is gone or a zombie):
 * take the exec reader's snapshot into in, if it has one. Returns whether
 * it did; in's other parts stand. */
static bool late_exec_read(struct ptab *t, struct ptab_proc *p, unsigned what,
                           struct procfs_info *in)
{
	struct procfs_info snap;

	if (!t->cfg.exec_snapshot || !(p->flags & PTAB_EXEC_UNREAD) || !(what & PROCFS_CMDLINE) ||
	    p->exec_mono_ns == 0)
		return false;
	snap.got = 0;
	if (!t->cfg.exec_snapshot(t->cfg.exec_snapshot_data, p->pid, p->exec_mono_ns, &snap))
		return false;
	t->st.late_exec_reads++;
	in->got = (in->got & ~(unsigned)EXEC_STRINGS) | (snap.got & EXEC_STRINGS);
	memcpy(in->comm, snap.comm, sizeof(in->comm));
	memcpy(in->exe, snap.exe, sizeof(in->exe));
	memcpy(in->cmdline, snap.cmdline, sizeof(in->cmdline));
	return true;
}

/* Read the parts of p that are due (or `only` those, when not 0) from /proc
 * now. A process that is gone keeps what it has. */
static void refresh_parts(struct ptab *t, struct ptab_proc *p, unsigned only)
{
	struct procfs_info *in = t->scratch;
	unsigned what = 0;
	int r;

	if (p->flags & PTAB_EXEC_UNREAD)
		what |= EXEC_PART;
	if (p->flags & PTAB_UNCONFIRMED)
		what |= ID_PART;
	if (only)
		what &= only;
	if (p->queue == Q_REFRESH)
		pt_q_remove(t, p);
	t->st.reads++;
	r = what ? procfs_read(t->cfg.proc_root, p->pid, what, in) : -ESRCH;
	if (r == 0 && (in->got & PROCFS_STAT) && p->start_time != 0 &&
	    !same_start(p->start_time, in->start_time, p->flags & PTAB_START_GUESS))
		r = -ESRCH; /* another process has the pid now: ours is gone */
	if (r < 0) {
		t->st.reads_gone++;
		p->flags |= PTAB_PARTIAL;
		if (late_exec_read(t, p, what, in)) {
			in->got &= EXEC_STRINGS; /* the rest may be another process's */
			apply_info(t, p, in, what & EXEC_STRINGS, false);
		}
		p->flags &= ~(uint32_t)(PTAB_STALE | PTAB_EXEC_UNREAD | PTAB_UNCONFIRMED);
		return;
	}
	/* A zombie (it exited after the event) has no exe and no command line
	 * any more: keep what we had, unless an exec made that wrong. */
	if ((in->got & PROCFS_STAT) && (in->state == 'Z' || in->state == 'X')) {
		if (!(p->flags & PTAB_EXEC_UNREAD))
			what &= ~(unsigned)(PROCFS_EXE | PROCFS_CMDLINE);
		p->flags |= PTAB_PARTIAL;
	}
	/* No command line after an exec: it exited before this read (a
	 * zombie's is empty). Then what the exec reader read in time. */
	if ((what & PROCFS_CMDLINE) && !(in->got & PROCFS_CMDLINE))
		(void)late_exec_read(t, p, what, in);
	apply_info(t, p, in, what, false);
	if (what & PROCFS_CMDLINE)
		p->flags &= ~(uint32_t)PTAB_EXEC_UNREAD;
	if (what & PROCFS_STAT)
		p->flags &= ~(uint32_t)PTAB_UNCONFIRMED;
	if (!(p->flags & (PTAB_EXEC_UNREAD | PTAB_UNCONFIRMED)))
		p->flags &= ~(uint32_t)PTAB_STALE;
}

static void refresh(struct ptab *t, struct ptab_proc *p)
{
	refresh_parts(t, p, 0);
}

/* After an exec: read what it changed now, while this second's eager reads
 * last, else queue it for refresh_delay_ns after `now` (under a fork storm
 * most processes are gone by then and cost nothing). A confirmation still
 * due from the fork waits in the queue. */
static void schedule_exec_read(struct ptab *t, struct ptab_proc *p, int64_t now)
{
	p->flags |= PTAB_STALE | PTAB_EXEC_UNREAD;
	if (now - t->eager_window >= 1000000000 || now < t->eager_window) {
		t->eager_window = now;
		t->eager_used = 0;
	}
	if (t->cfg.refresh_delay_ns <= 0 || t->eager_used < t->cfg.eager_reads_per_s) {
		t->eager_used++;
		refresh_parts(t, p, EXEC_PART);
		if (p->flags & PTAB_STALE)
			pt_q_append(t, p, Q_REFRESH, now + t->cfg.refresh_delay_ns);
	} else {
		pt_q_append(t, p, Q_REFRESH, now + t->cfg.refresh_delay_ns);
	}
}

/* After a fork: the copy of the parent is right until the child execs;
 * confirm its start time, namespace and pid in it later, if it lives. */
static void schedule_confirm(struct ptab *t, struct ptab_proc *p, int64_t now)
{
	p->flags |= PTAB_STALE | PTAB_UNCONFIRMED;
	pt_q_append(t, p, Q_REFRESH, now + t->cfg.refresh_delay_ns);
}

/* A new entry from a /proc read (seed and lookups). */
static struct ptab_proc *insert_read(struct ptab *t, const struct procfs_info *in)
{
	struct ptab_proc *p = pt_create(t, in->pid);

	if (!p) {
		/* Full: answer from a scratch entry that lives until the next call. */
		p = &t->overflow;
		pt_strings_free(t, p);
		memset(p, 0, sizeof(*p));
		p->pid = in->pid;
		p->uid = -1;
	}
	apply_info(t, p, in, PROCFS_ALL, true);
	return p;
}

/* --- connector events ------------------------------------------------------------- */

static void ev_fork(struct ptab *t, const struct proc_ev *ev)
{
	struct ptab_proc *parent, *p;

	t->st.forks++;
	p = pt_create(t, ev->tgid);
	if (!p)
		return;
	parent = t->slots[pt_find_slot(t, ev->parent_tgid)]; /* after: proc_create may evict */
	p->ppid = ev->parent_tgid;
	p->fork_mono_ns = ev->mono_ns;
	p->start_time = ticks_at(t, ev->mono_ns);
	p->flags = PTAB_START_GUESS;
	if (parent) {
		/* Same program, same arguments, same cgroup, until it execs or
		 * moves; the namespace and the uid are checked by the read. */
		p->uid = parent->uid;
		p->pidns = parent->pidns;
		p->runtime = parent->runtime;
		memcpy(p->comm, parent->comm, sizeof(p->comm));
		p->flags |= parent->flags & PTAB_EXEC_UNREAD;
		pt_strings_set(t, p, parent->exe, parent->cmdline, parent->unit, parent->container);
	}
	schedule_confirm(t, p, ev->mono_ns);
}

static void ev_exec(struct ptab *t, const struct proc_ev *ev)
{
	struct ptab_proc *p = t->slots[pt_find_slot(t, ev->tgid)];

	t->st.execs++;
	if (!p) {
		p = pt_create(t, ev->tgid);
		if (!p)
			return;
		p->flags |= PTAB_UNCONFIRMED; /* its fork was missed: read all of it */
	}
	if (p->flags & PTAB_EXITED)
		return; /* a late event for a pid we already buried */
	/* The old program's name, path and arguments are wrong now. */
	p->exec_mono_ns = ev->mono_ns;
	p->comm[0] = '\0';
	pt_strings_set(t, p, NULL, NULL, p->unit, p->container);
	schedule_exec_read(t, p, ev->mono_ns);
}

static void ev_exit(struct ptab *t, const struct proc_ev *ev)
{
	struct ptab_proc *p = t->slots[pt_find_slot(t, ev->tgid)];

	t->st.exits++;
	if (!p || (p->flags & PTAB_EXITED))
		return;
	if (p->queue == Q_REFRESH)
		t->st.reads_skipped++;
	p->flags |= PTAB_EXITED;
	p->exit_mono_ns = ev->mono_ns;
	p->exit_code = ev->exit_code;
	t->st.lingering++;
	pt_q_append(t, p, Q_LINGER, ev->mono_ns + t->cfg.linger_ns);
}

void ptab_on_event(struct ptab *t, const struct proc_ev *ev)
{
	struct ptab_proc *p;

	/* Threads share their process's entry: a new thread is no new
	 * process, and only the leader's exit ends it. */
	if ((ev->kind == PROC_EV_FORK || ev->kind == PROC_EV_EXIT) && ev->pid != ev->tgid)
		return;
	switch (ev->kind) {
	case PROC_EV_FORK:
		ev_fork(t, ev);
		break;
	case PROC_EV_EXEC:
		ev_exec(t, ev);
		break;
	case PROC_EV_EXIT:
		ev_exit(t, ev);
		break;
	case PROC_EV_UID:
		/* setuid() in any thread changes the process's credentials. */
		p = t->slots[pt_find_slot(t, ev->tgid)];
		if (p)
			p->uid = ev->ruid;
		break;
	case PROC_EV_COMM:
		/* Only the leader's name is the process's comm (/proc/PID/comm). */
		p = t->slots[pt_find_slot(t, ev->tgid)];
		if (p && ev->pid == ev->tgid)
			decode_escape_bytes((const unsigned char *)ev->comm, strlen(ev->comm),
			                    p->comm, sizeof(p->comm));
		break;
	default:
		break;
	}
}

int ptab_tick(struct ptab *t, int64_t now_mono_ns, int budget)
{
	int reads = 0;

	while (t->refresh.head && t->refresh.head->due_mono_ns <= now_mono_ns && reads < budget) {
		refresh(t, t->refresh.head);
		reads++;
	}
	while (t->linger.head && t->linger.head->due_mono_ns <= now_mono_ns)
		pt_forget(t, t->linger.head);
	if (t->cap > MIN_SLOTS && t->count * 8 < t->cap)
		(void)pt_rehash(t, t->cap / 2); /* on failure the bigger table stays */
	return reads;
}

int64_t ptab_next_due(const struct ptab *t)
{
	int64_t due = INT64_MAX;

	if (t->refresh.head)
		due = t->refresh.head->due_mono_ns;
	if (t->linger.head && t->linger.head->due_mono_ns < due)
		due = t->linger.head->due_mono_ns;
	return due;
}

/* --- lookups -------------------------------------------------------------------------- */

const struct ptab_proc *ptab_get(const struct ptab *t, int32_t pid)
{
	return pid > 0 ? t->slots[pt_find_slot(t, pid)] : NULL;
}

const struct ptab_proc *ptab_lookup(struct ptab *t, int32_t pid)
{
	struct ptab_proc *p;

	if (pid <= 0)
		return NULL;
	p = t->slots[pt_find_slot(t, pid)];
	if (p) {
		if ((p->flags & PTAB_STALE) && !(p->flags & PTAB_EXITED))
			refresh(t, p);
		return p;
	}
	t->st.reads++;
	if (procfs_read(t->cfg.proc_root, pid, PROCFS_ALL, t->scratch) < 0) {
		t->st.reads_gone++;
		return NULL;
	}
	/* A thread id (tkill/tgkill targets threads): its process answers. */
	if (t->scratch->tgid > 0 && t->scratch->tgid != pid)
		return ptab_lookup(t, t->scratch->tgid);
	return insert_read(t, t->scratch);
}

int ptab_seed(struct ptab *t)
{
	DIR *d = opendir(t->cfg.proc_root);
	struct dirent *de;
	int added = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int32_t pid = procfs_pid_of(de->d_name);
		if (pid == 0 || t->slots[pt_find_slot(t, pid)])
			continue;
		t->st.reads++;
		if (procfs_read(t->cfg.proc_root, pid, PROCFS_ALL, t->scratch) < 0) {
			t->st.reads_gone++;
			continue;
		}
		if (insert_read(t, t->scratch) != &t->overflow)
			added++;
	}
	closedir(d);
	return added;
}

/* --- ancestry ------------------------------------------------------------------------ */

size_t ptab_ancestry(struct ptab *t, int32_t pid, const struct ptab_proc **out, size_t max)
{
	size_t n = 0;
	const struct ptab_proc *cur;

	if (max > PTAB_MAX_DEPTH)
		max = PTAB_MAX_DEPTH;
	t->no_evict = true; /* earlier members must survive the later lookups */
	cur = ptab_lookup(t, pid);
	while (cur && n < max) {
		out[n++] = cur;
		if (cur->pid == 1 || cur->ppid <= 0 || cur->ppid == cur->pid || cur == &t->overflow)
			break;
		const struct ptab_proc *parent = ptab_lookup(t, cur->ppid);
		/* A parent younger than its child is a reused pid. */
		if (!parent || parent == &t->overflow ||
		    (parent->start_time && cur->start_time &&
		     parent->start_time > cur->start_time + 1))
			break;
		cur = parent;
	}
	t->no_evict = false;
	return n;
}

void ptab_note_sender(struct ptab *t, int32_t pid, const char *comm, const char *exe,
                      const char *cmdline)
{
	struct ptab_proc *p = t->slots[pt_find_slot(t, pid)];

	if (!p || (p->flags & PTAB_EXEC_UNREAD))
		return; /* a read is still due: it knows better */
	if (!p->comm[0] && comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	if (!p->exe || !p->cmdline)
		pt_strings_set(t, p, p->exe ? p->exe : exe, p->cmdline ? p->cmdline : cmdline,
		               p->unit, p->container);
}

const char *ptab_proc_root(const struct ptab *t)
{
	return t->cfg.proc_root;
}

void ptab_note_signalled(struct ptab *t, int32_t pid)
{
	struct ptab_proc *p = pid > 0 ? t->slots[pt_find_slot(t, pid)] : NULL;

	if (p)
		p->flags |= PTAB_SIGNALLED;
}

size_t ptab_format_ancestry(const struct ptab_proc *const *chain, size_t n, char *buf, size_t size)
{
	static const char arrow[] = " \xe2\x86\x90 ", ellipsis[] = " \xe2\x86\x90 \xe2\x80\xa6";
	size_t len = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char member[PROCFS_COMM_MAX + 32];
		int m = snprintf(member, sizeof(member), "%s%s[%d]", i ? arrow : "",
		                 chain[i]->comm[0] ? chain[i]->comm : "?", chain[i]->pid);
		if (m < 0)
			break;
		if (len + (size_t)m + sizeof(ellipsis) > size && i + 1 < n) {
			if (len + sizeof(ellipsis) <= size) {
				memcpy(buf + len, ellipsis, sizeof(ellipsis));
				len += sizeof(ellipsis) - 1;
			}
			break;
		}
		if (len + (size_t)m + 1 > size)
			break;
		memcpy(buf + len, member, (size_t)m + 1);
		len += (size_t)m;
	}
	return len;
}

/* --- life cycle ------------------------------------------------------------------------ */

int ptab_new(const struct ptab_config *cfg, const struct proc_clock *clock, struct ptab **ret)
{
	struct ptab *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	if (!t->cfg.proc_root)
		t->cfg.proc_root = "/proc";
	if (t->cfg.max_procs == 0)
		t->cfg.max_procs = PTAB_DEFAULT_MAX;
	if (t->cfg.string_budget == 0)
		t->cfg.string_budget = PTAB_STRING_BUDGET;
	t->clock = *clock;
	if (t->clock.ticks_per_s <= 0)
		t->clock.ticks_per_s = 100;
	t->max_slots = MIN_SLOTS;
	while (t->max_slots * 3 < t->cfg.max_procs * 4)
		t->max_slots *= 2;
	t->scratch = malloc(sizeof(*t->scratch));
	if (!t->scratch || pt_rehash(t, MIN_SLOTS) < 0) {
		ptab_free(t);
		return -ENOMEM;
	}
	*ret = t;
	return 0;
}

void ptab_set_clock(struct ptab *t, const struct proc_clock *clock)
{
	t->clock = *clock;
	if (t->clock.ticks_per_s <= 0)
		t->clock.ticks_per_s = 100;
}

void ptab_stats(const struct ptab *t, struct ptab_stats *ret)
{
	*ret = t->st;
	ret->procs = t->count;
	ret->capacity = t->cap;
}

void ptab_free(struct ptab *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->slots && i < t->cap; i++)
		if (t->slots[i])
			pt_destroy(t, t->slots[i]);
	pt_strings_free(t, &t->overflow);
	free(t->slots);
	free(t->scratch);
	free(t);
}
