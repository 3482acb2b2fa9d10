/* options.c: sigtraild's command line. Every value lands in an arg_*
 * variable (declared in options.h); numbers are parsed strictly and a bad
 * value is a usage error that names it. Try `sigtraild --help` or
 * `sigtraild --retention 0`. */
#include "sigtrail/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "sigtrail/config.h"
#include "sigtrail/decode.h"
#include "sigtrail/log.h"
#include "sigtrail/writer.h"

const char *arg_db = SIGTRAIL_DEFAULT_DB;
const char *arg_source = "auto";
const char *arg_tee;
const char *arg_inject;
bool arg_foreground;
bool arg_include_sig0;
bool arg_keep_rules;
bool arg_verbose;
int64_t arg_retention_days;
int64_t arg_max_db_mb;
int64_t arg_coalesce_ms = DEFAULT_COALESCE_MS;
int64_t arg_db_buffer_mb = WRITER_HOLD_DEFAULT_MB;
const char *arg_runtime_dir = DEFAULT_RUNTIME_DIR;
const char *arg_user;
bool arg_processes = true;

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtraild [OPTIONS]\n"
	        "Record every signal sent on this machine, with sender and target, in SQLite.\n"
	        "\n"
	        "  -d, --db PATH          database (default %s)\n"
	        "  -f, --foreground       stay in the foreground, log to stderr\n"
	        "  -s, --source MODE      auto (default): become the audit daemon if none runs,\n"
	        "                         else listen beside it; unicast: become the audit\n"
	        "                         daemon; multicast: read-only listener beside auditd;\n"
	        "                         stdin: auditd log lines on stdin (auditd plugin)\n"
	        "      --include-sig0     also record kill(pid, 0) existence probes\n"
	        "      --keep-rules       leave the audit rules loaded at exit\n"
	        "      --retention DAYS   delete rows older than DAYS days (default: keep)\n"
	        "      --max-db-size MB   delete the oldest rows beyond MB megabytes of data\n"
	        "      --db-buffer MB     while the database cannot be written (disk full),\n"
	        "                         hold up to MB MiB of rows in memory and store them\n"
	        "                         when it can again (default %d)\n"
	        "      --coalesce MS      identical signals (same sender, target, signal,\n"
	        "                         syscall, result) within MS ms become one row with a\n"
	        "                         count (default %d; 0 records every one)\n"
	        "  -c, --config PATH      configuration file (default %s; flags override it)\n"
	        "  -u, --user NAME        after setup, run as user NAME keeping only\n"
	        "                         CAP_AUDIT_CONTROL (the database is handed to NAME)\n"
	        "      --no-processes     no process table: no deaths, ancestry, units or\n"
	        "                         containers (keeps only CAP_AUDIT_CONTROL)\n"
	        "      --tee FILE         also append the kept raw records to FILE\n"
	        "      --runtime-dir DIR  where the record of the audit state this collector\n"
	        "                         changed is kept (default %s)\n"
	        "      --inject-status K=V[,K=V]  testing: pretend the kernel reported this\n"
	        "                         audit status (enabled, pid, backlog_limit)\n"
	        "  -v, --verbose          debug logging\n"
	        "  -h, --help             this help\n"
	        "  -V, --version          print the version\n"
	        "\n"
	        "Examples:\n"
	        "  sigtraild --foreground --db ./sigtrail.db\n"
	        "  sigtraild --source multicast             # beside a running auditd\n"
	        "  sigtraild --source stdin --db /tmp/t.db < /var/log/audit/audit.log\n"
	        "  sqlite3 %s \"select time, signame, sender_cmdline, target_comm\n"
	        "     from signals where target_pid = 4242 order by id desc\"\n",
	        SIGTRAIL_DEFAULT_DB, WRITER_HOLD_DEFAULT_MB, DEFAULT_COALESCE_MS,
	        SIGTRAIL_DEFAULT_CONFIG, DEFAULT_RUNTIME_DIR, SIGTRAIL_DEFAULT_DB);
}

/* A whole decimal number within [min, max], or a usage error naming it. */
static int64_t parse_count(const char *opt, const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (parse_i64(s, 10, &v) < 0 || v < min || v > max)
		fatal(EX_USAGE, "%s '%s': expected a whole number from %lld to %lld", opt, s,
		      (long long)min, (long long)max);
	return v;
}

/* The configuration file: --config PATH (it must exist) or the default
 * (which may be absent). It sets the arg_* values first, so that every flag
 * on the command line overrides it. */
static void load_config(int argc, char **argv)
{
	static struct config cfg; /* its strings back the arg_* pointers */
	const char *path = SIGTRAIL_DEFAULT_CONFIG;
	bool explicit = false;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) &&
		    i + 1 < argc) {
			path = argv[++i];
			explicit = true;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			path = argv[i] + 9;
			explicit = true;
		}
	}
	config_init(&cfg);
	int r = config_load(path, &cfg, err, sizeof(err));
	if (r == -ENOENT && !explicit)
		return;
	if (r < 0)
		fatal(EX_CONFIG, "%s", err);
	if (cfg.db)
		arg_db = cfg.db;
	if (cfg.source)
		arg_source = cfg.source;
	if (cfg.include_sig0 >= 0)
		arg_include_sig0 = cfg.include_sig0;
	if (cfg.keep_rules >= 0)
		arg_keep_rules = cfg.keep_rules;
	if (cfg.retention_days >= 0)
		arg_retention_days = cfg.retention_days;
	if (cfg.max_db_size_mb >= 0)
		arg_max_db_mb = cfg.max_db_size_mb;
	if (cfg.coalesce_ms >= 0)
		arg_coalesce_ms = cfg.coalesce_ms;
	if (cfg.db_buffer_mb > 0)
		arg_db_buffer_mb = cfg.db_buffer_mb;
	if (cfg.runtime_dir)
		arg_runtime_dir = cfg.runtime_dir;
	if (cfg.user)
		arg_user = cfg.user;
	if (cfg.processes >= 0)
		arg_processes = cfg.processes;
}

