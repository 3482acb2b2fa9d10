/* The daemon's configuration file, /etc/sigtrail/sigtraild.conf: one
 * `key = value` per line, `#` comment lines, one key per daemon option.
 * Parsing only: the daemon applies the result before its command-line flags,
 * so a flag always wins. Covered by tests/unit/test_config.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
	CONFIG_LINE_MAX = 4096,            /* longest line accepted, newline included */
	CONFIG_USER_MAX = 32,              /* longest user name accepted (useradd's limit) */
	CONFIG_RETENTION_DAYS_MAX = 36500, /* a century, as --retention */
	CONFIG_DB_SIZE_MB_MAX = 1048576,   /* 1 TiB, as --max-db-size */
	CONFIG_COALESCE_MS_MAX = 3600000,  /* an hour, as --coalesce */
	CONFIG_DB_BUFFER_MB_MAX = 65536,   /* 64 GiB, as --db-buffer */
	CONFIG_RUNTIME_DIR_MAX = 256,      /* room for the files named in it */
};

/* Values as the file set them. A key the file does not set stays "unset"
 * (NULL or -1), so the daemon keeps its built-in default for it. */
struct config {
	char *db;               /* database path, absolute; NULL: unset */
	char *source;           /* auto, unicast, multicast or stdin; NULL: unset */
	int include_sig0;       /* 1 or 0 (yes/no); -1: unset */
	int keep_rules;         /* 1 or 0; -1: unset */
	int64_t retention_days; /* --retention; 0 = keep everything; -1: unset */
	int64_t max_db_size_mb; /* --max-db-size; 0 = no cap; -1: unset */
	int64_t coalesce_ms;    /* --coalesce; 0 = a row per signal; -1: unset */
	char *user;             /* --user: run as this user after setup; NULL: unset */
	int processes;          /* 0: --no-processes; 1 or -1: unset */
	int64_t db_buffer_mb;   /* --db-buffer: rows held while the disk is full; -1: unset */
	char *runtime_dir;      /* --runtime-dir, absolute; NULL: unset */
};

/* A config with every key unset. Can't fail. */
void config_init(struct config *c);

/* Free the strings of `c` and set every key back to unset. Accepts NULL. */
void config_free(struct config *c);

/* Parse the text of an open file; `name` is used in messages only.
 * On success returns 0 and fills *ret (which the caller later passes to
 * config_free()). On failure returns -EINVAL (bad syntax, unknown key, bad or
 * duplicate value, over-long line, NUL byte), -ENOMEM or a read error's
 * -errno, writes "NAME:LINE: what is wrong" into err and leaves *ret
 * untouched. */
int config_parse_file(FILE *f, const char *name, struct config *ret, char *err, size_t errlen);

/* Open `path` and parse it as config_parse_file() does. A missing file is
 * -ENOENT (the caller decides whether that matters: the default path may be
 * absent, an explicit --config may not); err then names the path too. */
int config_load(const char *path, struct config *ret, char *err, size_t errlen);
