/* Unit tests of the zombie watch (collector/proc/zombies.c) on a fake /proc
 * tree, with the process table it reads parents from: an exit reaped at
 * once is forgotten; one left unreaped becomes a zombie at the delay, with
 * the command line the table kept, its exit status or signal, and its parent
 * (a namespace init or not); its reaping is seen; a zombie whose exit was not
 * seen is found by the scan; an earlier run's zombie is adopted, not found
 * again; a pid reused after a reaping; and the bounds. */
#include <errno.h>

#include "sigtrail/proc_table.h"
#include "../../collector/proc/clock.h"
#include "../../collector/proc/procfs.h"
#include "../../collector/proc/zombies.h"
#include "../unit/tap.h"
#include "fakeproc.h"

#define S (INT64_C(1000000000))
#define MS (INT64_C(1000000))

static const struct proc_clock clk = {
    .real_minus_mono_ns = 1700000000 * S, .real_minus_boot_ns = 1700000000 * S, .ticks_per_s = 100};

/* What the watch handed over, in order. */
static struct zombie_note *notes[16];
static size_t n_notes;

static void take(void *userdata, struct zombie_note *z)
{
	(void)userdata;
	if (n_notes < sizeof(notes) / sizeof(notes[0]))
		notes[n_notes++] = z;
	else
		zombie_note_free(z);
}

static void forget_notes(void)
{
	for (size_t i = 0; i < n_notes; i++)
		zombie_note_free(notes[i]);
	n_notes = 0;
}

/* The note of pid, or NULL. */
static const struct zombie_note *note_of(int32_t pid)
{
	for (size_t i = 0; i < n_notes; i++)
		if (notes[i]->pid == pid)
			return notes[i];
	return NULL;
}

static void tree(void)
{
	fake_add(&(struct fake_proc){
	    .pid = 1, .ppid = 0, .comm = "systemd", .start = 1, .cmdline = "/sbin/init|"});
	/* A container's init: pid 1 of its namespace. */
	fake_add(&(struct fake_proc){.pid = 500,
	                             .ppid = 1,
	                             .comm = "node",
	                             .start = 50,
	                             .nspid = 1,
	                             .pidns = 4026532999ULL,
	                             .cmdline = "npm start|"});
	fake_add(&(struct fake_proc){.pid = 501,
	                             .ppid = 500,
	                             .comm = "sh",
	                             .start = 60,
	                             .nspid = 7,
	                             .pidns = 4026532999ULL,
	                             .cmdline = "sh|-c|curl health|"});
	fake_add(&(struct fake_proc){
	    .pid = 600, .ppid = 1, .comm = "sleep", .start = 70, .cmdline = "sleep|600|"});
	fake_add(&(struct fake_proc){
	    .pid = 601, .ppid = 600, .comm = "sh", .start = 80, .cmdline = "sh|-c|exit 3|"});
	fake_add(&(struct fake_proc){
	    .pid = 602, .ppid = 600, .comm = "true", .start = 81, .cmdline = "true|"});
}

/* The kernel's exit: a zombie's stat says Z and holds its wait status. */
static void make_zombie(int pid, int ppid, const char *comm, unsigned long long start, int code)
{
	fake_add(&(struct fake_proc){.pid = pid,
	                             .ppid = ppid,
	                             .comm = comm,
	                             .start = start,
	                             .state = 'Z',
	                             .exit_code = code});
}

