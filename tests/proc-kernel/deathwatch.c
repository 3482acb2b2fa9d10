/* deathwatch.c: the death-attribution pipeline of issue 4 on its own, for
 * the kernel tests and for trying it by hand as root, before it is wired
 * into sigtraild: proc connector -> process table -> death tracker, with the
 * kernel log's OOM lines (/dev/kmsg), the audit multicast group's
 * ANOM_ABEND records, and, with --db, the signal rows a running sigtraild
 * has stored. It prints one line per death:
 *
 *   death<TAB>pid=4601<TAB>signal=SIGKILL<TAB>core=0<TAB>cause=oom ...<TAB>evidence=...
 *
 * (tab-separated KEY=VALUE fields: escaped strings never contain a tab).
 *
 * EXAMPLES
 *   sudo deathwatch                      # every death, until Ctrl-C
 *   sudo deathwatch --db /var/lib/sigtrail/sigtrail.db   # link signal rows
 *   sudo deathwatch --events             # and every connector event
 *   sudo deathwatch --table $$           # what the table knows of a pid
 *
 * Prints "ready" on stderr once subscribed and seeded. SIGTERM or SIGINT:
 * hand over the deaths still held, print the counters, exit 0. Exit codes:
 * 64 usage, 69 a source cannot be opened, 77 not permitted (not root). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "sigtrail/decode.h"
#include "sigtrail/deaths.h"
#include "sigtrail/names.h"
#include "sigtrail/proc_clock.h"
#include "sigtrail/proc_conn.h"
#include "sigtrail/proc_deathq.h"
#include "sigtrail/proc_kmsg.h"
#include "sigtrail/proc_table.h"

#define AUDIT_NLGRP_READLOG_BIT 1 /* AUDIT_NLGRP_READLOG = 1: bit (1 << (1 - 1)) */

static volatile sig_atomic_t stop;

static const char *arg_db;
static const char *arg_kmsg = "/dev/kmsg";
static const char *arg_proc = "/proc";
static int arg_events;
static int32_t arg_table_pid;
static int64_t arg_hold_ms = DEATHQ_HOLD_MS;
static int64_t arg_delay_ms = 20;
static int64_t arg_eager = 2000;
static int64_t arg_linger_ms = 5000;

struct watch {
	struct conn conn;
	struct kmsg_reader *kmsg;
	int audit_fd;
	struct ptab *table;
	struct deathq *deaths;
	struct proc_clock clock;
	sqlite3 *db;
	uint64_t audit_records;
};

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: deathwatch [--db PATH] [--events] [--table PID] [--hold MS] [--delay MS]\n"
	        "                  [--eager N] [--linger MS] [--kmsg PATH] [--proc PATH]\n"
	        "Print every process death with its cause and the evidence for it.\n\n"
	        "EXAMPLES\n"
	        "  sudo deathwatch\n"
	        "  sudo deathwatch --db /var/lib/sigtrail/sigtrail.db\n"
	        "  sudo deathwatch --table $$\n");
}

static int64_t number(const char *opt, const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (parse_i64(s, 10, &v) < 0 || v < min || v > max) {
		fprintf(stderr, "deathwatch: %s: invalid value '%s'\n", opt, s);
		exit(EX_USAGE);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"events", no_argument, NULL, 'e'},
	    {"table", required_argument, NULL, 't'},
	    {"hold", required_argument, NULL, 'H'},
	    {"delay", required_argument, NULL, 'D'},
	    {"linger", required_argument, NULL, 'L'},
	    {"kmsg", required_argument, NULL, 'k'},
	    {"proc", required_argument, NULL, 'p'},
	    {"eager", required_argument, NULL, 'E'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			arg_db = optarg;
			break;
		case 'e':
			arg_events = 1;
			break;
		case 't':
			arg_table_pid = (int32_t)number("--table", optarg, 1, INT32_MAX);
			break;
		case 'H':
			arg_hold_ms = number("--hold", optarg, 1, 600000);
			break;
		case 'D':
			arg_delay_ms = number("--delay", optarg, 0, 60000);
			break;
		case 'L':
			arg_linger_ms = number("--linger", optarg, 0, 600000);
			break;
		case 'E':
			arg_eager = number("--eager", optarg, 0, 1000000);
			break;
		case 'k':
			arg_kmsg = optarg;
			break;
		case 'p':
			arg_proc = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(EX_USAGE);
	}
}

