/* stream.c: what the forwarder sends, and how one batch reaches the
 * centre. Each stream is a query of the local database, in the order of
 * its local id; its result columns are sent under the same names (the local
 * `host` as origin_host) where the central table has such a column, so the
 * column lists come from the views themselves (schema/NNN-*.sql) and from
 * the central tables (schema/central/), never from a list written here: an
 * older forwarder and a newer centre, or the reverse, send what both know.
 *
 * A batch is one central transaction: the rows as COPY into a temporary
 * staging table (COPY is refused on tables with row-level security), then
 * INSERT ... SELECT ... ON CONFLICT DO NOTHING on the natural key (host,
 * instance, local id, month), then COMMIT; the position moves after it.
 * A batch sent twice, or after a crash between COMMIT and its
 * acknowledgement, inserts nothing the second time.
 * Exercise: tests/forward/forward.sh. */
#include "stream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/log.h"

enum {
	MAX_COLS = 96,
	COPY_CHUNK = 1 << 20,
	COVERAGE_EVERY_MS = 60000,
};

/* The boot id of the daemon run that recorded a row at time T (an import
 * records none). */
#define BOOT_OF(T)                                                                                 \
	"(SELECT c.boot_id FROM collector_runs AS c WHERE c.source <> 'import' AND "               \
	"c.started_ms <= " T " AND " T " <= coalesce(c.stopped_ms, c.heartbeat_ms) + 15000 "       \
	"ORDER BY c.started_ms DESC LIMIT 1)"

/* The row's link in the hash chain (schema 016), hex; NULL in a database
 * older than the chain (prepare_stream()). */
#define CHAIN_OF "(SELECT lower(hex(c.hash)) FROM chain_rows AS c WHERE c.id = v.id) AS chain, "
/* The same of a death, and of a zombie (schema 019). */
#define DEATH_CHAIN_OF                                                                             \
	"(SELECT lower(hex(c.hash)) FROM death_chain_rows AS c WHERE c.id = v.id) AS chain, "
#define ZOMBIE_CHAIN_OF                                                                            \
	"(SELECT lower(hex(c.hash)) FROM zombie_chain_rows AS c WHERE c.id = v.id) AS chain, "

struct stream_def {
	const char *name;     /* in messages */
	const char *table;    /* the central table, in schema sigtrail */
	const char *time_col; /* its month comes from this column */
	const char *sql;      /* the local rows after ?1, at most ?2 of them */
};

static const struct stream_def streams[FWD__N] = {
    [FWD_SIGNALS] =
        {"signals", "signal_rows", "epoch_ms",
         "SELECT v.*, (SELECT value FROM strings WHERE id = r.sender_chain_s) AS "
         "sender_chain, " CHAIN_OF BOOT_OF(
             "v.epoch_ms") " AS boot_id FROM signals AS v "
                           "JOIN signal_rows AS r ON r.id = v.id WHERE v.id > ?1 ORDER BY v.id "
                           "LIMIT ?2"},
    /* The chains the signals id > ?1 AND id <= ?2 refer to. */
    [FWD_ANCESTRY] = {"ancestry", "ancestry_rows", "first_ms",
                      "SELECT (SELECT value FROM strings WHERE id = a.chain_s) AS chain, "
                      "m.first_ms, a.depth, a.pid, a.start_time, "
                      "(SELECT value FROM strings WHERE id = a.comm_s) AS comm, "
                      "(SELECT value FROM strings WHERE id = a.exe_s) AS exe, "
                      "(SELECT value FROM strings WHERE id = a.cmdline_s) AS cmdline "
                      "FROM (SELECT sender_chain_s AS chain_s, min(epoch_ms) AS first_ms "
                      "FROM signal_rows WHERE id > ?1 AND id <= ?2 AND sender_chain_s IS NOT "
                      "NULL GROUP BY sender_chain_s) AS m JOIN ancestry_rows AS a ON "
                      "a.chain_s = m.chain_s"},
    [FWD_DEATHS] = {"deaths", "death_rows", "epoch_ms",
                    "SELECT v.*, " DEATH_CHAIN_OF BOOT_OF(
                        "v.epoch_ms") " AS boot_id FROM deaths AS v "
                                      "WHERE v.id > ?1 ORDER BY v.id LIMIT ?2"},
    /* seq grows with every change of a run's row: its heartbeat, then its end. */
    [FWD_COVERAGE] = {"coverage", "coverage_states", "started_ms",
                      "SELECT v.*, r.heartbeat_ms * 2 + (r.ended IS NOT NULL) AS seq, "
                      "r.boot_id FROM coverage AS v JOIN collector_runs AS r ON r.id = v.run "
                      "WHERE v.run > ?1 ORDER BY v.run LIMIT ?2"},
    /* Rows the disk cap deleted before they were sent (schema 015). */
    [FWD_DROPS] = {"forward drops", "forward_drops", "epoch_ms",
                   "SELECT v.* FROM forward_drops AS v WHERE v.id > ?1 ORDER BY v.id LIMIT ?2"},
    /* Insert-only both (schema 018): a zombie, then its reaping in a row of its own. */
    [FWD_ZOMBIES] = {"zombies", "zombie_rows", "epoch_ms",
                     "SELECT " ZOMBIE_CHAIN_OF "v.* FROM zombies AS v WHERE v.id > ?1 ORDER BY "
                     "v.id LIMIT ?2"},
    [FWD_REAPS] = {"zombie reapings", "zombie_reaps", "epoch_ms",
                   "SELECT r.id, r.zombie_id, r.epoch_ms FROM zombie_reaps AS r WHERE r.id > ?1 "
                   "ORDER BY r.id LIMIT ?2"},
};

