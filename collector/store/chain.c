/* chain.c: the tamper-evident hash chains of the signal rows (schema 016)
 * and of the deaths and the zombies (schema 019, chained at the commit that
 * stores them: neither changes, a zombie's reaping being a row of its own).
 * At
 * each commit, before COMMIT, the store hashes the rows that are sealed
 * (can no longer change) in id order, each hash extending the previous
 * one, into chain_rows. A row can change only while a coalescing slot of
 * this connection may add to it (signals.c): a slot holds its row until
 * an event past its window was stored (events come in time order) or its
 * window plus SEAL_SLACK_MS passed since it was made (a live source's
 * events come in real time); an event that still matches a chained row's
 * slot starts a new row instead, so a chained row never changes (a source
 * far behind real time may coalesce less, never wrongly). The cost is one read of the signals view
 * and one SHA-256 per row, on the writer thread (BENCHMARKS.md).
 * The pruner's deletions mark their entries as anchors through a TEMP
 * trigger of this connection only; a row deleted by anything else leaves
 * its entry unmarked, which `sigtrail verify` reports.
 * Exercise: sigtraild --source stdin --db t.db < tests/fixtures/kernel.log;
 * sigtrail verify --db t.db; then edit a row with sqlite3 and verify again. */
#include "sigtrail/chain.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrail/clock.h"
#include "sigtrail/schema.h"
#include "store_internal.h"

bool chain_unhashed(const char *name)
{
	/* A later death fills target_disposition in, a zombie's reaping the others. */
	return strcmp(name, "target_disposition") == 0 || strcmp(name, "reaped_at") == 0 ||
	       strcmp(name, "reaped_epoch_ms") == 0;
}

int chain_hasher_init(struct chain_hasher *h, sqlite3_stmt *st, int from)
{
	int n = sqlite3_column_count(st);

	*h = (struct chain_hasher){.id_col = -1};
	if (!(h->ctx = EVP_MD_CTX_new()))
		return -ENOMEM;
	for (int i = from; i < n && h->n < CHAIN_MAX_COLS; i++) {
		const char *name = sqlite3_column_name(st, i);
		if (!name)
			return -ENOMEM;
		if (strcmp(name, "id") == 0)
			h->id_col = i;
		if (chain_unhashed(name))
			continue;
		int j = h->n++;
		while (j > 0 && strcmp(sqlite3_column_name(st, h->order[j - 1]), name) > 0) {
			h->order[j] = h->order[j - 1];
			j--;
		}
		h->order[j] = i;
	}
	return 0;
}

void chain_hasher_free(struct chain_hasher *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

/* One value for the hash: an integer in decimal, a real as %.17g, text
 * and blobs as their bytes. */
static int hash_value(EVP_MD_CTX *ctx, sqlite3_stmt *st, int i)
{
	char num[40];
	int t = sqlite3_column_type(st, i), n;

	if (t == SQLITE_INTEGER) {
		n = snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(st, i));
		return EVP_DigestUpdate(ctx, num, (size_t)n);
	}
	if (t == SQLITE_FLOAT) {
		n = snprintf(num, sizeof(num), "%.17g", sqlite3_column_double(st, i));
		return EVP_DigestUpdate(ctx, num, (size_t)n);
	}
	const void *v = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	return n == 0 || EVP_DigestUpdate(ctx, v, (size_t)n);
}

int chain_hash_row(struct chain_hasher *h, const unsigned char prev[CHAIN_HASH_LEN],
                   sqlite3_stmt *st, unsigned char ret[CHAIN_HASH_LEN])
{
	EVP_MD_CTX *ctx = h->ctx;
	unsigned int len = 0;
	int ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	         EVP_DigestUpdate(ctx, prev, CHAIN_HASH_LEN);

	for (int k = 0; ok && k < h->n; k++) {
		int i = h->order[k];
		const char *name = sqlite3_column_name(st, i);
		if (sqlite3_column_type(st, i) == SQLITE_NULL)
			continue;
		ok = EVP_DigestUpdate(ctx, name, strlen(name)) && EVP_DigestUpdate(ctx, "=", 1) &&
		     hash_value(ctx, st, i) && EVP_DigestUpdate(ctx, "\n", 1);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, ret, &len) && len == CHAIN_HASH_LEN;
	return ok ? 0 : -EIO;
}