static const char *or_null(const char *s)
{
	return s ? s : "NULL";
}

static void print_proc(const struct ptab_proc *p)
{
	printf("proc\tpid=%d\tppid=%d\tstart=%llu\tuid=%lld\tpidns=%llu\tnspid=%d\tflags=0x%x"
	       "\tcomm=%s\texe=%s\tunit=%s\tcontainer=%s\tcmdline=%s\n",
	       p->pid, p->ppid, (unsigned long long)p->start_time, (long long)p->uid,
	       (unsigned long long)p->pidns, p->nspid, p->flags, p->comm, or_null(p->exe),
	       or_null(p->unit), or_null(p->container), or_null(p->cmdline));
}

/* Decide one death and print it. */
static void report(struct watch *w, struct deathq_ready *r)
{
	struct death_signal_row rows[32];
	char strbuf[1024];
	struct death_candidates c = {.ooms = r->ooms,
	                             .n_ooms = r->n_ooms,
	                             .abends = r->abends,
	                             .n_abends = r->n_abends,
	                             .init_exit = r->have_init_exit ? &r->init_exit : NULL,
	                             .signals_recorded = w->db != NULL};
	struct death_verdict v;
	const struct death *d = &r->death;

	if (w->db) {
		int n =
		    deaths_query_rows(w->db, d->pid, d->epoch_ms, rows, 32, strbuf, sizeof(strbuf));
		if (n < 0)
			fprintf(stderr, "deathwatch: reading signal rows failed, ignoring\n");
		c.rows = rows;
		c.n_rows = n > 0 ? (size_t)n : 0;
	}
	death_attribute(d, &c, &v);
	/* Tab-separated KEY=VALUE: escaped strings never hold a tab. */
	printf("death\tpid=%d\tsignal=%s\tcore=%d\tcause=%s\tsignal_id=%lld\tepoch_ms=%lld"
	       "\tstart=%llu%s\tppid=%d\tuid=%lld\tpidns=%llu\tnspid=%d\tcomm=%s\texe=%s"
	       "\tunit=%s\tcontainer=%s",
	       d->pid, names_signal(d->signal) ? names_signal(d->signal) : "?", d->core_dumped,
	       death_cause_name(v.cause), (long long)v.signal_id, (long long)d->epoch_ms,
	       (unsigned long long)d->start_time, d->start_guess ? "~" : "", d->ppid,
	       (long long)d->uid, (unsigned long long)d->pidns, d->nspid, or_null(d->comm),
	       or_null(d->exe), or_null(d->unit), or_null(d->container));
	if (v.oom_index >= 0) {
		const struct oom_kill *k = &r->ooms[v.oom_index].kill;
		printf("\toom_constraint=%s\toom_memcg=%s\toom_task_memcg=%s\toom_rss_kb=%lld",
		       k->constraint[0] ? k->constraint : "NULL", k->oom_memcg, k->task_memcg,
		       (long long)k->rss_kb);
	}
	if (v.abend_index >= 0)
		printf("\tabend_serial=%llu", (unsigned long long)r->abends[v.abend_index].serial);
	printf("\tcmdline=%s\tevidence=%s\n", or_null(d->cmdline), v.evidence);
	fflush(stdout);
}

static void on_conn_event(void *userdata, const struct proc_ev *ev)
{
	struct watch *w = userdata;

	if (arg_events && ev->kind != PROC_EV_OTHER)
		printf("event\tkind=%d\tpid=%d\ttgid=%d\tparent=%d\texit_code=0x%x\tcomm=%s\n",
		       ev->kind, ev->pid, ev->tgid, ev->parent_tgid, ev->exit_code, ev->comm);
	deathq_on_event(w->deaths, w->table, ev, &w->clock);
	ptab_on_event(w->table, ev);
}

static void on_oom(void *userdata, const struct oom_kill *k)
{
	struct watch *w = userdata;
	deathq_on_oom(w->deaths, k, &w->clock);
}

/* The audit multicast group carries every record the kernel emits; keep
 * only ANOM_ABEND. */
