/* sigtraild.c: the collector daemon. main() reads like its table of
 * contents: parse options, check privileges, open the database, take the
 * audit configuration it needs (enabled flag, rules, audit pid, backlog),
 * subscribe to the proc connector (the process table: ancestry, deaths),
 * drop privileges, then loop: netlink or stdin -> filter -> libauparse ->
 * writer thread -> SQLite, with the process table's facts added to each
 * event and each death. SIGTERM/SIGINT stop it: rules removed, pending
 * records drained and written, audit state restored, exit 0.
 * Try it: sigtraild --foreground --db ./sigtrail.db, then `kill -9` something
 * and `sqlite3 ./sigtrail.db 'select * from signals'`. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libgen.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sigtrail/assemble.h"
#include "sigtrail/audit_ctl.h"
#include "sigtrail/decode.h"
#include "sigtrail/filter.h"
#include "sigtrail/lock.h"
#include "sigtrail/log.h"
#include "sigtrail/notify.h"
#include "sigtrail/options.h"
#include "sigtrail/privs.h"
#include "sigtrail/procwatch.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/source.h"
#include "sigtrail/stopper.h"
#include "sigtrail/store.h"
#include "sigtrail/writer.h"

/* In the runtime directory: the rules this collector added, so that a
 * successor can remove them if it dies without its clean stop (see
 * ctl_rules_adopt()). */
#define OWNED_RULES_FILE "owned-rules"

enum {
	AUDIT_LOCKED = 2,         /* enabled=2: `auditctl -e 2`, immutable until reboot */
	MIN_BACKLOG_LIMIT = 8192, /* kernel queue while we are busy: ~1 s of a storm */
	QUEUE_CAPACITY = 65536,   /* events between reader and writer thread */
	EOE_TIMEOUT_S = 2,
	TICK_MS = 250,
	DRAIN_QUIET_MS = 200, /* at stop: input quiet this long means drained */
	DRAIN_MAX_MS = 10000, /* systemd's TimeoutStopSec must be longer */
	LOSS_LOG_INTERVAL_S = 60,
	RULE_CHECK_MS = 10000, /* how often to check that our rules are still loaded */
	HEARTBEAT_MS = 5000,   /* coverage row update; a crash is dated to the last one */
	/* Interrupt moderation: after a wake-up that found fewer records than
	 * this, let records gather for a moment before polling again. */
	MODERATE_BELOW = 32, /* one recvmmsg() batch */
	MODERATE_US = 1000,  /* the kernel queues ~40 records of a storm meanwhile */
	/* As auditd's priority_boost (its default): the reader must run soon
	 * after a wake-up on a busy machine, because the kernel's backlog stalls
	 * senders, and a process that execs and exits within a millisecond can
	 * be read only in that millisecond. */
	PRIORITY_BOOST = 4,
};

static volatile sig_atomic_t stop_signal; /* SIGTERM/SIGINT received: stop */
static volatile sig_atomic_t hup_seen;    /* SIGHUP received: auditd asks plugins to reload */

/* All daemon state. */
struct daemon {
	enum src_kind kind;
	int ctl_fd;                 /* audit control socket, -1 in stdin mode */
	struct audit_status status; /* as read at start (after injection) */
	struct ctl_restore restore; /* audit status changes to undo at stop */
	struct ctl_rules rules;
	struct src *src;
	struct filter filter;
	struct assembler *assembler;
	struct store *store; /* owned by the writer while it runs */
	struct writer *writer;
	struct procwatch *procs;  /* NULL: no process table (stdin, --no-processes) */
	char processes[640];      /* "on" or "off: why", for the coverage row */
	FILE *tee;                /* --tee: kept records, as auditd log lines */
	int ready_fd;             /* daemonizing: tells the parent we are up */
	int64_t last_input_ms;    /* last time the source delivered something */
	int64_t last_loss_log_s;  /* rate limit for loss warnings */
	uint64_t logged_losses;   /* losses already reported */
	uint64_t logged_stalls;   /* database stalls already reported */
	uint64_t logged_resumes;  /* ... and their ends */
	int lock_fd;              /* flock on <db>.lock: one collector per database */
	struct store_run run;     /* this run's coverage row */
	uint32_t start_lost;      /* the kernel's lost counter at start */
	struct stat db_stat;      /* the database file we opened, to notice a swap */
	ino_t wal_ino, shm_ino;   /* its -wal and -shm files, while they are ours */
	int fatal_code;           /* set by the loop's checks: stop with this exit code */
	struct st_event *stop_ev; /* who sent the SIGTERM, when the kernel says */
	char stopped_by[512];     /* ... in words, for the coverage row */
	int64_t run_start_ms;     /* wall clock at the start of this run */
	bool owns_state;          /* owned_path lists our rules and status changes */
	bool record_consumed; /* owned_path was absent, or a gone collector's: ours to rewrite */
	char owned_path[PATH_MAX]; /* <runtime dir>/owned-rules */
	bool made_runtime_dir;     /* this run created the runtime directory: remove it if empty */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *source_name(enum src_kind kind)
{
	return kind == SRC_UNICAST ? "unicast" : kind == SRC_MULTICAST ? "multicast" : "stdin";
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_seen = 1;
	else
		stop_signal = sig;
}

/* Handlers only set a flag; the signals stay blocked except inside ppoll(),
 * so a stop request can never slip in between the check and the wait. */
static void setup_signals(sigset_t *ret_unblocked)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &block, ret_unblocked) < 0)
		fatal(EX_OSERR, "sigprocmask: %s", strerror(errno));
	sigdelset(ret_unblocked, SIGTERM);
	sigdelset(ret_unblocked, SIGINT);
	sigdelset(ret_unblocked, SIGHUP);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		fatal(EX_OSERR, "sigaction: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
}

