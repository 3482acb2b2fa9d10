/* watch.c: the proc connector, the kernel log, the process table and the
 * death tracker, put together for sigtraild's main loop (procwatch.h). The
 * connector is read first and always before audit records, so that a
 * signal's sender, however short-lived, is in the table when its event is
 * assembled. Exercise it with `meson test -C build proc_watch` (extras
 * shared within storms), through the kernel suite as root (`meson test -C
 * build --suite kernel proc_`), or by hand: run sigtraild, `kill -9` a
 * process and `sqlite3 sigtrail.db 'select * from deaths'`. */
#include "sigtrail/clock.h"
#include "sigtrail/procwatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/log.h"
#include "sigtrail/proc_kmsg.h"

#include "abend.h"
#include "clock.h"
#include "connector.h"
#include "zombies.h"

enum {
	LINGER_MS = 5000,      /* an exited process stays in the table this long */
	REFRESH_DELAY_MS = 20, /* a fork is read from /proc this late (most exit first) */
	EAGER_READS_PER_S = 1000,
	READ_BATCH = 256,        /* connector datagrams or kernel log records per read */
	TICK_READS = 512,        /* delayed /proc reads per tick */
	CLOCK_SAMPLE_MS = 10000, /* the wall clock may be stepped: sample offsets again */
	SHARE_EXTRA_MS = 100,    /* a storm's events share one extra for this long at most */
	RECENT_EXTRAS = 8,       /* storms sharing at once (senders interleave) */
};

/* An extra built recently, for the next events of the same storm. */
struct recent {
	struct proc_extra *x; /* NULL: free */
	int32_t sender, target;
	int signal;      /* the request columns differ for a SIGKILL after a SIGTERM */
	int64_t mono_ns; /* when it was built */
};

struct procwatch {
	struct conn conn;
	struct kmsg_reader *kmsg; /* NULL: no kernel log */
	struct ptab *table;
	struct execread *execread; /* NULL: not running */
	bool execread_started;
	struct deathq *deaths;
	struct reqlog *reqs;    /* the requests behind supervisors' signals */
	struct zwatch *zombies; /* NULL: no zombie watch */
	procwatch_zombie_fn on_zombie;
	void *on_zombie_data;
	struct proc_clock clock;
	int64_t last_clock_ns;
	uint64_t abends_malformed, extras_lost;
	/* The extras of the storms under way (one sender, one target each),
	 * valid while nothing is applied to the table: concurrent senders'
	 * events interleave, so one slot would be rebuilt at every event. */
	struct recent recent[RECENT_EXTRAS];
	unsigned recent_next;       /* the slot to reuse next */
	uint64_t recent_generation; /* the table's generation they were built in */
	uint64_t generation;        /* changes whenever the table may have changed */
	uint64_t next_id;
};

static void on_conn_event(void *userdata, const struct proc_ev *ev)
{
	struct procwatch *pw = userdata;

	/* The tracker first: it reads what the table knows of the dying
	 * process before the table marks it exited. */
	deathq_on_event(pw->deaths, pw->table, ev, &pw->clock);
	if (ev->kind == PROC_EV_EXIT && ev->pid == ev->tgid) {
		int64_t epoch_ms = proc_clock_mono_to_epoch_ms(&pw->clock, ev->mono_ns);
		reqlog_note_exit(pw->reqs, ev->tgid, epoch_ms);
		if (pw->zombies)
			zwatch_on_exit(pw->zombies, ptab_get(pw->table, ev->tgid), ev->tgid,
			               ev->exit_code, ev->mono_ns, epoch_ms);
	}
	ptab_on_event(pw->table, ev);
	pw->generation++;
}

static bool take_exec_snapshot(void *userdata, int32_t pid, int64_t exec_mono_ns,
                               struct procfs_info *in)
{
	struct procwatch *pw = userdata;

	return pw->execread && pw->execread_started &&
	       execread_take(pw->execread, pid, exec_mono_ns, in);
}

static void on_program(void *userdata, const struct ptab_proc *p, int64_t exec_epoch_ms)
{
	struct procwatch *pw = userdata;

	reqlog_note_exec(pw->reqs, p, exec_epoch_ms);
}

