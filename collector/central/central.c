/* central.c: `sigtrail central init|add-host NAME --to CONNINFO`, the set-up
 * of the fleet's central PostgreSQL. init applies the embedded central
 * schema (schema/central/NNN-*.sql) as an admin role: the versions missing
 * from sigtrail.schema_version, each in the one transaction of the run,
 * under an advisory lock, so it can run again at any time and by two
 * admins at once. add-host makes a host's ingest role: a LOGIN role named
 * as the host (its client certificate's CN), a member of sigtrail_ingest,
 * with the session timeouts that free a killed forwarder's locks. Try:
 *   sigtrail central init --to 'dbname=sigtrail'
 *   sigtrail central add-host web-42 --to 'dbname=sigtrail' */
#include "central.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "sigtrail/log.h"

enum { OPT_TO = 3000, HOST_NAME_MAX_LEN = 63 };

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail central init --to CONNINFO\n"
	        "       sigtrail central add-host NAME --to CONNINFO\n"
	        "Set up the fleet's central PostgreSQL (as a role that may create schemas\n"
	        "and roles: the database's owner with CREATEROLE, or a superuser).\n"
	        "\n"
	        "  init          create or bring up to date the central schema (%u version%s);\n"
	        "                safe to run again\n"
	        "  add-host NAME create the ingest role of host NAME (its client\n"
	        "                certificate's CN): it may only insert rows of its own\n"
	        "      --to CONNINFO   the central database: a libpq connection string or URI\n"
	        "  -h, --help          this help\n"
	        "\n"
	        "Exit status: 0 done; 64 bad usage or host name; 69 the database refused or\n"
	        "is unreachable; 65 the central schema is newer than this sigtrail.\n"
	        "\n"
	        "Examples:\n"
	        "  sudo -u postgres createdb sigtrail\n"
	        "  sudo -u postgres sigtrail central init --to dbname=sigtrail\n"
	        "  sudo -u postgres sigtrail central add-host web-42 --to dbname=sigtrail\n"
	        "  psql -d sigtrail -c 'GRANT sigtrail_sre TO alice'\n",
	        central_migrations_count, central_migrations_count == 1 ? "" : "s");
}

/* The first line of the connection's last error. */
static const char *pg_err(PGconn *c)
{
	static char buf[512];
	const char *m = PQerrorMessage(c);

	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(m, "\n"), m);
	return buf;
}

/* Run sql with text parameters; returns the result if it succeeded, else
 * NULL after logging `what`. */
static PGresult *run(PGconn *c, const char *what, const char *sql, int n, const char *const *p)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);

	if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	log_error("%s: %s", what, pg_err(c));
	PQclear(r);
	return NULL;
}

static bool run_ok(PGconn *c, const char *what, const char *sql)
{
	PGresult *r = run(c, what, sql, 0, NULL);

	PQclear(r);
	return r != NULL;
}

static int init(PGconn *c)
{
	PGresult *r;
	int have;

	if (!run_ok(c, "BEGIN", "BEGIN") ||
	    !run_ok(c, "locking",
	            "SELECT pg_advisory_xact_lock(hashtext('sigtrail central init'))") ||
	    !run_ok(c, "creating the schema sigtrail", "CREATE SCHEMA IF NOT EXISTS sigtrail") ||
	    !run_ok(
	        c, "creating sigtrail.schema_version",
	        "CREATE TABLE IF NOT EXISTS sigtrail.schema_version (version integer PRIMARY "
	        "KEY, applied_at timestamptz NOT NULL DEFAULT now(), sigtrail text NOT NULL)") ||
	    !(r = run(c, "reading the schema version",
	              "SELECT coalesce(max(version), 0) FROM sigtrail.schema_version", 0, NULL)))
		return EX_UNAVAILABLE;
	have = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (have > (int)central_migrations_count) {
		log_error("the central schema is at version %d, newer than this sigtrail's (%u): "
		          "nothing changed",
		          have, central_migrations_count);
		return EX_DATAERR;
	}
	for (unsigned v = (unsigned)have; v < central_migrations_count; v++) {
		char num[16], what[64];
		snprintf(num, sizeof(num), "%u", v + 1);
		snprintf(what, sizeof(what), "central schema version %u", v + 1);
		const char *p[2] = {num, SIGTRAIL_VERSION};
		PGresult *m = PQexec(c, central_migrations[v]); /* many statements */
		bool applied =
		    PQresultStatus(m) == PGRES_COMMAND_OK || PQresultStatus(m) == PGRES_TUPLES_OK;
		PQclear(m);
		if (!applied)
			log_error("%s: %s", what, pg_err(c));
		if (!applied ||
		    !(r = run(
		          c, what,
		          "INSERT INTO sigtrail.schema_version(version, sigtrail) VALUES ($1, $2)",
		          2, p)))
			return EX_UNAVAILABLE;
		PQclear(r);
	}
	if (!run_ok(c, "COMMIT", "COMMIT"))
		return EX_UNAVAILABLE;
	if ((unsigned)have == central_migrations_count)
		printf("the central schema is at version %d already: nothing to do\n", have);
	else
		printf("the central schema is at version %u (applied %u)\n",
		       central_migrations_count, central_migrations_count - (unsigned)have);
	return EX_OK;
}

