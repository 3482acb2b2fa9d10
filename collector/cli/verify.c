/* verify.c: `sigtrail verify [--db PATH]`, checks the hash chains of a
 * local database, the signal rows' (schema 016), the deaths' and the
 * zombies' (schema 019, collector/store/chain.c): every
 * chained row is hashed again from the signals view and must give the hash
 * stored for it, each extending the one before. The first row that does
 * not is named: edited (its hash differs: it, or a row deleted before it
 * together with its entry), deleted (its entry remains), or inserted (a
 * row between chained rows that is not in the chain). The daemon's own
 * pruning leaves anchors, so pruned rows are no break. Read-only.
 * Exercise: sigtrail import --db t.db tests/fixtures/kernel.log; sigtrail
 * verify --db t.db; sqlite3 t.db 'update signal_rows set sender_pid = 1
 * where id = 3'; sigtrail verify --db t.db (exit 1, names row 3). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "sigtrail/chain.h"
#include "sigtrail/log.h"
#include "sigtrail/schema.h"

enum { VERIFY_BROKEN = 1 };

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail verify [--db PATH]\n"
	        "       sigtrail verify --db postgres://...|--to CONNINFO --host NAME\n"
	        "Check the hash chains of the signal rows, the deaths and the zombies:\n"
	        "each sealed row extends a SHA-256 chain, so a row edited or deleted after\n"
	        "it was recorded (other than by the daemon's pruning) breaks it. Names the\n"
	        "first broken row of each.\n"
	        "\n"
	        "At the fleet's centre, checks the rows host NAME forwarded, and that\n"
	        "nothing is missing between them (but what it recorded as dropped).\n"
	        "\n"
	        "  -d, --db PATH    the database (default " SIGTRAIL_DEFAULT_DB "), or a\n"
	        "                   postgres:// or postgresql:// URI of the centre\n"
	        "      --to CONNINFO  the centre, as a libpq connection string\n"
	        "      --host NAME  the host whose chain the centre checks\n"
	        "  -h, --help       this help\n"
	        "\n"
	        "Exit status: 0 the chain is intact; 1 it is broken (the row is named);\n"
	        "65 no chain (a database older than schema 16, or not sigtrail's); 66 the\n"
	        "database is missing; 69 the centre cannot be read; 64 bad usage.\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail verify\n"
	        "  sigtrail verify --db /srv/copy/sigtrail.db && echo intact\n"
	        "  sigtrail verify --db postgresql://auditor@central/sigtrail --host web-42\n");
}

/* What the walk found. */
struct walk {
	int64_t rows, first, last; /* rows verified, their id range */
	int64_t broken_id;         /* the first broken row, or 0 */
	const char *why;           /* what is wrong with it */
};

/* A chain: its entries, the view its rows are hashed from, the table of
 * the rows, and the stream its start is named by. */
struct chain_def {
	const char *table, *view, *rows, *stream, *what;
};
static const struct chain_def chains[] = {
    {"chain_rows", "signals", "signal_rows", NULL, "signal row"},
    {"death_chain_rows", "deaths", "death_rows", "deaths", "death row"},
    {"zombie_chain_rows", "zombies", "zombie_rows", "zombies", "zombie row"},
};

/* Walk the chain entries in id order with their rows. Returns 0 or an exit status. */
static int walk_chain(sqlite3 *db, const struct chain_def *c,
                      const unsigned char genesis[CHAIN_HASH_LEN], struct walk *w)
{
	sqlite3_stmt *s = NULL;
	struct chain_hasher h = {0};
	unsigned char prev[CHAIN_HASH_LEN], got[CHAIN_HASH_LEN];
	char sql[256];

	snprintf(
	    sql, sizeof(sql),
	    "SELECT c.id AS chain_id, c.hash AS chain_hash, c.pruned AS chain_pruned, v.* FROM "
	    "%s AS c LEFT JOIN %s AS v ON v.id = c.id ORDER BY c.id",
	    c->table, c->view);
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK || chain_hasher_init(&h, s, 3) < 0) {
		log_error("reading the chain: %s", sqlite3_errmsg(db));
		sqlite3_finalize(s);
		chain_hasher_free(&h);
		return EX_SOFTWARE;
	}
	memcpy(prev, genesis, CHAIN_HASH_LEN);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const void *stored = sqlite3_column_blob(s, 1);
		int n = sqlite3_column_bytes(s, 1);
		if (sqlite3_column_int64(s, 2) != 0) { /* an anchor: pruned, or the start */
			memcpy(prev, n == CHAIN_HASH_LEN ? stored : genesis, CHAIN_HASH_LEN);
			continue;
		}
		if (sqlite3_column_type(s, 3) == SQLITE_NULL) {
			w->broken_id = id, w->why = "deleted (its chain entry remains)";
			break;
		}
		if (n != CHAIN_HASH_LEN || chain_hash_row(&h, prev, s, got) < 0 ||
		    memcmp(got, stored, CHAIN_HASH_LEN) != 0) {
			w->broken_id = id;
			w->why = "edited, or a row before it was deleted (its hash does not match)";
			break;
		}
		memcpy(prev, stored, CHAIN_HASH_LEN);
		if (w->rows++ == 0)
			w->first = id;
		w->last = id;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_error("reading the chain: %s", sqlite3_errmsg(db));
		rc = EX_SOFTWARE;
	} else {
		rc = 0;
	}
	sqlite3_finalize(s);
	chain_hasher_free(&h);
	return rc;
}