void options_parse(int argc, char **argv)
{
	enum {
		OPT_SIG0 = 256,
		OPT_KEEP,
		OPT_TEE,
		OPT_INJECT,
		OPT_RETENTION,
		OPT_MAXSIZE,
		OPT_COALESCE,
		OPT_NO_PROCESSES,
		OPT_DB_BUFFER,
		OPT_RUNTIME_DIR,
	};
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"source", required_argument, NULL, 's'},
	    {"include-sig0", no_argument, NULL, OPT_SIG0},
	    {"keep-rules", no_argument, NULL, OPT_KEEP},
	    {"tee", required_argument, NULL, OPT_TEE},
	    {"inject-status", required_argument, NULL, OPT_INJECT},
	    {"retention", required_argument, NULL, OPT_RETENTION},
	    {"max-db-size", required_argument, NULL, OPT_MAXSIZE},
	    {"coalesce", required_argument, NULL, OPT_COALESCE},
	    {"no-processes", no_argument, NULL, OPT_NO_PROCESSES},
	    {"db-buffer", required_argument, NULL, OPT_DB_BUFFER},
	    {"runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR},
	    {"user", required_argument, NULL, 'u'},
	    {"config", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	int c;

	load_config(argc, argv);
	while ((c = getopt_long(argc, argv, "c:d:fs:u:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			arg_db = optarg;
			break;
		case 'f':
			arg_foreground = true;
			break;
		case 's':
			arg_source = optarg;
			break;
		case OPT_SIG0:
			arg_include_sig0 = true;
			break;
		case OPT_KEEP:
			arg_keep_rules = true;
			break;
		case OPT_TEE:
			arg_tee = optarg;
			break;
		case 'u':
			arg_user = optarg;
			break;
		case OPT_RETENTION:
			arg_retention_days = parse_count("--retention", optarg, 1, 36500);
			break;
		case OPT_MAXSIZE:
			arg_max_db_mb = parse_count("--max-db-size", optarg, 1, 1024 * 1024);
			break;
		case OPT_NO_PROCESSES:
			arg_processes = false;
			break;
		case OPT_DB_BUFFER:
			arg_db_buffer_mb =
			    parse_count("--db-buffer", optarg, 1, CONFIG_DB_BUFFER_MB_MAX);
			break;
		case OPT_RUNTIME_DIR:
			arg_runtime_dir = optarg;
			break;
		case OPT_COALESCE:
			arg_coalesce_ms = parse_count("--coalesce", optarg, 0, 3600 * 1000);
			break;
		case OPT_INJECT:
			arg_inject = optarg;
			break;
		case 'c':
			break; /* read before the flags, by load_config() */
		case 'v':
			arg_verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(EX_OK);
		case 'V':
			printf("sigtraild %s\n", SIGTRAIL_VERSION);
			exit(EX_OK);
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	if (optind < argc)
		fatal(EX_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
	if (strcmp(arg_source, "auto") != 0 && strcmp(arg_source, "unicast") != 0 &&
	    strcmp(arg_source, "multicast") != 0 && strcmp(arg_source, "stdin") != 0)
		fatal(EX_USAGE, "--source '%s': expected auto, unicast, multicast or stdin",
		      arg_source);
	if (arg_db[0] == '\0')
		fatal(EX_USAGE, "--db: empty path");
	if (arg_runtime_dir[0] != '/' || strlen(arg_runtime_dir) >= CONFIG_RUNTIME_DIR_MAX)
		fatal(EX_USAGE, "--runtime-dir '%s': expected an absolute path of at most %d bytes",
		      arg_runtime_dir, CONFIG_RUNTIME_DIR_MAX - 1);
}

/* --inject-status enabled=2,pid=123,backlog_limit=64 overrides fields of
 * the status the kernel reported, so tests can exercise immutable mode and
 * a foreign audit daemon without putting the machine in those states. */
void options_inject_status(struct audit_status *st)
{
	const char *spec = arg_inject;

	char buf[256];
	char *save = NULL;

	if (strlen(spec) >= sizeof(buf))
		fatal(EX_USAGE, "--inject-status: too long");
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int64_t v;

		if (!eq || parse_i64(eq + 1, 10, &v) < 0 || v < 0 || v > UINT32_MAX)
			fatal(EX_USAGE, "--inject-status: '%s' is not KEY=NUMBER", kv);
		*eq = '\0';
		if (strcmp(kv, "enabled") == 0 && v <= 2)
			st->enabled = (uint32_t)v;
		else if (strcmp(kv, "pid") == 0)
			st->pid = (uint32_t)v;
		else if (strcmp(kv, "backlog_limit") == 0)
			st->backlog_limit = (uint32_t)v;
		else
			fatal(EX_USAGE,
			      "--inject-status: unknown key or bad value '%s=%s' "
			      "(enabled=0..2, pid, backlog_limit)",
			      kv, eq + 1);
	}
}
