/* audit.c: the kernel's audit state, as sigtraild takes it at setup and
 * gives it back at stop: the control socket and status, the choice of
 * source, the enabled flag, the rules (adopted from a collector that died,
 * installed, checked every 10 s, removed), the backlog limit, and the
 * owned-rules record that lets a successor undo what a dead collector
 * changed (audit/owned.c). The kernel suite's owned, immutable,
 * rules_reload and multicast tests exercise it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"
#include "sigtrail/log.h"
#include "sigtrail/options.h"
#include "sigtrail/privs.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/stopper.h"

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

/* The control socket and the status, unless the source is stdin. */
void audit_open_control(struct daemon *d)
{
	static const cap_value_t need_control[] = {CAP_AUDIT_CONTROL};
	static const cap_value_t need_read[] = {CAP_AUDIT_READ};
	int r;

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
}

/* Pick the source: unicast unless another audit daemon is registered. */
enum src_kind choose_source(const struct audit_status *st)
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

/* Enable auditing if it was off, adopt what a dead collector left, and
 * install the rules. Returns 0 with *ret_added, or the exit code. */
/* Was the kernel booted with audit=1 (/proc/cmdline)? The kernel gives a
 * task its audit context at fork only once auditing was ever enabled. */
static bool booted_with_audit(void)
{
	char buf[4096];
	FILE *f = fopen("/proc/cmdline", "re");
	bool on = false;

	if (f && fgets(buf, sizeof(buf), f))
		for (char *w = strtok(buf, " \n"); w && !on; w = strtok(NULL, " \n"))
			on = strcmp(w, "audit=1") == 0 || strcmp(w, "audit=on") == 0;
	if (f)
		fclose(f);
	return on;
}

int audit_take(struct daemon *d, int *ret_added)
{
	bool immutable = d->status.enabled == AUDIT_LOCKED;
	int r, added;

	*ret_added = 0;
	if (d->ctl_fd < 0)
		return 0;
	if (d->status.enabled == 0) {
		r = ctl_set_enabled(d->ctl_fd, 1);
		if (r < 0) {
			log_error("cannot enable auditing: %s", strerror(-r));
			return EX_UNAVAILABLE;
		}
		d->restore.enabled = true;
		log_info("auditing was disabled; enabled it until sigtraild stops");
		if (!booted_with_audit())
			log_warn(
			    "the kernel was not booted with audit=1: if auditing was never "
			    "enabled since boot, processes started before now (PID 1 among "
			    "them: systemd, and the container runtimes and supervisors it "
			    "started) have no audit context, and the signals they send are not "
			    "recorded until they restart; boot with audit=1 (or start auditd "
			    "or sigtraild at boot) to record every sender");
	}
	r = ctl_rules_build(&d->rules, arg_include_sig0);
	if (r < 0) {
		log_error("cannot build audit rules for this machine: %s", strerror(-r));
		return EX_SOFTWARE;
	}
	adopt_owned_state(d, immutable);
	added = ctl_rules_install(d->ctl_fd, &d->rules, immutable);
	if (added == -EROFS) {
		log_error("the audit configuration is immutable (enabled=2) and sigtrail's "
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
	*ret_added = added;
	return 0;
}

/* As the audit daemon, a kernel queue that holds about a second of a storm
 * (auditd's default holds a fraction of that). */
void audit_raise_backlog(struct daemon *d)
{
	int r;

	if (d->ctl_fd >= 0) /* what the run row tells `sigtrail status` */
		d->run.backlog_limit = d->status.backlog_limit;
	if (d->kind != SRC_UNICAST || d->status.backlog_limit >= MIN_BACKLOG_LIMIT ||
	    d->status.enabled == AUDIT_LOCKED)
		return;
	r = ctl_set_backlog_limit(d->ctl_fd, MIN_BACKLOG_LIMIT);
	if (r < 0) {
		log_warn("cannot raise the audit backlog limit from %u to %u: %s, ignoring",
		         d->status.backlog_limit, MIN_BACKLOG_LIMIT, strerror(-r));
	} else {
		d->restore.backlog = true;
		d->restore.old_backlog = d->status.backlog_limit;
		d->run.backlog_limit = MIN_BACKLOG_LIMIT;
	}
}

/* List what this run must undo (rules added, status changed) where a
 * successor finds it if this process dies without its clean stop; with
 * nothing to undo, a gone collector's record is done with. */
void save_owned_state(struct daemon *d)
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

/* auditd's rule files usually start with -D, so an `augenrules --load` or an
 * auditd restart deletes sigtrail's rules under a running sigtraild. Put
 * them back, and say so: signals sent in between were not recorded. */
void check_rules(struct daemon *d)
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

/* Records waiting in the kernel's audit queue (0 when unknown). */
unsigned kernel_backlog(struct daemon *d)
{
	struct audit_status st;

	return d->ctl_fd >= 0 && ctl_status(d->ctl_fd, &st) == 0 ? st.backlog : 0;
}

/* At stop, first: without the rules the drain ends. Returns 0, or the
 * -errno of a removal that failed (a successor must then undo it). */
int audit_remove_rules(struct daemon *d)
{
	int r;

	if (d->ctl_fd < 0 || arg_keep_rules)
		return 0;
	r = ctl_rules_remove(d->ctl_fd, &d->rules);
	if (r < 0)
		log_error("removing audit rules failed: %s; remove them with "
		          "`auditctl -D -k %s`",
		          strerror(-r), SIGTRAIL_RULE_KEY);
	return r < 0 ? r : 0;
}

/* At stop, after the source is closed: the backlog limit and the enabled
 * flag as they were. Returns 0 or the -errno of what stayed changed. */
int audit_restore_status(struct daemon *d)
{
	int r, undone = 0;

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
	return undone;
}

/* Who sent the stop signal. The audit daemon asks the kernel (which keeps
 * the sender of its SIGTERM) and records the kill as a row when no rule
 * did; every other mode has the handler's siginfo, named in the log and
 * the coverage row only: beside auditd or under it, the kill reaches the
 * trail through the audit stream like any other. */
void who_stopped(struct daemon *d)
{
	uint32_t pid = 0, uid = 0;
	int sig = (int)stop_signal;

	if (d->kind == SRC_UNICAST && sig == SIGTERM &&
	    ctl_signal_info(d->ctl_fd, &pid, &uid) == 0 && pid != 0) {
		d->stop_ev = stopper_event(pid, uid, SIGTERM, now_wall_ms());
		if (d->stop_ev) {
			stopper_describe(d->stop_ev, d->stopped_by, sizeof(d->stopped_by));
			d->run.stopped_by = d->stopped_by;
		}
		return;
	}
	pid = (uint32_t)stop_sender_pid;
	if (pid == 0)
		return;
	struct st_event *ev = stopper_event(pid, (uint32_t)stop_sender_uid, sig, now_wall_ms());
	if (!ev)
		return;
	stopper_describe(ev, d->stopped_by, sizeof(d->stopped_by));
	d->run.stopped_by = d->stopped_by;
	st_event_free(ev);
}

/* After the drain: if the kill that stopped us was not recorded through the
 * rules (no syscall: a signal from the kernel on someone's behalf, or rules
 * already gone), record the kernel's answer as the row. */
void record_stopper(struct daemon *d)
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