/* A host name as a role: letters, digits, '.', '-', '_', not a reserved
 * prefix. */
static bool good_host_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > HOST_NAME_MAX_LEN || strncmp(n, "pg_", 3) == 0 ||
	    strncmp(n, "sigtrail_", 9) == 0 || n[0] == '-' || n[0] == '.')
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
			return false;
	return true;
}

static int add_host(PGconn *c, const char *name)
{
	const char *p[1] = {name};
	PGresult *r;
	char sql[256];

	if (!run_ok(c, "BEGIN", "BEGIN") ||
	    !(r = run(c, "looking for the ingest role",
	              "SELECT to_regrole('sigtrail_ingest') IS NOT NULL, EXISTS (SELECT FROM "
	              "pg_roles WHERE rolname = $1)",
	              1, p)))
		return EX_UNAVAILABLE;
	bool initialized = PQgetvalue(r, 0, 0)[0] == 't', exists = PQgetvalue(r, 0, 1)[0] == 't';
	PQclear(r);
	if (!initialized) {
		log_error(
		    "no role sigtrail_ingest in this cluster: run sigtrail central init first");
		return EX_UNAVAILABLE;
	}
	char *id = PQescapeIdentifier(c, name, strlen(name));
	if (!id) {
		log_error("add-host: %s", pg_err(c));
		return EX_UNAVAILABLE;
	}
	bool ok = true;
	if (!exists) {
		snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN", id);
		ok = run_ok(c, "creating the role", sql);
	}
	/* Role settings are not inherited from sigtrail_ingest: each host's. */
	snprintf(sql, sizeof(sql), "GRANT sigtrail_ingest TO %s", id);
	ok = ok && run_ok(c, "granting sigtrail_ingest", sql);
	snprintf(sql, sizeof(sql), "ALTER ROLE %s SET idle_in_transaction_session_timeout = '60s'",
	         id);
	ok = ok && run_ok(c, "setting idle_in_transaction_session_timeout", sql);
	snprintf(sql, sizeof(sql), "ALTER ROLE %s SET client_connection_check_interval = '10s'",
	         id);
	ok = ok && run_ok(c, "setting client_connection_check_interval", sql);
	PQfreemem(id);
	if (!ok || !run_ok(c, "COMMIT", "COMMIT"))
		return EX_UNAVAILABLE;
	printf("%s host role %s: it may insert its own rows (sigtrail_ingest). Give the host a "
	       "client certificate with CN=%s, and pg_hba.conf a line such as\n"
	       "  hostssl %s %s 0.0.0.0/0 cert\n",
	       exists ? "updated" : "created", name, name, PQdb(c), name);
	return EX_OK;
}

int cli_central(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"to", required_argument, NULL, OPT_TO},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *to = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EX_OK;
		}
		if (opt != OPT_TO)
			return cli_bad_option("central", opt, argv);
		to = optarg;
	}
	const char *sub = optind < argc ? argv[optind] : NULL;
	bool is_init = sub && strcmp(sub, "init") == 0,
	     is_add = sub && strcmp(sub, "add-host") == 0;
	if (!is_init && !is_add) {
		log_error("central: expected init or add-host NAME (see sigtrail central --help)");
		return EX_USAGE;
	}
	if (argc - optind != (is_init ? 1 : 2)) {
		log_error(is_init ? "central init: takes no argument"
		                  : "central add-host: expected one host NAME");
		return EX_USAGE;
	}
	if (is_add && !good_host_name(argv[optind + 1])) {
		log_error("central add-host: '%s' is not a host name (letters, digits, '.', '-', "
		          "'_'; at most %d; not pg_* or sigtrail_*)",
		          argv[optind + 1], HOST_NAME_MAX_LEN);
		return EX_USAGE;
	}
	if (!to) {
		log_error("central: --to CONNINFO is required");
		return EX_USAGE;
	}
	PGconn *c = PQconnectdb(to);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		log_error("connecting to %s: %s", to, c ? pg_err(c) : "out of memory");
		PQfinish(c);
		return EX_UNAVAILABLE;
	}
	/* Our own messages, not the server's NOTICEs about IF NOT EXISTS. */
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	int code = is_init ? init(c) : add_host(c, argv[optind + 1]);
	PQfinish(c);
	return code;
}
