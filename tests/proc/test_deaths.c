/* Unit tests for collector/deaths/attribute.c (every cause, pid reuse, the
 * evidence sentence), collector/proc/abend.c (the captured ANOM_ABEND
 * records of /work/shared/audit-samples/crash-anom-abend.txt and malformed
 * ones) and collector/proc/deathq.c (holding deaths, gathering OOM,
 * ANOM_ABEND, core dump and namespace-init evidence, decisions under a kill
 * storm). */
#include <errno.h>
#include <signal.h>

#include "sigtrail/proc_deathq.h"
#include "sigtrail/proc_table.h"
#include "../../collector/deaths/deaths_internal.h"
#include "../../collector/proc/abend.h"
#include "../../collector/proc/clock.h"
#include "../../collector/proc/connector.h"
#include "../unit/tap.h"

#define MS (INT64_C(1000000))
#define S (INT64_C(1000000000))
#define T0 INT64_C(1795317685000) /* the death, epoch ms */

static int contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

#define has(ev, needle, ...)                                                                       \
	do {                                                                                       \
		ok(contains(ev, needle), __VA_ARGS__);                                             \
		if (!contains(ev, needle))                                                         \
			printf("#   evidence: %s\n#   missing: %s\n", ev, needle);                 \
	} while (0)

static struct death victim(int sig)
{
	return (struct death){.pid = 4242,
	                      .start_time = 50000,
	                      .start_epoch_ms = T0 - 60000,
	                      .signal = sig,
	                      .epoch_ms = T0,
	                      .ppid = 1,
	                      .exit_parent = 1,
	                      .uid = 0,
	                      .comm = "nginx",
	                      .cmdline = "nginx: worker"};
}

static void test_signal(void)
{
	struct death d = victim(SIGKILL);
	struct death_verdict v;
	struct death_signal_row rows[] = {
	    {.id = 7,
	     .epoch_ms = T0 - 3,
	     .signal = SIGKILL,
	     .success = true,
	     .sender_pid = 1400,
	     .sender_comm = "sh",
	     .target_start_time = 50000},
	    {.id = 6,
	     .epoch_ms = T0 - 5000,
	     .signal = SIGTERM,
	     .success = true,
	     .sender_pid = 1400,
	     .sender_comm = "sh",
	     .target_start_time = 50000},
	    {.id = 5,
	     .epoch_ms = T0 - 4,
	     .signal = SIGKILL,
	     .success = false,
	     .sender_pid = 99,
	     .sender_comm = "evil",
	     .target_start_time = 50000},
	};
	struct death_candidates c = {.rows = rows, .n_rows = 3, .signals_recorded = true};

	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "signal", "kill -9: cause signal");
	is_int(v.signal_id, 7, "linked to the SIGKILL row, not SIGTERM nor the refused one");
	has(v.evidence, "signal row 7: SIGKILL from sh[1400], 3 ms before the death",
	    "evidence names the row and the sender");
	has(v.evidence, "target start time 50000 matches", "evidence says the start time matched");

	/* The latest of several matching rows decides. */
	rows[1] = (struct death_signal_row){.id = 8,
	                                    .epoch_ms = T0 - 1,
	                                    .signal = SIGKILL,
	                                    .success = true,
	                                    .sender_pid = 812,
	                                    .sender_comm = "cron",
	                                    .target_start_time = 50000};
	death_attribute(&d, &c, &v);
	is_int(v.signal_id, 8, "the latest row");

	/* Too old, or in the future beyond the skew. */
	struct death_signal_row old = {.id = 1,
	                               .epoch_ms = T0 - 10001,
	                               .signal = SIGKILL,
	                               .success = true,
	                               .sender_pid = 3,
	                               .target_start_time = 50000};
	struct death_candidates c_old = {.rows = &old, .n_rows = 1, .signals_recorded = true};
	death_attribute(&d, &c_old, &v);
	is_str(death_cause_name(v.cause), "kernel", "a row 10 s before is too old");
	old.epoch_ms = T0 + 1001;
	death_attribute(&d, &c_old, &v);
	is_str(death_cause_name(v.cause), "kernel", "a row 1 s after is too late");
	old.epoch_ms = T0 + 900;
	death_attribute(&d, &c_old, &v);
	is_str(death_cause_name(v.cause), "signal", "a row stamped 900 ms after: clock skew");

	/* A start time that was only estimated matches within one tick. */
	d.start_guess = true;
	d.start_time = 50001;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "signal", "estimated start time, one tick off");
	has(v.evidence, "(+-1 tick)", "evidence says it was an estimate");

	/* A row without the target's start time: accepted if not older than
	 * the process, and the evidence says so. */
	struct death_signal_row nost = {.id = 9,
	                                .epoch_ms = T0 - 2,
	                                .signal = SIGKILL,
	                                .success = true,
	                                .sender_pid = 1400,
	                                .sender_comm = "sh"};
	struct death_candidates c_nost = {.rows = &nost, .n_rows = 1, .signals_recorded = true};
	d = victim(SIGKILL);
	death_attribute(&d, &c_nost, &v);
	is_int(v.signal_id, 9, "row without start time, after the process started");
	has(v.evidence, "sent after the process started", "evidence");
	d.start_epoch_ms = 0;
	d.start_time = 0;
	death_attribute(&d, &c_nost, &v);
	is_int(v.signal_id, 9, "nothing known of the start: still linked");
	has(v.evidence, "pid reuse not excluded", "but the evidence says what is not known");
}

