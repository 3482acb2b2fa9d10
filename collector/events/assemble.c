/* assemble.c: turns the records of one audit event (SYSCALL, any number of
 * OBJ_PID, PROCTITLE, EOE) into one st_event. Two ways in, one field logic:
 *  - log lines (asm_feed_line in logline.c: stdin, imports, auditd plugin
 *    mode) are parsed one record at a time by libauparse, which copes with
 *    every format auditd writes (node= prefixes, ENRICHED fields, escaping);
 *  - netlink records (asm_feed_record: the live hot path) are in the one
 *    format the kernel writes: space-separated name=value, strings quoted or
 *    hex, never a space inside a value. They are split in place here: no
 *    allocation per field, no copy of the record into libauparse's lists
 *    (which cost three times what the rest of the pipeline did:
 *    tests/bench/README.md).
 * Both group records into events here, by serial, time and node, in a
 * bounded set of open slots (asm_slot_*): a record of an event not open
 * takes a free slot, or completes the oldest open event (counted as evicted),
 * so a log whose events never end costs the same per line as any other.
 * (libauparse's own grouping keeps every open event in a list it scans per
 * line: quadratic on a log without EOE.) Both feed each (name, value) pair to
 * the same syscall and OBJ_PID field logic and decode values here, without
 * auparse's interpretation calls, so the two paths give the same events
 * (tests/unit/test_kernel_records.c checks that on records recorded from
 * the kernel). Exercise it with
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log */
#include "sigtrail/assemble.h"

#include <errno.h>
#include <linux/audit.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigtrail/clock.h"
#include "sigtrail/decode.h"
#include "sigtrail/filter.h"
#include "sigtrail/sigsys.h"
#include "asm_internal.h"

/* Decode a raw value into the arena; NO_STR when absent or out of room. */
uint32_t asm_arena_add(struct scratch *s, const char *raw)
{
	size_t room = sizeof(s->arena) - s->used;
	ssize_t n;

	if (room < 2)
		return NO_STR;
	n = decode_value(raw, s->arena + s->used, room > ST_MAX_FIELD ? ST_MAX_FIELD : room);
	if (n < 0)
		return NO_STR;
	uint32_t off = (uint32_t)s->used;
	s->used += (size_t)n + 1;
	return off;
}

static bool num(const char *v, int base, int64_t *ret)
{
	return v && parse_i64(v, base, ret) == 0;
}

/* auid/ses: 4294967295 (unsigned form) and -1 (signed form) mean unset. */
static int64_t id_or_unset(const char *v)
{
	int64_t x;

	if (!num(v, 10, &x) || x == -1 || x == 4294967295)
		return ST_ID_UNSET;
	return x;
}

static void scratch_reset(struct scratch *s)
{
	memset(s->ev, 0, sizeof(*s->ev));
	s->ev->uid = s->ev->euid = s->ev->auid = s->ev->ses = ST_ID_UNSET;
	s->host = s->tty = s->comm = s->exe = s->cmdline = s->user = s->login = NO_STR;
	s->have_syscall = s->bad = false;
	s->n_targets = 0;
	s->used = 0;
}

static bool is(const char *n, const char *name)
{
	return strcmp(n, name) == 0;
}

/* One field of a SYSCALL record; names dispatched on their first byte, as a
 * record has about thirty and only half matter. */
void asm_syscall_field(struct scratch *s, const char *n, const char *v)
{
	struct st_event *ev = s->ev;
	int64_t x;

	switch (n[0]) {
	case 'a':
		if (n[1] >= '0' && n[1] <= '2' && n[2] == '\0')
			s->a[n[1] - '0'] = v;
		else if (is(n, "arch"))
			(void)num(v, 16, &s->arch);
		else if (is(n, "auid"))
			ev->auid = id_or_unset(v);
		break;
	case 'c':
		if (is(n, "comm"))
			s->comm = asm_arena_add(s, v);
		break;
	case 'e':
		if (is(n, "exit"))
			s->bad |= !num(v, 10, &s->ex);
		else if (is(n, "euid"))
			ev->euid = id_or_unset(v);
		else if (is(n, "exe"))
			s->exe = asm_arena_add(s, v);
		break;
	case 'p':
		if (is(n, "pid"))
			ev->pid = num(v, 10, &x) ? (int32_t)x : 0;
		else if (is(n, "ppid"))
			ev->ppid = num(v, 10, &x) ? (int32_t)x : 0;
		break;
	case 's':
		if (is(n, "syscall"))
			(void)num(v, 10, &s->nr);
		else if (is(n, "success"))
			s->success = v;
		else if (is(n, "ses"))
			ev->ses = id_or_unset(v);
		break;
	case 't':
		if (is(n, "tty"))
			s->tty = asm_arena_add(s, v);
		break;
	case 'u':
		if (is(n, "uid"))
			ev->uid = id_or_unset(v);
		break;
	default:
		break;
	}
}

