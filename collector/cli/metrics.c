/* metrics.c: `sigtrail metrics`, the database as Prometheus text exposition
 * (version 0.0.4), for node_exporter's textfile collector: signals by
 * signal and result, deaths by signal and cause, zombies found and
 * unreaped, every counter of the
 * collector's runs (STORE_RUN_COUNTERS: events, rows and each loss, summed
 * over the runs the database holds), whether a collector is up and its last
 * heartbeat, and the database's size. With -o FILE the file is replaced
 * whole (temporary file and rename), so the textfile collector never reads
 * half of it; packaging/sigtrail-metrics.{service,timer} refresh it.
 * Exercise with
 *   sigtrail metrics --db /tmp/t.db | promtool check metrics */
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "sigtrail/log.h"
#include "sigtrail/schema.h"
#include "sigtrail/store.h"

enum {
	HEARTBEAT_STALE_MS = 30000, /* as coverage.c: an open run older than this has died */
	OUT_MODE = 0644,            /* node_exporter reads it as its own user */
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail metrics [OPTIONS]\n"
	        "The database as Prometheus metrics (text exposition format), for\n"
	        "node_exporter's textfile collector.\n"
	        "\n"
	        "  -d, --db PATH       database (default /var/lib/sigtrail/sigtrail.db)\n"
	        "  -o, --output FILE   write FILE whole (a temporary file renamed over it);\n"
	        "                      default: standard output\n"
	        "  -h, --help          this help\n"
	        "\n"
	        "Metrics: sigtrail_signals_total{signal,result}, sigtrail_deaths_total{signal,\n"
	        "cause} (schema 3), sigtrail_zombies_total, sigtrail_zombies_unreaped and\n"
	        "sigtrail_zombie_parents (schema 18), sigtrail_collector_<counter>_total for\n"
	        "each counter of the\n"
	        "collector's runs (events, rows, lost_kernel, lost_socket, ... summed over the\n"
	        "runs recorded), sigtrail_collector_up, sigtrail_collector_last_heartbeat_\n"
	        "timestamp_seconds, sigtrail_database_size_bytes, sigtrail_info{version,schema}.\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail metrics | promtool check metrics\n"
	        "  sigtrail metrics -o /var/lib/prometheus/node-exporter/sigtrail.prom\n"
	        "  systemctl enable --now sigtrail-metrics.timer\n");
}

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample per row of `sql`: column 0 the signal name (NULL: its number in
 * column 1), column 2 the second label's value, column 3 the count. */
static int by_signal(FILE *out, struct cli_db *d, const char *name, const char *second,
                     const char *sql)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(d->db, sql, -1, &s, NULL);
	char num[16];

	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *sig = (const char *)sqlite3_column_text(s, 0);
		if (!sig) {
			snprintf(num, sizeof(num), "%d", sqlite3_column_int(s, 1));
			sig = num;
		}
		fprintf(out, "%s{signal=", name);
		label(out, sig);
		fprintf(out, ",%s=", second);
		label(out, (const char *)sqlite3_column_text(s, 2));
		fprintf(out, "} %lld\n", (long long)sqlite3_column_int64(s, 3));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static bool run_column(struct cli_db *d, const char *col)
{
	sqlite3_stmt *s = NULL;
	bool has = false;

	if (sqlite3_prepare_v2(d->db,
	                       "SELECT 1 FROM pragma_table_info('collector_runs') WHERE name = ?1",
	                       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, col, -1, SQLITE_STATIC);
		has = sqlite3_step(s) == SQLITE_ROW;
	}
	sqlite3_finalize(s);
	return has;
}

