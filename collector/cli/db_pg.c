/* db_pg.c: the read path's second implementation, the fleet's centre. A
 * reading command (who, list, export, report, status) given `--db
 * postgres://...` reads the central rows of the hosts and the period it asks
 * for (--host, --since, --until, pushed down to PostgreSQL) into a private
 * SQLite snapshot with this build's local schema, and runs its very own
 * queries on it: the same words, the same columns, whatever the source.
 * The snapshot is made by the store's migrations, filled in one transaction
 * (rows streamed in single-row mode: memory stays flat), opened read-only
 * like any database, and deleted when it is closed.
 *
 * Each local table is filled from its central table or view by column name,
 * from the local table's own columns (PRAGMA table_info): a column X_s is
 * the string of central X, a column X is central X, anything else NULL;
 * only what the two schemas name differently is written here (the runs'
 * ends, the death's signal_id). Local ids repeat across hosts: the rows of
 * the first (host, instance) keep theirs, so that one host's answer names
 * the ids its own database has, and every other one's are moved past the
 * largest so far, with the links between rows (deaths.signal_id, a zombie's
 * reaping) moved alike. The local `host` column is the row's origin_host,
 * the host column of the host's own database; --host names the ingest
 * role that sent the rows, and is applied by the centre.
 * Exercise: tests/forward/forward.sh (the same `who` from the centre as
 * from the host), or by hand:
 *   sigtrail who --db postgresql://alice@central/sigtrail --host web-42 nginx */
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "sigtrail/log.h"
#include "sigtrail/store.h"

enum {
	MAX_COLS = 96,
	MAX_GROUPS = 4096, /* (host, instance) pairs of one snapshot */
};

/* Where a local column's value comes from. */
enum src_kind {
	SRC_NULL,
	SRC_COL,
	SRC_STRING,
	SRC_KEY,
	SRC_SIGNAL_ID,
	SRC_STOPPED,
	SRC_ENDED,
};

struct src {
	enum src_kind kind;
	int col; /* the central column's index */
};

/* The id offset of each (host, instance) of one stream. */
struct groups {
	struct {
		char key[128];
		int64_t offset;
	} g[MAX_GROUPS];
	size_t n;
	int64_t max_id; /* the largest local id given so far */
};

/* One stream: a central query into a local table. */
struct stream {
	const char *table;    /* local */
	const char *relation; /* central */
	const char *select;   /* central, without WHERE */
	const char *where;    /* its rows of the host and the period ($1..$3) */
	const char *target;   /* and, for a target's question (who), its rows ($4..$6), or NULL */
	const char *order;    /* ORDER BY (the key last) */
	const char *key;      /* the central key column, moved per (host, instance) */
	struct groups *ids;   /* its groups */
};

struct snap {
	PGconn *pg;
	sqlite3 *db;
	sqlite3_stmt *find, *add; /* strings */
	struct groups signals, deaths, runs, zombies, drops;
	char err[512];
};

bool cli_is_pg_uri(const char *s)
{
	return s && (strncmp(s, "postgres://", 11) == 0 || strncmp(s, "postgresql://", 13) == 0);
}

/* The id of `value` in the snapshot's strings (a name, gen NULL). */
static int intern(struct snap *s, const char *value, int64_t *ret)
{
	int rc;

	sqlite3_reset(s->find);
	sqlite3_bind_text(s->find, 1, value, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(s->find)) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(s->find, 0);
		return SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		return rc;
	sqlite3_reset(s->add);
	sqlite3_bind_text(s->add, 1, value, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(s->add)) != SQLITE_DONE)
		return rc;
	*ret = sqlite3_last_insert_rowid(s->db);
	return SQLITE_OK;
}

/* The offset of the row's (host, instance) in g, made when new: 0 for the
 * first, else what moves its first id past every id given so far. */
