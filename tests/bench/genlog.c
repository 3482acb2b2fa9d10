/* genlog.c: writes a synthetic auditd log (RAW format, the lines auditd and
 * `sigtraild --tee` write) of signal events, for the benchmark's profiling
 * and query runs. Two shapes:
 *   genlog storm N   the storm generator's events: one sender kill()s one
 *                    child with SIGUSR1, N times (what tests/bench/storm sends);
 *   genlog mix N     realistic variety: thousands of senders, targets and
 *                    command lines, both ABIs, every signal syscall, refused
 *                    and failed calls, group kills with several targets.
 * Events are spread evenly over the SPAN seconds (default 7 days) that end at
 * END (default now), serials counting up from 1000. The mix also holds a probe
 * target, pid PROBE_PID (4194000), signalled by PROBE_EVENTS events spread
 * over the span, so that a query for it has a known answer.
 * Deterministic for given arguments and END. Try:
 *   genlog mix 100000 | sigtraild --foreground --source stdin --coalesce 0 --db /tmp/m.db
 * Usage: genlog storm|mix EVENTS [END_EPOCH [SPAN_S]] */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	PROBE_PID = 4194000,
	PROBE_EVENTS = 5,
	N_PROGRAMS = 24,
};

/* xorshift64*: reproducible and fast, no libc state. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717u;
}
static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static long parse(const char *s, const char *what, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "genlog: invalid %s '%s'\n", what, s);
		exit(64);
	}
	return v;
}

/* A sender program: comm, exe and a command line template where %u is
 * replaced by a number (a pid, a port, a job id) that varies per event. */
static const struct program {
	const char *comm, *exe, *argv; /* argv: arguments separated by '|' */
} programs[N_PROGRAMS] = {
    {"systemctl", "/usr/bin/systemctl", "systemctl|stop|nginx"},
    {"systemctl", "/usr/bin/systemctl", "systemctl|restart|app@%u.service"},
    {"systemd", "/usr/lib/systemd/systemd", "/sbin/init"},
    {"kill", "/usr/bin/kill", "/bin/kill|-TERM|%u"},
    {"kill", "/usr/bin/kill", "/bin/kill|-9|%u"},
    {"bash", "/usr/bin/bash", "-bash"},
    {"sh", "/usr/bin/dash", "sh|-c|kill -9 $(pgrep -f worker-%u)"},
    {"python3", "/usr/bin/python3.11", "python3|/opt/cleanup.py|--force|--older-than|%u"},
    {"python3", "/usr/bin/python3.11",
     "/usr/bin/python3|/usr/bin/supervisord|-c|/etc/supervisor/supervisord.conf"},
    {"containerd-shim", "/usr/bin/containerd-shim-runc-v2",
     "/usr/bin/containerd-shim-runc-v2|-namespace|moby|-id|%u|-address|/run/containerd/"
     "containerd.sock"},
    {"runc", "/usr/bin/runc", "runc|--root|/var/run/docker/runtime-runc/moby|kill|%u|9"},
    {"dockerd", "/usr/sbin/dockerd",
     "/usr/bin/dockerd|-H|fd://|--containerd=/run/containerd/containerd.sock"},
    {"java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
     "java|-Xmx2g|-jar|/srv/batch/batch-%u.jar"},
    {"node", "/usr/bin/node", "node|/srv/app/server.js|--port|%u"},
    {"top", "/usr/bin/top", "top"},
    {"htop", "/usr/bin/htop", "htop"},
    {"pkill", "/usr/bin/pkill", "pkill|-HUP|-f|gunicorn: master"},
    {"logrotate", "/usr/sbin/logrotate", "/usr/sbin/logrotate|/etc/logrotate.conf"},
    {"nginx", "/usr/sbin/nginx",
     "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"},
    {"sshd", "/usr/sbin/sshd", "sshd: deploy@pts/%u"},
    {"timeout", "/usr/bin/timeout", "timeout|30|/usr/local/bin/healthcheck|--id|%u"},
    {"cron", "/usr/sbin/cron", "/usr/sbin/cron|-f"},
    {"watchdog.sh", "/usr/bin/bash", "/bin/bash|/usr/local/bin/watchdog.sh|%u"},
    {"monit", "/usr/bin/monit", "/usr/bin/monit|-I|-c|/etc/monit/monitrc"},
};

static const char *const target_comms[] = {
    "nginx",        "gunicorn", "python3", "java",   "node",       "postgres",
    "redis-server", "sleep",    "bash",    "worker", "php-fpm8.2", "containerd-shim",
    "sidekiq",      "celery",   "ruby",    "mysqld",
};

