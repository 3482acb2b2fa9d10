/* The assembler's two ways in must agree: every record of
 * tests/fixtures/kernel.log (recorded from the kernel) and a set of crafted
 * shapes, fed as log lines (libauparse) and as netlink type+body (the
 * in-house kernel-record path), give the same events, field by field. The
 * netlink side also gets its records interleaved, as two CPUs can send them.
 * Usage: test_kernel_records FIXTURE_LOG */
#include <libaudit.h>
#include <linux/audit.h>
#include <stdarg.h>
#include <stdlib.h>

#include "sigtrail/assemble.h"
#include "sigtrail/sigsys.h"
#include "tap.h"

enum { MAX_EVENTS = 256, MAX_LINES = 2048 };

struct got {
	struct st_event *ev[MAX_EVENTS];
	int n;
};

static void on_event(void *userdata, struct st_event *ev)
{
	struct got *g = userdata;

	if (g->n < MAX_EVENTS)
		g->ev[g->n++] = ev;
	else
		st_event_free(ev);
}

static void got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++)
		st_event_free(g->ev[i]);
	g->n = 0;
}

static int by_serial(const void *x, const void *y)
{
	const struct st_event *a = *(struct st_event *const *)x, *b = *(struct st_event *const *)y;
	return a->serial < b->serial ? -1 : a->serial > b->serial;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Field-by-field; names the first difference. */
static const char *diff(const struct st_event *a, const struct st_event *b)
{
	if (a->epoch_ms != b->epoch_ms || a->serial != b->serial)
		return "time or serial";
	if (a->arch != b->arch || a->syscall != b->syscall || a->signal != b->signal)
		return "arch, syscall or signal";
	if (a->exit != b->exit || a->success != b->success || a->target_arg != b->target_arg)
		return "result or target_arg";
	if (a->pid != b->pid || a->ppid != b->ppid || a->uid != b->uid || a->euid != b->euid ||
	    a->auid != b->auid || a->ses != b->ses)
		return "sender ids";
	if (!same_str(a->host, b->host) || !same_str(a->tty, b->tty) ||
	    !same_str(a->comm, b->comm) || !same_str(a->exe, b->exe) ||
	    !same_str(a->cmdline, b->cmdline))
		return "sender strings";
	if (a->n_targets != b->n_targets || a->n_truncated != b->n_truncated)
		return "target count";
	for (uint32_t i = 0; i < a->n_targets; i++) {
		const struct st_target *x = &a->targets[i], *y = &b->targets[i];
		if (x->pid != y->pid || x->uid != y->uid || x->auid != y->auid ||
		    x->ses != y->ses || !same_str(x->comm, y->comm))
			return "a target";
	}
	return NULL;
}

/* "type=NAME msg=BODY" -> type and body, as the netlink source delivers. */
static int split(const char *line, int *ret_type, const char **ret_body)
{
	char name[64];
	const char *sp = strchr(line, ' ');

	if (strncmp(line, "type=", 5) != 0 || !sp || (size_t)(sp - line - 5) >= sizeof(name) ||
	    strncmp(sp + 1, "msg=", 4) != 0)
		return -1;
	memcpy(name, line + 5, (size_t)(sp - line - 5));
	name[sp - line - 5] = '\0';
	*ret_type = audit_name_to_msg_type(name);
	*ret_body = sp + 5;
	return *ret_type < 0 ? -1 : 0;
}

/* Feed `lines` both ways (the netlink side in the order given by `order`)
 * and compare. */
static void compare(const char *what, char **lines, int n, const int *order)
{
	struct got by_line = {0}, by_record = {0};
	struct assembler *al = NULL, *ar = NULL;
	int fed = 0;

	if (asm_new(on_event, &by_line, 2, &al) < 0 || asm_new(on_event, &by_record, 2, &ar) < 0) {
		ok(0, "%s: assemblers", what);
		return;
	}
	for (int i = 0; i < n; i++)
		(void)asm_feed_line(al, lines[i], strlen(lines[i]));
	for (int i = 0; i < n; i++) {
		int type;
		const char *body, *line = lines[order ? order[i] : i];
		if (split(line, &type, &body) == 0) {
			(void)asm_feed_record(ar, type, body, strlen(body));
			fed++;
		}
	}
	asm_flush(al);
	asm_flush(ar);
	ok(fed == n, "%s: every line is a kernel record (%d of %d)", what, fed, n);
	is_int(by_record.n, by_line.n, "%s: as many events both ways", what);
	ok(by_line.n > 0, "%s: some events (%d)", what, by_line.n);
	qsort(by_line.ev, (size_t)by_line.n, sizeof(by_line.ev[0]), by_serial);
	qsort(by_record.ev, (size_t)by_record.n, sizeof(by_record.ev[0]), by_serial);
	int same = 0;
	for (int i = 0; i < by_line.n && i < by_record.n; i++) {
		const char *d = diff(by_line.ev[i], by_record.ev[i]);
		if (d)
			printf("# %s: serial %llu differs in %s\n", what,
			       (unsigned long long)by_line.ev[i]->serial, d);
		else
			same++;
	}
	is_int(same, by_line.n, "%s: every event identical field by field", what);
	struct asm_stats sl, sr;
	asm_stats(al, &sl);
	asm_stats(ar, &sr);
	is_int(sr.malformed, sl.malformed, "%s: same malformed count", what);
	got_free(&by_line);
	got_free(&by_record);
	asm_free(al);
	asm_free(ar);
}

static char *lines[MAX_LINES];
static int n_lines;

static unsigned long long serial_of(const char *line)
{
	const char *p = strstr(line, "msg=audit(");
	unsigned long long serial = 0;

	if (p)
		p = strchr(p, ':');
	return p ? strtoull(p + 1, NULL, 10) : serial;
}

/* An order of lines[] where each pair of consecutive events has its records
 * alternated: A1 B1 A2 B2 ... */
static void interleave(int *order)
{
	int n = 0, i = 0;

	while (i < n_lines) {
		int a = i, b, end;
		unsigned long long sa = serial_of(lines[a]);
		for (b = a; b < n_lines && serial_of(lines[b]) == sa; b++)
			;
		unsigned long long sb = b < n_lines ? serial_of(lines[b]) : 0;
		for (end = b; end < n_lines && serial_of(lines[end]) == sb; end++)
			;
		int x = a, y = b;
		while (x < b || y < end) {
			if (x < b)
				order[n++] = x++;
			if (y < end)
				order[n++] = y++;
		}
		i = end;
	}
}

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n_lines < MAX_LINES)
		lines[n_lines++] = strdup(buf);
}