static int64_t offset_of(struct groups *g, const char *host, const char *instance, int64_t id,
                         bool make)
{
	char key[128];

	snprintf(key, sizeof(key), "%s/%s", host, instance);
	for (size_t i = g->n; i-- > 0;)
		if (strcmp(g->g[i].key, key) == 0)
			return g->g[i].offset;
	if (!make || g->n == MAX_GROUPS)
		return INT64_MIN;
	int64_t off = g->n == 0 ? 0 : g->max_id + 1 - id;
	snprintf(g->g[g->n].key, sizeof(g->g[0].key), "%s", key);
	g->g[g->n++].offset = off;
	return off;
}

/* How each column of the local table is filled from the central result. */
static int map_columns(struct snap *s, const struct stream *st, const PGresult *r,
                       char names[MAX_COLS][64], char dflt[MAX_COLS][32], struct src *src,
                       int *ret_n)
{
	sqlite3_stmt *q = NULL;
	char sql[160];
	int n = 0, rc;

	snprintf(sql, sizeof(sql),
	         "SELECT name, \"notnull\", dflt_value FROM pragma_table_info('%s')", st->table);
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < MAX_COLS) {
		const char *l = (const char *)sqlite3_column_text(q, 0);
		char base[64];
		size_t len = strlen(l);
		struct src v = {.kind = SRC_NULL};

		snprintf(names[n], 64, "%s", l);
		snprintf(base, sizeof(base), "%.*s",
		         len > 2 && strcmp(l + len - 2, "_s") == 0 ? (int)(len - 2) : (int)len, l);
		if (strcmp(l, "id") == 0 && strcmp(st->key, "id") == 0)
			v = (struct src){SRC_KEY, PQfnumber(r, "id")};
		else if (strcmp(st->table, "collector_runs") == 0 && strcmp(l, "id") == 0)
			v = (struct src){SRC_KEY, PQfnumber(r, "run")};
		else if (strcmp(st->table, "collector_runs") == 0 && strcmp(l, "heartbeat_ms") == 0)
			v = (struct src){SRC_COL, PQfnumber(r, "until_ms")};
		else if (strcmp(st->table, "collector_runs") == 0 && strcmp(l, "stopped_ms") == 0)
			v = (struct src){SRC_STOPPED, PQfnumber(r, "until_ms")};
		else if (strcmp(st->table, "collector_runs") == 0 && strcmp(l, "ended") == 0)
			v = (struct src){SRC_ENDED, PQfnumber(r, "status")};
		else if (strcmp(st->table, "death_rows") == 0 && strcmp(l, "signal_id") == 0)
			v = (struct src){SRC_SIGNAL_ID, PQfnumber(r, "signal_id")};
		else if (strcmp(l, "host_s") == 0)
			v = (struct src){SRC_STRING, PQfnumber(r, "origin_host")};
		else if (strcmp(base, l) != 0) /* X_s: the string of X */
			v = (struct src){
			    SRC_STRING, PQfnumber(r, strcmp(base, "boot") == 0 ? "boot_id" : base)};
		else
			v = (struct src){SRC_COL, PQfnumber(r, l)};
		if (v.col < 0 || v.kind == SRC_NULL)
			continue; /* the local default, or NULL */
		/* A NOT NULL column the centre leaves NULL (a row of an older
		 * forwarder) takes its local default, else 0. */
		const char *d = (const char *)sqlite3_column_text(q, 2);
		snprintf(dflt[n], 32, "%s", !sqlite3_column_int(q, 1) ? "" : d ? d : "0");
		src[n++] = v;
	}
	sqlite3_finalize(q);
	*ret_n = n;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* An integer of the central text form. */
static bool int_of(const char *v, int64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoll(v, &end, 10);
	return errno == 0 && end != v && *end == '\0';
}

/* Is the central column an integer (bigint, integer, smallint)? */
static bool pg_int(const PGresult *r, int col)
{
	Oid t = PQftype(r, col);
	return t == 20 || t == 23 || t == 21; /* INT8OID, INT4OID, INT2OID */
}