static void test_exits(void)
{
	struct ptab *t = NULL;
	struct zwatch *zw = NULL;
	struct zwatch_stats st;
	struct ptab_config cfg = {.proc_root = fake_root, .linger_ns = 5 * S};
	int64_t t0 = 1000 * S;

	tree();
	is_int(ptab_new(&cfg, &clk, &t), 0, "table");
	is_int(ptab_seed(t), 6, "seeded");
	is_int(zwatch_new(&(struct zwatch_config){.proc_root = fake_root, .delay_ms = 10000}, &zw),
	       0, "watch with a 10 s delay");
	zwatch_tick(zw, t, t0, 1700001000000, take, NULL);
	zwatch_stats(zw, &st);
	is_int(n_notes, 0, "first tick: no zombie yet (every process runs)");
	is_int(st.scans, 1, "the first tick scans every stat");

	/* 601 exits 3 and 501 dies of SIGKILL: both left unreaped. 602 exits
	 * and is reaped at once. */
	make_zombie(601, 600, "sh", 80, 3 << 8);
	make_zombie(501, 500, "sh", 60, 9);
	zwatch_on_exit(zw, ptab_get(t, 601), 601, 3 << 8, t0 + 100 * MS, 1700001000100);
	zwatch_on_exit(zw, ptab_get(t, 501), 501, 9, t0 + 100 * MS, 1700001000100);
	zwatch_on_exit(zw, ptab_get(t, 602), 602, 0, t0 + 100 * MS, 1700001000100);
	fake_del(602);
	is_int(zwatch_next_due(zw), t0 + 3100 * MS, "next due: the exits' first check, 3 s on");
	zwatch_tick(zw, t, t0 + 1500 * MS, 1700001001500, take, NULL);
	zwatch_stats(zw, &st);
	is_int(st.listings, 1, "nothing due at 1.5 s: /proc not listed again");
	/* The first check: 602 is gone; 601 and 501 are copied from the table,
	 * which then forgets them. */
	zwatch_tick(zw, t, t0 + 3200 * MS, 1700001003200, take, NULL);
	is_int(n_notes, 0, "3 s: not a zombie yet");
	zwatch_tick(zw, t, t0 + 9000 * MS, 1700001009000, take, NULL);
	is_int(n_notes, 0, "9 s: not yet");
	zwatch_tick(zw, t, t0 + 10200 * MS, 1700001010200, take, NULL);
	is_int(n_notes, 2, "10.1 s after the exits: two zombies");

	const struct zombie_note *z = note_of(601);
	ok(z != NULL, "601 is a zombie");
	if (z) {
		ok(!z->reaped && z->exit_seen, "601: found, its exit seen");
		is_int(z->epoch_ms, 1700001000100, "601: the time of its exit");
		is_int(z->start_time, 80, "601: its start time");
		is_int(z->exit_status, 3, "601: exit status 3");
		is_int(z->signal, 0, "601: no signal");
		is_str(z->comm, "sh", "601: comm");
		is_str(z->cmdline, "sh -c exit 3", "601: the command line the table kept");
		is_int(z->ppid, 600, "601: parent 600");
		is_int(z->parent_start_time, 70, "601: the parent's start time");
		is_str(z->parent_comm, "sleep", "601: the parent's comm");
		is_str(z->parent_cmdline, "sleep 600", "601: the parent's command line");
		ok(!z->parent_is_init, "601: its parent is not a namespace init");
	}
	z = note_of(501);
	ok(z != NULL, "501 is a zombie");
	if (z) {
		is_int(z->signal, 9, "501: SIGKILL ended it");
		is_int(z->exit_status, -1, "501: no exit status");
		is_str(z->parent_comm, "node", "501: parent node");
		is_str(z->parent_cmdline, "npm start", "501: the parent's command line");
		ok(z->parent_is_init, "501: its parent is pid 1 of its namespace");
	}
	ok(note_of(602) == NULL, "602, reaped at once: no zombie");
	forget_notes();

	/* The reaping: 601's pid leaves /proc. */
	fake_del(601);
	zwatch_tick(zw, t, t0 + 11300 * MS, 1700001011300, take, NULL);
	is_int(n_notes, 1, "one note after 601 left /proc");
	if (n_notes == 1) {
		ok(notes[0]->reaped, "a reaping");
		is_int(notes[0]->pid, 601, "of 601");
		is_int(notes[0]->start_time, 80, "with its start time");
		is_int(notes[0]->epoch_ms, 1700001011300, "seen at this tick");
	}
	forget_notes();

	/* A zombie from before: no exit event, found by the scan (every 30 s). */
	make_zombie(700, 1, "defunct", 90, 0);
	zwatch_tick(zw, t, t0 + 20 * S, 1700001020000, take, NULL);
	is_int(n_notes, 0, "20 s: the scan has not run again");
	zwatch_tick(zw, t, t0 + 31 * S, 1700001031000, take, NULL);
	is_int(n_notes, 0, "31 s: the scan saw it; it waits for the delay");
	zwatch_tick(zw, t, t0 + 41 * S, 1700001041000, take, NULL);
	z = note_of(700);
	ok(z != NULL && !z->exit_seen, "41 s: 700 is a zombie whose exit was not seen");
	if (z) {
		is_int(z->epoch_ms, 1700001031000, "700: the time it was first seen");
		is_int(z->exit_status, 0, "700: stat's exit status");
		ok(z->parent_is_init, "700: its parent is pid 1");
		is_str(z->parent_comm, "systemd", "700: parent systemd");
	}
	ok(note_of(501) == NULL, "501, followed already, is not found again");
	forget_notes();

	/* A pid reused after a reaping the listing missed: a new process. */
	fake_add(&(struct fake_proc){.pid = 501, .ppid = 1, .comm = "new", .start = 5000});
	zwatch_tick(zw, t, t0 + 62 * S, 1700001062000, take, NULL);
	z = note_of(501);
	ok(z && z->reaped, "501 now names another process: its zombie was reaped");
	forget_notes();
	zwatch_stats(zw, &st);
	is_int(st.found, 3, "stats: 3 zombies found");
	is_int(st.reaped, 2, "stats: 2 reaped");
	is_int(st.tracked, 1, "stats: 1 followed (700)");
	zwatch_free(zw);

	/* A restart: the earlier run's zombie is adopted, not found again. */
	zw = NULL;
	is_int(zwatch_new(&(struct zwatch_config){.proc_root = fake_root, .delay_ms = 1000}, &zw),
	       0, "a second watch");
	zwatch_adopt(zw, 700, 90);
	zwatch_tick(zw, t, t0 + 100 * S, 1700001100000, take, NULL);
	zwatch_tick(zw, t, t0 + 102 * S, 1700001102000, take, NULL);
	is_int(n_notes, 0, "the adopted zombie is not found again");
	fake_del(700);
	zwatch_tick(zw, t, t0 + 104 * S, 1700001104000, take, NULL);
	ok(n_notes == 1 && notes[0]->reaped && notes[0]->pid == 700, "its reaping is reported");
	forget_notes();

	/* Bounded: beyond ZW_MAX_EXITS waiting, the oldest are left to the scan. */
	for (int i = 0; i < ZW_MAX_EXITS + 5; i++)
		zwatch_on_exit(zw, NULL, 100000 + i, 0, t0 + 105 * S, 1700001105000);
	zwatch_stats(zw, &st);
	is_int(st.unchecked, 5, "5 exits beyond the bound: counted, left to the scan");
	zwatch_tick(zw, t, t0 + 109 * S, 1700001109000, take, NULL);
	is_int(n_notes, 0, "none of them is listed: no zombie");
	zwatch_free(zw);
	zwatch_free(NULL);
	ptab_free(t);
}

