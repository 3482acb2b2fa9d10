/* ptab_internal.h: the process table's own structure, shared by its two
 * files: ptab_slots.c (its memory: entries, the pid hash, the two queues,
 * each entry's strings) and proctable.c (what goes in it: /proc reads,
 * connector events, lookups, ancestry). The pt_ functions are that
 * memory's operations; nothing outside these two files includes this. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/proc_table.h"

#include "clock.h"

enum {
	MIN_SLOTS = 1024,
	TRUNCATED_CMDLINE = 128, /* what audit's PROCTITLE keeps: the budget's fallback */
	Q_NONE = 0,
	Q_REFRESH = 1,
	Q_LINGER = 2,
};

/* An intrusive FIFO: entries go in at the tail in due-time order. */
struct queue {
	struct ptab_proc *head, *tail;
	size_t n;
};

struct ptab {
	struct ptab_config cfg;
	struct proc_clock clock;
	struct ptab_proc **slots; /* open addressing, linear probing, NULL = empty */
	size_t cap;               /* slots, a power of two */
	size_t count;             /* entries */
	size_t max_slots;         /* the cap's slot count: never grown past */
	struct queue refresh;     /* waiting for a /proc read */
	struct queue linger;      /* exited, waiting to be freed */
	struct ptab_stats st;
	struct procfs_info *scratch; /* one /proc read (7 KiB: not on the stack) */
	struct ptab_proc overflow;   /* ptab_lookup()'s answer when the table is full */
	bool no_evict;               /* ancestry in progress: keep every entry */
	int64_t eager_window;        /* start of the current second of eager reads */
	uint32_t eager_used;         /* eager reads in it */
};

/* Free p's strings. */
void pt_strings_free(struct ptab *t, struct ptab_proc *p);

/* Give p these strings (NULL: unknown), in one allocation. The inputs may
 * point into p's current block. On allocation failure p keeps nothing:
 * unknown is better than wrong. */
void pt_strings_set(struct ptab *t, struct ptab_proc *p, const char *exe, const char *cmdline,
                    const char *unit, const char *container);

/* The slot of pid: its entry's, or the empty slot where it would go. */
size_t pt_find_slot(const struct ptab *t, int32_t pid);

/* Resize the hash to cap slots (a power of two). Returns 0 or -ENOMEM. */
int pt_rehash(struct ptab *t, size_t cap);

/* Take p off its queue, if any. */
void pt_q_remove(struct ptab *t, struct ptab_proc *p);

/* Move p to the tail of queue which (Q_REFRESH, Q_LINGER), due then. Events
 * come in time order, so appending keeps each queue sorted by due. */
void pt_q_append(struct ptab *t, struct ptab_proc *p, uint8_t which, int64_t due);

/* Free p, off its queue; its slot is the caller's. */
void pt_destroy(struct ptab *t, struct ptab_proc *p);

/* Remove p from the table and free it. */
void pt_forget(struct ptab *t, struct ptab_proc *p);

/* A new, empty entry for pid (replacing any old one), or NULL when the
 * table is full and nothing may be evicted. */
struct ptab_proc *pt_create(struct ptab *t, int32_t pid);