/* A local result column that the central table has too. */
struct col {
	int local;     /* its index in the local result */
	bool is_int;   /* the central column is an integer */
	char name[64]; /* the central column */
	char type[64]; /* its type, as information_schema spells it */
};

/* One batch being made: the columns, the COPY data, the span of keys. */
struct batch {
	struct col cols[MAX_COLS];
	int n_cols;
	int key_col;   /* local index of the position column (id, run), or -1 */
	int time_col;  /* local index of the time column, or -1 */
	int chain_col; /* local index of the signals' chain link, or -1 */
	struct fwd_buf data;
	int64_t rows;
	int64_t last_key;
};

__attribute__((format(printf, 2, 3))) static int fail(struct fwd_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* A failure of the centre: its message's first line, and a reconnect. */
static int fail_pg(struct fwd_session *s, const char *what)
{
	const char *m = PQerrorMessage(s->pg);

	s->central_failed = true;
	return fail(s, "%s: %.*s", what, (int)strcspn(m, "\n"), m);
}

static int fail_local(struct fwd_session *s, sqlite3 *db, const char *what)
{
	s->central_failed = false;
	return fail(s, "%s: %s", what, sqlite3_errmsg(db));
}

/* Run a command that returns no rows. Returns 0 or -1. */
static int pg_command(struct fwd_session *s, const char *sql, int n_params,
                      const char *const *params, const char *what, int64_t *ret_tuples)
{
	PGresult *r = PQexecParams(s->pg, sql, n_params, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = fail_pg(s, what);
	else if (ret_tuples)
		*ret_tuples = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return rc;
}

/* The central column `name` of `table`: its type into type, or false. */
static bool central_col(const struct fwd_session *s, const char *table, const char *name,
                        char type[64])
{
	size_t tl = strlen(table), nl = strlen(name);

	for (const char *l = s->central_cols; l && *l;) {
		const char *end = strchr(l, '\n');
		if (!end)
			break;
		if (strncmp(l, table, tl) == 0 && l[tl] == '\t' &&
		    strncmp(l + tl + 1, name, nl) == 0 && l[tl + 1 + nl] == '\t') {
			const char *t = l + tl + 2 + nl;
			snprintf(type, 64, "%.*s", (int)(end - t), t);
			return true;
		}
		l = end + 1;
	}
	return false;
}

int fwd_session_start(struct fwd_session *s, PGconn *pg, sqlite3 *db, bool resend)
{
	sqlite3_stmt *st = NULL;
	FILE *f;

	*s = (struct fwd_session){.pg = pg, .coverage_fp = -1, .drops_fp = -1};
	if (sqlite3_prepare_v2(db, "SELECT uuid FROM instance WHERE id = 1", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail_local(s, db, "reading the database's instance id");
	}
	const char *u = (const char *)sqlite3_column_text(st, 0);
	bool good = u && strlen(u) == 36;
	for (size_t i = 0; good && i < 36; i++)
		good = (i == 8 || i == 13 || i == 18 || i == 23)
		           ? u[i] == '-'
		           : strchr("0123456789abcdef", u[i]) && u[i];
	if (good)
		memcpy(s->instance, u, 37);
	sqlite3_finalize(st);
	if (!good)
		return fail(s, "the database's instance id is not a uuid");

	/* The machine, for the centre's machine_id column: optional. */
	if ((f = fopen("/etc/machine-id", "re"))) {
		if (fgets(s->machine_id, sizeof(s->machine_id), f))
			s->machine_id[strcspn(s->machine_id, "\n")] = '\0';
		fclose(f);
	}

	/* The hosts may not SELECT, but information_schema shows them the
	 * columns they may INSERT into. */
	PGresult *r = PQexec(pg, "SELECT table_name, column_name, data_type FROM "
	                         "information_schema.columns WHERE table_schema = 'sigtrail' "
	                         "ORDER BY table_name, ordinal_position");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return fail_pg(s, "reading the central tables' columns");
	}
	struct fwd_buf b = {0};
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < 3; c++)
			if (fwd_buf_add(&b, PQgetvalue(r, i, c), strlen(PQgetvalue(r, i, c))) < 0 ||
			    fwd_buf_add(&b, c < 2 ? "\t" : "\n", 1) < 0)
				goto nomem;
	}
	PQclear(r);
	r = NULL;
	if (fwd_buf_add(&b, "", 1) < 0)
		goto nomem;
	s->central_cols = b.p;
	char type[64];
	s->central_failed = true;
	if (!central_col(s, "signal_rows", "id", type))
		return fail(s, "the centre has no sigtrail tables this role may insert into (run "
		               "sigtrail central init, and add-host for this host)");

	if (!resend) {
		const char *params[1] = {s->instance};
		r = PQexecParams(pg, "SELECT signals, deaths FROM sigtrail.high_water($1::uuid)", 1,
		                 NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			PQclear(r);
			return fail_pg(s, "asking the centre for this host's high-water mark");
		}
		s->pos_signals = PQgetisnull(r, 0, 0) ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		s->pos_deaths = PQgetisnull(r, 0, 1) ? 0 : strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		PQclear(r);
	}
	s->pos_zombies = -1;
	if (central_col(s, "zombie_rows", "id", type)) { /* central schema 4 */
		s->pos_zombies = 0;
		if (!resend) {
			const char *params[1] = {s->instance};
			r = PQexecParams(
			    pg, "SELECT zombies, reaps FROM sigtrail.high_water_zombies($1::uuid)",
			    1, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
				PQclear(r);
				return fail_pg(s, "asking the centre for this host's zombies");
			}
			s->pos_zombies =
			    PQgetisnull(r, 0, 0) ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
			s->pos_reaps =
			    PQgetisnull(r, 0, 1) ? 0 : strtoll(PQgetvalue(r, 0, 1), NULL, 10);
			PQclear(r);
		}
	}
	return 0;
nomem:
	PQclear(r);
	fwd_buf_free(&b);
	return fail(s, "out of memory");
}