static void clear(void)
{
	for (int i = 0; i < n_lines; i++)
		free(lines[i]);
	n_lines = 0;
}

/* The netlink path alone on what the kernel never sends: more events in
 * flight than slots, more targets than kept, fields cut anywhere, no header.
 * Nothing may crash (the sanitizer build runs this too) and every event
 * must come out once. */
static void hostile(void)
{
	struct got g = {0};
	struct assembler *a = NULL;
	struct asm_stats st;
	char body[600];
	static const char sys[] =
	    "arch=c000003e syscall=62 success=yes exit=0 a0=2a a1=9 a2=0 a3=0 items=0 ppid=1 "
	    "pid=7 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) "
	    "ses=1 comm=\"k\" exe=\"/k\" key=(null)";

	if (asm_new(on_event, &g, 2, &a) < 0) {
		ok(0, "hostile: assembler");
		return;
	}
	/* 40 events open at once, then their EOEs in reverse. */
	for (int i = 0; i < 40; i++) {
		snprintf(body, sizeof(body), "audit(1795317700.000:%d): %s", 100 + i, sys);
		(void)asm_feed_record(a, AUDIT_SYSCALL, body, strlen(body));
	}
	for (int i = 39; i >= 0; i--) {
		snprintf(body, sizeof(body), "audit(1795317700.000:%d): ", 100 + i);
		(void)asm_feed_record(a, AUDIT_EOE, body, strlen(body));
	}
	asm_flush(a);
	is_int(g.n, 40, "hostile: 40 events in flight at once, each out once");
	got_free(&g);
	/* More targets than ST_MAX_TARGETS. */
	snprintf(body, sizeof(body), "audit(1795317701.000:200): %s", sys);
	(void)asm_feed_record(a, AUDIT_SYSCALL, body, strlen(body));
	for (int i = 0; i < ST_MAX_TARGETS + 10; i++) {
		snprintf(body, sizeof(body),
		         "audit(1795317701.000:200): opid=%d oauid=-1 ouid=0 oses=-1 ocomm=\"s\"",
		         i + 2);
		(void)asm_feed_record(a, AUDIT_OBJ_PID, body, strlen(body));
	}
	snprintf(body, sizeof(body), "audit(1795317701.000:200): ");
	(void)asm_feed_record(a, AUDIT_EOE, body, strlen(body));
	ok(g.n == 1 && g.ev[0]->n_targets == ST_MAX_TARGETS && g.ev[0]->n_truncated == 10,
	   "hostile: targets beyond %d counted, not kept", ST_MAX_TARGETS);
	got_free(&g);
	/* Every prefix of a SYSCALL record, and junk. */
	snprintf(body, sizeof(body), "audit(1795317702.000:300): %s", sys);
	for (size_t cut = 0; cut <= strlen(body); cut++) {
		(void)asm_feed_record(a, AUDIT_SYSCALL, body, cut);
		(void)asm_feed_record(a, AUDIT_EOE, body, cut);
	}
	const char *junk[] = {"",
	                      "audit(",
	                      "audit(1.2:3): =",
	                      "audit(1.2:3): = = ==x x= a0",
	                      "audit(1.2:3):    a1=     ",
	                      "audit(1.2:3): proctitle=\"",
	                      "audit(1.2:3): proctitle=0",
	                      "audit(1.2:3): opid=99999999999999999999"};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		for (int type = AUDIT_SYSCALL; type <= AUDIT_SYSCALL + 20; type++)
			(void)asm_feed_record(a, type, junk[i], strlen(junk[i]));
	(void)asm_feed_record(a, AUDIT_OBJ_PID, junk[7], strlen(junk[7]));
	(void)asm_feed_record(a, AUDIT_PROCTITLE, junk[5], strlen(junk[5]));
	asm_flush(a);
	asm_stats(a, &st);
	ok(st.feed_errors > 0 && st.malformed > 0,
	   "hostile: cut records counted (%llu feed errors, "
	   "%llu malformed), %d complete ones kept",
	   (unsigned long long)st.feed_errors, (unsigned long long)st.malformed, g.n);
	got_free(&g);
	asm_free(a);
}

