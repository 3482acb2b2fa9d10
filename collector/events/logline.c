/* logline.c: the log-line way into the assembler (asm_feed_line): auditd
 * log lines, raw or ENRICHED, from sigtraild's stdin source and from
 * `sigtrail import`. libauparse parses each line alone, as an event of one
 * record (fed, then flushed: it never holds more than that one), and this
 * file groups the records into events in the bounded set of open slots of
 * asm_internal.h. libauparse's own grouping kept every open event in a list
 * that it scans for each line, and an event without EOE stays in it for
 * eoe_timeout seconds of log time: 20,000 SYSCALL records without EOE took
 * 16.6 s, 200,000 over ten minutes. Here a line costs the same whatever came
 * before: an event completes at its PROCTITLE (the kernel's last record before
 * EOE, which auditd does not write), at its EOE, when a record of the log
 * comes eoe_timeout seconds after it, or when L_SLOTS others are open (the
 * oldest is evicted and counted). The names an ENRICHED log carries after its
 * 0x1d (UID="alice", AUID=, OUID=) become the event's user names: resolved
 * where the log was written, the only names a log from another host can have.
 * Exercise it with
 *   sigtrail import --db /tmp/t.db tests/cli/fixtures/auditd-enriched.log
 *   sqlite3 /tmp/t.db 'select serial, sender_user, target_user from signals' */
#include <errno.h>
#include <linux/audit.h>
#include <string.h>

#include "sigtrail/decode.h"
#include "asm_internal.h"

/* FNV-1a of a node name: 0 for none. */
static uint64_t host_hash(const char *h)
{
	uint64_t x = UINT64_C(0xcbf29ce484222325);

	if (!h)
		return 0;
	for (; *h; h++)
		x = (x ^ (unsigned char)*h) * UINT64_C(0x100000001b3);
	return x | 1;
}

/* A node name into the arena as it is (escaped, never hex-decoded: a node
 * named db01 is not the bytes DB 01); NO_STR when out of room. */
static uint32_t arena_add_plain(struct scratch *s, const char *raw)
{
	size_t room = sizeof(s->arena) - s->used, n = strlen(raw);

	if (room < 2 || n == 0)
		return NO_STR;
	if (n > ST_MAX_FIELD)
		n = ST_MAX_FIELD;
	size_t len = decode_escape_bytes((const unsigned char *)raw, n, s->arena + s->used, room);
	uint32_t off = (uint32_t)s->used;
	s->used += len + 1;
	return off;
}

/* The value of NAME= in the ENRICHED part of the line, decoded into the
 * arena; NO_STR when absent, "unset" or "unknown(N)" (no name where it was
 * written). */
static uint32_t enriched_name(struct assembler *a, struct scratch *s, const char *name)
{
	const char *p = a->enriched, *end = a->enriched_end;
	size_t nlen = strlen(name);
	char raw[256 + 3];

	while (p && p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *tok = p, *v = tok + nlen + 1;
		bool quoted = v < end && *v == '"';
		const char *ve = quoted ? memchr(v + 1, '"', (size_t)(end - v - 1)) : NULL;
		ve = ve ? ve + 1 : memchr(tok, ' ', (size_t)(end - tok));
		if (!ve)
			ve = end;
		p = ve;
		if ((size_t)(end - tok) <= nlen || memcmp(tok, name, nlen) != 0 || tok[nlen] != '=')
			continue;
		size_t vlen = (size_t)(ve - v);
		if (vlen >= sizeof(raw) || !quoted)
			return NO_STR; /* not a name auditd writes */
		memcpy(raw, v, vlen);
		raw[vlen] = '\0';
		if (strcmp(raw, "\"unset\"") == 0 || strncmp(raw, "\"unknown(", 9) == 0)
			return NO_STR;
		return asm_arena_add(s, raw);
	}
	return NO_STR;
}

static void parse_syscall(struct assembler *a, struct scratch *s, auparse_state_t *au)
{
	asm_syscall_begin(s);
	if (auparse_first_field(au) <= 0) {
		s->bad = true;
		return;
	}
	do {
		const char *n = auparse_get_field_name(au), *v = auparse_get_field_str(au);
		if (n && v)
			asm_syscall_field(s, n, v);
	} while (auparse_next_field(au) > 0);
	asm_syscall_end(s);
	s->user = enriched_name(a, s, "UID");
	s->login = enriched_name(a, s, "AUID");
}