/* Check one chain of an opened database: prints its line. Returns 0
 * intact, VERIFY_BROKEN, or an exit status. */
static int verify_chain(struct cli_db *d, const struct chain_def *c, const char *uuid)
{
	unsigned char genesis[CHAIN_HASH_LEN];
	struct walk w = {0};
	int64_t inserted = 0, unsealed = 0, start = 0;
	char sql[512];

	if (chain_genesis_of(c->stream, uuid, genesis) < 0)
		return EX_SOFTWARE;
	int r = walk_chain(d->db, c, genesis, &w);
	if (r != 0)
		return r;
	snprintf(sql, sizeof(sql), "SELECT coalesce(min(id), 0) FROM %s", c->table);
	(void)schema_query_int(d->db, sql, &start);
	snprintf(sql, sizeof(sql),
	         "SELECT coalesce(min(id), 0) FROM %s WHERE id > (SELECT min(id) FROM %s) AND id < "
	         "(SELECT max(id) FROM %s) AND id NOT IN (SELECT id FROM %s)",
	         c->rows, c->table, c->table, c->table);
	(void)schema_query_int(d->db, sql, &inserted);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE id > (SELECT max(id) FROM %s)",
	         c->rows, c->table);
	(void)schema_query_int(d->db, sql, &unsealed);
	if (w.broken_id == 0 && inserted > 0)
		w.broken_id = inserted, w.why = "inserted (it is not in the chain)";
	const char *name = c->stream ? c->stream : "";
	const char *sp = c->stream ? " " : "";
	if (w.broken_id) {
		printf("%s%schain BROKEN at %s %lld: %s\n", name, sp, c->what,
		       (long long)w.broken_id, w.why);
		return VERIFY_BROKEN;
	}
	printf("%s%schain intact: %lld rows", name, sp, (long long)w.rows);
	if (w.rows)
		printf(" (ids %lld to %lld)", (long long)w.first, (long long)w.last);
	if (unsealed)
		printf("; %lld newer rows not sealed yet", (long long)unsealed);
	if (start > 0)
		printf("; rows up to id %lld predate the chain or were pruned", (long long)start);
	printf("\n");
	return 0;
}

/* The verdict on an opened database: the signal rows' chain, then the
 * deaths' and the zombies' (schema 19). */
static int verify_db(struct cli_db *d)
{
	int64_t n = 0;
	sqlite3_stmt *s = NULL;
	char uuid[64];
	int worst = 0;

	if (schema_query_int(d->db, "SELECT count(*) FROM sqlite_master WHERE name = 'chain_rows'",
	                     &n) != SQLITE_OK ||
	    n == 0) {
		log_error("%s has no hash chain (schema version %d): sigtraild adds it at its next "
		          "start (schema 16)",
		          d->path, d->version);
		return EX_DATAERR;
	}
	if (sqlite3_prepare_v2(d->db, "SELECT uuid FROM instance WHERE id = 1", -1, &s, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW || !sqlite3_column_text(s, 0)) {
		sqlite3_finalize(s);
		log_error("%s: cannot read the instance id: %s", d->path, sqlite3_errmsg(d->db));
		return EX_DATAERR;
	}
	snprintf(uuid, sizeof(uuid), "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
		char q[128];
		snprintf(q, sizeof(q), "SELECT count(*) FROM sqlite_master WHERE name = '%s'",
		         chains[i].table);
		if (schema_query_int(d->db, q, &n) != SQLITE_OK || n == 0)
			continue; /* the deaths' and zombies' chains: schema 19 */
		int r = verify_chain(d, &chains[i], uuid);
		if (r != 0 && r != VERIFY_BROKEN)
			return r;
		worst = worst ? worst : r;
	}
	return worst;
}

int cli_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"to", required_argument, NULL, 't'},
	    {"host", required_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *path = SIGTRAIL_DEFAULT_DB, *to = NULL, *host = NULL;
	struct cli_db d;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		if (opt == 'd')
			path = optarg;
		else if (opt == 't')
			to = optarg;
		else if (opt == 'H')
			host = optarg;
		else if (opt == 'h')
			return usage(stdout), EX_OK;
		else
			return cli_bad_option("verify", opt, argv);
	}
	if (optind < argc) {
		log_error("verify: unexpected argument '%s' (see sigtrail verify --help)",
		          argv[optind]);
		return EX_USAGE;
	}
	if (!to &&
	    (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0))
		to = path;
	if (to || host) {
		if (!to || !host || !host[0]) {
			log_error(
			    "verify: the centre's chain is checked per host: give --host NAME with "
			    "--db postgres://... or --to CONNINFO");
			return EX_USAGE;
		}
		return cli_verify_central(to, host);
	}
	if ((r = cli_db_open(path, &d)) != 0)
		return r;
	r = verify_db(&d);
	int c = cli_db_close(&d);
	return r != 0 ? r : c;
}
