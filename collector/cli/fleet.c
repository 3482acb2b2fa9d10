/* fleet.c: `sigtrail fleet --db postgres://...`, the centre's view of every
 * host, one line each, for the operator of hundreds of them: its newest
 * signal row (when recorded, when received: the lag), its collector's last
 * heartbeat and state, the last day's coverage gaps and losses, the rows its
 * disk cap dropped before forwarding, and with --verify its hash chain
 * (verify_pg.c). A host that needs a look says why, and the exit status is
 * 1 then: a cron job or a monitoring check can run it. Reads the central
 * views (public.coverage, forward_drops) and the newest row of each host's
 * databases through the primary key; never a scan of the signals.
 * Exercise: tests/forward/forward.sh, or by hand:
 *   sigtrail fleet --db postgresql://alice@central/sigtrail */
#include <getopt.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/log.h"

enum {
	DAY_MS = 86400000,
	SILENT_MS = 300000, /* a running collector not heard of for 5 min needs a look */
	MAX_HOSTS = 100000,
};

struct host {
	char name[128];
	int64_t databases;
	int64_t last_ms, last_received_ms; /* the newest signal row; -1 none */
	int64_t heard_ms;                  /* the newest heartbeat or end of a run; -1 none */
	char status[32];                   /* of the newest run */
	int64_t covered_ms, gaps;          /* over the last day */
	int64_t covered_to;                /* the end of what is covered so far */
	int64_t lost;                      /* events lost in runs of the last day */
	int64_t dropped;                   /* rows dropped before forwarding, ever */
	int chain;                         /* -1 not checked, 0 intact, 1 broken, else unreadable */
	char chain_text[512];
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail fleet --db postgres://...|postgresql://... [OPTIONS]\n"
	        "Every host of the fleet's central database, one line each: its newest signal\n"
	        "row (recorded when, received when: the lag), its collector's last heartbeat,\n"
	        "the last day's coverage gaps and lost events, rows its disk cap dropped before\n"
	        "forwarding, and with --verify its hash chain. A host that needs a look (a gap,\n"
	        "a loss, a drop, a silent collector, a broken chain) says why.\n"
	        "\n"
	        "  -d, --db URI      the centre (a libpq URI), as an SRE or auditor role\n"
	        "      --host NAME   only this host\n"
	        "      --verify      check each host's hash chain too (reads all its rows)\n"
	        "      --json        the same as one JSON object\n"
	        "      --utc         times in UTC (default: local time on a terminal)\n"
	        "  -h, --help        this help\n"
	        "\n"
	        "Exit status: 0 every host is well, 1 a host needs a look, 64 bad usage,\n"
	        "69 the centre cannot be read.\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail fleet --db postgresql://alice@central.example/sigtrail\n"
	        "  sigtrail fleet --db postgresql://auditor@central.example/sigtrail --verify "
	        "--json\n");
}

static int64_t int_at(const PGresult *r, int row, int col, int64_t none)
{
	return PQgetisnull(r, row, col) ? none : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static struct host *find(struct host *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(h[i].name, name) == 0)
			return &h[i];
	return NULL;
}

/* The hosts, from their runs (every forwarding host sends its coverage),
 * with the newest run's state, the last heartbeat and the day's coverage. */
