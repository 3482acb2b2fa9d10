/* The writer's held rows: the items it has taken from its queue and not yet
 * committed, in arrival order. While the database stores, they are the open
 * transaction; while it refuses (disk full, I/O error), they wait here for
 * space, up to a byte budget, and only what overflows the budget is lost.
 * A FIFO of owned items with a byte count; no locking (the writer thread
 * alone uses it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"
#include "sigtrail/proc_deathq.h"
#include "sigtrail/proc_extra.h"
#include "sigtrail/zombie.h"

/* One item of work for the store: a signal event (with what the process
 * table added), a death, or a zombie. Exactly one of ev, death and zombie
 * is set. */
struct held_item {
	struct st_event *ev;
	struct proc_extra *extra; /* may be NULL */
	struct deathq_ready *death;
	struct zombie_note *zombie;
	size_t bytes; /* held_item_bytes() at push time */
};

struct held {
	struct held_item *v; /* cap slots, a ring */
	size_t cap, head, len;
	size_t bytes;     /* sum of the items' bytes */
	size_t max_bytes; /* budget: held_push() refuses beyond it */
};

/* An empty FIFO that holds at most max_bytes of items. Can't fail (the ring
 * grows on the first push). */
void held_init(struct held *h, size_t max_bytes);

/* The memory an item keeps alive, as counted against the budget: the event
 * with its targets and strings, the extra's strings and the death. An
 * estimate from the sizes the structures and strings have, never below the
 * real allocation of the event and the death. Can't fail. */
size_t held_item_bytes(const struct held_item *it);

/* The rows an item stands for, as the coverage counters count them: an
 * event's targets (1 when it reached nobody), 1 for a death or a zombie. */
uint64_t held_item_rows(const struct held_item *it);

/* Append it, taking ownership, when it fits the budget; with `force`, also
 * beyond it (an open transaction's items are held whatever the budget, and
 * only items that wait for space are bounded). Returns 0, -ENOBUFS (over the
 * budget: it stays the caller's), or -ENOMEM. */
int held_push(struct held *h, struct held_item it, bool force);

/* The i-th oldest item (i < len). */
struct held_item *held_at(struct held *h, size_t i);

/* Free the n oldest items (n <= len). */
void held_drop(struct held *h, size_t n);

/* Free one item's parts. Accepts an item of NULL parts. */
void held_item_free(struct held_item *it);

/* Free every item and the ring. Accepts an empty or never used FIFO. */
void held_free(struct held *h);
