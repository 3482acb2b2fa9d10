/* answer.c: "who asked?" for one supervisor's signal to one target: the
 * escalation of the supervisor's own earlier stop (a SIGKILL after its
 * SIGTERM to the same unit or container), else the newest trusted request
 * that names the target's unit or container or stops the whole system, else
 * "no request seen" and what was looked for, naming any look-alike that
 * was ignored. The words are sigtrail-schema(5)'s request_evidence.
 * Exercise it with `meson test -C build requests`. */
#include <inttypes.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/names.h"

#include "reqlog_internal.h"

/* A duration in words: "12 ms", "1.5 s", "90.0 s". */
static void span(int64_t ms, char *out, size_t size)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		snprintf(out, size, "%" PRId64 " ms", ms);
	else
		snprintf(out, size, "%.1f s", (double)ms / 1000.0);
}

/* A string appender over buf[size] that cuts with "…" when full. */
struct words {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void say(struct words *w, const char *fmt, ...)
{
	va_list ap;
	if (w->len + 1 >= w->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= w->size - w->len) {
		w->len = w->size - 1;
		if (w->size >= 4)
			memcpy(w->buf + w->size - 4, "…", 4);
	} else {
		w->len += (size_t)n;
	}
}

/* Does request r name the target (unit, container)? Sets *what to the
 * object that matched (or "the whole system"). */
static bool names_target(const struct req *r, enum request_supervisor sup, const char *unit,
                         const char *container, const char **what)
{
	const struct request_parsed *p = &r->parsed;

	if (p->kind == REQUEST_SYSTEM) {
		*what = NULL;
		return true;
	}
	for (uint32_t i = 0; i < p->n_objects; i++) {
		bool hit =
		    p->kind == REQUEST_UNITS
		        ? sup == SUPERVISOR_SYSTEMD && request_unit_matches(p->objects[i], unit)
		        : sup != SUPERVISOR_SYSTEMD &&
		              request_container_matches(p->objects[i], container);
		if (hit) {
			*what = i >= r->n_names ? p->objects[r->from[i]] : p->objects[i];
			return true;
		}
	}
	return false;
}

/* Was r within the window of a signal at epoch_ms: exec'd at most
 * REQUEST_WINDOW_MS before it, or still running then (within the
 * escalation bound)? A few ms after it is clock noise between the two
 * sources' stamps. */
static bool in_window(const struct req *r, int64_t epoch_ms)
{
	int64_t age = epoch_ms - r->exec_ms;

	if (age < -50)
		return false;
	if (age <= REQUEST_WINDOW_MS)
		return true;
	return (r->exit_ms == 0 || r->exit_ms >= epoch_ms) && age <= REQUEST_ESCALATION_MS;
}

/* The newest trusted request in the window that names the target (*what:
 * the object that matched); *ignored: the newest look-alike that named it
 * but is not the system's program. */
static const struct req *find(const struct reqlog *l, enum request_supervisor sup, int64_t epoch_ms,
                              const char *unit, const char *container, const char **what,
                              const struct req **ignored)
{
	const struct req *best = NULL;

	*ignored = NULL;
	for (size_t i = 0; i < REQUEST_MAX; i++) {
		const struct req *r = &l->reqs[i];
		const char *w;
		if (!r->used || !in_window(r, epoch_ms) ||
		    !names_target(r, sup, unit, container, &w))
			continue;
		if (!r->trusted) {
			if (!*ignored || r->exec_ms > (*ignored)->exec_ms)
				*ignored = r;
			continue;
		}
		if (!best || r->exec_ms > best->exec_ms) {
			best = r;
			*what = w;
		}
	}
	return best;
}

static const char *target_words(const char *unit, const char *container, char *out, size_t size)
{
	if (container)
		snprintf(out, size, "container %.12s…", container);
	else if (unit)
		snprintf(out, size, "%s", unit);
	else
		snprintf(out, size, "the target");
	return out;
}

/* The evidence of a matched request. */
static void say_match(struct words *w, const struct req *r, const char *what, int64_t epoch_ms,
                      const char *unit, const char *container)
{
	char ago[32];

	span(epoch_ms - r->exec_ms, ago, sizeof(ago));
	say(w, "`%s` (pid %d) ", r->cmdline, r->pid);
	if (!what)
		say(w, "stops the whole system");
	else if (container && strncmp(what, container, strlen(what)) == 0)
		say(w, "names container %s, the target's", what);
	else if (container)
		say(w, "names container %s (%.12s…), the target's", what, container);
	else
		say(w, "names %s, the target's unit", unit);
	say(w, ", exec'd %s before the signal; %s is the system's program", ago,
	    r->exe ? r->exe : "?");
}

static void say_none(struct words *w, enum request_supervisor sup, const char *unit,
                     const char *container, const struct req *ignored)
{
	char tw[160];

	target_words(unit, container, tw, sizeof(tw));
	if (sup == SUPERVISOR_OTHER)
		say(w, "no request seen: requests to this supervisor are not recognised");
	else if (sup == SUPERVISOR_SYSTEMD)
		say(w,
		    "no request seen: no systemctl stop, restart or kill naming %s, and no "
		    "shutdown, reboot or isolate, in the %d s before the signal",
		    tw, REQUEST_WINDOW_MS / 1000);
	else
		say(w,
		    "no request seen: no docker, podman, nerdctl or crictl stop, kill or rm -f "
		    "naming %s in the %d s before the signal",
		    tw, REQUEST_WINDOW_MS / 1000);
	if (ignored)
		say(w, "; ignored `%s` (pid %d): %s", ignored->cmdline, ignored->pid, ignored->why);
}

/* Copy ans's strings into one block owned by s. */
static void keep_stop(struct stop *s, const struct request_answer *ans)
{
	size_t a = ans->cmdline ? strlen(ans->cmdline) + 1 : 0;
	size_t b = ans->tty ? strlen(ans->tty) + 1 : 0;
	size_t c = ans->evidence ? strlen(ans->evidence) + 1 : 0;
	char *p = malloc(a + b + c + 1);

	free(s->strings);
	s->strings = p;
	s->ans = *ans;
	s->ans.cmdline = s->ans.tty = s->ans.evidence = NULL;
	if (!p)
		return;
	if (a)
		s->ans.cmdline = memcpy(p, ans->cmdline, a);
	if (b)
		s->ans.tty = memcpy(p + a, ans->tty, b);
	if (c)
		s->ans.evidence = memcpy(p + a + b, ans->evidence, c);
}

static void scope_key(const char *unit, const char *container, char *out, size_t size)
{
	if (container)
		snprintf(out, size, "c:%s", container);
	else if (unit)
		snprintf(out, size, "u:%s", unit);
	else
		out[0] = '\0';
}

/* The supervisor's own stop that this SIGKILL escalates, or NULL. */
static const struct stop *escalated(const struct reqlog *l, int32_t sender, const char *scope,
                                    int64_t epoch_ms)
{
	const struct stop *best = NULL;

	for (size_t i = 0; i < REQUEST_STOPS_MAX; i++) {
		const struct stop *s = &l->stops[i];
		int64_t after = epoch_ms - s->epoch_ms;
		if (s->used && s->sender == sender && strcmp(s->scope, scope) == 0 && after >= 0 &&
		    after <= REQUEST_ESCALATION_MS && (!best || s->epoch_ms > best->epoch_ms))
			best = s;
	}
	return best;
}

/* The request columns of request r. */
static void answer_of(const struct req *r, struct request_answer *ret)
{
	ret->pid = r->pid;
	ret->uid = r->uid;
	ret->auid = r->auid;
	ret->cmdline = r->cmdline;
	ret->tty = r->tty[0] ? r->tty : NULL;
}

void reqlog_answer(struct reqlog *l, const struct ptab_proc *sender, int sig, int64_t epoch_ms,
                   uint64_t serial, const char *unit, const char *container,
                   struct request_answer *ret, char *buf, size_t size)
{
	enum request_supervisor sup =
	    sender ? request_supervisor(sender->comm, sender->exe) : SUPERVISOR_NONE;
	struct words w = {.buf = buf, .size = size};
	char scope[sizeof(l->stops[0].scope)];