/* SQLite must never get fd 0-2: a stray write to stderr would land in it. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int nfd = open("/dev/null", O_RDWR);
		if (nfd < 0)
			exit(EX_OSERR);
		if (nfd != fd) /* fds are allocated lowest-first, so this is fd */
			exit(EX_OSERR);
	}
}

static void on_event(void *userdata, struct st_event *ev)
{
	struct daemon *d = userdata;

	if (!d->writer) { /* only while tearing down a failed setup */
		st_event_free(ev);
		return;
	}
	/* What the table knows of sender and targets, now: the sender may be
	 * gone in a moment. A full queue is counted, not waited for, unless
	 * the input is stdin (a file, or auditd's plugin queue), which can wait. */
	(void)writer_push_extra(d->writer, ev, d->procs ? procwatch_extra(d->procs, ev) : NULL,
	                        d->kind == SRC_STDIN);
}

static void on_death(void *userdata, struct deathq_ready *death)
{
	struct daemon *d = userdata;

	if (!d->writer) {
		deathq_ready_free(death);
		return;
	}
	(void)writer_push_death(d->writer, death);
}

/* Read the proc connector (before any audit record: a signal's sender must
 * be in the table when its event is assembled). */
static int read_procs(struct daemon *d)
{
	int r = d->procs ? procwatch_read(d->procs) : 0;

	if (r < 0) {
		log_error("reading the proc connector failed: %s; deaths and ancestry are no "
		          "longer recorded",
		          strerror(-r));
		procwatch_free(d->procs);
		d->procs = NULL;
		snprintf(d->processes, sizeof(d->processes), "off: the proc connector failed: %s",
		         strerror(-r));
	}
	return r;
}

static void on_record(void *userdata, int type, const char *body, size_t len, const char *line,
                      size_t line_len)
{
	struct daemon *d = userdata;

	if (type == DEATH_AUDIT_ANOM_ABEND && d->procs) /* a core dump: a crash's evidence */
		procwatch_abend(d->procs, body, len);
	if (filter_record(&d->filter, type, body, len) != FILTER_KEEP)
		return;
	if (line)
		(void)asm_feed_line(d->assembler, line, line_len);
	else
		(void)asm_feed_record(d->assembler, type, body, len);
	if (d->tee) {
		if (line)
			fprintf(d->tee, "%.*s\n", (int)line_len, line);
		else
			fprintf(d->tee, "type=%s msg=%.*s\n", audit_msg_type_to_name(type),
			        (int)len, body);
	}
}

/* Everything lost so far, from every place it can be lost. */
static uint64_t losses(const struct daemon *d, const struct src_stats *ss,
                       const struct asm_stats *as, const struct writer_stats *ws)
{
	return ss->overruns + ss->oversized + ss->unparsable + d->filter.malformed + as->malformed +
	       as->feed_errors + as->oom + ws->dropped + ws->lost_rows;
}

/* Warn about new losses at most once a minute; at the end, always summarise. */
static void log_losses(struct daemon *d, const struct writer_stats *ws, bool final)
{
	struct src_stats ss;
	struct asm_stats as;
	int64_t now = mono_ms() / 1000;

	src_stats(d->src, &ss);
	asm_stats(d->assembler, &as);
	uint64_t lost = losses(d, &ss, &as, ws);
	if (!final && (lost == d->logged_losses || now - d->last_loss_log_s < LOSS_LOG_INTERVAL_S))
		return;
	log_msg(lost != d->logged_losses ? LOG_LVL_WARN : LOG_LVL_INFO,
	        "%s: %llu events recorded as %llu rows; lost: %llu socket overruns, "
	        "%llu oversized and %llu unparsable lines, %llu malformed records, "
	        "%llu malformed events, %llu queue-full drops, %llu rows refused by the "
	        "database%s%s",
	        final ? "stopped" : "losses", (unsigned long long)as.events,
	        (unsigned long long)ws->store.rows_written, (unsigned long long)ss.overruns,
	        (unsigned long long)ss.oversized, (unsigned long long)ss.unparsable,
	        (unsigned long long)d->filter.malformed, (unsigned long long)as.malformed,
	        (unsigned long long)ws->dropped, (unsigned long long)ws->lost_rows,
	        ws->last_error ? "; last database error: " : "",
	        ws->last_error ? strerror(-ws->last_error) : "");
	d->logged_losses = lost;
	d->last_loss_log_s = now;
}

/* Say when the database stops taking rows (they are held in memory) and when
 * it takes them again; a stall and its end between two looks are both said. */
static void log_stalls(struct daemon *d, const struct writer_stats *ws)
{
	if (ws->stalls > d->logged_stalls) {
		log_warn("database %s cannot be written (%s): holding rows in memory (up to %zu "
		         "MiB, --db-buffer) and retrying every second; rows beyond that are lost",
		         arg_db, ws->last_error ? strerror(-ws->last_error) : "unknown error",
		         ws->held_max_bytes >> 20);
		d->logged_stalls = ws->stalls;
	}
	if (ws->resumes > d->logged_resumes) {
		log_info("database %s: storing resumed; the rows held meanwhile are stored (%llu "
		         "rows lost to the database in all)",
		         arg_db, (unsigned long long)ws->lost_rows);
		d->logged_resumes = ws->resumes;
	}
}