int chain_genesis_of(const char *stream, const char *uuid, unsigned char ret[CHAIN_HASH_LEN])
{
	char text[96];
	unsigned int len = 0;
	int n = stream ? snprintf(text, sizeof(text), "sigtrail %s chain 1 %s", stream,
	                          uuid ? uuid : "")
	               : snprintf(text, sizeof(text), "sigtrail chain 1 %s", uuid ? uuid : "");

	return EVP_Digest(text, (size_t)n, ret, &len, EVP_sha256(), NULL) && len == CHAIN_HASH_LEN
	           ? 0
	           : -EIO;
}

int chain_genesis(const char *uuid, unsigned char ret[CHAIN_HASH_LEN])
{
	return chain_genesis_of(NULL, uuid, ret);
}

/* A signal row's hash, from the row itself: its integers, its TIME and
 * SIGNAME as the view computes them (in the same statement), and its
 * strings by id through a cache of the ids it looked up (a storm repeats
 * them), instead of the view's lookup in `strings` per text column of every
 * row. The text hashed is the view's canonical one (chain_hash_row()), so
 * `sigtrail verify`, which reads the view, agrees: SCHEMA_SIGNALS says
 * which column of signal_rows each column of the view is. */
enum {
	CHAIN_STR_SLOTS = 4096, /* strings cached by id */
	CHAIN_STR_MAX = 1024,   /* longer ones are looked up each time: the cache stays small */
};
struct chain_fast {
	sqlite3_stmt *select;         /* the rows of an id range, with time and signame */
	sqlite3_stmt *find;           /* a string by id */
	int col[COL__N];              /* each view column's index in select */
	int order[COL__N], n;         /* the columns hashed, sorted by name */
	int id_col;                   /* select's id */
	int64_t id[CHAIN_STR_SLOTS];  /* the cache: id (0: empty) ... */
	char *value[CHAIN_STR_SLOTS]; /* ... and its value (NULL: no such string) */
	size_t len[CHAIN_STR_SLOTS];
	char *big; /* the last string too long to cache */
};

static int fast_prepare(struct store *st)
{
	struct chain_fast *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return SQLITE_NOMEM;
	rc = store_prepare(
	    st,
	    "SELECT r.*, strftime('%Y-%m-%dT%H:%M:%S', r.epoch_ms / 1000, "
	    "'unixepoch') || printf('.%03dZ', r.epoch_ms % 1000), (SELECT name FROM "
	    "signal_names WHERE number = r.signal) FROM signal_rows AS r WHERE r.id > "
	    "?1 AND r.id < ?2 ORDER BY r.id",
	    &f->select);
	if (rc == SQLITE_OK)
		rc = store_prepare(st, "SELECT value FROM strings WHERE id = ?1", &f->find);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(f->select);
		sqlite3_finalize(f->find);
		free(f);
		return rc;
	}
	int n = sqlite3_column_count(f->select);
	f->id_col = -1;
	for (int i = 0; i < COL__N; i++) {
		const struct schema_column *c = &schema_signals[i];
		f->col[i] = c->kind == SCHEMA_TIME ? n - 2 : c->kind == SCHEMA_SIGNAME ? n - 1 : -1;
		for (int k = 0; f->col[i] < 0 && k < n - 2; k++)
			if (strcmp(sqlite3_column_name(f->select, k), c->row_col) == 0)
				f->col[i] = k;
		if (strcmp(c->name, "id") == 0)
			f->id_col = f->col[i];
		if (f->col[i] < 0 || chain_unhashed(c->name))
			continue;
		int j = f->n++;
		while (j > 0 && strcmp(schema_signals[f->order[j - 1]].name, c->name) > 0) {
			f->order[j] = f->order[j - 1];
			j--;
		}
		f->order[j] = i;
	}
	st->chain_fast = f;
	return SQLITE_OK;
}

