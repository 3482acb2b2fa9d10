/* Unit tests for procfs.c and proctable.c on a fake /proc tree: seeding,
 * fork/exec/exit events, delayed and immediate reads, lingering after exit,
 * pid reuse, threads, the hard cap, races with processes that vanish, the
 * ancestry chain and its formatting, and the hash table under churn. */
#include <errno.h>

#include "sigtrail/proc_extra.h"
#include "sigtrail/proc_table.h"
#include "../../collector/proc/clock.h"
#include "../../collector/proc/connector.h"
#include "../../collector/proc/procfs.h"
#include "../unit/tap.h"
#include "fakeproc.h"

#define S (INT64_C(1000000000))
#define CID "3f4e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"

static const struct proc_clock clk = {
    .real_minus_mono_ns = 1700000000 * S, .real_minus_boot_ns = 1700000000 * S, .ticks_per_s = 100};

static struct proc_ev ev(enum proc_ev_kind kind, int pid, int parent, int64_t t, uint32_t code)
{
	struct proc_ev e = {.kind = kind, .pid = pid, .tgid = pid, .mono_ns = t, .exit_code = code};
	if (kind == PROC_EV_FORK)
		e.parent_pid = e.parent_tgid = parent;
	return e;
}

static void on(struct ptab *t, enum proc_ev_kind kind, int pid, int parent, int64_t at,
               uint32_t code)
{
	struct proc_ev e = ev(kind, pid, parent, at, code);
	ptab_on_event(t, &e);
}

static const char *anc(struct ptab *t, int pid)
{
	static char buf[512];
	const struct ptab_proc *chain[PTAB_MAX_DEPTH];
	size_t n = ptab_ancestry(t, pid, chain, PTAB_MAX_DEPTH);
	ptab_format_ancestry(chain, n, buf, sizeof(buf));
	return buf;
}

static void test_parsers(void)
{
	struct procfs_info in;
	const char stat[] = "42 (a) b (c)) R 7 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0\n";

	memset(&in, 0, sizeof(in));
	is_int(procfs_parse_stat(stat, strlen(stat), &in), 0, "stat with ') ' in the comm");
	is_str(in.comm, "a) b (c)", "comm up to the last ')'");
	is_int(in.ppid, 7, "ppid");
	is_int(in.state, 'R', "state");
	is_int(in.start_time, 98765, "start time (field 22)");
	is_int(procfs_parse_stat("42 (x) R 1 2", 12, &in), -EINVAL, "stat cut before field 22");
	is_int(procfs_parse_stat("42 x R 1", 8, &in), -EINVAL, "stat without parentheses");
	const char esc[] = "9 (\x1b[31m) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 5\n";
	is_int(procfs_parse_stat(esc, strlen(esc), &in), 0, "stat with an escape in the comm");
	is_str(in.comm, "\\x1b[31m", "comm escaped");

	const char status[] = "Name:\tsh\nTgid:\t1400\nPid:\t1402\nUid:\t1000\t0\t0\t0\n"
	                      "NSpid:\t5929\t1\n";
	memset(&in, 0, sizeof(in));
	is_int(procfs_parse_status(status, strlen(status), &in), 0, "status");
	is_int(in.uid, 1000, "real uid");
	is_int(in.tgid, 1400, "tgid");
	is_int(in.nspid, 1, "pid in its own namespace: the last NSpid value");
	is_int(procfs_parse_status("Name:\tx\n", 8, &in), -EINVAL, "status without Uid");
	is_int(procfs_pid_of("1234"), 1234, "pid directory");
	is_int(procfs_pid_of("self"), 0, "self is not a pid");
	is_int(procfs_pid_of("0"), 0, "0 is not a pid");
	is_int(procfs_pid_of("12a"), 0, "12a is not a pid");
	is_int(procfs_pid_of("99999999999"), 0, "out of range");
}

