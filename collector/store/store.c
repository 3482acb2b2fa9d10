/* store.c: the store's connection. The schema comes from schema/NNN-*.sql,
 * embedded at build time and applied as numbered migrations (PRAGMA
 * user_version); the file is marked with PRAGMA application_id so that
 * sigtrail never writes into a database that is not its own. Rows are
 * written (signals.c, deaths.c, with strings interned by intern.c) with
 * prepared statements inside transactions that the caller commits, here.
 * Exercise with `meson test -C build store` or by hand:
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log
 *   sqlite3 /tmp/t.db 'select * from signals' */
#include "sigtrail/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "store_internal.h"
#include "sigtrail/ids.h"
#include "sigtrail/schema.h"

int64_t store_scalar(sqlite3 *db, const char *sql)
{
	int64_t v = -1;

	(void)schema_query_int(db, sql, &v);
	return v;
}

int64_t store_run(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t c, int64_t d)
{
	const int64_t args[] = {a, b, c, d};
	sqlite3_stmt *s = NULL;
	int64_t v = 0;
	bool rows = false;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		int n = sqlite3_bind_parameter_count(s);
		rows = sqlite3_column_count(s) > 0;
		for (int i = 0; i < n && i < 4; i++)
			sqlite3_bind_int64(s, i + 1, args[i]);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_errno(rc);
	return rows ? v : sqlite3_changes64(db);
}

int store_sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOTADB:
		return -EEXIST; /* not a database, so not ours: as store_open() says */
	case SQLITE_CORRUPT:
		return -EBADMSG; /* ours, damaged */
	default:
		return -EIO;
	}
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **ret)
{
	return sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, ret, NULL);
}

/* Refuse a directory that others can write into (they could swap the file),
 * unless it is sticky like /tmp. Create the last component if missing. */
static int check_dir(const char *path, char *err, size_t errlen)
{
	char *copy = strdup(path);
	struct stat sb;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	const char *dir = dirname(copy);
	if (stat(dir, &sb) < 0 && errno == ENOENT && mkdir(dir, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "database %s: cannot create directory %s: %s", path, dir,
		         strerror(errno));
	} else if (stat(dir, &sb) < 0) {
		r = -errno;
		snprintf(err, errlen, "database %s: cannot use directory %s: %s", path, dir,
		         strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		r = -ENOTDIR;
		snprintf(err, errlen, "database %s: %s is not a directory", path, dir);
	} else if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
		r = -EPERM;
		snprintf(err, errlen,
		         "database %s: directory %s is writable by everyone; use a directory only "
		         "its owner can write",
		         path, dir);
	}
	free(copy);
	return r;
}

/* The statistics row that lets SQLite search signal_rows_target_pid_block
 * by pid alone, with one seek into each block of 65,536 rows (a skip-scan:
 * schema/021-target-pid-blocks.sql says why). Without it, "target_pid = N"
 * reads every row. Written when missing (a new or upgraded file, or one whose
 * statistics somebody deleted); ANALYZE's own row stands. The second ANALYZE
 * of the (indexless) schema table makes this connection load it. */
