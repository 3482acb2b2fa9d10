/* store.c: events become rows. The schema comes from schema/NNN-*.sql, embedded
 * at build time and applied as numbered migrations (PRAGMA user_version);
 * the file is marked with PRAGMA application_id so that sigtrail never
 * writes into a database that is not its own. Strings are interned in the
 * `strings` table through a bounded in-memory cache: names (hosts, users,
 * comms...) unique in the table, texts (command lines, ancestries: mostly
 * new) unique among the newest strings only, so that storing one costs the
 * same in a database of any size (schema/004-strings-recent.sql says why).
 * Rows are written with one prepared statement inside transactions that the
 * caller commits.
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
#include <time.h>
#include <unistd.h>

#include "store_internal.h"
#include "sigtrail/ids.h"
#include "sigtrail/names.h"
#include "sigtrail/schema.h"
#include "sigtrail/sigsys.h"

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

static void intern_clear(struct store *st)
{
	for (size_t i = 0; i < INTERN_SLOTS; i++) {
		free(st->intern[i].value);
		st->intern[i].value = NULL;
	}
	st->intern_used = st->intern_bytes = 0;
	st->xcache.id = 0; /* its ids may be gone too (rollback, pruning) */
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The strings.id of `value` as a name (text false: unique in the table) or
 * a text (unique in the newest generation), inserting it if new; *ret_id -1
 * for a NULL value. Returns SQLITE_OK or an SQLite error code. */