/* Bind column i of the local insert from row `row` of r. */
static int bind_one(struct snap *s, sqlite3_stmt *ins, int i, const struct src *v,
                    const PGresult *r, int row, int64_t offset, const char *group_host,
                    const char *group_instance)
{
	const char *t =
	    v->kind == SRC_NULL || PQgetisnull(r, row, v->col) ? NULL : PQgetvalue(r, row, v->col);
	int64_t n = 0;
	int rc = SQLITE_OK;

	switch (v->kind) {
	case SRC_NULL:
		return sqlite3_bind_null(ins, i);
	case SRC_STRING:
		if (!t)
			return sqlite3_bind_null(ins, i);
		if ((rc = intern(s, t, &n)) != SQLITE_OK)
			return rc;
		return sqlite3_bind_int64(ins, i, n);
	case SRC_KEY:
		if (!t || !int_of(t, &n))
			return sqlite3_bind_null(ins, i);
		return sqlite3_bind_int64(ins, i, n + offset);
	case SRC_SIGNAL_ID: {
		int64_t off = offset_of(&s->signals, group_host, group_instance, 0, false);
		if (!t || !int_of(t, &n) || off == INT64_MIN)
			return sqlite3_bind_null(ins, i);
		return sqlite3_bind_int64(ins, i, n + off);
	}
	case SRC_STOPPED: {
		int st = PQfnumber(r, "status");
		bool running = st >= 0 && !PQgetisnull(r, row, st) &&
		               strcmp(PQgetvalue(r, row, st), "running") == 0;
		if (!t || running || !int_of(t, &n))
			return sqlite3_bind_null(ins, i);
		return sqlite3_bind_int64(ins, i, n);
	}
	case SRC_ENDED:
		if (!t || strcmp(t, "running") == 0)
			return sqlite3_bind_null(ins, i);
		return sqlite3_bind_text(ins, i, t, -1, SQLITE_TRANSIENT);
	case SRC_COL: /* as the centre typed it: a text that looks like a number stays text */
		if (!t)
			return sqlite3_bind_null(ins, i);
		if (pg_int(r, v->col) && int_of(t, &n))
			return sqlite3_bind_int64(ins, i, n);
		return sqlite3_bind_text(ins, i, t, -1, SQLITE_TRANSIENT);
	}
	return rc;
}

/* The question's values, bound to every stream's query as $1..$6 (NULL:
 * not asked): the host, the period (widened by WIDEN_MS each way: what who
 * reads around a row, the same sender's other signals and a teardown's
 * minute, may lie just outside it; the commands filter the period exactly),
 * the target pid, the target name cut as the comm and whole. */
enum { WIDEN_MS = 65000 };
struct params {
	const char *v[6];
	char since[32], until[32], pid[32];
};

static void bind_params(const struct cli_filter *f, bool target, struct params *p)
{
	*p = (struct params){0};
	if (!f)
		return;
	p->v[0] = f->host;
	if (f->since_ms != INT64_MIN) {
		snprintf(p->since, sizeof(p->since), "%lld", (long long)(f->since_ms - WIDEN_MS));
		p->v[1] = p->since;
	}
	if (f->until_ms != INT64_MAX) {
		snprintf(p->until, sizeof(p->until), "%lld", (long long)(f->until_ms + WIDEN_MS));
		p->v[2] = p->until;
	}
	if (target && f->target_pid >= 0) {
		snprintf(p->pid, sizeof(p->pid), "%lld", (long long)f->target_pid);
		p->v[3] = p->pid;
	} else if (target && f->target_comm) {
		p->v[4] = f->target_comm;
		p->v[5] = f->full_name ? f->full_name : f->target_comm;
	}
}

/* The host and the period of a table whose time is `t`. */
#define W(t)                                                                                       \
	"($1::text IS NULL OR host = $1) AND ($2::bigint IS NULL OR " t " >= $2) AND "             \
	"($3::bigint IS NULL OR " t " < $3)"
/* The signals to the target: its pid, or its name as who matches it (the
 * comm, the executable's basename, the script: a superset, which the
 * command narrows). */
