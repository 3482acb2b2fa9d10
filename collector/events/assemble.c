/* assemble.c: turns the records of one audit event (SYSCALL, any number of
 * OBJ_PID, PROCTITLE, EOE) into one st_event. Two ways in, one field logic:
 *  - log lines (asm_feed_line: stdin, imports, auditd plugin mode) go through
 *    libauparse in feed mode, which copes with every format auditd writes
 *    (node= prefixes, ENRICHED fields, interleaved events) and ages out events
 *    whose EOE never comes;
 *  - netlink records (asm_feed_record: the live hot path) are in the one
 *    format the kernel writes: space-separated name=value, strings quoted or
 *    hex, never a space inside a value. They are grouped by serial here, in a
 *    few slots, split in place and completed at their EOE: no allocation per
 *    field, no copy of the record into libauparse's lists (which cost three
 *    times what the rest of the pipeline did: tests/bench/README.md).
 * Both feed each (name, value) pair to the same syscall_field()/obj_pid_field()
 * and decode values here, without auparse's interpretation calls, so the two
 * paths give the same events (tests/unit/test_kernel_records.c checks that on
 * records recorded from the kernel). Exercise it with
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log */
#include "sigtrail/assemble.h"

#include <auparse.h>
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

enum {
	NO_STR = UINT32_MAX,
	/* Netlink events assembled at once. Records of one event come in a row
	 * from one task; another CPU's event may slip between them, so a few
	 * slots suffice; the oldest is completed when all are taken. */
	K_SLOTS = 8,
};

/* An event under construction; strings are offsets into arena. */
struct scratch {
	struct st_event *ev; /* the fixed part (its own allocation: targets[] follows it) */
	uint32_t host, tty, comm, exe, cmdline;
	bool have_syscall, bad;
	/* SYSCALL fields kept until the record ends (checked together) */
	const char *a[3], *success;
	int64_t arch, nr, ex;
	uint32_t n_targets;
	struct {
		struct st_target t;
		uint32_t comm;
	} targets[ST_MAX_TARGETS];
	size_t used;
	char arena[ST_MAX_EVENT_STR];
};

/* A netlink event being assembled. */
struct kslot {
	bool used;
	uint64_t serial;
	int64_t born_ms;   /* CLOCK_MONOTONIC when its first record came: for aging */
	uint64_t order;    /* arrival order, to complete the oldest first */
	struct scratch *s; /* allocated on first use, kept */
};

struct assembler {
	auparse_state_t *au;
	asm_event_fn fn;
	void *userdata;
	struct asm_stats stats;
	struct scratch *s;
	unsigned eoe_timeout_ms;
	uint64_t next_order;
	struct kslot k[K_SLOTS];
	char line[ST_MAX_RECORD + 64]; /* a log line with its newline, for libauparse */
};

/* Decode a raw value into the arena; NO_STR when absent or out of room. */
static uint32_t arena_add(struct scratch *s, const char *raw)
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
	s->host = s->tty = s->comm = s->exe = s->cmdline = NO_STR;
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
static void syscall_field(struct scratch *s, const char *n, const char *v)
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
			s->comm = arena_add(s, v);
		break;
	case 'e':
		if (is(n, "exit"))
			s->bad |= !num(v, 10, &s->ex);
		else if (is(n, "euid"))
			ev->euid = id_or_unset(v);
		else if (is(n, "exe"))
			s->exe = arena_add(s, v);
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
			s->tty = arena_add(s, v);
		break;
	case 'u':
		if (is(n, "uid"))
			ev->uid = id_or_unset(v);
		break;
	default:
		break;
	}
}

static void syscall_begin(struct scratch *s)
{
	s->have_syscall = true;
	s->a[0] = s->a[1] = s->a[2] = s->success = NULL;
	s->arch = s->nr = -1;
	s->ex = 0;
}

/* After the last field: the values that must agree with each other. The
 * strings in s->a[] and s->success must still be valid here. */
static void syscall_end(struct scratch *s)
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

