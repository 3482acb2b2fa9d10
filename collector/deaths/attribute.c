/* attribute.c: decides why a process died. It weighs the evidence gathered
 * around one death (signal rows that targeted its pid, OOM kill lines, crash
 * records, its pid namespace's init exiting) and names the cause with a
 * sentence that says which piece of evidence decided, what was ruled out and
 * why (a row that targeted an earlier owner of the pid). It never fills a gap
 * with a guess: when nothing explains a death, the cause is `kernel` and the
 * evidence says what was looked for. Pure: no I/O, no clock. Exercise it with
 * `meson test -C build proc_deaths` (every rule, with its sentence) and
 * `proc_decide` (through the store); live, as root, with the kernel suite's
 * `proc_*` tests (tests/proc-kernel/: kill, OOM, crash, pid namespace). */
#include "deaths_internal.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sigtrail/names.h"

const char *death_cause_name(enum death_cause cause)
{
	switch (cause) {
	case DEATH_SIGNAL:
		return "signal";
	case DEATH_OOM:
		return "oom";
	case DEATH_CRASH:
		return "crash";
	case DEATH_PIDNS:
		return "pidns-teardown";
	case DEATH_KERNEL:
		return "kernel";
	case DEATH_EXIT:
		return "exit";
	}
	return "kernel";
}

/* A bounded sentence builder. */
struct text {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;

