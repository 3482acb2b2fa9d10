/* deathhelp.c: ways to die for the proc kernel tests.
 *   deathhelp segv        dereference NULL (SIGSEGV, a core if the limit allows)
 *   deathhelp abort       abort() (SIGABRT sent to itself through tgkill)
 *   deathhelp hog MB      allocate and touch MB mebibytes, 1 MiB at a time, then sleep
 *   deathhelp sleep ARG   sleep forever; ARG only marks the command line
 * Prints "ready PID" on stdout before it starts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: deathhelp segv|abort|hog MB|sleep ARG\n");
		return 64;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (strcmp(argv[1], "segv") == 0) {
		volatile int *volatile p = NULL;
		return *p;
	}
	if (strcmp(argv[1], "abort") == 0)
		abort();
	if (strcmp(argv[1], "hog") == 0 && argc > 2) {
		long mb = strtol(argv[2], NULL, 10);
		for (long i = 0; i < mb; i++) {
			char *c = malloc(1 << 20);
			if (!c)
				return 1;
			memset(c, (int)i | 1, 1 << 20);
		}
		pause();
		return 0;
	}
	if (strcmp(argv[1], "sleep") == 0) {
		for (;;)
			pause();
	}
	return 64;
}
