/* nlfeed.c: the daemon's netlink path without the kernel, for profiling.
 * Reads an auditd RAW log (genlog's, or one recorded with --tee), hands each
 * record to the pipeline exactly as the netlink source does (type + body, no
 * line): the record filter with unicast serial accounting, the assembler's
 * kernel-record path, the writer thread and the store. Prints what it did and
 * the CPU it took. The kernel's cost (netlink, recvmmsg) is not in it.
 *   genlog storm 200000 >s.log && nlfeed s.log /tmp/n.db
 *   valgrind --tool=callgrind nlfeed s.log /tmp/n.db
 * With RUN_START (epoch seconds), the database also gets a collector run from
 * then to now, as if a collector had covered the whole log (the query
 * benchmark's database: tests/bench/query.sh).
 * NLFEED_RATE=N paces the events at N per second, as a storm arrives from the
 * kernel (the writer then catches up between events, which is where its
 * commits cost: compare the CPU per event paced and unpaced).
 * NLFEED_MAX_DB_MB=N and NLFEED_RETENTION_DAYS=N set the writer's limits and
 * send it a heartbeat every second, so that it prunes as sigtraild does
 * (its first beat prunes); the line `prune` then says how many rows the
 * prune deleted, how long it took (first to last deleted row or string) and the
 * longest gap between two commits that stored rows meanwhile
 * (tests/bench/prune.sh). NLFEED_DROP=1 and NLFEED_PRUNE_WAIT=0: see
 * on_event() and the end of main(). At the end it copies the whole eras
 * of target pids (pid_eras.c) and says what that cost, apart.
 * Usage: nlfeed LOG DB [RUN_START] */
#include <errno.h>
#include <libaudit.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sigtrail/assemble.h"
#include "sigtrail/filter.h"
#include "sigtrail/schema.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/store.h"
#include "sigtrail/writer.h"

static struct filter flt = {.track_gaps = true};
static struct writer *wr;
static struct assembler *as;
static double rate;          /* NLFEED_RATE: events per second, 0 unpaced */
static bool drop_full;       /* NLFEED_DROP=1: a full queue drops, as from netlink */
static struct timespec t0;   /* when feeding started */
static unsigned long long n; /* events handed over */

enum { QUEUE = 65536 };

/* Commit timing, on the writer thread (SQLite's hooks): rows inserted in
 * the open transaction, when the last commit that stored rows happened,
 * and the prune's span. */
static struct {
	unsigned long long inserted, deleted;
	double last_commit, max_gap, prune_first, prune_last, gap_in_prune;
	double gap_at;                /* when it ended, seconds after the prune began */
	unsigned long long long_gaps; /* gaps over 100 ms, overall */
	unsigned long long commits;   /* commits that stored rows */
} hk;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_update(void *u, int op, const char *dbname, const char *table, sqlite3_int64 id)
{
	(void)u, (void)dbname, (void)id;
	bool rows = strcmp(table, "signal_rows") == 0;
	if (op == SQLITE_INSERT && rows) {
		hk.inserted++;
	} else if (op == SQLITE_DELETE &&
	           (rows || strcmp(table, "strings") == 0 || strcmp(table, "death_rows") == 0)) {
		double t = mono();
		if (hk.deleted++ == 0)
			hk.prune_first = t;
		hk.prune_last = t;
	}
}

/* The longest gap between two commits that stored rows, overall and while
 * the prune ran (between its first and last deleted row, and the first
 * commit of rows after that). */
static int on_commit(void *u)
{
	(void)u;
	if (hk.inserted == 0)
		return 0;
	double t = mono(), gap = hk.last_commit > 0 ? t - hk.last_commit : 0;
	if (gap > hk.max_gap)
		hk.max_gap = gap;
	if (hk.deleted > 0 && hk.last_commit <= hk.prune_last + 1e-9 && t >= hk.prune_first &&
	    gap > hk.gap_in_prune) {
		hk.gap_in_prune = gap;
		hk.gap_at = t - hk.prune_first;
	}
	if (gap > 0.1)
		hk.long_gaps++;
	hk.last_commit = t;
	hk.inserted = 0;
	hk.commits++;
	return 0;
}