/* Hex form of a string, as the kernel writes a PROCTITLE or an untrusted
 * comm: every byte as two upper-case digits, '|' becoming the NUL between
 * arguments. */
static void hex(FILE *out, const char *s)
{
	static const char digits[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = *s == '|' ? 0 : (unsigned char)*s;
		putc(digits[c >> 4], out);
		putc(digits[c & 15], out);
	}
}

/* The expanded argv of a program for number n. */
static void argv_of(const struct program *p, unsigned n, char *buf, size_t size)
{
	const char *pc = strstr(p->argv, "%u");

	if (!pc)
		snprintf(buf, size, "%s", p->argv);
	else
		snprintf(buf, size, "%.*s%u%s", (int)(pc - p->argv), p->argv, n, pc + 2);
}

struct ev {
	int64_t ms;
	uint64_t serial;
	int b32;             /* i386 ABI */
	const char *syscall; /* name */
	int sig;
	int err; /* 0, 1 (EPERM) or 3 (ESRCH) */
	long a0; /* as passed: pid, -pgid, or a pidfd */
	unsigned pid, ppid, uid, auid, ses;
	const char *tty;
	const struct program *prog;
	unsigned argn; /* the number in the command line */
	unsigned n_targets;
	unsigned tpid[5], tuid[5];
	const char *tcomm[5];
};

static int syscall_nr(const char *name, int b32)
{
	static const struct {
		const char *name;
		int b64, b32;
	} nrs[] = {{"kill", 62, 37},
	           {"tkill", 200, 238},
	           {"tgkill", 234, 270},
	           {"rt_sigqueueinfo", 129, 178},
	           {"rt_tgsigqueueinfo", 297, 335},
	           {"pidfd_send_signal", 424, 424}};
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		if (strcmp(nrs[i].name, name) == 0)
			return b32 ? nrs[i].b32 : nrs[i].b64;
	return -1;
}

static void emit(FILE *out, const struct ev *e)
{
	char hdr[64], argv[512];
	int sig_in_a2 = strncmp(e->syscall, "tg", 2) == 0 || strncmp(e->syscall, "rt_tg", 5) == 0;
	/* pid_t is an int: the kernel prints the register's low 32 bits */
	unsigned long long a0 = (unsigned long long)e->a0 & 0xffffffffu;
	snprintf(hdr, sizeof(hdr), "msg=audit(%lld.%03lld:%llu):", (long long)(e->ms / 1000),
	         (long long)(e->ms % 1000), (unsigned long long)e->serial);
	fprintf(out, "type=SYSCALL %s arch=%s syscall=%d success=%s exit=%d a0=%llx ", hdr,
	        e->b32 ? "40000003" : "c000003e", syscall_nr(e->syscall, e->b32),
	        e->err ? "no" : "yes", -e->err, a0);
	if (sig_in_a2)
		fprintf(out, "a1=%llx a2=%x a3=0", a0, e->sig);
	else
		fprintf(out, "a1=%x a2=%s a3=0", e->sig, e->b32 ? "0" : "7ffd2c1e8a40");
	fprintf(out,
	        " items=0 ppid=%u pid=%u auid=%u uid=%u gid=%u euid=%u suid=%u fsuid=%u egid=%u "
	        "sgid=%u fsgid=%u tty=%s ses=%u comm=\"%s\" exe=\"%s\" subj=unconfined "
	        "key=\"sigtrail\"\n",
	        e->ppid, e->pid, e->auid, e->uid, e->uid, e->uid, e->uid, e->uid, e->uid, e->uid,
	        e->uid, e->tty, e->ses, e->prog->comm, e->prog->exe);
	for (unsigned i = 0; i < e->n_targets; i++)
		fprintf(out,
		        "type=OBJ_PID %s opid=%u oauid=%d ouid=%u oses=%d obj=unconfined "
		        "ocomm=\"%s\"\n",
		        hdr, e->tpid[i], -1, e->tuid[i], -1, e->tcomm[i]);
	argv_of(e->prog, e->argn, argv, sizeof(argv));
	fprintf(out, "type=PROCTITLE %s proctitle=", hdr);
	if (strchr(argv, '|') || strchr(argv, ' '))
		hex(out, argv);
	else
		fprintf(out, "\"%s\"", argv);
	putc('\n', out);
	fprintf(out, "type=EOE %s \n", hdr);
}

static unsigned pick_pid(void)
{
	return 300 + below(4190000 - 300); /* below PROBE_PID, group members too */
}