static void parse_syscall(struct scratch *s, auparse_state_t *au)
{
	syscall_begin(s);
	if (auparse_first_field(au) <= 0) {
		s->bad = true;
		return;
	}
	do {
		const char *n = auparse_get_field_name(au), *v = auparse_get_field_str(au);
		if (n && v)
			syscall_field(s, n, v);
	} while (auparse_next_field(au) > 0);
	syscall_end(s);
}

/* One OBJ_PID record in progress. */
struct obj_pid {
	struct st_target t;
	uint32_t comm;
};

static void obj_pid_begin(struct obj_pid *o)
{
	*o = (struct obj_pid){
	    .t = {.uid = ST_ID_UNSET, .auid = ST_ID_UNSET, .ses = ST_ID_UNSET},
	    .comm = NO_STR,
	};
}

static void obj_pid_field(struct scratch *s, struct obj_pid *o, const char *n, const char *v)
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
		o->comm = arena_add(s, v);
}

/* Room for one more target? Counts the ones beyond ST_MAX_TARGETS. */
static bool obj_pid_room(struct scratch *s, struct assembler *a)
{
	if (s->n_targets < ST_MAX_TARGETS)
		return true;
	s->ev->n_truncated++;
	a->stats.targets_dropped++;
	return false;
}

static void obj_pid_end(struct scratch *s, const struct obj_pid *o)
{
	if (o->t.pid <= 0)
		return; /* an OBJ_PID without a usable pid says nothing */
	s->targets[s->n_targets].t = o->t;
	s->targets[s->n_targets].comm = o->comm;
	s->n_targets++;
}

static void parse_obj_pid(struct scratch *s, struct assembler *a, auparse_state_t *au)
{
	struct obj_pid o;

	if (!obj_pid_room(s, a))
		return;
	obj_pid_begin(&o);
	if (auparse_first_field(au) <= 0)
		return;
	do {
		const char *n = auparse_get_field_name(au), *v = auparse_get_field_str(au);
		if (n && v)
			obj_pid_field(s, &o, n, v);
	} while (auparse_next_field(au) > 0);
	obj_pid_end(s, &o);
}