	*ret = (struct request_answer){.uid = -1, .auid = -1};
	if (sup == SUPERVISOR_NONE || size == 0)
		return;
	buf[0] = '\0';
	ret->supervised = true;
	ret->evidence = buf;
	scope_key(unit, container, scope, sizeof(scope));

	const struct stop *s =
	    sig == SIGKILL && scope[0] ? escalated(l, sender->pid, scope, epoch_ms) : NULL;
	if (s) {
		char after[32];
		span(epoch_ms - s->epoch_ms, after, sizeof(after));
		const char *name = names_signal(s->sig);
		say(&w,
		    "SIGKILL %s after the same supervisor's %s (serial %" PRIu64
		    "): the stop timed out",
		    after, name ? name : "signal", s->serial);
		if (s->ans.evidence)
			say(&w, "; %s", s->ans.evidence);
		ret->pid = s->ans.pid;
		ret->uid = s->ans.uid;
		ret->auid = s->ans.auid;
		ret->cmdline = s->ans.cmdline;
		ret->tty = s->ans.tty;
		return;
	}

	const struct req *ignored = NULL, *r;
	const char *what = NULL;
	r = find(l, sup, epoch_ms, unit, container, &what, &ignored);
	if (r) {
		say_match(&w, r, what, epoch_ms, unit, container);
		answer_of(r, ret);
	} else if ((sup == SUPERVISOR_CONTAINER || sup == SUPERVISOR_KUBELET) && container &&
	           l->kubelet_pid > 0) {
		say(&w,
		    "no docker, podman, nerdctl or crictl request named container %.12s…; the "
		    "kubelet (pid %d) runs on this host: the stop came through it (kubectl and the "
		    "API server are off this host)",
		    container, l->kubelet_pid);
		ret->pid = l->kubelet_pid;
		ret->cmdline = l->kubelet_cmdline;
	} else {
		say_none(&w, sup, unit, container, ignored);
	}

	/* A stop is a signal that ends by default: systemd's SIGCONT after its
	 * SIGTERM (to wake a stopped process) is not the stop a SIGKILL escalates. */
	if (sig != SIGKILL && scope[0] && sig != SIGCONT && sig != SIGCHLD && sig != SIGURG &&
	    sig != SIGWINCH && sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN &&
	    sig != SIGTTOU && sig != 0) {
		struct stop *st = &l->stops[l->next_stop];
		l->next_stop = (l->next_stop + 1) % REQUEST_STOPS_MAX;
		st->used = true;
		st->sender = sender->pid;
		snprintf(st->scope, sizeof(st->scope), "%s", scope);
		st->sig = sig;
		st->epoch_ms = epoch_ms;
		st->serial = serial;
		keep_stop(st, ret);
	}
}