	if (t->len + 1 >= t->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < t->size - t->len ? (size_t)n : t->size - t->len - 1;
}

static const char *sig_name(int sig)
{
	const char *n = names_signal(sig);
	return n ? n : "signal ?";
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* "3 ms before" / "12 ms after" the death. */
static void say_delta(struct text *t, int64_t at_ms, int64_t death_ms)
{
	int64_t d = death_ms - at_ms;
	say(t, "%lld ms %s the death", (long long)abs64(d), d >= 0 ? "before" : "after");
}

/* Signals the kernel delivers on a fault or abort, dumping core. SIGQUIT
 * (the terminal's Ctrl-\), SIGXCPU, SIGXFSZ and SIGSYS dump core too, but
 * come from the terminal, resource limits or seccomp: `kernel`. */
static bool is_crash_signal(int sig)
{
	return sig == SIGILL || sig == SIGTRAP || sig == SIGABRT || sig == SIGBUS ||
	       sig == SIGFPE || sig == SIGSEGV;
}

/* Why a row cannot be about this process, or NULL when it can. */
static const char *row_mismatch(const struct death *d, const struct death_signal_row *r)
{
	if (r->target_start_time && d->start_time) {
		bool guess = d->start_guess;
		uint64_t a = r->target_start_time, b = d->start_time;
		if (guess ? (a + 1 < b || b + 1 < a) : a != b)
			return "its target had another start time";
		return NULL;
	}
	/* Without the target's start time: a row older than the process was
	 * sent to an earlier owner of the pid. Two ticks of slack: start times
	 * are in 10 ms ticks. */
	if (d->start_epoch_ms && r->epoch_ms < d->start_epoch_ms - 20)
		return "it was sent before this process started";
	return NULL;
}

/* The newest row that can explain the death; rows ruled out for pid reuse
 * are counted in *ret_reused (the newest in *ret_reused_row). */
static const struct death_signal_row *best_row(const struct death *d,
                                               const struct death_candidates *c, size_t *ret_reused,
                                               const struct death_signal_row **ret_reused_row,
                                               const char **ret_why)
{
	const struct death_signal_row *best = NULL;

	*ret_reused = 0;
	*ret_reused_row = NULL;
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct death_signal_row *r = &c->rows[i];
		if (!r->success || r->signal != d->signal ||
		    r->epoch_ms > d->epoch_ms + DEATH_SKEW_MS ||
		    r->epoch_ms < d->epoch_ms - DEATH_SIGNAL_BEFORE_MS)
			continue;
		const char *why = row_mismatch(d, r);
		if (why) {
			if (!*ret_reused_row || r->epoch_ms > (*ret_reused_row)->epoch_ms) {
				*ret_reused_row = r;
				*ret_why = why;
			}
			(*ret_reused)++;
			continue;
		}
		if (!best || r->epoch_ms > best->epoch_ms ||
		    (r->epoch_ms == best->epoch_ms && r->id > best->id))
			best = r;
	}
	return best;
}

static void say_row(struct text *t, const struct death *d, const struct death_signal_row *r)
{
	say(t, "signal row %lld: %s from %s[%d], ", (long long)r->id, sig_name(r->signal),
	    r->sender_comm ? r->sender_comm : "?", r->sender_pid);
	say_delta(t, r->epoch_ms, d->epoch_ms);
	if (r->target_start_time && d->start_time)
		say(t, ", target start time %llu matches%s",
		    (unsigned long long)r->target_start_time, d->start_guess ? " (+-1 tick)" : "");
	else if (d->start_epoch_ms)
		say(t, ", sent after the process started");
	else
		say(t, ", start time unknown: pid reuse not excluded");
}

static void say_reused(struct text *t, size_t n, const struct death_signal_row *r, const char *why)
{
	if (n == 0)
		return;
	say(t, "; ruled out %zu %s row%s for pid reuse (row %lld: %s)", n, sig_name(r->signal),
	    n > 1 ? "s" : "", (long long)r->id, why);
}

static const struct death_oom *find_oom(const struct death *d, const struct death_candidates *c,
                                        int *ret_index)
{
	const struct death_oom *best = NULL;

	for (size_t i = 0; i < c->n_ooms; i++) {
		const struct death_oom *o = &c->ooms[i];
		if (o->kill.pid != d->pid || abs64(o->epoch_ms - d->epoch_ms) > DEATH_OOM_WINDOW_MS)
			continue;
		if (!best ||
		    abs64(o->epoch_ms - d->epoch_ms) < abs64(best->epoch_ms - d->epoch_ms)) {
			best = o;
			*ret_index = (int)i;
		}
	}
	return best;
}

static const struct death_abend *find_abend(const struct death *d, const struct death_candidates *c,
                                            int *ret_index)
{
	for (size_t i = 0; i < c->n_abends; i++) {
		const struct death_abend *a = &c->abends[i];
		if (a->pid == d->pid && a->signal == d->signal &&
		    abs64(a->epoch_ms - d->epoch_ms) <= DEATH_ABEND_WINDOW_MS) {
			*ret_index = (int)i;
			return a;
		}
	}
	return NULL;
}

static void say_oom(struct text *t, const struct death *d, const struct death_oom *o)
{
	const struct oom_kill *k = &o->kill;

	say(t, "kernel log: the OOM killer killed %d (%s), ", k->pid, k->comm);
	say_delta(t, o->epoch_ms, d->epoch_ms);
	if (k->constraint[0])
		say(t, ", %s", k->constraint);
	if (k->oom_memcg[0])
		say(t, ", memory cgroup %s at its limit", k->oom_memcg);
	if (k->oom_memcg[0] && k->memcg_limit_kb != OOM_UNKNOWN && k->memcg_limit_kb != 0)
		say(t, " (limit %lld kB, usage %lld kB)", (long long)k->memcg_limit_kb,
		    (long long)k->memcg_usage_kb);
	else if (!k->memcg)
		say(t, ", system out of memory");
	if (k->rss_kb != OOM_UNKNOWN)
		say(t, ", rss %lld kB", (long long)k->rss_kb);
	if (d->comm && k->comm[0] && strcmp(d->comm, k->comm) != 0)
		say(t, " (its comm differs from the process's: %s)", d->comm);
}

/* Where the core went: a pipe to a handler (systemd-coredump, apport), or
 * a file name (relative to the process's working directory without a /). */
static void say_core_pattern(struct text *t, const struct death *d)
{
	const char *p = d->core_pattern;

	if (!p || !(d->core_dumped || d->coredump_event))
		return;
	if (p[0] == '|') {
		/* The handler's basename: "|/usr/lib/systemd/systemd-coredump %P ..." */
		char base[64];
		const char *prog = p + 1 + strspn(p + 1, " ");
		size_t n = strcspn(prog, " "), from = 0;
		for (size_t i = 0; i < n; i++)
			if (prog[i] == '/')
				from = i + 1;
		snprintf(base, sizeof(base), "%.*s", (int)(n - from), prog + from);
		say(t, "; core_pattern pipes it to %s", base);
		if (strstr(base, "systemd-coredump"))
			say(t, " (coredumpctl info %d)", d->pid);
		else if (strstr(base, "apport"))
			say(t, " (/var/crash)");
	} else {
		say(t, "; core_pattern '%s'%s", p,
		    strchr(p, '/') ? "" : " (in its working directory)");
	}
}

static void say_crash_facts(struct text *t, const struct death *d, const struct death_abend *a)
{
	if (a) {
		say(t, "; ANOM_ABEND record %llu: %s[%d] %s, ", (unsigned long long)a->serial,
		    a->comm[0] ? a->comm : "?", a->pid, sig_name(a->signal));
		say_delta(t, a->epoch_ms, d->epoch_ms);
	}
	if (d->core_dumped)
		say(t, "; core dumped");
	else if (d->core_limit_known && d->core_limit == 0)
		say(t, "; no core dump: its core size limit (RLIMIT_CORE) was 0");
	else if (d->coredump_event)
		say(t, "; the kernel began a core dump (none written: core limit or pattern)");
	else
		say(t, "; no core dump");
	say_core_pattern(t, d);
}

/* A pid namespace teardown: which init exited, when and how. */
static void say_teardown(struct text *t, const struct death *d, const struct death_init_exit *ie)
{
	int isig = (int)(ie->exit_code & 0x7f);

	say(t, "SIGKILL with no recorded sender; its pid namespace");
	if (ie->pidns)
		say(t, " %llu", (unsigned long long)ie->pidns);
	say(t, " lost its init %s[%d], which exited ", ie->comm[0] ? ie->comm : "?", ie->pid);
	say_delta(t, ie->epoch_ms, d->epoch_ms);
	if (isig && isig != 0x7f)
		say(t, " (killed by %s)", sig_name(isig));
	else
		say(t, " (exit status %d)", (int)((ie->exit_code >> 8) & 0xff));
	if (d->exit_parent == 0)
		say(t, "; reaped by the kernel, as a dying namespace does");
}

/* What a signal nobody recorded usually means. */
static const char *kernel_meaning(int sig)
{
	switch (sig) {
	case SIGKILL:
		return "cgroup.kill, a seccomp kill, a hard resource limit, or a sender audit "
		       "missed";
	case SIGPIPE:
		return "it wrote to a pipe or socket whose reader had gone";
	case SIGXCPU:
		return "it used up its CPU time limit (RLIMIT_CPU)";
	case SIGXFSZ:
		return "it exceeded its file size limit (RLIMIT_FSIZE)";
	case SIGSYS:
		return "seccomp refused a system call (SECCOMP_RET_TRAP/KILL)";
	case SIGHUP:
		return "its terminal hung up";
	case SIGINT:
		return "Ctrl-C on its terminal";
	case SIGQUIT:
		return "Ctrl-\\ on its terminal";
	case SIGALRM:
	case SIGVTALRM:
	case SIGPROF:
		return "one of its own timers expired";
	case SIGIO:
		return "asynchronous I/O notification";
	default:
		return "no kernel source is typical for it: a sender audit missed is likely";
	}
}

/* "40 ms", "2.0 s", "3 min 12 s", "5 h 2 min": how long a process lived. */
static void say_age(struct text *t, int64_t ms)
{
	if (ms < 1000)
		say(t, "%lld ms", (long long)ms);
	else if (ms < 10000)
		say(t, "%lld.%lld s", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	else if (ms < 600000)
		say(t, "%lld min %lld s", (long long)(ms / 60000), (long long)(ms % 60000 / 1000));
	else
		say(t, "%lld h %lld min", (long long)(ms / 3600000),
		    (long long)(ms % 3600000 / 60000));
}

/* The newest signal delivered to this very process before its exit. */
static const struct death_signal_row *handled_row(const struct death *d,
                                                  const struct death_candidates *c)
{
	const struct death_signal_row *best = NULL;

	for (size_t i = 0; i < c->n_rows; i++) {
		const struct death_signal_row *r = &c->rows[i];
		if (!r->success || r->signal == 0 || r->epoch_ms > d->epoch_ms + DEATH_SKEW_MS ||
		    r->epoch_ms < d->epoch_ms - DEATH_SIGNAL_BEFORE_MS || row_mismatch(d, r))
			continue;
		if (!best || r->epoch_ms > best->epoch_ms)
			best = r;
	}
	return best;
}

/* An exit: "it exited on its own with status 3 after 2.0 s; no signal
 * reached it", or the signal it got just before (and handled). */
static void exit_verdict(const struct death *d, const struct death_candidates *c, struct text *t)
{
	const struct death_signal_row *r = handled_row(d, c);

	say(t, "it exited on its own with status %d", d->exit_status);
	if (d->start_epoch_ms && d->epoch_ms >= d->start_epoch_ms) {
		say(t, " after ");
		say_age(t, d->epoch_ms - d->start_epoch_ms);
	}
	if (r) {
		say(t,
		    "; %s from %s[%d] reached it %lld ms before (signal row %lld): it handled or "
		    "ignored the signal, then exited",
		    sig_name(r->signal), r->sender_comm ? r->sender_comm : "?", r->sender_pid,
		    (long long)(d->epoch_ms - r->epoch_ms), (long long)r->id);
	} else if (c->signals_recorded) {
		say(t, "; no signal reached it");
	} else {
		say(t, "; signals were not being recorded");
	}
}

void death_attribute(const struct death *d, const struct death_candidates *c,
                     struct death_verdict *ret)
{
	struct text t = {ret->evidence, sizeof(ret->evidence), 0};
	const struct death_signal_row *row, *reused_row;
	const struct death_oom *oom;
	const struct death_abend *abend;
	const char *reused_why = NULL;
	size_t reused;
	int oi = -1, ai = -1;

	ret->evidence[0] = '\0';
	ret->signal_id = -1;
	ret->oom_index = -1;
	ret->abend_index = -1;

	if (d->signal == 0) {
		ret->cause = DEATH_EXIT;
		exit_verdict(d, c, &t);
		return;
	}
	row = best_row(d, c, &reused, &reused_row, &reused_why);
	oom = d->signal == SIGKILL ? find_oom(d, c, &oi) : NULL;
	abend = find_abend(d, c, &ai);

	if (oom) {
		ret->cause = DEATH_OOM;
		ret->oom_index = oi;
		say_oom(&t, d, oom);
		if (row)
			say(&t, "; a SIGKILL from %s[%d] (signal row %lld) was also recorded",
			    row->sender_comm ? row->sender_comm : "?", row->sender_pid,
			    (long long)row->id);
		return;
	}
	if (row && is_crash_signal(d->signal) && row->sender_pid == d->pid) {
		ret->cause = DEATH_CRASH;
		ret->signal_id = row->id;
		ret->abend_index = ai;
		say(&t, "it sent itself %s (abort() or raise()): ", sig_name(d->signal));
		say_row(&t, d, row);
		say_crash_facts(&t, d, abend);
		return;
	}
	if (row) {
		ret->cause = DEATH_SIGNAL;
		ret->signal_id = row->id;
		say_row(&t, d, row);
		say_reused(&t, reused, reused_row, reused_why);
		return;
	}
	if (is_crash_signal(d->signal)) {
		ret->cause = DEATH_CRASH;
		ret->abend_index = ai;
		say(&t, "%s with no recorded sender", sig_name(d->signal));
		say_crash_facts(&t, d, abend);
		if (!abend && !d->core_dumped && !d->coredump_event)
			say(&t, "; a fault is most likely, a sender audit missed is not excluded");
		say_reused(&t, reused, reused_row, reused_why);
		return;
	}
	if (d->signal == SIGKILL && c->init_exit && c->init_exit->pid != d->pid && d->nspid != 1) {
		ret->cause = DEATH_PIDNS;
		say_teardown(&t, d, c->init_exit);
		say_reused(&t, reused, reused_row, reused_why);
		return;
	}
	ret->cause = DEATH_KERNEL;
	say(&t, "%s with no recorded sender: %s", sig_name(d->signal), kernel_meaning(d->signal));
	if (!c->signals_recorded)
		say(&t, "; signals were not being recorded");
	if (d->signal == SIGKILL)
		say(&t, "; no OOM kill and no pid namespace teardown seen");
	say_reused(&t, reused, reused_row, reused_why);
}
