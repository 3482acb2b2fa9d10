/* Unit tests for a death's way from the tracker to its death_rows row: the
 * candidate signal rows read back from the store's own connection (committed
 * or not), the decision, and the row the store writes with it (the user name
 * of its uid, its host, NULL for every unknown, the OOM figures and the
 * ANOM_ABEND serial of the deciding evidence), one row per cause. */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "sigtrail/deaths.h"
#include "sigtrail/proc_deathq.h"
#include "sigtrail/proc_extra.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/store.h"
#include "../unit/tap.h"

#define T0 INT64_C(1795317685000) /* the deaths, epoch ms */

static char dir[] = "/tmp/sigtrail-test-decide-XXXXXX";
static char path[320];

/* The one death of `pid` as the `deaths` view shows it, its columns joined
 * by '|' (NULL for NULL), in a static buffer; st's open transaction is
 * committed first, for this other connection to see it. */
static const char *row_of(struct store *st, int32_t pid)
{
	static char out[2048];
	char sql[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	snprintf(sql, sizeof(sql),
	         "SELECT start_time, signal, core_dumped, uid, user, comm, exe, cmdline, ppid, "
	         "pidns, nspid, cause, signal_id, abend_serial, oom_constraint, oom_memcg, "
	         "oom_task_memcg, oom_rss_kb, unit, container, host, evidence "
	         "FROM deaths WHERE pid = %d",
	         (int)pid);
	snprintf(out, sizeof(out), "(error)");
	if (store_commit(st) < 0)
		return out;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	} else if (sqlite3_step(s) != SQLITE_ROW) {
		snprintf(out, sizeof(out), "(no row)");
	} else {
		size_t len = 0;
		for (int i = 0; i < sqlite3_column_count(s) && len < sizeof(out); i++) {
			const unsigned char *t = sqlite3_column_text(s, i);
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? "|" : "",
			                        t ? (const char *)t : "NULL");
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* A successful kill(target, sig) by `sender` at `ms`, whose target had the
 * start time `tstart` (the process table's word, through the extra). */
static int kill_event(struct store *st, uint64_t serial, int64_t ms, int32_t sender, int32_t target,
                      int sig, uint64_t tstart)
{
	struct st_event *e = calloc(1, sizeof(*e) + sizeof(struct st_target));
	struct proc_extra *x = calloc(1, sizeof(*x) + sizeof(struct proc_target_extra));
	int r;

	*e = (struct st_event){.epoch_ms = ms,
	                       .serial = serial,
	                       .arch = 0xc000003e,
	                       .syscall = 62,
	                       .signal = sig,
	                       .success = true,
	                       .target_arg = target,
	                       .pid = sender,
	                       .ppid = 1,
	                       .auid = ST_ID_UNSET,
	                       .ses = ST_ID_UNSET,
	                       .comm = "bash",
	                       .exe = "/usr/bin/bash",
	                       .cmdline = "bash -c kill",
	                       .n_targets = 1};
	e->targets[0] = (struct st_target){
	    .pid = target, .auid = ST_ID_UNSET, .ses = ST_ID_UNSET, .comm = "victim"};
	x->id = serial;
	atomic_init(&x->refs, 1);
	x->n_targets = 1;
	x->targets[0] = (struct proc_target_extra){.pid = target, .start_time = tstart};
	r = store_insert_extra(st, e, x);
	free(x);
	free(e);
	return r;
}

/* A death of `pid` by `sig` at T0, of a process the table knew well. */
static struct deathq_ready *ready(int32_t pid, int sig)
{
	struct deathq_ready *r = calloc(1, sizeof(*r));

	r->death = (struct death){.pid = pid,
	                          .start_time = 50000,
	                          .start_epoch_ms = T0 - 60000,
	                          .signal = sig,
	                          .epoch_ms = T0,
	                          .ppid = 1,
	                          .exit_parent = 1,
	                          .uid = 0,
	                          .comm = "victim",
	                          .exe = "/usr/bin/victim",
	                          .cmdline = "victim --serve",
	                          .unit = "victim.service"};
	return r;
}

/* Decide and write r's death as the writer thread does; frees r. */
static int put(struct store *st, struct deathq_ready *r)
{
	int n = deaths_write(st, r);

	deathq_ready_free(r);
	return n;
}

#define KNOWN "50000|9|0|0|root|victim|/usr/bin/victim|victim --serve|1|NULL|NULL|"
#define NO_OOM "NULL|NULL|NULL|NULL|victim.service"

static void test_signal_and_reuse(struct store *st)
{
	is_int(kill_event(st, 10, T0 - 3, 1400, 4001, SIGKILL, 50000), 1, "kill -9 4001 stored");
	is_int(put(st, ready(4001, SIGKILL)), 1, "its death stored in the same transaction");
	is_str(row_of(st, 4001),
	       KNOWN "signal|1|NULL|" NO_OOM "|NULL|testhost|signal row 1: SIGKILL from "
	             "bash[1400], 3 ms before the death, target start time 50000 matches",
	       "signal: the uncommitted row decides");

	is_int(kill_event(st, 11, T0 - 30, 1400, 4002, SIGKILL, 40000), 1,
	       "kill -9 of an older 4002");
	is_int(put(st, ready(4002, SIGKILL)), 1, "stored");
	is_str(row_of(st, 4002),
	       KNOWN
	       "kernel|NULL|NULL|" NO_OOM "|NULL|testhost|SIGKILL with no recorded sender: "
	       "cgroup.kill, a seccomp kill, a hard resource limit, or a sender audit missed; "
	       "no OOM kill and no pid namespace teardown seen; ruled out 1 SIGKILL row for "
	       "pid reuse (row 2: its target had another start time)",
	       "pid reuse: the row is named and ruled out");
}

static void test_oom(struct store *st)
{
	struct deathq_ready *r;

	is_int(kill_event(st, 12, T0 - 2, 1500, 4003, SIGKILL, 50000), 1, "kill -9 4003 stored");
	r = ready(4003, SIGKILL);
	r->ooms[0] = (struct death_oom){.kill = {.pid = 4003,
	                                         .comm = "victim",
	                                         .constraint = "CONSTRAINT_MEMCG",
	                                         .oom_memcg = "/sys/fs/cgroup/lim",
	                                         .task_memcg = "/lim/victim",
	                                         .rss_kb = 12345,
	                                         .memcg = true},
	                                .epoch_ms = T0 - 1};
	r->n_ooms = 1;
	is_int(put(st, r), 1, "stored");
	is_str(row_of(st, 4003),
	       KNOWN
	       "oom|NULL|NULL|CONSTRAINT_MEMCG|/sys/fs/cgroup/lim|/lim/victim|12345|"
	       "victim.service|NULL|testhost|kernel log: the OOM killer killed 4003 (victim), "
	       "1 ms before the death, CONSTRAINT_MEMCG, memory cgroup /sys/fs/cgroup/lim at "
	       "its limit, rss 12345 kB; a SIGKILL from bash[1500] (signal row 3) was also "
	       "recorded",
	       "oom in a memory cgroup: its figures");

	r = ready(4004, SIGKILL);
	r->death.comm = "other";
	r->ooms[0] =
	    (struct death_oom){.kill = {.pid = 999, .rss_kb = OOM_UNKNOWN}, .epoch_ms = T0 - 1};
	r->ooms[1] = (struct death_oom){
	    .kill = {.pid = 4004, .comm = "victim", .rss_kb = OOM_UNKNOWN}, .epoch_ms = T0 + 2};
	r->n_ooms = 2;
	is_int(put(st, r), 1, "stored");
	is_str(row_of(st, 4004),
	       "50000|9|0|0|root|other|/usr/bin/victim|victim --serve|1|NULL|NULL|oom|NULL|NULL|"
	       "NULL|NULL|NULL|NULL|victim.service|NULL|testhost|kernel log: the OOM killer killed "
	       "4004 (victim), 2 ms after the death, system out of memory (its comm differs from "
	       "the process's: other)",
	       "global oom, nothing printed: NULL figures, the second line decides");
}

static void test_crash(struct store *st)
{
	struct deathq_ready *r = ready(4005, SIGSEGV);

	r->death.core_dumped = true;
	r->abends[0] = (struct death_abend){.pid = 4005,
	                                    .signal = SIGSEGV,
	                                    .epoch_ms = T0 - 1,
	                                    .serial = 61,
	                                    .comm = "victim",
	                                    .exe = "/usr/bin/victim"};
	r->n_abends = 1;
	is_int(put(st, r), 1, "stored");
	is_str(row_of(st, 4005),
	       "50000|11|1|0|root|victim|/usr/bin/victim|victim --serve|1|NULL|NULL|crash|NULL|61|"
	       "NULL|NULL|NULL|NULL|victim.service|NULL|testhost|SIGSEGV with no recorded sender; "
	       "ANOM_ABEND record 61: victim[4005] SIGSEGV, 1 ms before the death; core dumped",
	       "crash: the ANOM_ABEND serial");

	is_int(kill_event(st, 13, T0 - 1, 4006, 4006, SIGABRT, 50000), 1,
	       "abort()'s tgkill stored");
	r = ready(4006, SIGABRT);
	r->death.coredump_event = true;
	is_int(put(st, r), 1, "stored");
	is_str(row_of(st, 4006),
	       "50000|6|0|0|root|victim|/usr/bin/victim|victim --serve|1|NULL|NULL|crash|4|NULL|"
	       "NULL|NULL|NULL|NULL|victim.service|NULL|testhost|it sent itself SIGABRT (abort() "
	       "or raise()): signal row 4: SIGABRT from bash[4006], 1 ms before the death, target "
	       "start time 50000 matches; the kernel began a core dump (none written: core limit "
	       "or pattern)",
	       "abort(): a crash linked to its own row");
}

static void test_pidns(struct store *st)
{
	struct deathq_ready *r = ready(4007, SIGKILL);

	r->death.pidns = 4026532000;
	r->death.nspid = 7;
	r->death.exit_parent = 0;
	r->death.container = "0123456789ab";
	r->init_exit = (struct death_init_exit){
	    .pid = 3999, .pidns = 4026532000, .epoch_ms = T0 + 1, .exit_code = 9, .comm = "tini"};
	r->have_init_exit = true;
	is_int(put(st, r), 1, "stored");
	is_str(row_of(st, 4007),
	       "50000|9|0|0|root|victim|/usr/bin/victim|victim --serve|1|4026532000|7|"
	       "pidns-teardown|NULL|NULL|" NO_OOM "|0123456789ab|testhost|SIGKILL with no recorded "
	       "sender; its pid namespace 4026532000 lost its init tini[3999], which exited 1 ms "
	       "after the death (killed by SIGKILL); reaped by the kernel, as a dying namespace "
	       "does",
	       "pidns teardown: namespace, nspid and container");
}

static void test_unknowns(struct store *st)
{
	struct deathq_ready *r = calloc(1, sizeof(*r));

	store_set_signals_recorded(st, false);
	r->death = (struct death){.pid = 4008, .signal = SIGTERM, .epoch_ms = T0, .uid = -1};
	is_int(put(st, r), 1, "stored");
	is_str(row_of(st, 4008),
	       "NULL|15|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|kernel|NULL|NULL|NULL|NULL|NULL|"
	       "NULL|NULL|NULL|testhost|SIGTERM with no recorded sender: no kernel source is "
	       "typical for it: a sender audit missed is likely; signals were not being recorded",
	       "an untracked death: every unknown NULL, and no rules loaded said");
	store_set_signals_recorded(st, true);

	r = ready(4009, SIGPIPE);
	r->death.uid = 65534;
	r->death.start_guess = true;
	is_int(put(st, r), 1, "stored");
	is_str(row_of(st, 4009),
	       "50000|13|0|65534|nobody|victim|/usr/bin/victim|victim --serve|1|NULL|NULL|kernel|"
	       "NULL|NULL|" NO_OOM "|NULL|testhost|SIGPIPE with no recorded sender: it wrote to a "
	       "pipe or socket whose reader had gone",
	       "the user name of the uid");
}

/* Last: the signal rows cannot be read any more (no target_pid column). */
static void test_unreadable(struct store *st)
{
	ok(sqlite3_exec(store_sqlite(st), "ALTER TABLE signal_rows RENAME COLUMN target_pid TO tp",
	                NULL, NULL, NULL) == SQLITE_OK,
	   "signal_rows made unreadable");
	is_int(put(st, ready(4010, SIGKILL)), 1, "stored all the same");
	is_str(row_of(st, 4010),
	       KNOWN
	       "kernel|NULL|NULL|" NO_OOM "|NULL|testhost|SIGKILL with no recorded sender: "
	       "cgroup.kill, a seccomp kill, a hard resource limit, or a sender audit missed; "
	       "no OOM kill and no pid namespace teardown seen; the signal rows could not be "
	       "read",
	       "the cause stands on the other evidence, and says what is missing");
}

int main(void)
{
	struct store *st = NULL;
	struct store_stats ss;
	char err[512];

	ok(sigsys_init() == 0, "syscall tables");
	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (store_open(path, "testhost", &st, err, sizeof(err)) < 0) {
		printf("# %s\n", err);
		ok(0, "store_open");
		return tap_done();
	}
	store_set_signals_recorded(st, true);
	test_signal_and_reuse(st);
	test_oom(st);
	test_crash(st);
	test_pidns(st);
	test_unknowns(st);
	test_unreadable(st);
	store_stats(st, &ss);
	is_int(ss.deaths_written, 10, "ten death rows committed");
	is_int(ss.deaths_lost, 0, "none lost");
	store_close(st);
	/* Each death extends the deaths' chain at its commit (schema 019). */
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int chained = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db,
	                       "SELECT count(*) FROM death_chain_rows AS c JOIN death_rows AS d ON "
	                       "d.id = c.id WHERE c.pruned = 0 AND length(c.hash) = 32",
	                       -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		chained = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	is_int(chained, 10, "the ten deaths are in the deaths' chain, each with its hash");
	(void)unlink(path);
	char wal[340];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	(void)unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	(void)unlink(wal);
	(void)rmdir(dir);
	return tap_done();
}
