/* main.c: the `sigtrail` CLI, reading what sigtraild recorded. It finds the
 * command and hands it the rest of the command line; options given before
 * the command (`sigtrail --db X who 4242`) are passed on to it, so every
 * option works in either place. Each command lives in its own file and
 * prints its own --help with examples. Try `sigtrail --help`, then
 * `sigtrail who --help`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "sigtrail/log.h"

enum { MAX_ARGS = 4096 };

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
    {"who", cli_who, "how a process died and who sent it signals (by pid or name)"},
    {"list", cli_list, "signals (or --deaths) in a time window, as a table or JSON"},
    {"watch", cli_watch, "signals and deaths as they are stored, one line each"},
    {"export", cli_export, "compliance export of signals or --deaths: CSV, JSON Lines, JSON"},
    {"report", cli_report, "summary of a period: HTML (with charts) or Markdown"},
    {"import", cli_import, "add existing auditd logs to the database"},
    {"status", cli_status, "is the collector running, its rules, the database, deaths per cause"},
    {"verify", cli_verify, "check the signal rows' hash chain (edits, deletions)"},
    {"forward", cli_forward, "send the rows to the fleet's central PostgreSQL (--to CONNINFO)"},
    {"central", cli_central, "set up the central PostgreSQL: init, add-host NAME"},
    {"fleet", cli_fleet, "every host at the centre: newest row, lag, gaps, losses, chain"},
    {"metrics", cli_metrics, "Prometheus metrics: signals, deaths, losses, collector up, size"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: sigtrail [--db PATH] COMMAND [OPTIONS] [ARGS]\n"
	             "Answer who sent which signal to which process, from what sigtraild "
	             "recorded.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	        "\nOptions for every command:\n"
	        "  -d, --db PATH   database (default %s)\n"
	        "      --utc       print times in UTC (default on a terminal: local time)\n"
	        "      --local     print times in local time (default when piped: UTC)\n"
	        "  -h, --help      help (sigtrail COMMAND --help for a command)\n"
	        "  -V, --version   print the version\n"
	        "\n"
	        "Exit status: 0 success (watch, list --follow: also Ctrl-C, SIGTERM or a closed\n"
	        "pipe); 1 `who` found nothing; 3 `status`: sigtraild is not\n"
	        "running; 64 bad usage; 65 not a sigtrail database or a newer schema; 66\n"
	        "database or input missing; 73 output not writable; 74 I/O error; 75 busy,\n"
	        "try again; 77 permission denied.\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail who 4242\n"
	        "  sigtrail who nginx --since 2h\n"
	        "  sigtrail list --signal KILL --since 1d\n"
	        "  sigtrail list --deaths --cause oom --since 7d\n"
	        "  sigtrail watch --signal KILL\n"
	        "  sigtrail export --since 2026-11-01 --until 2026-12-01 --format csv -o nov.csv\n"
	        "  sigtrail report --since 7d -o week.html\n"
	        "  sudo sigtrail import /var/log/audit/audit.log*\n"
	        "  sigtrail status\n"
	        "  sigtrail central init --to 'host=central.example dbname=sigtrail'\n"
	        "  sigtrail forward --once --to 'host=central.example dbname=sigtrail'\n"
	        "  sigtrail metrics -o /var/lib/prometheus/node-exporter/sigtrail.prom\n",
	        SIGTRAIL_DEFAULT_DB);
}

/* The database must never get fd 0-2 (a stray write to stderr would land
 * in it), and output must have somewhere to go. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			exit(EX_OSERR);
	}
}

static bool takes_value(const char *opt)
{
	return strcmp(opt, "--db") == 0 || strcmp(opt, "-d") == 0;
}

int main(int argc, char **argv)
{
	static char *args[MAX_ARGS];
	int first = 1, nargs = 0;

	ensure_std_fds();
	log_init("sigtrail", LOG_LVL_INFO, false);
	if (argc >= MAX_ARGS) {
		log_error("too many arguments (%d, at most %d)", argc, MAX_ARGS - 1);
		return EX_USAGE;
	}
	/* Options before the command: the command parses them. */
	while (first < argc && argv[first][0] == '-') {
		const char *a = argv[first];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EX_OK;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("sigtrail %s\n", SIGTRAIL_VERSION);
			return EX_OK;
		}
		if (strcmp(a, "--") == 0)
			break;
		first += takes_value(a) && first + 1 < argc ? 2 : 1;
	}
	if (first >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *name = argv[first];
	if (strcmp(name, "help") == 0) {
		if (first + 1 >= argc) {
			usage(stdout);
			return EX_OK;
		}
		name = argv[first + 1];
		args[nargs++] = (char *)name;
		args[nargs++] = (char *)"--help";
	} else {
		args[nargs++] = (char *)name;
		for (int i = 1; i < first; i++)
			args[nargs++] = argv[i];
		for (int i = first + 1; i < argc; i++)
			args[nargs++] = argv[i];
	}
	args[nargs] = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			int code = commands[i].run(nargs, args);
			/* Output to a closed pipe or a full disk is a failure too. */
			if (fflush(stdout) != 0 && code == EX_OK) {
				log_error("writing the output failed: %m");
				code = EX_IOERR;
			}
			return code;
		}
	}
	log_error("unknown command '%s' (see sigtrail --help)", name);
	return EX_USAGE;
}