void store_chain_forget(struct store *st)
{
	struct chain_fast *f = st->chain_fast;

	for (size_t i = 0; f && i < CHAIN_STR_SLOTS; i++) {
		free(f->value[i]);
		f->value[i] = NULL;
		f->id[i] = 0;
	}
	if (f) {
		free(f->big);
		f->big = NULL;
	}
}

void store_chain_free(struct store *st)
{
	struct chain_fast *f = st->chain_fast;

	if (!f)
		return;
	store_chain_forget(st);
	sqlite3_finalize(f->select);
	sqlite3_finalize(f->find);
	free(f);
	st->chain_fast = NULL;
}

/* The value of string `id` (NULL: none), through the cache; valid until
 * the next call. Returns SQLITE_OK or an error code. */
static int fast_string(struct chain_fast *f, int64_t id, const char **ret, size_t *ret_len)
{
	size_t slot = (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15u) >> 52) % CHAIN_STR_SLOTS;
	char *v = NULL;
	size_t n = 0;
	int rc;

	if (f->id[slot] == id && id != 0) {
		*ret = f->value[slot];
		*ret_len = f->len[slot];
		return SQLITE_OK;
	}
	sqlite3_bind_int64(f->find, 1, id);
	rc = sqlite3_step(f->find);
	bool found = rc == SQLITE_ROW && sqlite3_column_type(f->find, 0) != SQLITE_NULL;
	if (found) {
		n = (size_t)sqlite3_column_bytes(f->find, 0);
		if ((v = malloc(n + 1))) {
			memcpy(v, sqlite3_column_blob(f->find, 0), n);
			v[n] = '\0';
		}
	}
	sqlite3_reset(f->find);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	if (found && !v)
		return SQLITE_NOMEM;
	if (n > CHAIN_STR_MAX) { /* not cached */
		free(f->big);
		f->big = v;
	} else {
		free(f->value[slot]);
		f->id[slot] = id;
		f->value[slot] = v;
		f->len[slot] = n;
	}
	*ret = v;
	*ret_len = n;
	return SQLITE_OK;
}

/* The hash that extends prev with the current row of f->select: the same
 * as chain_hash_row() of the view's row. Returns 0, -EIO or -ENOMEM. */
static int fast_hash(struct chain_fast *f, EVP_MD_CTX *ctx,
                     const unsigned char prev[CHAIN_HASH_LEN], unsigned char ret[CHAIN_HASH_LEN])
{
	sqlite3_stmt *st = f->select;
	unsigned int len = 0;
	int ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	         EVP_DigestUpdate(ctx, prev, CHAIN_HASH_LEN);

	for (int k = 0; ok && k < f->n; k++) {
		const struct schema_column *c = &schema_signals[f->order[k]];
		int i = f->col[f->order[k]];
		if (sqlite3_column_type(st, i) == SQLITE_NULL)
			continue;
		if (c->kind == SCHEMA_STRING) {
			const char *v = NULL;
			size_t n = 0;
			/* (A text where an id belongs compares as the view's
			 * `id = r.x_s` does: as its number.) */
			if (fast_string(f, sqlite3_column_int64(st, i), &v, &n) != SQLITE_OK)
				return -ENOMEM;
			if (!v)
				continue; /* the view shows NULL */
			ok = EVP_DigestUpdate(ctx, c->name, strlen(c->name)) &&
			     EVP_DigestUpdate(ctx, "=", 1) &&
			     (n == 0 || EVP_DigestUpdate(ctx, v, n));
		} else {
			ok = EVP_DigestUpdate(ctx, c->name, strlen(c->name)) &&
			     EVP_DigestUpdate(ctx, "=", 1) && hash_value(ctx, st, i);
		}
		ok = ok && EVP_DigestUpdate(ctx, "\n", 1);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, ret, &len) && len == CHAIN_HASH_LEN;
	return ok ? 0 : -EIO;
}