static void read_audit(struct watch *w)
{
	unsigned char buf[9000] __attribute__((aligned(8)));

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(w->audit_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		struct nlmsghdr nh;
		struct death_abend a;

		if (n < (ssize_t)sizeof(nh))
			return;
		memcpy(&nh, buf, sizeof(nh));
		w->audit_records++;
		if (nh.nlmsg_type != DEATH_AUDIT_ANOM_ABEND || nh.nlmsg_len > (size_t)n)
			continue;
		size_t len = nh.nlmsg_len - NLMSG_HDRLEN;
		if (abend_parse((const char *)buf + NLMSG_HDRLEN, len, &a) == 0)
			deathq_on_abend(w->deaths, &a);
	}
}

static int open_audit(void)
{
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = AUDIT_NLGRP_READLOG_BIT};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void drain(struct watch *w, int64_t now)
{
	struct deathq_ready *r;

	ptab_tick(w->table, now, 512);
	while ((r = deathq_pop(w->deaths, now))) {
		report(w, r);
		deathq_ready_free(r);
	}
}

static int run(struct watch *w)
{
	int64_t last_clock = proc_clock_mono_ns();

	while (!stop) {
		struct pollfd p[3] = {{.fd = w->conn.fd, .events = POLLIN},
		                      {.fd = w->kmsg ? w->kmsg->fd : -1, .events = POLLIN},
		                      {.fd = w->audit_fd, .events = POLLIN}};
		/* Wake for the table's next delayed read, 100 ms at most. */
		int64_t wait_ns = ptab_next_due(w->table) - proc_clock_mono_ns();
		int timeout = wait_ns <= 0          ? 0
		              : wait_ns < 100000000 ? (int)(wait_ns / 1000000) + 1
		                                    : 100;
		int r = poll(p, 3, timeout);

		if (r < 0 && errno != EINTR) {
			perror("deathwatch: poll");
			return EX_OSERR;
		}
		/* The connector first: the table must know a process before
		 * the kernel log or audit speaks of it. */
		if (r > 0 && (p[0].revents & POLLIN) &&
		    conn_read(&w->conn, 256, on_conn_event, w) < 0) {
			perror("deathwatch: reading the proc connector");
			return EX_IOERR;
		}
		if (r > 0 && (p[1].revents & POLLIN))
			(void)kmsg_read(w->kmsg, 256, on_oom, w);
		if (r > 0 && (p[2].revents & POLLIN))
			read_audit(w);
		int64_t now = proc_clock_mono_ns();
		if (now - last_clock > 10 * INT64_C(1000000000)) {
			proc_clock_sample(&w->clock);
			ptab_set_clock(w->table, &w->clock);
			last_clock = now;
		}
		drain(w, now);
	}
	/* Hand over what is held: wait out the hold, reading evidence. */
	int64_t until = proc_clock_mono_ns() + arg_hold_ms * 1000000;
	while (proc_clock_mono_ns() < until) {
		(void)conn_read(&w->conn, 256, on_conn_event, w);
		if (w->kmsg)
			(void)kmsg_read(w->kmsg, 256, on_oom, w);
		if (w->audit_fd >= 0)
			read_audit(w);
		drain(w, proc_clock_mono_ns());
		usleep(20000);
	}
	drain(w, INT64_MAX);
	return 0;
}

static void print_stats(const struct watch *w)
{
	struct ptab_stats ts;
	struct deathq_stats ds;

	ptab_stats(w->table, &ts);
	deathq_stats(w->deaths, &ds);
	fprintf(stderr,
	        "deathwatch: %llu connector events (%llu overruns, %llu malformed), %llu kernel "
	        "log records (%llu overruns), %llu audit records; table: %llu procs (peak %llu), "
	        "%llu reads (%llu gone, %llu skipped), %llu full; deaths: %llu (%llu untracked, "
	        "%llu early, %llu dropped)\n",
	        (unsigned long long)w->conn.events, (unsigned long long)w->conn.overruns,
	        (unsigned long long)w->conn.malformed,
	        (unsigned long long)(w->kmsg ? w->kmsg->records : 0),
	        (unsigned long long)(w->kmsg ? w->kmsg->overruns : 0),
	        (unsigned long long)w->audit_records, (unsigned long long)ts.procs,
	        (unsigned long long)ts.peak_procs, (unsigned long long)ts.reads,
	        (unsigned long long)ts.reads_gone, (unsigned long long)ts.reads_skipped,
	        (unsigned long long)ts.full, (unsigned long long)ds.deaths,
	        (unsigned long long)ds.untracked, (unsigned long long)ds.early,
	        (unsigned long long)ds.dropped);
}

