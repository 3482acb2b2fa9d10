/* signals.c: a signal event becomes signal_rows rows, one per target (one
 * with NULL target columns when the call reached nobody), inside the
 * transaction the caller commits. The columns written, their order in the
 * INSERT and where each value comes from are those of the column table
 * (SCHEMA_SIGNALS in include/sigtrail/schema.h), whose sources are defined
 * here. Storms of identical events within the coalescing window become one
 * row with a count; in import mode an event already stored (its host,
 * serial and time, or inside a coalesced row) is skipped. The sender's
 * ancestry is stored once per distinct chain, in ancestry_rows.
 * Exercise with `meson test -C build store columns`, or by hand:
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log
 *   sqlite3 /tmp/t.db 'select * from signals' */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_internal.h"
#include "sigtrail/clock.h"
#include "sigtrail/ids.h"
#include "sigtrail/names.h"
#include "sigtrail/schema.h"
#include "sigtrail/sigsys.h"

static int intern(struct store *st, const char *value, int64_t *ret_id)
{
	return store_intern(st, value, ret_id, NULL);
}

static int intern_text(struct store *st, const char *value, int64_t *ret_id)
{
	return store_intern_text(st, value, ret_id, NULL);
}

/* Where a column's value comes from (the source in SCHEMA_SIGNALS), which
 * is also when its string is interned: once per event (the event, what the
 * process table knew of the sender), or per row (its target, what the table
 * knew of it), in this order and in column order within each. String ids
 * follow from that order. */
enum scope { SCOPE_NONE, SCOPE_EVENT, SCOPE_EXTRA, SCOPE_TARGET, SCOPE_TARGET_EXTRA };

/* What the columns of one row are made from. */
struct row_src {
	struct store *st;
	const struct st_event *ev;
	const struct sigsys *sys;           /* the event's syscall; NULL unknown */
	const struct proc_extra *x;         /* NULL: no process table */
	const struct st_target *t;          /* NULL: the call reached nobody */
	const struct proc_target_extra *tx; /* NULL: the table knew nothing of t */
	int64_t now_s;                      /* monotonic, for the user name cache */
	int64_t gen;                        /* the newest text generation when it began */
};

/* One column's value in one row: an integer (NULL unless known), or a
 * string to intern (NULL: NULL) as a name or as a text. */
struct cell {
	bool known;
	int64_t v;
	const char *s;
	bool text;
};

static struct cell num(bool known, int64_t v)
{
	return (struct cell){.known = known, .v = v};
}

static struct cell str(const char *s, bool text)
{
	return (struct cell){.s = s, .text = text};
}

/* The names EV_CALL() sources make of an event. */
static const char *host_name(const struct row_src *r)
{
	return r->ev->host ? r->ev->host : r->st->default_host;
}

static const char *arch_name(const struct row_src *r)
{
	return sigsys_arch_name(r->ev->arch);
}

static const char *syscall_name(const struct row_src *r)
{
	return r->sys ? r->sys->name : NULL;
}

static const char *errno_name(const struct row_src *r)
{
	return r->ev->success ? NULL : names_errno(-r->ev->exit);
}

/* What the row's target would do with the event's signal. */
static const char *target_disposition(const struct row_src *r)
{
	return r->tx ? proc_disposition(&r->tx->sig, r->ev->signal) : NULL;
}

/* Whether names a and b are one host: equal but for case, or one is the
 * other's first label (web-3 and web-3.example.com). */
static bool same_host(const char *a, const char *b)
{
	size_t la = strcspn(a, "."), lb = strcspn(b, ".");

	return strcasecmp(a, b) == 0 ||
	       ((a[la] == '\0' || b[lb] == '\0') && la == lb && strncasecmp(a, b, la) == 0);
}

/* Whether the row's ids are this machine's: its records without node= are
 * (unless store_set_local_host() says their host is another), and so are
 * those whose node= names this machine. */
