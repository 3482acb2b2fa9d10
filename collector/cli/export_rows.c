/* export_rows.c: the rows of `sigtrail export` (signals), written fast.
 * The `signals` view resolves each of a row's 20 strings with a correlated
 * subquery (a B-tree search each), which made an export read 170k rows/s.
 * Here the same filtered query reads signal_rows' string ids instead
 * (cli_prepare_ids()), and each id is resolved once through a bounded cache
 * that holds the string already encoded for the output format (CSV field or
 * JSON literal, by fmt.c's own writers, so the bytes are those of the
 * generic path). Each column is read and written by its kind in the column
 * table (include/sigtrail/schema.h). Integers and times are formatted by
 * hand into one row buffer, written with one fwrite() per row. Memory stays
 * flat: the cache is emptied whenever it holds CACHE_BYTES or
 * CACHE_SLOTS / 2 strings.
 * The rows are read in the order of the index on (epoch_ms, serial), which
 * has no sort in it: the export's order, (epoch_ms, id), differs only
 * among the rows of one millisecond, which are held (formatted) until the
 * next millisecond begins and put in id order when their serials were not
 * (SQLite's sort of every millisecond's rows, whole rows into its sorter,
 * was a third of an export's time). A millisecond of more than GROUP_ROWS
 * rows or GROUP_BYTES of text (a crafted database) is read again on its
 * own, in id order, through a second query.
 * tests/cli/export.sh compares every row with the view (roundtrip.py). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"

enum {
	CACHE_SLOTS = 1 << 16, /* hash slots for string ids (a power of two) */
	CACHE_BYTES = 4 << 20, /* encoded text held at most */
	MS_PER_DAY = 86400000,
	NAMES = 256,                 /* signal numbers whose names are preloaded */
	TIME_LEN = 40,               /* "2026-11-15T10:01:04.000Z" and then some */
	ROW_START = 4096,            /* the row buffer's first size */
	SLOT_EMPTY_LEN = UINT32_MAX, /* a slot with no string */
	GROUP_ROWS = 4096,           /* rows of one millisecond held at most */
	GROUP_BYTES = 4 << 20,       /* their formatted text held at most */
	P_EPOCH = 30,                /* the parameter of the millisecond read again */
};

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
	bool failed; /* out of memory: the row is not written */
};

struct slot {
	int64_t id;
	uint32_t off, len; /* in the arena; len SLOT_EMPTY_LEN: free */
};

/* A column's last string, as cached: most rows repeat the row before's
 * host, arch, syscall, user..., found here without a probe of the 1 MiB
 * hash table (a cache miss of the processor's, a fifth of a row's time). */
struct memo {
	int64_t id;
	uint32_t off, len; /* in the arena */
	uint64_t gen;      /* the cache's generation it is of (export_rows.gen) */
};

/* A formatted row of the millisecond being held. */
struct held_row {
	int64_t id;
	size_t off, len; /* in group.text */
};

/* The rows of one millisecond, formatted, until they are handed out. */
struct group {
	int64_t epoch;      /* their epoch_ms */
	struct buf text;    /* their text, back to back */
	struct held_row *r; /* GROUP_ROWS of them */
	size_t n, next;     /* rows held, and the next one to hand out */
	bool sorted;        /* by id as read: nothing to reorder */
};

struct export_rows {
	sqlite3_stmt *rows;  /* the filtered query (cli_prepare_ids), by epoch_ms */
	sqlite3_stmt *again; /* the same for one millisecond, by id; NULL: none now */
	struct cli_db *d;    /* for `again` */
	const struct cli_filter *f;
	char *select;    /* the select list, for `again` */
	struct group g;  /* the millisecond being handed out */
	bool ahead;      /* `rows` stands on the first row of the next one */
	bool done;       /* `rows` is at its end */
	const char *out; /* the row handed out: its text */
	size_t out_len;
	sqlite3_stmt *value; /* SELECT value FROM strings WHERE id = ?1 */
	sqlite3_stmt *name;  /* SELECT name FROM signal_names WHERE number = ?1 */
	bool json;           /* JSON literals and "key": prefixes; else CSV fields */
	int ncols;
	char *keys[COL__N]; /* JSON: ",\"name\":" (the first without its comma) */
	size_t key_len[COL__N];
	char *names[NAMES]; /* encoded signal names by number; NULL: none */
	size_t name_len[NAMES];
	struct slot *slots; /* CACHE_SLOTS of them */
	struct memo memo[COL__N];
	uint64_t gen;     /* cache_clear()s so far, plus one: a memo of 0 is empty */
	size_t used;      /* slots in use */
	struct buf arena; /* the cached strings, encoded */
	struct buf row;   /* the row being written */
	FILE *enc;        /* a memory stream for fmt.c's encoders */
	char *enc_text;
	size_t enc_len;
	int64_t day;             /* the day (since the epoch, UTC) day_text is for */
	char day_text[TIME_LEN]; /* its midnight, as cli_time_iso() writes it */
	bool day_valid;
};