static int load_runs(PGconn *pg, const char *only, int64_t now_ms, struct host **ret, size_t *ret_n)
{
	const char *params[2] = {NULL, only};
	char since[32];

	snprintf(since, sizeof(since), "%lld", (long long)(now_ms - DAY_MS));
	params[0] = since;
	PGresult *r = PQexecParams(
	    pg,
	    "SELECT host, instance, started_ms, until_ms, status, coalesce(lost_kernel, 0) + "
	    "coalesce(lost_socket, 0) + coalesce(lost_serial_gaps, 0) + coalesce(lost_unparsable, "
	    "0) "
	    "+ coalesce(lost_queue, 0) + coalesce(lost_db, 0), until_ms >= $1::bigint FROM "
	    "public.coverage WHERE $2::text IS NULL OR host = $2 ORDER BY host, started_ms",
	    2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_error("fleet: reading the centre's coverage: %s", PQresultErrorMessage(r));
		PQclear(r);
		return EX_UNAVAILABLE;
	}
	struct host *h = NULL;
	size_t n = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);
		/* The rows come by host: a new name is a new host. */
		struct host *x = n && strcmp(h[n - 1].name, name) == 0 ? &h[n - 1] : NULL;
		if (!x) {
			if (n == MAX_HOSTS)
				break;
			/* Room for twice as many whenever n reaches a power of two. */
			struct host *v =
			    (n & (n - 1)) ? h : realloc(h, (n ? 2 * n : 1) * sizeof(*h));
			if (!v) {
				free(h);
				PQclear(r);
				return EX_OSERR;
			}
			h = v;
			x = &h[n++];
			*x = (struct host){.last_ms = -1,
			                   .last_received_ms = -1,
			                   .heard_ms = -1,
			                   .chain = -1,
			                   .covered_to = now_ms - DAY_MS};
			snprintf(x->name, sizeof(x->name), "%s", name);
		}
		int64_t start = int_at(r, i, 2, 0), until = int_at(r, i, 3, 0);
		if (until > x->heard_ms) {
			x->heard_ms = until;
			snprintf(x->status, sizeof(x->status), "%s", PQgetvalue(r, i, 4));
		}
		if (strcmp(PQgetvalue(r, i, 4), "running") == 0 && until < now_ms)
			until =
			    now_ms; /* running: covered up to now, whatever its last heartbeat */
		if (strcmp(PQgetvalue(r, i, 6), "t") == 0)
			x->lost += int_at(r, i, 5, 0);
		/* Runs in start order: what starts past the covered end is a gap. */
		if (until > now_ms - DAY_MS) {
			int64_t s = start > x->covered_to ? start : x->covered_to;
			if (s > x->covered_to)
				x->gaps++;
			if (until > s)
				x->covered_ms += until - s;
			if (until > x->covered_to)
				x->covered_to = until;
		}
	}
	PQclear(r);
	for (size_t i = 0; i < n; i++) /* up to now, nothing covered: a gap too */
		if (h[i].covered_to < now_ms - 1000)
			h[i].gaps++;
	*ret = h;
	*ret_n = n;
	return 0;
}

/* The newest signal row of each database of each host (the primary key's
 * last entry), and the rows dropped before forwarding. */
static int load_rows(PGconn *pg, struct host *h, size_t n)
{
	PGresult *r =
	    PQexec(pg, "SELECT c.host, count(*), max(s.epoch_ms), max(floor(extract(epoch "
	               "FROM s.received_at) * 1000)::bigint) FROM (SELECT DISTINCT host, "
	               "instance FROM public.coverage) AS c LEFT JOIN LATERAL (SELECT "
	               "x.epoch_ms, x.received_at FROM sigtrail.signal_rows AS x WHERE "
	               "x.host = c.host AND x.instance = c.instance ORDER BY x.id DESC "
	               "LIMIT 1) AS s ON true GROUP BY c.host");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_error("fleet: reading the centre's newest rows: %s", PQresultErrorMessage(r));
		PQclear(r);
		return EX_UNAVAILABLE;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		struct host *x = find(h, n, PQgetvalue(r, i, 0));
		if (!x)
			continue;
		x->databases = int_at(r, i, 1, 0);
		x->last_ms = int_at(r, i, 2, -1);
		x->last_received_ms = int_at(r, i, 3, -1);
	}
	PQclear(r);
	r = PQexec(pg, "SELECT host, sum(rows) FROM public.forward_drops GROUP BY host");
	if (PQresultStatus(r) == PGRES_TUPLES_OK) /* a centre older than its schema 3: none */
		for (int i = 0; i < PQntuples(r); i++) {
			struct host *x = find(h, n, PQgetvalue(r, i, 0));
			if (x)
				x->dropped = int_at(r, i, 1, 0);
		}
	PQclear(r);
	return 0;
}

