/* intern.c: the `strings` table, through a bounded in-memory cache. Every
 * repeated string of a row (host, user, comm, executable, command line...)
 * is stored once and referenced by its id. Names (few distinct values) are
 * unique in the whole table; texts (command lines, ancestries, chain keys:
 * mostly new) are unique among the newest generation of strings only, so
 * that storing one costs the same in a database of any size
 * (schema/004-strings-recent.sql says why). The cache is emptied when it
 * holds INTERN_SLOTS * 3 / 4 strings or INTERN_MAX_BYTES, and after a
 * rollback, whose ids may be gone. A cached text of a generation that is
 * no longer the newest is looked up again: a row refers only to texts of
 * the newest generation, the order that lets the pruner delete whole
 * generations (schema/006-prune-by-generation.sql). Every text is
 * redacted before SQLite sees it (collector/redact/): the table only ever
 * holds a command line with its secrets replaced; the cache, in memory,
 * maps the line as it came to that row, so a repeat is not judged again.
 * Exercise with `meson test -C build store`, or by hand:
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log
 *   sqlite3 /tmp/t.db 'select gen, count(*) from strings group by gen' */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

void store_intern_clear(struct store *st)
{
	for (size_t i = 0; i < INTERN_SLOTS; i++) {
		free(st->intern[i].value);
		st->intern[i].value = NULL;
	}
	st->intern_used = st->intern_bytes = 0;
	st->xcache.id = 0; /* its ids may be gone too (rollback, pruning) */
	store_chain_forget(st);
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
 * for a NULL value. A text is stored redacted (st->redact), and
 * *ret_redacted says how many secrets it lost; the cache is keyed by the
 * text as it came, so a repeated command line is judged once. Returns
 * SQLITE_OK or an SQLite error code (SQLITE_NOMEM: redaction ran out of
 * memory, and nothing is stored). */
static int intern_as(struct store *st, const char *value, bool text, int64_t *ret_id, bool *ret_new,
                     unsigned *ret_redacted)
{
	sqlite3_stmt *find = text ? st->text_find : st->str_find;
	sqlite3_stmt *add = text ? st->text_add : st->str_add;
	uint64_t h;
	size_t i;
	bool stale = false; /* slot i holds this text under an older generation's id */
	int rc;

	*ret_id = -1;
	*ret_redacted = 0;
	if (ret_new)
		*ret_new = false;
	if (!value)
		return SQLITE_OK;
	h = fnv1a(value) ^ text; /* the same value as a name and as a text: two ids */
	for (i = h & (INTERN_SLOTS - 1); st->intern[i].value; i = (i + 1) & (INTERN_SLOTS - 1)) {
		if (st->intern[i].hash == h && st->intern[i].text == text &&
		    strcmp(st->intern[i].value, value) == 0) {
			if (!text || st->intern[i].id >> TEXT_GEN_BITS == st->text_gen) {
				*ret_id = st->intern[i].id;
				*ret_redacted = st->intern[i].redactions;
				return SQLITE_OK;
			}
			stale = true;
			break;
		}
	}
	char *clean = NULL; /* what SQLite gets: the value without its secrets */
	int n = text ? redact_cmdline(&st->redact, value, &clean) : 0;
	if (n < 0)
		return SQLITE_NOMEM; /* never the text as it came */
	const char *stored = n > 0 ? clean : value;
	sqlite3_reset(find);
	sqlite3_bind_text(find, 1, stored, -1, SQLITE_STATIC);
	rc = sqlite3_step(find);
	if (rc == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(find, 0);
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(add);
		sqlite3_bind_text(add, 1, stored, -1, SQLITE_STATIC);
		rc = sqlite3_step(add);
		sqlite3_reset(add);
		if (rc != SQLITE_DONE) {
			free(clean);
			return rc;
		}
		*ret_id = sqlite3_last_insert_rowid(st->db);
		if (*ret_id >> TEXT_GEN_BITS > st->text_gen)
			st->text_gen = *ret_id >> TEXT_GEN_BITS;
		if (ret_new)
			*ret_new = true;
	} else {
		free(clean);
		return rc;
	}
	sqlite3_reset(find);
	free(clean);
	*ret_redacted = (unsigned)n;

	size_t len = strlen(value);
	if (stale) { /* the same text, now under the newest generation's id */
		st->intern[i].id = *ret_id;
		return SQLITE_OK;
	}
	if (st->intern_used >= INTERN_SLOTS * 3 / 4 || st->intern_bytes + len > INTERN_MAX_BYTES) {
		store_intern_clear(st);
		i = h & (INTERN_SLOTS - 1);
	}
	char *copy = strdup(value);
	if (copy) { /* a failed copy only costs a lookup next time */
		st->intern[i] = (struct intern_slot){.hash = h,
		                                     .value = copy,
		                                     .id = *ret_id,
		                                     .text = text,
		                                     .redactions = (unsigned)n};
		st->intern_used++;
		st->intern_bytes += len;
	}
	return SQLITE_OK;
}

int store_intern(struct store *st, const char *value, int64_t *ret_id, bool *ret_new)
{
	unsigned none;
	return intern_as(st, value, false, ret_id, ret_new, &none);
}

int store_intern_text(struct store *st, const char *value, int64_t *ret_id, bool *ret_new)
{
	unsigned n;
	int rc = intern_as(st, value, true, ret_id, ret_new, &n);

	if (rc == SQLITE_OK)
		st->pending_redactions += n;
	return rc;
}

void store_set_redact(struct store *st, const struct redact_rules *rules)
{
	st->redact = *rules;
	store_intern_clear(st); /* what is cached was judged by the old rules */
}

int store_intern_newest(struct store *st)
{
	int rc;

	sqlite3_reset(st->newest_gen);
	rc = sqlite3_step(st->newest_gen);
	if (rc == SQLITE_ROW)
		st->text_gen = sqlite3_column_int64(st->newest_gen, 0);
	sqlite3_reset(st->newest_gen);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int store_intern_prepare(struct store *st)
{
	int rc;

	if ((rc = store_prepare(st, "SELECT coalesce(max(id), 0) >> 16 FROM strings",
	                        &st->newest_gen)) != SQLITE_OK)
		return rc;

	if ((rc = store_prepare(st, "SELECT id FROM strings WHERE value = ?1 AND gen IS NULL",
	                        &st->str_find)) != SQLITE_OK ||
	    (rc = store_prepare(st, "INSERT INTO strings(value) VALUES (?1)", &st->str_add)) !=
	        SQLITE_OK)
		return rc;
	/* A text's generation is the block of 65,536 ids it was stored in
	 * (schema 4); only the newest is searched. */
	if ((rc = store_prepare(st,
	                        "SELECT id FROM strings WHERE gen = (SELECT max(id) FROM strings) "
	                        ">> 16 AND value = ?1",
	                        &st->text_find)) != SQLITE_OK)
		return rc;
	return store_prepare(st,
	                     "INSERT INTO strings(value, gen) VALUES (?1, (coalesce((SELECT "
	                     "max(id) FROM strings), 0) + 1) >> 16)",
	                     &st->text_add);
}