/* The scan reads at most ZW_SCAN_BATCH stats a tick: a host of many
 * processes never holds the main loop long; it goes on where it stopped. */
static void test_scan_batches(void)
{
	struct ptab *t = NULL;
	struct zwatch *zw = NULL;
	struct zwatch_stats st;
	struct ptab_config cfg = {.proc_root = fake_root, .linger_ns = 5 * S};
	int64_t t0 = 5000 * S;

	for (int i = 0; i < ZW_SCAN_BATCH + 100; i++)
		fake_add(&(struct fake_proc){
		    .pid = 20000 + i, .ppid = 1, .comm = "worker", .start = 10});
	make_zombie(30000, 1, "late", 11, 0);
	is_int(ptab_new(&cfg, &clk, &t), 0, "batches: table");
	is_int(zwatch_new(&(struct zwatch_config){.proc_root = fake_root, .delay_ms = 1000}, &zw),
	       0, "batches: watch");
	zwatch_tick(zw, t, t0, 1700005000000, take, NULL);
	zwatch_stats(zw, &st);
	is_int(st.stat_reads, ZW_SCAN_BATCH, "the first tick reads ZW_SCAN_BATCH stats, no more");
	is_int(zwatch_next_due(zw), t0 + S, "the scan goes on at the next listing, a second on");
	zwatch_tick(zw, t, t0 + S, 1700005001000, take, NULL);
	zwatch_stats(zw, &st);
	ok(st.stat_reads > ZW_SCAN_BATCH && st.scans == 1,
	   "the second tick goes on with the same scan");
	zwatch_tick(zw, t, t0 + 2 * S, 1700005002000, take, NULL);
	ok(n_notes == 1 && notes[0]->pid == 30000 && !notes[0]->exit_seen,
	   "the zombie past the first batch is found");
	zwatch_stats(zw, &st);
	uint64_t reads = st.stat_reads;
	zwatch_tick(zw, t, t0 + 3 * S, 1700005003000, take, NULL);
	zwatch_stats(zw, &st);
	ok(st.stat_reads == reads && st.scans == 1 && st.listings == 4,
	   "the scan over: the next tick lists /proc and reads no stat");
	forget_notes();
	zwatch_free(zw);
	ptab_free(t);
	for (int i = 0; i < ZW_SCAN_BATCH + 100; i++)
		fake_del(20000 + i);
	fake_del(30000);
}