/* "2 min" from ms. */
static void span(FILE *out, int64_t ms)
{
	int64_t s = ms / 1000;

	if (ms < 10000)
		fprintf(out, "%lld.%lld s", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	else if (s < 120)
		fprintf(out, "%lld s", (long long)s);
	else if (s < 7200)
		fprintf(out, "%lld min", (long long)(s / 60));
	else if (s < 2 * 86400)
		fprintf(out, "%lld h", (long long)(s / 3600));
	else
		fprintf(out, "%lld days", (long long)(s / 86400));
}

/* Why the host needs a look, into buf ("" when it does not). */
static void needs(const struct host *x, int64_t now_ms, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
#define WHY(...)                                                                                   \
	do {                                                                                       \
		if (n < size)                                                                      \
			n += (size_t)snprintf(buf + n, size - n, "%s", n ? ", " : "");             \
		if (n < size)                                                                      \
			n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__);                     \
	} while (0)
	if (strcmp(x->status, "running") == 0 && now_ms - x->heard_ms > SILENT_MS)
		WHY("its collector is silent");
	else if (strcmp(x->status, "running") != 0)
		WHY("its collector is %s", x->status);
	if (x->gaps || x->covered_ms < DAY_MS - 60000)
		WHY("coverage gaps");
	if (x->lost)
		WHY("lost events");
	if (x->dropped)
		WHY("rows dropped before forwarding");
	if (x->chain > 0)
		WHY("its chain %s", x->chain == 1 ? "is BROKEN" : "could not be checked");
#undef WHY
}

static void print_text(FILE *out, const struct host *h, size_t n, int64_t now_ms, bool utc)
{
	char why[256], name[160];

	for (size_t i = 0; i < n; i++) {
		const struct host *x = &h[i];
		cli_term_text(name, sizeof(name), x->name, 64);
		fprintf(out, "%s: ", name);
		if (x->last_ms >= 0) {
			fputs("newest row recorded ", out);
			cli_time_short(out, x->last_ms, utc);
			fputs(", received ", out);
			span(out, x->last_received_ms > x->last_ms
			              ? x->last_received_ms - x->last_ms
			              : 0);
			fputs(" later", out);
		} else {
			fputs("no signal rows", out);
		}
		fprintf(out, "; collector %s, last heard ", x->status);
		cli_time_short(out, x->heard_ms, utc);
		fputs(" (", out);
		span(out, now_ms > x->heard_ms ? now_ms - x->heard_ms : 0);
		fputs(" ago)", out);
		fprintf(out, "; last 24h: %lld%% covered, %lld gap%s, %lld events lost",
		        (long long)(x->covered_ms * 100 / DAY_MS), (long long)x->gaps,
		        x->gaps == 1 ? "" : "s", (long long)x->lost);
		if (x->dropped)
			fprintf(out, "; %lld rows DROPPED BEFORE FORWARDING",
			        (long long)x->dropped);
		fputs("; chain ", out);
		fputs(x->chain < 0    ? "not checked (--verify)"
		      : x->chain == 0 ? "intact"
		                      : "BROKEN",
		      out);
		needs(x, now_ms, why, sizeof(why));
		if (why[0])
			fprintf(out, "\n  NEEDS A LOOK: %s", why);
		if (x->chain > 0)
			fprintf(out, "\n  %s", x->chain_text);
		fputc('\n', out);
	}
	if (n == 0)
		fputs("no host has forwarded anything yet\n", out);
}

