/* deathq.c: the death tracker. Each exit by a signal (of a thread group
 * leader) is captured at once with what the process table knows about the
 * process (its command line, start time, namespace, unit), because a moment
 * later nobody knows it any more; then held for hold_ns while the evidence
 * that arrives later is remembered in small rings: OOM kills (kernel log),
 * ANOM_ABEND records (audit), core dump events, and the exits of pid
 * namespace inits (the kernel reports those after the children it killed).
 * deathq_pop() hands a death over with the evidence that concerns it.
 * Exercise it with `meson test -C build proc_deaths` (test_deathq: holding,
 * gathering, a kill storm) and `proc_decide` (what it hands over, decided
 * and stored); live, as root, with the kernel suite's proc_* tests. */
#include "sigtrail/proc_deathq.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/proc_table.h"

#include "clock.h"
#include "connector.h"

struct coredump_seen {
	int32_t pid;
	int64_t mono_ns;
};

struct deathq {
	struct deathq_config cfg;
	struct deathq_ready **ring; /* held deaths, oldest first */
	size_t head, n;
	struct death_oom ooms[DEATHQ_RECENT];
	struct death_abend abends[DEATHQ_RECENT];
	struct death_init_exit inits[DEATHQ_RECENT];
	struct coredump_seen cores[DEATHQ_RECENT];
	unsigned n_ooms, n_abends, n_inits, n_cores; /* total seen; slot = n % DEATHQ_RECENT */
	struct deathq_stats st;
};

int deathq_new(const struct deathq_config *cfg, struct deathq **ret)
{
	struct deathq *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->cfg = *cfg;
	if (q->cfg.hold_ns <= 0)
		q->cfg.hold_ns = (int64_t)DEATHQ_HOLD_MS * 1000000;
	if (q->cfg.max_pending == 0)
		q->cfg.max_pending = DEATHQ_MAX_PENDING;
	q->ring = calloc(q->cfg.max_pending, sizeof(*q->ring));
	if (!q->ring) {
		free(q);
		return -ENOMEM;
	}
	*ret = q;
	return 0;
}

/* Copy s into r's string buffer at *off; NULL stays NULL. */
static const char *keep(struct deathq_ready *r, size_t *off, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *dst = r->strbuf + *off;
	memcpy(dst, s, n);
	*off += n;
	return dst;
}

static size_t size_of(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

enum { CORE_PATTERN_MAX = 128 }; /* kernel.core_pattern kept (the kernel allows 128) */

/* Signals whose default action dumps core (signal(7)). */
static bool dumps_core(int sig)
{
	return sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT ||
	       sig == SIGBUS || sig == SIGFPE || sig == SIGSEGV || sig == SIGXCPU ||
	       sig == SIGXFSZ || sig == SIGSYS;
}

/* Where a core of pid would go: kernel.core_pattern into pattern (""
 * unknown), and its RLIMIT_CORE soft limit from /proc/PID/limits, which a
 * process that is exiting still has; -1 when it was reaped before this read
 * (a parent that waits at once). */
static int64_t core_facts(const char *root, int32_t pid, char pattern[CORE_PATTERN_MAX])
{
	char path[256], line[256];
	int64_t limit = -1;
	FILE *f;

	pattern[0] = '\0';
	snprintf(path, sizeof(path), "%s/sys/kernel/core_pattern", root);
	if ((f = fopen(path, "re"))) {
		if (fgets(pattern, CORE_PATTERN_MAX, f))
			pattern[strcspn(pattern, "\n")] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%d/limits", root, pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Max core file size", 18) != 0)
			continue;
		const char *v = line + 18 + strspn(line + 18, " ");
		if (strncmp(v, "unlimited", 9) == 0)
			limit = INT64_MAX;
		else
			limit = strtoll(v, NULL, 10);
		break;
	}
	fclose(f);
	return limit;
}