static bool ids_local(const struct row_src *r)
{
	const struct store *st = r->st;
	const char *local = st->local_host ? st->local_host : st->default_host;

	if (!r->ev->host && !st->local_host)
		return true;
	const char *host = host_name(r);
	return host && local && same_host(host, local);
}

/* The user name of uid `id` in row r: the name its log carried (resolved
 * where the event happened), else this machine's passwd for its own
 * records, else none: another host's ids never take this machine's names. */
static const char *user_of(const struct row_src *r, int64_t id, const char *logged)
{
	if (id == ST_ID_UNSET)
		return NULL;
	if (logged)
		return logged;
	return ids_local(r) ? ids_user(&r->st->ids, id, r->now_s) : NULL;
}

/* The sources of SCHEMA_SIGNALS (schema.h lists them): each is (scope,
 * whether it is a string, its value in row r). */
#define NONE (SCOPE_NONE, 0, num(false, 0))
#define EV(f) (SCOPE_EVENT, 0, num(true, (int64_t)r->ev->f))
#define EV_ID(f) (SCOPE_EVENT, 0, num(r->ev->f != ST_ID_UNSET, r->ev->f))
#define EV_NAME(f) (SCOPE_EVENT, 1, str(r->ev->f, false))
#define EV_TEXT(f) (SCOPE_EVENT, 1, str(r->ev->f, true))
#define EV_USER(f, n) (SCOPE_EVENT, 1, str(user_of(r, r->ev->f, r->ev->n), false))
#define EV_CALL(fn) (SCOPE_EVENT, 1, str(fn(r), false))
#define T(f) (SCOPE_TARGET, 0, num(r->t != NULL, r->t ? (int64_t)r->t->f : 0))
#define T_ID(f) (SCOPE_TARGET, 0, num(r->t && r->t->f != ST_ID_UNSET, r->t ? r->t->f : 0))
#define T_NAME(f) (SCOPE_TARGET, 1, str(r->t ? r->t->f : NULL, false))
#define T_USER(f, n) (SCOPE_TARGET, 1, str(r->t ? user_of(r, r->t->f, r->t->n) : NULL, false))
#define X_NAME(f) (SCOPE_EXTRA, 1, str(r->x ? r->x->f : NULL, false))
#define X_TEXT(f) (SCOPE_EXTRA, 1, str(r->x ? r->x->f : NULL, true))
#define TX_NAME(f) (SCOPE_TARGET_EXTRA, 1, str(r->tx ? r->tx->f : NULL, false))
#define TX_TEXT(f) (SCOPE_TARGET_EXTRA, 1, str(r->tx ? r->tx->f : NULL, true))
#define TX_TICKS(f) (SCOPE_TARGET_EXTRA, 0, num(r->tx && r->tx->f, r->tx ? (int64_t)r->tx->f : 0))
#define TX_CALL(fn) (SCOPE_TARGET_EXTRA, 1, str(fn(r), false))
#define TX_PID(f) (SCOPE_TARGET_EXTRA, 0, num(r->tx && r->tx->f > 0, r->tx ? r->tx->f : 0))
#define TX_USER(f)                                                                                 \
	(SCOPE_TARGET_EXTRA, 1,                                                                    \
	 str(r->tx && r->tx->f >= 0 ? ids_user(&r->st->ids, r->tx->f, r->now_s) : NULL, false))
#define SCOPE_(scope, is_string, value) scope
#define IS_STRING_(scope, is_string, value) is_string
#define VALUE_(scope, is_string, value) value
#define SCOPE(source) SCOPE_ source
#define IS_STRING(source) IS_STRING_ source
#define VALUE(source) VALUE_ source

/* Every line of the table is checked here, when it is compiled: a string
 * column takes a string, the view's own columns take nothing. */
