/* storm.c: the benchmark's signal-storm generator. N sender processes each
 * fork a child that ignores SIGUSR1, send it M SIGUSR1 with kill(2) (never
 * signal 0, so the default rules record every call), then reap it. Prints
 * one line: "sent TOTAL seconds S rate R/s". Usage: storm N M. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long parse(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 100000000) {
		fprintf(stderr, "storm: invalid %s '%s'\n", what, s);
		exit(64);
	}
	return v;
}

static int sender(long m)
{
	pid_t child = fork();

	if (child < 0)
		return 71;
	if (child == 0) {
		signal(SIGUSR1, SIG_IGN);
		for (;;)
			pause();
	}
	usleep(20000); /* let the child ignore SIGUSR1 before the first one */
	for (long i = 0; i < m; i++)
		if (syscall(SYS_kill, child, SIGUSR1) < 0)
			return 1;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n, m;
	int failed = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: storm SENDERS SIGNALS_EACH\n");
		return 64;
	}
	n = parse(argv[1], "SENDERS");
	m = parse(argv[2], "SIGNALS_EACH");
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return 71;
		if (p == 0)
			_exit(sender(m));
	}
	for (long i = 0; i < n; i++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("sent %ld seconds %.3f rate %.0f\n", n * m, s, (double)(n * m) / s);
	return failed;
}