void fwd_session_end(struct fwd_session *s)
{
	if (s->pg)
		PQfinish(s->pg);
	free(s->central_cols);
	for (int i = 0; i < FWD__N; i++)
		free(s->ddl[i]);
	*s = (struct fwd_session){.coverage_fp = -1, .drops_fp = -1};
}

/* Match the local statement's columns with the central table's. */
static int map_columns(struct fwd_session *s, enum fwd_stream_id id, sqlite3_stmt *st,
                       struct batch *b)
{
	const struct stream_def *d = &streams[id];
	int n = sqlite3_column_count(st);

	b->n_cols = 0;
	b->key_col = b->time_col = b->chain_col = -1;
	for (int i = 0; i < n && b->n_cols < MAX_COLS; i++) {
		const char *name = sqlite3_column_name(st, i);
		struct col *c = &b->cols[b->n_cols];
		if (!name)
			return fail(s, "out of memory");
		if (strcmp(name, "host") == 0)
			name = "origin_host";
		/* Filled in by the centre, never sent. */
		if (strcmp(name, "instance") == 0 || strcmp(name, "month") == 0 ||
		    strcmp(name, "received_at") == 0 || strcmp(name, "machine_id") == 0)
			continue;
		if ((id == FWD_COVERAGE ? strcmp(name, "run") : strcmp(name, "id")) == 0)
			b->key_col = i;
		if (strcmp(name, d->time_col) == 0)
			b->time_col = i;
		if (strcmp(name, "chain") == 0)
			b->chain_col = i;
		if (strlen(name) >= sizeof(c->name) || !central_col(s, d->table, name, c->type))
			continue;
		c->local = i;
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->is_int = strcmp(c->type, "bigint") == 0 || strcmp(c->type, "integer") == 0 ||
		            strcmp(c->type, "smallint") == 0;
		b->n_cols++;
	}
	if (b->time_col < 0 || (id != FWD_ANCESTRY && b->key_col < 0))
		return fail(s, "the local %s view lacks its key or time column", d->name);
	char type[64];
	if (!central_col(s, d->table, d->time_col, type))
		return fail(s, "the central %s table lacks %s", d->table, d->time_col);
	return 0;
}