void asm_syscall_begin(struct scratch *s)
{
	s->have_syscall = true;
	s->a[0] = s->a[1] = s->a[2] = s->success = NULL;
	s->arch = s->nr = -1;
	s->ex = 0;
}

/* After the last field: the values that must agree with each other. The
 * strings in s->a[] and s->success must still be valid here. */
void asm_syscall_end(struct scratch *s)
{
	struct st_event *ev = s->ev;
	const struct sigsys *sc =
	    s->arch >= 0 && s->arch <= UINT32_MAX && s->nr >= 0 && s->nr <= INT32_MAX
	        ? sigsys_lookup((uint32_t)s->arch, (int)s->nr)
	        : NULL;
	uint64_t a0, sig;

	if (!sc || !s->success || !s->a[0] || parse_reg(s->a[0], &a0) < 0 || !s->a[sc->sig_arg] ||
	    parse_reg(s->a[sc->sig_arg], &sig) < 0 || ev->pid <= 0 || s->ex < INT32_MIN ||
	    s->ex > INT32_MAX || (uint32_t)sig > INT32_MAX) {
		s->bad = true;
		return;
	}
	ev->arch = (uint32_t)s->arch;
	ev->syscall = (int32_t)s->nr;
	ev->success = strcmp(s->success, "yes") == 0;
	ev->exit = (int32_t)s->ex;
	/* Arguments are registers printed in hex. The pid/fd argument is an int
	 * in every ABI: the kernel takes its low 32 bits, sign and all (-PGID,
	 * -1), whatever the upper half holds. A caller that passes a long (Go's
	 * syscall.Kill(-pgid, sig)) sign-extends it to 16 digits. */
	ev->target_arg = (int32_t)(uint32_t)a0;
	ev->signal = (int32_t)(uint32_t)sig; /* an int too: its low 32 bits */
}

void asm_obj_pid_begin(struct obj_pid *o)
{
	*o = (struct obj_pid){
	    .t = {.uid = ST_ID_UNSET, .auid = ST_ID_UNSET, .ses = ST_ID_UNSET},
	    .comm = NO_STR,
	};
}

void asm_obj_pid_field(struct scratch *s, struct obj_pid *o, const char *n, const char *v)
{
	int64_t x;

	if (n[0] != 'o')
		return;
	if (is(n, "opid"))
		o->t.pid = num(v, 10, &x) ? (int32_t)x : 0;
	else if (is(n, "ouid"))
		o->t.uid = id_or_unset(v);
	else if (is(n, "oauid"))
		o->t.auid = id_or_unset(v);
	else if (is(n, "oses"))
		o->t.ses = id_or_unset(v);
	else if (is(n, "ocomm"))
		o->comm = asm_arena_add(s, v);
}

/* Room for one more target? Counts the ones beyond ST_MAX_TARGETS. */
bool asm_obj_pid_room(struct scratch *s, struct assembler *a)
{
	if (s->n_targets < ST_MAX_TARGETS)
		return true;
	s->ev->n_truncated++;
	a->stats.targets_dropped++;
	return false;
}

int asm_obj_pid_end(struct scratch *s, const struct obj_pid *o)
{
	if (o->t.pid <= 0)
		return -1; /* an OBJ_PID without a usable pid says nothing */
	s->targets[s->n_targets].t = o->t;
	s->targets[s->n_targets].comm = o->comm;
	s->targets[s->n_targets].user = NO_STR;
	return (int)s->n_targets++;
}

static const char *str_at(char *base, uint32_t off)
{
	return off == NO_STR ? NULL : base + off;
}

