/* redactbench.c: what redaction costs per command line, on a realistic mix
 * (the command lines of a busy server's signal senders and targets: shells,
 * supervisors, interpreters, a database client with a password now and
 * then), against a plain copy of the same bytes (what storing the line costs
 * before SQLite). Not a timed test: a measurement to read, by hand:
 *   build/tests/bench/redactbench [ROUNDS]
 * Prints CPU ns per line for the copy, for redact_cmdline() on the whole mix
 * and on its lines without a secret (the fast path), and the ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigtrail/redact.h"

static const char *const mix[] = {
    "/usr/sbin/nginx -g daemon on; master_process on;",
    "nginx: worker process",
    "/usr/bin/python3 /opt/app/worker.py --queue default --concurrency 8",
    "bash -c kill -TERM $(cat /run/app.pid)",
    "/lib/systemd/systemd --user",
    "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
    "java -Xmx2g -Dspring.profiles.active=prod -jar /srv/app/app.jar --server.port=8080",
    "sleep 1000",
    "/usr/bin/containerd-shim-runc-v2 -namespace moby -id 4f2a9c1e -address "
    "/run/containerd/containerd.sock",
    "node /srv/web/server.js",
    "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c "
    "config_file=/etc/postgresql/15/main/postgresql.conf",
    "sh -c /usr/local/bin/cleanup.sh --older-than 7d",
    "timeout 30 curl -fsS http://localhost:8080/healthz",
    "/usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf",
    "kill -9 4242",
    "pkill -f gunicorn",
    "/usr/sbin/sshd -D",
    "runc init",
    "mysql -u root -pS3cr3t shop", /* one secret in twenty */
    "/usr/bin/perl -w /usr/share/munin/munin-update",
};
enum { N = sizeof(mix) / sizeof(mix[0]) };

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200000;
	struct redact_rules r;
	static char buf[4096];
	size_t len[N], sink = 0;
	bool secret[N];
	long plain = 0;

	redact_rules_default(&r);
	for (int i = 0; i < N; i++) {
		char *out = NULL;
		len[i] = strlen(mix[i]);
		secret[i] = redact_cmdline(&r, mix[i], &out) > 0;
		plain += !secret[i];
		free(out);
	}
	double t0 = now_ns();
	for (long k = 0; k < rounds; k++)
		for (int i = 0; i < N; i++) {
			memcpy(buf, mix[i], len[i] + 1);
			__asm__ volatile("" : : "r"(buf) : "memory");
			sink += (unsigned char)buf[len[i] / 2];
		}
	double t1 = now_ns();
	for (long k = 0; k < rounds; k++)
		for (int i = 0; i < N; i++) {
			char *out = NULL;
			int n = redact_cmdline(&r, mix[i], &out);
			sink += (size_t)n;
			free(out);
		}
	double t2 = now_ns();
	for (long k = 0; k < rounds; k++)
		for (int i = 0; i < N; i++) {
			if (secret[i])
				continue;
			char *out = NULL;
			sink += (size_t)redact_cmdline(&r, mix[i], &out);
			free(out);
		}
	double t3 = now_ns();
	double lines = (double)rounds * N, copy = (t1 - t0) / lines, all = (t2 - t1) / lines,
	       fast = (t3 - t2) / ((double)rounds * plain);
	printf("lines: %d (%ld without a secret), %ld rounds\n", N, plain, rounds);
	printf("plain copy:           %7.1f ns/line\n", copy);
	printf("redact, whole mix:    %7.1f ns/line (%.1fx the copy)\n", all, all / copy);
	printf("redact, no secret:    %7.1f ns/line (%.1fx the copy)\n", fast, fast / copy);
	return sink == 42 ? 1 : 0; /* keeps the work */
}
