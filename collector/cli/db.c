/* db.c: the CLI's read-only view of a sigtrail database. It opens the file
 * with SQLITE_OPEN_READONLY (never creating it), checks the application_id
 * and schema version, and prepares the one query shape every command uses:
 * SELECT ... FROM signals WHERE <filters, all bound> <tail>, whose list of
 * the view's columns is made, at open, from the column table
 * (include/sigtrail/schema.h) and the columns this database's view has.
 *
 * Readers that may not write the directory (a member of the `sigtrail`
 * group) can read a WAL database while sigtraild has it open: SQLite then
 * uses the daemon's -shm read-only. When sigtraild has stopped and SQLite
 * has removed the -wal and -shm files, such a reader cannot recreate them;
 * everything is then in the main file, which is read alone (immutable=1) and
 * checked, at close, for a writer that started meanwhile.
 * Exercise with `sigtrail list --db /tmp/t.db` after
 * `sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log`. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/log.h"
#include "sigtrail/schema.h"
#include "sigtrail/store.h"

enum { BUSY_TIMEOUT_MS = 5000 };

const char *cli_signal_columns(const struct cli_db *d)
{
	return d->select;
}

int cli_db_fail(struct cli_db *d, int rc, const char *what)
{
	log_error("%s: %s: %s", d->path, what, d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EX_TEMPFAIL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
	case SQLITE_SCHEMA:
	/* A query of a well-formed file failing is its data's doing: a crafted
	 * or damaged value (a sum past 2^63 is "integer overflow", a string
	 * where a number belongs, an oversized blob). */
	case SQLITE_ERROR:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
	case SQLITE_CONSTRAINT:
		return EX_DATAERR;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		return EX_NOPERM;
	case SQLITE_IOERR:
	case SQLITE_FULL:
		return EX_IOERR;
	case SQLITE_NOMEM:
		return EX_OSERR;
	default:
		return EX_SOFTWARE;
	}
}

/* SQLite URI for `path` with every byte outside the unreserved set and '/'
 * percent-encoded (a path may contain '?', '#' or '%'). */
static char *snapshot_uri(const char *path)
{
	size_t n = strlen(path);
	char *uri = malloc(n * 3 + 32), *p;

	if (!uri)
		return NULL;
	p = uri + sprintf(uri, "file:");
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("/-._~", *s))
			*p++ = (char)*s;
		else
			p += sprintf(p, "%%%02X", *s);
	}
	strcpy(p, "?immutable=1");
	return uri;
}

static bool wal_exists(const char *path)
{
	char wal[PATH_MAX + 8];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	return stat(wal, &sb) == 0;
}

/* Explain an open(2) failure the way an operator needs it. */
static int open_error(const char *path, int err)
{
	if (err == ENOENT) {
		log_error("database %s does not exist (sigtraild creates it when it starts; "
		          "--db PATH reads another)",
		          path);
		return EX_NOINPUT;
	}
	if (err == EACCES || err == EPERM) {
		log_error("cannot read database %s: permission denied (members of the "
		          "'sigtrail' group may read it; or use sudo)",
		          path);
		return EX_NOPERM;
	}
	log_error("cannot open database %s: %s", path, strerror(err));
	return err == EISDIR ? EX_NOINPUT : EX_IOERR;
}

/* Cheap checks before SQLite: the file exists, is readable, is a regular
 * file, and if it has a header at all, it is an SQLite one (a fresh WAL
 * database may still be empty: its first pages live in the -wal file).
 * Opened non-blocking: a FIFO given as the database would block open()
 * until a writer came. */
static int precheck(const char *path, struct stat *ret_st)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return open_error(path, errno);
	if (fstat(fd, ret_st) < 0) {
		int err = errno;
		close(fd);
		return open_error(path, err);
	}
	if (!S_ISREG(ret_st->st_mode)) {
		close(fd);
		log_error("database %s is not a regular file", path);
		return EX_NOINPUT;
	}
	ssize_t n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return open_error(path, errno);
	if (n > 0 && (n < (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(head)) != 0)) {
		log_error("%s is not a sigtrail database (not an SQLite file)", path);
		return EX_DATAERR;
	}
	return 0;
}