/* Copy the scratch event into one exact-size allocation. */
static struct st_event *pack(const struct scratch *s)
{
	size_t tsz = (size_t)s->n_targets * sizeof(struct st_target);
	struct st_event *ev = malloc(sizeof(*ev) + tsz + s->used);

	if (!ev)
		return NULL;
	*ev = *s->ev;
	ev->n_targets = s->n_targets;
	char *strs = (char *)ev + sizeof(*ev) + tsz;
	memcpy(strs, s->arena, s->used);
	ev->host = str_at(strs, s->host);
	ev->tty = str_at(strs, s->tty);
	ev->comm = str_at(strs, s->comm);
	ev->exe = str_at(strs, s->exe);
	ev->cmdline = str_at(strs, s->cmdline);
	ev->user = str_at(strs, s->user);
	ev->login = str_at(strs, s->login);
	for (uint32_t i = 0; i < s->n_targets; i++) {
		ev->targets[i] = s->targets[i].t;
		ev->targets[i].comm = str_at(strs, s->targets[i].comm);
		ev->targets[i].user = str_at(strs, s->targets[i].user);
	}
	return ev;
}

/* Hand a finished scratch event to the callback, or count why not. */
static void deliver(struct assembler *a, const struct scratch *s)
{
	if (!s->have_syscall || s->bad) {
		a->stats.malformed++;
		return;
	}
	struct st_event *ev = pack(s);
	if (!ev) {
		a->stats.oom++;
		return;
	}
	a->stats.events++;
	a->fn(a->userdata, ev);
}

/* The line path's record callback (logline.c). */
void asm_line_record(auparse_state_t *au, auparse_cb_event_t type, void *userdata);

int asm_new(asm_event_fn fn, void *userdata, unsigned eoe_timeout_s, struct assembler **ret)
{
	struct assembler *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->au = auparse_init(AUSOURCE_FEED, NULL);
	if (!a->au) {
		asm_free(a);
		return -ENOMEM;
	}
	a->fn = fn;
	a->userdata = userdata;
	a->eoe_timeout_ms = eoe_timeout_s * 1000;
	auparse_add_callback(a->au, asm_line_record, a, NULL);
	*ret = a;
	return 0;
}

void asm_slot_complete(struct assembler *a, struct kslot *k, bool ended)
{
	k->used = false;
	if (!ended)
		a->stats.incomplete++;
	deliver(a, k->s);
}

struct kslot *asm_slot_find(struct kslot *set, unsigned n, uint64_t serial, int64_t ms,
                            uint64_t host_h)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i].used && set[i].serial == serial && set[i].ms == ms &&
		    set[i].host_h == host_h)
			return &set[i];
	return NULL;
}

static struct kslot *slot_oldest(struct kslot *set, unsigned n)
{
	struct kslot *k = &set[0];

	for (unsigned i = 1; i < n; i++)
		if (set[i].order < k->order)
			k = &set[i];
	return k;
}

struct kslot *asm_slot_open(struct assembler *a, struct kslot *set, unsigned n, uint64_t serial,
                            int64_t ms, uint64_t host_h)
{
	struct kslot *k = NULL;

	for (unsigned i = 0; i < n && !k; i++)
		if (!set[i].used)
			k = &set[i];
	if (!k) {
		k = slot_oldest(set, n);
		/* A log line's late records are then lost: the filter follows
		 * as many events as there are slots. A netlink event's come to
		 * a slot of their own and count as a malformed event. */
		if (set == a->l)
			a->stats.evicted++;
		asm_slot_complete(a, k, false);
	}
	if (!k->s) {
		k->s = malloc(sizeof(*k->s));
		if (k->s && !(k->s->ev = malloc(sizeof(*k->s->ev)))) {
			free(k->s);
			k->s = NULL;
		}
		if (!k->s)
			return NULL;
	}
	scratch_reset(k->s);
	k->s->ev->epoch_ms = ms;
	k->s->ev->serial = serial;
	k->used = true;
	k->serial = serial;
	k->ms = ms;
	k->host_h = host_h;
	k->born_ms = now_coarse_ms();
	k->order = a->next_order++;
	return k;
}

/* Split the fields of a kernel record, in place, into (name, value) pairs.
 * Values never contain a space (the kernel hex-encodes such strings); a
 * 0x1d would start auditd's ENRICHED part, which netlink never carries:
 * nothing after it is read. */