static void seed_tree(void)
{
	fake_add(&(struct fake_proc){.pid = 1,
	                             .ppid = 0,
	                             .comm = "systemd",
	                             .start = 1,
	                             .cmdline = "/sbin/init|splash|",
	                             .exe = "/usr/lib/systemd/systemd",
	                             .cgroup = "0::/init.scope\n"});
	fake_add(&(struct fake_proc){.pid = 812,
	                             .ppid = 1,
	                             .comm = "crond",
	                             .start = 300,
	                             .cmdline = "/usr/sbin/cron|-f|",
	                             .exe = "/usr/sbin/cron",
	                             .cgroup = "0::/system.slice/cron.service\n"});
	fake_add(&(struct fake_proc){.pid = 1390,
	                             .ppid = 812,
	                             .comm = "cleanup.sh",
	                             .start = 5000,
	                             .cmdline = "/bin/bash|/opt/cleanup.sh|--all|",
	                             .exe = "/usr/bin/bash",
	                             .cgroup = "0::/system.slice/cron.service\n"});
	fake_add(&(struct fake_proc){.pid = 1400,
	                             .ppid = 1390,
	                             .comm = "sh",
	                             .start = 5001,
	                             .uid = 33,
	                             .cmdline = "sh|-c|kill -9 4242|",
	                             .exe = "/usr/bin/dash",
	                             .cgroup = "0::/system.slice/cron.service\n"});
	fake_add(&(struct fake_proc){.pid = 4242,
	                             .ppid = 1,
	                             .comm = "nginx",
	                             .start = 400,
	                             .cmdline = "nginx: worker process\x1b[2J",
	                             .exe = "/usr/sbin/nginx",
	                             .cgroup = "0::/system.slice/docker-" CID ".scope\n"});
	fake_add(&(struct fake_proc){.pid = 2, .ppid = 0, .comm = "kthreadd", .start = 1});
}

static void test_seed_and_ancestry(void)
{
	struct ptab *t;
	struct ptab_stats st;
	const struct ptab_proc *p;
	struct ptab_config cfg = {
	    .proc_root = fake_root, .linger_ns = 5 * S, .refresh_delay_ns = 0};

	seed_tree();
	is_int(ptab_new(&cfg, &clk, &t), 0, "new table");
	is_int(ptab_seed(t), 6, "seeded six processes");
	p = ptab_get(t, 1400);
	ok(p != NULL, "sh is in the table");
	is_str(p->cmdline, "sh -c kill -9 4242", "cmdline: NULs as spaces");
	is_str(p->exe, "/usr/bin/dash", "exe");
	is_int(p->start_time, 5001, "start time");
	is_int(p->uid, 33, "uid");
	is_int(p->ppid, 1390, "ppid");
	is_str(p->unit, "cron.service", "unit");
	ok(p->container == NULL, "no container");
	is_int(p->pidns, 4026531836ULL, "pid namespace");
	p = ptab_get(t, 4242);
	is_str(p->cmdline, "nginx: worker process\\x1b[2J", "a hostile title is escaped");
	is_str(p->container, CID, "container id");
	is_str(p->runtime, "docker", "runtime");
	is_str(p->unit, "docker-" CID ".scope", "container scope unit");
	p = ptab_get(t, 2);
	ok(p->cmdline == NULL && p->exe == NULL, "kernel thread: no cmdline, no exe");
	is_str(anc(t, 1400),
	       "sh[1400] \xe2\x86\x90 cleanup.sh[1390] \xe2\x86\x90 crond[812] \xe2\x86\x90 "
	       "systemd[1]",
	       "ancestry up to pid 1");
	const struct ptab_proc *chain[PTAB_MAX_DEPTH];
	size_t n = ptab_ancestry(t, 1400, chain, PTAB_MAX_DEPTH);
	is_int(n, 4, "four members");
	is_str(chain[1]->cmdline, "/bin/bash /opt/cleanup.sh --all", "each member has its cmdline");
	is_int(ptab_ancestry(t, 1400, chain, 2), 2, "bounded by max");
	is_str(anc(t, 1), "systemd[1]", "pid 1 alone");
	is_str(anc(t, 99999), "", "unknown pid: empty ancestry");

	char small[40];
	n = ptab_ancestry(t, 1400, chain, PTAB_MAX_DEPTH);
	ptab_format_ancestry(chain, n, small, sizeof(small));
	is_str(small, "sh[1400] \xe2\x86\x90 cleanup.sh[1390] \xe2\x86\x90 \xe2\x80\xa6",
	       "cut on a member boundary with an ellipsis");
	char tiny[4];
	ptab_format_ancestry(chain, n, tiny, sizeof(tiny));
	is_str(tiny, "", "nothing fits");

	/* A thread id maps to its process. */
	fake_add(&(struct fake_proc){
	    .pid = 1402, .tgid = 1400, .ppid = 1390, .comm = "sh", .start = 5001});
	p = ptab_lookup(t, 1402);
	ok(p && p->pid == 1400, "a thread id is answered by its thread group");

	/* A process the table never saw is read on lookup. */
	fake_add(&(struct fake_proc){
	    .pid = 7000, .ppid = 812, .comm = "late", .start = 7000, .cmdline = "late|"});
	p = ptab_lookup(t, 7000);
	ok(p && strcmp(p->cmdline, "late") == 0, "lookup reads an unknown process");
	ok(ptab_lookup(t, 7001) == NULL, "lookup of a pid that does not exist");

	/* A parent younger than its child: the parent's pid was reused. */
	fake_add(&(struct fake_proc){.pid = 7100, .ppid = 7101, .comm = "orphan", .start = 100});
	fake_add(&(struct fake_proc){.pid = 7101, .ppid = 1, .comm = "newcomer", .start = 9000});
	is_str(anc(t, 7100), "orphan[7100]", "ancestry stops at a reused parent pid");
	ptab_stats(t, &st);
	is_int(st.procs, 9,
	       "nine entries: six seeded, three looked up (the thread is its process)");
	ptab_free(t);
	fake_del(1402);
	fake_del(7000);
	fake_del(7100);
	fake_del(7101);
}

