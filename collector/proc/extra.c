/* extra.c: copies, for one signal event, what the process table knows
 * about its sender (ancestry with each member's command line, unit,
 * container) and its targets (exe, command line, start time, unit,
 * container, and what each would do with a signal: sigstate.c) into one
 * self-contained allocation, so the writer thread can
 * store it without touching the table, which belongs to the main loop.
 * Exercise it with `meson test -C build proc_table` (test_extra) and
 * proc_watch (extras shared within a storm); by hand, with sigtraild
 * running, `kill -TERM PID` and `sqlite3 sigtrail.db 'select sender_ancestry,
 * target_exe, target_cmdline, target_unit from signals order by id desc
 * limit 1'`. */
#include "sigtrail/proc_extra.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sigstate.h"

enum { ANCESTRY_MAX = 2048 }; /* the formatted chain: 16 members of 64-byte comms fit */

/* Two passes over the same code: the first (out NULL) only measures. */
struct packer {
	char *out;
	size_t used;
};

static const char *pack(struct packer *p, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	const char *at = NULL;
	if (p->out) {
		memcpy(p->out + p->used, s, n);
		at = p->out + p->used;
	}
	p->used += n;
	return at;
}

static void fill(struct proc_extra *x, struct packer *p, const char *ancestry,
                 const struct ptab_proc *const *chain, size_t n_chain,
                 const struct ptab_proc *const *targets, const int32_t *target_pids, size_t n,
                 const struct proc_sigstate *sig)
{
	const struct ptab_proc *sender = n_chain ? chain[0] : NULL;

	x->sender_ancestry = pack(p, n_chain ? ancestry : NULL);
	x->sender_unit = pack(p, sender ? sender->unit : NULL);
	x->sender_container = pack(p, sender ? sender->container : NULL);
	x->n_members = (uint32_t)n_chain;
	for (size_t i = 0; i < n_chain; i++) {
		const struct ptab_proc *m = chain[i];
		x->members[i] = (struct proc_member){
		    .pid = m->pid,
		    .start_time = m->start_time,
		    .comm = pack(p, m->comm[0] ? m->comm : NULL),
		    .exe = pack(p, m->exe),
		    .cmdline = pack(p, m->cmdline),
		};
	}
	x->n_targets = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		const struct ptab_proc *tp = targets[i];
		x->targets[i] = (struct proc_target_extra){.pid = target_pids[i],
		                                           .req = {.uid = -1, .auid = -1}};
		if (i < SIGSTATE_TARGETS_MAX)
			x->targets[i].sig = sig[i];
		if (!tp)
			continue;
		x->targets[i].start_time = tp->start_time;
		x->targets[i].exe = pack(p, tp->exe);
		x->targets[i].cmdline = pack(p, tp->cmdline);
		x->targets[i].unit = pack(p, tp->unit);
		x->targets[i].container = pack(p, tp->container);
	}
}

int proc_extra_build(struct ptab *t, int32_t sender_pid, const int32_t *target_pids, size_t n,
                     struct proc_extra **ret)
{
	const struct ptab_proc *chain[PTAB_MAX_DEPTH];
	const struct ptab_proc **targets = NULL;
	char ancestry[ANCESTRY_MAX];
	size_t n_chain, head = sizeof(struct proc_extra) + n * sizeof(struct proc_target_extra);
	struct proc_extra *x;
	struct packer p = {0};

	if (n > 0 && !(targets = calloc(n, sizeof(*targets))))
		return -ENOMEM;
	/* Targets first: a lookup may read /proc and add entries, and the
	 * ancestry below must not be invalidated by later lookups. */
	for (size_t i = 0; i < n; i++)
		targets[i] = ptab_lookup(t, target_pids[i]);
	n_chain = ptab_ancestry(t, sender_pid, chain, PTAB_MAX_DEPTH);
	ptab_format_ancestry(chain, n_chain, ancestry, sizeof(ancestry));
	/* Re-get the targets: the ancestry's lookups may have moved the
	 * table's answer for an unknown pid (its overflow entry). */
	for (size_t i = 0; i < n; i++)
		if (targets[i])
			targets[i] = ptab_get(t, targets[i]->pid);