static void parse_obj_pid(struct scratch *s, struct assembler *a, auparse_state_t *au)
{
	struct obj_pid o;

	if (!asm_obj_pid_room(s, a))
		return;
	asm_obj_pid_begin(&o);
	if (auparse_first_field(au) <= 0)
		return;
	do {
		const char *n = auparse_get_field_name(au), *v = auparse_get_field_str(au);
		if (n && v)
			asm_obj_pid_field(s, &o, n, v);
	} while (auparse_next_field(au) > 0);
	int i = asm_obj_pid_end(s, &o);
	if (i >= 0)
		s->targets[i].user = enriched_name(a, s, "OUID");
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
				s->cmdline = asm_arena_add(s, v);
			return;
		}
	} while (auparse_next_field(au) > 0);
}

/* The open event of this record, completing on the way those a record of
 * the log has made overdue (eoe_timeout later in log time, as libauparse
 * did), or NULL. */
static struct kslot *find_open(struct assembler *a, uint64_t serial, int64_t ms, uint64_t host_h)
{
	struct kslot *found = NULL;

	for (unsigned i = 0; i < L_SLOTS; i++) {
		struct kslot *k = &a->l[i];
		if (!k->used)
			continue;
		if (k->serial == serial && k->ms == ms && k->host_h == host_h)
			found = k;
		else if (ms - k->ms >= (int64_t)a->eoe_timeout_ms)
			asm_slot_complete(a, k, false);
	}
	return found;
}

void asm_line_record(auparse_state_t *au, auparse_cb_event_t type, void *userdata);

/* libauparse's callback: one record, the line just fed. */
void asm_line_record(auparse_state_t *au, auparse_cb_event_t type, void *userdata)
{
	struct assembler *a = userdata;
	const au_event_t *ts;

	if (type != AUPARSE_CB_EVENT_READY || auparse_first_record(au) <= 0)
		return;
	ts = auparse_get_timestamp(au);
	if (!ts || ts->sec < 0 || ts->sec > INT64_MAX / 1000 - 1) {
		a->stats.malformed++;
		return;
	}
	int rtype = auparse_get_type(au);
	int64_t ms = (int64_t)ts->sec * 1000 + ts->milli;
	uint64_t hh = host_hash(ts->host);
	struct kslot *k = find_open(a, ts->serial, ms, hh);
	if (rtype == AUDIT_EOE) {
		if (k) /* else the end of an event completed at its PROCTITLE */
			asm_slot_complete(a, k, true);
		return;
	}
	if (k && rtype == AUDIT_SYSCALL && k->s->have_syscall) {
		asm_slot_complete(a, k,
		                  true); /* a second SYSCALL: a new event reusing the serial */
		k = NULL;
	}
	if (!k) {
		if (!(k = asm_slot_open(a, a->l, L_SLOTS, ts->serial, ms, hh))) {
			a->stats.oom++;
			return;
		}
		if (ts->host)
			k->s->host = arena_add_plain(k->s, ts->host);
	}
	switch (rtype) {
	case AUDIT_SYSCALL:
		parse_syscall(a, k->s, au);
		break;
	case AUDIT_OBJ_PID:
		parse_obj_pid(k->s, a, au);
		break;
	case AUDIT_PROCTITLE:
		parse_proctitle(k->s, au);
		asm_slot_complete(a, k, true); /* the kernel's last record before EOE */
		break;
	default:
		break;
	}
}

int asm_feed_line(struct assembler *a, const char *line, size_t len)
{
	if (len > ST_MAX_RECORD) {
		a->stats.feed_errors++;
		return -E2BIG;
	}
	memcpy(a->line, line, len);
	a->line[len] = '\n';
	const char *gs = memchr(a->line, 0x1d, len);
	a->enriched = gs ? gs + 1 : NULL;
	a->enriched_end = a->line + len;
	/* Fed, then flushed: libauparse completes this one record now and
	 * holds nothing open (its list of open events stays one long). */
	int r = auparse_feed(a->au, a->line, len + 1);
	(void)auparse_flush_feed(a->au);
	a->enriched = NULL;
	if (r < 0) {
		a->stats.feed_errors++;
		return -EINVAL;
	}
	return 0;
}