static void test_pid_reuse(void)
{
	struct death d = victim(SIGKILL);
	struct death_verdict v;
	/* The earlier owner of pid 4242 (start time 40000) was killed 2 s
	 * ago; this process (50000) dies of SIGKILL now. */
	struct death_signal_row rows[] = {
	    {.id = 3,
	     .epoch_ms = T0 - 2000,
	     .signal = SIGKILL,
	     .success = true,
	     .sender_pid = 1400,
	     .sender_comm = "sh",
	     .target_start_time = 40000},
	};
	struct death_candidates c = {.rows = rows, .n_rows = 1, .signals_recorded = true};

	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "kernel", "pid reuse: the old row is not the cause");
	is_int(v.signal_id, -1, "not linked");
	has(v.evidence,
	    "ruled out 1 SIGKILL row for pid reuse (row 3: its target had another start "
	    "time)",
	    "evidence names the row ruled out");

	/* Without start times in the rows: the row predates the process. */
	rows[0].target_start_time = 0;
	d.start_epoch_ms = T0 - 1000; /* started 1 s ago, the row is 2 s old */
	death_attribute(&d, &c, &v);
	is_int(v.signal_id, -1, "a row older than the process is not linked");
	has(v.evidence, "it was sent before this process started", "evidence says why");

	/* Both the old owner's row and this process's own row: this one wins. */
	struct death_signal_row both[] = {
	    {.id = 3,
	     .epoch_ms = T0 - 2,
	     .signal = SIGKILL,
	     .success = true,
	     .sender_pid = 1,
	     .sender_comm = "a",
	     .target_start_time = 40000},
	    {.id = 4,
	     .epoch_ms = T0 - 5,
	     .signal = SIGKILL,
	     .success = true,
	     .sender_pid = 2,
	     .sender_comm = "b",
	     .target_start_time = 50000},
	};
	struct death_candidates c2 = {.rows = both, .n_rows = 2, .signals_recorded = true};
	d = victim(SIGKILL);
	death_attribute(&d, &c2, &v);
	is_int(v.signal_id, 4, "the row for this very process, though older");
	has(v.evidence, "ruled out 1 SIGKILL row", "and the other is named");
}