static int block_stat(struct store *st)
{
	int64_t n = 0;
	int rc = schema_query_int(
	    st->db, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'", &n);

	if (rc == SQLITE_OK && n > 0)
		rc = schema_query_int(
		    st->db,
		    "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'signal_rows_target_pid_block'",
		    &n);
	if (rc != SQLITE_OK || n > 0)
		return rc;
	return exec(st->db, "BEGIN IMMEDIATE; ANALYZE sqlite_schema;"
	                    "INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES ('signal_rows', "
	                    "'signal_rows_target_pid_block', '1048576 65536 1');"
	                    "ANALYZE sqlite_schema; COMMIT");
}

static int migrate(struct store *st, const char *path, char *err, size_t errlen)
{
	int64_t version = 0, app = 0, objects = 0;
	int rc;

	if ((rc = schema_query_int(st->db, "PRAGMA application_id", &app)) != SQLITE_OK ||
	    (rc = schema_query_int(st->db, "PRAGMA user_version", &version)) != SQLITE_OK ||
	    (rc = schema_query_int(st->db, "SELECT count(*) FROM sqlite_master", &objects)) !=
	        SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot read database header: %s", path,
		         sqlite3_errmsg(st->db));
		return store_sqlite_errno(rc);
	}
	if (app != STORE_APPLICATION_ID && (objects > 0 || version != 0)) {
		snprintf(err, errlen,
		         "%s is not a sigtrail database (application_id %#llx); refusing "
		         "to write into it",
		         path, (unsigned long long)app);
		return -EEXIST;
	}
	if (version > (int64_t)store_migrations_count) {
		snprintf(
		    err, errlen,
		    "%s has schema version %lld, newer than this sigtrail (%u); upgrade sigtrail",
		    path, (long long)version, store_migrations_count);
		return -EPROTO;
	}
	if (version == (int64_t)store_migrations_count)
		return 0;

	if ((rc = exec(st->db, "BEGIN IMMEDIATE")) != SQLITE_OK)
		goto fail;
	for (unsigned v = (unsigned)version; v < store_migrations_count; v++)
		if ((rc = exec(st->db, store_migrations[v])) != SQLITE_OK)
			goto fail;
	char sql[96];
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %u",
	         STORE_APPLICATION_ID, store_migrations_count);
	if ((rc = exec(st->db, sql)) != SQLITE_OK || (rc = exec(st->db, "COMMIT")) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: cannot create the schema: %s", path, sqlite3_errmsg(st->db));
	(void)exec(st->db, "ROLLBACK");
	return store_sqlite_errno(rc);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Before SQLite touches the file: switching it to WAL rewrites header
 * bytes 18-19, and opening a WAL database creates -wal and -shm files. So
 * the header is read here first: a file with content must be an SQLite
 * database with sigtrail's application_id (or one with no schema yet). An
 * absent file is created here, mode 0640 whatever the umask: SQLite gives
 * the -wal and -shm files the database's mode. Returns 0 or -errno with a
 * sentence in err. */
static int check_or_create(const char *path, char *err, size_t errlen)
{
	unsigned char h[100];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (fd < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create database %s: %s", path,
			         strerror(errno));
			return -errno;
		}
		if (fd >= 0 && fchmod(fd, 0640) < 0) { /* the umask may have taken bits */
			int r = -errno;
			close(fd);
			snprintf(err, errlen, "cannot create database %s: %s", path, strerror(-r));
			return r;
		}
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (fd < 0)
		return 0; /* sqlite3_open_v2() says why, in its words */
	ssize_t n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n == 0)
		return 0; /* empty: a new database (or one whose pages are all in its -wal) */
	if (n < (ssize_t)sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0) {
		snprintf(err, errlen, "%s is not an SQLite database; refusing to write into it",
		         path);
		return -EEXIST;
	}
	uint32_t pages = be32(h + 28), version = be32(h + 60), app = be32(h + 68);
	if (app != STORE_APPLICATION_ID && (pages > 1 || version != 0)) {
		snprintf(err, errlen,
		         "%s is not a sigtrail database (application_id %#llx); refusing "
		         "to write into it",
		         path, (unsigned long long)app);
		return -EEXIST;
	}
	return 0;
}

