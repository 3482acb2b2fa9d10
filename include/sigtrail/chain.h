/* The hash chains of the signal rows (schema/016-chain.sql) and of the
 * deaths (schema/019-death-chain.sql), shared by the store,
 * which extends it as rows are sealed (collector/store/chain.c), and
 * `sigtrail verify`, which checks it (collector/cli/verify.c). */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

enum { CHAIN_HASH_LEN = 32, CHAIN_MAX_COLS = 128 };

/* How one statement's rows (of the signals view's columns) are hashed. */
struct chain_hasher {
	void *ctx;                 /* an EVP_MD_CTX */
	int n;                     /* columns hashed */
	int order[CHAIN_MAX_COLS]; /* their indexes in the statement, sorted by name */
	int id_col;                /* the index of `id`, or -1 */
};

/* A column that no chain hashes: one a later row fills in
 * (target_disposition, reaped_at, reaped_epoch_ms). */
bool chain_unhashed(const char *name);

/* Prepare a hasher for the rows of `st` (its column names from index
 * `from` on decide what is hashed: all but chain_unhashed() ones, by name).
 * Returns 0, or -ENOMEM. */
int chain_hasher_init(struct chain_hasher *h, sqlite3_stmt *st, int from);

/* Free it; accepts a zeroed hasher. */
void chain_hasher_free(struct chain_hasher *h);

/* The hash that extends `prev` with the current row of `st`:
 * SHA-256(prev || "name=value\n" of each non-NULL column by name). Returns
 * 0, or -EIO when libcrypto fails. */
int chain_hash_row(struct chain_hasher *h, const unsigned char prev[CHAIN_HASH_LEN],
                   sqlite3_stmt *st, unsigned char ret[CHAIN_HASH_LEN]);

/* The chain's start for a database: SHA-256("sigtrail chain 1 " || uuid).
 * Returns 0, or -EIO. */
int chain_genesis(const char *uuid, unsigned char ret[CHAIN_HASH_LEN]);

/* The start of another stream's chain ("deaths", "zombies": schema 019):
 * SHA-256("sigtrail " stream " chain 1 " || uuid); NULL: chain_genesis().
 * Returns 0, or -EIO. */
int chain_genesis_of(const char *stream, const char *uuid, unsigned char ret[CHAIN_HASH_LEN]);