/* At the end: what the process table saw and what it lost. */
static void log_procs(const struct daemon *d)
{
	struct procwatch_stats ps;

	if (!d->procs)
		return;
	procwatch_stats(d->procs, &ps);
	log_msg(ps.lost_events || ps.deaths_lost || ps.extras_lost ? LOG_LVL_WARN : LOG_LVL_INFO,
	        "process table: %llu connector events, %llu deaths; lost: %llu connector events "
	        "(overruns), %llu deaths, %llu events without process facts; %llu processes "
	        "tracked at most, %llu not tracked (table full)",
	        (unsigned long long)ps.events, (unsigned long long)ps.deaths,
	        (unsigned long long)ps.lost_events, (unsigned long long)ps.deaths_lost,
	        (unsigned long long)ps.extras_lost, (unsigned long long)ps.table.peak_procs,
	        (unsigned long long)ps.table.full);
	if (ps.execread_on)
		log_info("exec reader (%s): %llu execs, %llu read at once, %llu not read "
		         "(late or over %d a second), %llu gone before the read, %llu command "
		         "lines kept for processes gone before the table read them",
		         ps.execread.realtime ? "real-time"
		                              : "not real-time: no CAP_SYS_NICE or RestrictRealtime",
		         (unsigned long long)ps.execread.execs, (unsigned long long)ps.execread.reads,
		         (unsigned long long)ps.execread.skipped, EXECREAD_PER_S,
		         (unsigned long long)ps.execread.gone,
		         (unsigned long long)ps.table.late_exec_reads);
}

/* The reader's half of the coverage counters: events, socket overruns and
 * everything that could not be parsed. */
static void reader_counters(struct daemon *d)
{
	struct src_stats ss;
	struct asm_stats as;

	src_stats(d->src, &ss);
	asm_stats(d->assembler, &as);
	d->run.events = as.events;
	d->run.lost_socket = ss.overruns;
	d->run.lost_serial_gaps = d->filter.gaps.missing;
	d->run.lost_unparsable = ss.oversized + ss.unparsable + d->filter.malformed + as.malformed +
	                         as.feed_errors + as.oom;
	if (d->procs) { /* the writer adds the deaths it dropped or could not store */
		struct procwatch_stats ps;
		procwatch_stats(d->procs, &ps);
		d->run.lost_process_events = ps.lost_events;
		d->run.lost_deaths = ps.deaths_lost;
	}
}

/* The audit daemon can ask the kernel who sent it SIGTERM. */
static void who_stopped(struct daemon *d)
{
	uint32_t pid = 0, uid = 0;

	if (d->kind != SRC_UNICAST || stop_signal != SIGTERM ||
	    ctl_signal_info(d->ctl_fd, &pid, &uid) < 0 || pid == 0)
		return;
	d->stop_ev = stopper_event(pid, uid, SIGTERM, wall_ms());
	if (d->stop_ev) {
		stopper_describe(d->stop_ev, d->stopped_by, sizeof(d->stopped_by));
		d->run.stopped_by = d->stopped_by;
	}
}

/* After the drain: if the kill that stopped us was not recorded through the
 * rules (no syscall: a signal from the kernel on someone's behalf, or rules
 * already gone), record the kernel's answer as the row. */
static void record_stopper(struct daemon *d)
{
	if (!d->stop_ev)
		return;
	int r = store_has_signal(d->store, d->stop_ev->pid, (int32_t)getpid(), SIGTERM,
	                         d->run_start_ms);
	if (r == 0 && store_insert(d->store, d->stop_ev) > 0)
		(void)store_commit(d->store);
	st_event_free(d->stop_ev);
	d->stop_ev = NULL;
}

static ino_t ino_of(const char *suffix)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s%s", arg_db, suffix);
	return stat(path, &sb) == 0 ? sb.st_ino : 0;
}

/* Remember the inodes of our -wal and -shm files while the database is ours. */
static void note_wal(struct daemon *d)
{
	d->wal_ino = ino_of("-wal");
	d->shm_ino = ino_of("-shm");
}

/* After the database was swapped, SQLite cannot checkpoint into the file it
 * had open, and leaves its -wal beside the newcomer: the next opener would
 * replay our pages into a file that is not ours. Remove them, if they are
 * still the ones we wrote. */
static void drop_orphan_wal(const struct daemon *d)
{
	char path[PATH_MAX];

	if (d->wal_ino != 0 && ino_of("-wal") == d->wal_ino) {
		snprintf(path, sizeof(path), "%s-wal", arg_db);
		(void)unlink(path);
	}
	if (d->shm_ino != 0 && ino_of("-shm") == d->shm_ino) {
		snprintf(path, sizeof(path), "%s-shm", arg_db);
		(void)unlink(path);
	}
}

/* Records waiting in the kernel's audit queue (0 when unknown). */
static unsigned kernel_backlog(struct daemon *d)
{
	struct audit_status st;

	return d->ctl_fd >= 0 && ctl_status(d->ctl_fd, &st) == 0 ? st.backlog : 0;
}

