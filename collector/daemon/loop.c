/* loop.c: the reader. One thread waits on the audit source, the proc
 * connector and the kernel log; it hands each kept record to the assembler,
 * each assembled event (with what the process table knows of its sender and
 * targets) and each decided death to the writer thread's queue, and does
 * the periodic work: aging events, loss warnings, the heartbeat, the rule
 * check. At stop it drains what the kernel still queues. The whole kernel
 * suite runs through it; `sigtraild --foreground --db ./t.db` by hand. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "daemon.h"
#include "sigtrail/log.h"
#include "sigtrail/options.h"

void on_event(void *userdata, struct st_event *ev)
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

void on_death(void *userdata, struct deathq_ready *death)
{
	struct daemon *d = userdata;

	if (!d->writer) {
		deathq_ready_free(death);
		return;
	}
	(void)writer_push_death(d->writer, death);
}

void on_zombie(void *userdata, struct zombie_note *z)
{
	struct daemon *d = userdata;

	if (!d->writer) {
		zombie_note_free(z);
		return;
	}
	(void)writer_push_zombie(d->writer, z);
}

/* Read the proc connector (before any audit record: a signal's sender must
 * be in the table when its event is assembled). */
int read_procs(struct daemon *d)
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

/* Every HEARTBEAT_MS: the coverage row, and the database file still ours. */
static void heartbeat(struct daemon *d)
{
	coverage_beat(d);
	db_check_identity(d);
}

/* Read what the wake-up found: the connector first (the fork of a signal's
 * sender precedes its syscall), then the audit records. Returns 0 to go on,
 * -EPIPE at the end of stdin, or the exit code. */
static int read_input(struct daemon *d, struct pollfd *p, nfds_t n, const sigset_t *unblocked)
{
	/* The kernel queues the fork event at the fork and the kill's record
	 * later (kauditd), and ppoll() looks at the audit socket first, so when
	 * it saw a record it also saw the connector readable: reading the
	 * connector (and the kernel log) only when ready loses nothing, and
	 * spares a storm two empty reads per wake-up. */
	bool procs_ready = false;
	for (nfds_t i = 1; i < n; i++)
		procs_ready |= p[i].revents != 0;
	if (procs_ready)
		(void)read_procs(d);
	if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	int r = src_read(d->src, on_record, d);
	if (r == -EPIPE)
		return r;
	if (r < 0) {
		log_error("reading audit records failed: %s", strerror(-r));
		return EX_IOERR;
	}
	if (r > 0)
		d->last_input_ms = now_mono_ms();
	/* A storm arrives a record at a time: without this, each record costs
	 * a ppoll() and a recvmmsg(). Waiting 1 ms lets them gather (the kernel
	 * queues them meanwhile, and nothing is lost: its backlog holds seconds
	 * of a storm). The wait ends early when the connector has news. */
	if (r > 0 && r < MODERATE_BELOW && d->kind != SRC_STDIN) {
		struct timespec moderate = {.tv_nsec = MODERATE_US * 1000L};
		if (n > 1)
			(void)ppoll(&p[1], n - 1, &moderate, unblocked);
		else
			(void)clock_nanosleep(CLOCK_MONOTONIC, 0, &moderate, NULL);
	}
	return 0;
}

/* When each periodic task last ran (mono_ms). */
struct timers {
	int64_t age, rule_check, beat, signals;
};

static void periodic(struct daemon *d, struct timers *t)
{
	int64_t now = now_mono_ms();
	struct writer_stats ws;

	if (d->procs)
		procwatch_tick(d->procs, false, on_death, d);
	/* libauparse ages an event by its timestamp against the clock. A
	 * backlogged reader (or a log file from the past) sees only old
	 * events, and aging them mid-stream would cut them in half (a
	 * SYSCALL without its OBJ_PID). So age only when input is quiet. */
	if (now - t->age >= 1000 && now - d->last_input_ms >= 1000) {
		asm_age(d->assembler);
		t->age = now;
	}
	writer_stats(d->writer, &ws);
	log_stalls(d, &ws);
	log_losses(d, &ws, false);
	if (now - t->beat >= HEARTBEAT_MS) {
		heartbeat(d);
		t->beat = now;
	}
	if (now - t->rule_check >= RULE_CHECK_MS) {
		check_rules(d);
		t->rule_check = now;
	}
	if (hup_seen) {
		hup_seen = 0;
		if (arg_jsonl) {
			store_jsonl_reopen(d->store);
			log_info("SIGHUP: reopening the JSON-lines file %s", arg_jsonl);
		} else {
			log_info("SIGHUP: sigtraild has no configuration to reload; continuing");
		}
	}
}

/* ppoll() lets a pending signal in only when it has to wait: on input that
 * is always ready (stdin from a regular file or a device, a storm that never
 * lets up) a SIGTERM would stay pending until the input ends. Unblocking
 * for a moment runs the handlers of whatever is pending. */
static void let_signals_in(const sigset_t *unblocked)
{
	sigset_t pending, old;

	if (sigpending(&pending) < 0 || sigisemptyset(&pending))
		return;
	(void)pthread_sigmask(SIG_SETMASK, unblocked, &old);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int run(struct daemon *d, const sigset_t *unblocked)
{
	int64_t start = now_mono_ms();
	struct timers t = {.age = start, .rule_check = start, .beat = start, .signals = start};

	d->last_input_ms = start;
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
		if (r > 0 && (r = read_input(d, p, n, unblocked)) != 0) {
			if (r != -EPIPE)
				return r;
			log_info("end of input");
			return 0;
		}
		if (now_mono_ms() - t.signals >= SIGNAL_CHECK_MS) {
			let_signals_in(unblocked);
			t.signals = now_mono_ms();
		}
		periodic(d, &t);
	}
	if (d->fatal_code)
		return d->fatal_code;
	who_stopped(d);
	log_info("stopping on %s%s%s", strsignal(stop_signal), d->stopped_by[0] ? ": " : "",
	         d->stopped_by);
	return 0;
}

/* At stop, once the rules are gone: records already queued in the kernel or
 * the socket belong to signals sent before the stop. Read until the kernel's
 * queue is empty and the socket has been quiet for a moment, then complete
 * every event and hand over every death held for its evidence. */
void drain(struct daemon *d)
{
	if (d->src && d->assembler) {
		int64_t start = now_mono_ms(), quiet = start;
		while (d->kind != SRC_STDIN && now_mono_ms() - start < DRAIN_MAX_MS) {
			struct pollfd p = {.fd = src_fd(d->src), .events = POLLIN};
			int ready = poll(&p, 1, 50);
			(void)read_procs(d);
			if (ready > 0 && src_read(d->src, on_record, d) > 0) {
				quiet = now_mono_ms();
				continue;
			}
			if (now_mono_ms() - quiet >= DRAIN_QUIET_MS && kernel_backlog(d) == 0)
				break;
		}
		if (now_mono_ms() - start >= DRAIN_MAX_MS)
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
}