/* The kernel waits for a slow reader; a file does not. Wait for the writer
 * rather than count drops (as sigtraild does for stdin), so that every event
 * is measured; with NLFEED_DROP=1, drop an event the full queue refuses, as
 * the netlink reader does (the storm during a prune: tests/bench/prune.sh). */
static void on_event(void *userdata, struct st_event *ev)
{
	(void)userdata;
	if (rate > 0) {
		double at = (double)t0.tv_sec + (double)t0.tv_nsec / 1e9 + (double)n / rate;
		struct timespec due = {.tv_sec = (time_t)at,
		                       .tv_nsec = (long)((at - (double)(time_t)at) * 1e9)};
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
			;
	}
	n++;
	(void)writer_push_extra(wr, ev, NULL, !drop_full);
}

static int type_of(const char *name, size_t len)
{
	char buf[64];

	if (len == 7 && memcmp(name, "SYSCALL", 7) == 0)
		return 1300;
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return audit_name_to_msg_type(buf);
}

static double secs(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	static char line[65536];
	struct store *st;
	struct writer_stats ws;
	struct asm_stats ast;
	struct rusage ru;
	struct timespec a, b;
	char err[512];
	unsigned long long records = 0;
	FILE *f;

	struct store_run run = {0};

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: nlfeed LOG DB [RUN_START]\n");
		return 64;
	}
	if (sigsys_init() < 0 || !(f = fopen(argv[1], "re")) ||
	    store_open(argv[2], "bench", &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "nlfeed: cannot open %s or %s\n", argv[1], argv[2]);
		return 66;
	}
	store_set_coalesce_ms(st, 0);
	if (argc == 4 &&
	    store_run_begin(st, "stdin", NULL, getpid(), atoll(argv[3]) * 1000, &run) < 0)
		return 74;
	if (asm_new(on_event, NULL, 2, &as) < 0 ||
	    writer_start(st, QUEUE, (size_t)WRITER_HOLD_DEFAULT_MB << 20, &wr) < 0)
		return 71;
	if (getenv("NLFEED_RATE"))
		rate = atof(getenv("NLFEED_RATE"));
	drop_full = getenv("NLFEED_DROP") && atoi(getenv("NLFEED_DROP")) == 1;
	/* NLFEED_PRUNE_WAIT=0: stop when the log ends, the prune unfinished. */
	bool prune_wait = !getenv("NLFEED_PRUNE_WAIT") || atoi(getenv("NLFEED_PRUNE_WAIT")) != 0;
	int64_t cap_mb = getenv("NLFEED_MAX_DB_MB") ? atoll(getenv("NLFEED_MAX_DB_MB")) : 0;
	int64_t keep_days =
	    getenv("NLFEED_RETENTION_DAYS") ? atoll(getenv("NLFEED_RETENTION_DAYS")) : 0;
	bool limits = cap_mb > 0 || keep_days > 0;
	if (limits)
		writer_set_limits(wr, keep_days, cap_mb << 20);
	/* The writer owns the connection; its hooks run on its thread. */
	sqlite3_update_hook(store_sqlite(st), on_update, NULL);
	sqlite3_commit_hook(store_sqlite(st), on_commit, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = a;
	double next_beat = 0;
	while (fgets(line, sizeof(line), f)) {
		if (limits && (records & 1023) == 0 && mono() >= next_beat) {
			writer_heartbeat(wr, &run);
			next_beat = mono() + 1;
		}
		size_t len = strcspn(line, "\n");
		const char *sp = memchr(line, ' ', len);
		if (len < 5 || memcmp(line, "type=", 5) != 0 || !sp ||
		    strncmp(sp + 1, "msg=", 4) != 0)
			continue;
		int type = type_of(line + 5, (size_t)(sp - line - 5));
		const char *body = sp + 5;
		size_t blen = len - (size_t)(body - line);
		records++;
		if (type > 0 && filter_record(&flt, type, body, blen) == FILTER_KEEP)
			(void)asm_feed_record(as, type, body, blen);
	}
	asm_flush(as);
	/* Let a prune under way finish (a stop would end it). */
	for (int i = 0; limits && prune_wait && i < 36000; i++) {
		writer_stats(wr, &ws);
		if (!ws.pruning && (ws.pruned > 0 || i >= 20))
			break;
		if ((i % 10) == 0)
			writer_heartbeat(wr, &run);
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	struct timespec feeder; /* this thread's CPU: reading, filter, assembly (and pacing) */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &feeder);
	writer_stop(wr, &ws);
	clock_gettime(CLOCK_MONOTONIC, &b);
	asm_stats(as, &ast);
	if (argc == 4) {
		run.events = ast.events;
		run.rows = ws.store.rows_written;
		if (store_run_update(st, &run, (int64_t)time(NULL) * 1000, "stopped") < 0)
			return 74;
	}
	getrusage(RUSAGE_SELF, &ru);
	double wall = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	double cpu = secs(&ru.ru_utime) + secs(&ru.ru_stime);
	double feed = (double)feeder.tv_sec + (double)feeder.tv_nsec / 1e9;
	printf("records %llu events %llu rows %llu dropped %llu malformed %llu wall %.3f s "
	       "user %.3f s sys %.3f s cpu/event %.2f us writer/event %.2f us maxrss %ld kB\n",
	       records, (unsigned long long)ast.events, (unsigned long long)ws.store.rows_written,
	       (unsigned long long)ws.dropped, (unsigned long long)ast.malformed, wall,
	       secs(&ru.ru_utime), secs(&ru.ru_stime),
	       ast.events ? cpu * 1e6 / (double)ast.events : 0.0,
	       ast.events ? (cpu - feed) * 1e6 / (double)ast.events : 0.0, ru.ru_maxrss);
	printf("prune rows %llu seconds %.3f longest commit gap during the prune %.1f ms "
	       "(ending %.1f s into it; overall %.1f ms, %llu gaps over 100 ms, %llu commits)\n",
	       (unsigned long long)ws.pruned, hk.deleted ? hk.prune_last - hk.prune_first : 0.0,
	       hk.gap_in_prune * 1e3, hk.gap_at, hk.max_gap * 1e3, hk.long_gaps, hk.commits);
	uint64_t passes;
	int wal_max;
	store_wal_stats(st, &passes, &wal_max);
	printf("wal checkpoint passes %llu largest %d pages\n", (unsigned long long)passes,
	       wal_max);
	/* What sigtraild's writer does in steps between its commits, after the
	 * figures above: the copy of the whole eras into pid_eras. */
	struct timespec e0, e1;
	int64_t entries0 = 0, entries1 = 0;
	(void)schema_query_int(store_sqlite(st), "SELECT count(*) FROM pid_eras", &entries0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &e0);
	if (store_pid_eras_build(st) < 0) {
		fprintf(stderr, "nlfeed: copying the eras of target pids failed\n");
		return 74;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &e1);
	(void)schema_query_int(store_sqlite(st), "SELECT count(*) FROM pid_eras", &entries1);
	double era_cpu = (double)(e1.tv_sec - e0.tv_sec) + (double)(e1.tv_nsec - e0.tv_nsec) / 1e9;
	int64_t copied = entries1 - entries0;
	printf("pid eras copied: %lld rows, cpu %.3f s = %.2f us per row\n", (long long)copied,
	       era_cpu, copied > 0 ? era_cpu * 1e6 / (double)copied : 0.0);
	store_close(st);
	asm_free(as);
	fclose(f);
	return 0;
}