#define M_SIG                                                                                      \
	"(target_pid = $4::bigint OR ($5::text IS NOT NULL AND (target_comm = $5 OR target_exe = " \
	"$6 "                                                                                      \
	"OR right(target_exe, length($6) + 1) = '/' || $6 OR strpos(target_cmdline, $6) > 0)))"
/* Its deaths, likewise. */
#define M_DEATH                                                                                    \
	"(pid = $4::bigint OR ($5::text IS NOT NULL AND (comm = $5 OR exe = $6 OR right(exe, "     \
	"length($6) + 1) = '/' || $6 OR strpos(cmdline, $6) > 0)))"
/* Its deaths and those who tells with them: its namespace init's, and the
 * teardown's other victims (of that init, or of the target as an init). */
#define D_SET                                                                                      \
	"(" M_DEATH " OR (instance, pid) IN (SELECT instance, init_pid FROM sigtrail.death_rows "  \
	"WHERE " W(                                                                                \
	    "epoch_ms") " AND " M_DEATH ") OR (instance, init_pid) IN (SELECT instance, pid "      \
	                "FROM sigtrail.death_rows WHERE " W(                                       \
	                    "epoch_ms") " AND " M_DEATH ") OR (instance, init_pid) "               \
	                                "IN (SELECT instance, init_pid FROM sigtrail.death_rows "  \
	                                "WHERE " W("epoch_ms") " AND " M_DEATH "))"
/* The signals who reads for a target: those to it, its senders' others,
 * those to its init and its parent, and those its deaths name. */
#define S_SET                                                                                      \
	"(" M_SIG " OR (instance, sender_pid) IN (SELECT instance, sender_pid FROM "               \
	"sigtrail.signal_rows WHERE " W(                                                           \
	    "epoch_ms") " AND " M_SIG ") OR (instance, target_pid) IN "                            \
	                "(SELECT instance, init_pid FROM sigtrail.death_rows WHERE " W(            \
	                    "epoch_ms") " AND " M_DEATH                                            \
	                                ") OR (instance, target_pid) IN (SELECT instance, ppid "   \
	                                "FROM sigtrail.death_rows WHERE " W(                       \
	                                    "epoch_ms") " AND " M_DEATH                            \
	                                                ") OR (instance, id) IN (SELECT "          \
	                                                "instance, signal_id FROM "                \
	                                                "sigtrail.death_rows WHERE " W(            \
	                                                    "epoch_ms") " AND " D_SET "))"

/* A zombie's reaping, from the central view's reaped_epoch_ms: the local
 * zombie_reaps row of the zombie just inserted (id). */
static int reaping(struct snap *s, const PGresult *r, int64_t id)
{
	int c = PQfnumber(r, "reaped_epoch_ms");
	sqlite3_stmt *q = NULL;
	int64_t ms;
	int rc;

	if (c < 0 || PQgetisnull(r, 0, c) || !int_of(PQgetvalue(r, 0, c), &ms))
		return SQLITE_OK;
	rc = sqlite3_prepare_v2(s->db,
	                        "INSERT OR IGNORE INTO zombie_reaps(zombie_id, epoch_ms) "
	                        "VALUES (?1, ?2)",
	                        -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, id);
		sqlite3_bind_int64(q, 2, ms);
		rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
	}
	sqlite3_finalize(q);
	return rc;
}

