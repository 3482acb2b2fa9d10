/* verify_pg.c: `sigtrail verify --db postgres://... --host NAME` (or --to
 * CONNINFO), checks one host's hash chain at the fleet's centre: the
 * signal rows it forwarded carry their links (central signals.chain), and
 * each is hashed again from the central columns (origin_host being the
 * local host) exactly as the host hashed it (collector/store/chain.c), so a
 * row edited on the host before it was forwarded, or a row missing between
 * two forwarded ones, breaks the chain. A missing stretch that the host
 * recorded as dropped before forwarding (forward_drops) is no break, nor is
 * the first row of a database whose earlier rows never reached the centre;
 * rows without a link (recorded before the host had a chain) are counted.
 * Streams the rows (single-row mode): memory stays flat.
 * Exercise: tests/forward/forward.sh, or by hand:
 *   sigtrail verify --to 'dbname=sigtrail' --host web-42 */
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "sigtrail/chain.h"
#include "sigtrail/log.h"

/* One stretch the host recorded as dropped before forwarding. */
struct drop {
	char instance[40];
	int64_t first, last;
};

/* How the central columns are hashed: their local names, sorted. */
struct cols {
	int n, order[CHAIN_MAX_COLS];
	char name[CHAIN_MAX_COLS][64]; /* the local name of column order[k] (the first
	                                * result's names are freed with it) */
	int id, instance, chain;       /* indexes of those columns */
};

struct state {
	struct drop *drops;
	size_t n_drops;
	struct cols c;
	EVP_MD_CTX *ctx;
	char instance[40];
	unsigned char prev[CHAIN_HASH_LEN];
	int64_t prev_id, rows, unchained, dbs, excused;
	bool first;
	int64_t broken_id;
	char broken_instance[40];
	const char *why;
	const char *stream; /* NULL: the signal rows; "deaths" */
};

/* A central column that the host did not hash: the centre's own, and
 * those a later row fills in (chain_unhashed()). A zombie's boot_id is its
 * own (local schema 18); a signal's or a death's is the centre's, from the
 * runs. */
static bool central_only(const char *n, const char *stream)
{
	static const char *const centre[] = {"host", "machine_id", "received_at", "instance",
	                                     "chain"};
	for (size_t i = 0; i < sizeof(centre) / sizeof(centre[0]); i++)
		if (strcmp(n, centre[i]) == 0)
			return true;
	if (strcmp(n, "boot_id") == 0)
		return !(stream && strcmp(stream, "zombies") == 0);
	return chain_unhashed(n);
}

static void map_cols(const PGresult *r, struct cols *c, const char *stream)
{
	*c = (struct cols){.id = -1, .instance = -1, .chain = -1};
	for (int i = 0; i < PQnfields(r) && c->n < CHAIN_MAX_COLS; i++) {
		const char *n = PQfname(r, i);
		if (strcmp(n, "id") == 0)
			c->id = i;
		if (strcmp(n, "instance") == 0)
			c->instance = i;
		if (strcmp(n, "chain") == 0)
			c->chain = i;
		if (central_only(n, stream))
			continue;
		const char *local = strcmp(n, "origin_host") == 0 ? "host" : n;
		if (strlen(local) >= sizeof(c->name[0]))
			continue; /* no local column is named so long */
		int j = c->n++;
		while (j > 0 && strcmp(c->name[j - 1], local) > 0) {
			c->order[j] = c->order[j - 1];
			memcpy(c->name[j], c->name[j - 1], sizeof(c->name[j]));
			j--;
		}
		c->order[j] = i;
		snprintf(c->name[j], sizeof(c->name[j]), "%s", local);
	}
}

static bool hash_row(struct state *s, const PGresult *r, unsigned char out[CHAIN_HASH_LEN])
{
	unsigned int len = 0;
	int ok = EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) &&
	         EVP_DigestUpdate(s->ctx, s->prev, CHAIN_HASH_LEN);

	for (int k = 0; ok && k < s->c.n; k++) {
		int i = s->c.order[k];
		if (PQgetisnull(r, 0, i))
			continue;
		ok = EVP_DigestUpdate(s->ctx, s->c.name[k], strlen(s->c.name[k])) &&
		     EVP_DigestUpdate(s->ctx, "=", 1) &&
		     EVP_DigestUpdate(s->ctx, PQgetvalue(r, 0, i), (size_t)PQgetlength(r, 0, i)) &&
		     EVP_DigestUpdate(s->ctx, "\n", 1);
	}
	return ok && EVP_DigestFinal_ex(s->ctx, out, &len) && len == CHAIN_HASH_LEN;
}