static void parse_proctitle(struct scratch *s, auparse_state_t *au)
{
	if (auparse_first_field(au) <= 0)
		return;
	do {
		const char *n = auparse_get_field_name(au);
		if (n && strcmp(n, "proctitle") == 0) {
			const char *v = auparse_get_field_str(au);
			if (v)
				s->cmdline = arena_add(s, v);
			return;
		}
	} while (auparse_next_field(au) > 0);
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
	for (uint32_t i = 0; i < s->n_targets; i++) {
		ev->targets[i] = s->targets[i].t;
		ev->targets[i].comm = str_at(strs, s->targets[i].comm);
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

static void on_event(auparse_state_t *au, auparse_cb_event_t type, void *userdata)
{
	struct assembler *a = userdata;
	struct scratch *s = a->s;
	const au_event_t *ts;

	if (type != AUPARSE_CB_EVENT_READY || auparse_first_record(au) <= 0)
		return;
	scratch_reset(s);

	ts = auparse_get_timestamp(au);
	if (!ts) {
		a->stats.malformed++;
		return;
	}
	s->ev->epoch_ms = (int64_t)ts->sec * 1000 + ts->milli;
	s->ev->serial = ts->serial;
	if (ts->host)
		s->host = arena_add(s, ts->host);
	do {
		switch (auparse_get_type(au)) {
		case AUDIT_SYSCALL:
			parse_syscall(s, au);
			break;
		case AUDIT_OBJ_PID:
			parse_obj_pid(s, a, au);
			break;
		case AUDIT_PROCTITLE:
			parse_proctitle(s, au);
			break;
		default:
			break;
		}
	} while (auparse_next_record(au) > 0);
	deliver(a, s);
}

int asm_new(asm_event_fn fn, void *userdata, unsigned eoe_timeout_s, struct assembler **ret)
{
	struct assembler *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->s = malloc(sizeof(*a->s));
	if (a->s)
		a->s->ev = malloc(sizeof(*a->s->ev));
	a->au = auparse_init(AUSOURCE_FEED, NULL);
	if (!a->s || !a->s->ev || !a->au) {
		asm_free(a);
		return -ENOMEM;
	}
	a->fn = fn;
	a->userdata = userdata;
	a->eoe_timeout_ms = eoe_timeout_s * 1000;
	(void)auparse_set_eoe_timeout((time_t)eoe_timeout_s);
	auparse_add_callback(a->au, on_event, a, NULL);
	*ret = a;
	return 0;
}

/* Complete a netlink event and free its slot. */
static void kslot_complete(struct assembler *a, struct kslot *k)
{
	k->used = false;
	deliver(a, k->s);
}

static struct kslot *kslot_find(struct assembler *a, uint64_t serial)
{
	for (unsigned i = 0; i < K_SLOTS; i++)
		if (a->k[i].used && a->k[i].serial == serial)
			return &a->k[i];
	return NULL;
}

/* A slot for a new event: a free one, else the oldest is completed as it
 * is. NULL only when memory runs out. */
static struct kslot *kslot_open(struct assembler *a, uint64_t serial, int64_t ms)
{
	struct kslot *k = NULL;

	for (unsigned i = 0; i < K_SLOTS && !k; i++)
		if (!a->k[i].used)
			k = &a->k[i];
	if (!k) {
		k = &a->k[0];
		for (unsigned i = 1; i < K_SLOTS; i++)
			if (a->k[i].order < k->order)
				k = &a->k[i];
		kslot_complete(a, k);
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
		syscall_begin(s);
	else if (type == AUDIT_OBJ_PID) {
		if (!obj_pid_room(s, a))
			return;
		obj_pid_begin(&o);
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
			syscall_field(s, tok, eq + 1);
		else if (type == AUDIT_OBJ_PID)
			obj_pid_field(s, &o, tok, eq + 1);
		else if (strcmp(tok, "proctitle") == 0) {
			s->cmdline = arena_add(s, eq + 1);
			break;
		}
	}
	if (type == AUDIT_SYSCALL)
		syscall_end(s);
	else if (type == AUDIT_OBJ_PID)
		obj_pid_end(s, &o);
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
	k = kslot_find(a, serial);
	if (type == AUDIT_EOE) {
		if (k)
			kslot_complete(a, k);
		else
			a->stats.malformed++; /* an end without a beginning */
		return 0;
	}
	if (k && type == AUDIT_SYSCALL && k->s->have_syscall) {
		kslot_complete(a, k); /* a second SYSCALL: a new event reusing the serial */
		k = NULL;
	}
	if (!k && !(k = kslot_open(a, serial, ms))) {
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

int asm_feed_line(struct assembler *a, const char *line, size_t len)
{
	if (len > ST_MAX_RECORD) {
		a->stats.feed_errors++;
		return -E2BIG;
	}
	memcpy(a->line, line, len);
	a->line[len] = '\n';
	if (auparse_feed(a->au, a->line, len + 1) < 0) {
		a->stats.feed_errors++;
		return -EINVAL;
	}
	return 0;
}

/* Complete netlink events, oldest first: all, or those older than the
 * EOE timeout. */
static void kslots_complete(struct assembler *a, bool all)
{
	int64_t now = now_coarse_ms();

	for (;;) {
		struct kslot *oldest = NULL;
		for (unsigned i = 0; i < K_SLOTS; i++)
			if (a->k[i].used && (all || now - a->k[i].born_ms >= a->eoe_timeout_ms) &&
			    (!oldest || a->k[i].order < oldest->order))
				oldest = &a->k[i];
		if (!oldest)
			return;
		kslot_complete(a, oldest);
	}
}

void asm_age(struct assembler *a)
{
	kslots_complete(a, false);
	auparse_feed_age_events(a->au);
}

void asm_flush(struct assembler *a)
{
	kslots_complete(a, true);
	(void)auparse_flush_feed(a->au);
}

void asm_stats(const struct assembler *a, struct asm_stats *ret)
{
	*ret = a->stats;
}

void asm_free(struct assembler *a)
{
	if (!a)
		return;
	if (a->au)
		auparse_destroy(a->au);
	if (a->s)
		free(a->s->ev);
	free(a->s);
	for (unsigned i = 0; i < K_SLOTS; i++) {
		if (a->k[i].s)
			free(a->k[i].s->ev);
		free(a->k[i].s);
	}
	free(a);
}

void st_event_free(struct st_event *ev)
{
	free(ev);
}
