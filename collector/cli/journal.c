/* journal.c: what systemd's journal says of a unit around a stop nobody
 * asked for. When systemd signals a unit's process with no request seen
 * (RuntimeMaxSec=, a watchdog, a failed dependency, the OOM policy), its own
 * log lines name the cause; `who` shows the unit's last few lines of the
 * 30 s before the signal, read with journalctl (no library: the host's own
 * journalctl, when it is there and the journal is readable to the caller).
 * Nothing is printed when it is not. Exercise it with tests/cli/who.sh (a
 * journalctl on PATH) or, on a systemd host, `sigtrail who PID` for a
 * process of a unit with RuntimeMaxSec=1. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fmt.h"

enum { JOURNAL_LINES = 5, JOURNAL_BEFORE_S = 30 };

extern char **environ;

void cli_journal_lines(FILE *out, const char *unit, int64_t epoch_ms, size_t width)
{
	char since[32], until[32], lines[8], unit_arg[300], line[1024], buf[4 * 1024 + 16];
	/* posix_spawnp() takes char *const argv[]: the words live in arrays */
	char w0[] = "journalctl", w1[] = "--no-pager", w2[] = "-q", w3[] = "-o", w4[] = "short-iso";
	char w5[] = "-n", w6[] = "-u", w7[] = "-S", w8[] = "-U";
	char *argv[] = {w0, w1, w2, w3, w4, w5, lines, w6, unit_arg, w7, since, w8, until, NULL};
	posix_spawn_file_actions_t fa;
	int pipefd[2];
	pid_t pid;
	bool first = true;

	if (!unit || !unit[0] || strlen(unit) >= sizeof(unit_arg) || unit[0] == '-')
		return;
	snprintf(unit_arg, sizeof(unit_arg), "%s", unit);
	snprintf(lines, sizeof(lines), "%d", JOURNAL_LINES);
	snprintf(since, sizeof(since), "@%lld", (long long)(epoch_ms / 1000 - JOURNAL_BEFORE_S));
	snprintf(until, sizeof(until), "@%lld", (long long)(epoch_ms / 1000 + 1));
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	int r = posix_spawnp(&pid, "journalctl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return;
	}
	FILE *f = fdopen(pipefd[0], "r");
	if (!f) {
		close(pipefd[0]);
	} else {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (!line[0])
				continue;
			cli_term_text(buf, sizeof(buf), line, width > 20 ? width - 16 : 0);
			fprintf(out, "%s%s", first ? "\n  journal " : "\n          ", buf);
			first = false;
		}
		fclose(f);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