static void on_oom(void *userdata, const struct oom_kill *k)
{
	struct procwatch *pw = userdata;

	deathq_on_oom(pw->deaths, k, &pw->clock);
}

int procwatch_open(const struct procwatch_config *cfg, struct procwatch **ret, char *err,
                   size_t errlen)
{
	struct procwatch *pw = calloc(1, sizeof(*pw));
	int64_t hold_ms = cfg->hold_ms > 0 ? cfg->hold_ms : DEATHQ_HOLD_MS;
	int r;

	if (!pw)
		return -ENOMEM;
	pw->conn.fd = -1;
	proc_clock_sample(&pw->clock);
	pw->last_clock_ns = now_mono_ns();
	r = reqlog_new(
	    &(struct reqlog_config){.proc_root = cfg->proc_root, .trusted_dirs = cfg->request_dirs},
	    &pw->reqs);
	if (r == 0)
		r = ptab_new(
		    &(struct ptab_config){.proc_root = cfg->proc_root,
		                          .linger_ns = LINGER_MS * INT64_C(1000000),
		                          .refresh_delay_ns = REFRESH_DELAY_MS * INT64_C(1000000),
		                          .eager_reads_per_s = EAGER_READS_PER_S,
		                          .exec_snapshot = take_exec_snapshot,
		                          .exec_snapshot_data = pw,
		                          .on_program = on_program,
		                          .on_program_data = pw},
		    &pw->clock, &pw->table);
	if (r == 0)
		r = deathq_new(&(struct deathq_config){.hold_ns = hold_ms * INT64_C(1000000),
		                                       .exits = cfg->exits,
		                                       .exit_min_age_ms = cfg->exit_min_age_ms},
		               &pw->deaths);
	if (r == 0 && cfg->zombie_delay_ms > 0)
		r = zwatch_new(&(struct zwatch_config){.proc_root = cfg->proc_root,
		                                       .delay_ms = cfg->zombie_delay_ms},
		               &pw->zombies);
	if (r < 0) {
		snprintf(err, errlen, "process table: %s", strerror(-r));
		goto fail;
	}
	pw->on_zombie = cfg->on_zombie;
	pw->on_zombie_data = cfg->on_zombie_data;
	/* The connector before the seed, so no process falls between the two. */
	r = conn_open(&pw->conn, CONN_ALL);
	if (r < 0) {
		snprintf(err, errlen, "cannot subscribe to the proc connector: %s%s", strerror(-r),
		         r == -EPERM             ? " (needs CAP_NET_ADMIN)"
		         : r == -EPROTONOSUPPORT ? " (kernel without CONFIG_PROC_EVENTS)"
		         : r == -ETIMEDOUT
		             ? " (no answer: not in the initial pid and user namespace?)"
		             : "");
		goto fail;
	}
	r = execread_open(cfg->proc_root, &pw->execread);
	if (r < 0) {
		log_warn("cannot subscribe the exec reader to the proc connector: %s; a program "
		         "that exits within milliseconds of its exec may be recorded without "
		         "its command line",
		         strerror(-r));
		pw->execread = NULL;
	}
	if (cfg->kmsg_path) {
		pw->kmsg = calloc(1, sizeof(*pw->kmsg));
		if (!pw->kmsg || (r = kmsg_open(pw->kmsg, cfg->kmsg_path)) < 0) {
			log_warn(
			    "cannot read the kernel log %s: %s%s; OOM kills will be recorded as "
			    "'kernel' deaths without their cgroup and memory figures",
			    cfg->kmsg_path, pw->kmsg ? strerror(-r) : strerror(ENOMEM),
			    r == -EPERM || r == -EACCES ? " (needs CAP_SYSLOG)" : "");
			free(pw->kmsg);
			pw->kmsg = NULL;
		}
	}
	r = ptab_seed(pw->table);
	if (r < 0) {
		snprintf(err, errlen, "cannot list processes in %s: %s", cfg->proc_root,
		         strerror(-r));
		goto fail;
	}
	log_debug("process table seeded with %d processes%s", r,
	          pw->conn.filtered ? "; connector event filter in place" : "");
	*ret = pw;
	return 0;
fail:
	procwatch_free(pw);
	return r;
}