static int run_counter(FILE *out, struct cli_db *d, const char *col)
{
	char sql[160], name[96], help[160];
	sqlite3_stmt *s = NULL;
	int rc;

	if (!run_column(d, col))
		return SQLITE_OK; /* an older schema: not recorded, not invented */
	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(%s), 0) FROM collector_runs", col);
	if ((rc = sqlite3_prepare_v2(d->db, sql, -1, &s, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(name, sizeof(name), "sigtrail_collector_%s_total", col);
		snprintf(help, sizeof(help),
		         "The collector_runs column %s, summed over every recorded run "
		         "(sigtrail-schema(5)).",
		         col);
		family(out, name, "counter", help);
		fprintf(out, "%s %lld\n", name, (long long)sqlite3_column_int64(s, 0));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Up: a run is open and its heartbeat is fresh. Last heartbeat: of any
 * collector run (an import is a run too, but not a collector's). */
static int collector(FILE *out, struct cli_db *d, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    d->db,
	    "SELECT max(CASE WHEN ended IS NULL AND ?1 - heartbeat_ms <= ?2 THEN 1 ELSE 0 END), "
	    "max(heartbeat_ms) FROM collector_runs WHERE source <> 'import'",
	    -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int64(s, 2, HEARTBEAT_STALE_MS);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		family(out, "sigtrail_collector_up", "gauge",
		       "1 while a collector's run is open and its heartbeat is at most 30 s old.");
		fprintf(out, "sigtrail_collector_up %d\n", sqlite3_column_int(s, 0));
		if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
			int64_t hb = sqlite3_column_int64(s, 1);
			family(out, "sigtrail_collector_last_heartbeat_timestamp_seconds", "gauge",
			       "The newest heartbeat of a collector run, in seconds since the "
			       "epoch.");
			fprintf(out,
			        "sigtrail_collector_last_heartbeat_timestamp_seconds %lld.%03lld\n",
			        (long long)(hb / 1000), (long long)(hb % 1000));
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void database_size(FILE *out, const char *path)
{
	char name[PATH_MAX + 8];
	struct stat sb;
	long long total = 0;

	if (stat(path, &sb) == 0)
		total += sb.st_size;
	snprintf(name, sizeof(name), "%s-wal", path);
	if (stat(name, &sb) == 0)
		total += sb.st_size;
	family(out, "sigtrail_database_size_bytes", "gauge",
	       "The size of the database file and its -wal file.");
	fprintf(out, "sigtrail_database_size_bytes %lld\n", total);
}

/* Zombies (schema 18): found in all, and unreaped now (the newest boot's),
 * with the parents they are under: what to alert on before a container's
 * init fills its pid limit. */
static int zombies(FILE *out, struct cli_db *d)
{
	struct cli_zombie_groups g;
	int64_t total = 0;
	int rc = schema_query_int(d->db, "SELECT count(*) FROM zombies", &total);

	if (rc == SQLITE_OK)
		rc = cli_zombie_groups(d, INT64_MIN, INT64_MAX, NULL, true, &g);
	if (rc != SQLITE_OK)
		return rc;
	family(out, "sigtrail_zombies_total", "counter",
	       "Zombies recorded: processes that exited and stayed unreaped past sigtraild's "
	       "--zombie-delay.");
	fprintf(out, "sigtrail_zombies_total %lld\n", (long long)total);
	family(out, "sigtrail_zombies_unreaped", "gauge",
	       "Zombies not reaped yet (this boot's, as the collector last saw them).");
	fprintf(out, "sigtrail_zombies_unreaped %lld\n", (long long)g.unreaped);
	family(out, "sigtrail_zombie_parents", "gauge",
	       "Processes that leave zombies unreaped now.");
	fprintf(out, "sigtrail_zombie_parents %lld\n", (long long)g.parents);
	return SQLITE_OK;
}

/* Every metric, from one read transaction. Returns SQLITE_OK or a code. */
static int write_metrics(FILE *out, struct cli_db *d, int64_t now_ms)
{
	int rc = SQLITE_OK;

	family(out, "sigtrail_info", "gauge",
	       "The sigtrail that wrote this and the schema it read.");
	fprintf(out, "sigtrail_info{version=");
	label(out, SIGTRAIL_VERSION);
	fprintf(out, ",schema=\"%d\"} 1\n", d->version);
	family(out, "sigtrail_signals_total", "counter",
	       "Signals recorded (a coalesced row counts each signal), by signal and result "
	       "(ok, or the error such as EPERM).");
	rc = by_signal(out, d, "sigtrail_signals_total", "result",
	               d->has_count ? "SELECT signame, signal, CASE WHEN success THEN 'ok' ELSE "
	                              "coalesce(errno, 'failed') END AS r, sum(count) FROM signals "
	                              "GROUP BY signal, r ORDER BY signal, r"
	                            : "SELECT signame, signal, CASE WHEN success THEN 'ok' ELSE "
	                              "coalesce(errno, 'failed') END AS r, count(*) FROM signals "
	                              "GROUP BY signal, r ORDER BY signal, r");
	if (rc == SQLITE_OK && d->has_deaths) {
		family(out, "sigtrail_deaths_total", "counter",
		       "Process deaths recorded, by signal and cause (signal, oom, crash, "
		       "pidns-teardown, kernel, exit).");
		rc = by_signal(
		    out, d, "sigtrail_deaths_total", "cause",
		    "SELECT signame, signal, cause, count(*) FROM deaths GROUP BY signal, "
		    "cause ORDER BY signal, cause");
	}
	if (rc == SQLITE_OK && d->has_zombies)
		rc = zombies(out, d);
	if (rc == SQLITE_OK && d->has_coverage) {
#define RUN_COUNTER(name)                                                                          \
	if (rc == SQLITE_OK)                                                                       \
		rc = run_counter(out, d, #name);
		STORE_RUN_COUNTERS(RUN_COUNTER)
#undef RUN_COUNTER
		if (rc == SQLITE_OK)
			rc = collector(out, d, now_ms);
	}
	if (rc == SQLITE_OK)
		database_size(out, d->path);
	return rc;
}

int cli_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, CLI_OPT_DB},
	    {"help", no_argument, NULL, CLI_OPT_HELP},
	    {"output", required_argument, NULL, 'o'},
	    {0},
	};
	struct cli_common c;
	struct cli_db d;
	struct cli_out file = {.f = stdout};
	const char *output = NULL;
	int opt, r, rc;

	cli_common_init(&c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:ho:", opts, NULL)) != -1) {
		switch (opt) {
		case CLI_OPT_DB:
			if (cli_common_option(&c, opt, optarg) < 0)
				return EX_USAGE;
			break;
		case CLI_OPT_HELP:
			usage(stdout);
			return EX_OK;
		case 'o':
			if (!*optarg) {
				log_error("metrics: --output: empty file name");
				return EX_USAGE;
			}
			output = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		default:
			return cli_bad_option("metrics", opt, argv);
		}
	}
	if (optind != argc) {
		log_error("metrics: unexpected argument '%s' (see sigtrail metrics --help)",
		          argv[optind]);
		return EX_USAGE;
	}
	if (output && (r = cli_out_check("metrics", "--output", output, c.db)) != 0)
		return r;
	if ((r = cli_db_open(c.db, &d)) != 0) {
		(void)cli_db_close(&d);
		return r;
	}
	if (output && (rc = cli_out_open(&file, output, OUT_MODE)) < 0) {
		log_error("metrics: cannot create %s: %s", output, strerror(-rc));
		(void)cli_db_close(&d);
		return EX_CANTCREAT;
	}
	rc = sqlite3_exec(d.db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = write_metrics(file.f, &d, c.now_ms);
	if (rc != SQLITE_OK) {
		r = cli_db_fail(&d, rc, "cannot read the metrics");
		if (output)
			cli_out_abort(&file);
	} else if (output && (rc = cli_out_commit(&file)) < 0) {
		log_error("metrics: writing %s failed: %s", output, strerror(-rc));
		r = EX_IOERR;
	}
	int rclose = cli_db_close(&d);
	return r ? r : rclose;
}
