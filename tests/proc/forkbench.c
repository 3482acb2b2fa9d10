/* forkbench.c: what following processes costs. Runs a fork/exec storm
 * (COUNT runs of /bin/true from JOBS workers) while a consumer process reads
 * the proc connector, once per consumer mode, and prints the consumer's CPU
 * time, its peak RSS and what the table did:
 *   noop     the connector only, events read and dropped (the floor);
 *   eager    the process table reading /proc at every fork and exec;
 *   default  the table as the daemon should run it: exec reads at once up
 *            to 1000/s (-e), the rest of a storm and fork confirmations
 *            20 ms later (most are gone by then);
 *   deaths   default plus the death tracker, deaths by a signal only;
 *   exits    deaths plus the daemon's default exit policy (an exit of a
 *            process that lived 1 s, or that a signal reached: none of
 *            the storm's);
 *   allexits deaths plus every exit held (--exit-min-age 0), the policy's
 *            worst case; the deaths column then counts exits too;
 *   requests exits plus the request log (collector/requests/) told every
 *            program the table reads and every exit, as the daemon runs
 *            it: the cost of watching for `systemctl stop` (issue 18);
 *   zombies  exits plus the zombie watch (collector/proc/zombies.c) told
 *            every exit, at its default delay: its cost (issue 14). The
 *            drain then lasts until every exit had its first check.
 * A command, not a test: its figures depend on the machine. As root:
 *   build/tests/proc/forkbench            # 20000 runs, 4 workers
 *   build/tests/proc/forkbench -n 50000 -j 8 -m noop,default -e 2000 -c 0
 * -c sets how often the consumer reads the connector (default every 10 ms:
 * a wakeup per event costs more than the events). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sigtrail/clock.h"
#include "sigtrail/proc_deathq.h"
#include "sigtrail/proc_table.h"
#include "sigtrail/requests.h"
#include "../../collector/proc/clock.h"
#include "../../collector/proc/connector.h"
#include "../../collector/proc/zombies.h"

extern char **environ;

struct result {
	double user_ms, sys_ms;
	long maxrss_kb;
	unsigned long long events, overruns, peak, reads, skipped, deaths;
	int ok;
};

struct consumer {
	struct ptab *table;
	struct deathq *deaths;
	struct reqlog *reqs;    /* mode requests */
	struct zwatch *zombies; /* mode zombies */
	struct proc_clock clock;
};

static volatile sig_atomic_t stop_flag;
static long arg_eager = 1000;     /* the table's eager_reads_per_s */
static long arg_coalesce_ms = 10; /* read the connector at most this often */