/* Interpreters whose first argument that is not an option is the program:
 * `python3 -u worker.py`, `/bin/bash /opt/cleanup.sh --all`. */
static bool is_interpreter(const char *name, size_t n)
{
	static const char *const prefixes[] = {"python", "perl", "ruby", "node", "php", "lua",
	                                       "bash",   "sh",   "dash", "zsh",  "ksh", "Rscript"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t k = strlen(prefixes[i]);
		/* python3, python3.11, perl5.36: the name, then a version */
		if (n >= k && memcmp(name, prefixes[i], k) == 0 &&
		    strspn(name + k, "0123456789.") == n - k)
			return true;
	}
	return false;
}

/* SQL sigtrail_script(CMDLINE): the basename of the script an interpreter
 * runs ("worker.py" of "python3 -u /srv/worker.py --fast"), else NULL. The
 * name an SRE types for it, which is neither its comm nor its exe. */
static void sql_script(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *c = (const char *)sqlite3_value_text(argv[0]);
	const char *end, *base, *arg;

	(void)argc;
	if (!c)
		return;
	end = c + strcspn(c, " ");
	base = c;
	for (const char *p = c; p < end; p++)
		if (*p == '/')
			base = p + 1;
	if (!is_interpreter(base, (size_t)(end - base)))
		return;
	for (arg = end; *arg == ' '; arg++)
		;
	while (*arg == '-') { /* options; -c CODE and -m MODULE run no file */
		if ((arg[1] == 'c' || arg[1] == 'm') && arg[2] == ' ')
			return;
		arg += strcspn(arg, " ");
		while (*arg == ' ')
			arg++;
	}
	end = arg + strcspn(arg, " ");
	base = arg;
	for (const char *p = arg; p < end; p++)
		if (*p == '/')
			base = p + 1;
	if (end > base)
		sqlite3_result_text(ctx, base, (int)(end - base), SQLITE_TRANSIENT);
}

static int open_sqlite(struct cli_db *d, const char *name, int flags)
{
	int rc;

	if (d->db)
		sqlite3_close(d->db);
	d->db = NULL;
	rc =
	    sqlite3_open_v2(name, &d->db, flags | SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(d->db, 1);
		(void)sqlite3_busy_timeout(d->db, BUSY_TIMEOUT_MS);
		rc = sqlite3_create_function(d->db, "sigtrail_script", 1,
		                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
		                             NULL, sql_script, NULL, NULL);
	}
	return rc;
}

/* SQL from the column table and d->has_col, malloc'd: the select list of
 * every column, or with string_ids the FROM of cli_prepare_ids() (the view
 * and the string ids of the columns it has). NULL out of memory. */
static char *columns_sql(const struct cli_db *d, bool string_ids)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&sql, &len);

	if (!m)
		return NULL;
	if (string_ids)
		fputs("(SELECT v.*", m);
	for (int i = 0; i < COL__N; i++) {
		const struct schema_column *c = &schema_signals[i];
		if (string_ids && c->kind == SCHEMA_STRING && d->has_col[i])
			fprintf(m, ", r.%s AS %s", c->row_col, c->row_col);
		else if (!string_ids && (i == COL_TIME || !d->has_col[i]))
			fprintf(m, "%s%s AS %s", i ? ", " : "", c->absent, c->name);
		else if (!string_ids)
			fprintf(m, "%s%s", i ? ", " : "", c->name);
	}
	if (string_ids)
		fputs(" FROM signals AS v JOIN signal_rows AS r ON r.id = v.id) AS signals", m);
	if (fclose(m) != 0) {
		free(sql);
		return NULL;
	}
	return sql;
}

