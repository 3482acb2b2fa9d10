/* Unit tests for held.c: the writer's FIFO of uncommitted items, bounded in
 * bytes (what a full disk may cost in memory). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../collector/store/held.h"
#include "tap.h"

/* An event of n targets, as the assembler allocates one (a single block),
 * with its serial to tell it apart. */
static struct st_event *event(uint64_t serial, uint32_t n)
{
	static const char cmd[] = "bash cleanup.sh --all";
	size_t tsz = n * sizeof(struct st_target);
	struct st_event *ev = calloc(1, sizeof(*ev) + tsz + sizeof(cmd));

	if (!ev)
		abort();
	ev->serial = serial;
	ev->n_targets = n;
	char *s = (char *)ev + sizeof(*ev) + tsz;
	memcpy(s, cmd, sizeof(cmd));
	ev->cmdline = s;
	return ev;
}

int main(void)
{
	struct held h;
	struct held_item one = {.ev = event(1, 1)};
	size_t b = held_item_bytes(&one);

	ok(b >= sizeof(struct st_event) + sizeof(struct st_target) + 22,
	   "an item counts its event, target and strings (%zu bytes)", b);
	is_int(held_item_rows(&one), 1, "one target, one row");
	struct held_item group = {.ev = event(2, 3)};
	is_int(held_item_rows(&group), 3, "a group kill counts a row per target");
	struct held_item esrch = {.ev = event(3, 0)};
	is_int(held_item_rows(&esrch), 1, "a call that reached nobody is one row");
	held_item_free(&group);
	held_item_free(&esrch);

	/* A budget of exactly three such items. */
	held_init(&h, 3 * b);
	is_int(held_push(&h, one, false), 0, "first item fits");
	for (uint64_t s = 2; s <= 3; s++)
		is_int(held_push(&h, (struct held_item){.ev = event(s, 1)}, false), 0,
		       "item %llu fits", (unsigned long long)s);
	is_int(h.bytes, 3 * b, "the bytes add up");
	struct held_item over = {.ev = event(4, 1)};
	is_int(held_push(&h, over, false), -ENOBUFS, "a fourth is over the budget");
	ok(over.ev != NULL && over.ev->serial == 4, "a refused item stays the caller's");
	is_int(held_push(&h, over, true), 0, "forced (an open transaction's item), it is held");
	is_int(h.len, 4, "four held");
	held_drop(&h, 2);
	is_int(h.len, 2, "two dropped, two left");
	is_int(held_at(&h, 0)->ev->serial, 3, "the oldest left is the third");
	is_int(h.bytes, 2 * b, "the bytes follow");

	/* Order survives the ring's growth and wrap-around. */
	held_free(&h);
	held_init(&h, SIZE_MAX);
	uint64_t next = 1, first = 1;
	int in_order = 1;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 300; i++)
			if (held_push(&h, (struct held_item){.ev = event(next++, 1)}, false) < 0)
				abort();
		for (size_t i = 0; i < h.len; i++)
			in_order &= held_at(&h, i)->ev->serial == first + i;
		held_drop(&h, 250);
		first += 250;
	}
	ok(in_order, "oldest first through growth and wrap-around");
	is_int(h.len, 20 * 50, "what was pushed and not dropped is held");
	held_free(&h);
	is_int(h.len, 0, "held_free empties it");
	held_free(&h); /* twice: accepts an empty FIFO */
	return tap_done();
}
