/* pg.c: the forwarder's connection to the centre. TLS is verify-full
 * unless the conninfo says otherwise (a host must know it talks to its own
 * centre, and prove who it is with its certificate); reconnection waits
 * follow a capped exponential backoff with jitter. Exercise with
 * `sigtrail forward --to 'host=127.0.0.1 dbname=sigtrail' --once`. */
#include <stdio.h>
#include <string.h>

#include "forward.h"

/* Whether the conninfo sets `keyword` itself. */
static bool conninfo_sets(const char *conninfo, const char *keyword)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	bool set = false;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0 && o->val && o->val[0])
			set = true;
	PQconninfoFree(opts);
	return set;
}

PGconn *fwd_connect(const struct fwd_settings *s, char *err, size_t errlen)
{
	const char *keys[8], *vals[8];
	size_t n = 0;
	char *perr = NULL;
	PQconninfoOption *check = PQconninfoParse(s->to, &perr);

	if (!check) {
		snprintf(err, errlen, "--to: not a connection string or URI: %s",
		         perr ? perr : "out of memory");
		PQfreemem(perr);
		return NULL;
	}
	PQconninfoFree(check);
	/* The conninfo is expanded in place of dbname; what precedes it is a
	 * default it may override, what follows overrides it. */
	if (!conninfo_sets(s->to, "sslmode"))
		keys[n] = "sslmode", vals[n++] = "verify-full";
	keys[n] = "application_name", vals[n++] = "sigtrail-forward";
	keys[n] = "dbname", vals[n++] = s->to;
	if (s->sslcert)
		keys[n] = "sslcert", vals[n++] = s->sslcert;
	if (s->sslkey)
		keys[n] = "sslkey", vals[n++] = s->sslkey;
	if (s->sslrootcert)
		keys[n] = "sslrootcert", vals[n++] = s->sslrootcert;
	keys[n] = NULL, vals[n] = NULL;

	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		const char *m = PQerrorMessage(c);
		snprintf(err, errlen, "%.*s", (int)strcspn(m, "\n"), m);
		PQfinish(c);
		return NULL;
	}
	return c;
}

int64_t fwd_backoff_ms(unsigned attempt, int64_t max_ms, uint64_t random)
{
	int64_t step = 500;

	for (unsigned i = 0; i < attempt && step < max_ms; i++)
		step *= 2;
	if (step > max_ms)
		step = max_ms;
	return step / 2 + (int64_t)(random % (uint64_t)(step / 2 + 1));
}