static void test_events(void)
{
	struct ptab *t;
	struct ptab_stats st;
	const struct ptab_proc *p;
	struct ptab_config cfg = {
	    .proc_root = fake_root, .linger_ns = 5 * S, .refresh_delay_ns = S / 50};
	int64_t t0 = 100 * S;

	ptab_new(&cfg, &clk, &t);
	ptab_seed(t);

	/* fork: a copy of the parent, start time from the event, read later */
	on(t, PROC_EV_FORK, 1500, 1390, t0 + 12345678, 0);
	p = ptab_get(t, 1500);
	ok(p != NULL, "forked child tracked");
	is_str(p->cmdline, "/bin/bash /opt/cleanup.sh --all", "child has the parent's cmdline");
	is_str(p->unit, "cron.service", "child has the parent's unit");
	is_int(p->ppid, 1390, "parent");
	is_int(p->start_time, 10001, "start time estimated from the fork timestamp (ticks)");
	ok(p->flags & PTAB_START_GUESS, "marked as a guess");
	ok(p->flags & PTAB_STALE, "a read is due");
	ptab_stats(t, &st);
	uint64_t reads = st.reads;
	is_int(ptab_tick(t, t0 + S / 100, 100), 0, "not yet due");

	/* exec: the old program's strings are dropped, then read */
	fake_add(&(struct fake_proc){.pid = 1500,
	                             .ppid = 1390,
	                             .comm = "sleep",
	                             .start = 10001,
	                             .cmdline = "sleep|1000|",
	                             .exe = "/usr/bin/sleep",
	                             .cgroup = "0::/system.slice/cron.service\n"});
	on(t, PROC_EV_EXEC, 1500, 0, t0 + S / 50, 0);
	p = ptab_get(t, 1500);
	ok(p->cmdline == NULL && p->exe == NULL && p->comm[0] == '\0',
	   "after exec, before the read: exe, cmdline and comm unknown");
	ok(p->flags & PTAB_EXEC_UNREAD, "exec unread");
	is_int(ptab_tick(t, t0 + S / 50 + S / 50, 100), 1, "the read is done when due");
	is_str(p->cmdline, "sleep 1000", "new cmdline");
	is_str(p->comm, "sleep", "new comm");
	is_int(p->start_time, 10001, "exact start time");
	ok(!(p->flags & (PTAB_START_GUESS | PTAB_STALE | PTAB_EXEC_UNREAD)), "up to date");
	is_str(anc(t, 1500),
	       "sleep[1500] \xe2\x86\x90 cleanup.sh[1390] \xe2\x86\x90 crond[812] \xe2\x86\x90 "
	       "systemd[1]",
	       "ancestry through the fork parent");

	/* comm change */
	struct proc_ev c = ev(PROC_EV_COMM, 1500, 0, t0 + S, 0);
	memcpy(c.comm, "renamed\x07", 9);
	ptab_on_event(t, &c);
	is_str(p->comm, "renamed\\x07", "comm event, escaped");

	/* exit: kept for linger_ns, then forgotten */
	on(t, PROC_EV_EXIT, 1500, 0, t0 + 2 * S, 9);
	p = ptab_get(t, 1500);
	ok(p && (p->flags & PTAB_EXITED), "exited process still there");
	is_int(p->exit_code, 9, "exit code kept");
	is_str(p->cmdline, "sleep 1000", "and its cmdline");
	fake_del(1500);
	ok(ptab_lookup(t, 1500) == p, "lookup of an exited process: no read, same entry");
	ptab_tick(t, t0 + 6 * S, 100);
	ok(ptab_get(t, 1500) != NULL, "still there before linger_ns");
	ptab_tick(t, t0 + 7 * S + 1, 100);
	ok(ptab_get(t, 1500) == NULL, "forgotten after linger_ns");

	/* a process that exits before its read is never read */
	ptab_stats(t, &st);
	reads = st.reads;
	on(t, PROC_EV_FORK, 1600, 1400, t0 + 8 * S, 0);
	on(t, PROC_EV_EXEC, 1600, 0, t0 + 8 * S + 1000, 0);
	on(t, PROC_EV_EXIT, 1600, 0, t0 + 8 * S + 2000, 0);
	ptab_tick(t, t0 + 9 * S, 100);
	ptab_stats(t, &st);
	is_int(st.reads, reads, "short-lived process: no /proc read");
	is_int(st.reads_skipped, 1, "counted as skipped");

	/* pid reuse while the old one lingers */
	on(t, PROC_EV_FORK, 1700, 1400, t0 + 10 * S, 0);
	on(t, PROC_EV_EXIT, 1700, 0, t0 + 10 * S + 1000, 9);
	on(t, PROC_EV_FORK, 1700, 812, t0 + 11 * S, 0);
	p = ptab_get(t, 1700);
	ok(p && !(p->flags & PTAB_EXITED) && p->ppid == 812, "the new process replaced the old");
	ptab_stats(t, &st);
	is_int(st.reused, 1, "counted as reused");

	/* the process vanished before its read */
	ptab_tick(t, t0 + 12 * S, 100);
	ok(p->flags & PTAB_PARTIAL, "gone before the read: partial");
	is_str(p->cmdline, "/usr/sbin/cron -f", "keeps what the fork copied");

	/* a zombie read: the exec'd strings are unknown, not the parent's */
	on(t, PROC_EV_FORK, 1800, 1400, t0 + 13 * S, 0);
	on(t, PROC_EV_EXEC, 1800, 0, t0 + 13 * S + 1, 0);
	fake_add(&(struct fake_proc){
	    .pid = 1800, .ppid = 1400, .comm = "true", .state = 'Z', .start = 11300});
	ptab_tick(t, t0 + 14 * S, 100);
	p = ptab_get(t, 1800);
	ok(p->cmdline == NULL && (p->flags & PTAB_PARTIAL), "zombie: cmdline unknown, partial");
	is_str(p->comm, "true", "zombie: comm from stat");
	fake_del(1800);

	/* the start time check: a read that finds another process */
	on(t, PROC_EV_FORK, 1900, 1400, t0 + 15 * S, 0);
	fake_add(&(struct fake_proc){
	    .pid = 1900, .ppid = 1, .comm = "other", .start = 99999, .cmdline = "other|"});
	ptab_tick(t, t0 + 16 * S, 100);
	p = ptab_get(t, 1900);
	ok(p->cmdline && strcmp(p->cmdline, "sh -c kill -9 4242") == 0,
	   "a read that finds a different start time is not applied");
	fake_del(1900);

	/* threads are not processes */
	struct proc_ev th = ev(PROC_EV_FORK, 2001, 0, t0 + 17 * S, 0);
	th.tgid = 1400;
	th.parent_tgid = 1400;
	ptab_on_event(t, &th);
	ok(ptab_get(t, 2001) == NULL, "a new thread is not a process");
	th.kind = PROC_EV_EXIT;
	ptab_on_event(t, &th);
	ok(!(ptab_get(t, 1400)->flags & PTAB_EXITED), "a thread's exit does not end its process");

	/* the read budget spreads a storm */
	for (int i = 0; i < 10; i++)
		on(t, PROC_EV_FORK, 3000 + i, 1400, t0 + 18 * S, 0);
	is_int(ptab_tick(t, t0 + 19 * S, 4), 4, "at most budget reads per tick");
	is_int(ptab_tick(t, t0 + 19 * S, 100), 6, "the rest at the next");
	ptab_free(t);
}

