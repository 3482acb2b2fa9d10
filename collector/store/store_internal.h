/* The store's own state, shared by its files (store.c: the connection and
 * its transactions; intern.c: the strings table; signals.c: signal rows;
 * deaths.c: death rows; runs.c, prune.c through store_sqlite()). Not a
 * public header: nothing outside collector/store includes it.
 *
 * Errors follow one convention in the whole folder. The functions of
 * include/sigtrail/store.h return 0 (or a count) or -errno, as every other
 * module of the daemon does. Beneath them, a helper that only wraps SQLite
 * calls (those declared here, intern_as(), already_stored()...) returns
 * SQLITE_OK or an SQLite result code, as the calls it wraps do, so that an
 * intern inside an insert fails the way its statement would. Its SQLite
 * code becomes -errno once, on the way out of the store.h function, through
 * store_sqlite_errno(): the only mapping from one to the other. A helper
 * that also fails for other reasons (check_dir(), migrate(): a directory,
 * a foreign file, malloc) returns -errno, converting SQLite's codes there
 * with the same function. */
#pragma once

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sigtrail/chain.h"
#include "sigtrail/ids.h"
#include "sigtrail/proc_extra.h"
#include "sigtrail/redact.h"
#include "sigtrail/schema.h"
#include "sigtrail/store.h"

enum {
	INTERN_SLOTS = 4096,            /* power of two */
	INTERN_MAX_BYTES = 1024 * 1024, /* cache memory bound; emptied when exceeded */
	COALESCE_SLOTS = 1024,          /* recent (sender, target, signal...) keys */
	TEXT_GEN_BITS = 16,             /* a text's generation is strings.id >> 16 (schema 4) */
};

/* The row that the next identical event may add to (storm coalescing). */
struct coalesce_slot {
	int32_t sender, target, signal, syscall, exit;
	uint32_t arch;
	bool success, used;
	int64_t first_ms;   /* epoch_ms of the row's first event: the window start */
	int64_t created_ms; /* monotonic ms it was made (chain.c: seals a window later) */
	int64_t rowid;
	uint64_t alike;   /* fingerprint of the rest of what the row shows (event_alike()) */
	uint64_t x_id;    /* the proc_extra of its last event (equal ids, equal contents) */
	uint64_t x_alike; /* fingerprint of the target's facts in it (extra_alike()) */
};

struct intern_slot {
	uint64_t hash;
	char *value; /* NULL: empty */
	int64_t id;
	bool text;           /* stored as a text (store_intern_text()), not as a name */
	unsigned redactions; /* secrets the text lost on its way to SQLite */
};

/* The string ids of one proc_extra's columns. */
struct extra_ids {
	uint64_t id;         /* proc_extra.id, 0: none */
	int64_t chain;       /* sender_chain_s */
	int signal;          /* the event's: the target's disposition depends on it */
	int64_t ids[COL__N]; /* by column; those of the extra's (signals.c, SCOPE_*EXTRA) */
	int64_t gen;         /* the text generation all its texts are of; -1: mixed, unusable */
};

/* chain.c's way of hashing a signal row from the row itself (struct
 * defined there), beside the view's. */
struct chain_fast;