static int intern_as(struct store *st, const char *value, bool text, int64_t *ret_id, bool *ret_new)
{
	sqlite3_stmt *find = text ? st->text_find : st->str_find;
	sqlite3_stmt *add = text ? st->text_add : st->str_add;
	uint64_t h;
	size_t i;
	int rc;

	*ret_id = -1;
	if (ret_new)
		*ret_new = false;
	if (!value)
		return SQLITE_OK;
	h = fnv1a(value) ^ text; /* the same value as a name and as a text: two ids */
	for (i = h & (INTERN_SLOTS - 1); st->intern[i].value; i = (i + 1) & (INTERN_SLOTS - 1)) {
		if (st->intern[i].hash == h && st->intern[i].text == text &&
		    strcmp(st->intern[i].value, value) == 0) {
			*ret_id = st->intern[i].id;
			return SQLITE_OK;
		}
	}
	sqlite3_reset(find);
	sqlite3_bind_text(find, 1, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(find);
	if (rc == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(find, 0);
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(add);
		sqlite3_bind_text(add, 1, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(add);
		if (rc != SQLITE_DONE)
			return rc;
		*ret_id = sqlite3_last_insert_rowid(st->db);
		if (ret_new)
			*ret_new = true;
	} else {
		return rc;
	}
	sqlite3_reset(find);

	size_t len = strlen(value);
	if (st->intern_used >= INTERN_SLOTS * 3 / 4 || st->intern_bytes + len > INTERN_MAX_BYTES) {
		intern_clear(st);
		i = h & (INTERN_SLOTS - 1);
	}
	char *copy = strdup(value);
	if (copy) { /* a failed copy only costs a lookup next time */
		st->intern[i] =
		    (struct intern_slot){.hash = h, .value = copy, .id = *ret_id, .text = text};
		st->intern_used++;
		st->intern_bytes += len;
	}
	return SQLITE_OK;
}

int store_intern(struct store *st, const char *value, int64_t *ret_id, bool *ret_new)
{
	return intern_as(st, value, false, ret_id, ret_new);
}

int store_intern_text(struct store *st, const char *value, int64_t *ret_id, bool *ret_new)
{
	return intern_as(st, value, true, ret_id, ret_new);
}

static int intern(struct store *st, const char *value, int64_t *ret_id)
{
	return store_intern(st, value, ret_id, NULL);
}

static int intern_text(struct store *st, const char *value, int64_t *ret_id)
{
	return store_intern_text(st, value, ret_id, NULL);
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *ret)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*ret = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return rc;
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

static int migrate(struct store *st, const char *path, char *err, size_t errlen)
{
	int64_t version = 0, app = 0, objects = 0;
	int rc;

	if ((rc = pragma_int(st->db, "PRAGMA application_id", &app)) != SQLITE_OK ||
	    (rc = pragma_int(st->db, "PRAGMA user_version", &version)) != SQLITE_OK ||
	    (rc = pragma_int(st->db, "SELECT count(*) FROM sqlite_master", &objects)) !=
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
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ids_init(&st->ids);
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
	if (pragma_int(st->db, "SELECT count(*) FROM sqlite_master", &objects) == SQLITE_OK &&
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
	r = migrate(st, path, err, errlen);
	if (r < 0)
		goto err;
	if (sqlite3_prepare_v3(
	        st->db,
	        "INSERT INTO signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, "
	        "signal, success, errno_s, target_arg, sender_pid, sender_ppid, "
	        "sender_uid, sender_euid, sender_auid, sender_ses, sender_user_s, "
	        "sender_login_s, sender_tty_s, sender_comm_s, sender_exe_s, "
	        "sender_cmdline_s, target_pid, target_uid, target_auid, target_ses, "
	        "target_user_s, target_comm_s, sender_ancestry_s, sender_chain_s, "
	        "target_exe_s, target_cmdline_s, target_start_time, sender_unit_s, "
	        "target_unit_s, sender_container_s, target_container_s) VALUES (?1, ?2, ?3, "
	        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
	        "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, "
	        "?35, ?36)",
	        -1, SQLITE_PREPARE_PERSISTENT, &st->insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "SELECT id FROM strings WHERE value = ?1 AND gen IS NULL",
	                       -1, SQLITE_PREPARE_PERSISTENT, &st->str_find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "INSERT INTO strings(value) VALUES (?1)", -1,
	                       SQLITE_PREPARE_PERSISTENT, &st->str_add, NULL) != SQLITE_OK ||
	    /* A text's generation is the block of 65,536 ids it was stored in
	     * (schema 4); only the newest is searched. */
	    sqlite3_prepare_v3(st->db,
	                       "SELECT id FROM strings WHERE gen = (SELECT max(id) FROM strings) "
	                       ">> 16 AND value = ?1",
	                       -1, SQLITE_PREPARE_PERSISTENT, &st->text_find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db,
	                       "INSERT INTO strings(value, gen) VALUES (?1, (coalesce((SELECT "
	                       "max(id) FROM strings), 0) + 1) >> 16)",
	                       -1, SQLITE_PREPARE_PERSISTENT, &st->text_add, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db,
	                       "SELECT 1 FROM signal_rows WHERE epoch_ms = ?1 AND serial = ?2 AND "
	                       "host_s IS ?3 LIMIT 1",
	                       -1, SQLITE_PREPARE_PERSISTENT, &st->seen, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db,
	                       "UPDATE signal_rows SET count = count + 1, last_serial = "
	                       "max(coalesce(last_serial, serial), ?2) WHERE id = ?1",
	                       -1, SQLITE_PREPARE_PERSISTENT, &st->bump, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(
	        st->db,
	        "SELECT 1 FROM signal_rows WHERE target_pid = ?1 AND serial < ?2 AND "
	        "last_serial >= ?2 AND host_s IS ?3 AND sender_pid = ?4 AND "
	        "signal = ?5 LIMIT 1",
	        -1, SQLITE_PREPARE_PERSISTENT, &st->covered, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(
	        st->db,
	        "INSERT OR IGNORE INTO ancestry_rows(chain_s, depth, pid, start_time, "
	        "comm_s, exe_s, cmdline_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	        -1, SQLITE_PREPARE_PERSISTENT, &st->ancestor, NULL) != SQLITE_OK ||
	    store_deaths_prepare(st) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot prepare statements: %s", path,
		         sqlite3_errmsg(st->db));
		r = -EIO;
		goto err;
	}
	*ret = st;
	return 0;
err:
	store_close(st);
	return r;
}

static void bind_id(sqlite3_stmt *s, int col, int64_t v)
{
	if (v == ST_ID_UNSET)
		sqlite3_bind_null(s, col);
	else
		sqlite3_bind_int64(s, col, v);
}

static void bind_str(sqlite3_stmt *s, int col, int64_t id)
{
	bind_id(s, col, id); /* -1 from intern() means NULL */
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
	intern_clear(st);                              /* ids created in the transaction are gone */
	memset(st->coalesce, 0, sizeof(st->coalesce)); /* and so are its rows */
}

/* The coalescing slot of a single-target event, and whether it matches. */
static struct coalesce_slot *coalesce_slot(struct store *st, const struct st_event *ev,
                                           bool *ret_match)
{
	const struct st_target *t = &ev->targets[0];
	uint64_t h = (uint64_t)(uint32_t)ev->pid * 2654435761u ^
	             (uint64_t)(uint32_t)t->pid * 40503u ^ (uint64_t)(uint32_t)ev->signal * 97u ^
	             (uint64_t)(uint32_t)ev->syscall;
	struct coalesce_slot *c = &st->coalesce[h % COALESCE_SLOTS];

	*ret_match = c->used && c->sender == ev->pid && c->target == t->pid &&
	             c->signal == ev->signal && c->syscall == ev->syscall && c->arch == ev->arch &&
	             c->success == ev->success && c->exit == ev->exit &&
	             ev->epoch_ms >= c->first_ms && ev->epoch_ms - c->first_ms < st->coalesce_ms;
	return c;
}

/* Import mode: is this event (host, serial, time) already stored, as a row
 * of its own or coalesced into an earlier row (between its first and last
 * serial, same sender, target and signal)? */
static int already_stored(struct store *st, const struct st_event *ev, int64_t host, bool *ret)
{
	int rc;

	sqlite3_reset(st->seen);
	sqlite3_bind_int64(st->seen, 1, ev->epoch_ms);
	sqlite3_bind_int64(st->seen, 2, (int64_t)ev->serial);
	bind_id(st->seen, 3, host);
	rc = sqlite3_step(st->seen);
	sqlite3_reset(st->seen);
	if (rc == SQLITE_DONE && ev->n_targets == 1) {
		sqlite3_stmt *c = st->covered;
		sqlite3_reset(c);
		sqlite3_bind_int(c, 1, ev->targets[0].pid);
		sqlite3_bind_int64(c, 2, (int64_t)ev->serial);
		bind_id(c, 3, host);
		sqlite3_bind_int(c, 4, ev->pid);
		sqlite3_bind_int(c, 5, ev->signal);
		rc = sqlite3_step(c);
		sqlite3_reset(c);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	*ret = rc == SQLITE_ROW;
	return SQLITE_OK;
}

int store_begin(struct store *st)
{
	int rc;

	if (st->in_txn)
		return SQLITE_OK;
	/* IMMEDIATE: take the write lock now. A deferred BEGIN would fail with
	 * BUSY_SNAPSHOT at the first insert when another writer (a `sigtrail
	 * import`) committed in between, without waiting. */
	rc = exec(st->db, "BEGIN IMMEDIATE");
	if (rc == SQLITE_OK)
		st->in_txn = true;
	return rc;
}

/* The chain key of an ancestry, "PID@START/PID@START/..." (interned as
 * ancestry_rows.chain_s), and its members' rows the first time it is seen. */
static int insert_chain(struct store *st, const struct proc_extra *x, int64_t *ret_chain)
{
	char key[PTAB_MAX_DEPTH * 32];
	size_t len = 0;
	bool is_new = false;
	int rc;

	*ret_chain = -1;
	if (x->n_members == 0)
		return SQLITE_OK;
	for (uint32_t i = 0; i < x->n_members && len < sizeof(key); i++)
		len += (size_t)snprintf(key + len, sizeof(key) - len, "%s%d@%llu", i ? "/" : "",
		                        x->members[i].pid,
		                        (unsigned long long)x->members[i].start_time);
	if ((rc = store_intern_text(st, key, ret_chain, &is_new)) != SQLITE_OK || !is_new)
		return rc; /* a chain seen before has its rows (same transaction or committed) */
	for (uint32_t i = 0; i < x->n_members; i++) {
		const struct proc_member *m = &x->members[i];
		int64_t comm, exe, cmd;
		if ((rc = intern(st, m->comm, &comm)) != SQLITE_OK ||
		    (rc = intern(st, m->exe, &exe)) != SQLITE_OK ||
		    (rc = intern_text(st, m->cmdline, &cmd)) != SQLITE_OK)
			return rc;
		sqlite3_stmt *a = st->ancestor;
		sqlite3_reset(a);
		sqlite3_bind_int64(a, 1, *ret_chain);
		sqlite3_bind_int(a, 2, (int)i);
		sqlite3_bind_int(a, 3, m->pid);
		store_bind_opt(a, 4, m->start_time != 0, (int64_t)m->start_time);
		bind_str(a, 5, comm);
		bind_str(a, 6, exe);
		bind_str(a, 7, cmd);
		rc = sqlite3_step(a);
		sqlite3_reset(a);
		if (rc != SQLITE_DONE)
			return rc;
	}
	return SQLITE_OK;
}

int store_insert(struct store *st, const struct st_event *ev)
{
	return store_insert_extra(st, ev, NULL);
}

int store_insert_extra(struct store *st, const struct st_event *ev, const struct proc_extra *x)
{
	struct timespec now;
	int64_t host, arch, sc, err, user, login, tty, comm, exe, cmd;
	const struct sigsys *sys = sigsys_lookup(ev->arch, ev->syscall);
	unsigned rows = ev->n_targets > 0 ? ev->n_targets : 1;
	unsigned done = 0; /* rows of this event already in the transaction */
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((rc = store_begin(st)) != SQLITE_OK) {
		st->stats.rows_lost += rows;
		return store_sqlite_errno(rc);
	}
	if ((rc = intern(st, ev->host ? ev->host : st->default_host, &host)) != SQLITE_OK ||
	    (rc = intern(st, sigsys_arch_name(ev->arch), &arch)) != SQLITE_OK ||
	    (rc = intern(st, sys ? sys->name : NULL, &sc)) != SQLITE_OK ||
	    (rc = intern(st, ev->success ? NULL : names_errno(-ev->exit), &err)) != SQLITE_OK ||
	    (rc = intern(st, ids_user(&st->ids, ev->uid, now.tv_sec), &user)) != SQLITE_OK ||
	    (rc = intern(st, ids_user(&st->ids, ev->auid, now.tv_sec), &login)) != SQLITE_OK ||
	    (rc = intern(st, ev->tty, &tty)) != SQLITE_OK ||
	    (rc = intern(st, ev->comm, &comm)) != SQLITE_OK ||
	    (rc = intern(st, ev->exe, &exe)) != SQLITE_OK ||
	    (rc = intern_text(st, ev->cmdline, &cmd)) != SQLITE_OK)
		goto fail;
	int64_t ancestry = -1, chain = -1, sunit = -1, scont = -1;
	bool cached = x && x->id != 0 && x->id == st->xcache.id;
	if (cached) {
		ancestry = st->xcache.ancestry;
		sunit = st->xcache.sunit;
		scont = st->xcache.scont;
	} else if (x && ((rc = intern_text(st, x->sender_ancestry, &ancestry)) != SQLITE_OK ||
	                 (rc = intern(st, x->sender_unit, &sunit)) != SQLITE_OK ||
	                 (rc = intern(st, x->sender_container, &scont)) != SQLITE_OK)) {
		goto fail;
	}

	if (st->dedupe) {
		bool seen = false;
		if ((rc = already_stored(st, ev, host, &seen)) != SQLITE_OK)
			goto fail;
		if (seen)
			return 0;
	}
	struct coalesce_slot *slot = NULL;
	if (st->coalesce_ms > 0 && ev->n_targets == 1) {
		bool match;
		slot = coalesce_slot(st, ev, &match);
		if (match) {
			sqlite3_reset(st->bump);
			sqlite3_bind_int64(st->bump, 1, slot->rowid);
			sqlite3_bind_int64(st->bump, 2, (int64_t)ev->serial);
			rc = sqlite3_step(st->bump);
			sqlite3_reset(st->bump);
			if (rc != SQLITE_DONE)
				goto fail;
			st->stats.coalesced++;
			st->bumped++;
			return 0;
		}
	}

	if (cached)
		chain = st->xcache.chain;
	else if (x && (rc = insert_chain(st, x, &chain)) != SQLITE_OK)
		goto fail;
	sqlite3_stmt *s = st->insert;
	for (unsigned i = 0; i < rows; i++, done++) {
		const struct st_target *t = ev->n_targets > 0 ? &ev->targets[i] : NULL;
		const struct proc_target_extra *tx = x && i < x->n_targets ? &x->targets[i] : NULL;
		int64_t tuser = -1, tcomm = -1, texe = -1, tcmd = -1, tunit = -1, tcont = -1;

		if (t && ((rc = intern(st, ids_user(&st->ids, t->uid, now.tv_sec), &tuser)) !=
		              SQLITE_OK ||
		          (rc = intern(st, t->comm, &tcomm)) != SQLITE_OK))
			goto fail;
		if (tx && cached) {
			texe = st->xcache.texe;
			tcmd = st->xcache.tcmd;
			tunit = st->xcache.tunit;
			tcont = st->xcache.tcont;
		} else if (tx && ((rc = intern(st, tx->exe, &texe)) != SQLITE_OK ||
		                  (rc = intern_text(st, tx->cmdline, &tcmd)) != SQLITE_OK ||
		                  (rc = intern(st, tx->unit, &tunit)) != SQLITE_OK ||
		                  (rc = intern(st, tx->container, &tcont)) != SQLITE_OK)) {
			goto fail;
		}
		if (tx && x->id != 0 && rows == 1 && !cached) /* written below, or rolled back */
			st->xcache = (struct extra_ids){.id = x->id,
			                                .ancestry = ancestry,
			                                .chain = chain,
			                                .sunit = sunit,
			                                .scont = scont,
			                                .texe = texe,
			                                .tcmd = tcmd,
			                                .tunit = tunit,
			                                .tcont = tcont};
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, ev->epoch_ms);
		sqlite3_bind_int64(s, 2, (int64_t)ev->serial);
		bind_str(s, 3, host);
		bind_str(s, 4, arch);
		bind_str(s, 5, sc);
		sqlite3_bind_int(s, 6, ev->signal);
		sqlite3_bind_int(s, 7, ev->success);
		bind_str(s, 8, err);
		sqlite3_bind_int(s, 9, ev->target_arg);
		sqlite3_bind_int(s, 10, ev->pid);
		sqlite3_bind_int(s, 11, ev->ppid);
		bind_id(s, 12, ev->uid);
		bind_id(s, 13, ev->euid);
		bind_id(s, 14, ev->auid);
		bind_id(s, 15, ev->ses);
		bind_str(s, 16, user);
		bind_str(s, 17, login);
		bind_str(s, 18, tty);
		bind_str(s, 19, comm);
		bind_str(s, 20, exe);
		bind_str(s, 21, cmd);
		if (t) {
			sqlite3_bind_int(s, 22, t->pid);
			bind_id(s, 23, t->uid);
			bind_id(s, 24, t->auid);
			bind_id(s, 25, t->ses);
		} else {
			for (int c = 22; c <= 25; c++)
				sqlite3_bind_null(s, c);
		}
		bind_str(s, 26, tuser);
		bind_str(s, 27, tcomm);
		bind_str(s, 28, ancestry);
		bind_str(s, 29, chain);
		bind_str(s, 30, texe);
		bind_str(s, 31, tcmd);
		store_bind_opt(s, 32, tx && tx->start_time, tx ? (int64_t)tx->start_time : 0);
		bind_str(s, 33, sunit);
		bind_str(s, 34, tunit);
		bind_str(s, 35, scont);
		bind_str(s, 36, tcont);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			goto fail;
		st->pending++;
	}
	sqlite3_reset(s);
	if (slot)
		*slot = (struct coalesce_slot){.sender = ev->pid,
		                               .target = ev->targets[0].pid,
		                               .signal = ev->signal,
		                               .syscall = ev->syscall,
		                               .exit = ev->exit,
		                               .arch = ev->arch,
		                               .success = ev->success,
		                               .used = true,
		                               .first_ms = ev->epoch_ms,
		                               .rowid = sqlite3_last_insert_rowid(st->db)};
	return (int)rows;
fail:
	sqlite3_reset(st->insert);
	st->stats.rows_lost += rows - done; /* rollback() counts the ones in the transaction */
	rollback(st);
	return store_sqlite_errno(rc);
}

int store_commit(struct store *st)
{
	int rc;

	if (!st->in_txn)
		return 0;
	rc = exec(st->db, "COMMIT");
	if (rc != SQLITE_OK) {
		rollback(st);
		return store_sqlite_errno(rc);
	}
	st->in_txn = false;
	st->stats.rows_written += st->pending;
	st->stats.deaths_written += st->pending_deaths;
	st->pending_deaths = 0;
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

void store_set_dedupe(struct store *st, bool on)
{
	st->dedupe = on;
}

void store_set_coalesce_ms(struct store *st, int64_t window_ms)
{
	st->coalesce_ms = window_ms > 0 ? window_ms : 0;
	memset(st->coalesce, 0, sizeof(st->coalesce));
}

int store_has_signal(struct store *st, int32_t sender_pid, int32_t target_pid, int32_t signal,
                     int64_t since_ms)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    st->db,
	    "SELECT 1 FROM signal_rows WHERE target_pid = ?1 AND sender_pid = ?2 "
	    "AND signal = ?3 AND epoch_ms >= ?4 LIMIT 1",
	    -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int(s, 1, target_pid);
		sqlite3_bind_int(s, 2, sender_pid);
		sqlite3_bind_int(s, 3, signal);
		sqlite3_bind_int64(s, 4, since_ms);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sqlite_errno(rc);
}

void store_invalidate_cache(struct store *st)
{
	intern_clear(st);
	memset(st->coalesce, 0, sizeof(st->coalesce));
}

struct sqlite3 *store_sqlite(struct store *st)
{
	return st->db;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->db)
		(void)store_commit(st);
	sqlite3_finalize(st->insert);
	sqlite3_finalize(st->str_find);
	sqlite3_finalize(st->str_add);
	sqlite3_finalize(st->text_find);
	sqlite3_finalize(st->text_add);
	sqlite3_finalize(st->seen);
	sqlite3_finalize(st->bump);
	sqlite3_finalize(st->covered);
	sqlite3_finalize(st->ancestor);
	sqlite3_finalize(st->death);
	intern_clear(st);
	if (st->db)
		sqlite3_close(st->db);
	free(st->default_host);
	free(st);
}