/* Append one local row to the batch's COPY data. */
static int add_row(struct batch *b, sqlite3_stmt *st)
{
	for (int i = 0; i < b->n_cols; i++) {
		const struct col *c = &b->cols[i];
		int t = sqlite3_column_type(st, c->local);
		int r = i ? fwd_copy_sep(&b->data) : 0;

		if (r < 0)
			return r;
		if (t == SQLITE_NULL || (c->is_int && t != SQLITE_INTEGER))
			r = fwd_copy_null(&b->data); /* a hostile file's text in a number */
		else if (t == SQLITE_INTEGER)
			r = fwd_copy_int(&b->data, sqlite3_column_int64(st, c->local));
		else
			r = fwd_copy_text(&b->data, (const char *)sqlite3_column_text(st, c->local),
			                  (size_t)sqlite3_column_bytes(st, c->local));
		if (r < 0)
			return r;
	}
	b->rows++;
	return fwd_copy_end_row(&b->data);
}

/* Prepare the stream's query; without the chain links in a database
 * older than the chain (schema 016 for signals, 019 for deaths and
 * zombies). Returns an SQLite code. */
static int prepare_stream(sqlite3 *db, enum fwd_stream_id id, sqlite3_stmt **ret)
{
	const char *sql = streams[id].sql, *link = id == FWD_DEATHS    ? DEATH_CHAIN_OF
	                                           : id == FWD_ZOMBIES ? ZOMBIE_CHAIN_OF
	                                                               : CHAIN_OF;
	const char *at = strstr(sql, link);
	int rc = sqlite3_prepare_v2(db, sql, -1, ret, NULL);
	char alt[2048];

	if (rc == SQLITE_OK || !at || strlen(sql) >= sizeof(alt))
		return rc;
	snprintf(alt, sizeof(alt), "%.*sNULL AS chain, %s", (int)(at - sql), sql,
	         at + strlen(link));
	return sqlite3_prepare_v2(db, alt, -1, ret, NULL);
}

/* Read the local rows after `after` (at most max_rows; signals while sealed)
 * into b. For ancestry, `after` and `upto` bound the signals. */
