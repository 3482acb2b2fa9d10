/* libpq.c: libpq, loaded when a command first needs it. The sigtrail CLI
 * is one program, and only its fleet's commands and a --db of the centre
 * talk to PostgreSQL; linked, libpq brings 20 libraries (Kerberos, LDAP,
 * SASL, GnuTLS...) that the dynamic loader maps and relocates at every
 * start: 4 to 5 ms of each `sigtrail who` (7.7 ms for `sigtrail
 * --version` against 3.3 ms for sigtraild's, which has no libpq;
 * BENCHMARKS.md, "The target pid by block"). So the CLI is linked against
 * these definitions of the libpq functions it calls (the prototypes are
 * libpq-fe.h's, which the compiler checks against these), and the first
 * call loads libpq.so.5 and every one of them at once. The package depends
 * on libpq5 by name (packaging/debian/control, rpm/sigtrail.spec), as the
 * linker's NEEDED entry said before. */
#include <dlfcn.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "sigtrail/log.h"

/* name, return type, parameters, arguments; V: those that return nothing */
#define PQ_FUNCS(X, V)                                                                             \
	V(PQclear, (PGresult * res), (res))                                                        \
	V(PQconninfoFree, (PQconninfoOption * o), (o))                                             \
	V(PQfinish, (PGconn * conn), (conn))                                                       \
	V(PQfreemem, (void *ptr), (ptr))                                                           \
	X(PQcmdTuples, char *, (PGresult * res), (res))                                            \
	X(PQconnectdb, PGconn *, (const char *conninfo), (conninfo))                               \
	X(PQconnectdbParams, PGconn *,                                                             \
	  (const char *const *keywords, const char *const *values, int expand_dbname),             \
	  (keywords, values, expand_dbname))                                                       \
	X(PQconninfoParse, PQconninfoOption *, (const char *conninfo, char **errmsg),              \
	  (conninfo, errmsg))                                                                      \
	X(PQdb, char *, (const PGconn *conn), (conn))                                              \
	X(PQerrorMessage, char *, (const PGconn *conn), (conn))                                    \
	X(PQescapeIdentifier, char *, (PGconn * conn, const char *str, size_t len),                \
	  (conn, str, len))                                                                        \
	X(PQexec, PGresult *, (PGconn * conn, const char *query), (conn, query))                   \
	X(PQexecParams, PGresult *,                                                                \
	  (PGconn * conn, const char *command, int n, const Oid *types, const char *const *values, \
	   const int *lengths, const int *formats, int result_format),                             \
	  (conn, command, n, types, values, lengths, formats, result_format))                      \
	X(PQfname, char *, (const PGresult *res, int field), (res, field))                         \
	X(PQfnumber, int, (const PGresult *res, const char *name), (res, name))                    \
	X(PQftype, Oid, (const PGresult *res, int field), (res, field))                            \
	X(PQgetResult, PGresult *, (PGconn * conn), (conn))                                        \
	X(PQgetisnull, int, (const PGresult *res, int row, int field), (res, row, field))          \
	X(PQgetlength, int, (const PGresult *res, int row, int field), (res, row, field))          \
	X(PQgetvalue, char *, (const PGresult *res, int row, int field), (res, row, field))        \
	X(PQnfields, int, (const PGresult *res), (res))                                            \
	X(PQntuples, int, (const PGresult *res), (res))                                            \
	X(PQputCopyData, int, (PGconn * conn, const char *buffer, int nbytes),                     \
	  (conn, buffer, nbytes))                                                                  \
	X(PQputCopyEnd, int, (PGconn * conn, const char *errormsg), (conn, errormsg))              \
	X(PQresultErrorMessage, char *, (const PGresult *res), (res))                              \
	X(PQresultStatus, ExecStatusType, (const PGresult *res), (res))                            \
	X(PQsendQueryParams, int,                                                                  \
	  (PGconn * conn, const char *command, int n, const Oid *types, const char *const *values, \
	   const int *lengths, const int *formats, int result_format),                             \
	  (conn, command, n, types, values, lengths, formats, result_format))                      \
	X(PQsetSingleRowMode, int, (PGconn * conn), (conn))                                        \
	X(PQstatus, ConnStatusType, (const PGconn *conn), (conn))                                  \
	X(PQuser, char *, (const PGconn *conn), (conn))

#define PQ_POINTER(name, ret, params, args) ret(*name) params;
#define PQ_POINTER_VOID(name, params, args) void(*name) params;
static struct {
	PQ_FUNCS(PQ_POINTER, PQ_POINTER_VOID)
} pq;

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;

/* Without libpq the command cannot do what it was asked: say which
 * library, and stop (the only callers are the fleet's commands). */
static void pq_load(void)
{
	void *lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
	void *p;

	if (!lib) {
		log_error("cannot load libpq, which this command needs (install libpq5): %s",
		          dlerror());
		exit(EX_UNAVAILABLE);
	}
#define PQ_RESOLVE(name, ret, params, args)                                                        \
	if (!(p = dlsym(lib, #name))) {                                                            \
		log_error("libpq.so.5 has no %s: %s", #name, dlerror());                           \
		exit(EX_UNAVAILABLE);                                                              \
	}                                                                                          \
	memcpy(&pq.name, &p, sizeof pq.name); /* POSIX: a symbol's address as a function */
#define PQ_RESOLVE_VOID(name, params, args) PQ_RESOLVE(name, void, params, args)
	PQ_FUNCS(PQ_RESOLVE, PQ_RESOLVE_VOID)
	/* lib stays loaded for the life of the process. */
}

/* Each definition: load libpq once (pthread_once orders the pointers'
 * stores before any thread's use), then call it. */
#define PQ_DEFINE(name, ret, params, args)                                                         \
	ret name params                                                                            \
	{                                                                                          \
		pthread_once(&pq_once, pq_load);                                                   \
		return pq.name args;                                                               \
	}
#define PQ_DEFINE_VOID(name, params, args)                                                         \
	void name params                                                                           \
	{                                                                                          \
		pthread_once(&pq_once, pq_load);                                                   \
		pq.name args;                                                                      \
	}

PQ_FUNCS(PQ_DEFINE, PQ_DEFINE_VOID)