static void print_json(FILE *out, const struct host *h, size_t n, int64_t now_ms)
{
	char why[256], t[40];

	fputs("{\"hosts\":[", out);
	for (size_t i = 0; i < n; i++) {
		const struct host *x = &h[i];
		fputs(i ? ",{\"host\":" : "{\"host\":", out);
		cli_json_string(out, x->name);
		fprintf(out, ",\"databases\":%lld,\"newest_row\":", (long long)x->databases);
		if (x->last_ms >= 0) {
			cli_time_iso(x->last_ms, t, sizeof(t));
			fprintf(out, "\"%s\",\"lag_ms\":%lld", t,
			        (long long)(x->last_received_ms > x->last_ms
			                        ? x->last_received_ms - x->last_ms
			                        : 0));
		} else {
			fputs("null,\"lag_ms\":null", out);
		}
		cli_time_iso(x->heard_ms, t, sizeof(t));
		fputs(",\"collector\":", out);
		cli_json_string(out, x->status);
		fprintf(out,
		        ",\"last_heard\":\"%s\",\"covered_24h_ms\":%lld,\"gaps_24h\":%lld,"
		        "\"lost_24h\":%lld,\"dropped_before_forwarding\":%lld,\"chain\":",
		        t, (long long)x->covered_ms, (long long)x->gaps, (long long)x->lost,
		        (long long)x->dropped);
		fputs(x->chain < 0 ? "null" : x->chain == 0 ? "\"intact\"" : "\"broken\"", out);
		needs(x, now_ms, why, sizeof(why));
		fputs(",\"needs_a_look\":", out);
		if (why[0])
			cli_json_string(out, why);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("]}\n", out);
}

int cli_fleet(int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    {"host", required_argument, NULL, CLI_OPT_HOST},
	    {"verify", no_argument, NULL, 'V'},
	    {"json", no_argument, NULL, 'j'},
	    {0},
	};
	struct cli_common c;
	bool json = false, verify = false;
	int opt, r;

	cli_common_init(&c);
	c.db = NULL;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		r = cli_common_option(&c, opt, optarg);
		if (r < 0)
			return EX_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'V':
			verify = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return cli_bad_option("fleet", opt, argv);
		}
	}
	if (optind < argc) {
		log_error("fleet: unexpected argument '%s'", argv[optind]);
		return EX_USAGE;
	}
	if (!c.db || !cli_is_pg_uri(c.db)) {
		log_error(
		    "fleet: --db must name the fleet's centre, a postgres:// or postgresql:// "
		    "URI%s%s",
		    c.db ? ", not " : "", c.db ? c.db : "");
		return EX_USAGE;
	}
	if (cli_common_finish(&c, isatty(STDOUT_FILENO)) < 0)
		return EX_USAGE;

	PGconn *pg = PQconnectdb(c.db);
	if (PQstatus(pg) != CONNECTION_OK) {
		const char *m = PQerrorMessage(pg);
		log_error("cannot connect to the centre: %.*s", (int)strcspn(m, "\n"), m);
		PQfinish(pg);
		return EX_UNAVAILABLE;
	}
	struct host *h = NULL;
	size_t n = 0;
	r = load_runs(pg, c.filter.host, c.now_ms, &h, &n);
	if (r == 0)
		r = load_rows(pg, h, n);
	PQfinish(pg);
	for (size_t i = 0; r == 0 && verify && i < n; i++)
		h[i].chain = cli_verify_central_text(c.db, h[i].name, h[i].chain_text,
		                                     sizeof(h[i].chain_text));
	bool look = false;
	for (size_t i = 0; r == 0 && i < n; i++) {
		char why[256];
		needs(&h[i], c.now_ms, why, sizeof(why));
		look |= why[0] != '\0';
	}
	if (r == 0) {
		if (json)
			print_json(stdout, h, n, c.now_ms);
		else
			print_text(stdout, h, n, c.now_ms, c.utc);
	}
	free(h);
	return r ? r : look ? 1 : EX_OK;
}