static void buf_grow(struct buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : ROW_START;

	while (cap < b->len + more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static inline void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more > b->cap && !b->failed)
		buf_grow(b, more);
}

static inline void buf_add(struct buf *b, const char *s, size_t n)
{
	if (n == 0)
		return; /* an empty text: b->p may still be NULL (nothing reserved) */
	buf_reserve(b, n);
	if (b->failed)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void buf_int(struct buf *b, int64_t v)
{
	char t[24], *e = t + sizeof(t), *p = e;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(e - p));
}

/* Encode `s` for the format (NULL: empty CSV field, JSON null) in x->enc;
 * returns its length, the text at x->enc_text, or -1 out of memory. */
static ssize_t encode(struct export_rows *x, const char *s)
{
	rewind(x->enc);
	if (x->json)
		cli_json_string(x->enc, s);
	else
		cli_csv_field(x->enc, s, true);
	if (fflush(x->enc) != 0)
		return -1;
	return (ssize_t)x->enc_len;
}

/* Write text that is not cached (an unexpected type in an integer column). */
static void add_text(struct export_rows *x, const char *s)
{
	ssize_t n = encode(x, s);

	if (n < 0)
		x->row.failed = true;
	else
		buf_add(&x->row, x->enc_text, (size_t)n);
}

static void cache_clear(struct export_rows *x)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		x->slots[i].len = SLOT_EMPTY_LEN;
	x->used = 0;
	x->arena.len = 0;
	x->gen++;
}

static size_t slot_home(int64_t id)
{
	return (size_t)(((uint64_t)id * UINT64_C(0x9e3779b97f4a7c15)) >> 48) & (CACHE_SLOTS - 1);
}

/* The string `id`, encoded, appended to the row: from the cache, or read
 * and encoded once. Returns SQLITE_OK or an SQLite error code. */
static int add_string(struct export_rows *x, int col, int64_t id)
{
	struct memo *m = &x->memo[col];
	size_t i;
	int rc;

	if (m->gen == x->gen && m->id == id) {
		if (m->len) /* an empty one: the arena may be unallocated */
			buf_add(&x->row, x->arena.p + m->off, m->len);
		return SQLITE_OK;
	}
	for (i = slot_home(id); x->slots[i].len != SLOT_EMPTY_LEN; i = (i + 1) & (CACHE_SLOTS - 1))
		if (x->slots[i].id == id) {
			if (x->slots[i].len)
				buf_add(&x->row, x->arena.p + x->slots[i].off, x->slots[i].len);
			*m = (struct memo){id, x->slots[i].off, x->slots[i].len, x->gen};
			return SQLITE_OK;
		}
	sqlite3_bind_int64(x->value, 1, id);
	rc = sqlite3_step(x->value);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(x->value);
		return rc;
	}
	/* A dangling id reads as NULL, as in the view. */
	ssize_t n =
	    encode(x, rc == SQLITE_ROW ? (const char *)sqlite3_column_text(x->value, 0) : NULL);
	sqlite3_reset(x->value);
	if (n < 0)
		return SQLITE_NOMEM;
	buf_add(&x->row, x->enc_text, (size_t)n);
	if ((size_t)n > CACHE_BYTES / 16)
		return SQLITE_OK; /* a huge command line: not worth a place */
	if (x->used >= CACHE_SLOTS / 2 || x->arena.len + (size_t)n > CACHE_BYTES) {
		cache_clear(x);
		i = slot_home(id);
	}
	buf_reserve(&x->arena, (size_t)n);
	if (x->arena.failed)
		return SQLITE_NOMEM;
	x->slots[i] = (struct slot){.id = id, .off = (uint32_t)x->arena.len, .len = (uint32_t)n};
	*m = (struct memo){id, x->slots[i].off, x->slots[i].len, x->gen};
	buf_add(&x->arena, x->enc_text, (size_t)n);
	x->used++;
	return SQLITE_OK;
}

