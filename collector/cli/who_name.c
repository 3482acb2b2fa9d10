/* who_name.c: the signals of `sigtrail who NAME` through schema 20's
 * indexes. The view's match (target_comm = NAME cut to 15 bytes, or the
 * basename of target_exe = NAME) resolves two strings per row, so it read
 * every row of the database for the totals. Here NAME becomes string ids
 * first: the name equal to the comm (strings_name) and the executables
 * whose basename is NAME (strings_basename): comm and exe are names (gen
 * NULL) in every database the store writes (schema 4). The matching rows
 * are then disjoint ranges of two indexes: the comm's (target_comm_s =
 * C), and the rows whose exe is one of those but whose comm is not C
 * (signal_rows_target_exe, by exe then comm: three ranges around C). A
 * total is a count of index entries, the delivered ones the total less the
 * refused (signal_rows_target_comm_failed); a list, newest first, takes
 * the newest LIMIT of each range and sorts those few. A name with a dot
 * also matches the script an interpreter runs, which only the command
 * line tells: that stays on the view (who_signals.c). Exercise with
 *   sigtrail who --db /tmp/t.db nginx
 * on a database of `genlog mix` (tests/bench), and compare with a database
 * of schema 19 (tests/cli/who.sh checks both read the same). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	MAX_EXES = 1024, /* executables of one basename read through the index */
	ARMS = 4,        /* the comm's range and the exe's three around it */
};

struct cli_who_name {
	int64_t comm;     /* strings.id of the name equal to target_comm; -1: none */
	char *exe;        /* the ids of the exes whose basename is full_name, "1,2"; NULL: none */
	char *arm[ARMS];  /* each range's condition on signal_rows; NULL: unused */
	bool arm_is_comm; /* arm[0] is the comm's (target_comm_s = comm) */
};

#define BASENAME "replace(value, rtrim(value, replace(value, '/', '')), '')"

void cli_who_name_free(struct cli_who_name *n)
{
	if (!n)
		return;
	free(n->exe);
	for (int i = 0; i < ARMS; i++)
		free(n->arm[i]);
	free(n);
}

/* n->exe: the ids, comma-separated, of every name whose basename is `base`;
 * more than MAX_EXES gives *ret_many. */
static int load_exes(struct cli_db *d, const char *base, struct cli_who_name *n, bool *ret_many)
{
	sqlite3_stmt *s = NULL;
	size_t len = 0, count = 0;
	FILE *m = open_memstream(&n->exe, &len);
	int rc;

	*ret_many = false;
	if (!m)
		return SQLITE_NOMEM;
	rc = sqlite3_prepare_v2(
	    d->db, "SELECT id FROM strings WHERE " BASENAME " = ?1 AND gen IS NULL", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, base, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW && !*ret_many) {
			fprintf(m, "%s%lld", count ? "," : "",
			        (long long)sqlite3_column_int64(s, 0));
			*ret_many = ++count > MAX_EXES;
		}
	}
	sqlite3_finalize(s);
	if (fclose(m) != 0 && (rc == SQLITE_DONE || rc == SQLITE_ROW))
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return rc;
	if (count == 0) {
		free(n->exe);
		n->exe = NULL;
	}
	return SQLITE_OK;
}

static int load_comm(struct cli_db *d, const char *comm, int64_t *ret)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    d->db, "SELECT id FROM strings WHERE value = ?1 AND gen IS NULL", -1, &s, NULL);

	*ret = -1;
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(s, 1, comm, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* asprintf() into *ret, which stays NULL on failure; returns 0 or -1. */
static int __attribute__((format(printf, 2, 3))) arm_printf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (r < 0)
		*ret = NULL;
	return r < 0 ? -1 : 0;
}

/* The disjoint ranges whose union is the name's rows: the comm's, then the
 * exe's rows whose comm is unknown, below C or above C (or all of them
 * without a C). */
static int make_arms(struct cli_who_name *n)
{
	long long c = (long long)n->comm;
	int i = 0, r = 0;

	if (n->comm >= 0) {
		r |= arm_printf(&n->arm[i++], "target_comm_s = %lld", c);
		n->arm_is_comm = true;
	}
	if (n->exe && n->comm >= 0) {
		r |= arm_printf(&n->arm[i++], "target_exe_s IN (%s) AND target_comm_s IS NULL",
		                n->exe);
		r |= arm_printf(&n->arm[i++], "target_exe_s IN (%s) AND target_comm_s < %lld",
		                n->exe, c);
		r |= arm_printf(&n->arm[i++], "target_exe_s IN (%s) AND target_comm_s > %lld",
		                n->exe, c);
	} else if (n->exe) {
		r |= arm_printf(&n->arm[i++], "target_exe_s IN (%s)", n->exe);
	}
	return r < 0 ? SQLITE_NOMEM : SQLITE_OK;
}

