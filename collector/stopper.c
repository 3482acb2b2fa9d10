/* stopper.c: when someone stops the collector, the trail says who. In
 * unicast mode the kernel remembers the sender of the last SIGTERM/SIGHUP/
 * SIGUSR1/SIGUSR2 to the audit daemon; this module turns that pid and uid,
 * and whatever /proc still shows of the sender, into a signal event aimed at
 * sigtraild itself and a one-line description for the coverage row.
 * Try it: sigtraild --foreground --db /tmp/t.db & sleep 1; kill %1;
 * sqlite3 /tmp/t.db 'select stopped_by from coverage'. */
#include "sigtrail/stopper.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigtrail/decode.h"
#include "sigtrail/names.h"

/* The contents of /proc/PID/NAME, escaped as audit strings are; "" if gone. */
static size_t proc_read(uint32_t pid, const char *name, char *out, size_t len)
{
	char path[64];
	unsigned char raw[4096];
	FILE *f;
	size_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\0'))
		n--;
	return decode_escape_bytes(raw, n, out, len);
}

static int64_t proc_num(uint32_t pid, const char *name)
{
	char buf[32];
	int64_t v;

	proc_read(pid, name, buf, sizeof(buf));
	return parse_i64(buf, 10, &v) == 0 && v >= 0 && v != 4294967295 ? v : ST_ID_UNSET;
}

struct st_event *stopper_event(uint32_t pid, uint32_t uid, int sig, int64_t epoch_ms)
{
	char comm[64], exe[4096], cmdline[4096], self[64], stat[512], path[64];
	struct st_event *ev;
	size_t lc, le = 0, lm, ls;
	ssize_t n;

	lc = proc_read(pid, "comm", comm, sizeof(comm));
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	char link[4096];
	n = readlink(path, link, sizeof(link));
	exe[0] = '\0';
	if (n > 0)
		le = decode_escape_bytes((const unsigned char *)link, (size_t)n, exe, sizeof(exe));
	lm = proc_read(pid, "cmdline", cmdline, sizeof(cmdline));
	ls = proc_read((uint32_t)getpid(), "comm", self, sizeof(self));

	ev = calloc(1, sizeof(*ev) + sizeof(struct st_target) + lc + le + lm + ls + 4);
	if (!ev)
		return NULL;
	char *p = (char *)ev + sizeof(*ev) + sizeof(struct st_target);
	ev->comm = lc ? memcpy(p, comm, lc + 1) : NULL;
	p += lc + 1;
	ev->exe = le ? memcpy(p, exe, le + 1) : NULL;
	p += le + 1;
	ev->cmdline = lm ? memcpy(p, cmdline, lm + 1) : NULL;
	p += lm + 1;
	ev->targets[0].comm = ls ? memcpy(p, self, ls + 1) : NULL;

	ev->epoch_ms = epoch_ms;
	ev->signal = sig;
	ev->success = true;
	ev->target_arg = (int32_t)getpid();
	ev->pid = (int32_t)pid;
	ev->uid = uid;
	ev->euid = ST_ID_UNSET; /* the kernel reports only the real uid */
	ev->auid = proc_num(pid, "loginuid");
	ev->ses = proc_num(pid, "sessionid");
	/* /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces. */
	proc_read(pid, "stat", stat, sizeof(stat));
	const char *close = strrchr(stat, ')');
	int ppid = 0;
	if (close && sscanf(close + 1, " %*c %d", &ppid) == 1)
		ev->ppid = ppid;
	ev->n_targets = 1;
	ev->targets[0].pid = (int32_t)getpid();
	ev->targets[0].uid = (int64_t)getuid();
	ev->targets[0].auid = proc_num((uint32_t)getpid(), "loginuid");
	ev->targets[0].ses = proc_num((uint32_t)getpid(), "sessionid");
	return ev;
}

void stopper_describe(const struct st_event *ev, char *buf, size_t len)
{
	const char *name = names_signal(ev->signal), *user = NULL;
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (getpwuid_r((uid_t)ev->uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		user = res->pw_name;
	snprintf(buf, len, "%s from pid %d (uid %lld%s%s%s%s%s%s)", name ? name : "signal", ev->pid,
	         (long long)ev->uid, user ? " " : "", user ? user : "", ev->comm ? ", " : "",
	         ev->comm ? ev->comm : "", ev->cmdline ? ": " : "", ev->cmdline ? ev->cmdline : "");
}