static int add_signame(struct export_rows *x, int64_t number)
{
	if (number >= 0 && number < NAMES && x->names[number]) {
		buf_add(&x->row, x->names[number], x->name_len[number]);
		return SQLITE_OK;
	}
	sqlite3_bind_int64(x->name, 1, number);
	int rc = sqlite3_step(x->name);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		add_text(x,
		         rc == SQLITE_ROW ? (const char *)sqlite3_column_text(x->name, 0) : NULL);
	sqlite3_reset(x->name);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* The row's time, quoted, as cli_row_time() writes it: the date is made
 * once per day, the time of day by hand. */
static void add_time(struct export_rows *x, int64_t ms)
{
	char t[TIME_LEN];

	if (!cli_time_valid(ms)) { /* a crafted epoch_ms: day * MS_PER_DAY would overflow */
		cli_time_iso(ms, t, sizeof(t));
		buf_add(&x->row, "\"", 1);
		buf_add(&x->row, t, strlen(t));
		buf_add(&x->row, "\"", 1);
		return;
	}
	int64_t day = ms / MS_PER_DAY - (ms % MS_PER_DAY < 0);
	int64_t in_day = ms - day * MS_PER_DAY;

	if (!x->day_valid || day != x->day) {
		cli_time_iso(day * MS_PER_DAY, x->day_text, sizeof(x->day_text));
		x->day = day;
		x->day_valid = true;
	}
	/* "YYYY-MM-DDT00:00:00.000Z": patch the time of day in. */
	size_t n = strlen(x->day_text);
	if (n < sizeof("T00:00:00.000Z") - 1 ||
	    strcmp(x->day_text + n - (sizeof("T00:00:00.000Z") - 1), "T00:00:00.000Z") != 0) {
		cli_time_iso(ms, t, sizeof(t)); /* not a plain date */
	} else {
		int sec = (int)(in_day / 1000);
		memcpy(t, x->day_text, n + 1);
		char *p = t + n - (sizeof("00:00:00.000Z") - 1);
		put2(p, sec / 3600);
		put2(p + 3, sec / 60 % 60);
		put2(p + 6, sec % 60);
		p[9] = (char)('0' + in_day % 1000 / 100);
		put2(p + 10, (int)(in_day % 100));
	}
	buf_add(&x->row, "\"", 1);
	buf_add(&x->row, t, strlen(t));
	buf_add(&x->row, "\"", 1);
}

static int add_column(struct export_rows *x, sqlite3_stmt *s, int i)
{
	/* One value, read once: its type and integer are then free of the
	 * statement's API checks, a third of the time spent per row. */
	sqlite3_value *v = sqlite3_column_value(s, i);
	int type = sqlite3_value_type(v);

	if (x->json)
		buf_add(&x->row, x->keys[i], x->key_len[i]);
	else if (i)
		buf_add(&x->row, ",", 1);
	if (schema_signals[i].kind == SCHEMA_TIME) {
		add_time(x, sqlite3_value_int64(v));
		return SQLITE_OK;
	}
	if (type == SQLITE_NULL) {
		if (x->json)
			buf_add(&x->row, "null", 4);
		return SQLITE_OK;
	}
	switch (schema_signals[i].kind) {
	case SCHEMA_STRING:
		return add_string(x, i, sqlite3_value_int64(v));
	case SCHEMA_SIGNAME:
		return add_signame(x, sqlite3_value_int64(v));
	default:
		if (type == SQLITE_INTEGER)
			buf_int(&x->row, sqlite3_value_int64(v));
		else /* text in an integer column: as the generic writers show it */
			add_text(x, (const char *)sqlite3_value_text(v));
		return SQLITE_OK;
	}
}

/* Format the row s stands on into x->row. */
static int format_row(struct export_rows *x, sqlite3_stmt *s)
{
	int rc;

	x->row.len = 0;
	x->row.failed = false;
	if (x->json)
		buf_add(&x->row, "{", 1);
	for (int i = 0; i < x->ncols; i++)
		if ((rc = add_column(x, s, i)) != SQLITE_OK)
			return rc;
	buf_add(&x->row, x->json ? "}" : "\r\n", x->json ? 1 : 2);
	return x->row.failed ? SQLITE_NOMEM : SQLITE_OK;
}

/* Hold the row `rows` stands on (formatted in x->row) in the group.
 * Returns false when the group is full. */
static bool hold(struct export_rows *x, int64_t id)
{
	struct group *g = &x->g;

	if (g->n == GROUP_ROWS || g->text.len + x->row.len > GROUP_BYTES)
		return false;
	buf_add(&g->text, x->row.p, x->row.len);
	if (g->text.failed)
		return false;
	if (g->n > 0 && id < g->r[g->n - 1].id)
		g->sorted = false;
	g->r[g->n++] =
	    (struct held_row){.id = id, .off = g->text.len - x->row.len, .len = x->row.len};
	return true;
}

static int by_id(const void *a, const void *b)
{
	int64_t x = ((const struct held_row *)a)->id, y = ((const struct held_row *)b)->id;

	return (x > y) - (x < y);
}

/* A millisecond too large to hold: skip its rows in `rows`, and read them
 * again, by id, through `again`. */
static int read_again(struct export_rows *x)
{
	int rc =
	    cli_prepare_ids(x->d, x->f, x->select, "AND epoch_ms = ?30 ORDER BY id", &x->again);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(x->again, P_EPOCH, x->g.epoch);
	while ((rc = sqlite3_step(x->rows)) == SQLITE_ROW)
		if (sqlite3_column_int64(x->rows, COL_EPOCH_MS) != x->g.epoch)
			break;
	x->ahead = rc == SQLITE_ROW;
	x->done = rc == SQLITE_DONE;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Read the next millisecond's rows into the group (or, too many, start
 * reading them again). Returns SQLITE_ROW, SQLITE_DONE or an SQLite code. */
static int fill(struct export_rows *x)
{
	struct group *g = &x->g;
	int rc;

	g->n = g->next = 0;
	g->text.len = 0;
	g->text.failed = false;
	g->sorted = true;
	if (!x->ahead) {
		if (x->done)
			return SQLITE_DONE;
		if ((rc = sqlite3_step(x->rows)) != SQLITE_ROW) {
			x->done = true;
			return rc;
		}
	}
	g->epoch = sqlite3_column_int64(x->rows, COL_EPOCH_MS);
	for (;;) {
		if ((rc = format_row(x, x->rows)) != SQLITE_OK)
			return rc;
		if (!hold(x, sqlite3_column_int64(x->rows, COL_ID))) {
			if (g->text.failed)
				return SQLITE_NOMEM;
			g->n = 0;
			return (rc = read_again(x)) == SQLITE_OK ? SQLITE_ROW : rc;
		}
		rc = sqlite3_step(x->rows);
		x->ahead = rc == SQLITE_ROW;
		x->done = rc != SQLITE_ROW;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return rc;
		if (!x->ahead || sqlite3_column_int64(x->rows, COL_EPOCH_MS) != g->epoch)
			break;
	}
	if (!g->sorted)
		qsort(g->r, g->n, sizeof(*g->r), by_id);
	return SQLITE_ROW;
}

int export_rows_next(struct export_rows *x)
{
	struct group *g = &x->g;
	int rc;

	for (;;) {
		if (x->again) {
			if ((rc = sqlite3_step(x->again)) == SQLITE_ROW) {
				if ((rc = format_row(x, x->again)) != SQLITE_OK)
					return rc;
				x->out = x->row.p;
				x->out_len = x->row.len;
				return SQLITE_ROW;
			}
			sqlite3_finalize(x->again);
			x->again = NULL;
			if (rc != SQLITE_DONE)
				return rc;
		}
		if (g->next < g->n) {
			x->out = g->text.p + g->r[g->next].off;
			x->out_len = g->r[g->next].len;
			g->next++;
			return SQLITE_ROW;
		}
		if ((rc = fill(x)) != SQLITE_ROW)
			return rc;
	}
}

void export_rows_put(struct export_rows *x, FILE *out)
{
	fwrite(x->out, 1, x->out_len, out);
}

/* The select list over cli_prepare_ids()'s FROM: each column's signal_rows
 * column (a string's id, the epoch_ms of the time, the number of the
 * signal's name), or its stand-in where the database's view lacks it. */
static char *select_list(const struct cli_db *d, int ncols)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&sql, &len);

	if (!m)
		return NULL;
	for (int i = 0; i < ncols; i++)
		fprintf(m, "%s%s", i ? ", " : "",
		        d->has_col[i] ? schema_signals[i].row_col : schema_signals[i].absent);
	if (fclose(m) != 0) {
		free(sql);
		return NULL;
	}
	return sql;
}