static int read_rows(struct fwd_session *s, sqlite3 *db, enum fwd_stream_id id, int64_t after,
                     int64_t upto, int64_t max_rows, int64_t seal_ms, int64_t now_ms,
                     struct batch *b, bool *ret_waiting)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare_stream(db, id, &st);

	if (rc != SQLITE_OK)
		return fail_local(s, db, "preparing the local query");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, id == FWD_ANCESTRY ? upto : max_rows);
	if (map_columns(s, id, st, b) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (id == FWD_SIGNALS) {
			/* A coalesced row's count grows for the coalescing window after it
			 * is first written: sent once it cannot change. The store says so
			 * when it chains the row (schema 016: sealed at once); a row
			 * without a link (an older daemon) once seal_ms old. A time far
			 * in the future (a wrong clock) is not waited for. */
			int64_t t = sqlite3_column_int64(st, b->time_col);
			bool chained = b->chain_col >= 0 &&
			               sqlite3_column_type(st, b->chain_col) != SQLITE_NULL;
			if (!chained && t > now_ms - seal_ms && t <= now_ms + 3600000) {
				*ret_waiting = true;
				break;
			}
		}
		if (add_row(b, st) < 0) {
			sqlite3_finalize(st);
			return fail(s, "out of memory");
		}
		if (b->key_col >= 0)
			b->last_key = sqlite3_column_int64(st, b->key_col);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail_local(s, db, "reading the local database");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Make the staging table of a stream in this session, if its columns
 * changed (or it has none yet). */
static int ensure_staging(struct fwd_session *s, enum fwd_stream_id id, const struct batch *b)
{
	struct fwd_buf q = {0};
	char part[160];

	snprintf(part, sizeof(part), "CREATE TEMP TABLE st_%s (", streams[id].table);
	int r = fwd_buf_add(&q, part, strlen(part));
	for (int i = 0; r == 0 && i < b->n_cols; i++) {
		snprintf(part, sizeof(part), "%s\"%s\" %s", i ? ", " : "", b->cols[i].name,
		         b->cols[i].type);
		r = fwd_buf_add(&q, part, strlen(part));
	}
	if (r == 0)
		r = fwd_buf_add(&q, ") ON COMMIT DELETE ROWS", 24); /* with its NUL */
	if (r < 0) {
		fwd_buf_free(&q);
		return fail(s, "out of memory");
	}
	if (s->ddl[id] && strcmp(s->ddl[id], q.p) == 0) {
		fwd_buf_free(&q);
		return 0;
	}
	if (s->ddl[id]) {
		snprintf(part, sizeof(part), "DROP TABLE st_%s", streams[id].table);
		free(s->ddl[id]);
		s->ddl[id] = NULL;
		if (pg_command(s, part, 0, NULL, "dropping a staging table", NULL) < 0) {
			fwd_buf_free(&q);
			return -1;
		}
	}
	r = pg_command(s, q.p, 0, NULL, "making the staging table", NULL);
	if (r == 0)
		s->ddl[id] = q.p;
	else
		fwd_buf_free(&q);
	return r;
}

/* COPY the batch into its staging table, then insert what the centre lacks.
 * Inside the caller's transaction. */
static int copy_and_insert(struct fwd_session *s, enum fwd_stream_id id, const struct batch *b)
{
	const struct stream_def *d = &streams[id];
	struct fwd_buf q = {0};
	char part[200];
	int r;

	if (ensure_staging(s, id, b) < 0)
		return -1;
	snprintf(part, sizeof(part), "COPY st_%s FROM STDIN", d->table);
	PGresult *res = PQexec(s->pg, part);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		PQclear(res);
		return fail_pg(s, "starting the COPY");
	}
	PQclear(res);
	for (size_t off = 0; off < b->data.len; off += COPY_CHUNK) {
		size_t n = b->data.len - off < COPY_CHUNK ? b->data.len - off : COPY_CHUNK;
		if (PQputCopyData(s->pg, b->data.p + off, (int)n) != 1)
			return fail_pg(s, "sending the rows");
	}
	if (PQputCopyEnd(s->pg, NULL) != 1)
		return fail_pg(s, "ending the COPY");
	res = PQgetResult(s->pg);
	r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : fail_pg(s, "the COPY");
	PQclear(res);
	while ((res = PQgetResult(s->pg)))
		PQclear(res);
	if (r < 0)
		return r;

	snprintf(part, sizeof(part), "SELECT sigtrail.ensure_months(min(%s), max(%s)) FROM st_%s",
	         d->time_col, d->time_col, d->table);
	if (pg_command(s, part, 0, NULL, "making the month's partitions", NULL) < 0)
		return -1;

	char mtype[64];
	bool machine = s->machine_id[0] && central_col(s, d->table, "machine_id", mtype);
	snprintf(part, sizeof(part), "INSERT INTO sigtrail.%s (instance, month%s", d->table,
	         machine ? ", machine_id" : "");
	r = fwd_buf_add(&q, part, strlen(part));
	for (int i = 0; r == 0 && i < b->n_cols; i++) {
		snprintf(part, sizeof(part), ", \"%s\"", b->cols[i].name);
		r = fwd_buf_add(&q, part, strlen(part));
	}
	snprintf(part, sizeof(part), ") SELECT $1::uuid, sigtrail.month_of(%s)%s", d->time_col,
	         machine ? ", $2" : "");
	if (r == 0)
		r = fwd_buf_add(&q, part, strlen(part));
	for (int i = 0; r == 0 && i < b->n_cols; i++) {
		snprintf(part, sizeof(part), ", \"%s\"", b->cols[i].name);
		r = fwd_buf_add(&q, part, strlen(part));
	}
	snprintf(part, sizeof(part), " FROM st_%s ON CONFLICT DO NOTHING", d->table);
	if (r == 0)
		r = fwd_buf_add(&q, part, strlen(part) + 1);
	if (r < 0) {
		fwd_buf_free(&q);
		return fail(s, "out of memory");
	}
	const char *params[2] = {s->instance, s->machine_id};
	int64_t inserted = 0;
	r = pg_command(s, q.p, machine ? 2 : 1, params, "inserting the rows", &inserted);
	fwd_buf_free(&q);
	if (r == 0) {
		s->n.sent[id] += b->rows;
		s->n.inserted[id] += inserted;
	}
	return r;
}

