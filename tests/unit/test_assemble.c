/* Unit tests for assemble.c: audit records (as auditd log lines and as
 * netlink type+body) become st_event records. */
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/assemble.h"
#include "sigtrail/sigsys.h"
#include "tap.h"

static struct st_event *got[256];
static int n_got;

static void on_event(void *userdata, struct st_event *ev)
{
	(void)userdata;
	if (n_got < 256)
		got[n_got++] = ev;
	else
		st_event_free(ev);
}

static void feed(struct assembler *a, const char *line)
{
	(void)asm_feed_line(a, line, strlen(line));
}

static void reset(void)
{
	for (int i = 0; i < n_got; i++)
		st_event_free(got[i]);
	n_got = 0;
}

int main(void)
{
	struct assembler *a = NULL;
	struct asm_stats st;
	char line[512];

	ok(sigsys_init() == 0, "syscall tables");
	ok(asm_new(on_event, NULL, 2, &a) == 0, "assembler created");

	/* sh -c "kill -9 3988": the shape from the kernel, as auditd logs it. */
	feed(a, "type=SYSCALL msg=audit(1795317671.120:18): arch=c000003e syscall=62 success=yes "
	        "exit=0 a0=f94 a1=9 a2=0 a3=7fd007d2bac0 items=0 ppid=3847 pid=3989 "
	        "auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 "
	        "ses=3 comm=\"sh\" exe=\"/usr/bin/dash\" key=\"sigtrail\"");
	feed(a, "type=OBJ_PID msg=audit(1795317671.120:18): opid=3988 oauid=-1 ouid=0 oses=-1 "
	        "ocomm=\"sleep\"");
	feed(a, "type=PROCTITLE msg=audit(1795317671.120:18): "
	        "proctitle=7368002D63006B696C6C202D392033393838");
	feed(a, "type=EOE msg=audit(1795317671.120:18): ");
	is_int(n_got, 1, "one event at EOE");
	if (n_got == 1) {
		struct st_event *e = got[0];
		is_int(e->epoch_ms, 1795317671120, "timestamp in ms");
		is_int(e->serial, 18, "serial");
		is_int(e->arch, 0xc000003e, "arch");
		is_int(e->syscall, 62, "syscall");
		is_int(e->signal, 9, "signal from a1");
		ok(e->success && e->exit == 0, "success");
		is_int(e->target_arg, 3988, "target_arg");
		is_int(e->pid, 3989, "sender pid");
		is_int(e->ppid, 3847, "sender ppid");
		is_int(e->auid, 1000, "auid");
		is_int(e->ses, 3, "ses");
		is_str(e->tty, "pts1", "tty");
		is_str(e->comm, "sh", "comm");
		is_str(e->exe, "/usr/bin/dash", "exe");
		is_str(e->cmdline, "sh -c kill -9 3988", "cmdline decoded");
		ok(e->host == NULL, "no node= means no host");
		is_int(e->n_targets, 1, "one target");
		is_int(e->targets[0].pid, 3988, "target pid");
		is_int(e->targets[0].auid, ST_ID_UNSET, "oauid=-1 is unset");
		is_int(e->targets[0].ses, ST_ID_UNSET, "oses=-1 is unset");
		is_int(e->targets[0].uid, 0, "ouid");
		is_str(e->targets[0].comm, "sleep", "ocomm");
	}
	reset();

	/* ESRCH from a 32-bit tgkill, netlink form (type + body), node= absent,
	 * auid unset, hex comm with a space. */
	const char *body =
	    "audit(1795317672.256:22): arch=40000003 syscall=270 success=no exit=-3 a0=f423f "
	    "a1=f423f a2=f a3=0 items=0 ppid=1 pid=3847 auid=4294967295 uid=0 gid=0 euid=0 "
	    "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
	    "comm=6D7920746F6F6C exe=\"/opt/x\" key=(null)";
	ok(asm_feed_record(a, AUDIT_SYSCALL, body, strlen(body)) == 0, "netlink SYSCALL fed");
	body = "audit(1795317672.256:22): proctitle=2F6F70742F78";
	ok(asm_feed_record(a, AUDIT_PROCTITLE, body, strlen(body)) == 0, "netlink PROCTITLE fed");
	body = "audit(1795317672.256:22): ";
	ok(asm_feed_record(a, AUDIT_EOE, body, strlen(body)) == 0, "netlink EOE fed");
	is_int(n_got, 1, "ESRCH event");
	if (n_got == 1) {
		struct st_event *e = got[0];
		ok(!e->success && e->exit == -3, "failed with -ESRCH");
		is_int(e->signal, 15, "i386 tgkill signal from a2");
		is_int(e->target_arg, 999999, "target_arg");
		is_int(e->n_targets, 0, "no target");
		is_int(e->auid, ST_ID_UNSET, "auid 4294967295 unset");
		is_int(e->ses, ST_ID_UNSET, "ses 4294967295 unset");
		ok(e->tty == NULL, "tty (none) is NULL");
		is_str(e->comm, "my tool", "hex comm decoded");
		is_str(e->cmdline, "/opt/x", "cmdline");
	}
	reset();

	/* A group kill reaching 20 processes: the kernel chains OBJ_PID blocks
	 * of 16, newest block first. Every one becomes a target. */
	feed(a, "node=web1 type=SYSCALL msg=audit(1795317670.616:17): arch=c000003e syscall=62 "
	        "success=yes exit=0 a0=fffff0af a1=f a2=0 a3=0 items=0 ppid=1 pid=3847 "
	        "auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
	        "tty=(none) ses=4294967295 comm=\"bash\" exe=\"/usr/bin/bash\" key=\"sigtrail\"");
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line),
		         "node=web1 type=OBJ_PID msg=audit(1795317670.616:17): opid=%d oauid=-1 "
		         "ouid=0 oses=-1 ocomm=\"sleep\"",
		         4000 + i);
		feed(a, line);
	}
	feed(a, "node=web1 type=PROCTITLE msg=audit(1795317670.616:17): proctitle=\"bash\"");
	feed(a, "node=web1 type=EOE msg=audit(1795317670.616:17): ");
	is_int(n_got, 1, "group kill event");
	if (n_got == 1) {
		is_int(got[0]->target_arg, -3921, "a0 fffff0af is -PGID");
		is_int(got[0]->n_targets, 20, "20 targets");
		int sum = 0;
		for (uint32_t i = 0; i < got[0]->n_targets; i++)
			sum += got[0]->targets[i].pid - 4000;
		is_int(sum, 190, "every target pid present once");
		is_str(got[0]->host, "web1", "node= becomes host");
	}
	reset();

	/* An event whose PROCTITLE and EOE never come is completed by a flush
	 * (auparse completes a syscall event at its PROCTITLE or EOE). */
	feed(a, "type=SYSCALL msg=audit(1795317680.000:30): arch=c000003e syscall=62 success=yes "
	        "exit=0 a0=1 a1=9 a2=0 a3=0 items=0 ppid=1 pid=5 auid=0 uid=0 gid=0 euid=0 suid=0 "
	        "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"k\" exe=\"/k\" key=(null)");
	feed(a, "type=OBJ_PID msg=audit(1795317680.000:30): opid=1 oauid=-1 ouid=0 oses=-1 "
	        "ocomm=\"systemd\"");
	is_int(n_got, 0, "no EOE yet, no event");
	asm_flush(a);
	is_int(n_got, 1, "flush completes it");
	reset();

	/* A pid passed as a long (Go's syscall.Kill(-pgid, sig)): a0 is
	 * sign-extended to 16 digits; and one whose upper half holds junk,
	 * which the kernel ignores: both are -13055 to the kernel. */
	const char *const wide[] = {"ffffffffffffcd01", "deadbeefffffcd01"};
	for (int i = 0; i < 2; i++) {
		snprintf(line, sizeof(line),
		         "type=SYSCALL msg=audit(1795317685.000:%d): arch=c000003e syscall=62 "
		         "success=yes exit=0 a0=%s a1=ffffffff0000000f a2=0 a3=0 items=0 ppid=1 "
		         "pid=5 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
		         "tty=(none) ses=1 comm=\"k\" exe=\"/k\" key=(null)",
		         40 + i, wide[i]);
		feed(a, line);
		snprintf(line, sizeof(line),
		         "type=PROCTITLE msg=audit(1795317685.000:%d): proctitle=\"k\"", 40 + i);
		feed(a, line);
		snprintf(line, sizeof(line), "type=EOE msg=audit(1795317685.000:%d): ", 40 + i);
		feed(a, line);
		is_int(n_got, 1, "a0=%s is an event, not malformed", wide[i]);
		if (n_got == 1) {
			is_int(got[0]->target_arg, -13055, "a0=%s: the pid argument is -13055",
			       wide[i]);
			is_int(got[0]->signal, 15, "a1's low 32 bits are the signal");
		}
		reset();
	}

	/* auditd writes no EOE: an event completes at its PROCTITLE, and the
	 * EOE that a plugin's stream may still carry is eaten. */
	feed(a, "type=SYSCALL msg=audit(1795317681.000:33): arch=c000003e syscall=62 success=yes "
	        "exit=0 a0=1 a1=9 a2=0 a3=0 items=0 ppid=1 pid=5 auid=0 uid=0 gid=0 euid=0 suid=0 "
	        "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"k\" exe=\"/k\" key=(null)");
	feed(a, "type=PROCTITLE msg=audit(1795317681.000:33): proctitle=\"k\"");
	is_int(n_got, 1, "complete at its PROCTITLE, without EOE");
	feed(a, "type=EOE msg=audit(1795317681.000:33): ");
	asm_stats(a, &st);
	ok(n_got == 1 && st.malformed == 0 && st.incomplete == 1,
	   "its late EOE is no event and no loss (only the flushed one above was incomplete)");
	reset();

	/* 200 events that never end, in one millisecond: at most ASM_OPEN_MAX
	 * are open; each one more completes the oldest, counted. */
	for (int i = 0; i < 200; i++) {
		snprintf(
		    line, sizeof(line),
		    "type=SYSCALL msg=audit(1795317682.000:%d): arch=c000003e syscall=62 "
		    "success=yes exit=0 a0=%x a1=9 a2=0 a3=0 items=0 ppid=1 pid=5 auid=0 uid=0 "
		    "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 "
		    "comm=\"k\" exe=\"/k\" key=(null)",
		    1000 + i, 100 + i);
		feed(a, line);
	}
	is_int(n_got, 200 - ASM_OPEN_MAX, "the oldest completed as more come");
	ok(n_got > 0 && got[0]->serial == 1000 && got[n_got - 1]->serial == 1135, "oldest first");
	asm_stats(a, &st);
	is_int(st.evicted, 200 - ASM_OPEN_MAX, "each one completed early counted");
	asm_flush(a);
	asm_stats(a, &st);
	is_int(st.incomplete, 201, "the flush completes the rest, incomplete too");
	/* A record of the same serial but another node is another event. */
	reset();
	feed(a,
	     "node=a type=SYSCALL msg=audit(1795317683.000:50): arch=c000003e syscall=62 "
	     "success=yes exit=0 a0=1 a1=9 a2=0 a3=0 items=0 ppid=1 pid=5 auid=0 uid=0 gid=0 "
	     "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"k\" exe=\"/k\"");
	feed(a,
	     "node=db01 type=SYSCALL msg=audit(1795317683.000:50): arch=c000003e syscall=62 "
	     "success=yes exit=0 a0=2 a1=9 a2=0 a3=0 items=0 ppid=1 pid=6 auid=0 uid=0 gid=0 "
	     "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"k\" exe=\"/k\"");
	feed(a, "node=a type=OBJ_PID msg=audit(1795317683.000:50): opid=11 oauid=-1 ouid=0 "
	        "oses=-1 ocomm=\"x\"");
	feed(a, "node=db01 type=OBJ_PID msg=audit(1795317683.000:50): opid=12 oauid=-1 ouid=0 "
	        "oses=-1 ocomm=\"y\"");
	asm_flush(a);
	ok(n_got == 2 && got[0]->n_targets == 1 && got[1]->n_targets == 1 &&
	       got[0]->targets[0].pid == 11 && got[1]->targets[0].pid == 12,
	   "interleaved events of two nodes with one serial stay apart");
	ok(n_got == 2 && strcmp(got[1]->host, "db01") == 0,
	   "a node name that looks like hex is kept as written");
	reset();

	/* Malformed: a SYSCALL without a signal argument; truncated junk. */
	feed(a, "type=SYSCALL msg=audit(1795317690.000:31): arch=c000003e syscall=62 success=yes "
	        "exit=0 a0=1 pid=5");
	feed(a, "type=EOE msg=audit(1795317690.000:31): ");
	feed(a, "type=SYSCALL msg=audit(1795317690.000:32): arch=zz syscall=");
	feed(a, "type=EOE msg=audit(1795317690.000:32): ");
	feed(a, "\x01\x02 garbage");
	asm_flush(a);
	is_int(n_got, 0, "malformed events produce nothing");
	asm_stats(a, &st);
	ok(st.malformed >= 2, "malformed events counted (%llu)", (unsigned long long)st.malformed);

	reset();
	asm_free(a);
	return tap_done();
}