static void test_oom(void)
{
	struct death d = victim(SIGKILL);
	struct death_verdict v;
	struct death_oom o = {.kill = {.pid = 4242,
	                               .comm = "nginx",
	                               .constraint = "CONSTRAINT_MEMCG",
	                               .oom_memcg = "/oomtest",
	                               .task_memcg = "/oomtest",
	                               .rss_kb = 71864,
	                               .memcg = true},
	                      .epoch_ms = T0 - 1};
	struct death_candidates c = {.ooms = &o, .n_ooms = 1, .signals_recorded = true};

	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "oom", "OOM kill line: cause oom");
	is_int(v.oom_index, 0, "the OOM record");
	has(v.evidence, "the OOM killer killed 4242 (nginx), 1 ms before the death",
	    "evidence: the kernel log line");
	has(v.evidence, "memory cgroup /oomtest at its limit", "evidence: the cgroup");
	has(v.evidence, "rss 71864 kB", "evidence: rss");

	/* A user's SIGKILL recorded too: the OOM line still decides. */
	struct death_signal_row r = {.id = 11,
	                             .epoch_ms = T0 - 2,
	                             .signal = SIGKILL,
	                             .success = true,
	                             .sender_pid = 5,
	                             .sender_comm = "watchdog",
	                             .target_start_time = 50000};
	c.rows = &r;
	c.n_rows = 1;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "oom", "OOM line and a signal row: oom");
	has(v.evidence, "watchdog[5] (signal row 11) was also recorded", "the row is mentioned");
	is_int(v.signal_id, -1, "but not linked");

	/* Another pid, or too far away, or not SIGKILL. */
	o.kill.pid = 4243;
	c.n_rows = 0;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "kernel", "an OOM kill of another pid");
	o.kill.pid = 4242;
	o.epoch_ms = T0 - 6000;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "kernel", "an OOM kill 6 s earlier");
	o.epoch_ms = T0;
	d.signal = SIGTERM;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "kernel", "the OOM killer sends SIGKILL only");

	/* Global OOM, comm mismatch noted. */
	d = victim(SIGKILL);
	struct death_oom g = {.kill = {.pid = 4242,
	                               .comm = "other",
	                               .constraint = "CONSTRAINT_NONE",
	                               .rss_kb = OOM_UNKNOWN},
	                      .epoch_ms = T0};
	struct death_candidates cg = {.ooms = &g, .n_ooms = 1};
	death_attribute(&d, &cg, &v);
	is_str(death_cause_name(v.cause), "oom", "global OOM");
	has(v.evidence, "system out of memory", "global: evidence");
	has(v.evidence, "its comm differs", "comm mismatch noted");
}

static void test_crash(void)
{
	struct death d = victim(SIGSEGV);
	struct death_verdict v;
	struct death_abend a = {.pid = 4242,
	                        .signal = SIGSEGV,
	                        .epoch_ms = T0 - 1,
	                        .serial = 59,
	                        .comm = "nginx",
	                        .exe = "/usr/sbin/nginx"};
	struct death_candidates c = {.abends = &a, .n_abends = 1, .signals_recorded = true};

	d.core_dumped = true;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "crash", "SIGSEGV with ANOM_ABEND: crash");
	is_int(v.abend_index, 0, "the ANOM_ABEND record");
	has(v.evidence,
	    "SIGSEGV with no recorded sender; ANOM_ABEND record 59: nginx[4242] SIGSEGV",
	    "evidence: the record");
	has(v.evidence, "core dumped", "evidence: the core");

	d.core_dumped = false;
	c.n_abends = 0;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "crash", "SIGSEGV alone: crash");
	has(v.evidence, "a sender audit missed is not excluded", "but it says what is uncertain");
	d.coredump_event = true;
	death_attribute(&d, &c, &v);
	has(v.evidence, "the kernel began a core dump", "a core dump event is evidence");

	/* abort(): the process sent itself SIGABRT through tgkill. */
	d = victim(SIGABRT);
	struct death_signal_row self = {.id = 20,
	                                .epoch_ms = T0 - 1,
	                                .signal = SIGABRT,
	                                .success = true,
	                                .sender_pid = 4242,
	                                .sender_comm = "nginx",
	                                .target_start_time = 50000};
	struct death_candidates cs = {.rows = &self, .n_rows = 1, .signals_recorded = true};
	death_attribute(&d, &cs, &v);
	is_str(death_cause_name(v.cause), "crash", "abort(): crash");
	is_int(v.signal_id, 20, "linked to its own tgkill row");
	has(v.evidence, "it sent itself SIGABRT", "evidence");

	/* SIGSEGV sent by someone else is a signal. */
	d = victim(SIGSEGV);
	self.signal = SIGSEGV;
	self.sender_pid = 1400;
	death_attribute(&d, &cs, &v);
	is_str(death_cause_name(v.cause), "signal", "kill -SEGV from another process: signal");

	/* An ANOM_ABEND of another signal or pid does not count. */
	d = victim(SIGBUS);
	a.signal = SIGSEGV;
	c.n_abends = 1;
	death_attribute(&d, &c, &v);
	is_int(v.abend_index, -1, "ANOM_ABEND with another signal not used");
}