void procwatch_start(struct procwatch *pw)
{
	int r;

	if (!pw->execread || pw->execread_started)
		return;
	r = execread_start(pw->execread);
	if (r < 0) {
		log_warn("cannot start the exec reader: %s; a program that exits within "
		         "milliseconds of its exec may be recorded without its command line",
		         strerror(-r));
		execread_stop(pw->execread);
		pw->execread = NULL;
		return;
	}
	pw->execread_started = true;
}

size_t procwatch_pollfds(const struct procwatch *pw, struct pollfd *out)
{
	size_t n = 0;

	out[n++] = (struct pollfd){.fd = pw->conn.fd, .events = POLLIN};
	if (pw->kmsg)
		out[n++] = (struct pollfd){.fd = pw->kmsg->fd, .events = POLLIN};
	return n;
}

int procwatch_read(struct procwatch *pw)
{
	int r = conn_read(&pw->conn, READ_BATCH, on_conn_event, pw);

	if (r < 0 && r != -EAGAIN && r != -EINTR)
		return r;
	if (pw->kmsg && (r = kmsg_read(pw->kmsg, READ_BATCH, on_oom, pw)) < 0) {
		log_warn("reading the kernel log failed: %s; OOM kills will no longer be "
		         "recognised",
		         strerror(-r));
		kmsg_close(pw->kmsg);
		free(pw->kmsg);
		pw->kmsg = NULL;
	}
	return 0;
}

void procwatch_abend(struct procwatch *pw, const char *body, size_t len)
{
	struct death_abend a;

	if (abend_parse(body, len, &a) == 0)
		deathq_on_abend(pw->deaths, &a);
	else
		pw->abends_malformed++;
}

static void recent_forget(struct procwatch *pw)
{
	for (size_t i = 0; i < RECENT_EXTRAS; i++) {
		proc_extra_free(pw->recent[i].x);
		pw->recent[i].x = NULL;
	}
}

/* The extra of a storm under way that `ev` belongs to, or NULL. */
static struct proc_extra *recent_find(struct procwatch *pw, const struct st_event *ev, int64_t now)
{
	if (pw->recent_generation != pw->generation) {
		recent_forget(pw);
		pw->recent_generation = pw->generation;
		return NULL;
	}
	if (ev->n_targets != 1)
		return NULL;
	for (size_t i = 0; i < RECENT_EXTRAS; i++) {
		const struct recent *r = &pw->recent[i];
		if (r->x && r->sender == ev->pid && r->target == ev->targets[0].pid &&
		    r->signal == ev->signal && now - r->mono_ns < SHARE_EXTRA_MS * INT64_C(1000000))
			return r->x;
	}
	return NULL;
}

struct proc_extra *procwatch_extra(struct procwatch *pw, const struct st_event *ev)
{
	int32_t stack[64] = {0}, *pids = stack;
	struct proc_extra *x = NULL;
	struct ptab_stats before, after;
	int64_t now = now_mono_ns();

	/* A storm (one sender, one target) shares the extra of its first event
	 * while the table is unchanged: the same facts, built and stored once. */
	if ((x = recent_find(pw, ev, now)))
		return proc_extra_ref(x);

	if (ev->n_targets > sizeof(stack) / sizeof(stack[0]) &&
	    !(pids = malloc(ev->n_targets * sizeof(*pids)))) {
		pw->extras_lost++;
		return NULL;
	}
	for (uint32_t i = 0; i < ev->n_targets; i++)
		pids[i] = ev->targets[i].pid;
	ptab_stats(pw->table, &before);
	(void)ptab_lookup(pw->table, ev->pid); /* a read that is due happens first */
	ptab_note_sender(pw->table, ev->pid, ev->comm, ev->exe, ev->cmdline);
	if (proc_extra_build(pw->table, ev->pid, pids, ev->n_targets, &x) < 0) {
		pw->extras_lost++;
		x = NULL;
	}
	if (x && proc_extra_requests(x, pw->table, pw->reqs, ev->pid, ev->signal, ev->epoch_ms,
	                             ev->serial) < 0)
		pw->extras_lost++;
	/* A delivered signal reached its targets: their exits are recorded
	 * whatever their age (a storm's later events reach the same target). */
	for (uint32_t i = 0; ev->success && i < ev->n_targets; i++)
		ptab_note_signalled(pw->table, pids[i]);
	if (pids != stack)
		free(pids);
	ptab_stats(pw->table, &after);
	if (after.reads != before.reads) { /* the build read /proc into the table */
		pw->generation++;
		recent_forget(pw);
		pw->recent_generation = pw->generation;
	}
	if (x && ev->n_targets == 1) {
		struct recent *r = &pw->recent[pw->recent_next];
		pw->recent_next = (pw->recent_next + 1) % RECENT_EXTRAS;
		x->id = ++pw->next_id;
		proc_extra_free(r->x);
		*r = (struct recent){.x = proc_extra_ref(x),
		                     .sender = ev->pid,
		                     .target = ev->targets[0].pid,
		                     .signal = ev->signal,
		                     .mono_ns = now};
	}
	return x;
}

