/* held.c: the writer's FIFO of items taken from its queue and not yet
 * committed (held.h), bounded in bytes, so that a database that refuses
 * writes (a full disk) costs memory up to a budget and no rows before it.
 * Exercise it with tests/unit/test_held.c, or through the kernel suite's
 * diskfull test. */
#include "held.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { HELD_MIN_SLOTS = 256 };

void held_init(struct held *h, size_t max_bytes)
{
	*h = (struct held){.max_bytes = max_bytes};
}

static size_t str_bytes(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static size_t event_bytes(const struct st_event *ev)
{
	size_t n = sizeof(*ev) + ev->n_targets * sizeof(ev->targets[0]);

	n += str_bytes(ev->host) + str_bytes(ev->tty) + str_bytes(ev->comm) + str_bytes(ev->exe) +
	     str_bytes(ev->cmdline) + str_bytes(ev->user) + str_bytes(ev->login);
	for (uint32_t i = 0; i < ev->n_targets; i++)
		n += str_bytes(ev->targets[i].comm) + str_bytes(ev->targets[i].user);
	return n;
}

/* An extra may be shared by many events (a storm from one sender): each
 * counts it whole, which overstates the memory and keeps the bound safe. */
static size_t extra_bytes(const struct proc_extra *x)
{
	size_t n = sizeof(*x) + x->n_targets * sizeof(x->targets[0]);

	n += str_bytes(x->sender_ancestry) + str_bytes(x->sender_unit) +
	     str_bytes(x->sender_container);
	for (uint32_t i = 0; i < x->n_members && i < PTAB_MAX_DEPTH; i++)
		n += str_bytes(x->members[i].comm) + str_bytes(x->members[i].exe) +
		     str_bytes(x->members[i].cmdline);
	for (uint32_t i = 0; i < x->n_targets; i++)
		n += str_bytes(x->targets[i].exe) + str_bytes(x->targets[i].cmdline) +
		     str_bytes(x->targets[i].unit) + str_bytes(x->targets[i].container);
	return n;
}

static size_t death_bytes(const struct deathq_ready *r)
{
	const struct death *d = &r->death;

	return sizeof(*r) + str_bytes(d->comm) + str_bytes(d->exe) + str_bytes(d->cmdline) +
	       str_bytes(d->unit) + str_bytes(d->container);
}

static size_t zombie_bytes(const struct zombie_note *z)
{
	return sizeof(*z) + str_bytes(z->comm) + str_bytes(z->cmdline) + str_bytes(z->parent_comm) +
	       str_bytes(z->parent_cmdline) + str_bytes(z->unit) + str_bytes(z->container);
}

size_t held_item_bytes(const struct held_item *it)
{
	size_t n = sizeof(*it);

	if (it->ev)
		n += event_bytes(it->ev);
	if (it->extra)
		n += extra_bytes(it->extra);
	if (it->death)
		n += death_bytes(it->death);
	if (it->zombie)
		n += zombie_bytes(it->zombie);
	return n;
}

uint64_t held_item_rows(const struct held_item *it)
{
	if (it->death || it->zombie)
		return 1;
	return it->ev && it->ev->n_targets > 0 ? it->ev->n_targets : 1;
}

static int grow(struct held *h)
{
	size_t cap = h->cap ? h->cap * 2 : HELD_MIN_SLOTS;
	struct held_item *v = malloc(cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < h->len; i++) /* unwrap the ring */
		v[i] = h->v[(h->head + i) % h->cap];
	free(h->v);
	h->v = v;
	h->cap = cap;
	h->head = 0;
	return 0;
}

int held_push(struct held *h, struct held_item it, bool force)
{
	it.bytes = held_item_bytes(&it);
	if (!force && h->bytes + it.bytes > h->max_bytes)
		return -ENOBUFS;
	if (h->len == h->cap) {
		int r = grow(h);
		if (r < 0)
			return r;
	}
	h->v[(h->head + h->len) % h->cap] = it;
	h->len++;
	h->bytes += it.bytes;
	return 0;
}

struct held_item *held_at(struct held *h, size_t i)
{
	return &h->v[(h->head + i) % h->cap];
}

void held_item_free(struct held_item *it)
{
	st_event_free(it->ev);
	proc_extra_free(it->extra);
	deathq_ready_free(it->death);
	zombie_note_free(it->zombie);
	*it = (struct held_item){0};
}

void held_drop(struct held *h, size_t n)
{
	for (size_t i = 0; i < n && h->len > 0; i++) {
		struct held_item *it = &h->v[h->head];
		h->bytes -= it->bytes;
		held_item_free(it);
		h->head = (h->head + 1) % h->cap;
		h->len--;
	}
	if (h->len == 0)
		h->head = 0;
}

void held_free(struct held *h)
{
	held_drop(h, h->len);
	free(h->v);
	*h = (struct held){.max_bytes = h->max_bytes};
}