/* The chains: which view's rows, into which table, from which rows. */
static const struct {
	const char *view, *table, *rows, *stream;
} chain_defs[STORE_CHAINS] = {
    [CHAIN_SIGNALS] = {"signals", "chain_rows", "signal_rows", NULL},
    [CHAIN_DEATHS] = {"deaths", "death_chain_rows", "death_rows", "deaths"},
    [CHAIN_ZOMBIES] = {"zombies", "zombie_chain_rows", "zombie_rows", "zombies"},
};

int store_chain_prepare(struct store *st)
{
	char sql[256];
	int rc = SQLITE_OK;

	for (int i = 0; rc == SQLITE_OK && i < STORE_CHAINS; i++) {
		struct store_chain *c = &st->chains[i];
		snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE id > ?1 AND id < ?2 ORDER BY id",
		         chain_defs[i].view);
		rc = store_prepare(st, sql, &c->select);
		snprintf(sql, sizeof(sql), "INSERT INTO %s(id, hash) VALUES (?1, ?2)",
		         chain_defs[i].table);
		if (rc == SQLITE_OK)
			rc = store_prepare(st, sql, &c->insert);
		snprintf(sql, sizeof(sql),
		         "SELECT id, hash FROM %s WHERE id = (SELECT max(id) FROM %s)",
		         chain_defs[i].table, chain_defs[i].table);
		if (rc == SQLITE_OK)
			rc = store_prepare(st, sql, &c->last);
		/* This connection's own deletions are the pruner's: anchors. */
		snprintf(
		    sql, sizeof(sql),
		    "CREATE TEMP TRIGGER IF NOT EXISTS %s_pruned AFTER DELETE ON main.%s BEGIN "
		    "UPDATE %s SET pruned = 1 WHERE id = old.id; END",
		    chain_defs[i].table, chain_defs[i].rows, chain_defs[i].table);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK && chain_hasher_init(&c->h, c->select, 0) < 0)
			rc = SQLITE_NOMEM;
	}
	if (rc == SQLITE_OK)
		rc = fast_prepare(st);
	st->deaths_waiting = st->zombies_waiting = true;
	return rc;
}

int store_chain_refresh(struct store *st)
{
	int rc = SQLITE_OK;

	for (int i = 0; rc == SQLITE_OK && i < STORE_CHAINS; i++) {
		struct store_chain *c = &st->chains[i];
		sqlite3_stmt *s = c->last;
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			c->upto = sqlite3_column_int64(s, 0);
			int n = sqlite3_column_bytes(s, 1);
			const void *b = sqlite3_column_blob(s, 1);
			c->prev_valid = n == CHAIN_HASH_LEN;
			if (c->prev_valid)
				memcpy(c->prev, b, CHAIN_HASH_LEN);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			c->upto = 0;
			c->prev_valid = false;
			rc = SQLITE_OK;
		}
		sqlite3_reset(s);
	}
	return rc;
}

/* A live source's events arrive within this of their time: a slot made
 * longer than its window plus this ago matches nothing more. */
enum { SEAL_SLACK_MS = 250 };

/* The lowest signal row a coalescing slot may still add to, or INT64_MAX. */
static int64_t chain_hold(const struct store *st)
{
	int64_t hold = INT64_MAX, now = now_mono_ms();

	for (size_t i = 0; i < COALESCE_SLOTS; i++) {
		const struct coalesce_slot *c = &st->coalesce[i];
		if (!c->used || c->rowid <= st->chains[CHAIN_SIGNALS].upto || c->rowid >= hold)
			continue;
		if (st->newest_ms - c->first_ms >= st->coalesce_ms ||
		    now - c->created_ms >= st->coalesce_ms + SEAL_SLACK_MS)
			continue; /* past its window: nothing will be added to it */
		hold = c->rowid;
	}
	return hold;
}

