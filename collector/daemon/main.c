/* main.c: sigtraild, the collector daemon. main() reads like its table of
 * contents: parse options, then setup() (check privileges, open the
 * database, take the audit configuration it needs: enabled flag, rules,
 * audit pid, backlog; subscribe to the proc connector for the process
 * table; drop privileges; start the threads), run() until a stop signal or
 * the end of input, and teardown() (rules removed, pending records drained
 * and written, audit state restored, exit 0). The data flow: netlink or
 * stdin -> filter -> assembler -> writer thread -> SQLite, with the process
 * table's facts added to each event and each death (collector/README at the
 * top of collector/meson.build). The parts live beside this file (daemon.h).
 * Try it: sigtraild --foreground --db ./sigtrail.db, then `kill -9` something
 * and `sqlite3 ./sigtrail.db 'select * from signals'`. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"
#include "sigtrail/log.h"
#include "sigtrail/notify.h"
#include "sigtrail/options.h"
#include "sigtrail/privs.h"
#include "sigtrail/sigsys.h"

volatile sig_atomic_t stop_signal;
volatile sig_atomic_t hup_seen;
volatile sig_atomic_t stop_sender_pid, stop_sender_uid;

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (sig == SIGHUP) {
		hup_seen = 1;
		return;
	}
	/* The uid is kept as its bits: sig_atomic_t is an int. */
	stop_sender_pid = info && info->si_code <= 0 ? (sig_atomic_t)info->si_pid : 0;
	stop_sender_uid = info && info->si_code <= 0 ? (sig_atomic_t)info->si_uid : 0;
	stop_signal = sig;
}

/* Handlers only set a flag; the signals stay blocked except inside ppoll(),
 * so a stop request can never slip in between the check and the wait. */
static void setup_signals(sigset_t *ret_unblocked)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
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

static void adopt_zombie(void *userdata, int32_t pid, uint64_t start_time)
{
	struct daemon *d = userdata;

	procwatch_adopt_zombie(d->procs, pid, start_time);
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
	r = procwatch_open(&(struct procwatch_config){.proc_root = "/proc",
	                                              .kmsg_path = "/dev/kmsg",
	                                              .exits = arg_exits,
	                                              .exit_min_age_ms = arg_exit_min_age_ms,
	                                              .request_dirs = arg_request_dirs,
	                                              .zombie_delay_ms = arg_zombie_delay_ms,
	                                              .on_zombie = on_zombie,
	                                              .on_zombie_data = d},
	                   &d->procs, err, sizeof(err));
	if (r < 0) {
		log_warn("%s: signals are recorded, but not deaths, ancestry, units or containers "
		         "(--no-processes silences this)",
		         err);
		snprintf(d->processes, sizeof(d->processes), "off: %s", err);
		d->procs = NULL;
		return;
	}
	snprintf(d->processes, sizeof(d->processes), "on");
	/* The zombies an earlier run found on this boot are followed, not found again. */
	if (arg_zombie_delay_ms > 0 && (r = store_zombies_resume(d->store, adopt_zombie, d)) < 0)
		log_warn("database %s: cannot read the zombies an earlier run found: %s; those "
		         "still unreaped are recorded again, and their reaping is not",
		         arg_db, strerror(-r));
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

/* Drop every capability but those the rest of the run needs, then start the
 * threads. From here on only CAP_AUDIT_CONTROL is needed: at exit, to remove
 * the rules and restore the status; and with the process table
 * CAP_SYS_PTRACE, which reading /proc/PID/exe and ns/pid of another user's
 * (or a more privileged) process takes. In stdin mode, nothing. */
static int drop_privileges(struct daemon *d)
{
	cap_value_t keep[2];
	size_t n_keep = 0;
	int r;

	if (d->ctl_fd >= 0)
		keep[n_keep++] = CAP_AUDIT_CONTROL;
	if (d->procs)
		keep[n_keep++] = CAP_SYS_PTRACE;
	/* Real-time scheduling takes CAP_SYS_NICE, which is not kept: take it
	 * now for the exec reader to inherit (start_threads()). */
	bool realtime = d->procs && pthread_setschedparam(pthread_self(), SCHED_FIFO,
	                                                  &(struct sched_param){1}) == 0;
	r = privs_drop(keep, n_keep);
	if (r < 0) {
		log_error("cannot drop capabilities: %s", strerror(-r));
		return EX_OSERR;
	}
	return start_threads(d, realtime);
}

/* The files and the process this run writes from: the database, --tee,
 * daemonizing, the coverage row. */
static int open_outputs(struct daemon *d)
{
	char host[HOST_NAME_MAX + 1] = "";

	(void)gethostname(host, sizeof(host) - 1);
	/* Before the database is created: it would be its own companion. */
	if (arg_tee && store_is_database_file(arg_tee, arg_db))
		fatal(EX_CANTCREAT,
		      "--tee %s is the database or one of its -wal, -shm, -journal, .lock "
		      "files: refusing to write over the audit trail",
		      arg_tee);
	db_open(d, host[0] ? host : NULL);
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
	return coverage_begin(d, host[0] ? host : NULL);
}

/* The audit source, after the process table: every record it delivers
 * comes after the table's seed. */
static int open_source(struct daemon *d)
{
	int r = src_open(d->kind, STDIN_FILENO, &d->src);

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
	return 0;
}

/* Acquire everything, in the order that makes failures harmless: checks and
 * the database before any change to the kernel's audit state. Returns 0 or
 * the exit code; teardown() undoes whatever was done. */
static int setup(struct daemon *d)
{
	int r, added = 0;

	d->ctl_fd = -1;
	d->ready_fd = -1;
	d->lock_fd = -1;
	d->filter.include_sig0 = arg_include_sig0;
	snprintf(d->owned_path, sizeof(d->owned_path), "%s/%s", arg_runtime_dir, OWNED_RULES_FILE);
	if (sigsys_init() < 0)
		fatal(EX_SOFTWARE, "libaudit knows no syscall table; cannot recognise signals");
	audit_open_control(d);
	if ((r = open_outputs(d)) != 0 || (r = audit_take(d, &added)) != 0)
		return r;
	/* After the checks that may refuse to start (a quick exit). */
	open_procs(d);
	if ((r = open_source(d)) != 0)
		return r;
	audit_raise_backlog(d);
	coverage_processes(d); /* the table's state and the backlog limit, at once */
	save_owned_state(d);
	if (arg_user && (r = hand_over(d, arg_user)) < 0) {
		log_error("cannot run as user %s: %s", arg_user, strerror(-r));
		return EX_NOUSER;
	}
	store_set_signals_recorded(d->store, d->ctl_fd >= 0);
	if ((r = drop_privileges(d)) != 0)
		return r;
	announce_ready(d, added);
	return 0;
}

/* Undo, in reverse, whatever setup() did. Safe on a partial setup. */
static void teardown(struct daemon *d)
{
	int undone; /* <0: something this run changed is still changed */

	(void)notify_send("STOPPING=1");
	undone = audit_remove_rules(d); /* first, so that the drain ends */
	drain(d);
	if (d->writer) {
		struct writer_stats ws;
		writer_stop(d->writer, &ws); /* writes everything queued */
		d->writer = NULL;
		log_stalls(d, &ws);
		if (d->src && d->assembler)
			coverage_end(d, &ws); /* the writer is gone: the last update is ours */
	}
	src_close(d->src); /* unicast: gives the audit pid back */
	d->src = NULL;
	int r = audit_restore_status(d);
	if (r < 0)
		undone = r;
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
