/* Unit tests for filter.c: which records reach libauparse. */
#include <linux/audit.h>

#include "sigtrail/filter.h"
#include "sigtrail/sigsys.h"
#include "tap.h"

static enum filter_verdict rec(struct filter *f, int type, const char *body)
{
	return filter_record(f, type, body, strlen(body));
}

#define SC(serial, arch, nr, a1, a2)                                                               \
	"audit(1795317826.340:" serial "): arch=" arch " syscall=" nr                              \
	" success=yes exit=0 a0=1f5b a1=" a1 " a2=" a2 " a3=0 items=0 ppid=1 pid=2 "               \
	"auid=4294967295 uid=0 comm=\"x a1=0\" key=\"k\""

int main(void)
{
	struct filter f = {0};
	int64_t ms;
	uint64_t serial;

	ok(sigsys_init() == 0, "syscall tables load");
	ok(sigsys_lookup(0xc000003e, 62) &&
	       strcmp(sigsys_lookup(0xc000003e, 62)->name, "kill") == 0,
	   "x86_64 62 is kill");
	ok(sigsys_lookup(0x40000003, 270) && sigsys_lookup(0x40000003, 270)->sig_arg == 2,
	   "i386 270 is tgkill, signal in a2");
	ok(sigsys_lookup(0x40000003, 424) && sigsys_lookup(0x40000003, 424)->sig_arg == 1,
	   "i386 424 is pidfd_send_signal, signal in a1");
	ok(sigsys_lookup(0xc000003e, 59) == NULL, "execve is not a signal syscall");

	is_int(filter_parse_header("audit(1795317826.340:200102): x", 32, &ms, &serial), 29,
	       "header length");
	ok(ms == 1795317826340 && serial == 200102, "header time and serial");
	ok(filter_parse_header("audit(1795317826.34:1)", 22, &ms, &serial) < 0,
	   "header without ': ' refused");
	ok(filter_parse_header("audit(17x.340:1): ", 18, &ms, &serial) < 0, "bad seconds refused");

	is_int(rec(&f, AUDIT_SYSCALL, SC("10", "c000003e", "62", "9", "0")), FILTER_KEEP,
	       "kill(pid, 9) kept");
	is_int(rec(&f, AUDIT_OBJ_PID, "audit(1795317826.340:10): opid=5 ocomm=\"a\""), FILTER_KEEP,
	       "its OBJ_PID kept");
	is_int(rec(&f, AUDIT_PROCTITLE, "audit(1795317826.340:10): proctitle=6162"), FILTER_KEEP,
	       "its PROCTITLE kept");
	is_int(rec(&f, AUDIT_CWD, "audit(1795317826.340:10): cwd=\"/\""), FILTER_DROP,
	       "other record types dropped even for a kept event");
	is_int(rec(&f, AUDIT_EOE, "audit(1795317826.340:10): "), FILTER_KEEP, "its EOE kept");
	is_int(rec(&f, AUDIT_PROCTITLE, "audit(1795317826.340:10): proctitle=6162"), FILTER_DROP,
	       "after EOE the serial is forgotten");

	is_int(rec(&f, AUDIT_SYSCALL, SC("11", "c000003e", "59", "9", "0")), FILTER_DROP,
	       "execve dropped");
	is_int(rec(&f, AUDIT_EOE, "audit(1795317826.340:11): "), FILTER_DROP, "and its EOE");
	is_int(rec(&f, AUDIT_SYSCALL, SC("12", "c000003e", "62", "0", "9")), FILTER_DROP,
	       "kill(pid, 0) dropped by default");
	is_int(f.sig0_dropped, 1, "signal-0 drop counted");
	is_int(rec(&f, AUDIT_SYSCALL, SC("13", "c000003e", "234", "0", "0")), FILTER_DROP,
	       "tgkill with a2=0 dropped");
	is_int(rec(&f, AUDIT_SYSCALL, SC("14", "c000003e", "234", "0", "f")), FILTER_KEEP,
	       "tgkill with a2=15 kept although a1=0");
	is_int(rec(&f, AUDIT_SYSCALL, SC("15", "40000003", "37", "f", "0")), FILTER_KEEP,
	       "i386 kill kept");
	is_int(rec(&f, AUDIT_SYSCALL, SC("16", "40000003", "62", "f", "0")), FILTER_DROP,
	       "i386 62 (not kill there) dropped");
	f.include_sig0 = true;
	is_int(rec(&f, AUDIT_SYSCALL, SC("17", "c000003e", "62", "0", "9")), FILTER_KEEP,
	       "kill(pid, 0) kept with include_sig0");

	is_int(rec(&f, AUDIT_SYSCALL, "audit(1795317826.340:18): syscall=62"), FILTER_MALFORMED,
	       "SYSCALL without arch is malformed");
	is_int(rec(&f, AUDIT_SYSCALL, "garbage"), FILTER_MALFORMED, "garbage is malformed");
	is_int(rec(&f, AUDIT_LOGIN, "garbage"), FILTER_DROP, "garbage of other types is not read");
	is_int(f.malformed, 2, "malformed records counted");
	is_int(f.events_kept, 4, "events kept counted");
	return tap_done();
}