static bool unhex(const char *h, unsigned char out[CHAIN_HASH_LEN])
{
	if (strlen(h) != 2 * CHAIN_HASH_LEN)
		return false;
	for (int i = 0; i < CHAIN_HASH_LEN; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (unsigned char)v;
	}
	return true;
}

/* Is (from, to) of this database inside what the host recorded as dropped? */
static bool dropped(const struct state *s, int64_t from, int64_t to)
{
	for (size_t i = 0; i < s->n_drops; i++)
		if (strcmp(s->drops[i].instance, s->instance) == 0 && s->drops[i].first <= from &&
		    s->drops[i].last >= to)
			return true;
	return false;
}

/* One central row. Returns false once the chain is broken. */
static bool check_row(struct state *s, const PGresult *r)
{
	const char *inst = PQgetvalue(r, 0, s->c.instance);
	int64_t id = strtoll(PQgetvalue(r, 0, s->c.id), NULL, 10);
	unsigned char got[CHAIN_HASH_LEN], stored[CHAIN_HASH_LEN];

	if (strcmp(inst, s->instance) != 0) { /* the next database of the host */
		snprintf(s->instance, sizeof(s->instance), "%s", inst);
		(void)chain_genesis_of(s->stream, inst, s->prev);
		s->first = true;
		s->prev_id = 0;
		s->dbs++;
	}
	if (s->c.chain < 0 || PQgetisnull(r, 0, s->c.chain)) {
		s->unchained++;
		return true;
	}
	bool good = unhex(PQgetvalue(r, 0, s->c.chain), stored) && hash_row(s, r, got) &&
	            memcmp(got, stored, CHAIN_HASH_LEN) == 0;
	if (!good && (s->first || (id > s->prev_id + 1 && dropped(s, s->prev_id + 1, id - 1))))
		s->excused++, good = true; /* links to rows that never came: recorded, or before */
	if (!good) {
		s->broken_id = id;
		snprintf(s->broken_instance, sizeof(s->broken_instance), "%s", inst);
		s->why = "edited before it was forwarded, or a row before it is missing";
		return false;
	}
	memcpy(s->prev, stored, CHAIN_HASH_LEN);
	s->prev_id = id;
	s->first = false;
	s->rows++;
	return true;
}

static int load_drops(PGconn *pg, const char *host, struct state *s)
{
	const char *params[2] = {host, s->stream ? s->stream : "signals"};
	PGresult *r = PQexecParams(pg,
	                           "SELECT instance, first_id, last_id FROM forward_drops WHERE "
	                           "host = $1 AND stream = $2",
	                           2, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
	    (s->drops = calloc((size_t)PQntuples(r), sizeof(*s->drops)))) {
		for (int i = 0; i < PQntuples(r); i++) {
			struct drop *d = &s->drops[s->n_drops++];
			snprintf(d->instance, sizeof(d->instance), "%s", PQgetvalue(r, i, 0));
			d->first = strtoll(PQgetvalue(r, i, 1), NULL, 10);
			d->last = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		}
	}
	PQclear(r); /* a centre older than central schema 2: no drops */
	return 0;
}

/* Stream the host's rows through check_row. Returns 0 or an exit status. */
static int stream_rows(PGconn *pg, const char *host, struct state *s)
{
	const char *params[1] = {host};
	PGresult *r;
	int code = 0;
	bool going = true;

	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE host = $1 ORDER BY instance, id",
	         s->stream ? s->stream : "signals");
	if (!PQsendQueryParams(pg, sql, 1, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(pg)) {
		log_error("verify: %s", PQerrorMessage(pg));
		return EX_UNAVAILABLE;
	}
	while ((r = PQgetResult(pg))) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE && going) {
			if (s->c.n == 0)
				map_cols(r, &s->c, s->stream);
			going = s->c.id >= 0 && s->c.instance >= 0 && check_row(s, r);
		} else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
			log_error("verify: reading the central %s: %s",
			          s->stream ? s->stream : "signals", PQresultErrorMessage(r));
			code = EX_UNAVAILABLE;
		}
		PQclear(r);
	}
	return code;
}