/* Which columns of the table this database's `signals` view has, and the
 * SQL that reads them: the select list of cli_signal_columns(), where the
 * view's `time` reads as NULL (epoch_ms formatted by strftime() and
 * printf() for every row is a third of an export's cost; cli_row_time()
 * writes the same text from epoch_ms instead, and tests/cli/roundtrip.py
 * checks they agree) and a column the view lacks as its stand-in; and the
 * view with signal_rows' string ids beside it, for cli_prepare_ids().
 * Returns SQLITE_OK or an SQLite code. */
static int describe_columns(struct cli_db *d)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(d->db, "SELECT name FROM pragma_table_info('signals')", -1, &s,
	                            NULL);
	int last = -1;

	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		for (int i = 0; name && i < COL__N; i++)
			if (strcmp(name, schema_signals[i].name) == 0)
				d->has_col[i] = true;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	for (int i = 0; i < COL__N; i++)
		if (d->has_col[i])
			last = i;
	d->has_count = d->has_col[COL_COUNT];
	d->has_process = d->has_col[COL_TARGET_CONTAINER];
	/* A row of a schema-1 database is one signal: its count is exported too. */
	d->signal_cols = last >= COL_COUNT ? last + 1 : COL_COUNT + 1;
	if (!(d->select = columns_sql(d, false)) || !(d->ids_from = columns_sql(d, true)))
		return SQLITE_NOMEM;
	return SQLITE_OK;
}

/* Schema 22: a search by pid reads pid_eras (cli_filter_rows_sql); a copy
 * whose tables or index were dropped by hand is searched the old way. */
static int pid_eras(struct cli_db *d)
{
	int64_t n = 0;
	int rc = schema_query_int(d->db,
	                          "SELECT count(*) FROM sqlite_master WHERE name IN ('pid_eras', "
	                          "'pid_eras_done', 'signal_rows_target_pid_block')",
	                          &n);

	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_pid_eras = n == 3;
	return 0;
}

/* What a database of an older schema has, which is read as it is
 * (read-only cannot migrate): what a version lacks is reported as such
 * rather than refused. Returns 0, or an exit status after an error. */
