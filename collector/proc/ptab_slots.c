/* ptab_slots.c: the process table's memory (ptab_internal.h): each entry
 * and its strings in one allocation, the open-addressing hash of pid ->
 * entry (linear probing, grown by powers of two up to a cap), and the two
 * time-ordered queues (waiting for a /proc read, exited and lingering).
 * proctable.c decides what goes in; exercised by `meson test -C build
 * proc_table`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ptab_internal.h"

/* --- strings ---------------------------------------------------------------- */

void pt_strings_free(struct ptab *t, struct ptab_proc *p)
{
	free(p->strings);
	t->st.string_bytes -= p->strings_size;
	p->strings = NULL;
	p->strings_size = 0;
	p->exe = p->cmdline = p->unit = p->container = NULL;
}

/* Give p these strings (NULL: unknown), in one allocation. The inputs may
 * point into p's current block. On allocation failure p keeps nothing:
 * unknown is better than wrong. */
void pt_strings_set(struct ptab *t, struct ptab_proc *p, const char *exe, const char *cmdline,
                    const char *unit, const char *container)
{
	const char *in[4] = {exe, cmdline, unit, container};
	size_t len[4], total = 0;
	char *block, *w;

	for (int i = 0; i < 4; i++) {
		len[i] = in[i] ? strlen(in[i]) : 0;
		if (i == 1 && in[i] && len[i] > TRUNCATED_CMDLINE &&
		    t->st.string_bytes > t->cfg.string_budget) {
			len[i] = TRUNCATED_CMDLINE;
			while (len[i] > 0 && ((unsigned char)in[i][len[i]] & 0xc0) == 0x80)
				len[i]--; /* not inside a UTF-8 sequence */
			t->st.truncated++;
		}
		total += in[i] ? len[i] + 1 : 0;
	}
	block = total ? malloc(total) : NULL;
	w = block;
	const char *out[4] = {NULL, NULL, NULL, NULL};
	for (int i = 0; i < 4 && block; i++) {
		if (!in[i])
			continue;
		memcpy(w, in[i], len[i]);
		w[len[i]] = '\0';
		out[i] = w;
		w += len[i] + 1;
	}
	pt_strings_free(t, p);
	if (!block)
		return;
	p->strings = block;
	p->strings_size = total;
	t->st.string_bytes += total;
	p->exe = out[0];
	p->cmdline = out[1];
	p->unit = out[2];
	p->container = out[3];
}

/* --- hash --------------------------------------------------------------------- */

static size_t slot_of(const struct ptab *t, int32_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (t->cap - 1);
}

size_t pt_find_slot(const struct ptab *t, int32_t pid)
{
	size_t i = slot_of(t, pid);

	while (t->slots[i] && t->slots[i]->pid != pid)
		i = (i + 1) & (t->cap - 1);
	return i;
}

int pt_rehash(struct ptab *t, size_t cap)
{
	struct ptab_proc **old = t->slots;
	size_t old_cap = t->cap;
	struct ptab_proc **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	t->slots = slots;
	t->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			t->slots[pt_find_slot(t, old[i]->pid)] = old[i];
	free(old);
	t->st.capacity = cap;
	return 0;
}

/* Remove the entry in slot i, shifting the probe run back over the hole. */
static void remove_slot(struct ptab *t, size_t i)
{
	size_t j = i;

	t->slots[i] = NULL;
	t->count--;
	for (;;) {
		j = (j + 1) & (t->cap - 1);
		if (!t->slots[j])
			return;
		size_t home = slot_of(t, t->slots[j]->pid);
		/* Move it back when its home is not in the cyclic range (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
}

/* --- queues ------------------------------------------------------------------ */

void pt_q_remove(struct ptab *t, struct ptab_proc *p)
{
	struct queue *q = p->queue == Q_REFRESH  ? &t->refresh
	                  : p->queue == Q_LINGER ? &t->linger
	                                         : NULL;
	if (!q)
		return;
	if (p->q_prev)
		p->q_prev->q_next = p->q_next;
	else
		q->head = p->q_next;
	if (p->q_next)
		p->q_next->q_prev = p->q_prev;
	else
		q->tail = p->q_prev;
	q->n--;
	p->q_prev = p->q_next = NULL;
	p->queue = Q_NONE;
}

/* Events come in time order, so appending keeps each queue sorted by due. */
void pt_q_append(struct ptab *t, struct ptab_proc *p, uint8_t which, int64_t due)
{
	struct queue *q = which == Q_REFRESH ? &t->refresh : &t->linger;

	pt_q_remove(t, p);
	p->queue = which;
	p->due_mono_ns = due;
	p->q_next = NULL;
	p->q_prev = q->tail;
	if (q->tail)
		q->tail->q_next = p;
	else
		q->head = p;
	q->tail = p;
	q->n++;
}

/* --- entries -------------------------------------------------------------------- */

void pt_destroy(struct ptab *t, struct ptab_proc *p)
{
	pt_q_remove(t, p);
	pt_strings_free(t, p);
	free(p);
}

void pt_forget(struct ptab *t, struct ptab_proc *p)
{
	size_t i = pt_find_slot(t, p->pid);

	if (t->slots[i] == p)
		remove_slot(t, i);
	if (p->flags & PTAB_EXITED)
		t->st.lingering--;
	pt_destroy(t, p);
}

/* A new, empty entry for pid (replacing any old one), or NULL when the
 * table is full and nothing may be evicted. */
struct ptab_proc *pt_create(struct ptab *t, int32_t pid)
{
	size_t i = pt_find_slot(t, pid);
	struct ptab_proc *p;

	if (t->slots[i]) {
		/* The pid was reused: the old process's exit event was missed
		 * (socket overrun) or it is still lingering. */
		t->st.reused++;
		pt_forget(t, t->slots[i]);
	}
	if (t->count >= t->cfg.max_procs) {
		if (t->no_evict || !t->linger.head) {
			t->st.full++;
			return NULL;
		}
		pt_forget(t, t->linger.head); /* the oldest dead first */
	}
	if ((t->count + 1) * 4 > t->cap * 3 && t->cap < t->max_slots &&
	    pt_rehash(t, t->cap * 2) < 0) {
		t->st.full++;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		t->st.full++;
		return NULL;
	}
	p->pid = pid;
	p->uid = -1;
	t->slots[pt_find_slot(t, pid)] = p;
	t->count++;
	if (t->count > t->st.peak_procs)
		t->st.peak_procs = t->count;
	return p;
}