static void test_eager(void)
{
	struct ptab *t;
	struct ptab_stats st;
	struct ptab_config cfg = {.proc_root = fake_root,
	                          .linger_ns = 5 * S,
	                          .refresh_delay_ns = S / 10,
	                          .eager_reads_per_s = 2};
	int64_t t0 = 5001 * (S / 100); /* 1400 started at tick 5001 */

	ptab_new(&cfg, &clk, &t);
	is_int(ptab_next_due(t), INT64_MAX, "nothing due in an empty table");
	on(t, PROC_EV_FORK, 1400, 1390, t0, 0); /* these pids exist in the fake tree */
	on(t, PROC_EV_FORK, 1390, 812, t0 + 1, 0);
	on(t, PROC_EV_FORK, 812, 1, t0 + 2, 0);
	ptab_stats(t, &st);
	is_int(st.reads, 0, "forks are not read at once (the copy of the parent is right)");
	is_int(ptab_next_due(t), t0 + S / 10, "the first fork's confirmation is due");
	on(t, PROC_EV_EXEC, 1400, 0, t0 + 10, 0);
	on(t, PROC_EV_EXEC, 1390, 0, t0 + 11, 0);
	on(t, PROC_EV_EXEC, 812, 0, t0 + 12, 0);
	ptab_stats(t, &st);
	is_int(st.reads, 2, "two execs read at once (eager_reads_per_s = 2)");
	const struct ptab_proc *p = ptab_get(t, 1400);
	ok(!(p->flags & PTAB_EXEC_UNREAD) && p->cmdline && strcmp(p->comm, "sh") == 0,
	   "the first exec is read (comm, cmdline)");
	ok((p->flags & PTAB_UNCONFIRMED) && (p->flags & PTAB_START_GUESS),
	   "its fork's confirmation (start time, namespace) still waits");
	ok(ptab_get(t, 812)->flags & PTAB_EXEC_UNREAD, "the third exec waits");
	is_int(ptab_next_due(t), t0 + 10 + S / 10, "the first's confirmation comes next");
	on(t, PROC_EV_EXEC, 4242, 0, t0 + S + 20, 0);
	ptab_stats(t, &st);
	is_int(st.reads, 3, "a new second: at once again");
	ptab_tick(t, t0 + S, 10);
	ok(!(ptab_get(t, 812)->flags & PTAB_STALE), "the delayed one read when due");
	ok(!(p->flags & (PTAB_STALE | PTAB_START_GUESS)) && p->start_time == 5001,
	   "the confirmation read the exact start time");

	/* uid changes come as events */
	struct proc_ev u = ev(PROC_EV_UID, 1400, 0, t0 + S + 25, 0);
	u.ruid = 65534;
	u.euid = 0;
	ptab_on_event(t, &u);
	is_int(p->uid, 65534, "a uid event sets the real uid");
	on(t, PROC_EV_EXIT, 4242, 0, t0 + S + 30, 0);
	is_int(ptab_next_due(t), t0 + S + 30 + 5 * S, "then the expiry of the exited one");
	ptab_free(t);
}