#define CHECK(E, name, kind, since, absent, source)                                                \
	_Static_assert((SCHEMA_##kind == SCHEMA_STRING) == IS_STRING(source),                      \
	               #name ": a string column takes a string source, an integer an integer");    \
	_Static_assert(SCHEMA_##kind == SCHEMA_INT || SCHEMA_##kind == SCHEMA_STRING ||            \
	                   SCOPE(source) == SCOPE_NONE,                                            \
	               #name ": the view makes it, the store writes nothing");
SCHEMA_SIGNALS(CHECK)
#undef CHECK

static const enum scope scope_of[COL__N] = {
#define COLUMN(E, name, kind, since, absent, source) [COL_##E] = SCOPE(source),
    SCHEMA_SIGNALS(COLUMN)
#undef COLUMN
};

/* Column c's value in row r. */
static struct cell cell_of(const struct row_src *r, int c)
{
	switch (c) {
#define COLUMN(E, name, kind, since, absent, source)                                               \
	case COL_##E:                                                                              \
		return VALUE(source);
		SCHEMA_SIGNALS(COLUMN)
#undef COLUMN
	}
	return num(false, 0);
}

#undef NONE
#undef EV
#undef EV_ID
#undef EV_NAME
#undef EV_TEXT
#undef EV_USER
#undef EV_CALL
#undef T
#undef T_ID
#undef T_NAME
#undef T_USER
#undef X_NAME
#undef X_TEXT
#undef TX_NAME
#undef TX_TEXT
#undef TX_TICKS
#undef TX_CALL
#undef TX_PID
#undef TX_USER

/* Intern the strings of the columns of `scope` into ids[], in column order.
 * Returns SQLITE_OK or an SQLite error code. */
static int intern_scope(const struct row_src *r, enum scope scope, int64_t ids[COL__N])
{
	for (int c = 0; c < COL__N; c++) {
		if (scope_of[c] != scope || schema_signals[c].kind != SCHEMA_STRING)
			continue;
		struct cell v = cell_of(r, c);
		int rc = v.text ? store_intern_text(r->st, v.s, &ids[c], NULL)
		                : store_intern(r->st, v.s, &ids[c], NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* ids[] of the columns of `scope` from the last extra's (st->xcache). */
static void cached_scope(const struct store *st, enum scope scope, int64_t ids[COL__N])
{
	for (int c = 0; c < COL__N; c++)
		if (scope_of[c] == scope)
			ids[c] = st->xcache.ids[c];
}

/* Bind row r to the insert statement, in the order of its columns: those
 * the store writes (scope_of), then sender_chain_s. Can't fail. */
static void bind_row(sqlite3_stmt *s, const struct row_src *r, const int64_t ids[COL__N],
                     int64_t chain)
{
	int p = 0;

	for (int c = 0; c < COL__N; c++) {
		if (scope_of[c] == SCOPE_NONE)
			continue;
		if (schema_signals[c].kind == SCHEMA_STRING) {
			store_bind_opt(s, ++p, ids[c] >= 0, ids[c]);
		} else {
			struct cell v = cell_of(r, c);
			store_bind_opt(s, ++p, v.known, v.v);
		}
	}
	store_bind_opt(s, ++p, chain >= 0, chain);
}

/* "INSERT INTO signal_rows(<the columns bind_row() binds>) VALUES (?1...)". */
static int prepare_insert(struct store *st)
{
	char sql[4096];
	size_t len = 0;
	int n = 0;

	len += (size_t)snprintf(sql, sizeof(sql), "INSERT INTO signal_rows(");
	for (int c = 0; c < COL__N && len < sizeof(sql); c++)
		if (scope_of[c] != SCOPE_NONE && ++n)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s, ",
			                        schema_signals[c].row_col);
	n++;
	if (len < sizeof(sql))
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "sender_chain_s) VALUES (");
	for (int i = 1; i <= n && len < sizeof(sql); i++)
		len +=
		    (size_t)snprintf(sql + len, sizeof(sql) - len, "?%d%s", i, i < n ? ", " : ")");
	if (len >= sizeof(sql))
		return SQLITE_TOOBIG;
	return store_prepare(st, sql, &st->insert);
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 29);
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	if (!s)
		return mix(h, UINT64_C(0xfeedface)); /* NULL is not "" */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return mix(h, 0);
}

/* Whether a single-target event may count in an earlier row: only when it
 * is alike in everything that row shows but its time and serials (six events
 * of different programs were once one row). event_alike() fingerprints the
 * interned strings of the event and of what the process table added (ids),
 * the sender's and target's numbers and the target's comm: a few dozen
 * words, once per event. extra_alike() fingerprints the target's facts
 * from the process table (start time, exe, command line, unit, container);
 * it runs only when the event's proc_extra is not the row's (a storm shares
 * one). */
static uint64_t event_alike(const struct st_event *ev, const int64_t ids[COL__N])
{
	const struct st_target *t = &ev->targets[0];
	int64_t nums[] = {ev->ppid,       ev->uid, ev->euid, ev->auid, ev->ses,
	                  ev->target_arg, t->uid,  t->auid,  t->ses};
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (int c = 0; c < COL__N; c++)
		h = mix(h, (uint64_t)ids[c]);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		h = mix(h, (uint64_t)nums[i]);
	return mix_str(h, t->comm);
}

static uint64_t extra_alike(const struct proc_extra *x)
{
	if (!x || x->n_targets == 0)
		return 0;
	const struct proc_target_extra *t = &x->targets[0];
	uint64_t h = mix(UINT64_C(0xcbf29ce484222325), t->start_time);
	/* What it would do with a signal: a row says it (target_disposition). */
	h = mix(mix(mix(mix(h, t->sig.known | (uint64_t)t->sig.init << 1 |
	                           (uint64_t)t->sig.sender_inside << 2),
	                t->sig.caught),
	            t->sig.ignored),
	        t->sig.blocked);
	h = mix_str(mix_str(mix_str(mix_str(h, t->exe), t->cmdline), t->unit), t->container);
	/* Who asked: the evidence names the request and its time. */
	if (t->req.supervised)
		h = mix_str(mix(h, (uint64_t)t->req.pid), t->req.evidence);
	return h;
}

/* The coalescing slot of a single-target event, and whether it matches. */
static struct coalesce_slot *coalesce_slot(struct store *st, const struct st_event *ev,
                                           const struct proc_extra *x, uint64_t alike,
                                           bool *ret_match)
{
	const struct st_target *t = &ev->targets[0];
	uint64_t h = (uint64_t)(uint32_t)ev->pid * 2654435761u ^
	             (uint64_t)(uint32_t)t->pid * 40503u ^ (uint64_t)(uint32_t)ev->signal * 97u ^
	             (uint64_t)(uint32_t)ev->syscall;
	struct coalesce_slot *c = &st->coalesce[h % COALESCE_SLOTS];

	*ret_match = c->used && c->sender == ev->pid && c->target == t->pid &&
	             c->signal == ev->signal && c->syscall == ev->syscall && c->arch == ev->arch &&
	             c->success == ev->success && c->exit == ev->exit && c->alike == alike &&
	             ev->epoch_ms >= c->first_ms && ev->epoch_ms - c->first_ms < st->coalesce_ms &&
	             c->rowid > st->chains[CHAIN_SIGNALS].upto; /* a chained row never changes */
	uint64_t x_id = x ? x->id : 0;
	if (*ret_match && (x_id == 0 || x_id != c->x_id)) {
		*ret_match = extra_alike(x) == c->x_alike;
		c->x_id = *ret_match ? x_id : c->x_id;
	}
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
	store_bind_opt(st->seen, 3, host >= 0, host);
	rc = sqlite3_step(st->seen);
	sqlite3_reset(st->seen);
	if (rc == SQLITE_DONE && ev->n_targets == 1) {
		sqlite3_stmt *c = st->covered;
		sqlite3_reset(c);
		sqlite3_bind_int(c, 1, ev->targets[0].pid);
		sqlite3_bind_int64(c, 2, (int64_t)ev->serial);
		store_bind_opt(c, 3, host >= 0, host);
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
		store_bind_opt(a, 5, comm >= 0, comm);
		store_bind_opt(a, 6, exe >= 0, exe);
		store_bind_opt(a, 7, cmd >= 0, cmd);
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

/* One more event in the count of the row in slot. Returns SQLITE_OK or an
 * SQLite error code. */
static int bump(struct store *st, const struct coalesce_slot *slot, const struct st_event *ev)
{
	int rc;

	sqlite3_reset(st->bump);
	sqlite3_bind_int64(st->bump, 1, slot->rowid);
	sqlite3_bind_int64(st->bump, 2, (int64_t)ev->serial);
	rc = sqlite3_step(st->bump);
	sqlite3_reset(st->bump);
	if (rc != SQLITE_DONE)
		return rc;
	st->stats.coalesced++;
	st->bumped++;
	return SQLITE_OK;
}

/* Write the rows of ev from its first target on, with the event's string
 * ids[] (its SCOPE_EVENT and SCOPE_EXTRA columns) and sender chain; each
 * row interns its own. *done counts the rows written. Returns SQLITE_OK or
 * an SQLite error code. */
static int insert_rows(struct store *st, struct row_src *r, int64_t ids[COL__N], int64_t chain,
                       bool cached, unsigned *done)
{
	const struct st_event *ev = r->ev;
	const struct proc_extra *x = r->x;
	unsigned rows = ev->n_targets > 0 ? ev->n_targets : 1;
	int rc;

	for (unsigned i = 0; i < rows; i++, (*done)++) {
		r->t = ev->n_targets > 0 ? &ev->targets[i] : NULL;
		r->tx = x && i < x->n_targets ? &x->targets[i] : NULL;
		if ((rc = intern_scope(r, SCOPE_TARGET, ids)) != SQLITE_OK)
			return rc;
		if (r->tx && cached)
			cached_scope(st, SCOPE_TARGET_EXTRA, ids);
		else if ((rc = intern_scope(r, SCOPE_TARGET_EXTRA, ids)) != SQLITE_OK)
			return rc;
		if (r->tx && x->id != 0 && rows == 1 &&
		    !cached) { /* written below, or rolled back */
			st->xcache.id = x->id;
			st->xcache.chain = chain;
			st->xcache.signal = ev->signal;
			memcpy(st->xcache.ids, ids, sizeof(st->xcache.ids));
			/* Its texts are all of one generation only if none began
			 * while they were interned. */
			st->xcache.gen = st->text_gen == r->gen ? r->gen : -1;
		}
		sqlite3_reset(st->insert);
		bind_row(st->insert, r, ids, chain);
		if ((rc = sqlite3_step(st->insert)) != SQLITE_DONE)
			return rc;
		st->pending++;
	}
	sqlite3_reset(st->insert);
	return SQLITE_OK;
}

int store_insert_extra(struct store *st, const struct st_event *ev, const struct proc_extra *x)
{
	unsigned rows = ev->n_targets > 0 ? ev->n_targets : 1;
	unsigned done = 0; /* rows of this event already in the transaction */
	int64_t ids[COL__N], chain = -1;
	int64_t now_s = now_mono_ms() / 1000; /* the user-name cache's clock */
	int rc;

	if ((rc = store_begin(st)) != SQLITE_OK) {
		st->stats.rows_lost += rows;
		return store_sqlite_errno(rc);
	}
	struct row_src r = {.st = st,
	                    .ev = ev,
	                    .sys = sigsys_lookup(ev->arch, ev->syscall),
	                    .x = x,
	                    .now_s = now_s,
	                    .gen = st->text_gen};
	/* The last extra's ids, while their texts are of the newest generation
	 * (intern.c: a row refers to no older one) and for the same signal (the
	 * target's disposition, TX_CALL, is the extra's and the signal's). */
	bool cached = x && x->id != 0 && x->id == st->xcache.id && st->xcache.gen == st->text_gen &&
	              ev->signal == st->xcache.signal;
	for (int c = 0; c < COL__N; c++)
		ids[c] = ST_ID_UNSET;
	if ((rc = intern_scope(&r, SCOPE_EVENT, ids)) != SQLITE_OK)
		goto fail;
	if (cached)
		cached_scope(st, SCOPE_EXTRA, ids);
	else if ((rc = intern_scope(&r, SCOPE_EXTRA, ids)) != SQLITE_OK)
		goto fail;

	if (st->dedupe) {
		bool seen = false;
		if ((rc = already_stored(st, ev, ids[COL_HOST], &seen)) != SQLITE_OK)
			goto fail;
		if (seen)
			return 0;
	}
	struct coalesce_slot *slot = NULL;
	uint64_t alike = 0;
	if (ev->epoch_ms > st->newest_ms) /* chain.c: slots whose window it passed seal */
		st->newest_ms = ev->epoch_ms;
	if (st->coalesce_ms > 0 && ev->n_targets == 1) {
		bool match;
		alike = event_alike(ev, ids);
		slot = coalesce_slot(st, ev, x, alike, &match);
		if (match) {
			if ((rc = bump(st, slot, ev)) != SQLITE_OK)
				goto fail;
			return 0;
		}
	}

	if (cached)
		chain = st->xcache.chain;
	else if (x && (rc = insert_chain(st, x, &chain)) != SQLITE_OK)
		goto fail;
	if ((rc = insert_rows(st, &r, ids, chain, cached, &done)) != SQLITE_OK)
		goto fail;
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
		                               .created_ms = now_mono_ms(),
		                               .rowid = sqlite3_last_insert_rowid(st->db),
		                               .alike = alike,
		                               .x_id = x ? x->id : 0,
		                               .x_alike = extra_alike(x)};
	return (int)rows;
fail:
	sqlite3_reset(st->insert);
	st->stats.rows_lost += rows - done; /* the rollback counts the ones in the transaction */
	store_rollback(st);
	return store_sqlite_errno(rc);
}

void store_set_dedupe(struct store *st, bool on)
{
	st->dedupe = on;
}

int store_set_local_host(struct store *st, const char *name)
{
	char *copy = name ? strdup(name) : NULL;

	if (name && !copy)
		return -ENOMEM;
	free(st->local_host);
	st->local_host = copy;
	return 0;
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

int store_signals_prepare(struct store *st)
{
	int rc;

	if ((rc = prepare_insert(st)) != SQLITE_OK)
		return rc;
	if ((rc = store_prepare(st,
	                        "SELECT 1 FROM signal_rows WHERE epoch_ms = ?1 AND serial = ?2 AND "
	                        "host_s IS ?3 LIMIT 1",
	                        &st->seen)) != SQLITE_OK ||
	    (rc = store_prepare(st,
	                        "UPDATE signal_rows SET count = count + 1, last_serial = "
	                        "max(coalesce(last_serial, serial), ?2) WHERE id = ?1",
	                        &st->bump)) != SQLITE_OK ||
	    (rc = store_prepare(
	         st,
	         "SELECT 1 FROM signal_rows INDEXED BY signal_rows_coalesced WHERE target_pid = "
	         "?1 AND serial < ?2 AND last_serial IS NOT NULL AND last_serial >= ?2 AND "
	         "host_s IS ?3 AND sender_pid = ?4 AND signal = ?5 LIMIT 1",
	         &st->covered)) != SQLITE_OK)
		return rc;
	return store_prepare(st,
	                     "INSERT OR IGNORE INTO ancestry_rows(chain_s, depth, pid, start_time, "
	                     "comm_s, exe_s, cmdline_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	                     &st->ancestor);
}