static void test_pidns(void)
{
	struct death d = victim(SIGKILL);
	struct death_verdict v;
	struct death_init_exit ie = {
	    .pid = 5929, .pidns = 4026532999ULL, .epoch_ms = T0 + 3, .exit_code = 0, .comm = "sh"};
	struct death_candidates c = {.init_exit = &ie, .signals_recorded = true};

	d.exit_parent = 0;
	d.pidns = 4026532999ULL;
	d.nspid = 3;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "pidns-teardown",
	       "SIGKILL and the init exited: teardown");
	has(v.evidence,
	    "its pid namespace 4026532999 lost its init sh[5929], which exited 3 ms "
	    "after the death (exit status 0)",
	    "evidence names the init");
	has(v.evidence, "reaped by the kernel", "and the autoreap");
	ie.exit_code = SIGKILL;
	death_attribute(&d, &c, &v);
	has(v.evidence, "(killed by SIGKILL)", "an init that was killed");

	d.nspid = 1; /* the init itself */
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "kernel", "the init itself is not a teardown victim");
	d.nspid = 3;
	d.signal = SIGTERM;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "kernel", "teardown kills with SIGKILL only");

	/* A recorded SIGKILL to the child wins over the teardown. */
	d = victim(SIGKILL);
	struct death_signal_row r = {.id = 30,
	                             .epoch_ms = T0 - 1,
	                             .signal = SIGKILL,
	                             .success = true,
	                             .sender_pid = 1,
	                             .sender_comm = "docker",
	                             .target_start_time = 50000};
	c.rows = &r;
	c.n_rows = 1;
	death_attribute(&d, &c, &v);
	is_str(death_cause_name(v.cause), "signal", "a recorded sender wins");
}

/* A process that ended by itself: cause exit, its status and age, and the
 * signal it handled just before, if any; never a signal row as the cause. */
static void test_exit(void)
{
	struct death d = victim(0);
	struct death_verdict v;
	struct death_signal_row rows[] = {
	    {.id = 31,
	     .epoch_ms = T0 - 5,
	     .signal = SIGTERM,
	     .success = true,
	     .sender_pid = 900,
	     .sender_comm = "systemd",
	     .target_start_time = 50000},
	    {.id = 30,
	     .epoch_ms = T0 - 2,
	     .signal = SIGTERM,
	     .success = true,
	     .sender_pid = 901,
	     .sender_comm = "kill",
	     .target_start_time = 49000},
	};
	struct death_candidates none = {.signals_recorded = true};
	struct death_candidates c = {.rows = rows, .n_rows = 2, .signals_recorded = true};

	d.exit_status = 3;
	d.start_epoch_ms = T0 - 2040;
	death_attribute(&d, &none, &v);
	is_str(death_cause_name(v.cause), "exit", "signal 0: exit");
	is_str(v.evidence, "it exited on its own with status 3 after 2.0 s; no signal reached it",
	       "the evidence: status, age, no signal");
	is_int(v.signal_id, -1, "no signal row");
	d.start_epoch_ms = T0 - 40;
	death_attribute(&d, &none, &v);
	has(v.evidence, "after 40 ms;", "an age under a second in ms");
	d.start_epoch_ms = T0 - (2 * 3600 + 5 * 60) * 1000LL;
	death_attribute(&d, &none, &v);
	has(v.evidence, "after 2 h 5 min;", "an age in hours");
	death_attribute(&d, &c, &v);
	has(v.evidence,
	    "; SIGTERM from systemd[900] reached it 5 ms before (signal row 31): it handled or "
	    "ignored the signal, then exited",
	    "the SIGTERM it handled, to this very process (not row 30, to an earlier owner)");
	is_int(v.signal_id, -1, "a handled signal is not the cause");
	none.signals_recorded = false;
	death_attribute(&d, &none, &v);
	has(v.evidence, "; signals were not being recorded", "says when signals were not recorded");
}