static void test_cap_and_churn(void)
{
	struct ptab *t;
	struct ptab_stats st;
	struct ptab_config cfg = {
	    .proc_root = fake_root, .linger_ns = 5 * S, .refresh_delay_ns = S, .max_procs = 8};
	int64_t t0 = 1000 * S;

	ptab_new(&cfg, &clk, &t);
	ptab_seed(t); /* 6 */
	on(t, PROC_EV_FORK, 100, 1, t0, 0);
	on(t, PROC_EV_FORK, 101, 1, t0, 0);
	on(t, PROC_EV_FORK, 102, 1, t0, 0);
	ptab_stats(t, &st);
	is_int(st.procs, 8, "capped at max_procs");
	is_int(st.full, 1, "one not tracked");
	on(t, PROC_EV_EXIT, 100, 0, t0 + 1, 0);
	on(t, PROC_EV_FORK, 103, 1, t0 + 2, 0);
	ok(ptab_get(t, 100) == NULL && ptab_get(t, 103) != NULL,
	   "full: the oldest exited process makes room");
	ptab_free(t);

	/* Churn: many processes come and go; every live one stays findable
	 * (backward-shift deletion keeps probe runs intact) and the table
	 * shrinks back. */
	cfg.max_procs = 100000;
	cfg.linger_ns = 0;
	cfg.refresh_delay_ns = 1000 * S; /* never read: the pids do not exist */
	ptab_new(&cfg, &clk, &t);
	int bad = 0;
	for (int round = 0; round < 5; round++) {
		for (int pid = 10000; pid < 30000; pid++)
			on(t, PROC_EV_FORK, pid + round * 7, 1, t0, 0);
		for (int pid = 10000; pid < 30000; pid += 2)
			on(t, PROC_EV_EXIT, pid + round * 7, 0, t0, 0);
		ptab_tick(t, t0 + 1, 0);
		for (int pid = 10000; pid < 30000; pid++) {
			const struct ptab_proc *p = ptab_get(t, pid + round * 7);
			if ((pid % 2 == 1) != (p != NULL))
				bad++;
		}
		for (int pid = 10001; pid < 30000; pid += 2)
			on(t, PROC_EV_EXIT, pid + round * 7, 0, t0, 0);
		ptab_tick(t, t0 + 1, 0);
	}
	is_int(bad, 0, "every live process findable after churn");
	ptab_stats(t, &st);
	is_int(st.procs, 0, "all gone");
	ok(st.peak_procs >= 20000, "peak %llu", (unsigned long long)st.peak_procs);
	ptab_tick(t, t0 + 2, 0);
	ptab_tick(t, t0 + 3, 0);
	for (int i = 0; i < 10; i++)
		ptab_tick(t, t0 + 4, 0);
	ptab_stats(t, &st);
	is_int(st.capacity, 1024, "shrunk back to the minimum");
	is_int(st.string_bytes, 0, "no string bytes left");
	ptab_free(t);
	ptab_free(NULL);
}