static void on_usr1(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_event(void *userdata, const struct proc_ev *ev)
{
	struct consumer *c = userdata;

	if (c->deaths)
		deathq_on_event(c->deaths, c->table, ev, &c->clock);
	if (c->zombies && ev->kind == PROC_EV_EXIT && ev->pid == ev->tgid)
		zwatch_on_exit(c->zombies, ptab_get(c->table, ev->tgid), ev->tgid, ev->exit_code,
		               ev->mono_ns, proc_clock_mono_to_epoch_ms(&c->clock, ev->mono_ns));
	if (c->reqs && ev->kind == PROC_EV_EXIT && ev->pid == ev->tgid)
		reqlog_note_exit(c->reqs, ev->tgid,
		                 proc_clock_mono_to_epoch_ms(&c->clock, ev->mono_ns));
	if (c->table)
		ptab_on_event(c->table, ev);
}

static void on_program(void *userdata, const struct ptab_proc *p, int64_t exec_epoch_ms)
{
	reqlog_note_exec(userdata, p, exec_epoch_ms);
}

static void drop_zombie(void *userdata, struct zombie_note *z)
{
	(void)userdata;
	zombie_note_free(z);
}

/* The consumer: runs until SIGUSR1, then drains for 300 ms of quiet and
 * writes its result to fd. */
static void consume(const char *mode, int ready_fd, int result_fd)
{
	struct consumer c = {0};
	struct conn conn;
	struct result res = {0};
	struct rusage ru0, ru1;
	int64_t quiet_since = 0, stopped_at = 0;

	signal(SIGUSR1, on_usr1);
	proc_clock_sample(&c.clock);
	if (conn_open(&conn, CONN_ALL) < 0)
		_exit(2);
	if (strcmp(mode, "noop") != 0) {
		struct ptab_config pc = {.proc_root = "/proc",
		                         .linger_ns = 5000000000,
		                         .refresh_delay_ns = 20000000,
		                         .eager_reads_per_s = (uint32_t)arg_eager};
		if (strcmp(mode, "eager") == 0)
			pc.refresh_delay_ns = 0;
		if (strcmp(mode, "requests") == 0) {
			if (reqlog_new(&(struct reqlog_config){.proc_root = "/proc"}, &c.reqs) < 0)
				_exit(2);
			pc.on_program = on_program;
			pc.on_program_data = c.reqs;
		}
		if (ptab_new(&pc, &c.clock, &c.table) < 0 || ptab_seed(c.table) < 0)
			_exit(2);
		if (strcmp(mode, "zombies") == 0 &&
		    zwatch_new(&(struct zwatch_config){.proc_root = "/proc"}, &c.zombies) < 0)
			_exit(2);
		struct deathq_config dc = {
		    .exits = strcmp(mode, "exits") == 0 || strcmp(mode, "allexits") == 0 ||
		             c.reqs || c.zombies,
		    .exit_min_age_ms = strcmp(mode, "allexits") == 0 ? 0 : 1000};
		if ((strcmp(mode, "deaths") == 0 || dc.exits) && deathq_new(&dc, &c.deaths) < 0)
			_exit(2);
	}
	getrusage(RUSAGE_SELF, &ru0);
	(void)!write(ready_fd, "r", 1);
	for (;;) {
		struct pollfd p = {.fd = conn.fd, .events = POLLIN};
		int r = poll(&p, 1, 20);
		int64_t now = now_mono_ns();
		if (r > 0) {
			(void)conn_read(&conn, 1024, on_event, &c);
			/* Let events gather: one wakeup per batch, not per event
			 * (the socket holds seconds of a storm). */
			if (arg_coalesce_ms > 0)
				usleep((useconds_t)arg_coalesce_ms * 1000);
		}
		if (c.table)
			ptab_tick(c.table, now, 512);
		if (c.zombies)
			zwatch_tick(c.zombies, c.table, now,
			            proc_clock_mono_to_epoch_ms(&c.clock, now), drop_zombie, NULL);
		if (c.deaths) {
			struct deathq_ready *d;
			while ((d = deathq_pop(c.deaths, now)))
				deathq_ready_free(d);
		}
		if (!stop_flag)
			continue;
		stopped_at = stopped_at ? stopped_at : now;
		if (r > 0 || quiet_since == 0)
			quiet_since = now;
		else if (now - quiet_since > 300000000 &&
		         (!c.zombies ||
		          now - stopped_at > (ZW_STAGE1_MS + 1100) * INT64_C(1000000)))
			break;
	}
	getrusage(RUSAGE_SELF, &ru1);
	res.user_ms = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e3 +
	              (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e3;
	res.sys_ms = (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e3 +
	             (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e3;
	res.maxrss_kb = ru1.ru_maxrss;
	res.events = conn.events;
	res.overruns = conn.overruns;
	if (c.table) {
		struct ptab_stats st;
		ptab_stats(c.table, &st);
		res.peak = st.peak_procs;
		res.reads = st.reads;
		res.skipped = st.reads_skipped;
	}
	if (c.deaths) {
		struct deathq_stats ds;
		deathq_stats(c.deaths, &ds);
		res.deaths = ds.deaths + ds.exits;
	}
	if (c.zombies) {
		struct zwatch_stats zs;
		zwatch_stats(c.zombies, &zs);
		fprintf(stderr,
		        "# zombie watch: %llu exits, %llu listings of /proc, %llu stat reads, "
		        "%llu zombies\n",
		        (unsigned long long)zs.exits, (unsigned long long)zs.listings,
		        (unsigned long long)zs.stat_reads, (unsigned long long)zs.found);
		zwatch_free(c.zombies);
	}
	res.ok = 1;
	(void)!write(result_fd, &res, sizeof(res));
	conn_close(&conn);
	_exit(0);
}

/* One worker: `count` runs of /bin/true, one after the other. */
static void worker(long count)
{
	static char prog[] = "/bin/true";
	char *argv[] = {prog, NULL};

	for (long i = 0; i < count; i++) {
		pid_t pid;
		int status;
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0)
			_exit(1);
		waitpid(pid, &status, 0);
	}
	_exit(0);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_mode(const char *mode, long count, int jobs)
{
	int ready[2], result[2];
	struct result res = {0};
	char c;

	if (pipe(ready) < 0 || pipe(result) < 0)
		return -errno;
	pid_t cons = fork();
	if (cons == 0) {
		close(ready[0]);
		close(result[0]);
		consume(mode, ready[1], result[1]);
	}
	close(ready[1]);
	close(result[1]);
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "forkbench: %s consumer failed to start (root? proc connector?)\n",
		        mode);
		waitpid(cons, NULL, 0);
		return -EIO;
	}
	double t0 = now_s();
	for (int j = 0; j < jobs; j++)
		if (fork() == 0)
			worker(count / jobs);
	for (int j = 0; j < jobs; j++)
		wait(NULL);
	double storm = now_s() - t0;
	kill(cons, SIGUSR1);
	if (read(result[0], &res, sizeof(res)) != (ssize_t)sizeof(res) || !res.ok) {
		fprintf(stderr, "forkbench: %s consumer gave no result\n", mode);
		waitpid(cons, NULL, 0);
		return -EIO;
	}
	waitpid(cons, NULL, 0);
	close(ready[0]);
	close(result[0]);
	long procs = count / jobs * jobs;
	printf("%-8s %7ld %6.0f/s %8llu %6llu %9.1f %9.1f %7.1f %8ld %6llu %7llu %7llu\n", mode,
	       procs, (double)procs / storm, res.events, res.overruns, res.user_ms, res.sys_ms,
	       (res.user_ms + res.sys_ms) * 1000 / (double)procs, res.maxrss_kb, res.peak,
	       res.reads, res.skipped);
	return 0;
}

int main(int argc, char **argv)
{
	long count = 20000;
	int jobs = 4, opt;
	char modes_buf[256] = "noop,eager,default,deaths,exits,allexits";

	while ((opt = getopt(argc, argv, "n:j:m:e:c:h")) != -1) {
		switch (opt) {
		case 'e':
			arg_eager = strtol(optarg, NULL, 10);
			break;
		case 'c':
			arg_coalesce_ms = strtol(optarg, NULL, 10);
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'j':
			jobs = (int)strtol(optarg, NULL, 10);
			break;
		case 'm':
			snprintf(modes_buf, sizeof(modes_buf), "%s", optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: forkbench [-n COUNT] [-j JOBS] [-m MODE,...] [-e EAGER/s]"
			        " [-c COALESCE_MS]\n"
			        "modes: noop, eager, default, deaths, exits, allexits, requests, "
			        "zombies\n");
			return opt == 'h' ? 0 : 64;
		}
	}
	if (count < 1 || jobs < 1 || jobs > 256) {
		fprintf(stderr, "forkbench: bad -n or -j\n");
		return 64;
	}
	printf("# %ld runs of /bin/true from %d workers per mode; consumer CPU and peak RSS;\n"
	       "# eager reads %ld/s, connector read at most every %ld ms\n",
	       count, jobs, arg_eager, arg_coalesce_ms);
	printf("%-8s %7s %8s %8s %6s %9s %9s %7s %8s %6s %7s %7s\n", "mode", "procs", "rate",
	       "events", "lost", "user_ms", "sys_ms", "us/proc", "rss_kb", "peak", "reads",
	       "skipped");
	for (char *save = NULL, *m = strtok_r(modes_buf, ",", &save); m;
	     m = strtok_r(NULL, ",", &save))
		if (run_mode(m, count, jobs) < 0)
			return 1;
	return 0;
}