int cli_who_name_load(struct cli_db *d, const struct cli_filter *f, struct cli_who_name **ret)
{
	struct cli_who_name *n;
	bool many = false;
	int rc;

	*ret = NULL;
	/* Only a plain name, on a database that has the indexes; else the view. */
	if (!f->target_comm || !f->full_name || !d->has_name_index || !d->has_process ||
	    strchr(f->full_name, '.') || cli_filter_has_text(f))
		return SQLITE_OK;
	if (!(n = calloc(1, sizeof(*n))))
		return SQLITE_NOMEM;
	rc = load_comm(d, f->target_comm, &n->comm);
	if (rc == SQLITE_OK)
		rc = load_exes(d, f->full_name, n, &many);
	if (rc == SQLITE_OK && !many)
		rc = make_arms(n);
	if (rc != SQLITE_OK || many) { /* many: the view serves it */
		cli_who_name_free(n);
		return rc;
	}
	*ret = n;
	return SQLITE_OK;
}

/* Add to *a and *b the two columns of "SELECT <select> FROM signal_rows
 * INDEXED BY <index> WHERE <arm> <filters> <and>". */
static int count_arm(struct cli_db *d, const struct cli_filter *f, const char *select,
                     const char *index, const char *arm, const char *and, int64_t *a, int64_t *b)
{
	sqlite3_stmt *s = NULL;
	char *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&sql, &len);
	int rc;

	if (!m)
		return SQLITE_NOMEM;
	fprintf(m, "SELECT %s FROM signal_rows INDEXED BY %s WHERE %s", select, index, arm);
	cli_filter_rows_sql(m, d, f);
	if (and)
		fprintf(m, " %s", and);
	if ((rc = cli_prepare_sql(d, f, m, &sql, &s)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*a += sqlite3_column_int64(s, 0);
		*b += sqlite3_column_int64(s, 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

int cli_who_name_count(struct cli_db *d, const struct cli_filter *f, int64_t *ret_rows,
                       int64_t *ret_delivered)
{
	const struct cli_who_name *n = f->name_ids;
	int64_t rows = 0, delivered = 0, failed = 0, unused = 0;
	int rc = SQLITE_OK;

	for (int i = 0; i < ARMS && n->arm[i] && rc == SQLITE_OK; i++) {
		if (i == 0 && n->arm_is_comm) {
			/* Index entries only: the total, and the refused from
			 * their partial index; the rest were delivered. */
			int64_t total = 0;
			rc = count_arm(d, f, "count(*), 0", "signal_rows_target_comm", n->arm[i],
			               NULL, &total, &unused);
			if (rc == SQLITE_OK)
				rc =
				    count_arm(d, f, "count(*), 0", "signal_rows_target_comm_failed",
				              n->arm[i], "AND success = 0", &failed, &unused);
			rows += total;
			delivered += total - failed;
		} else {
			/* The exe's index holds success: its entries tell both. */
			rc =
			    count_arm(d, f, "count(*), coalesce(sum(success), 0)",
			              "signal_rows_target_exe", n->arm[i], NULL, &rows, &delivered);
		}
	}
	if (rc != SQLITE_OK)
		return rc;
	*ret_rows = rows;
	*ret_delivered = delivered;
	return SQLITE_OK;
}

int cli_who_name_prepare(struct cli_db *d, const struct cli_filter *f, const char *select,
                         const char *and, const char *limit, sqlite3_stmt **ret)
{
	const struct cli_who_name *n = f->name_ids;
	char *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&sql, &len);

	if (!m)
		return SQLITE_NOMEM;
	fprintf(m, "SELECT %s FROM signals WHERE id IN (", select);
	for (int i = 0; i < ARMS && n->arm[i]; i++) {
		/* The exe's ranges are in exe and comm order: their index, and
		 * a sort of what they hold (few rows, unlike the comm's). */
		fprintf(m, "%sSELECT id FROM (SELECT id FROM signal_rows%s WHERE %s",
		        i ? " UNION ALL " : "",
		        i == 0 && n->arm_is_comm ? "" : " INDEXED BY signal_rows_target_exe",
		        n->arm[i]);
		cli_filter_rows_sql(m, d, f);
		fprintf(m, "%s%s ORDER BY epoch_ms DESC, id DESC LIMIT %s)", and? " " : "",
		        and? and : "", limit);
	}
	if (!n->arm[0])
		fputs("SELECT NULL WHERE 0", m); /* the name is no comm and no exe: no row */
	fprintf(m, ") ORDER BY epoch_ms DESC, id DESC LIMIT %s", limit);
	return cli_prepare_sql(d, f, m, &sql, ret);
}
