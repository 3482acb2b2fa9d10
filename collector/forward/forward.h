/* The fleet's forwarder (collector/forward/): `sigtrail forward` reads the
 * local database read-only and sends its sealed rows to the central
 * PostgreSQL (schema/central/), one central transaction per batch. What the
 * files share: the COPY text encoder (copy.c), the settings (settings.c),
 * the connection and its backoff (pg.c), the streams of rows (stream.c) and
 * the command (forward.c). */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/optable.h"

/* A growing byte buffer: the COPY data of one batch, sent in chunks. */
struct fwd_buf {
	char *p;    /* the bytes, not NUL-terminated */
	size_t len; /* bytes used */
	size_t cap; /* bytes allocated */
};

/* Append `n` bytes. Returns 0 or -ENOMEM (the buffer is then unchanged). */
int fwd_buf_add(struct fwd_buf *b, const void *s, size_t n);

/* Free the bytes; accepts a zeroed buffer. */
void fwd_buf_free(struct fwd_buf *b);

/* Append one field of a COPY text-format row: `s` (n bytes) with backslash,
 * tab, newline and carriage return escaped, other control bytes as \xNN
 * escapes COPY decodes, and every byte that is not part of valid UTF-8 (the
 * central database's encoding, which refuses such text and would stop the
 * batch forever) replaced by U+FFFD. Returns 0 or -ENOMEM. */
int fwd_copy_text(struct fwd_buf *b, const char *s, size_t n);

/* Append the field separator (a tab), a NULL (\N) or a row's end. Return 0
 * or -ENOMEM. */
int fwd_copy_sep(struct fwd_buf *b);
int fwd_copy_null(struct fwd_buf *b);
int fwd_copy_end_row(struct fwd_buf *b);

/* Append an integer field. Returns 0 or -ENOMEM. */
int fwd_copy_int(struct fwd_buf *b, int64_t v);

/* forward.conf (settings.c): the keys and flags of `sigtrail forward`. */
struct fwd_settings {
	const char *to;           /* forward_to, --to: the libpq conninfo or URI */
	const char *db;           /* db, --db: the local database */
	const char *sslcert;      /* sslcert: this host's client certificate */
	const char *sslkey;       /* sslkey: its private key */
	const char *sslrootcert;  /* sslrootcert: the CA that signed the server's */
	const char *state_dir;    /* state_dir: where the acknowledged position is kept */
	int64_t batch_rows;       /* batch_rows: rows per central transaction */
	int64_t seal_ms;          /* seal_ms: a signal row older than this is sealed */
	int64_t poll_ms;          /* poll_ms: how often to look for new rows */
	int64_t reconnect_max_ms; /* reconnect_max_ms: the cap of the backoff */
};

/* The keys of forward.conf and their checks, as the option table of
 * sigtraild (optable.h) describes its own. */
extern const struct opt_desc fwd_opt_table[];
extern const size_t fwd_opt_table_len;

/* The settings the table's arg_ values hold now (defaults, then the file,
 * then the flags). Can't fail. */
void fwd_settings_get(struct fwd_settings *ret);

/* Connect to `s->to` with the certificate paths of `s`; sslmode is
 * verify-full unless the conninfo names another. Returns the connection
 * (CONNECTION_OK) or NULL with the reason in err. */
PGconn *fwd_connect(const struct fwd_settings *s, char *err, size_t errlen);

/* The next wait before reconnecting after `attempt` failures in a row:
 * capped exponential backoff with jitter (half the step fixed, half
 * random), so that a fleet does not reconnect in step. */
int64_t fwd_backoff_ms(unsigned attempt, int64_t max_ms, uint64_t random);