/* The hash the next row of chain i extends. */
static int chain_prev(struct store *st, int i, unsigned char prev[CHAIN_HASH_LEN])
{
	struct store_chain *c = &st->chains[i];
	sqlite3_stmt *s = NULL;
	int r = -EIO;

	if (c->prev_valid) {
		memcpy(prev, c->prev, CHAIN_HASH_LEN);
		return 0;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT uuid FROM instance WHERE id = 1", -1, &s, NULL) ==
	        SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		r = chain_genesis_of(chain_defs[i].stream, (const char *)sqlite3_column_text(s, 0),
		                     prev);
	sqlite3_finalize(s);
	return r;
}

/* Chain the rows of chain i after its newest entry and below `hold`. */
static int seal_one(struct store *st, int i, int64_t hold)
{
	struct store_chain *c = &st->chains[i];
	/* The signal rows from the rows themselves, but for the JSON-lines
	 * file, which takes the view's rows. */
	struct chain_fast *f =
	    i == CHAIN_SIGNALS && st->jsonl_fd < 0 && st->chain_fast && st->chain_fast->id_col >= 0
	        ? st->chain_fast
	        : NULL;
	sqlite3_stmt *s = f ? f->select : c->select;
	unsigned char prev[CHAIN_HASH_LEN], h[CHAIN_HASH_LEN];
	int rc;

	if (chain_prev(st, i, prev) < 0)
		return SQLITE_ERROR;
	sqlite3_bind_int64(s, 1, c->upto);
	sqlite3_bind_int64(s, 2, hold);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, f ? f->id_col : c->h.id_col);
		int r = f ? fast_hash(f, c->h.ctx, prev, h) : chain_hash_row(&c->h, prev, s, h);
		if (r < 0) {
			rc = r == -ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
			break;
		}
		sqlite3_bind_int64(c->insert, 1, id);
		sqlite3_bind_blob(c->insert, 2, h, CHAIN_HASH_LEN, SQLITE_STATIC);
		int ri = sqlite3_step(c->insert);
		sqlite3_reset(c->insert);
		if (ri != SQLITE_DONE) {
			rc = ri;
			break;
		}
		if (i == CHAIN_SIGNALS)
			store_jsonl_row(st, s);
		memcpy(prev, h, CHAIN_HASH_LEN);
		memcpy(c->prev, h, CHAIN_HASH_LEN);
		c->prev_valid = true;
		c->upto = id;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_chain_seal(struct store *st)
{
	int rc = SQLITE_OK;

	/* Deaths never change once written: chained at the commit that stores them. */
	if (st->pending_deaths > 0 || st->deaths_waiting) {
		rc = seal_one(st, CHAIN_DEATHS, INT64_MAX);
		st->deaths_waiting = rc != SQLITE_OK;
	}
	/* A zombie as it was found, likewise (its reaping is a row of its own). */
	if (st->zombies_waiting) {
		int rz = seal_one(st, CHAIN_ZOMBIES, INT64_MAX);
		st->zombies_waiting = rz != SQLITE_OK;
		rc = rc != SQLITE_OK ? rc : rz;
	}
	if (st->pending == 0 && st->bumped == 0 && st->sealed_all)
		return rc; /* no signal row new since everything was sealed */
	int64_t hold = chain_hold(st);
	int r = seal_one(st, CHAIN_SIGNALS, hold);
	st->sealed_all = r == SQLITE_OK && hold == INT64_MAX;
	return rc != SQLITE_OK ? rc : r;
}

int64_t store_chain_compact(struct store *st)
{
	char sql[320];
	int64_t total = 0;

	for (int i = 0; i < STORE_CHAINS; i++) {
		snprintf(
		    sql, sizeof(sql),
		    "DELETE FROM %s WHERE pruned = 1 AND id < (SELECT max(id) FROM %s WHERE "
		    "pruned = 1 AND id < (SELECT coalesce(min(id), 9223372036854775807) FROM %s))",
		    chain_defs[i].table, chain_defs[i].table, chain_defs[i].rows);
		int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return store_sqlite_errno(rc);
		total += sqlite3_changes(st->db);
	}
	return total;
}

bool store_unsealed(const struct store *st)
{
	return !st->sealed_all && !st->in_txn;
}

int store_seal(struct store *st)
{
	int rc;

	if (st->in_txn)
		return 0; /* its commit seals */
	if ((rc = store_begin(st)) != SQLITE_OK)
		return store_sqlite_errno(rc);
	return store_commit(st);
}