static void test_budget(void)
{
	struct ptab *t;
	struct ptab_stats st;
	struct ptab_config cfg = {.proc_root = fake_root, .linger_ns = S, .string_budget = 1};

	fake_add(&(struct fake_proc){.pid = 5555,
	                             .ppid = 1,
	                             .comm = "long",
	                             .start = 5,
	                             .cmdline =
	                                 "python3|-c|xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"});
	fake_del(5555);
	ptab_new(&cfg, &clk, &t);
	ptab_seed(t);
	fake_add(&(struct fake_proc){.pid = 5555,
	                             .ppid = 1,
	                             .comm = "long",
	                             .start = 5,
	                             .cmdline =
	                                 "python3|-c|xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"});
	const struct ptab_proc *p = ptab_lookup(t, 5555);
	ptab_stats(t, &st);
	ok(st.truncated >= 1, "over the string budget, long command lines are cut");
	ok(p && p->cmdline && strlen(p->cmdline) == 128, "to 128 bytes");
	ptab_free(t);
	fake_del(5555);
}

static void test_extra(void)
{
	struct ptab *t;
	struct proc_extra *x = NULL;
	struct ptab_config cfg = {.proc_root = fake_root, .linger_ns = 5 * S};
	const int32_t targets[] = {4242, 99999, 1400};

	ptab_new(&cfg, &clk, &t);
	ptab_seed(t);
	is_int(proc_extra_build(t, 1400, targets, 3, &x), 0, "extra built");
	ptab_free(t); /* the extra must not point into the table */
	is_str(x->sender_ancestry,
	       "sh[1400] \xe2\x86\x90 cleanup.sh[1390] \xe2\x86\x90 crond[812] \xe2\x86\x90 "
	       "systemd[1]",
	       "sender ancestry");
	is_str(x->sender_unit, "cron.service", "sender unit");
	ok(x->sender_container == NULL, "sender container none");
	is_int(x->n_members, 4, "four members");
	is_str(x->members[1].cmdline, "/bin/bash /opt/cleanup.sh --all", "member cmdline");
	is_str(x->members[2].comm, "crond", "member comm");
	is_int(x->members[3].pid, 1, "last member pid 1");
	is_int(x->n_targets, 3, "three targets");
	is_str(x->targets[0].cmdline, "nginx: worker process\\x1b[2J", "target cmdline");
	is_str(x->targets[0].exe, "/usr/sbin/nginx", "target exe");
	is_int(x->targets[0].start_time, 400, "target start time");
	is_str(x->targets[0].container, CID, "target container");
	ok(x->targets[1].pid == 99999 && x->targets[1].cmdline == NULL &&
	       x->targets[1].start_time == 0,
	   "an unknown target: pid only");
	is_str(x->targets[2].unit, "cron.service", "a target that is also the sender");
	proc_extra_free(x);

	ptab_new(&cfg, &clk, &t);
	is_int(proc_extra_build(t, 99999, NULL, 0, &x), 0, "unknown sender, no target (ESRCH)");
	ok(x->sender_ancestry == NULL && x->n_members == 0 && x->n_targets == 0, "empty extra");
	proc_extra_free(x);
	proc_extra_free(NULL);
	ptab_free(t);
}