/* BEGIN, the batches, COMMIT; a ROLLBACK after a failure of the centre's
 * that left the connection usable. */
static int transaction(struct fwd_session *s, enum fwd_stream_id ids[2], struct batch *b[2])
{
	struct fwd_counts before = s->n;

	if (pg_command(s, "BEGIN", 0, NULL, "BEGIN", NULL) < 0)
		return -1;
	for (int i = 0; i < 2 && b[i]; i++) {
		if (b[i]->rows == 0)
			continue;
		if (copy_and_insert(s, ids[i], b[i]) < 0) {
			PGresult *res = PQexec(s->pg, "ROLLBACK");
			PQclear(res);
			s->n = before;
			return -1;
		}
	}
	if (pg_command(s, "COMMIT", 0, NULL, "COMMIT", NULL) < 0) {
		s->n = before;
		return -1;
	}
	s->n.batches++;
	return 0;
}

int fwd_send_batch(struct fwd_session *s, sqlite3 *db, enum fwd_stream_id id, int64_t max_rows,
                   int64_t seal_ms, int64_t now_ms, bool *ret_waiting)
{
	struct batch *main = calloc(1, sizeof(*main)), *anc = NULL;
	int64_t *pos = id == FWD_SIGNALS ? &s->pos_signals : &s->pos_deaths;
	int r = -1;

	*ret_waiting = false;
	if (!main)
		return fail(s, "out of memory");
	if (read_rows(s, db, id, *pos, 0, max_rows, seal_ms, now_ms, main, ret_waiting) < 0)
		goto out;
	r = 0;
	if (main->rows == 0)
		goto out;
	if (id == FWD_SIGNALS) {
		r = -1;
		if (!(anc = calloc(1, sizeof(*anc)))) {
			fail(s, "out of memory");
			goto out;
		}
		bool w = false;
		if (read_rows(s, db, FWD_ANCESTRY, *pos, main->last_key, 0, 0, now_ms, anc, &w) < 0)
			goto out;
	}
	enum fwd_stream_id ids[2] = {id, FWD_ANCESTRY};
	struct batch *bs[2] = {main, anc};
	r = transaction(s, ids, bs);
	if (r == 0) {
		*pos = main->last_key; /* the centre has committed it */
		r = (int)main->rows;
	}
out:
	if (main)
		fwd_buf_free(&main->data);
	if (anc)
		fwd_buf_free(&anc->data);
	free(main);
	free(anc);
	return r;
}

/* Send every local row of stream `id` (a small table of states), in
 * batches of max_rows; the centre keeps those it lacks. Adds the rows sent
 * to *ret_sent. Returns 0, or -1 with s->err set. */
static int send_all(struct fwd_session *s, sqlite3 *db, enum fwd_stream_id id, int64_t max_rows,
                    int64_t *ret_sent)
{
	for (int64_t after = 0;;) {
		struct batch *b = calloc(1, sizeof(*b));
		bool w = false;
		if (!b)
			return fail(s, "out of memory");
		int r = read_rows(s, db, id, after, 0, max_rows, 0, 0, b, &w);
		if (r == 0 && b->rows > 0) {
			enum fwd_stream_id ids[2] = {id, FWD_ANCESTRY};
			struct batch *bs[2] = {b, NULL};
			r = transaction(s, ids, bs);
		}
		int64_t rows = b->rows, last = b->last_key;
		fwd_buf_free(&b->data);
		free(b);
		if (r < 0)
			return -1;
		*ret_sent += rows;
		if (rows < max_rows)
			return 0;
		after = last;
	}
}

