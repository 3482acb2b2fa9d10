/* deathhelp.c: ways to die for the proc kernel tests.
 *   deathhelp segv        dereference NULL (SIGSEGV, a core if the limit allows)
 *   deathhelp abort       abort() (SIGABRT sent to itself through tgkill)
 *   deathhelp hog MB      allocate and touch MB mebibytes, 1 MiB at a time, then sleep
 *   deathhelp sleep ARG   sleep forever; ARG only marks the command line
 *   deathhelp zombies     fork three children that end at once (exit 0, exit 3,
 *                         SIGTERM), leave them unreaped until a line arrives on
 *                         stdin, then reap them and sleep forever
 * Prints "ready PID" on stdout before it starts (zombies: once its children
 * have ended). */
#include <signal.h>
#include <sys/wait.h>
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
	if (strcmp(argv[1], "zombies") == 0) {
		static const int codes[] = {0, 3, -SIGTERM};
		char line[64];
		for (int i = 0; i < 3; i++) {
			pid_t c = fork();
			if (c < 0)
				return 1;
			if (c == 0) {
				if (codes[i] < 0)
					raise(-codes[i]);
				_exit(codes[i]);
			}
			siginfo_t si;
			if (waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT) <
			    0) /* ended, not reaped */
				return 1;
		}
		printf("ended\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		while (wait(NULL) > 0)
			;
		printf("reaped\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (strcmp(argv[1], "sleep") == 0) {
		for (;;)
			pause();
	}
	return 64;
}