int store_open(const char *path, const char *default_host, struct store **ret, char *err,
               size_t errlen)
{
	struct store *st;
	struct stat sb;
	int r, rc;

	snprintf(err, errlen, "unknown error");
	r = check_dir(path, err, errlen);
	if (r < 0)
		return r;
	if (lstat(path, &sb) == 0 && (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid())) {
		snprintf(err, errlen,
		         "%s is not a regular file owned by uid %u; refusing to use it", path,
		         (unsigned)geteuid());
		return -EPERM;
	}
	if ((r = check_or_create(path, err, errlen)) < 0)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ids_init(&st->ids);
	st->jsonl_fd = -1;
	st->era_done_to.era = -1;
	st->default_host = default_host ? strdup(default_host) : NULL;

	rc = sqlite3_open_v2(path, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW |
	                         SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s (%s)", path,
		         st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc), strerror(errno));
		r = errno ? -errno : store_sqlite_errno(rc);
		goto err;
	}
	sqlite3_extended_result_codes(st->db, 1);
	(void)sqlite3_busy_timeout(st->db, 5000);
	/* WAL: readers (sqlite3, the CLI) never block the writer, and a commit
	 * is one append. NORMAL sync: a power loss may lose the last commits but
	 * never corrupts the file. */
	/* A new file frees pages incrementally, so that pruning (prune.c) can
	 * give space back to the filesystem; this must precede the first table. */
	int64_t objects = -1;
	if (schema_query_int(st->db, "SELECT count(*) FROM sqlite_master", &objects) == SQLITE_OK &&
	    objects == 0)
		(void)exec(st->db, "PRAGMA auto_vacuum = INCREMENTAL");
	rc = exec(st->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	                  "PRAGMA foreign_keys = OFF");
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot use database %s: %s", path, sqlite3_errmsg(st->db));
		r = store_sqlite_errno(rc);
		goto err;
	}
	/* Keep the -wal and -shm files when the daemon closes the database, so
	 * that a reader who may not create files in its directory (a member of
	 * the reader group: the directory is not group-writable) can still open
	 * it, read-only, after the daemon stopped. The WAL is cut back to 4 MiB
	 * at each checkpoint rather than deleted. */
	int persist = 1;
	(void)sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	(void)exec(st->db, "PRAGMA journal_size_limit = 4194304");
	/* A page cache of 64 MiB (SQLite's default is 2 MiB): the indexes'
	 * pages that random inserts touch stay cached as the database grows
	 * (BENCHMARKS.md: a third of the pwrite and pread calls per event at
	 * 1M events). Pages are allocated as they are used. */
	(void)exec(st->db, "PRAGMA cache_size = -65536");
	r = migrate(st, path, err, errlen);
	if (r < 0)
		goto err;
	if ((rc = block_stat(st)) != SQLITE_OK) {
		(void)exec(st->db, "ROLLBACK");
		snprintf(err, errlen, "%s: cannot write the index statistics: %s", path,
		         sqlite3_errmsg(st->db));
		r = store_sqlite_errno(rc);
		goto err;
	}
	if ((rc = store_intern_prepare(st)) != SQLITE_OK ||
	    (rc = store_signals_prepare(st)) != SQLITE_OK ||
	    (rc = store_deaths_prepare(st)) != SQLITE_OK ||
	    (rc = store_zombies_prepare(st)) != SQLITE_OK ||
	    (rc = store_chain_prepare(st)) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot prepare statements: %s", path,
		         sqlite3_errmsg(st->db));
		r = store_sqlite_errno(rc);
		goto err;
	}
	*ret = st;
	return 0;
err:
	store_close(st);
	return r;
}

static void rollback(struct store *st)
{
	(void)exec(st->db, "ROLLBACK");
	st->in_txn = false;
	st->stats.rows_lost += st->pending;
	st->pending = 0;
	st->bumped = 0;
	st->stats.deaths_lost += st->pending_deaths;
	st->pending_deaths = 0;
	st->pending_redactions = 0;
	store_invalidate_cache(st); /* ids and rows created in the transaction are gone */
	store_jsonl_flush(st, false);
}