/* The death of p (or of an unknown pid when p is NULL), captured now. */
static struct deathq_ready *capture(const struct ptab *t, const struct ptab_proc *p,
                                    const struct proc_ev *ev, const struct proc_clock *clk)
{
	const char *comm = p && p->comm[0] ? p->comm : NULL;
	char pattern[CORE_PATTERN_MAX] = "";
	int64_t core_limit = -1;
	if (dumps_core(proc_ev_death_signal(ev)))
		core_limit = core_facts(ptab_proc_root(t), ev->tgid, pattern);
	size_t need = size_of(pattern[0] ? pattern : NULL) +
	              (p ? size_of(comm) + size_of(p->exe) + size_of(p->cmdline) +
	                       size_of(p->unit) + size_of(p->container)
	                 : 0);
	struct deathq_ready *r = calloc(1, sizeof(*r) + need);
	struct death *d;
	size_t off = 0;

	if (!r)
		return NULL;
	d = &r->death;
	r->mono_ns = ev->mono_ns;
	r->exit_code = ev->exit_code;
	d->pid = ev->tgid;
	d->signal = proc_ev_death_signal(ev);
	d->exit_status = d->signal ? -1 : proc_ev_exit_status(ev);
	d->core_dumped = proc_ev_core_dumped(ev);
	d->epoch_ms = proc_clock_mono_to_epoch_ms(clk, ev->mono_ns);
	d->exit_parent = ev->parent_tgid;
	d->uid = -1;
	d->core_limit_known = core_limit >= 0;
	d->core_limit = core_limit;
	d->core_pattern = keep(r, &off, pattern[0] ? pattern : NULL);
	if (!p)
		return r;
	d->start_time = p->start_time;
	d->start_guess = p->flags & PTAB_START_GUESS;
	d->start_epoch_ms = p->start_time ? proc_clock_ticks_to_epoch_ms(clk, p->start_time) : 0;
	d->ppid = p->ppid;
	d->uid = p->uid;
	d->pidns = p->pidns;
	d->nspid = p->nspid;
	d->comm = keep(r, &off, comm);
	d->exe = keep(r, &off, p->exe);
	d->cmdline = keep(r, &off, p->cmdline);
	d->unit = keep(r, &off, p->unit);
	d->container = keep(r, &off, p->container);
	return r;
}

/* Whether the exit policy records this exit: a process that a recorded
 * signal reached, or that lived at least exit_min_age_ms. A process the
 * table never knew has no known age: not recorded. */
static bool exit_wanted(const struct deathq *q, const struct ptab_proc *p, const struct proc_ev *ev,
                        const struct proc_clock *clk)
{
	if (!q->cfg.exits || !p)
		return false;
	if (p->flags & PTAB_SIGNALLED)
		return true;
	if (q->cfg.exit_min_age_ms == 0)
		return true;
	if (!p->start_time)
		return false;
	return proc_clock_mono_to_epoch_ms(clk, ev->mono_ns) -
	           proc_clock_ticks_to_epoch_ms(clk, p->start_time) >=
	       q->cfg.exit_min_age_ms;
}

static void remember_init_exit(struct deathq *q, const struct ptab_proc *p,
                               const struct proc_ev *ev, const struct proc_clock *clk)
{
	struct death_init_exit *ie = &q->inits[q->n_inits++ % DEATHQ_RECENT];

	q->st.init_exits++;
	memset(ie, 0, sizeof(*ie));
	ie->pid = p->pid;
	ie->start_time = p->start_time;
	ie->start_epoch_ms = p->start_time ? proc_clock_ticks_to_epoch_ms(clk, p->start_time) : 0;
	ie->pidns = p->pidns;
	ie->epoch_ms = proc_clock_mono_to_epoch_ms(clk, ev->mono_ns);
	ie->exit_code = ev->exit_code;
	memcpy(ie->comm, p->comm, sizeof(ie->comm));
}

void deathq_on_event(struct deathq *q, struct ptab *t, const struct proc_ev *ev,
                     const struct proc_clock *clk)
{
	const struct ptab_proc *p;
	struct deathq_ready *r;

	if (ev->kind == PROC_EV_COREDUMP) {
		q->st.coredumps++;
		q->cores[q->n_cores++ % DEATHQ_RECENT] =
		    (struct coredump_seen){.pid = ev->tgid, .mono_ns = ev->mono_ns};
		return;
	}
	if (ev->kind != PROC_EV_EXIT || ev->pid != ev->tgid)
		return;
	/* A death whose process was never read (it lived shorter than the
	 * table's read delay): read the zombie now, while it may still be
	 * there; it still has its comm, start time and uid. */
	p = proc_ev_death_signal(ev) ? ptab_lookup(t, ev->tgid) : ptab_get(t, ev->tgid);
	if (p && p->nspid == 1 && p->pid != 1)
		remember_init_exit(q, p, ev, clk);
	if (proc_ev_death_signal(ev) == 0 && !exit_wanted(q, p, ev, clk))
		return;

	if (proc_ev_death_signal(ev))
		q->st.deaths++;
	else
		q->st.exits++;
	if (!p)
		q->st.untracked++;
	r = capture(t, p, ev, clk);
	if (!r) {
		q->st.dropped++;
		return;
	}
	for (unsigned i = 0; i < DEATHQ_RECENT && i < q->n_cores; i++) {
		const struct coredump_seen *c = &q->cores[i];
		if (c->pid == ev->tgid && ev->mono_ns - c->mono_ns < q->cfg.hold_ns * 10)
			r->death.coredump_event = true;
	}
	if (q->n == q->cfg.max_pending) {
		q->st.dropped++; /* the caller stopped popping: nothing else to do */
		deathq_ready_free(r);
		return;
	}
	q->ring[(q->head + q->n) % q->cfg.max_pending] = r;
	q->n++;
}