/* Undo, in reverse, whatever setup() did. Safe on a partial setup. */
static void teardown(struct daemon *d)
{
	int r, undone = 0; /* <0: something this run changed is still changed */

	(void)notify_send("STOPPING=1");
	if (d->ctl_fd >= 0 && !arg_keep_rules) {
		/* Rules first, so that the drain below ends. */
		r = ctl_rules_remove(d->ctl_fd, &d->rules);
		if (r < 0) {
			undone = r;
			log_error("removing audit rules failed: %s; remove them with "
			          "`auditctl -D -k %s`",
			          strerror(-r), SIGTRAIL_RULE_KEY);
		}
	}
	if (d->src && d->assembler) {
		/* Records already queued in the kernel or the socket belong to
		 * signals sent before the stop: read until the kernel's queue is
		 * empty and the socket has been quiet for a moment. */
		int64_t start = mono_ms(), quiet = start;
		while (d->kind != SRC_STDIN && mono_ms() - start < DRAIN_MAX_MS) {
			struct pollfd p = {.fd = src_fd(d->src), .events = POLLIN};
			int ready = poll(&p, 1, 50);
			(void)read_procs(d);
			if (ready > 0 && src_read(d->src, on_record, d) > 0) {
				quiet = mono_ms();
				continue;
			}
			if (mono_ms() - quiet >= DRAIN_QUIET_MS && kernel_backlog(d) == 0)
				break;
		}
		if (mono_ms() - start >= DRAIN_MAX_MS)
			log_warn("stopped draining after %d s with %u records still queued in the "
			         "kernel; they are not recorded",
			         DRAIN_MAX_MS / 1000, kernel_backlog(d));
		asm_flush(d->assembler);
	}
	if (d->procs) { /* every death held for its evidence goes now */
		(void)read_procs(d);
		if (d->procs)
			procwatch_tick(d->procs, true, on_death, d);
	}
	if (d->writer) {
		struct writer_stats ws;
		writer_stop(d->writer, &ws); /* writes everything queued */
		d->writer = NULL;
		log_stalls(d, &ws);
		if (d->src && d->assembler) {
			log_losses(d, &ws, true);
			/* The writer is gone: the last update of the run is ours. */
			d->run.rows = ws.store.rows_written;
			d->run.lost_db = ws.lost_rows;
			d->run.lost_queue = ws.dropped;
			d->run.pruned_rows = ws.pruned;
			d->run.deaths = ws.store.deaths_written;
			if (d->filter.track_gaps)
				gaps_settle(&d->filter.gaps); /* the stream has ended */
			reader_counters(d);
			d->run.lost_deaths += ws.deaths_dropped + ws.lost_deaths;
			record_stopper(d);
			if (d->run.id > 0 &&
			    (r = store_run_update(d->store, &d->run, wall_ms(), "stopped")) < 0)
				log_error(
				    "database %s: cannot close the coverage row of this run: %s",
				    arg_db, strerror(-r));
		}
	}
	src_close(d->src); /* unicast: gives the audit pid back */
	d->src = NULL;
	if (d->ctl_fd >= 0 && d->restore.backlog &&
	    (r = ctl_set_backlog_limit(d->ctl_fd, d->restore.old_backlog)) < 0) {
		undone = r;
		log_error("restoring the audit backlog limit to %u failed: %s",
		          d->restore.old_backlog, strerror(-r));
	}
	if (d->ctl_fd >= 0 && d->restore.enabled && (r = ctl_set_enabled(d->ctl_fd, 0)) < 0) {
		undone = r;
		log_error("disabling auditing again failed: %s", strerror(-r));
	}
	/* Everything undone (with --keep-rules, the rules are the admin's now):
	 * nothing is left for a successor to clean up. */
	if (d->owns_state && undone == 0)
		(void)ctl_rules_forget_owned(d->owned_path, d->made_runtime_dir);
	log_procs(d);
	procwatch_free(d->procs);
	asm_free(d->assembler);
	store_close(d->store);
	if (d->fatal_code == EX_IOERR)
		drop_orphan_wal(d);
	if (d->lock_fd >= 0)
		close(d->lock_fd); /* after the database: the next collector may start */
	ctl_rules_free(&d->rules);
	if (d->ctl_fd >= 0)
		close(d->ctl_fd);
	if (d->tee)
		fclose(d->tee);
}

static void check_caps(const cap_value_t *caps, size_t n, const char *why)
{
	cap_value_t missing = 0;
	int r = privs_check(caps, n, &missing);

	if (r == -EPERM)
		fatal(EX_NOPERM, "missing capability %s (needed %s): run as root",
		      privs_name(missing), why);
	if (r < 0)
		fatal(EX_OSERR, "cannot read capabilities: %s", strerror(-r));
}

/* Pick the source: unicast unless another audit daemon is registered. */
static enum src_kind choose_source(const struct audit_status *st)
{
	if (strcmp(arg_source, "stdin") == 0)
		return SRC_STDIN;
	if (strcmp(arg_source, "unicast") == 0)
		return SRC_UNICAST;
	if (strcmp(arg_source, "multicast") == 0)
		return SRC_MULTICAST;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%u", st->pid);
	if (st->pid != 0 && access(proc, F_OK) < 0) {
		log_info("source: unicast, because the registered audit pid %u no longer exists "
		         "(a collector that died); sigtraild takes its place",
		         st->pid);
		return SRC_UNICAST;
	}
	if (st->pid != 0) {
		char comm[64] = "?";
		char path[64];
		snprintf(path, sizeof(path), "/proc/%u/comm", st->pid);
		FILE *f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		log_info("source: multicast, because audit pid %u (%s) is already the audit "
		         "daemon; sigtraild listens beside it",
		         st->pid, comm);
		return SRC_MULTICAST;
	}
	log_info("source: unicast, because no audit daemon is registered; sigtraild becomes it");
	return SRC_UNICAST;
}