static int describe_schema(struct cli_db *d)
{
	int64_t n = 0;
	int rc;

	rc = schema_query_int(
	    d->db, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'signals'",
	    &n);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	if (n != 1) {
		log_error("%s has no `signals` view; it is damaged or not a sigtrail database",
		          d->path);
		return EX_DATAERR;
	}
	if ((rc = describe_columns(d)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	if ((rc = schema_query_int(d->db,
	                           "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
	                           "name = 'coverage'",
	                           &n)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_coverage = n > 0;
	if ((rc = schema_query_int(d->db,
	                           "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
	                           "name IN ('deaths', 'ancestry')",
	                           &n)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_deaths = n == 2;
	if (d->has_deaths && (rc = cli_death_describe(d)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	if ((rc =
	         schema_query_int(d->db,
	                          "SELECT count(*) FROM pragma_table_info('coverage') WHERE name = "
	                          "'processes'",
	                          &n)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_proc_coverage = n > 0;
	if ((rc =
	         schema_query_int(d->db,
	                          "SELECT count(*) FROM pragma_table_info('coverage') WHERE name = "
	                          "'lost_kernel_log'",
	                          &n)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_loss_detail = n > 0;
	if ((rc = schema_query_int(d->db,
	                           "SELECT count(*) FROM pragma_table_info('collector_runs') WHERE "
	                           "name = 'boot_epoch_ms'",
	                           &n)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_boot_epoch = n > 0;
	if ((rc = schema_query_int(d->db,
	                           "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
	                           "name IN ('signal_rows_target_comm', "
	                           "'signal_rows_target_comm_failed', 'signal_rows_target_exe', "
	                           "'strings_basename')",
	                           &n)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_name_index = n == 4;
	if ((rc = schema_query_int(d->db,
	                           "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
	                           "name = 'zombies'",
	                           &n)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the schema");
	d->has_zombies = n > 0;
	return pid_eras(d);
}

int cli_db_open_rows(const char *path, struct cli_filter *f, bool target, struct cli_db *d)
{
	char dir[PATH_MAX] = "", file[PATH_MAX];
	int r;

	if (!cli_is_pg_uri(path))
		return cli_db_open(path, d);
	*d = (struct cli_db){.path = path};
	if ((r = cli_pg_snapshot(path, f, target, dir, sizeof(dir), file, sizeof(file))) != 0)
		return r;
	/* The centre kept the host's rows alone (its role): the snapshot's host
	 * column is where each came from, which for an imported log is another
	 * machine's name. */
	if (f)
		f->host = NULL;
	r = cli_db_open(file, d);
	snprintf(d->centre_dir, sizeof(d->centre_dir), "%s", dir);
	d->path = path; /* messages name the centre */
	return r;
}

int cli_db_open(const char *path, struct cli_db *d)
{
	int64_t app = 0, version = 0, n = 0;
	int rc, r;

	*d = (struct cli_db){.path = path};
	if (cli_is_pg_uri(path)) {
		log_error("--db %s: this command reads a local database only (who, list, export, "
		          "report, status, verify and fleet read the fleet's centre)",
		          path);
		return EX_USAGE;
	}
	r = precheck(path, &d->st);
	if (r != 0)
		return r;
	rc = open_sqlite(d, path, 0);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot open database");
	rc = schema_query_int(d->db, "PRAGMA application_id", &app);
	if (rc != SQLITE_OK && !wal_exists(path) &&
	    ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY)) {
		/* sigtraild is stopped and we may not create the -wal/-shm
		 * files: read the main file alone (see the file comment). */
		char *uri = snapshot_uri(path);
		if (!uri)
			return cli_db_fail(d, SQLITE_NOMEM, "cannot open database");
		rc = open_sqlite(d, uri, SQLITE_OPEN_URI);
		free(uri);
		if (rc != SQLITE_OK)
			return cli_db_fail(d, rc, "cannot open database");
		d->snapshot = true;
		rc = schema_query_int(d->db, "PRAGMA application_id", &app);
	}
	if ((rc & 0xff) == SQLITE_NOTADB) {
		log_error("%s is not a sigtrail database (not an SQLite file)", path);
		return EX_DATAERR;
	}
	if (rc != SQLITE_OK ||
	    (rc = schema_query_int(d->db, "PRAGMA user_version", &version)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read the database header");
	if (app == 0 && version == 0 &&
	    schema_query_int(d->db, "SELECT count(*) FROM sqlite_master", &n) == SQLITE_OK &&
	    n == 0) {
		log_error("%s is empty: not a sigtrail database (yet: sigtraild creates its schema "
		          "when it first starts)",
		          path);
		return EX_DATAERR;
	}
	if (app != STORE_APPLICATION_ID) {
		log_error("%s is not a sigtrail database (application_id %#llx, expected %#x)",
		          path, (unsigned long long)app, STORE_APPLICATION_ID);
		return EX_DATAERR;
	}
	if (version > (int64_t)store_migrations_count) {
		log_error("%s has schema version %lld, newer than this sigtrail understands (%u); "
		          "upgrade the sigtrail package",
		          path, (long long)version, store_migrations_count);
		return EX_DATAERR;
	}
	if (version < 1) {
		log_error("%s is a sigtrail database without a schema yet; run sigtraild once to "
		          "create it",
		          path);
		return EX_DATAERR;
	}
	d->version = (int)version;
	return describe_schema(d);
}

int cli_db_close(struct cli_db *d)
{
	struct stat sb;
	int r = 0;

	sqlite3_finalize(d->boot_q); /* a statement left open keeps the handle open */
	d->boot_q = NULL;
	if (d->db)
		sqlite3_close(d->db);
	d->db = NULL;
	free(d->select);
	free(d->ids_from);
	free(d->death_cols);
	d->select = d->ids_from = d->death_cols = NULL;
	if (d->snapshot &&
	    (stat(d->path, &sb) < 0 || sb.st_ino != d->st.st_ino || sb.st_size != d->st.st_size ||
	     sb.st_mtim.tv_sec != d->st.st_mtim.tv_sec ||
	     sb.st_mtim.tv_nsec != d->st.st_mtim.tv_nsec || wal_exists(d->path))) {
		log_warn("%s changed while it was read without sigtraild's shared memory "
		         "(sigtraild started?); the output may be inconsistent: run the "
		         "command again",
		         d->path);
		r = EX_TEMPFAIL;
	}
	d->snapshot = false;
	if (d->centre_dir[0])
		cli_pg_snapshot_remove(d->centre_dir);
	d->centre_dir[0] = '\0';
	return r;
}

void cli_filter_rows_sql(FILE *m, const struct cli_db *d, const struct cli_filter *f)
{
	if (f->since_ms != INT64_MIN)
		fputs(" AND epoch_ms >= ?1", m);
	if (f->until_ms != INT64_MAX)
		fputs(" AND epoch_ms < ?2", m);
	if (f->signal >= 0)
		fputs(" AND signal = ?3", m);
	if (f->sender_pid >= 0)
		fputs(" AND sender_pid = ?4", m);
	/* An ESRCH row has only the pid it was aimed at; schema 8 indexes those
	 * rows (without the index, the OR would read every row). Schema 22: the
	 * others through each done era (pid_eras) and each block after them, a
	 * seek each, not one in every block. */
	if (f->target_pid >= 0 && d->has_pid_eras)
		fputs(" AND (id IN " SCHEMA_PID_IDS("?5") " OR (target_pid IS "
		                                          "NULL AND target_arg = ?5))",
		      m);
	else if (f->target_pid >= 0 && d->version >= 8)
		fputs(" AND (target_pid = ?5 OR (target_pid IS NULL AND target_arg = ?5))", m);
	else if (f->target_pid >= 0)
		fputs(" AND target_pid = ?5", m);
	if (f->failed)
		fputs(" AND success = 0", m);
	if (f->exclude[0])
		fputs(" AND instr(?13, ',' || signal || ',') = 0", m);
}

bool cli_filter_has_text(const struct cli_filter *f)
{
	return f->sender_comm || f->sender_user || f->syscall || f->host;
}

static int prepare_from(struct cli_db *d, const struct cli_filter *f, const char *select,
                        const char *from, const char *tail, sqlite3_stmt **ret)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&sql, &len);

	if (!m)
		return SQLITE_NOMEM;
	fprintf(m, "SELECT %s FROM %s WHERE 1", select, from);
	cli_filter_rows_sql(m, d, f);
	if (f->sender_comm)
		fputs(" AND sender_comm = ?6", m);
	if (f->sender_user)
		fputs(" AND (sender_user = ?7 OR sender_login = ?7)", m);
	if (f->target_comm && f->full_name && d->has_process)
		/* who NAME: the comm, or the basename of the target's exe, or
		 * for a name with a dot (worker.py) the script an interpreter
		 * ran (it costs a read of every command line). who_name.c reads
		 * the same rows through schema 20's indexes instead. */
		fprintf(m,
		        " AND (target_comm = ?8 OR replace(target_exe, rtrim(target_exe, "
		        "replace(target_exe, '/', '')), '') = ?11%s)",
		        strchr(f->full_name, '.') ? " OR sigtrail_script(target_cmdline) = ?11"
		                                  : "");
	else if (f->target_comm)
		fputs(" AND target_comm = ?8", m);
	if (f->syscall)
		fputs(" AND syscall = ?9", m);
	if (f->host)
		fputs(" AND host = ?10", m);
	if (tail)
		fprintf(m, " %s", tail);
	return cli_prepare_sql(d, f, m, &sql, ret);
}

int cli_prepare_sql(struct cli_db *d, const struct cli_filter *f, FILE *m, char **sql,
                    sqlite3_stmt **ret)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (fclose(m) != 0 || !*sql) {
		free(*sql);
		return SQLITE_NOMEM;
	}
	rc = sqlite3_prepare_v2(d->db, *sql, -1, &s, NULL);
	free(*sql);
	*sql = NULL;
	if (rc != SQLITE_OK)
		return rc;
	/* Binding a parameter the SQL does not use is a harmless SQLITE_RANGE. */
	(void)sqlite3_bind_int64(s, CLI_P_SINCE, f->since_ms);
	(void)sqlite3_bind_int64(s, CLI_P_UNTIL, f->until_ms);
	(void)sqlite3_bind_int(s, CLI_P_SIGNAL, f->signal);
	(void)sqlite3_bind_int64(s, CLI_P_SENDER_PID, f->sender_pid);
	(void)sqlite3_bind_int64(s, CLI_P_TARGET_PID, f->target_pid);
	(void)sqlite3_bind_text(s, CLI_P_SENDER_COMM, f->sender_comm, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(s, CLI_P_SENDER_USER, f->sender_user, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(s, CLI_P_TARGET_COMM, f->target_comm, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(s, CLI_P_SYSCALL, f->syscall, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(s, CLI_P_HOST, f->host, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(s, CLI_P_FULL_NAME, f->full_name, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(s, CLI_P_CAUSE, f->cause, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(s, CLI_P_EXCLUDE, f->exclude, -1, SQLITE_STATIC);
	*ret = s;
	return SQLITE_OK;
}

int cli_prepare(struct cli_db *d, const struct cli_filter *f, const char *select, const char *tail,
                sqlite3_stmt **ret)
{
	return prepare_from(d, f, select, "signals", tail, ret);
}

int cli_prepare_ids(struct cli_db *d, const struct cli_filter *f, const char *select,
                    const char *tail, sqlite3_stmt **ret)
{
	/* Without a filter on a text column, the table itself: its columns
	 * epoch_ms, signal, sender_pid, target_pid and success are the view's. */
	if (!f->sender_comm && !f->sender_user && !f->target_comm && !f->syscall && !f->host)
		return prepare_from(d, f, select, "signal_rows", tail, ret);
	/* Else SQLite flattens this into the view's own query plus one rowid
	 * lookup per row; the view's string subqueries run for the filters. */
	return prepare_from(d, f, select, d->ids_from, tail, ret);
}

int cli_signal_by_id(struct cli_db *d, int64_t id, sqlite3_stmt **ret)
{
	struct cli_filter none = {.since_ms = INT64_MIN,
	                          .until_ms = INT64_MAX,
	                          .signal = -1,
	                          .sender_pid = -1,
	                          .target_pid = -1};
	sqlite3_stmt *s = NULL;
	int rc = cli_prepare(d, &none, cli_signal_columns(d), "AND id = ?20", &s);

	*ret = NULL;
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 20, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret = s;
		return SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void cli_row_time(sqlite3_stmt *stmt, char *buf, size_t size)
{
	cli_time_iso(sqlite3_column_int64(stmt, COL_EPOCH_MS), buf, size);
}

void cli_row_json(FILE *out, sqlite3_stmt *stmt, int ncols)
{
	char t[40];

	fputc('{', out);
	for (int i = 0; i < ncols && i < COL__N; i++) {
		if (i)
			fputc(',', out);
		fputc('"', out);
		fputs(schema_signals[i].name, out);
		fputs("\":", out);
		if (i == COL_TIME) {
			cli_row_time(stmt, t, sizeof(t));
			fprintf(out, "\"%s\"", t);
			continue;
		}
		switch (sqlite3_column_type(stmt, i)) {
		case SQLITE_NULL:
			fputs("null", out);
			break;
		case SQLITE_INTEGER:
			fprintf(out, "%lld", (long long)sqlite3_column_int64(stmt, i));
			break;
		default:
			cli_json_string(out, (const char *)sqlite3_column_text(stmt, i));
		}
	}
	fputc('}', out);
}