void deathq_on_oom(struct deathq *q, const struct oom_kill *k, const struct proc_clock *clk)
{
	struct death_oom *o = &q->ooms[q->n_ooms++ % DEATHQ_RECENT];

	q->st.ooms++;
	o->kill = *k;
	o->epoch_ms = proc_clock_mono_to_epoch_ms(clk, k->ts_us * 1000);
}

void deathq_on_abend(struct deathq *q, const struct death_abend *a)
{
	q->st.abends++;
	q->abends[q->n_abends++ % DEATHQ_RECENT] = *a;
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Whether init exit ie can be of the namespace d lived in, by their
 * lifetimes: the init started no later than d (start times in ticks, one
 * tick of slack for an estimate) and exited no earlier than d started (20
 * ms of slack: ticks are 10 ms). Unknown times do not rule it out. */
static bool init_of_lifetime(const struct death_init_exit *ie, const struct death *d)
{
	if (ie->start_time && d->start_time && ie->start_time > d->start_time + 1)
		return false;
	if (d->start_epoch_ms && ie->epoch_ms < d->start_epoch_ms - 20)
		return false;
	return true;
}

/* Attach the remembered evidence that concerns r's death. */
static void gather(struct deathq *q, struct deathq_ready *r)
{
	struct death *d = &r->death;
	unsigned n;

	n = q->n_ooms < DEATHQ_RECENT ? q->n_ooms : DEATHQ_RECENT;
	for (unsigned i = 0; i < n && r->n_ooms < DEATHQ_MAX_OOMS; i++)
		if (q->ooms[i].kill.pid == d->pid &&
		    abs64(q->ooms[i].epoch_ms - d->epoch_ms) <= DEATH_OOM_WINDOW_MS)
			r->ooms[r->n_ooms++] = q->ooms[i];
	n = q->n_abends < DEATHQ_RECENT ? q->n_abends : DEATHQ_RECENT;
	for (unsigned i = 0; i < n && r->n_abends < DEATHQ_MAX_ABENDS; i++)
		if (q->abends[i].pid == d->pid &&
		    abs64(q->abends[i].epoch_ms - d->epoch_ms) <= DEATH_ABEND_WINDOW_MS)
			r->abends[r->n_abends++] = q->abends[i];
	/* A crash gone before its exec was read (the table knows no name) is
	 * named by the kernel's record of it. */
	for (unsigned i = 0; i < r->n_abends; i++) {
		const struct death_abend *a = &r->abends[i];
		if (a->signal != d->signal)
			continue;
		if ((!d->comm || !d->comm[0]) && a->comm[0])
			d->comm = a->comm;
		if ((!d->exe || !d->exe[0]) && a->exe[0])
			d->exe = a->exe;
		break;
	}
	/* The init of its namespace: known by the namespace inode, or, when
	 * the namespace was never read, by being the process that forked it;
	 * and alive when this process started. The kernel hands a freed
	 * namespace's inode number to the next namespace at once, so an init
	 * of the same number that exited before this process started, or
	 * started after it, belonged to another namespace. */
	n = q->n_inits < DEATHQ_RECENT ? q->n_inits : DEATHQ_RECENT;
	for (unsigned i = 0; i < n; i++) {
		const struct death_init_exit *ie = &q->inits[i];
		bool mine = d->pidns ? ie->pidns == d->pidns : ie->pid == d->ppid;
		if (!mine || ie->pid == d->pid ||
		    abs64(ie->epoch_ms - d->epoch_ms) > DEATH_INIT_WINDOW_MS ||
		    !init_of_lifetime(ie, d))
			continue;
		if (!r->have_init_exit ||
		    abs64(ie->epoch_ms - d->epoch_ms) < abs64(r->init_exit.epoch_ms - d->epoch_ms))
			r->init_exit = *ie;
		r->have_init_exit = true;
	}
}

struct deathq_ready *deathq_pop(struct deathq *q, int64_t now_mono_ns)
{
	struct deathq_ready *r;

	if (q->n == 0)
		return NULL;
	r = q->ring[q->head];
	/* Over half full (a kill storm): decide the oldest now, with the
	 * evidence seen so far, rather than risk dropping new deaths. */
	if (q->n > q->cfg.max_pending / 2 && r->mono_ns + q->cfg.hold_ns > now_mono_ns)
		r->early = true;
	if (!r->early && r->mono_ns + q->cfg.hold_ns > now_mono_ns)
		return NULL;
	q->ring[q->head] = NULL;
	q->head = (q->head + 1) % q->cfg.max_pending;
	q->n--;
	if (r->early)
		q->st.early++;
	gather(q, r);
	return r;
}

void deathq_ready_free(struct deathq_ready *r)
{
	free(r);
}

void deathq_stats(const struct deathq *q, struct deathq_stats *ret)
{
	*ret = q->st;
	ret->pending = q->n;
}

void deathq_free(struct deathq *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		free(q->ring[(q->head + i) % q->cfg.max_pending]);
	free(q->ring);
	free(q);
}
