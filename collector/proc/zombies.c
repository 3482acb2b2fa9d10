/* zombies.c: the zombie watch (zombies.h says how it works and what it
 * costs). Exercise it with `meson test -C build proc_zombies_watch` (a fake
 * /proc tree), live with the kernel suite's proc_zombies, or by hand: run
 * sigtraild, then `sh -c 'true & exec sleep 60' &` and after 10 s
 * `sqlite3 sigtrail.db 'select * from zombies'`. */
#include "zombies.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

/* An exit waiting for stage 1. */
struct zw_exit {
	int32_t pid;
	uint32_t exit_code;
	uint64_t start_time; /* 0 unknown */
	int64_t mono_ns, epoch_ms;
};

/* A process still listed after stage 1 (or found by the scan), waiting
 * for stage 2. */
struct zw_cand {
	struct zombie_note *n;
	uint32_t exit_code; /* the event's, or stat's for one found by the scan */
	int64_t due_ns;
};

/* A zombie found, followed until it is reaped. */
struct zw_tracked {
	int32_t pid;
	uint64_t start_time;
};

struct zwatch {
	char *proc_root;
	int64_t delay_ns, stage1_ns;
	struct zw_exit *exits; /* ring of ZW_MAX_EXITS, oldest at head */
	size_t head, n_exits;
	struct zw_cand cands[ZOMBIE_MAX_TRACKED];
	size_t n_cands;
	struct zw_tracked tracked[ZOMBIE_MAX_TRACKED];
	size_t n_tracked;
	int32_t *list; /* the pids /proc listed last, ascending */
	size_t n_list, cap_list;
	int64_t list_ns;    /* when (0: never) */
	int64_t scan_ns;    /* the next scan of every stat (0: at the first tick) */
	bool scanning;      /* a scan is under way ... */
	int32_t scan_after; /* ... and has read the stats up to this pid */
	struct zwatch_stats st;
};

#define MS INT64_C(1000000) /* ns per ms */

void zombie_note_free(struct zombie_note *z)
{
	if (!z)
		return;
	free(z->comm);
	free(z->cmdline);
	free(z->parent_comm);
	free(z->parent_cmdline);
	free(z->unit);
	free(z->container);
	free(z);
}

int zwatch_new(const struct zwatch_config *cfg, struct zwatch **ret)
{
	struct zwatch *zw = calloc(1, sizeof(*zw));
	int64_t delay_ms = cfg->delay_ms > 0 ? cfg->delay_ms : ZOMBIE_DELAY_MS;

	if (!zw)
		return -ENOMEM;
	zw->proc_root = strdup(cfg->proc_root ? cfg->proc_root : "/proc");
	zw->exits = calloc(ZW_MAX_EXITS, sizeof(*zw->exits)); /* pages touched as used */
	if (!zw->proc_root || !zw->exits) {
		zwatch_free(zw);
		return -ENOMEM;
	}
	zw->delay_ns = delay_ms * MS;
	zw->stage1_ns = (delay_ms < ZW_STAGE1_MS ? delay_ms : ZW_STAGE1_MS) * MS;
	*ret = zw;
	return 0;
}

void zwatch_on_exit(struct zwatch *zw, const struct ptab_proc *p, int32_t pid, uint32_t exit_code,
                    int64_t exit_mono_ns, int64_t epoch_ms)
{
	if (zw->n_exits == ZW_MAX_EXITS) { /* the oldest is left to the scan */
		zw->head = (zw->head + 1) % ZW_MAX_EXITS;
		zw->n_exits--;
		zw->st.unchecked++;
	}
	zw->exits[(zw->head + zw->n_exits++) % ZW_MAX_EXITS] = (struct zw_exit){
	    .pid = pid,
	    .exit_code = exit_code,
	    .start_time = p && p->pid == pid ? p->start_time : 0,
	    .mono_ns = exit_mono_ns,
	    .epoch_ms = epoch_ms,
	};
	zw->st.exits++;
}

static bool is_tracked(const struct zwatch *zw, int32_t pid, uint64_t start_time)
{
	for (size_t i = 0; i < zw->n_tracked; i++)
		if (zw->tracked[i].pid == pid && (!start_time || !zw->tracked[i].start_time ||
		                                  zw->tracked[i].start_time == start_time))
			return true;
	return false;
}