/* One hash chain (chain.c): its statements, and where it stands. */
enum { CHAIN_SIGNALS, CHAIN_DEATHS, CHAIN_ZOMBIES, STORE_CHAINS };
struct store_chain {
	sqlite3_stmt *select;               /* the view's rows of an id range */
	sqlite3_stmt *insert;               /* one entry */
	sqlite3_stmt *last;                 /* the newest entry */
	struct chain_hasher h;              /* how select's rows are hashed */
	int64_t upto;                       /* the newest chained id (read at each BEGIN) */
	unsigned char prev[CHAIN_HASH_LEN]; /* its hash */
	bool prev_valid;                    /* false: the chain starts (genesis) */
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *insert;    /* one signal_rows row */
	sqlite3_stmt *str_find;  /* id of a name */
	sqlite3_stmt *str_add;   /* new name */
	sqlite3_stmt *text_find; /* id of a text in the newest generation */
	sqlite3_stmt *text_add;  /* new text */
	sqlite3_stmt *seen;      /* dedupe: is (epoch_ms, serial, host) stored? */
	sqlite3_stmt *bump;      /* coalescing: count + 1 on a row */
	sqlite3_stmt *covered;   /* dedupe: is the event inside a coalesced row? */
	sqlite3_stmt *ancestor;  /* one ancestry_rows row */
	sqlite3_stmt *death;     /* one death_rows row (deaths.c) */
	sqlite3_stmt *fatal;     /* its signal row's disposition, when unknown: default */
	sqlite3_stmt *zombie;    /* one zombie_rows row (zombies.c) */
	sqlite3_stmt *reap;      /* one zombie_reaps row */
	int64_t boot_s;          /* strings.id of the boot id, 0 not interned yet */
	char *default_host;      /* the host of events without node= */
	char *local_host;        /* the host whose ids this passwd names; NULL: default_host */
	bool dedupe;             /* import mode, see store_set_dedupe() */
	bool signals_recorded;   /* audit rules are loaded: deaths can have signal rows */
	int64_t coalesce_ms;     /* 0: every event is its own row */
	struct coalesce_slot coalesce[COALESCE_SLOTS];
	bool in_txn;
	unsigned pending;            /* rows in the open transaction */
	unsigned bumped;             /* coalesced events (count + 1) in the open transaction */
	unsigned pending_deaths;     /* death rows in the open transaction */
	uint64_t pending_redactions; /* secrets replaced in its texts (store_intern_text()) */
	struct redact_rules redact;  /* applied to every text; zeroed: every built-in rule */
	struct store_stats stats;
	struct intern_slot intern[INTERN_SLOTS];
	size_t intern_used, intern_bytes;
	/* The newest text generation (max(strings.id) >> 16), read when a
	 * transaction begins and advanced by this connection's inserts. A row
	 * refers only to texts of the generation that is the newest when it is
	 * written (a cached id of an older one is looked up again): the order
	 * the pruner relies on (schema/006-prune-by-generation.sql). */
	int64_t text_gen;
	sqlite3_stmt *newest_gen; /* reads it */
	bool capped;              /* prune.c: this round deleted rows for the size cap */
	int64_t era_width;        /* pid_eras.c: the width of the next range of pids */
	struct {
		int64_t era, pid; /* pid_eras.c: the era is copied up to this pid */
	} era_done_to;
	char *fwd_position; /* the forwarder's position file (unsent.c), or NULL */
	/* The hash chains (chain.c): the signal rows', the deaths', the zombies'. */
	struct store_chain chains[STORE_CHAINS];
	struct chain_fast *chain_fast; /* the signal rows', hashed from the rows; NULL: the view */
	bool sealed_all;               /* the last seal left no signal row waiting */
	bool deaths_waiting;  /* deaths may wait for their chain (at open, after a failure) */
	bool zombies_waiting; /* zombies likewise, or one was written */
	int64_t newest_ms;    /* the newest event time stored by this connection */
	/* The JSON-lines file (jsonl.c): */
	int jsonl_fd;             /* -1: none */
	char *jsonl_path;         /* for reopening */
	atomic_bool jsonl_reopen; /* SIGHUP asked for a reopen */
	char *jsonl_buf;          /* the lines of the open transaction */
	size_t jsonl_len, jsonl_cap;
	uint64_t jsonl_rows; /* lines in it */
	bool jsonl_overflow; /* it outgrew its bound: those lines are lost */
	/* forward_drop_rows.id written by this prune step, by stream (0
	 * signals, 1 deaths), 0: none yet: a step adds to its own row. */
	int64_t drop_row[2];
	struct ids_cache ids;
	/* WAL checkpoints on a thread of their own (checkpoint.c), for the
	 * daemon's writer thread; NULL: SQLite's own, inside the commits. */
	struct checkpointer *ckpt;
	/* The string ids of the last single-target extra written (its id): a
	 * storm shares one extra, resolved once. */
	struct extra_ids xcache;
};

/* The strings.id of the name `value` (a host, user, comm, executable, unit:
 * few distinct values, each stored once in the table), inserting it if new
 * (*ret_new, may be NULL, says so); -1 for a NULL value. Returns SQLITE_OK or
 * an SQLite error code. */
int store_intern(struct store *st, const char *value, int64_t *ret_id, bool *ret_new);

/* The same for a text that is mostly new (a command line, an ancestry, a
 * chain key): it is looked up among the newest generation of strings only
 * (schema 4), so storing it costs the same in a database of any size; one
 * last stored in an older generation is stored again, once per generation.
 * Every text is first redacted under st->redact (redact_cmdline()): this is
 * the one door through which command lines reach SQLite, so a new
 * command-line column stored as a text (EV_TEXT, X_TEXT, TX_TEXT in
 * schema.h) is redacted too. SQLITE_NOMEM when redaction runs out of
 * memory (nothing is stored then). */
int store_intern_text(struct store *st, const char *value, int64_t *ret_id, bool *ret_new);

/* Read the newest text generation into st->text_gen (at the start of a
 * transaction: another writer may have added strings). Returns SQLITE_OK or
 * an SQLite error code. */
int store_intern_newest(struct store *st);

/* Forget the rows coalescing would add to (some were deleted). Can't fail. */
void store_forget_rows(struct store *st);

