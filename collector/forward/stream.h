/* stream.c: the forwarder's streams of rows (signals with their ancestry,
 * deaths, coverage states), each read from a local view and written to a
 * central table, and the central session they are written through. */
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "forward.h"

enum fwd_stream_id {
	FWD_SIGNALS,
	FWD_ANCESTRY,
	FWD_DEATHS,
	FWD_COVERAGE,
	FWD_DROPS,
	FWD_ZOMBIES, /* zombie_rows (local schema 018) */
	FWD_REAPS,   /* zombie_reaps: their reapings */
	FWD__N
};

/* What one session sent and what the centre kept of it. */
struct fwd_counts {
	int64_t sent[FWD__N];     /* rows sent per stream */
	int64_t inserted[FWD__N]; /* rows the centre did not have before */
	int64_t batches;          /* central transactions committed */
};

/* One connection to the centre, and what the forwarder knows through it. */
struct fwd_session {
	PGconn *pg;
	char instance[37];          /* the local database's instance.uuid */
	char machine_id[64];        /* /etc/machine-id, or "" */
	char *central_cols;         /* "table\tcolumn\ttype\n"... of the central tables */
	char *ddl[FWD__N];          /* the staging table made for each stream, or NULL */
	int64_t pos_signals;        /* the last local signal_rows.id the centre has */
	int64_t pos_deaths;         /* the same of death_rows */
	int64_t pos_zombies;        /* the same of zombie_rows (-1: the centre has none) */
	int64_t pos_reaps;          /* the same of zombie_reaps */
	int64_t coverage_fp;        /* the runs' state last sent (a fingerprint), or -1 */
	int64_t coverage_structure; /* the runs' number and ends then */
	int64_t coverage_ms;        /* when, ms on the monotonic clock */
	int64_t drops_fp;           /* the forward_drops last sent (a fingerprint), or -1 */
	struct fwd_counts n;        /* what this session sent */
	char err[512];              /* the last error, for the caller's message */
	bool central_failed;        /* the error was the centre's (reconnect), not local */
};

/* Start a session on an open connection: read the local instance uuid
 * from `db`, the central tables' columns and (unless `resend`) this host's
 * high-water marks for that instance. Returns 0, or -1 with s->err set. */
int fwd_session_start(struct fwd_session *s, PGconn *pg, sqlite3 *db, bool resend);

/* Send one batch of `id` stream (FWD_SIGNALS with its ancestry,
 * FWD_DEATHS) of at most `max_rows` rows, the signals among them only if
 * sealed (older than seal_ms at now_ms). Returns the rows sent (0: none
 * left, or the next is not sealed yet; *ret_waiting is then true if a row
 * waits to be sealed), or -1 with s->err set. The position moves only after
 * the centre committed. */
int fwd_send_batch(struct fwd_session *s, sqlite3 *db, enum fwd_stream_id id, int64_t max_rows,
                   int64_t seal_ms, int64_t now_ms, bool *ret_waiting);

/* Send the state of every run (the coverage view) when it changed since
 * this session last sent it, in batches of max_rows: at once when a run
 * started or ended, at most once a minute (mono_ms: the monotonic clock)
 * when only heartbeats moved, and whatever changed when `force`. Returns the
 * rows sent, or -1 with s->err set. */
int fwd_send_coverage(struct fwd_session *s, sqlite3 *db, int64_t max_rows, bool force,
                      int64_t mono_ms);

/* Send the records of rows dropped before forwarding (forward_drops)
 * when they changed since this session last sent them; nothing when the
 * centre or the local database is older than they are. Returns the rows
 * sent, or -1 with s->err set. */
int fwd_send_drops(struct fwd_session *s, sqlite3 *db, int64_t max_rows);

/* Send the zombies found and reaped since this session last sent them
 * (local schema 018, central schema 4), in batches of max_rows; nothing
 * when either side is older. Returns the rows sent, or -1 with s->err set. */
int fwd_send_zombies(struct fwd_session *s, sqlite3 *db, int64_t max_rows);

/* End the session: the connection is closed. Accepts a zeroed session. */
void fwd_session_end(struct fwd_session *s);