void zwatch_adopt(struct zwatch *zw, int32_t pid, uint64_t start_time)
{
	if (is_tracked(zw, pid, start_time))
		return;
	if (zw->n_tracked == ZOMBIE_MAX_TRACKED) {
		zw->st.lost++;
		return;
	}
	zw->tracked[zw->n_tracked++] = (struct zw_tracked){.pid = pid, .start_time = start_time};
}

static int cmp_pid(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* List the pids of /proc into zw->list. False when it cannot be listed
 * (nothing is decided then). */
static bool list_procs(struct zwatch *zw, int64_t now_ns)
{
	DIR *d = opendir(zw->proc_root);
	struct dirent *e;
	bool sorted = true;

	if (!d)
		return false;
	zw->n_list = 0;
	while ((e = readdir(d))) {
		int32_t pid = procfs_pid_of(e->d_name);
		if (pid <= 0)
			continue;
		if (zw->n_list == zw->cap_list) {
			size_t cap = zw->cap_list ? zw->cap_list * 2 : 1024;
			int32_t *v = realloc(zw->list, cap * sizeof(*v));
			if (!v) {
				closedir(d);
				return false;
			}
			zw->list = v;
			zw->cap_list = cap;
		}
		sorted = sorted && (zw->n_list == 0 || zw->list[zw->n_list - 1] < pid);
		zw->list[zw->n_list++] = pid;
	}
	closedir(d);
	if (!sorted)
		qsort(zw->list, zw->n_list, sizeof(*zw->list), cmp_pid);
	zw->list_ns = now_ns;
	zw->st.listings++;
	return true;
}

static bool listed(const struct zwatch *zw, int32_t pid)
{
	return bsearch(&pid, zw->list, zw->n_list, sizeof(pid), cmp_pid) != NULL;
}

/* A copy of s, NULL for NULL or "" (unknown). */
static char *dup_opt(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void set_status(struct zombie_note *n, uint32_t code)
{
	int sig = (int)(code & 0x7f);

	n->signal = sig == 0x7f ? 0 : sig;
	n->exit_status = n->signal ? -1 : (int)((code >> 8) & 0xff);
}

/* Stage 1 of an exit whose pid is still listed: its facts from the table,
 * now, while it still keeps them. NULL without memory. */
static struct zombie_note *note_of_exit(struct ptab *t, const struct zw_exit *e)
{
	struct zombie_note *n = calloc(1, sizeof(*n));
	const struct ptab_proc *p = ptab_get(t, e->pid);

	if (!n)
		return NULL;
	n->pid = e->pid;
	n->start_time = e->start_time;
	n->epoch_ms = e->epoch_ms;
	n->exit_seen = true;
	set_status(n, e->exit_code);
	if (p && (!e->start_time || p->start_time == e->start_time)) {
		n->comm = dup_opt(p->comm);
		n->cmdline = dup_opt(p->cmdline);
		n->unit = dup_opt(p->unit);
		n->container = dup_opt(p->container);
	}
	return n;
}

/* Stage 2: is n's pid a zombie now (stat: Z, one thread, the same start
 * time)? Then complete it with its parent as it is now. */
static bool confirm(struct zwatch *zw, struct ptab *t, struct zombie_note *n)
{
	struct procfs_info in;

	zw->st.stat_reads++;
	if (procfs_read(zw->proc_root, n->pid, PROCFS_STAT, &in) < 0 || in.state != 'Z' ||
	    in.threads > 1 || (n->start_time && in.start_time != n->start_time))
		return false;
	n->start_time = in.start_time;
	/* The kernel's comm is the zombie's own. The table's copy is a guess
	 * when the table had not read the process yet (a child that exits at
	 * once is known by what it inherited, which its parent's exec may have
	 * changed since): its command line stands only if its comm agrees. */
	if (n->comm && strcmp(n->comm, in.comm) != 0) {
		free(n->cmdline);
		n->cmdline = NULL;
	}
	free(n->comm);
	n->comm = dup_opt(in.comm);
	n->ppid = in.ppid;
	const struct ptab_proc *pp = in.ppid > 0 ? ptab_lookup(t, in.ppid) : NULL;
	n->parent_is_init = in.ppid == 1 || (pp && pp->nspid == 1);
	if (pp) {
		n->parent_start_time = pp->start_time;
		n->parent_comm = dup_opt(pp->comm);
		n->parent_cmdline = dup_opt(pp->cmdline);
		if (!n->unit && !n->container) {
			n->unit = dup_opt(pp->unit);
			n->container = dup_opt(pp->container);
		}
	}
	return true;
}

/* A confirmed zombie: followed from now on, and handed over. */
static void found(struct zwatch *zw, struct zombie_note *n, zwatch_fn fn, void *userdata)
{
	if (is_tracked(zw, n->pid, n->start_time)) {
		zombie_note_free(n);
		return;
	}
	if (zw->n_tracked == ZOMBIE_MAX_TRACKED) {
		zw->st.lost++;
		zombie_note_free(n);
		return;
	}
	zw->tracked[zw->n_tracked++] =
	    (struct zw_tracked){.pid = n->pid, .start_time = n->start_time};
	zw->st.found++;
	fn(userdata, n);
}

/* Wait for stage 2, or do it now when it is due already. */
static void add_cand(struct zwatch *zw, struct ptab *t, struct zombie_note *n, uint32_t code,
                     int64_t due_ns, zwatch_fn fn, void *userdata)
{
	if (due_ns <= zw->list_ns) {
		if (confirm(zw, t, n))
			found(zw, n, fn, userdata);
		else
			zombie_note_free(n);
		return;
	}
	if (zw->n_cands == ZOMBIE_MAX_TRACKED) {
		zw->st.unchecked++;
		zombie_note_free(n);
		return;
	}
	zw->cands[zw->n_cands++] = (struct zw_cand){.n = n, .exit_code = code, .due_ns = due_ns};
}

static void stage1(struct zwatch *zw, struct ptab *t, zwatch_fn fn, void *userdata)
{
	while (zw->n_exits) {
		struct zw_exit *e = &zw->exits[zw->head];
		if (e->mono_ns + zw->stage1_ns > zw->list_ns)
			break;
		zw->head = (zw->head + 1) % ZW_MAX_EXITS;
		zw->n_exits--;
		if (!listed(zw, e->pid))
			continue; /* reaped: nearly every exit */
		struct zombie_note *n = note_of_exit(t, e);
		if (!n) {
			zw->st.unchecked++;
			continue;
		}
		add_cand(zw, t, n, e->exit_code, e->mono_ns + zw->delay_ns, fn, userdata);
	}
}

static void stage2(struct zwatch *zw, struct ptab *t, zwatch_fn fn, void *userdata)
{
	for (size_t i = 0; i < zw->n_cands;) {
		struct zw_cand *c = &zw->cands[i];
		if (c->due_ns > zw->list_ns) {
			i++;
			continue;
		}
		struct zombie_note *n = c->n;
		*c = zw->cands[--zw->n_cands];
		if (listed(zw, n->pid) && confirm(zw, t, n))
			found(zw, n, fn, userdata);
		else
			zombie_note_free(n);
	}
}

static void reaped(struct zwatch *zw, size_t i, int64_t now_epoch_ms, zwatch_fn fn, void *userdata)
{
	struct zombie_note *n = calloc(1, sizeof(*n));

	if (n) {
		*n = (struct zombie_note){.reaped = true,
		                          .pid = zw->tracked[i].pid,
		                          .start_time = zw->tracked[i].start_time,
		                          .epoch_ms = now_epoch_ms};
		zw->st.reaped++;
		fn(userdata, n);
	}
	zw->tracked[i] = zw->tracked[--zw->n_tracked];
}

static bool is_cand(const struct zwatch *zw, int32_t pid)
{
	for (size_t i = 0; i < zw->n_cands; i++)
		if (zw->cands[i].n->pid == pid)
			return true;
	return false;
}

/* A followed zombie whose pid now names a process of another start time
 * was reaped (and its pid reused): one stat read per followed zombie, at
 * the start of each scan. */
static void reused(struct zwatch *zw, int64_t now_epoch_ms, zwatch_fn fn, void *userdata)
{
	struct procfs_info in;

	for (size_t k = 0; k < zw->n_tracked;) {
		const struct zw_tracked *z = &zw->tracked[k];
		zw->st.stat_reads += z->start_time != 0;
		if (z->start_time && procfs_read(zw->proc_root, z->pid, PROCFS_STAT, &in) == 0 &&
		    in.start_time != z->start_time)
			reaped(zw, k, now_epoch_ms, fn, userdata); /* k now holds another */
		else
			k++;
	}
}

/* One step of the scan of every listed process's stat: zombies whose exit
 * was not seen become candidates. At most ZW_SCAN_BATCH stat reads a tick,
 * so that a host of many processes never holds the main loop (and the audit
 * reader behind it) long; the scan goes on at the next tick, from the pid it
 * stopped after, and is over when it reached the end of the listing. */
static void scan_step(struct zwatch *zw, struct ptab *t, int64_t now_mono_ns, int64_t now_epoch_ms,
                      zwatch_fn fn, void *userdata)
{
	struct procfs_info in;
	size_t i = 0, lo = 0, hi = zw->n_list;

	if (!zw->scanning) {
		zw->scanning = true;
		zw->scan_after = 0;
		zw->st.scans++;
		reused(zw, now_epoch_ms, fn, userdata);
	}
	while (lo < hi) { /* the first listed pid past scan_after */
		size_t mid = lo + (hi - lo) / 2;
		if (zw->list[mid] <= zw->scan_after)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < zw->n_list && i < lo + ZW_SCAN_BATCH; i++) {
		int32_t pid = zw->list[i];
		zw->scan_after = pid;
		zw->st.stat_reads++;
		if (procfs_read(zw->proc_root, pid, PROCFS_STAT, &in) < 0 || in.state != 'Z' ||
		    in.threads > 1 || is_tracked(zw, pid, in.start_time) || is_cand(zw, pid))
			continue;
		struct zombie_note *n = calloc(1, sizeof(*n));
		if (!n) {
			zw->st.unchecked++;
			continue;
		}
		*n = (struct zombie_note){.pid = pid,
		                          .start_time = in.start_time,
		                          .epoch_ms = now_epoch_ms,
		                          .comm = dup_opt(in.comm)};
		uint32_t code = in.exit_code >= 0 ? (uint32_t)in.exit_code : 0;
		set_status(n, code);
		if (in.exit_code < 0)
			n->exit_status = -1; /* not known: neither an exit code nor a signal */
		add_cand(zw, t, n, code, zw->list_ns + zw->delay_ns, fn, userdata);
	}
	if (i == zw->n_list) {
		zw->scanning = false;
		zw->scan_ns = now_mono_ns + ZW_RESCAN_MS * MS;
	}
}

int64_t zwatch_next_due(const struct zwatch *zw)
{
	int64_t due = zw->scanning ? 0 : zw->scan_ns; /* a scan under way goes on */

	if (zw->n_exits) {
		int64_t d = zw->exits[zw->head].mono_ns + zw->stage1_ns;
		due = d < due ? d : due;
	}
	for (size_t i = 0; i < zw->n_cands; i++)
		due = zw->cands[i].due_ns < due ? zw->cands[i].due_ns : due;
	if (zw->n_tracked) {
		int64_t d = zw->list_ns + ZW_LIST_MS * MS;
		due = d < due ? d : due;
	}
	/* A listing waits ZW_LIST_MS after the last one. */
	int64_t floor = zw->list_ns ? zw->list_ns + ZW_LIST_MS * MS : 0;
	return due > floor ? due : floor;
}

void zwatch_tick(struct zwatch *zw, struct ptab *t, int64_t now_mono_ns, int64_t now_epoch_ms,
                 zwatch_fn fn, void *userdata)
{
	if (zwatch_next_due(zw) > now_mono_ns || !list_procs(zw, now_mono_ns))
		return;
	for (size_t i = 0; i < zw->n_tracked;)
		if (!listed(zw, zw->tracked[i].pid))
			reaped(zw, i, now_epoch_ms, fn, userdata);
		else
			i++;
	stage1(zw, t, fn, userdata);
	stage2(zw, t, fn, userdata);
	if (zw->scanning || now_mono_ns >= zw->scan_ns)
		scan_step(zw, t, now_mono_ns, now_epoch_ms, fn, userdata);
}

void zwatch_stats(const struct zwatch *zw, struct zwatch_stats *ret)
{
	*ret = zw->st;
	ret->tracked = zw->n_tracked;
}

void zwatch_free(struct zwatch *zw)
{
	if (!zw)
		return;
	for (size_t i = 0; i < zw->n_cands; i++)
		zombie_note_free(zw->cands[i].n);
	free(zw->exits);
	free(zw->list);
	free(zw->proc_root);
	free(zw);
}