int store_begin(struct store *st)
{
	int rc;

	if (st->in_txn)
		return SQLITE_OK;
	/* IMMEDIATE: take the write lock now. A deferred BEGIN would fail with
	 * BUSY_SNAPSHOT at the first insert when another writer (a `sigtrail
	 * import`) committed in between, without waiting. */
	if (st->ckpt) /* between two transactions: the only time the WAL can start over */
		(void)checkpointer_rewind(st->ckpt);
	rc = exec(st->db, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return rc;
	st->in_txn = true;
	/* Another writer may have started a generation, or chained rows, since. */
	if ((rc = store_intern_newest(st)) != SQLITE_OK ||
	    (rc = store_chain_refresh(st)) != SQLITE_OK)
		store_rollback(st);
	return rc;
}

int store_commit(struct store *st)
{
	int rc;

	if (!st->in_txn)
		return 0;
	(void)store_chain_seal(st); /* a failure leaves rows to the next commit */
	rc = exec(st->db, "COMMIT");
	if (rc != SQLITE_OK) {
		rollback(st);
		return store_sqlite_errno(rc);
	}
	st->in_txn = false;
	store_jsonl_flush(st, true);
	st->stats.rows_written += st->pending;
	st->stats.deaths_written += st->pending_deaths;
	st->pending_deaths = 0;
	st->stats.redactions += st->pending_redactions;
	st->pending_redactions = 0;
	st->bumped = 0;
	st->stats.commits++;
	st->pending = 0;
	return 0;
}

void store_rollback(struct store *st)
{
	if (st->in_txn)
		rollback(st);
}

unsigned store_pending(const struct store *st)
{
	return st->pending + st->bumped + st->pending_deaths;
}

void store_stats(const struct store *st, struct store_stats *ret)
{
	*ret = st->stats;
}

void store_set_signals_recorded(struct store *st, bool on)
{
	st->signals_recorded = on;
}

void store_forget_rows(struct store *st)
{
	memset(st->coalesce, 0, sizeof(st->coalesce));
}

void store_invalidate_cache(struct store *st)
{
	store_intern_clear(st);
	memset(st->coalesce, 0, sizeof(st->coalesce));
}

int store_checkpoint_async(struct store *st)
{
	if (st->ckpt)
		return 0;
	return checkpointer_start(st->db, &st->ckpt);
}

bool store_wal_behind(struct store *st)
{
	return st->ckpt && checkpointer_behind(st->ckpt);
}

void store_wal_stats(struct store *st, uint64_t *ret_passes, int *ret_max_pages)
{
	*ret_passes = 0;
	*ret_max_pages = -1;
	if (st->ckpt)
		checkpointer_stats(st->ckpt, ret_passes, ret_max_pages);
}

struct sqlite3 *store_sqlite(struct store *st)
{
	return st->db;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	/* Nothing will be added to any row now: the last commit seals them all. */
	memset(st->coalesce, 0, sizeof(st->coalesce));
	st->sealed_all = false;
	if (st->db && !st->in_txn && store_begin(st) != SQLITE_OK)
		st->in_txn = false;
	if (st->db)
		(void)store_commit(st);
	checkpointer_stop(st->ckpt);
	sqlite3_finalize(st->insert);
	sqlite3_finalize(st->str_find);
	sqlite3_finalize(st->str_add);
	sqlite3_finalize(st->text_find);
	sqlite3_finalize(st->text_add);
	sqlite3_finalize(st->newest_gen);
	sqlite3_finalize(st->seen);
	sqlite3_finalize(st->bump);
	sqlite3_finalize(st->covered);
	sqlite3_finalize(st->ancestor);
	sqlite3_finalize(st->death);
	sqlite3_finalize(st->fatal);
	sqlite3_finalize(st->zombie);
	sqlite3_finalize(st->reap);
	store_chain_free(st);
	for (int i = 0; i < STORE_CHAINS; i++) {
		sqlite3_finalize(st->chains[i].select);
		sqlite3_finalize(st->chains[i].insert);
		sqlite3_finalize(st->chains[i].last);
		chain_hasher_free(&st->chains[i].h);
	}
	store_intern_clear(st);
	if (st->db)
		sqlite3_close(st->db);
	free(st->default_host);
	free(st->fwd_position);
	if (st->jsonl_fd >= 0)
		close(st->jsonl_fd);
	free(st->jsonl_path);
	free(st->jsonl_buf);
	free(st->local_host);
	free(st);
}