/* Forget every cached string id (intern.c). Can't fail. */
void store_intern_clear(struct store *st);

/* Open a write transaction unless one is open. Returns SQLITE_OK or an
 * SQLite error code. */
int store_begin(struct store *st);

/* Prepare a statement that lives as long as the connection. Returns
 * SQLITE_OK and sets *ret, or an SQLite error code. */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **ret);

/* The first column of the first row of `sql`, -1 when it fails (prune.c,
 * pid_eras.c: queries whose NULLs are coalesced). */
int64_t store_scalar(sqlite3 *db, const char *sql);

/* Run `sql` with ?1 = a, ?2 = b, ?3 = c and ?4 = d (those it has): for a
 * statement that returns rows the first column of its last, else the rows
 * it changed; -errno on failure. */
int64_t store_run(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t c, int64_t d);

/* An SQLite result code (extended or primary) as -errno: SQLITE_FULL
 * -ENOSPC, SQLITE_PERM/READONLY/AUTH -EACCES, SQLITE_CANTOPEN -ENOENT,
 * SQLITE_NOMEM -ENOMEM, SQLITE_BUSY/LOCKED -EBUSY, SQLITE_NOTADB -EEXIST
 * (not ours), SQLITE_CORRUPT -EBADMSG (ours, damaged), anything else -EIO. */
int store_sqlite_errno(int rc);

/* Bind v to column col, or NULL when it is not known. */
static inline void store_bind_opt(sqlite3_stmt *s, int col, bool known, int64_t v)
{
	if (known)
		sqlite3_bind_int64(s, col, v);
	else
		sqlite3_bind_null(s, col);
}

/* Prepare the statements of intern.c, signals.c, deaths.c and zombies.c. Each returns
 * SQLITE_OK or an SQLite error code. */
int store_intern_prepare(struct store *st);
int store_signals_prepare(struct store *st);
int store_deaths_prepare(struct store *st);
int store_zombies_prepare(struct store *st);

/* --- unsent.c: rows the forwarder has not sent yet --- */

/* The highest signal_rows and death_rows ids the forwarder's position
 * file says the centre has: INT64_MAX each when no file is set or it is
 * absent, or is another database's (every row may be pruned, as without a
 * forwarder); 0 when it exists but cannot be read. Can't fail. */
void unsent_limits(struct store *st, int64_t *ret_signals, int64_t *ret_deaths);

/* Record in forward_drop_rows the rows of `chunk` (a query of `id,
 * epoch_ms` of the rows about to be deleted, with ?1 its row limit, bound
 * to chunk_rows, and ?3 its highest id, bound to upto) whose id exceeds `limit`: stream 0 signals,
 * 1 deaths, added to this prune step's row of the stream when it has one. Inside the caller's
 * transaction. Returns 0 or -errno. */
int unsent_record_drop(struct store *st, int stream, const char *chunk, int64_t limit, int64_t upto,
                       int64_t chunk_rows, int64_t now_ms);

/* --- chain.c: the hash chains of sealed signal rows and of deaths --- */

/* Prepare the chain's statements and this connection's TEMP trigger that
 * marks the rows it prunes. Returns SQLITE_OK or an SQLite error code. */
int store_chain_prepare(struct store *st);

/* Read the newest chain entry (at BEGIN: another writer may have chained
 * since). Returns SQLITE_OK or an SQLite error code. */
int store_chain_refresh(struct store *st);

/* Of the anchors pruned rows leave in each chain, keep the one the oldest
 * remaining row extends, and any between rows kept (prune.c, in its
 * transaction). Returns the entries deleted, or -errno. */
int64_t store_chain_compact(struct store *st);

/* Forget the strings the chain looked up (their ids may be gone: rollback,
 * pruning), and at close free what it holds. Can't fail. */
void store_chain_forget(struct store *st);
void store_chain_free(struct store *st);

/* Chain the rows that are sealed, in the open transaction (before COMMIT).
 * Returns SQLITE_OK or an SQLite error code (the rows chained so far stay
 * chained; the others wait for the next commit). */
int store_chain_seal(struct store *st);

/* --- jsonl.c: the JSON-lines file --- */

/* Append the current row of `s` (a signals view row) to the lines of the
 * open transaction. Can't fail (lines that do not fit are counted lost). */
void store_jsonl_row(struct store *st, sqlite3_stmt *s);

/* After COMMIT (committed) write the transaction's lines, after a rollback
 * drop them; reopen the file first if asked. Can't fail (best effort). */
void store_jsonl_flush(struct store *st, bool committed);

/* The wall-clock time of this boot, ms since the epoch (-1 unknown):
 * what turns /proc start times into times (runs.c). */
int64_t store_boot_epoch_ms(void);