/* Fork into the background; the parent waits until the child reports ready
 * so that every setup error still reaches the terminal and the exit code. */
static void daemonize(struct daemon *d)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		fatal(EX_OSERR, "pipe2: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fatal(EX_OSERR, "fork: %s", strerror(errno));
	if (pid > 0) {
		unsigned char code = EX_SOFTWARE;
		close(p[1]);
		if (read(p[0], &code, 1) != 1)
			code = EX_SOFTWARE; /* the child died and said why on stderr */
		_exit(code);
	}
	close(p[0]);
	if (setsid() < 0)
		fatal(EX_OSERR, "setsid: %s", strerror(errno));
	if (chdir("/") < 0)
		fatal(EX_OSERR, "chdir /: %s", strerror(errno));
	d->ready_fd = p[1];
}

static void announce_ready(struct daemon *d, int added)
{
	log_info("ready: source %s, %d audit rules added, %zu already loaded, database %s",
	         source_name(d->kind), added, d->rules.n - (size_t)added, arg_db);
	/* systemd (Type=notify): ready once the rules are loaded and the
	 * socket subscribed. Not started by systemd: nothing happens. */
	(void)notify_sendf("READY=1\nSTATUS=recording: source %s, database %s",
	                   source_name(d->kind), arg_db);
	if (d->ready_fd >= 0) {
		unsigned char ok = 0;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		log_init("sigtraild", arg_verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, true);
		if (null >= 0) {
			(void)dup2(null, 0);
			(void)dup2(null, 1);
			(void)dup2(null, 2);
			close(null);
		}
		(void)!write(d->ready_fd, &ok, 1);
		close(d->ready_fd);
		d->ready_fd = -1;
	}
}

/* --user: give the files this run writes (database, its WAL, the lock, the
 * state under /run) to the user, then become it, keeping capabilities. All
 * of them are open already; the user never needs to create a file. */
static int hand_over(struct daemon *d, const char *name)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", ".lock"};
	struct passwd pw, *res = NULL;
	char buf[4096], path[PATH_MAX];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", arg_db, suffixes[i]);
		if (chown(path, pw.pw_uid, pw.pw_gid) < 0 && errno != ENOENT)
			return -errno;
	}
	/* Not the database's directory: it may be shared (/var/lib), and the
	 * files above are all the daemon opens. */
	if (d->owns_state) {
		snprintf(path, sizeof(path), "%s", d->owned_path);
		if (chown(dirname(path), pw.pw_uid, pw.pw_gid) < 0 ||
		    chown(d->owned_path, pw.pw_uid, pw.pw_gid) < 0)
			return -errno;
	}
	if (d->tee && fchown(fileno(d->tee), pw.pw_uid, pw.pw_gid) < 0)
		return -errno;
	return privs_become_user(name);
}

/* Adopt what a collector that died without its clean stop left to undo,
 * if its record proves it is gone; in doubt, leave the rules alone. Not in
 * immutable mode, where nothing can be undone: the record stays for a
 * successor that can (none before the reboot, whose boot id voids it). */
static void adopt_owned_state(struct daemon *d, bool immutable)
{
	char why[512];
	int r;

	if (immutable)
		return;
	r = ctl_rules_adopt(&d->rules, &d->restore, d->owned_path, why, sizeof(why));
	d->record_consumed = r >= 0;
	if (r > 0)
		log_warn("%d sigtrail audit rules were left loaded by a collector that did not "
		         "stop cleanly; this one will remove them when it stops",
		         r);
	else if (r == -EBUSY)
		log_info("%s belongs to another collector: %s; leaving it and its rules alone",
		         d->owned_path, why);
	else if (r == -ESTALE) {
		log_warn("%s does not prove that its collector is gone: %s. Leaving every "
		         "sigtrail rule loaded now alone (if no collector runs, remove them with "
		         "`auditctl -D -k %s`) and dropping the record",
		         d->owned_path, why, SIGTRAIL_RULE_KEY);
		(void)ctl_rules_forget_owned(d->owned_path, false);
		d->record_consumed = true;
	} else if (r < 0)
		log_warn("cannot read %s: %s; leaving the rules it lists alone, ignoring",
		         d->owned_path, strerror(-r));
}

/* List what this run must undo (rules added, status changed) where a
 * successor finds it if this process dies without its clean stop; with
 * nothing to undo, a gone collector's record is done with. */
static void save_owned_state(struct daemon *d)
{
	int r;

	d->owns_state = d->restore.enabled || d->restore.backlog;
	for (size_t i = 0; i < d->rules.n; i++)
		d->owns_state |= d->rules.r[i].added;
	if (!d->owns_state) {
		if (d->record_consumed)
			(void)ctl_rules_forget_owned(d->owned_path, false);
		return;
	}
	if ((r = ctl_rules_save_owned(&d->rules, &d->restore, d->owned_path,
	                              &d->made_runtime_dir)) < 0)
		log_warn("cannot record what this collector changed in %s: %s; after a crash its "
		         "rules would stay loaded, ignoring",
		         d->owned_path, strerror(-r));
}

/* The process table, before the audit source: a signal's sender must be
 * known when its first event arrives. Not in stdin mode, whose records may come
 * from another time or machine. Without it signals are still recorded. */
