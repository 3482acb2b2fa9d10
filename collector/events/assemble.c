/* assemble.c: turns the records of one audit event (SYSCALL, any number of
 * OBJ_PID, PROCTITLE, EOE) into one st_event. libauparse in feed mode groups
 * records by serial, completes an event at its EOE, and ages out events whose
 * EOE never comes. Field values are read raw (auparse_get_field_str) and
 * decoded here, without auparse's interpretation calls, which are slow and
 * locale-dependent. Exercise it with
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log */
#include "sigtrail/assemble.h"

#include <auparse.h>
#include <libaudit.h>
#include <stdio.h>
#include <errno.h>
#include <linux/audit.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/decode.h"
#include "sigtrail/sigsys.h"

enum { NO_STR = UINT32_MAX };

/* An event under construction; strings are offsets into arena. */
struct scratch {
	struct st_event *ev; /* the fixed part (its own allocation: targets[] follows it) */
	uint32_t host, tty, comm, exe, cmdline;
	bool have_syscall, bad;
	uint32_t n_targets;
	struct {
		struct st_target t;
		uint32_t comm;
	} targets[ST_MAX_TARGETS];
	size_t used;
	char arena[ST_MAX_EVENT_STR];
};

struct assembler {
	auparse_state_t *au;
	asm_event_fn fn;
	void *userdata;
	struct asm_stats stats;
	struct scratch *s;
	char line[ST_MAX_RECORD + 64]; /* netlink record rebuilt as a log line */
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

static void parse_syscall(struct scratch *s, auparse_state_t *au)
{
	const char *a[3] = {NULL, NULL, NULL}, *success = NULL;
	int64_t arch = -1, nr = -1, ex = 0, x;
	struct st_event *ev = s->ev;

	s->have_syscall = true;
	if (auparse_first_field(au) <= 0) {
		s->bad = true;
		return;
	}
	do {
		const char *n = auparse_get_field_name(au), *v = auparse_get_field_str(au);
		if (!n || !v)
			continue;
		if (strcmp(n, "arch") == 0)
			(void)num(v, 16, &arch);
		else if (strcmp(n, "syscall") == 0)
			(void)num(v, 10, &nr);
		else if (strcmp(n, "success") == 0)
			success = v;
		else if (strcmp(n, "exit") == 0)
			s->bad |= !num(v, 10, &ex);
		else if (n[0] == 'a' && n[1] >= '0' && n[1] <= '2' && n[2] == '\0')
			a[n[1] - '0'] = v;
		else if (strcmp(n, "pid") == 0)
			ev->pid = num(v, 10, &x) ? (int32_t)x : 0;
		else if (strcmp(n, "ppid") == 0)
			ev->ppid = num(v, 10, &x) ? (int32_t)x : 0;
		else if (strcmp(n, "uid") == 0)
			ev->uid = id_or_unset(v);
		else if (strcmp(n, "euid") == 0)
			ev->euid = id_or_unset(v);
		else if (strcmp(n, "auid") == 0)
			ev->auid = id_or_unset(v);
		else if (strcmp(n, "ses") == 0)
			ev->ses = id_or_unset(v);
		else if (strcmp(n, "tty") == 0)
			s->tty = arena_add(s, v);
		else if (strcmp(n, "comm") == 0)
			s->comm = arena_add(s, v);
		else if (strcmp(n, "exe") == 0)
			s->exe = arena_add(s, v);
	} while (auparse_next_field(au) > 0);

	const struct sigsys *sc = arch >= 0 && arch <= UINT32_MAX && nr >= 0 && nr <= INT32_MAX
	                              ? sigsys_lookup((uint32_t)arch, (int)nr)
	                              : NULL;
	int64_t a0, sig;
	if (!sc || !success || !num(a[0], 16, &a0) || !num(a[sc->sig_arg], 16, &sig) ||
	    ev->pid <= 0 || ex < INT32_MIN || ex > INT32_MAX || sig > INT32_MAX) {
		s->bad = true;
		return;
	}
	ev->arch = (uint32_t)arch;
	ev->syscall = (int32_t)nr;
	ev->success = strcmp(success, "yes") == 0;
	ev->exit = (int32_t)ex;
	/* Arguments are registers printed in hex; the pid/fd argument is an int
	 * in every ABI, so its low 32 bits carry the sign (-PGID, -1). */
	ev->target_arg = (int32_t)(uint32_t)(uint64_t)a0;
	ev->signal = (int32_t)sig;
}

static void parse_obj_pid(struct scratch *s, struct assembler *a, auparse_state_t *au)
{
	struct st_target t = {.uid = ST_ID_UNSET, .auid = ST_ID_UNSET, .ses = ST_ID_UNSET};
	uint32_t comm = NO_STR;
	int64_t x;

	if (s->n_targets >= ST_MAX_TARGETS) {
		s->ev->n_truncated++;
		a->stats.targets_dropped++;
		return;
	}
	if (auparse_first_field(au) <= 0)
		return;
	do {
		const char *n = auparse_get_field_name(au), *v = auparse_get_field_str(au);
		if (!n || !v)
			continue;
		if (strcmp(n, "opid") == 0)
			t.pid = num(v, 10, &x) ? (int32_t)x : 0;
		else if (strcmp(n, "ouid") == 0)
			t.uid = id_or_unset(v);
		else if (strcmp(n, "oauid") == 0)
			t.auid = id_or_unset(v);
		else if (strcmp(n, "oses") == 0)
			t.ses = id_or_unset(v);
		else if (strcmp(n, "ocomm") == 0)
			comm = arena_add(s, v);
	} while (auparse_next_field(au) > 0);
	if (t.pid <= 0)
		return; /* an OBJ_PID without a usable pid says nothing */
	s->targets[s->n_targets].t = t;
	s->targets[s->n_targets].comm = comm;
	s->n_targets++;
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

static void on_event(auparse_state_t *au, auparse_cb_event_t type, void *userdata)
{
	struct assembler *a = userdata;
	struct scratch *s = a->s;
	const au_event_t *ts;

	if (type != AUPARSE_CB_EVENT_READY || auparse_first_record(au) <= 0)
		return;
	memset(s->ev, 0, sizeof(*s->ev));
	s->ev->uid = s->ev->euid = s->ev->auid = s->ev->ses = ST_ID_UNSET;
	s->host = s->tty = s->comm = s->exe = s->cmdline = NO_STR;
	s->have_syscall = s->bad = false;
	s->n_targets = 0;
	s->used = 0;

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
	(void)auparse_set_eoe_timeout((time_t)eoe_timeout_s);
	auparse_add_callback(a->au, on_event, a, NULL);
	*ret = a;
	return 0;
}

static const char *type_name(int type)
{
	switch (type) {
	case AUDIT_SYSCALL:
		return "SYSCALL";
	case AUDIT_OBJ_PID:
		return "OBJ_PID";
	case AUDIT_PROCTITLE:
		return "PROCTITLE";
	case AUDIT_EOE:
		return "EOE";
	default:
		return NULL;
	}
}

int asm_feed_record(struct assembler *a, int type, const char *body, size_t len)
{
	char unknown[32];
	const char *name = type_name(type);
	size_t nlen;

	if (!name) {
		name = audit_msg_type_to_name(type);
		if (!name) {
			snprintf(unknown, sizeof(unknown), "UNKNOWN[%d]", type);
			name = unknown;
		}
	}
	nlen = strlen(name);
	if (len > ST_MAX_RECORD) {
		a->stats.feed_errors++;
		return -E2BIG;
	}
	/* "type=NAME msg=BODY\n", as auditd writes it to its log. */
	char *p = a->line;
	memcpy(p, "type=", 5);
	memcpy(p + 5, name, nlen);
	memcpy(p + 5 + nlen, " msg=", 5);
	memcpy(p + 10 + nlen, body, len);
	p[10 + nlen + len] = '\n';
	if (auparse_feed(a->au, p, 11 + nlen + len) < 0) {
		a->stats.feed_errors++;
		return -EINVAL;
	}
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

void asm_age(struct assembler *a)
{
	auparse_feed_age_events(a->au);
}

void asm_flush(struct assembler *a)
{
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
	free(a);
}

void st_event_free(struct st_event *ev)
{
	free(ev);
}