static void mix_event(struct ev *e, int probe)
{
	static const int sigs[] = {15, 15, 15, 15, 15, 15, 9,  9,  9, 9,
	                           1,  1,  10, 10, 2,  18, 19, 12, 3, 6};
	static const unsigned uids[] = {0, 0, 0, 0, 33, 1000, 1000, 65534, 0, 110};
	unsigned r = below(100);

	e->prog = &programs[below(N_PROGRAMS)];
	e->b32 = below(100) < 4;
	e->syscall = r < 80   ? "kill"
	             : r < 90 ? "tgkill"
	             : r < 94 ? "tkill"
	             : r < 97 ? "pidfd_send_signal"
	             : r < 99 ? "rt_sigqueueinfo"
	                      : "rt_tgsigqueueinfo";
	if (e->b32 && strcmp(e->syscall, "pidfd_send_signal") == 0)
		e->syscall = "kill";
	e->sig = sigs[below(sizeof(sigs) / sizeof(sigs[0]))];
	e->pid = pick_pid();
	e->ppid = below(4) == 0 ? 1 : pick_pid();
	e->uid = uids[below(sizeof(uids) / sizeof(uids[0]))];
	e->auid = below(3) == 0 ? 1000 : 4294967295u;
	e->ses = e->auid == 1000 ? 1 + below(40) : 4294967295u;
	e->tty = e->auid == 1000 && below(2) ? "pts0" : "(none)";
	e->argn = pick_pid();
	r = below(100);
	e->err = probe ? 0 : r < 3 ? 1 : r < 5 ? 3 : 0;
	e->n_targets = e->err == 3 ? 0 : 1;
	e->tpid[0] = probe ? PROBE_PID : pick_pid();
	e->a0 = strcmp(e->syscall, "pidfd_send_signal") == 0 ? 3 + below(20) : (long)e->tpid[0];
	if (!probe && e->err == 0 && strcmp(e->syscall, "kill") == 0 && below(100) == 0) {
		e->n_targets = 2 + below(4); /* a group kill: -PGID, one record per member */
		e->a0 = -(long)e->tpid[0];
	}
	for (unsigned i = 0; i < e->n_targets; i++) {
		if (i > 0)
			e->tpid[i] = e->tpid[0] + i;
		e->tuid[i] = e->err == 1 ? 0 : e->uid;
		e->tcomm[i] = target_comms[below(sizeof(target_comms) / sizeof(target_comms[0]))];
	}
}

static void storm_event(struct ev *e)
{
	static const struct program storm = {"storm", "/work/main/build-bench/tests/bench/storm",
	                                     "/work/main/build-bench/tests/bench/storm|2|20000"};
	e->prog = &storm;
	e->b32 = 0;
	e->syscall = "kill";
	e->sig = 10;
	e->err = 0;
	e->pid = 2301;
	e->ppid = 2300;
	e->uid = 0;
	e->auid = e->ses = 4294967295u;
	e->tty = "pts0";
	e->argn = 0;
	e->n_targets = 1;
	e->tpid[0] = 2302;
	e->tuid[0] = 0;
	e->tcomm[0] = "storm";
	e->a0 = 2302;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct ev e;
	long n, span;
	int64_t end_ms;
	int storm;

	if (argc < 3 || argc > 5 ||
	    (strcmp(argv[1], "storm") != 0 && strcmp(argv[1], "mix") != 0)) {
		fprintf(stderr, "usage: genlog storm|mix EVENTS [END_EPOCH [SPAN_S]]\n");
		return 64;
	}
	storm = strcmp(argv[1], "storm") == 0;
	n = parse(argv[2], "EVENTS", 1000000000L);
	end_ms = (argc > 3 ? parse(argv[3], "END_EPOCH", 1L << 40) : (long)time(NULL)) * 1000LL;
	span = argc > 4 ? parse(argv[4], "SPAN_S", 1L << 32) : 7 * 86400L;
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	for (long i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		e.ms = end_ms - span * 1000LL +
		       (n > 1 ? (int64_t)((double)span * 1000.0 * i / (n - 1)) : 0);
		if (e.ms > end_ms - 1)
			e.ms = end_ms - 1;
		e.serial = 1000 + (uint64_t)i;
		if (storm)
			storm_event(&e);
		else
			mix_event(&e, n >= PROBE_EVENTS &&
			                  i % (n / PROBE_EVENTS) == n / PROBE_EVENTS / 2);
		emit(stdout, &e);
	}
	if (fflush(stdout) != 0) {
		perror("genlog: stdout");
		return 74;
	}
	return 0;
}