static void open_procs(struct daemon *d)
{
	char err[512];
	int r;

	d->run.processes = d->processes;
	if (!arg_processes || d->kind == SRC_STDIN) {
		snprintf(d->processes, sizeof(d->processes), "off: %s",
		         arg_processes ? "stdin source" : "--no-processes");
		return;
	}
	r = procwatch_open(
	    &(struct procwatch_config){.proc_root = "/proc", .kmsg_path = "/dev/kmsg"}, &d->procs,
	    err, sizeof(err));
	if (r < 0) {
		log_warn("%s: signals are recorded, but not deaths, ancestry, units or containers "
		         "(--no-processes silences this)",
		         err);
		snprintf(d->processes, sizeof(d->processes), "off: %s", err);
		d->procs = NULL;
		return;
	}
	snprintf(d->processes, sizeof(d->processes), "on");
}

/* The threads, once the capabilities are dropped: a thread starts with its
 * creator's capabilities, and privs_drop() is the calling thread's alone.
 * The exec reader first, while this thread is at SCHED_FIFO (`realtime`),
 * so that it inherits that; then this thread goes back to its nice level
 * (a lower policy needs no privilege), and the writer starts there. */
static int start_threads(struct daemon *d, bool realtime)
{
	int r;

	if (d->procs)
		procwatch_start(d->procs);
	if (realtime && (r = pthread_setschedparam(pthread_self(), SCHED_OTHER,
	                                           &(struct sched_param){0})) != 0) {
		log_error("cannot leave real-time scheduling: %s", strerror(r));
		return EX_OSERR;
	}
	r = asm_new(on_event, d, EOE_TIMEOUT_S, &d->assembler);
	if (r == 0)
		r = writer_start(d->store, QUEUE_CAPACITY, (size_t)arg_db_buffer_mb << 20,
		                 &d->writer);
	if (r < 0) {
		log_error("cannot start: %s", strerror(-r));
		return EX_OSERR;
	}
	writer_set_limits(d->writer, arg_retention_days, arg_max_db_mb * 1024 * 1024);
	return 0;
}

/* Acquire everything, in the order that makes failures harmless: checks and
 * the database before any change to the kernel's audit state. */