int main(int argc, char **argv)
{
	struct watch w = {.audit_fd = -1, .conn = {.fd = -1}};
	struct ptab_config pc;
	int r, code = 0;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	proc_clock_sample(&w.clock);
	pc = (struct ptab_config){.proc_root = arg_proc,
	                          .linger_ns = arg_linger_ms * 1000000,
	                          .refresh_delay_ns = arg_delay_ms * 1000000,
	                          .eager_reads_per_s = (uint32_t)arg_eager};
	if (ptab_new(&pc, &w.clock, &w.table) < 0 ||
	    deathq_new(&(struct deathq_config){.hold_ns = arg_hold_ms * 1000000}, &w.deaths) < 0) {
		fprintf(stderr, "deathwatch: out of memory\n");
		return EX_OSERR;
	}
	if (arg_table_pid) {
		const struct ptab_proc *chain[PTAB_MAX_DEPTH];
		char buf[2048];
		if ((r = ptab_seed(w.table)) < 0) {
			fprintf(stderr, "deathwatch: %s: %s\n", arg_proc, strerror(-r));
			return EX_NOINPUT;
		}
		size_t n = ptab_ancestry(w.table, arg_table_pid, chain, PTAB_MAX_DEPTH);
		if (n == 0) {
			fprintf(stderr, "deathwatch: no process %d\n", arg_table_pid);
			return EX_NOINPUT;
		}
		for (size_t i = 0; i < n; i++)
			print_proc(chain[i]);
		ptab_format_ancestry(chain, n, buf, sizeof(buf));
		printf("ancestry %s\n", buf);
		ptab_free(w.table);
		deathq_free(w.deaths);
		return 0;
	}

	/* Acquire: the connector first, then the table's seed, so no process
	 * falls between the two. */
	r = conn_open(&w.conn);
	if (r < 0) {
		fprintf(stderr, "deathwatch: proc connector: %s\n", strerror(-r));
		return r == -EPERM ? EX_NOPERM : EX_UNAVAILABLE;
	}
	w.kmsg = calloc(1, sizeof(*w.kmsg));
	if (!w.kmsg || (r = kmsg_open(w.kmsg, arg_kmsg)) < 0) {
		fprintf(stderr, "deathwatch: %s: %s; OOM kills will not be recognised\n", arg_kmsg,
		        strerror(w.kmsg ? -r : ENOMEM));
		free(w.kmsg);
		w.kmsg = NULL;
	}
	w.audit_fd = open_audit();
	if (w.audit_fd < 0)
		fprintf(stderr, "deathwatch: audit multicast: %s; crashes without ANOM_ABEND\n",
		        strerror(-w.audit_fd));
	if (arg_db && sqlite3_open_v2(arg_db, &w.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "deathwatch: --db %s: %s\n", arg_db, sqlite3_errmsg(w.db));
		sqlite3_close(w.db);
		return EX_NOINPUT;
	}
	if (w.db)
		sqlite3_busy_timeout(w.db, 2000);
	if ((r = ptab_seed(w.table)) < 0) {
		fprintf(stderr, "deathwatch: %s: %s\n", arg_proc, strerror(-r));
		return EX_NOINPUT;
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	fprintf(stderr, "deathwatch: ready: %d processes seeded%s\n", r,
	        w.conn.filtered ? ", connector event filter requested (Linux >= 6.6)" : "");

	code = run(&w);
	print_stats(&w);
	conn_close(&w.conn);
	if (w.kmsg)
		kmsg_close(w.kmsg);
	free(w.kmsg);
	if (w.audit_fd >= 0)
		close(w.audit_fd);
	sqlite3_close(w.db);
	deathq_free(w.deaths);
	ptab_free(w.table);
	return code;
}