static void test_kernel(void)
{
	struct death_verdict v;
	struct death_candidates none = {.signals_recorded = true};
	struct {
		int sig;
		const char *says;
	} cases[] = {
	    {SIGPIPE, "pipe or socket"},  {SIGXCPU, "RLIMIT_CPU"},
	    {SIGXFSZ, "RLIMIT_FSIZE"},    {SIGSYS, "seccomp"},
	    {SIGHUP, "terminal hung up"}, {SIGINT, "Ctrl-C"},
	    {SIGQUIT, "Ctrl-\\"},         {SIGALRM, "timers"},
	    {SIGKILL, "cgroup.kill"},     {SIGUSR1, "a sender audit missed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct death d = victim(cases[i].sig);
		death_attribute(&d, &none, &v);
		is_str(death_cause_name(v.cause), "kernel", "signal %d: kernel", cases[i].sig);
		has(v.evidence, cases[i].says, "signal %d: evidence", cases[i].sig);
	}
	struct death d = victim(SIGKILL);
	struct death_candidates off = {0};
	death_attribute(&d, &off, &v);
	has(v.evidence, "signals were not being recorded", "says when audit was not recording");
	has(v.evidence, "no OOM kill and no pid namespace teardown seen",
	    "SIGKILL: what was ruled out");
	is_str(death_cause_name(DEATH_PIDNS), "pidns-teardown", "cause names");
	is_str(death_cause_name((enum death_cause)99), "kernel", "unknown cause name");
}

static void test_abend(void)
{
	struct death_abend a;
	const char *l1 =
	    "type=ANOM_ABEND msg=audit(1795317685.572:59): auid=4294967295 uid=0 gid=0 "
	    "ses=4294967295 pid=4680 comm=\"bash\" exe=\"/usr/bin/bash\" sig=11 res=1";
	is_int(abend_parse(l1, strlen(l1), &a), 0, "log line parses");
	is_int(a.pid, 4680, "pid");
	is_int(a.signal, 11, "sig");
	is_int(a.epoch_ms, INT64_C(1795317685572), "timestamp");
	is_int(a.serial, 59, "serial");
	is_int(a.uid, 0, "uid");
	is_str(a.comm, "bash", "comm");
	is_str(a.exe, "/usr/bin/bash", "exe");
	const char *b2 =
	    "audit(1795317685.804:60): auid=4294967295 uid=0 gid=0 ses=4294967295 "
	    "pid=4681 comm=\"python3\" exe=\"/root/.pyenv/versions/3.11.7/bin/python3.11\" "
	    "sig=11 res=1";
	is_int(abend_parse(b2, strlen(b2), &a), 0, "netlink body parses");
	is_str(a.exe, "/root/.pyenv/versions/3.11.7/bin/python3.11", "exe");
	const char *hex = "audit(1.000:1): pid=9 comm=6D7920617070 sig=6 res=1";
	is_int(abend_parse(hex, strlen(hex), &a), 0, "hex comm parses");
	is_str(a.comm, "my app", "hex comm decoded");
	is_int(a.uid, -1, "uid absent");
	const char *bad[] = {
	    "pid=9 sig=6",                      /* no timestamp */
	    "audit(1.000:1): comm=\"x\" sig=6", /* no pid */
	    "audit(1.000:1): pid=9",            /* no sig */
	    "audit(1.000:1): pid=x sig=6",      /* bad pid */
	    "audit(1.000:1): pid=9 sig=99",     /* sig out of range */
	    "audit(1.0:1): pid=9 sig=6",        /* ms not 3 digits */
	    "audit(1.000): pid=9 sig=6",        /* no serial */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.pid = 77;
		is_int(abend_parse(bad[i], strlen(bad[i]), &a), -EINVAL, "malformed: %s", bad[i]);
	}
	is_int(a.pid, 77, "nothing written on error");
}

/* --- the tracker --------------------------------------------------------- */

static const struct proc_clock clk = {.real_minus_mono_ns = (T0 - 1000000) * MS,
                                      .real_minus_boot_ns = (T0 - 1000000) * MS,
                                      .ticks_per_s = 100};

static struct proc_ev pev(enum proc_ev_kind k, int pid, int parent, int64_t mono, uint32_t code)
{
	return (struct proc_ev){.kind = k,
	                        .pid = pid,
	                        .tgid = pid,
	                        .parent_pid = parent,
	                        .parent_tgid = parent,
	                        .mono_ns = mono,
	                        .exit_code = code};
}

static void feed(struct deathq *q, struct ptab *t, struct proc_ev e)
{
	deathq_on_event(q, t, &e, &clk);
	ptab_on_event(t, &e);
}

static void test_deathq(void)
{
	struct ptab *t;
	struct deathq *q;
	struct deathq_ready *r;
	struct deathq_stats st;
	struct ptab_config pc = {
	    .proc_root = "/nonexistent", .linger_ns = 5 * S, .refresh_delay_ns = 100 * S};
	int64_t m = 1000 * S; /* mono time of the first event: epoch T0 */

	ptab_new(&pc, &clk, &t);
	deathq_new(&(struct deathq_config){.hold_ns = 2 * S, .max_pending = 8}, &q);

	/* A forked child killed by SIGKILL: captured, held, handed over. */
	feed(q, t, pev(PROC_EV_FORK, 100, 1, m, 0));
	feed(q, t, pev(PROC_EV_EXIT, 100, 1, m + 10 * MS, 9));
	ok(deathq_pop(q, m + S) == NULL, "held for hold_ns");
	r = deathq_pop(q, m + 10 * MS + 2 * S);
	ok(r != NULL, "handed over after hold_ns");
	is_int(r->death.pid, 100, "pid");
	is_int(r->death.signal, SIGKILL, "signal");
	is_int(r->death.epoch_ms, T0 + 10, "epoch ms from the connector's clock");
	is_int(r->death.ppid, 1, "parent from the fork");
	ok(r->death.start_guess && r->death.start_time == 100000,
	   "start time estimated from the fork (%llu)", (unsigned long long)r->death.start_time);
	ok(!r->have_init_exit && r->n_ooms == 0 && r->n_abends == 0, "no other evidence");
	deathq_ready_free(r);

	/* A normal exit is no death; a thread's exit neither. */
	feed(q, t, pev(PROC_EV_FORK, 101, 1, m + S, 0));
	feed(q, t, pev(PROC_EV_EXIT, 101, 1, m + S, 0));
	struct proc_ev th = pev(PROC_EV_EXIT, 102, 1, m + S, 9);
	th.tgid = 101;
	feed(q, t, th);
	ok(deathq_pop(q, m + 100 * S) == NULL, "no death for a clean exit or a thread");

	/* OOM: the kernel log line arrives after the exit event. */
	feed(q, t, pev(PROC_EV_FORK, 200, 1, m + 10 * S, 0));
	feed(q, t, pev(PROC_EV_EXIT, 200, 1, m + 11 * S, 9));
	struct oom_kill k = {.pid = 200,
	                     .comm = "python3",
	                     .constraint = "CONSTRAINT_MEMCG",
	                     .ts_us = (m + 11 * S - MS) / 1000};
	deathq_on_oom(q, &k, &clk);
	r = deathq_pop(q, m + 14 * S);
	ok(r && r->n_ooms == 1, "the OOM line is gathered");
	struct death_verdict v;
	struct death_candidates c = {.ooms = r->ooms, .n_ooms = r->n_ooms};
	death_attribute(&r->death, &c, &v);
	is_str(death_cause_name(v.cause), "oom", "and decides");
	deathq_ready_free(r);

	/* Crash: core dump event, exit with 0x80, ANOM_ABEND from audit. */
	feed(q, t, pev(PROC_EV_FORK, 300, 1, m + 20 * S, 0));
	feed(q, t, pev(PROC_EV_COREDUMP, 300, 1, m + 21 * S, 0));
	feed(q, t, pev(PROC_EV_EXIT, 300, 1, m + 21 * S + MS, SIGSEGV | 0x80));
	struct death_abend ab = {
	    .pid = 300, .signal = SIGSEGV, .epoch_ms = T0 + 21000, .serial = 61};
	deathq_on_abend(q, &ab);
	r = deathq_pop(q, m + 24 * S);
	ok(r && r->death.core_dumped && r->death.coredump_event && r->n_abends == 1,
	   "core flag, core dump event and ANOM_ABEND gathered");
	deathq_ready_free(r);

	/* pidns teardown: children die first, their init's exit comes last. */
	feed(q, t, pev(PROC_EV_FORK, 400, 1, m + 30 * S, 0));
	feed(q, t, pev(PROC_EV_FORK, 401, 400, m + 30 * S, 0));
	feed(q, t, pev(PROC_EV_FORK, 402, 400, m + 30 * S, 0));
	/* The table learns from /proc that 400 is its namespace's init; the
	 * fake root has no /proc, so set it as a read would. */
	((struct ptab_proc *)ptab_get(t, 400))->nspid = 1;
	feed(q, t, pev(PROC_EV_EXIT, 401, 0, m + 31 * S, 9));
	feed(q, t, pev(PROC_EV_EXIT, 402, 0, m + 31 * S + MS, 9));
	feed(q, t, pev(PROC_EV_EXIT, 400, 1, m + 31 * S + 2 * MS, 0));
	for (int i = 0; i < 2; i++) {
		r = deathq_pop(q, m + 34 * S);
		ok(r && r->have_init_exit && r->init_exit.pid == 400,
		   "teardown victim %d: its init's exit is gathered", i);
		struct death_candidates ci = {.init_exit = r ? &r->init_exit : NULL};
		if (r) {
			death_attribute(&r->death, &ci, &v);
			is_str(death_cause_name(v.cause), "pidns-teardown", "and decides");
		}
		deathq_ready_free(r);
	}
	ok(deathq_pop(q, m + 34 * S) == NULL, "the init's clean exit is no death");

	/* An untracked process still gives a death, with what is known. */
	feed(q, t, pev(PROC_EV_EXIT, 999, 0, m + 40 * S, 15));
	r = deathq_pop(q, m + 50 * S);
	ok(r && r->death.pid == 999 && r->death.comm == NULL && r->death.start_time == 0,
	   "untracked: pid and signal only");
	deathq_ready_free(r);

	/* A storm: more than half of max_pending held goes early. */
	for (int i = 0; i < 8; i++)
		feed(q, t, pev(PROC_EV_EXIT, 500 + i, 0, m + 60 * S, 9));
	feed(q, t, pev(PROC_EV_EXIT, 600, 0, m + 60 * S, 9));
	deathq_stats(q, &st);
	is_int(st.dropped, 1, "the ninth death with eight held is dropped and counted");
	int early = 0;
	while ((r = deathq_pop(q, m + 60 * S))) {
		early += r->early;
		deathq_ready_free(r);
	}
	is_int(early, 4, "the oldest went early until half were left");
	deathq_stats(q, &st);
	is_int(st.pending, 4, "four still held");
	is_int(st.early, 4, "counted");
	ok(st.deaths >= 9 && st.untracked >= 9, "counters");
	deathq_free(q); /* frees what is still held */
	ptab_free(t);
	deathq_free(NULL);
	deathq_ready_free(NULL);
}

/* A reused namespace number: the kernel gives a freed pid namespace's inode
 * number to the next namespace at once. */
static void test_deathq_reused_pidns(void)
{
	struct ptab *t;
	struct deathq *q;
	struct deathq_ready *r;
	struct ptab_config pc = {
	    .proc_root = "/nonexistent", .linger_ns = 5 * S, .refresh_delay_ns = 100 * S};
	int64_t m = 1000 * S;

	ptab_new(&pc, &clk, &t);
	deathq_new(&(struct deathq_config){.hold_ns = 2 * S, .max_pending = 8}, &q);
	/* Init 700 of namespace 77 exited before child
	 * 711 of the next namespace 77 (init 710) was born: it is not 711's
	 * init, even while 710's own exit has not arrived. */
	feed(q, t, pev(PROC_EV_FORK, 700, 1, m + 64 * S, 0));
	((struct ptab_proc *)ptab_get(t, 700))->nspid = 1;
	((struct ptab_proc *)ptab_get(t, 700))->pidns = 77;
	feed(q, t, pev(PROC_EV_EXIT, 700, 1, m + 70 * S, 0));
	feed(q, t, pev(PROC_EV_FORK, 710, 1, m + 71 * S, 0));
	feed(q, t, pev(PROC_EV_FORK, 711, 710, m + 71 * S + 500 * MS, 0));
	feed(q, t, pev(PROC_EV_FORK, 712, 710, m + 71 * S + 700 * MS, 0));
	((struct ptab_proc *)ptab_get(t, 712))->pidns = 77;
	((struct ptab_proc *)ptab_get(t, 710))->nspid = 1;
	((struct ptab_proc *)ptab_get(t, 710))->pidns = 77;
	((struct ptab_proc *)ptab_get(t, 711))->pidns = 77;
	feed(q, t, pev(PROC_EV_EXIT, 711, 0, m + 72 * S, 9));
	r = deathq_pop(q, m + 74 * S + 500 * MS);
	ok(r && !r->have_init_exit,
	   "reused namespace number: the init that exited before the child started is not its "
	   "init (gathered: %d)",
	   r && r->have_init_exit ? r->init_exit.pid : 0);
	deathq_ready_free(r);
	feed(q, t, pev(PROC_EV_EXIT, 712, 0, m + 74 * S + 599 * MS, 9));
	feed(q, t, pev(PROC_EV_EXIT, 710, 1, m + 74 * S + 600 * MS, 9));
	r = deathq_pop(q, m + 77 * S);
	ok(r && r->have_init_exit && r->init_exit.pid == 710 && r->init_exit.start_time != 0,
	   "its sibling's init is the init of its own lifetime, with its start time (%d)",
	   r && r->have_init_exit ? r->init_exit.pid : 0);
	deathq_ready_free(r);

	deathq_free(q);
	ptab_free(t);
}

/* The exit policy: exits of processes that lived exit_min_age_ms, or that
 * a signal reached; none with exits off. */
static void test_deathq_exits(void)
{
	struct ptab *t;
	struct deathq *q, *off;
	struct deathq_ready *r;
	struct ptab_config pc = {
	    .proc_root = "/nonexistent", .linger_ns = 5 * S, .refresh_delay_ns = 100 * S};
	int64_t m = 1000 * S;

	ptab_new(&pc, &clk, &t);
	deathq_new(
	    &(struct deathq_config){
	        .hold_ns = 2 * S, .max_pending = 8, .exits = true, .exit_min_age_ms = 1000},
	    &q);
	deathq_new(&(struct deathq_config){.hold_ns = 2 * S, .max_pending = 8}, &off);
	feed(q, t, pev(PROC_EV_FORK, 800, 1, m, 0));
	feed(q, t, pev(PROC_EV_FORK, 801, 1, m, 0));
	feed(q, t, pev(PROC_EV_FORK, 802, 1, m, 0));
	ptab_note_signalled(t, 802);
	feed(q, t, pev(PROC_EV_EXIT, 800, 1, m + 500 * MS, 0));
	feed(q, t, pev(PROC_EV_EXIT, 802, 1, m + 600 * MS, 0));
	struct proc_ev e = pev(PROC_EV_EXIT, 801, 1, m + 1500 * MS, 3 << 8);
	deathq_on_event(off, t, &e, &clk);
	feed(q, t, e);
	r = deathq_pop(q, m + 10 * S);
	ok(r && r->death.pid == 802 && r->death.signal == 0 && r->death.exit_status == 0,
	   "an exit at 0.6 s of a process a signal reached is recorded (%d)", r ? r->death.pid : 0);
	deathq_ready_free(r);
	r = deathq_pop(q, m + 10 * S);
	ok(r && r->death.pid == 801 && r->death.exit_status == 3,
	   "an exit with status 3 after 1.5 s is recorded (%d)", r ? r->death.pid : 0);
	deathq_ready_free(r);
	ok(deathq_pop(q, m + 10 * S) == NULL, "an exit after 0.5 s, never signalled, is not");
	ok(deathq_pop(off, m + 10 * S) == NULL, "exits off: none");
	struct deathq_stats st;
	deathq_stats(q, &st);
	is_int(st.exits, 2, "exits counted apart from deaths");
	is_int(st.deaths, 0, "no death by a signal");
	deathq_free(q);
	deathq_free(off);
	ptab_free(t);
}

int main(void)
{
	test_signal();
	test_pid_reuse();
	test_oom();
	test_crash();
	test_pidns();
	test_kernel();
	test_exit();
	test_abend();
	test_deathq();
	test_deathq_reused_pidns();
	test_deathq_exits();
	return tap_done();
}