int fwd_send_zombies(struct fwd_session *s, sqlite3 *db, int64_t max_rows)
{
	sqlite3_stmt *st = NULL;
	int64_t sent = 0;
	bool local = false;

	if (s->pos_zombies < 0)
		return 0; /* a centre older than central schema 4 */
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'zombie_reaps'", -1,
	                       &st, NULL) == SQLITE_OK)
		local = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!local)
		return 0; /* a database older than schema 018 */
	for (int k = 0; k < 2; k++) {
		enum fwd_stream_id id = k ? FWD_REAPS : FWD_ZOMBIES;
		int64_t *pos = k ? &s->pos_reaps : &s->pos_zombies;
		for (int64_t rows = max_rows; rows == max_rows;) {
			struct batch *b = calloc(1, sizeof(*b));
			bool w = false;
			if (!b)
				return fail(s, "out of memory");
			int r = read_rows(s, db, id, *pos, 0, max_rows, 0, 0, b, &w);
			if (r == 0 && b->rows > 0) {
				enum fwd_stream_id ids[2] = {id, FWD_ANCESTRY};
				struct batch *bs[2] = {b, NULL};
				if ((r = transaction(s, ids, bs)) == 0)
					*pos = b->last_key; /* the centre has committed it */
			}
			rows = b->rows;
			fwd_buf_free(&b->data);
			free(b);
			if (r < 0)
				return -1;
			sent += rows;
		}
	}
	return (int)(sent > INT32_MAX ? INT32_MAX : sent);
}

int fwd_send_coverage(struct fwd_session *s, sqlite3 *db, int64_t max_rows, bool force,
                      int64_t mono_ms)
{
	sqlite3_stmt *st = NULL;
	int64_t fp = -1, structure = -1, sent = 0;

	/* Has anything changed? The runs' number and ends, and their heartbeats. */
	if (sqlite3_prepare_v2(db,
	                       "SELECT coalesce(sum(heartbeat_ms * 2 + (ended IS NOT NULL)), 0), "
	                       "count(*) * 1000003 + count(ended) FROM collector_runs",
	                       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail_local(s, db, "reading the runs");
	}
	fp = sqlite3_column_int64(st, 0) ^ (sqlite3_column_int64(st, 1) << 1);
	structure = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (fp == s->coverage_fp && !force)
		return 0;
	/* A running run's heartbeat moves every 10 s: its new state is sent at
	 * most once a minute, a run's start or end at once. */
	if (!force && structure == s->coverage_structure &&
	    mono_ms - s->coverage_ms < COVERAGE_EVERY_MS)
		return 0;

	if (send_all(s, db, FWD_COVERAGE, max_rows, &sent) < 0)
		return -1;
	s->coverage_fp = fp;
	s->coverage_structure = structure;
	s->coverage_ms = mono_ms;
	return (int)(sent > INT32_MAX ? INT32_MAX : sent);
}

int fwd_send_drops(struct fwd_session *s, sqlite3 *db, int64_t max_rows)
{
	sqlite3_stmt *st = NULL;
	int64_t fp = -1, sent = 0;
	char type[64];

	if (!central_col(s, "forward_drops", "id", type))
		return 0; /* a centre older than central schema 2 */
	if (sqlite3_prepare_v2(
	        db,
	        "SELECT count(*) * 1000003 + coalesce(max(id), 0) FROM sqlite_master "
	        "AS m, forward_drop_rows WHERE m.name = 'forward_drops'",
	        -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return 0; /* a database older than schema 015: nothing to send */
	}
	fp = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (fp == s->drops_fp || fp == 0)
		return 0;
	if (send_all(s, db, FWD_DROPS, max_rows, &sent) < 0)
		return -1;
	s->drops_fp = fp;
	return (int)(sent > INT32_MAX ? INT32_MAX : sent);
}