/* Read one central stream into its local table. */
static int load(struct snap *s, const struct stream *st, const struct params *p, bool target)
{
	char sql[16384];
	const char *scope = target && st->target ? st->target : NULL;

	static const Oid types[6] = {25, 20, 20, 20, 25, 25}; /* text, bigint... as $1..$6 */

	snprintf(sql, sizeof(sql), "%s WHERE %s%s%s ORDER BY %s", st->select, st->where,
	         scope ? " AND " : "", scope ? scope : "", st->order);
	if (!PQsendQueryParams(s->pg, sql, 6, types, p->v, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(s->pg)) {
		snprintf(s->err, sizeof(s->err), "reading the centre's %s: %s", st->table,
		         PQerrorMessage(s->pg));
		return -1;
	}
	char names[MAX_COLS][64], dflt[MAX_COLS][32];
	struct src src[MAX_COLS];
	sqlite3_stmt *ins = NULL;
	int n_cols = 0, rc = SQLITE_OK, failed = 0;
	PGresult *r;

	while ((r = PQgetResult(s->pg))) {
		ExecStatusType es = PQresultStatus(r);
		if (es == PGRES_FATAL_ERROR && !failed) {
			snprintf(s->err, sizeof(s->err), "reading the centre's %s: %s", st->table,
			         PQresultErrorMessage(r));
			failed = 1;
		}
		if (es != PGRES_SINGLE_TUPLE || failed || rc != SQLITE_OK) {
			PQclear(r);
			continue;
		}
		if (!ins) {
			FILE *m;
			char *q = NULL;
			size_t qlen = 0;
			if ((rc = map_columns(s, st, r, names, dflt, src, &n_cols)) != SQLITE_OK ||
			    !(m = open_memstream(&q, &qlen))) {
				PQclear(r);
				rc = rc != SQLITE_OK ? rc : SQLITE_NOMEM;
				continue;
			}
			fprintf(m, "INSERT OR IGNORE INTO %s (", st->table);
			for (int i = 0; i < n_cols; i++)
				fprintf(m, "%s\"%s\"", i ? ", " : "", names[i]);
			fputs(") VALUES (", m);
			for (int i = 0; i < n_cols; i++)
				fprintf(m, dflt[i][0] ? "%scoalesce(?, %s)" : "%s?", i ? ", " : "",
				        dflt[i]);
			fputc(')', m);
			fclose(m);
			rc = sqlite3_prepare_v2(s->db, q, -1, &ins, NULL);
			free(q);
			if (rc != SQLITE_OK) {
				PQclear(r);
				continue;
			}
		}
		int hc = PQfnumber(r, "host"), ic = PQfnumber(r, "instance"),
		    kc = PQfnumber(r, st->key);
		const char *host = hc >= 0 ? PQgetvalue(r, 0, hc) : "";
		const char *inst = ic >= 0 ? PQgetvalue(r, 0, ic) : "";
		int64_t id = 0, off = 0;
		if (st->ids && kc >= 0 && int_of(PQgetvalue(r, 0, kc), &id)) {
			off = offset_of(st->ids, host, inst, id, true);
			if (off == INT64_MIN) {
				snprintf(s->err, sizeof(s->err),
				         "more than %d hosts and databases at once: "
				         "narrow the query with --host",
				         MAX_GROUPS);
				failed = 1;
				PQclear(r);
				continue;
			}
			if (id + off > st->ids->max_id)
				st->ids->max_id = id + off;
		}
		sqlite3_reset(ins);
		for (int i = 0; i < n_cols && rc == SQLITE_OK; i++)
			rc = bind_one(s, ins, i + 1, &src[i], r, 0, off, host, inst);
		if (rc == SQLITE_OK && (rc = sqlite3_step(ins)) == SQLITE_DONE)
			rc = SQLITE_OK;
		if (rc == SQLITE_OK && strcmp(st->table, "zombie_rows") == 0)
			rc = reaping(s, r, id + off);
		PQclear(r);
	}
	sqlite3_finalize(ins);
	if (failed)
		return -1;
	if (rc != SQLITE_OK) {
		snprintf(s->err, sizeof(s->err), "the snapshot's %s: %s", st->table,
		         sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/* The streams, in the order they are read (deaths after the signals their
 * signal_id names). With `target` (who), the signals and deaths who reads
 * for the target alone. */
static int load_all(struct snap *s, const struct cli_filter *f, bool target)
{
#define HOST "($1::text IS NULL OR host = $1)"
	const struct stream streams[] = {
	    {"signal_rows", "sigtrail.signal_rows", "SELECT * FROM sigtrail.signal_rows",
	     W("epoch_ms"), S_SET, "host, instance, id", "id", &s->signals},
	    {"ancestry_rows", "sigtrail.ancestry_rows",
	     "SELECT DISTINCT ON (host, instance, chain, depth) * FROM sigtrail.ancestry_rows",
	     HOST,
	     "(instance, chain) IN (SELECT instance, sender_chain FROM sigtrail.signal_rows "
	     "WHERE " W("epoch_ms") " AND " S_SET ")",
	     "host, instance, chain, depth, month", "chain", NULL},
	    {"death_rows", "sigtrail.death_rows", "SELECT * FROM sigtrail.death_rows",
	     W("epoch_ms"), D_SET, "host, instance, id", "id", &s->deaths},
	    {"collector_runs", "public.coverage", "SELECT * FROM public.coverage", HOST, NULL,
	     "host, instance, run", "run", &s->runs},
	    {"zombie_rows", "public.zombies", "SELECT * FROM public.zombies", W("epoch_ms"),
	     "(pid = $4::bigint OR comm = $5)", "host, instance, id", "id", &s->zombies},
	    {"forward_drop_rows", "public.forward_drops", "SELECT * FROM public.forward_drops",
	     HOST, NULL, "host, instance, id", "id", &s->drops},
	};
#undef HOST
	struct params p;

	bind_params(f, target, &p);
	for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		/* A centre older than its schema 3 (forward_drops) or 4 (zombies). */
		const char *params[1] = {streams[i].relation};
		PGresult *r = PQexecParams(s->pg, "SELECT to_regclass($1) IS NOT NULL", 1, NULL,
		                           params, NULL, NULL, 0);
		bool has = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		           strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (!has)
			continue;
		if (load(s, &streams[i], &p, target && (p.v[3] || p.v[4])) < 0)
			return -1;
	}
	return 0;
}

int cli_pg_snapshot(const char *uri, const struct cli_filter *f, bool target, char *dir,
                    size_t dir_size, char *path, size_t path_size)
{
	struct snap *s = calloc(1, sizeof(*s));
	struct store *st = NULL;
	char err[512];
	int code = 0;

	if (!s)
		return EX_OSERR;
	s->pg = PQconnectdb(uri);
	if (PQstatus(s->pg) != CONNECTION_OK) {
		const char *m = PQerrorMessage(s->pg);
		log_error("cannot connect to the centre: %.*s", (int)strcspn(m, "\n"), m);
		code = EX_UNAVAILABLE;
		goto out;
	}
	snprintf(dir, dir_size, "%s/sigtrail-centre.XXXXXX",
	         getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		log_error("cannot make a snapshot directory %s: %s", dir, strerror(errno));
		dir[0] = '\0';
		code = EX_CANTCREAT;
		goto out;
	}
	snprintf(path, path_size, "%s/centre.db", dir);
	if (store_open(path, NULL, &st, err, sizeof(err)) < 0) {
		log_error("cannot make the snapshot %s: %s", path, err);
		code = EX_CANTCREAT;
		goto out;
	}
	store_close(st);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; BEGIN",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT id FROM strings WHERE value = ?1 AND gen IS NULL", -1,
	                       &s->find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO strings(value) VALUES (?1)", -1, &s->add,
	                       NULL) != SQLITE_OK) {
		log_error("the snapshot %s: %s", path, sqlite3_errmsg(s->db));
		code = EX_CANTCREAT;
		goto out;
	}
	if (load_all(s, f, target) < 0) {
		log_error("%s", s->err);
		code = EX_UNAVAILABLE;
		goto out;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("the snapshot %s: %s", path, sqlite3_errmsg(s->db));
		code = EX_CANTCREAT;
	}
out:
	sqlite3_finalize(s->find);
	sqlite3_finalize(s->add);
	if (s->db)
		sqlite3_close(s->db);
	PQfinish(s->pg);
	free(s);
	if (code && dir[0])
		cli_pg_snapshot_remove(dir);
	return code;
}

void cli_pg_snapshot_remove(const char *dir)
{
	static const char *const files[] = {"centre.db", "centre.db-journal", "centre.db-wal",
	                                    "centre.db-shm"};
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		(void)unlink(p);
	}
	(void)rmdir(dir);
}