int main(int argc, char **argv)
{
	char buf[20000];
	int order[MAX_LINES];
	FILE *f;

	ok(sigsys_init() == 0, "syscall tables");
	if (argc < 2 || !(f = fopen(argv[1], "re"))) {
		ok(0, "fixture log given and readable");
		return tap_done();
	}
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			add("%s", buf);
	}
	fclose(f);
	compare("kernel.log", lines, n_lines, NULL);
	/* The same records with two events' records interleaved (as two CPUs
	 * can send them), each event's own records still in order. */
	interleave(order);
	compare("kernel.log interleaved", lines, n_lines, order);
	clear();

	/* Crafted: hex and quoted strings, control bytes and invalid UTF-8
	 * in a hex comm, unset ids both ways, a chain of 20 targets, an
	 * ESRCH call with no target, an i386 tgkill, a SYSCALL whose
	 * PROCTITLE and EOE never come, a malformed SYSCALL. */
	add("type=SYSCALL msg=audit(1795317671.120:18): arch=c000003e syscall=62 success=yes "
	    "exit=0 a0=f94 a1=9 a2=0 a3=7fd007d2bac0 items=0 ppid=3847 pid=3989 auid=1000 uid=0 "
	    "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=3 comm=\"sh\" "
	    "exe=\"/usr/bin/dash\" key=\"sigtrail\"");
	add("type=OBJ_PID msg=audit(1795317671.120:18): opid=3988 oauid=-1 ouid=0 oses=-1 "
	    "obj=unconfined ocomm=6D7920011B5B33316DFF");
	add("type=PROCTITLE msg=audit(1795317671.120:18): "
	    "proctitle=7368002D63006B696C6C202D3920333938380000");
	add("type=EOE msg=audit(1795317671.120:18): ");
	add("type=SYSCALL msg=audit(1795317672.256:22): arch=40000003 syscall=270 success=no "
	    "exit=-3 a0=f423f a1=f423f a2=f a3=0 items=0 ppid=1 pid=3847 auid=4294967295 uid=0 "
	    "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
	    "comm=6D7920746F6F6C exe=\"/opt/x\" key=(null)");
	add("type=PROCTITLE msg=audit(1795317672.256:22): proctitle=2F6F70742F78");
	add("type=EOE msg=audit(1795317672.256:22): ");
	add("type=SYSCALL msg=audit(1795317670.616:17): arch=c000003e syscall=62 success=yes "
	    "exit=0 a0=fffff0af a1=f a2=0 a3=0 items=0 ppid=1 pid=3847 auid=4294967295 uid=0 "
	    "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
	    "comm=\"bash\" exe=\"/usr/bin/bash\" key=\"sigtrail\"");
	for (int i = 0; i < 20; i++)
		add("type=OBJ_PID msg=audit(1795317670.616:17): opid=%d oauid=%d ouid=%d oses=%d "
		    "obj=unconfined ocomm=\"sleep\"",
		    4000 + i, i % 2 ? -1 : 1000, i, i % 2 ? -1 : 7);
	add("type=PROCTITLE msg=audit(1795317670.616:17): proctitle=\"bash\"");
	add("type=EOE msg=audit(1795317670.616:17): ");
	add("type=SYSCALL msg=audit(1795317673.000:23): arch=c000003e syscall=424 success=no "
	    "exit=-1 a0=3 a1=13 a2=0 a3=0 items=0 ppid=2 pid=77 auid=0 uid=65534 gid=0 "
	    "euid=65534 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=0 comm=\"x\" "
	    "exe=\"/x\" key=\"sigtrail\"");
	add("type=OBJ_PID msg=audit(1795317673.000:23): opid=1 oauid=-1 ouid=0 oses=-1 "
	    "obj=unconfined ocomm=\"systemd\"");
	add("type=PROCTITLE msg=audit(1795317673.000:23): proctitle=\"x\"");
	add("type=EOE msg=audit(1795317673.000:23): ");
	add("type=SYSCALL msg=audit(1795317690.000:31): arch=c000003e syscall=62 success=yes "
	    "exit=0 a0=1 pid=5");
	add("type=EOE msg=audit(1795317690.000:31): ");
	add("type=SYSCALL msg=audit(1795317680.000:30): arch=c000003e syscall=62 success=yes "
	    "exit=0 a0=1 a1=9 a2=0 a3=0 items=0 ppid=1 pid=5 auid=0 uid=0 gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"k\" exe=\"/k\" key=(null)");
	add("type=OBJ_PID msg=audit(1795317680.000:30): opid=1 oauid=-1 ouid=0 oses=-1 "
	    "ocomm=\"systemd\"");
	compare("crafted", lines, n_lines, NULL);
	clear();
	hostile();
	return tap_done();
}