void procwatch_tick(struct procwatch *pw, bool flush, procwatch_death_fn fn, void *userdata)
{
	int64_t now = now_mono_ns();
	struct deathq_ready *d;

	if (now - pw->last_clock_ns >= CLOCK_SAMPLE_MS * INT64_C(1000000)) {
		proc_clock_sample(&pw->clock);
		ptab_set_clock(pw->table, &pw->clock);
		pw->last_clock_ns = now;
	}
	if (ptab_tick(pw->table, now, TICK_READS) > 0)
		pw->generation++;
	if (pw->zombies && pw->on_zombie)
		zwatch_tick(pw->zombies, pw->table, now,
		            proc_clock_mono_to_epoch_ms(&pw->clock, now), pw->on_zombie,
		            pw->on_zombie_data);
	while ((d = deathq_pop(pw->deaths, flush ? INT64_MAX : now)))
		fn(userdata, d);
}

int procwatch_timeout_ms(const struct procwatch *pw, int max_ms)
{
	int64_t due = ptab_next_due(pw->table);

	if (pw->zombies) {
		int64_t z = zwatch_next_due(pw->zombies);
		due = z < due ? z : due;
	}
	int64_t wait_ns = due - now_mono_ns();

	if (wait_ns <= 0)
		return 0;
	if (wait_ns >= (int64_t)max_ms * 1000000)
		return max_ms;
	return (int)(wait_ns / 1000000) + 1;
}

void procwatch_adopt_zombie(struct procwatch *pw, int32_t pid, uint64_t start_time)
{
	if (pw->zombies)
		zwatch_adopt(pw->zombies, pid, start_time);
}

void procwatch_stats(const struct procwatch *pw, struct procwatch_stats *ret)
{
	struct deathq_stats ds;
	struct zwatch_stats zs = {0};

	deathq_stats(pw->deaths, &ds);
	if (pw->zombies)
		zwatch_stats(pw->zombies, &zs);
	*ret = (struct procwatch_stats){.events = pw->conn.events,
	                                .lost_events = pw->conn.overruns,
	                                .kmsg_overruns = pw->kmsg ? pw->kmsg->overruns : 0,
	                                .deaths = ds.deaths,
	                                .exits = ds.exits,
	                                .deaths_lost = ds.dropped,
	                                .abends_malformed = pw->abends_malformed,
	                                .extras_lost = pw->extras_lost,
	                                .zombies = zs.found,
	                                .zombies_lost = zs.lost,
	                                .zombie_tracked = zs.tracked,
	                                .kmsg = pw->kmsg != NULL,
	                                .execread_on = pw->execread_started};
	ptab_stats(pw->table, &ret->table);
	if (pw->execread_started)
		execread_stats(pw->execread, &ret->execread);
}

void procwatch_free(struct procwatch *pw)
{
	if (!pw)
		return;
	recent_forget(pw);
	execread_stop(pw->execread);
	conn_close(&pw->conn);
	if (pw->kmsg) {
		kmsg_close(pw->kmsg);
		free(pw->kmsg);
	}
	deathq_free(pw->deaths);
	zwatch_free(pw->zombies);
	ptab_free(pw->table);
	reqlog_free(pw->reqs);
	free(pw);
}