static int setup(struct daemon *d)
{
	static const cap_value_t need_control[] = {CAP_AUDIT_CONTROL};
	static const cap_value_t need_read[] = {CAP_AUDIT_READ};
	char host[HOST_NAME_MAX + 1] = "";
	char err[512];
	int r, added = 0;

	d->ctl_fd = -1;
	d->ready_fd = -1;
	d->lock_fd = -1;
	d->filter.include_sig0 = arg_include_sig0;
	snprintf(d->owned_path, sizeof(d->owned_path), "%s/%s", arg_runtime_dir, OWNED_RULES_FILE);
	if (sigsys_init() < 0)
		fatal(EX_SOFTWARE, "libaudit knows no syscall table; cannot recognise signals");

	if (strcmp(arg_source, "stdin") != 0) {
		check_caps(need_control, 1, "to load audit rules");
		d->ctl_fd = ctl_open();
		if (d->ctl_fd < 0)
			fatal(EX_UNAVAILABLE,
			      "cannot open the audit netlink socket: %s (is the "
			      "kernel built with CONFIG_AUDIT?)",
			      strerror(-d->ctl_fd));
		r = ctl_status(d->ctl_fd, &d->status);
		if (r < 0)
			fatal(EX_UNAVAILABLE, "cannot read the audit status: %s", strerror(-r));
		if (arg_inject)
			options_inject_status(&d->status);
	}
	d->kind = choose_source(&d->status);
	/* Only the audit daemon gets every event, so only there is a serial
	 * that never came a lost event. */
	d->filter.track_gaps = d->kind == SRC_UNICAST;
	if (d->kind == SRC_MULTICAST)
		check_caps(need_read, 1, "to read the audit multicast group");

	(void)gethostname(host, sizeof(host) - 1);
	r = store_open(arg_db, host[0] ? host : NULL, &d->store, err, sizeof(err));
	if (r < 0)
		fatal(r == -EACCES || r == -EPERM || r == -ENOENT ? EX_CANTCREAT : EX_DATAERR, "%s",
		      err);
	/* Locked after the directory checks of store_open() and before any
	 * write that matters: the schema migration is idempotent, rows are not. */
	d->lock_fd = lock_database(arg_db, err, sizeof(err));
	if (d->lock_fd < 0)
		fatal(d->lock_fd == -EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT, "%s", err);
	if (stat(arg_db, &d->db_stat) < 0)
		fatal(EX_IOERR, "database %s: %s", arg_db, strerror(errno));
	note_wal(d);
	store_set_coalesce_ms(d->store, arg_coalesce_ms);
	if (arg_tee) {
		d->tee = fopen(arg_tee, "ae");
		if (!d->tee)
			fatal(EX_CANTCREAT, "--tee %s: %s", arg_tee, strerror(errno));
	}
	if (!arg_foreground) {
		daemonize(d);
		if (ftruncate(d->lock_fd, 0) == 0) /* the lock names the daemon */
			dprintf(d->lock_fd, "%ld\n", (long)getpid());
	}

	/* The coverage row of this run; runs that never stopped are closed. */
	d->run_start_ms = wall_ms();
	r = store_run_begin(d->store, source_name(d->kind), host[0] ? host : NULL, getpid(),
	                    wall_ms(), &d->run);
	if (r < 0) {
		log_error("database %s: cannot record the collector run: %s", arg_db, strerror(-r));
		return EX_IOERR;
	}
	if (r > 0)
		log_warn("%d earlier run(s) ended without a clean stop; marked 'crashed' at their "
		         "last heartbeat in the coverage view",
		         r);
	d->start_lost = d->status.lost;

	if (d->ctl_fd >= 0) {
		bool immutable = d->status.enabled == AUDIT_LOCKED;

		if (d->status.enabled == 0) {
			r = ctl_set_enabled(d->ctl_fd, 1);
			if (r < 0) {
				log_error("cannot enable auditing: %s", strerror(-r));
				return EX_UNAVAILABLE;
			}
			d->restore.enabled = true;
			log_info("auditing was disabled; enabled it until sigtraild stops");
		}
		r = ctl_rules_build(&d->rules, arg_include_sig0);
		if (r < 0) {
			log_error("cannot build audit rules for this machine: %s", strerror(-r));
			return EX_SOFTWARE;
		}
		adopt_owned_state(d, immutable);
		added = ctl_rules_install(d->ctl_fd, &d->rules, immutable);
		if (added == -EROFS) {
			log_error(
			    "the audit configuration is immutable (enabled=2) and sigtrail's "
			    "rules are not loaded; nothing can be recorded until they are. Add "
			    "these lines to /etc/audit/rules.d/sigtrail.rules and reboot:");
			for (size_t i = 0; i < d->rules.n; i++)
				log_error("  %s", d->rules.r[i].text);
			return EX_CONFIG;
		}
		if (added < 0) {
			log_error("cannot load audit rules: %s", strerror(-added));
			return EX_UNAVAILABLE;
		}
		if (immutable)
			log_info("audit configuration is immutable; its sigtrail rules are loaded");
	}

	/* After the checks that may refuse to start (a quick exit), before the
	 * source: every record it delivers comes after the table's seed. */
	open_procs(d);
	r = src_open(d->kind, STDIN_FILENO, &d->src);
	if (r == -EEXIST) {
		log_error("cannot become the audit daemon: pid %u already is (run with "
		          "--source multicast to listen beside it)",
		          d->status.pid);
		return EX_UNAVAILABLE;
	}
	if (r < 0) {
		log_error("cannot open the %s audit source: %s", arg_source, strerror(-r));
		return EX_UNAVAILABLE;
	}
	if (d->kind == SRC_UNICAST && d->status.backlog_limit < MIN_BACKLOG_LIMIT &&
	    d->status.enabled != AUDIT_LOCKED) {
		r = ctl_set_backlog_limit(d->ctl_fd, MIN_BACKLOG_LIMIT);
		if (r < 0) {
			log_warn("cannot raise the audit backlog limit from %u to %u: %s, ignoring",
			         d->status.backlog_limit, MIN_BACKLOG_LIMIT, strerror(-r));
		} else {
			d->restore.backlog = true;
			d->restore.old_backlog = d->status.backlog_limit;
		}
	}
	save_owned_state(d);

	if (arg_user) {
		r = hand_over(d, arg_user);
		if (r < 0) {
			log_error("cannot run as user %s: %s", arg_user, strerror(-r));
			return EX_NOUSER;
		}
	}
	/* From here on only CAP_AUDIT_CONTROL is needed: at exit, to remove the
	 * rules and restore the status; and with the process table
	 * CAP_SYS_PTRACE, which reading /proc/PID/exe and ns/pid of another
	 * user's (or a more privileged) process takes. In stdin mode, nothing. */
	cap_value_t keep[2];
	size_t n_keep = 0;
	if (d->ctl_fd >= 0)
		keep[n_keep++] = CAP_AUDIT_CONTROL;
	if (d->procs)
		keep[n_keep++] = CAP_SYS_PTRACE;
	store_set_signals_recorded(d->store, d->ctl_fd >= 0);
	/* Real-time scheduling takes CAP_SYS_NICE, which is not kept: take it
	 * now for the exec reader to inherit (start_threads()). */
	bool realtime = d->procs && pthread_setschedparam(pthread_self(), SCHED_FIFO,
	                                                  &(struct sched_param){1}) == 0;
	r = privs_drop(keep, n_keep);
	if (r < 0) {
		log_error("cannot drop capabilities: %s", strerror(-r));
		return EX_OSERR;
	}
	r = start_threads(d, realtime);
	if (r != 0)
		return r;
	announce_ready(d, added);
	return 0;
}

/* auditd's rule files usually start with -D, so an `augenrules --load` or an
 * auditd restart deletes sigtrail's rules under a running sigtraild. Put
 * them back, and say so: signals sent in between were not recorded. */
static void check_rules(struct daemon *d)
{
	int r;

	if (d->ctl_fd < 0 || d->status.enabled == AUDIT_LOCKED)
		return;
	r = ctl_rules_install(d->ctl_fd, &d->rules, false);
	if (r > 0)
		log_warn(
		    "%d sigtrail audit rules had been removed by someone else (auditd reload?); "
		    "loaded them again. Signals sent meanwhile were not recorded",
		    r);
	else if (r < 0)
		log_warn("checking the audit rules failed: %s, ignoring", strerror(-r));
}

/* Hand the reader's counters and the kernel's lost delta to the writer,
 * which adds its own and updates the run's row. Also notices a database
 * that was swapped under us. */