static void kernel_fields(struct assembler *a, struct scratch *s, int type, char *p, char *end)
{
	struct obj_pid o;

	if (type == AUDIT_SYSCALL)
		asm_syscall_begin(s);
	else if (type == AUDIT_OBJ_PID) {
		if (!asm_obj_pid_room(s, a))
			return;
		asm_obj_pid_begin(&o);
	}
	char *gs = memchr(p, 0x1d, (size_t)(end - p));
	if (gs)
		end = gs;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		char *tok = p, *sp = memchr(p, ' ', (size_t)(end - p));
		p = sp ? sp : end;
		*p++ = '\0';
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok)
			continue;
		*eq = '\0';
		if (type == AUDIT_SYSCALL)
			asm_syscall_field(s, tok, eq + 1);
		else if (type == AUDIT_OBJ_PID)
			asm_obj_pid_field(s, &o, tok, eq + 1);
		else if (strcmp(tok, "proctitle") == 0) {
			s->cmdline = asm_arena_add(s, eq + 1);
			break;
		}
	}
	if (type == AUDIT_SYSCALL)
		asm_syscall_end(s);
	else if (type == AUDIT_OBJ_PID)
		asm_obj_pid_end(s, &o);
}

int asm_feed_record(struct assembler *a, int type, const char *body, size_t len)
{
	int64_t ms;
	uint64_t serial;
	struct kslot *k;

	if (len > ST_MAX_RECORD) {
		a->stats.feed_errors++;
		return -E2BIG;
	}
	int hdr = filter_parse_header(body, len, &ms, &serial);
	if (hdr < 0) {
		a->stats.feed_errors++;
		return -EINVAL;
	}
	k = asm_slot_find(a->k, K_SLOTS, serial, ms, 0);
	if (type == AUDIT_EOE) {
		if (k)
			asm_slot_complete(a, k, true);
		else
			a->stats.malformed++; /* an end without a beginning */
		return 0;
	}
	if (k && type == AUDIT_SYSCALL && k->s->have_syscall) {
		asm_slot_complete(a, k,
		                  true); /* a second SYSCALL: a new event reusing the serial */
		k = NULL;
	}
	if (!k && !(k = asm_slot_open(a, a->k, K_SLOTS, serial, ms, 0))) {
		a->stats.oom++;
		return -ENOMEM;
	}
	if (type != AUDIT_SYSCALL && type != AUDIT_OBJ_PID && type != AUDIT_PROCTITLE)
		return 0; /* part of the event, nothing sigtrail reads */
	/* In the line buffer: the record is split in place. */
	memcpy(a->line, body + hdr, len - (size_t)hdr);
	kernel_fields(a, k->s, type, a->line, a->line + (len - (size_t)hdr));
	return 0;
}

/* Complete the open events of set[0..n), oldest first: all, or those
 * older than the EOE timeout. */
static void slots_complete(struct assembler *a, struct kslot *set, unsigned n, bool all)
{
	int64_t now = now_coarse_ms();

	for (;;) {
		struct kslot *oldest = NULL;
		for (unsigned i = 0; i < n; i++)
			if (set[i].used && (all || now - set[i].born_ms >= a->eoe_timeout_ms) &&
			    (!oldest || set[i].order < oldest->order))
				oldest = &set[i];
		if (!oldest)
			return;
		asm_slot_complete(a, oldest, false);
	}
}

void asm_age(struct assembler *a)
{
	slots_complete(a, a->k, K_SLOTS, false);
	slots_complete(a, a->l, L_SLOTS, false);
}

void asm_flush(struct assembler *a)
{
	slots_complete(a, a->k, K_SLOTS, true);
	slots_complete(a, a->l, L_SLOTS, true);
}

void asm_stats(const struct assembler *a, struct asm_stats *ret)
{
	*ret = a->stats;
}

static void slots_free(struct kslot *set, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (set[i].s)
			free(set[i].s->ev);
		free(set[i].s);
	}
}

void asm_free(struct assembler *a)
{
	if (!a)
		return;
	if (a->au)
		auparse_destroy(a->au);
	slots_free(a->k, K_SLOTS);
	slots_free(a->l, L_SLOTS);
	free(a);
}

void st_event_free(struct st_event *ev)
{
	free(ev);
}