/* Preload the signal names and, for JSON, the keys. */
static int preload(struct export_rows *x, sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (x->json)
		for (int i = 0; i < x->ncols; i++) {
			const char *name = schema_signals[i].name;
			size_t n = strlen(name) + 4;
			if (!(x->keys[i] = malloc(n + 1)))
				return SQLITE_NOMEM;
			x->key_len[i] =
			    (size_t)snprintf(x->keys[i], n + 1, "%s\"%s\":", i ? "," : "", name);
		}
	rc = sqlite3_prepare_v2(
	    db, "SELECT number, name FROM signal_names WHERE number >= 0 AND number < ?1", -1, &s,
	    NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(s, 1, NAMES);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int number = sqlite3_column_int(s, 0);
		ssize_t n = encode(x, (const char *)sqlite3_column_text(s, 1));
		if (n < 0 || !(x->names[number] = malloc((size_t)n + 1))) {
			rc = SQLITE_NOMEM;
			break;
		}
		memcpy(x->names[number], x->enc_text, (size_t)n);
		x->name_len[number] = (size_t)n;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int export_rows_open(struct cli_db *d, const struct cli_filter *f, bool json,
                     struct export_rows **ret)
{
	struct export_rows *x = calloc(1, sizeof(*x));
	char *select = NULL;
	int rc = SQLITE_NOMEM;

	if (!x)
		return SQLITE_NOMEM;
	x->json = json;
	x->ncols = d->signal_cols;
	x->d = d;
	x->f = f;
	if (!(x->slots = malloc(CACHE_SLOTS * sizeof(*x->slots))) ||
	    !(x->g.r = malloc(GROUP_ROWS * sizeof(*x->g.r))) ||
	    !(x->enc = open_memstream(&x->enc_text, &x->enc_len)) ||
	    !(select = select_list(d, x->ncols)))
		goto err;
	cache_clear(x);
	if ((rc = preload(x, d->db)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(d->db, "SELECT value FROM strings WHERE id = ?1", -1,
	                             &x->value, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(d->db, "SELECT name FROM signal_names WHERE number = ?1", -1,
	                             &x->name, NULL)) != SQLITE_OK ||
	    (rc = cli_prepare_ids(d, f, select, "ORDER BY epoch_ms", &x->rows)) != SQLITE_OK)
		goto err;
	x->select = select;
	*ret = x;
	return SQLITE_OK;
err:
	free(select);
	export_rows_close(x);
	return rc;
}

void export_rows_close(struct export_rows *x)
{
	if (!x)
		return;
	sqlite3_finalize(x->rows);
	sqlite3_finalize(x->again);
	free(x->select);
	free(x->g.r);
	free(x->g.text.p);
	sqlite3_finalize(x->value);
	sqlite3_finalize(x->name);
	for (int i = 0; i < COL__N; i++)
		free(x->keys[i]);
	for (int i = 0; i < NAMES; i++)
		free(x->names[i]);
	free(x->slots);
	free(x->arena.p);
	free(x->row.p);
	if (x->enc)
		fclose(x->enc);
	free(x->enc_text);
	free(x);
}