static void heartbeat(struct daemon *d)
{
	struct audit_status now;
	struct stat sb;

	reader_counters(d);
	if (d->ctl_fd >= 0 && ctl_status(d->ctl_fd, &now) == 0)
		d->run.lost_kernel = (uint32_t)(now.lost - d->start_lost);
	writer_heartbeat(d->writer, &d->run);

	int r = stat(arg_db, &sb) == 0 ? 0 : -errno;
	if (r == 0 && sb.st_ino == d->db_stat.st_ino && sb.st_dev == d->db_stat.st_dev) {
		note_wal(d);
	} else if (r == -EACCES) {
		/* --user without search permission on the directory: the file
		 * cannot be looked up, so a swap cannot be told; keep writing. */
	} else {
		log_error("database %s was removed or replaced while sigtraild was writing it; "
		          "stopping (a restart creates a new one, and refuses a file that is not a "
		          "sigtrail database)",
		          arg_db);
		d->fatal_code = EX_IOERR;
	}
}

static int run(struct daemon *d, const sigset_t *unblocked)
{
	int64_t last_age = mono_ms(), last_rule_check = last_age, last_beat = last_age;

	d->last_input_ms = last_age;
	while (!stop_signal && !d->fatal_code) {
		/* The audit source first, then the connector and the kernel log. */
		struct pollfd p[3] = {{.fd = src_fd(d->src), .events = POLLIN}};
		nfds_t n = 1 + (d->procs ? procwatch_pollfds(d->procs, &p[1]) : 0);
		int wait_ms = d->procs ? procwatch_timeout_ms(d->procs, TICK_MS) : TICK_MS;
		struct timespec tick = {.tv_sec = 0, .tv_nsec = wait_ms * 1000000L};
		int r = ppoll(p, n, &tick, unblocked);

		if (r < 0 && errno != EINTR) {
			log_error("ppoll: %s", strerror(errno));
			return EX_OSERR;
		}
		/* The connector is read before the records: the fork of a signal's
		 * sender precedes its syscall. The kernel queues the fork event at
		 * the fork and the kill's record later (kauditd), and ppoll()
		 * looks at the audit socket first, so when it saw a record it also
		 * saw the connector readable: reading the connector (and the
		 * kernel log) only when ready loses nothing, and spares a storm two
		 * empty reads per wake-up. */
		bool procs_ready = false;
		for (nfds_t i = 1; i < n; i++)
			procs_ready |= p[i].revents != 0;
		if (r > 0 && procs_ready)
			(void)read_procs(d);
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = src_read(d->src, on_record, d);
			if (r == -EPIPE) {
				log_info("end of input");
				return 0;
			}
			if (r < 0) {
				log_error("reading audit records failed: %s", strerror(-r));
				return EX_IOERR;
			}
			if (r > 0)
				d->last_input_ms = mono_ms();
			/* A storm arrives a record at a time: without this, each
			 * record costs a ppoll() and a recvmmsg(). Waiting 1 ms lets
			 * them gather (the kernel queues them meanwhile, and nothing
			 * is lost: its backlog holds seconds of a storm). The wait
			 * ends early when the connector has news: a process that
			 * execs and exits within a millisecond (a crash right after
			 * exec, a script that kills and exits) is read while it
			 * still has its command line. */
			if (r > 0 && r < MODERATE_BELOW && d->kind != SRC_STDIN) {
				struct timespec moderate = {.tv_nsec = MODERATE_US * 1000L};
				if (n > 1)
					(void)ppoll(&p[1], n - 1, &moderate, unblocked);
				else
					(void)clock_nanosleep(CLOCK_MONOTONIC, 0, &moderate, NULL);
			}
		}
		if (d->procs)
			procwatch_tick(d->procs, false, on_death, d);
		int64_t now = mono_ms();
		/* libauparse ages an event by its timestamp against the clock. A
		 * backlogged reader (or a log file from the past) sees only old
		 * events, and aging them mid-stream would cut them in half (a
		 * SYSCALL without its OBJ_PID). So age only when input is quiet. */
		if (now - last_age >= 1000 && now - d->last_input_ms >= 1000) {
			asm_age(d->assembler);
			last_age = now;
		}
		struct writer_stats ws;
		writer_stats(d->writer, &ws);
		log_stalls(d, &ws);
		log_losses(d, &ws, false);
		if (now - last_beat >= HEARTBEAT_MS) {
			heartbeat(d);
			last_beat = now;
		}
		if (now - last_rule_check >= RULE_CHECK_MS) {
			check_rules(d);
			last_rule_check = now;
		}
		if (hup_seen) {
			hup_seen = 0;
			log_info("SIGHUP: sigtraild has no configuration to reload; continuing");
		}
	}
	if (d->fatal_code)
		return d->fatal_code;
	who_stopped(d);
	log_info("stopping on %s%s%s", strsignal(stop_signal), d->stop_ev ? ": " : "",
	         d->stop_ev ? d->stopped_by : "");
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = {0};
	sigset_t unblocked;
	int code;

	ensure_std_fds();
	log_init("sigtraild", LOG_LVL_INFO, false);
	options_parse(argc, argv);
	log_init("sigtraild", arg_verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, false);
	umask(027);
	if (setpriority(PRIO_PROCESS, 0, -PRIORITY_BOOST) < 0)
		log_debug("cannot raise the priority (nice -%d): %s, ignoring", PRIORITY_BOOST,
		          strerror(errno));
	setup_signals(&unblocked);

	code = setup(&d);
	if (code == 0)
		code = run(&d, &unblocked);
	teardown(&d);
	return code;
}