	/* What each target would do with a signal, read now (the signal was
	 * delivered a moment ago), for the first SIGSTATE_TARGETS_MAX: a group
	 * kill of thousands stays bounded. The sender is inside an init's
	 * namespace when it is in the same one. */
	struct proc_sigstate sig[SIGSTATE_TARGETS_MAX];
	const struct ptab_proc *sender = n_chain ? chain[0] : NULL;
	for (size_t i = 0; i < n && i < SIGSTATE_TARGETS_MAX; i++) {
		bool thread = targets[i] && targets[i]->pid != target_pids[i];
		if (proc_sigstate_read(ptab_proc_root(t), target_pids[i], thread, &sig[i]) < 0)
			continue;
		sig[i].sender_inside = sig[i].init && sender && targets[i] && sender->pidns &&
		                       sender->pidns == targets[i]->pidns;
	}

	/* The first fill() only measures the strings (p.out is NULL). */
	x = calloc(1, head);
	if (!x) {
		free(targets);
		return -ENOMEM;
	}
	fill(x, &p, ancestry, chain, n_chain, targets, target_pids, n, sig);
	struct proc_extra *full = realloc(x, head + p.used);
	if (!full) {
		free(x);
		free(targets);
		return -ENOMEM;
	}
	x = full;
	p = (struct packer){.out = (char *)x + head};
	fill(x, &p, ancestry, chain, n_chain, targets, target_pids, n, sig);
	free(targets);
	atomic_init(&x->refs, 1);
	*ret = x;
	return 0;
}

/* Append s (with its NUL) to the growing block *buf; returns its offset
 * plus one, 0 for NULL or when out of memory (*failed set). */
static size_t append(char **buf, size_t *used, size_t *cap, const char *s, bool *failed)
{
	if (!s)
		return 0;
	size_t n = strlen(s) + 1;
	if (*used + n > *cap) {
		size_t cap2 = (*cap ? *cap * 2 : 4096) + n;
		char *b = realloc(*buf, cap2);
		if (!b) {
			*failed = true;
			return 0;
		}
		*buf = b;
		*cap = cap2;
	}
	memcpy(*buf + *used, s, n);
	*used += n;
	return *used - n + 1;
}

int proc_extra_requests(struct proc_extra *x, struct ptab *t, struct reqlog *reqs,
                        int32_t sender_pid, int sig, int64_t epoch_ms, uint64_t serial)
{
	const struct ptab_proc *sender = ptab_get(t, sender_pid);
	size_t n = x->n_targets < SIGSTATE_TARGETS_MAX ? x->n_targets : SIGSTATE_TARGETS_MAX;
	size_t off[SIGSTATE_TARGETS_MAX][3], used = 0, cap = 0;
	char *block = NULL, evidence[REQUEST_EVIDENCE_MAX];
	bool failed = false;

	if (!reqs || !sender || request_supervisor(sender->comm, sender->exe) == SUPERVISOR_NONE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct proc_target_extra *tx = &x->targets[i];
		reqlog_answer(reqs, sender, sig, epoch_ms, serial, tx->unit, tx->container,
		              &tx->req, evidence, sizeof(evidence));
		off[i][0] = append(&block, &used, &cap, tx->req.cmdline, &failed);
		off[i][1] = append(&block, &used, &cap, tx->req.tty, &failed);
		off[i][2] = append(&block, &used, &cap, tx->req.evidence, &failed);
	}
	for (size_t i = 0; i < n; i++) {
		struct request_answer *a = &x->targets[i].req;
		if (failed) {
			*a = (struct request_answer){.uid = -1, .auid = -1};
			continue;
		}
		a->cmdline = off[i][0] ? block + off[i][0] - 1 : NULL;
		a->tty = off[i][1] ? block + off[i][1] - 1 : NULL;
		a->evidence = off[i][2] ? block + off[i][2] - 1 : NULL;
	}
	if (failed) {
		free(block);
		return -ENOMEM;
	}
	x->requests = block;
	return 0;
}

struct proc_extra *proc_extra_ref(struct proc_extra *x)
{
	atomic_fetch_add_explicit(&x->refs, 1, memory_order_relaxed);
	return x;
}

void proc_extra_free(struct proc_extra *x)
{
	/* acq_rel: the last owner sees every write of the others before free. */
	if (x && atomic_fetch_sub_explicit(&x->refs, 1, memory_order_acq_rel) == 1) {
		free(x->requests);
		free(x);
	}
}