/* What an exec reader read in time, for the table whose own read came too
 * late (ptab_config.exec_snapshot). */
struct snap_calls {
	int calls;
	int32_t pid;
	int64_t mono_ns;
	bool have;
};

static bool fake_snapshot(void *userdata, int32_t pid, int64_t exec_mono_ns, struct procfs_info *in)
{
	struct snap_calls *c = userdata;

	c->calls++;
	c->pid = pid;
	c->mono_ns = exec_mono_ns;
	if (!c->have)
		return false;
	in->got = PROCFS_COMM | PROCFS_EXE | PROCFS_CMDLINE;
	snprintf(in->comm, sizeof(in->comm), "crasher");
	snprintf(in->exe, sizeof(in->exe), "/opt/bin/crasher");
	snprintf(in->cmdline, sizeof(in->cmdline), "/opt/bin/crasher --now");
	return true;
}

static void test_late_exec_read(void)
{
	struct snap_calls calls = {.have = true};
	struct ptab_config cfg = {.proc_root = fake_root,
	                          .linger_ns = 5 * S,
	                          .refresh_delay_ns = S / 10,
	                          .eager_reads_per_s = 100,
	                          .exec_snapshot = fake_snapshot,
	                          .exec_snapshot_data = &calls};
	struct ptab *t;
	struct ptab_stats st;
	int64_t t0 = 100 * S;

	ptab_new(&cfg, &clk, &t);
	/* A zombie by the time the table reads it: stat and comm, no command
	 * line, no exe. */
	fake_add(&(struct fake_proc){.pid = 6100,
	                             .ppid = 1400,
	                             .comm = "crasher",
	                             .state = 'Z',
	                             .start = 9990,
	                             .cmdline = ""});
	on(t, PROC_EV_FORK, 6100, 1400, t0, 0);
	on(t, PROC_EV_EXEC, 6100, 0, t0 + 7, 0);
	const struct ptab_proc *p = ptab_get(t, 6100);
	is_int(calls.calls, 1, "a zombie after its exec: the exec reader is asked");
	ok(calls.pid == 6100 && calls.mono_ns == t0 + 7, "for that pid and that exec's event time");
	is_str(p->cmdline, "/opt/bin/crasher --now", "its command line is the exec reader's");
	is_str(p->exe, "/opt/bin/crasher", "and its executable");
	ptab_stats(t, &st);
	is_int(st.late_exec_reads, 1, "counted as a late exec read");

	/* Gone altogether: the snapshot is all there is. */
	on(t, PROC_EV_FORK, 6101, 1400, t0 + 10, 0);
	on(t, PROC_EV_EXEC, 6101, 0, t0 + 11, 0);
	p = ptab_get(t, 6101);
	is_str(p->cmdline, "/opt/bin/crasher --now", "a process gone before the read keeps it too");
	is_str(p->comm, "crasher", "with its name");

	/* No snapshot: unknown, not the parent's. */
	calls.have = false;
	on(t, PROC_EV_FORK, 6102, 1400, t0 + 20, 0);
	on(t, PROC_EV_EXEC, 6102, 0, t0 + 21, 0);
	p = ptab_get(t, 6102);
	ok(p->cmdline == NULL && p->exe == NULL, "without one, the command line stays unknown");

	/* A live process read in time: the reader is not asked. */
	calls.calls = 0;
	on(t, PROC_EV_EXEC, 1400, 0, t0 + 30, 0);
	is_int(calls.calls, 0, "a read in time asks nobody");
	ptab_free(t);
}

int main(void)
{
	fake_init();
	test_parsers();
	test_seed_and_ancestry();
	test_events();
	test_eager();
	test_cap_and_churn();
	test_budget();
	test_extra();
	test_late_exec_read();
	fake_cleanup();
	return tap_done();
}