/* Check one stream's chain of the host. Returns 0 or an exit status. */
static int check_stream(PGconn *pg, const char *host, struct state *s)
{
	int code;

	if (!(s->ctx = EVP_MD_CTX_new()))
		return EX_OSERR;
	load_drops(pg, host, s);
	code = stream_rows(pg, host, s);
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
	free(s->drops);
	s->drops = NULL;
	return code;
}

/* Does the centre's view carry the chain (central schema 5)? */
static bool chained(PGconn *pg, const char *view)
{
	const char *params[1] = {view};
	PGresult *r = PQexecParams(pg,
	                           "SELECT 1 FROM information_schema.columns WHERE table_schema = "
	                           "'public' AND table_name = $1 AND column_name = 'chain'",
	                           1, NULL, params, NULL, NULL, 0);
	bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;

	PQclear(r);
	return yes;
}

int cli_verify_central_text(const char *conninfo, const char *host, char *buf, size_t size)
{
	PGconn *pg = PQconnectdb(conninfo);
	struct state s = {.first = true}, d = {.first = true, .stream = "deaths"},
	             z = {.first = true, .stream = "zombies"};
	int code;
	size_t n;

	buf[0] = '\0';
	if (PQstatus(pg) != CONNECTION_OK) {
		const char *m = PQerrorMessage(pg);
		snprintf(buf, size, "cannot connect to the centre: %.*s", (int)strcspn(m, "\n"), m);
		PQfinish(pg);
		return EX_UNAVAILABLE;
	}
	code = check_stream(pg, host, &s);
	bool deaths = code == 0 && s.broken_id == 0 && chained(pg, "deaths");
	if (deaths)
		code = check_stream(pg, host, &d);
	bool zombies = code == 0 && s.broken_id == 0 && d.broken_id == 0 && chained(pg, "zombies");
	if (zombies)
		code = check_stream(pg, host, &z);
	PQfinish(pg);
	if (code != 0)
		return code;
	if (s.broken_id || d.broken_id || z.broken_id) {
		const struct state *b = s.broken_id ? &s : d.broken_id ? &d : &z;
		snprintf(buf, size,
		         "central chain of host %s BROKEN at %s row %lld of database %s: %s", host,
		         b == &s   ? "signal"
		         : b == &d ? "death"
		                   : "zombie",
		         (long long)b->broken_id, b->broken_instance, b->why);
		return 1;
	}
	n = (size_t)snprintf(buf, size,
	                     "central chain of host %s intact: %lld rows in %lld database%s", host,
	                     (long long)s.rows, (long long)s.dbs, s.dbs == 1 ? "" : "s");
	if (s.excused && n < size)
		n += (size_t)snprintf(buf + n, size - n,
		                      "; %lld link%s to rows that never reached the centre (before "
		                      "forwarding began, or recorded in forward_drops)",
		                      (long long)s.excused, s.excused == 1 ? "" : "s");
	if (s.unchained && n < size)
		n += (size_t)snprintf(
		    buf + n, size - n,
		    "; %lld rows without a chain (recorded before the host had one)",
		    (long long)s.unchained);
	if (deaths && (d.rows || d.unchained) && n < size)
		n += (size_t)snprintf(buf + n, size - n, "; its deaths' chain intact: %lld deaths",
		                      (long long)d.rows);
	if (deaths && d.unchained && n < size)
		n += (size_t)snprintf(buf + n, size - n, ", %lld without a chain",
		                      (long long)d.unchained);
	if (zombies && (z.rows || z.unchained) && n < size)
		n +=
		    (size_t)snprintf(buf + n, size - n, "; its zombies' chain intact: %lld zombies",
		                     (long long)z.rows);
	if (zombies && z.unchained && n < size)
		snprintf(buf + n, size - n, ", %lld without a chain", (long long)z.unchained);
	return 0;
}

int cli_verify_central(const char *conninfo, const char *host)
{
	char text[1024];
	int code = cli_verify_central_text(conninfo, host, text, sizeof(text));

	if (code == EX_UNAVAILABLE)
		log_error("verify: %s", text);
	else if (text[0])
		printf("%s\n", text);
	return code;
}