/* A child that exits at once is known to the table by what it inherited:
 * the kernel's comm is the zombie's own, and a command line the table's
 * comm does not agree with is not taken. */
static void test_table_guess(void)
{
	struct ptab *t = NULL;
	struct zwatch *zw = NULL;
	struct ptab_config cfg = {.proc_root = fake_root, .linger_ns = 5 * S};
	int64_t t0 = 9000 * S;

	fake_add(&(struct fake_proc){
	    .pid = 800, .ppid = 1, .comm = "sleep", .start = 20, .cmdline = "sleep|600|"});
	fake_add(&(struct fake_proc){
	    .pid = 801, .ppid = 800, .comm = "sleep", .start = 21, .cmdline = "sleep|600|"});
	is_int(ptab_new(&cfg, &clk, &t), 0, "guess: table");
	ok(ptab_seed(t) >= 2, "guess: seeded");
	is_int(zwatch_new(&(struct zwatch_config){.proc_root = fake_root, .delay_ms = 1000}, &zw),
	       0, "guess: watch");
	zwatch_tick(zw, t, t0, 1700009000000, take, NULL);
	forget_notes();
	make_zombie(801, 800, "sh", 21, 0);
	zwatch_on_exit(zw, ptab_get(t, 801), 801, 0, t0 + 10 * MS, 1700009000010);
	zwatch_tick(zw, t, t0 + 1100 * MS, 1700009001100, take, NULL);
	zwatch_tick(zw, t, t0 + 2200 * MS, 1700009002200, take, NULL);
	const struct zombie_note *z = note_of(801);
	ok(z != NULL, "guess: 801 is a zombie");
	if (z) {
		is_str(z->comm, "sh", "its comm is the kernel's, not the table's guess");
		ok(z->cmdline == NULL, "the guessed command line is not taken");
		is_str(z->parent_cmdline, "sleep 600", "its parent's is");
	}
	forget_notes();
	zwatch_free(zw);
	ptab_free(t);
	fake_del(800);
	fake_del(801);
}

static void test_stat_fields(void)
{
	struct procfs_info in;
	const char z[] = "9 (sh) Z 1 9 9 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 77 0 0 "
	                 "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 "
	                 "0 256\n";
	const char r[] = "9 (sh) S 1 9 9 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 4 0 77 0 0\n";

	is_int(procfs_parse_stat(z, strlen(z), &in), 0, "a zombie's stat");
	is_int(in.state, 'Z', "state Z");
	is_int(in.exit_code, 256, "field 52: its wait status");
	is_int(in.threads, 1, "field 20: one thread");
	is_int(procfs_parse_stat(r, strlen(r), &in), 0, "a running process's stat");
	is_int(in.exit_code, -1, "no exit status while it runs");
	is_int(in.threads, 4, "four threads");
}

int main(void)
{
	fake_init();
	test_exits();
	test_scan_batches();
	test_table_guess();
	test_stat_fields();
	fake_cleanup();
	return tap_done();
}
